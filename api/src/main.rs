//! The `kyky` binary: `serve`, `migrate`, `token`, `openapi`.

use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::Parser;
use kyky_api::auth::Auth;
use kyky_api::cli::{Cli, Command, ConfigError, DatabaseArgs, ServeArgs, TokenArgs};
use kyky_api::rate_limit::RateLimitConfig;
use kyky_api::state::AppState;
use kyky_api::{demo, server, telemetry};
use kyky_domain::clock::{Clock, SystemClock};
use kyky_persistence::db::DatabaseUrl;
use kyky_persistence::{Db, StoreError, professionals};
use rand::Rng;
use rand::distr::Alphanumeric;

/// mimalloc, also under SQLite's own allocations (the `override` feature):
/// a request allocates many small short-lived values on whichever of the
/// blocking pool's threads runs it, and SQLite drops and refills its page
/// cache after other connections' commits; glibc's malloc was an eighth of
/// the blocking threads' time in the handover benchmark.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    let result = match cli.command {
        Command::Serve(args) => serve(args),
        Command::Migrate(args) => open_database(&args).map(|_| ()),
        Command::Token(args) => token(args),
        Command::Openapi => serde_json::to_string_pretty(&server::openapi())
            .map(|spec| println!("{spec}"))
            .map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("kyky: {error}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error>;

/// Connects and runs pending migrations.
fn open_database(args: &DatabaseArgs) -> Result<Db, AnyError> {
    let db = Db::connect(&args.database_url, args.db_pool_size)?;
    prepare_schema(&db, true)?;
    Ok(db)
}

/// Migrates, or with `--no-migrate` checks that nothing is pending.
fn prepare_schema(db: &Db, migrate: bool) -> Result<(), StoreError> {
    if migrate {
        let ran = db.migrate()?;
        tracing::info!(
            db.backend = db.backend_name(),
            migrations.ran = ran,
            "database ready"
        );
        return Ok(());
    }
    match db.pending_migrations()? {
        0 => Ok(()),
        pending => Err(StoreError::Configuration(format!(
            "the database has {pending} migration(s) pending and --no-migrate is set: run `kyky migrate` first"
        ))),
    }
}

/// Tries `prepare_schema` again with a growing pause (0.5 s doubling to
/// 30 s) while the database is unreachable; then serves. Any other failure
/// (a newer schema, a migration that fails) ends the process: no retry
/// mends it.
fn keep_preparing(db: &Db, migrate: bool, ready: &AtomicBool) {
    const MOST: Duration = Duration::from_secs(30);
    let mut pause = Duration::from_millis(500);
    loop {
        std::thread::sleep(pause);
        match prepare_schema(db, migrate) {
            Ok(()) => {
                ready.store(true, Ordering::Release);
                tracing::info!("the database is reachable: serving");
                return;
            }
            Err(StoreError::Unavailable(reason)) => {
                pause = (pause * 2).min(MOST);
                tracing::warn!(%reason, retry_in = ?pause, "the database is still not reachable");
            }
            Err(other) => {
                tracing::error!(error = %other, "cannot serve on this database");
                eprintln!("kyky: {other}");
                std::process::exit(1);
            }
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), AnyError> {
    let auth = match (args.jwt.auth()?, args.demo) {
        (Some(auth), _) => auth,
        (None, true) => {
            let secret: String = rand::rng()
                .sample_iter(&Alphanumeric)
                .take(48)
                .map(char::from)
                .collect();
            println!("No KYKY_JWT_SECRET set: generated a signing key for this demo run only.");
            println!(
                "Tokens below stop working when the server stops; set KYKY_JWT_SECRET to keep them.\n"
            );
            Auth::hs256(secret.as_bytes())?
        }
        (None, false) => return Err(ConfigError::MissingKey.into()),
    };
    if args.demo && args.jwt.trusted_issuers_file.is_some() && !args.jwt.accept_own_tokens {
        println!(
            "Trusted issuers are configured: the demo tokens below are refused unless KYKY_ACCEPT_OWN_TOKENS=1.\n"
        );
    }
    let db = Db::connect(&args.database.database_url, args.database.db_pool_size)?;
    let migrate = !args.no_migrate;
    let schema_ready = Arc::new(AtomicBool::new(false));
    match prepare_schema(&db, migrate) {
        Ok(()) => schema_ready.store(true, Ordering::Release),
        // An orchestrator may start Kyky before its database: serve 503 and
        // not-ready meanwhile, and keep trying. (The demo's tokens need the
        // database before anything is printed.)
        Err(StoreError::Unavailable(reason)) if !args.demo => {
            tracing::warn!(%reason, "the database is not reachable: serving 503 until it is");
            let (db, ready) = (db.clone(), schema_ready.clone());
            std::thread::Builder::new()
                .name("kyky-schema".to_owned())
                .spawn(move || keep_preparing(&db, migrate, &ready))?;
        }
        Err(other) => return Err(other.into()),
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    if args.demo {
        print_demo(&db, &auth, clock.now(), args.bind)?;
    }
    let listener =
        TcpListener::bind(args.bind).map_err(|e| format!("cannot listen on {}: {e}", args.bind))?;
    tracing::info!(address = %args.bind, "listening");
    let limits = RateLimitConfig {
        professional_per_minute: args.rate_limit_professional,
        integration_per_minute: args.rate_limit_integration,
    };
    let mut origins = args.cors_allowed_origins.clone();
    if args.demo {
        // The demo's own Swagger UI, however the tester writes the address.
        let port = args.bind.port();
        origins.extend([
            format!("http://{}", args.bind),
            format!("http://localhost:{port}"),
            format!("http://127.0.0.1:{port}"),
        ]);
    }
    origins.sort();
    origins.dedup();
    let metrics = match args.metrics_bind {
        Some(address) => {
            let listener = TcpListener::bind(address)
                .map_err(|e| format!("cannot listen on {address} for metrics: {e}"))?;
            tracing::info!(%address, "metrics at /metrics");
            Some((listener, kyky_api::metrics::install()?))
        }
        None => None,
    };
    let mut state = AppState::new(db.clone(), auth, clock, limits)
        .with_cors_allowed_origins(origins)
        .with_webhooks(args.webhooks.settings()?)
        .ready_when(schema_ready);
    if metrics.is_some() {
        state = state.with_metrics();
    }
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, Into::into));
    actix_web::rt::System::new().block_on(async move {
        if let Some((listener, handle)) = metrics {
            actix_web::rt::spawn(kyky_api::metrics::serve(listener, handle, db)?);
        }
        server::run(listener, state, workers)?.await
    })?;
    tracing::info!("stopped");
    Ok(())
}

fn print_demo(
    db: &Db,
    auth: &Auth,
    now: chrono::DateTime<chrono::Utc>,
    bind: std::net::SocketAddr,
) -> Result<(), AnyError> {
    if demo::load(db, now)? {
        println!(
            "Loaded the demo data set (Espoo employment services, work-ability team, Kela, social services, an NGO)."
        );
    } else {
        println!("The database already has data: demo data not loaded.");
    }
    println!("Swagger UI: http://{bind}/swagger-ui/  (Authorize → paste a token)\n");
    println!("Bearer tokens, valid 12 hours:");
    for user in demo::USERS {
        let professional = db.run(|conn| professionals::get(conn, user.id));
        let Ok(professional) = professional else {
            continue;
        };
        if let Some(token) = auth.mint(
            user.id,
            &professional.fields.roles,
            now,
            chrono::Duration::hours(12),
        ) {
            println!("\n  {} ({})\n  {token}", user.label, user.id);
        }
    }
    println!();
    Ok(())
}

/// Mints a token from a professional's record. Reads the database, never
/// creates or migrates it.
fn token(args: TokenArgs) -> Result<(), AnyError> {
    let auth = args.jwt.auth()?.ok_or(ConfigError::MissingKey)?;
    let url = &args.database.database_url;
    if let DatabaseUrl::Sqlite(path) = DatabaseUrl::parse(url)?
        && !std::path::Path::new(&path).exists()
    {
        return Err(format!(
            "no database at {path}: start `kyky serve` (or run `kyky migrate`) first, or point KYKY_DATABASE_URL at it"
        )
        .into());
    }
    let db = Db::connect(url, 1)?;
    if db.pending_migrations()? > 0 {
        return Err("the database is not migrated for this kyky: run `kyky migrate` first".into());
    }
    let professional = db
        .run(|conn| professionals::get(conn, args.professional))
        .map_err(|e| match e {
            kyky_persistence::StoreError::NotFound => format!(
                "no professional with id {} in this database",
                args.professional
            )
            .into(),
            other => AnyError::from(other),
        })?;
    if !professional.active {
        return Err("the professional is deactivated".into());
    }
    let ttl = chrono::Duration::from_std(args.ttl)?;
    let token = auth
        .mint(professional.id, &professional.fields.roles, SystemClock.now(), ttl)
        .ok_or("only a public key is configured: tokens can only be minted with KYKY_JWT_SECRET or KYKY_JWT_PRIVATE_KEY_FILE")?;
    println!("{token}");
    Ok(())
}

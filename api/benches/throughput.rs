//! Throughput of Kyky's audited requests beside the bare stack's ceiling.
//!
//! Starts, in one run and on the same database kind, Kyky and a bare
//! actix-web + diesel server (same pool size and worker count) that selects
//! one client by primary key and answers it as JSON; then drives each with a
//! closed-loop load of `KYKY_BENCH_CONNECTIONS` concurrent connections for
//! `KYKY_BENCH_SECONDS` seconds and prints req/s, p50 and p99, and the ratio
//! to the bare server. Nothing is asserted: run it to measure.
//!
//! The handover cycle (a proposal and its acceptance) has a floor of its
//! own: the bare server making only the rows a cycle must write, with
//! nothing read, checked or answered; the last line is Kyky's cycles as a
//! share of it.
//!
//! ```text
//! cargo bench -p kyky-api --bench throughput
//! KYKY_BENCH_DATABASE_URL=postgres://… cargo bench -p kyky-api --bench throughput
//! ```
//!
//! First it starts the `kyky` binary on its own and prints how long it took
//! to answer ready and its resident memory when idle.
//!
//! `KYKY_BENCH_ONLY=audited` runs only the scenarios whose label contains
//! the text (`bare,audited`: either text), for a profiler; without the bare
//! scenario there is no ratio.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at the first failure"
)]

/// The allocator the `kyky` binary runs with (see `src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeSet;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, get, post, web};
use chrono::Utc;
use kyky_api::auth::Auth;
use kyky_api::state::AppState;
use kyky_domain::clock::SystemClock;
use kyky_domain::entities::{OrganisationFields, ProfessionalFields};
use kyky_domain::{OrganisationKind, ProfessionalTitle, Role};
use kyky_persistence::sql_types::DbId;
use kyky_persistence::{Db, DbConnection, organisations, professionals};
use serde_json::{Value, json};
use uuid::Uuid;

const SECRET: &str = "kyky-benchmark-secret-that-is-long-enough";
/// Both servers: this many connections in the pool, this many workers.
const POOL: u32 = 8;
const WORKERS: usize = 2;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn database_url() -> String {
    std::env::var("KYKY_BENCH_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| {
            let path = std::env::temp_dir().join(format!("kyky-throughput-{}.db", Uuid::now_v7()));
            format!("sqlite://{}", path.display())
        })
}

/// The columns the bare server reads, declared here: benchmark code only.
mod bare_schema {
    diesel::table! {
        use diesel::sql_types::Text;
        use kyky_persistence::sql_types::Id;

        clients (id) {
            id -> Id,
            first_name -> Text,
            last_name -> Text,
        }
    }

    diesel::table! {
        use diesel::sql_types::{Bool, Nullable, Text};
        use kyky_persistence::sql_types::{Id, Time};

        handovers (id) {
            id -> Id,
            client_id -> Id,
            status -> Text,
            from_professional_id -> Id,
            proposed_by -> Id,
            to_professional_id -> Nullable<Id>,
            summary -> Text,
            reason -> Text,
            return_to_referrer -> Bool,
            proposed_at -> Time,
            decided_at -> Nullable<Time>,
            decided_by -> Nullable<Id>,
        }
    }

    diesel::table! {
        use diesel::sql_types::{Nullable, Text};
        use kyky_persistence::sql_types::{Id, Time};

        responsibility_periods (id) {
            id -> Id,
            client_id -> Id,
            professional_id -> Id,
            started_at -> Time,
            ended_at -> Nullable<Time>,
            origin -> Text,
            handover_id -> Nullable<Id>,
        }
    }

    diesel::table! {
        use diesel::sql_types::{Nullable, Text};
        use kyky_persistence::sql_types::{Id, Time};

        domain_events (id) {
            id -> Id,
            occurred_at -> Time,
            kind -> Text,
            client_id -> Nullable<Id>,
            subject_id -> Id,
            actor_id -> Id,
            payload -> Text,
        }
    }

    diesel::table! {
        use diesel::sql_types::{Nullable, Text};
        use kyky_persistence::sql_types::{Id, Time};

        access_log (id) {
            id -> Id,
            at -> Time,
            professional_id -> Id,
            organisation_id -> Id,
            client_id -> Nullable<Id>,
            operation -> Text,
            basis -> Nullable<Text>,
            outcome -> Text,
        }
    }
}

/// The bare ceiling: one client by primary key, as JSON, through the same
/// pool and diesel, on the backend's own connection (its prepared statement
/// found by type, as Kyky's hot statements are).
#[get("/bare/{id}")]
async fn bare(db: web::Data<Db>, id: web::Path<Uuid>) -> HttpResponse {
    use bare_schema::clients;
    use diesel::prelude::*;
    let (db, id) = (db.get_ref().clone(), DbId(id.into_inner()));
    let (id, first_name, last_name) = web::block(move || {
        db.run(|conn| {
            let query = clients::table.find(id).select((
                clients::id,
                clients::first_name,
                clients::last_name,
            ));
            match conn {
                DbConnection::Postgresql(c) => query.first::<(DbId, String, String)>(c),
                DbConnection::Sqlite(c) => query.first::<(DbId, String, String)>(c),
            }
            .map_err(kyky_persistence::StoreError::from)
        })
    })
    .await
    .unwrap()
    .unwrap();
    HttpResponse::Ok().json(json!({
        "id": id.0,
        "first_name": first_name,
        "last_name": last_name,
    }))
}

/// One step of a handover cycle on the bare server: a proposal when
/// `handover` is absent, else its acceptance.
#[derive(serde::Deserialize)]
struct BareStep {
    client: Uuid,
    from: Uuid,
    to: Uuid,
    organisation: Uuid,
    handover: Option<Uuid>,
}

/// The floor under a handover cycle: only the rows a cycle must write, in
/// one transaction per step through the same pool, `Db::transaction` and
/// tables (their indexes, keys and triggers), with nothing read first: no
/// token, no access facts, no checks, no answer but the id. A proposal is
/// three statements (the handover, its event, its access-log row), an
/// acceptance five (the handover decided, the responsibility period closed
/// and the next opened, the event, the access-log row).
#[post("/bare/handover")]
async fn bare_handover(db: web::Data<Db>, step: web::Json<BareStep>) -> HttpResponse {
    use bare_schema::{access_log, domain_events, handovers, responsibility_periods as periods};
    use diesel::prelude::*;
    use kyky_persistence::sql_types::DbTime;
    let (db, step) = (db.get_ref().clone(), step.into_inner());
    let id = web::block(move || {
        db.transaction(|conn| {
            let now = DbTime(Utc::now().naive_utc());
            let (handover, kind, operation, actor) = match step.handover {
                None => {
                    let id = Uuid::now_v7();
                    diesel::insert_into(handovers::table)
                        .values((
                            handovers::id.eq(DbId(id)),
                            handovers::client_id.eq(DbId(step.client)),
                            handovers::status.eq("pending"),
                            handovers::from_professional_id.eq(DbId(step.from)),
                            handovers::proposed_by.eq(DbId(step.from)),
                            handovers::to_professional_id.eq(DbId(step.to)),
                            handovers::summary.eq("Siirto"),
                            handovers::reason.eq("Vaihto"),
                            handovers::return_to_referrer.eq(false),
                            handovers::proposed_at.eq(now),
                        ))
                        .execute(conn)?;
                    (id, "handover.proposed", "handover.propose", step.from)
                }
                Some(id) => {
                    let decided = diesel::update(
                        handovers::table
                            .filter(handovers::id.eq(DbId(id)))
                            .filter(handovers::status.eq("pending")),
                    )
                    .set((
                        handovers::status.eq("accepted"),
                        handovers::decided_at.eq(now),
                        handovers::decided_by.eq(DbId(step.to)),
                    ))
                    .execute(conn)?;
                    assert_eq!(decided, 1, "the handover was pending");
                    diesel::update(
                        periods::table
                            .filter(periods::client_id.eq(DbId(step.client)))
                            .filter(periods::ended_at.is_null()),
                    )
                    .set(periods::ended_at.eq(now))
                    .execute(conn)?;
                    diesel::insert_into(periods::table)
                        .values((
                            periods::id.eq(DbId(Uuid::now_v7())),
                            periods::client_id.eq(DbId(step.client)),
                            periods::professional_id.eq(DbId(step.to)),
                            periods::started_at.eq(now),
                            periods::origin.eq("handover"),
                            periods::handover_id.eq(DbId(id)),
                        ))
                        .execute(conn)?;
                    (id, "handover.accepted", "handover.accept", step.to)
                }
            };
            diesel::insert_into(domain_events::table)
                .values((
                    domain_events::id.eq(DbId(Uuid::now_v7())),
                    domain_events::occurred_at.eq(now),
                    domain_events::kind.eq(kind),
                    domain_events::client_id.eq(DbId(step.client)),
                    domain_events::subject_id.eq(DbId(handover)),
                    domain_events::actor_id.eq(DbId(actor)),
                    domain_events::payload.eq("{}"),
                ))
                .execute(conn)?;
            diesel::insert_into(access_log::table)
                .values((
                    access_log::id.eq(DbId(Uuid::now_v7())),
                    access_log::at.eq(now),
                    access_log::professional_id.eq(DbId(actor)),
                    access_log::organisation_id.eq(DbId(step.organisation)),
                    access_log::client_id.eq(DbId(step.client)),
                    access_log::operation.eq(operation),
                    access_log::basis.eq("responsible_worker"),
                    access_log::outcome.eq("allowed"),
                ))
                .execute(conn)?;
            Ok::<_, kyky_persistence::StoreError>(handover)
        })
    })
    .await
    .unwrap()
    .unwrap();
    HttpResponse::Ok().json(json!({ "id": id }))
}

fn start_bare(url: &str) -> String {
    let db = Db::connect(url, POOL).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(move || {
                App::new()
                    .app_data(web::Data::new(db.clone()))
                    .service(bare)
                    .service(bare_handover)
            })
            .workers(WORKERS)
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    });
    address
}

fn start_kyky(db: Db, auth: Auth) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    // The benchmark measures the stack, not the per-token limit.
    let unlimited = kyky_api::rate_limit::RateLimitConfig {
        professional_per_minute: 0,
        integration_per_minute: 0,
    };
    let state = AppState::new(db, auth, Arc::new(SystemClock), unlimited);
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            kyky_api::server::run(listener, state, WORKERS)
                .unwrap()
                .await
        })
    });
    address
}

/// An organisation with two social counsellors, Sanna and Aino.
fn seed(db: &Db) -> (Uuid, Uuid, Uuid) {
    let now = Utc::now();
    db.transaction(|conn| {
        let org = organisations::insert(
            conn,
            Uuid::now_v7(),
            &OrganisationFields {
                name: "Työllisyys Benchmark".into(),
                kind: OrganisationKind::MunicipalEmploymentServices,
                business_id: None,
                municipality: None,
                external_refs: vec![],
            },
            now,
        )?;
        let mut people = Vec::new();
        for name in ["Sanna", "Aino"] {
            let fields = ProfessionalFields {
                first_name: name.into(),
                last_name: "Benchmark".into(),
                title: ProfessionalTitle::SocialCounsellor,
                email: None,
                phone: None,
                roles: [Role::Professional].into_iter().collect(),
            };
            people.push(professionals::insert(conn, Uuid::now_v7(), org.id, &fields, now)?.id);
        }
        Ok::<_, kyky_persistence::StoreError>((org.id, people[0], people[1]))
    })
    .expect("seed")
}

/// A synthetic henkilötunnus in the test range 900–999, different in each
/// run (with high probability), so that a PostgreSQL database can be reused:
/// an existing code would name an earlier run's client.
fn hetu(n: u32) -> String {
    static RUN: std::sync::OnceLock<u128> = std::sync::OnceLock::new();
    // The low 62 bits of a v7 id are random.
    let run = *RUN.get_or_init(|| Uuid::now_v7().as_u128() & ((1 << 62) - 1));
    let day = u64::try_from(run % 10_000).unwrap() + u64::from(n);
    let individual = 900 + u16::try_from(run / 10_000 % 100).unwrap();
    let date = chrono::NaiveDate::from_ymd_opt(1960, 1, 1).unwrap() + chrono::Days::new(day);
    kyky_domain::Hetu::from_parts(date, individual)
        .unwrap()
        .as_str()
        .to_owned()
}

/// What one scenario measured.
struct Measured {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Measured {
    fn per_second(&self) -> f64 {
        #[expect(clippy::cast_precision_loss, reason = "a count of requests")]
        let requests = self.requests as f64;
        requests / self.elapsed.as_secs_f64()
    }

    fn percentile_ms(&self, p: f64) -> f64 {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "an index into the list"
        )]
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index].as_secs_f64() * 1000.0
    }
}

/// Runs `step` in `connections` concurrent loops for `seconds` after a
/// second of warm-up; `step(loop, round)` makes one request (or cycle).
async fn load<F, Fut>(connections: usize, seconds: u64, step: F) -> Measured
where
    F: Fn(usize, usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let step = Arc::new(step);
    let warm_until = Instant::now() + Duration::from_secs(1);
    let until = warm_until + Duration::from_secs(seconds);
    let mut loops = Vec::with_capacity(connections);
    for index in 0..connections {
        let step = step.clone();
        loops.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut round = 0;
            loop {
                let start = Instant::now();
                if start >= until {
                    break;
                }
                step(index, round).await;
                round += 1;
                if start >= warm_until {
                    latencies.push(start.elapsed());
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for finished in loops {
        latencies.extend(finished.await.unwrap());
    }
    latencies.sort();
    Measured {
        requests: latencies.len(),
        elapsed: Duration::from_secs(seconds),
        latencies,
    }
}

/// A read's answer is checked as `wrk` checks it: its status, and its body
/// read to the end but not parsed (parsing it would cost the generator more
/// for Kyky's larger answer than for the bare server's, on the same cores).
async fn expect_success(response: reqwest::Response) {
    let status = response.status();
    let body = response.bytes().await.unwrap_or_default();
    assert!(
        status.is_success(),
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
}

async fn expect_ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}

/// Starts the `kyky` binary on `url` and returns how long it took to answer
/// ready (migrating a new database included) and its resident memory after
/// a second of idling, in MiB (Linux only; `None` elsewhere).
fn start_up(url: &str) -> (Duration, Option<f64>) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kyky"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("KYKY_JWT_SECRET", SECRET)
        .env("KYKY_DATABASE_URL", url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let ready = format!("127.0.0.1:{port}");
    let took = loop {
        let answered = std::net::TcpStream::connect(&ready).is_ok_and(|mut stream| {
            use std::io::{Read, Write};
            let asked = stream
                .write_all(b"GET /health/ready HTTP/1.1\r\nHost: kyky\r\nConnection: close\r\n\r\n")
                .is_ok();
            let mut answer = String::new();
            asked
                && stream.read_to_string(&mut answer).is_ok()
                && answer.starts_with("HTTP/1.1 200")
        });
        if answered {
            break started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "kyky did not get ready"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    std::thread::sleep(Duration::from_secs(1));
    let resident = std::fs::read_to_string(format!("/proc/{}/status", child.id()))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map(|kib| kib / 1024.0);
    child.kill().unwrap();
    child.wait().unwrap();
    (took, resident)
}

fn main() {
    let url = database_url();
    if std::env::var("KYKY_BENCH_ONLY").map_or(true, |only| "start-up".contains(only.as_str())) {
        // On SQLite a new file, so that start-up includes migrating it; on
        // PostgreSQL the database given (migrated there if it is new).
        let fresh = if url.starts_with("sqlite://") {
            database_url()
        } else {
            url.clone()
        };
        let (took, resident) = start_up(&fresh);
        if fresh != url {
            remove_sqlite_files(&fresh);
        }
        println!(
            "start-up of `kyky serve`: ready after {:.0} ms; resident memory after 1 s idle: {}",
            took.as_secs_f64() * 1000.0,
            resident.map_or_else(|| "not measured".to_owned(), |mib| format!("{mib:.1} MiB")),
        );
    }
    let connections = usize::try_from(setting("KYKY_BENCH_CONNECTIONS", 16)).unwrap();
    let seconds = setting("KYKY_BENCH_SECONDS", 5);
    let db = Db::connect(&url, POOL).expect("database");
    db.migrate().expect("migrations");
    let backend = db.backend_name();
    let (organisation, sanna, aino) = seed(&db);
    let auth = Auth::hs256(SECRET.as_bytes()).unwrap();
    let roles: BTreeSet<Role> = [Role::Professional].into_iter().collect();
    let token = |who| {
        auth.mint(who, &roles, Utc::now(), chrono::Duration::hours(1))
            .unwrap()
    };
    let (sanna_token, aino_token) = (token(sanna), token(aino));
    let kyky = start_kyky(db, auth.clone());
    let bare_server = start_bare(&url);

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        // No proxy lookup per request: the generator's own work is not what
        // is measured, and it shares the machine with the servers.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .no_proxy()
            .build()
            .unwrap();
        // Sanna's clients: one to read, one per loop for handovers.
        let mut clients = Vec::new();
        for n in 0..=u32::try_from(connections).unwrap() {
            let made = expect_ok(
                http.post(format!("{kyky}/api/v1/clients"))
                    .bearer_auth(&sanna_token)
                    .json(&json!({"personal_identity_code": hetu(n), "relationship_basis": "client_contact",
                        "first_name": "Matti", "last_name": format!("Meikäläinen {n}")}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            clients.push(Uuid::parse_str(made["id"].as_str().unwrap()).unwrap());
        }
        let read = clients[0];

        println!(
            "{backend}: {connections} connections, {seconds} s per scenario, pool {POOL}, {WORKERS} workers, {} cores",
            std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
        );
        println!(
            "{:<42} {:>9} {:>8} {:>8} {:>7}",
            "scenario", "req/s", "p50 ms", "p99 ms", "× bare"
        );
        let get = |address: String, token: Option<String>| {
            let http = http.clone();
            move |_: usize, _: usize| {
                let (http, address, token) = (http.clone(), address.clone(), token.clone());
                async move {
                    let mut request = http.get(address);
                    if let Some(token) = token {
                        request = request.bearer_auth(token);
                    }
                    expect_success(request.send().await.unwrap()).await;
                }
            }
        };
        let only = std::env::var("KYKY_BENCH_ONLY").unwrap_or_default();
        let wanted = |label: &str| only.split(',').any(|text| label.contains(text));
        let bare_label = "bare: one client by primary key";
        let ceiling = if wanted(bare_label) {
            Some(
                load(
                    connections,
                    seconds,
                    get(format!("{bare_server}/bare/{read}"), None),
                )
                .await,
            )
        } else {
            None
        };
        let ceiling_per_second = ceiling.as_ref().map_or(f64::NAN, Measured::per_second);
        let report = |label: &str, measured: &Measured| {
            println!(
                "{label:<42} {:>9.0} {:>8.2} {:>8.2} {:>7.2}",
                measured.per_second(),
                measured.percentile_ms(0.50),
                measured.percentile_ms(0.99),
                measured.per_second() / ceiling_per_second
            );
        };
        if let Some(ceiling) = &ceiling {
            report(bare_label, ceiling);
        }
        for (label, path) in [
            ("GET /api/v1/clients/{id} (audited read)", format!("/api/v1/clients/{read}")),
            ("GET /api/v1/caseload", "/api/v1/caseload".to_owned()),
            ("GET /api/v1/me", "/api/v1/me".to_owned()),
        ] {
            if !wanted(label) {
                continue;
            }
            let measured = load(
                connections,
                seconds,
                get(format!("{kyky}{path}"), Some(sanna_token.clone())),
            )
            .await;
            report(label, &measured);
        }

        // Each loop hands its own client back and forth: Sanna to Aino, then
        // Aino to Sanna; one cycle is a proposal and its acceptance.
        let people = Arc::new([(sanna_token.clone(), aino), (aino_token.clone(), sanna)]);
        let tokens = Arc::new([sanna_token, aino_token]);
        let handovers = Arc::new(clients[1..].to_vec());
        let cycle = {
            let http = http.clone();
            move |index: usize, round: usize| {
                let (http, kyky) = (http.clone(), kyky.clone());
                let (people, tokens, handovers) = (people.clone(), tokens.clone(), handovers.clone());
                async move {
                    let (from_token, to) = &people[round % 2];
                    let to_token = &tokens[(round + 1) % 2];
                    let client = handovers[index];
                    let proposed = expect_ok(
                        http.post(format!("{kyky}/api/v1/clients/{client}/handovers"))
                            .bearer_auth(from_token)
                            .json(&json!({"to_professional_id": to, "summary": "Siirto", "reason": "Vaihto"}))
                            .send()
                            .await
                            .unwrap(),
                    )
                    .await;
                    let id = proposed["id"].as_str().unwrap();
                    expect_success(
                        http.post(format!("{kyky}/api/v1/handovers/{id}/accept"))
                            .bearer_auth(to_token)
                            .json(&json!({}))
                            .send()
                            .await
                            .unwrap(),
                    )
                    .await;
                }
            }
        };
        let label = "handover propose + accept (cycles)";
        let mut cycles = None;
        if wanted(label) {
            let measured = load(connections, seconds, cycle).await;
            report(label, &measured);
            cycles = Some(measured.per_second());
        }

        // The same cycles on the bare server, its writes alone (after Kyky's:
        // it moves the same clients' responsibility without looking).
        let floor = {
            let http = http.clone();
            let (bare_server, clients) = (bare_server.clone(), Arc::new(clients[1..].to_vec()));
            move |index: usize, round: usize| {
                let (http, bare_server, clients) = (http.clone(), bare_server.clone(), clients.clone());
                async move {
                    let (from, to) = if round.is_multiple_of(2) { (sanna, aino) } else { (aino, sanna) };
                    let step = json!({"client": clients[index], "from": from, "to": to, "organisation": organisation});
                    let proposed = expect_ok(
                        http.post(format!("{bare_server}/bare/handover")).json(&step).send().await.unwrap(),
                    )
                    .await;
                    let mut accept = step;
                    accept["handover"] = proposed["id"].clone();
                    expect_success(
                        http.post(format!("{bare_server}/bare/handover")).json(&accept).send().await.unwrap(),
                    )
                    .await;
                }
            }
        };
        let label = "bare: a cycle's writes alone (cycles)";
        if wanted(label) {
            let measured = load(connections, seconds, floor).await;
            report(label, &measured);
            if let Some(cycles) = cycles {
                println!("{:<42} {:>9.2}", "handover cycles ÷ their writes alone", cycles / measured.per_second());
            }
        }
    });
    remove_sqlite_files(&url);
}

/// A SQLite database this run made, with its write-ahead log: the disk is
/// shared. (A PostgreSQL database given is left as it is.)
fn remove_sqlite_files(url: &str) {
    if let Some(path) = url.strip_prefix("sqlite://")
        && path.contains("kyky-throughput-")
    {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
}

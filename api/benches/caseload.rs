//! Latency of a worker's lists as the system grows: `GET /api/v1/caseload`
//! and `GET /api/v1/follow-ups` with 1 000, then 100 000 clients (or the
//! sizes in `KYKY_BENCH_CLIENTS`, e.g. `1000,1000000`).
//!
//! Grows the system in steps: every 200 clients get a responsible worker of
//! their own (each client with a published plan and an open follow-up); the
//! measured worker, from the first step, keeps a caseload of 200. After each
//! step it starts the real server and prints p50/p95 of each list as that
//! worker sees it, and the p95's ratio to the first size's. Nothing is
//! asserted: run it to measure. On PostgreSQL the sizes after the first are
//! grown by the database itself from the first size's rows.
//!
//! ```text
//! cargo bench -p kyky-api --bench caseload
//! KYKY_BENCH_CLIENTS=1000,1000000 cargo bench -p kyky-api --bench caseload
//! KYKY_BENCH_DATABASE_URL=postgres://… cargo bench -p kyky-api --bench caseload
//! ```

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

use chrono::{Days, NaiveDate, Utc};
use kyky_api::auth::Auth;
use kyky_api::state::AppState;
use kyky_domain::clock::SystemClock;
use kyky_domain::entities::{ClientFields, OrganisationFields, ProfessionalFields};
use kyky_domain::follow_up::FollowUpSource;
use kyky_domain::plan::PlanContent;
use kyky_domain::{Hetu, Language, OrganisationKind, ProfessionalTitle, Role};
use kyky_persistence::follow_ups::{self, NewFollowUp};
use kyky_persistence::{Db, clients, organisations, plans, professionals, responsibility};
use uuid::Uuid;

/// Clients per responsible worker.
const CASELOAD: u32 = 200;
/// Clients seeded per transaction.
const SEED_BATCH: u32 = 10_000;
const REQUESTS: usize = 300;
const SECRET: &str = "kyky-benchmark-secret-that-is-long-enough";

fn database_url() -> String {
    std::env::var("KYKY_BENCH_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| {
            let path = std::env::temp_dir().join(format!("kyky-bench-{}.db", Uuid::now_v7()));
            format!("sqlite://{}", path.display())
        })
}

/// A synthetic henkilötunnus in the test range 900–999, unique per `n` < 1 000 000.
fn hetu(n: u32) -> Hetu {
    let date = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap() + Days::new(u64::from(n % 20_000));
    Hetu::from_parts(date, 900 + u16::try_from(n / 20_000).unwrap()).unwrap()
}

/// Adds clients `from..to` to `organisation`, with a new responsible worker
/// for every `CASELOAD` of them; returns the workers added.
fn seed(db: &Db, organisation: Uuid, from: u32, to: u32) -> Vec<Uuid> {
    let now = Utc::now();
    let today = now.date_naive();
    let mut added = Vec::new();
    let mut start = from;
    while start < to {
        let end = to.min(start + SEED_BATCH);
        let workers = db
            .transaction(|conn| {
                let mut workers = Vec::new();
                for n in start..end {
                    if n % CASELOAD == 0 || workers.is_empty() {
                        let fields = ProfessionalFields {
                            first_name: format!("Työntekijä {}", n / CASELOAD),
                            last_name: "Benchmark".into(),
                            title: ProfessionalTitle::SocialCounsellor,
                            email: None,
                            phone: None,
                            roles: [Role::Professional].into_iter().collect(),
                        };
                        workers.push(
                            professionals::insert(
                                conn,
                                Uuid::now_v7(),
                                organisation,
                                &fields,
                                now,
                            )?
                            .id,
                        );
                    }
                    let worker = *workers.last().expect("a worker");
                    let fields = ClientFields {
                        first_name: format!("Asiakas {n}"),
                        last_name: format!("Sukunimi {}", n % 997),
                        email: None,
                        phone: None,
                        address: None,
                        preferred_language: Language::Finnish,
                        non_disclosure: false,
                    };
                    let client = clients::insert(conn, Uuid::now_v7(), &hetu(n), &fields, now)?;
                    responsibility::start(conn, client.id, worker, now)?;
                    let follow_up_on = today + Days::new(u64::from(n % 60));
                    let content = PlanContent {
                        follow_up_on: Some(follow_up_on),
                        ..PlanContent::default()
                    };
                    let plan = plans::insert_draft(conn, client.id, &content, None, worker, now)?;
                    plans::publish(conn, plan, false, worker, now)?;
                    let due = NewFollowUp {
                        client_id: client.id,
                        plan_id: Some(plan),
                        source: FollowUpSource::Plan,
                        responsibility_id: None,
                        owner_id: worker,
                        description: String::new(),
                        due_on: follow_up_on,
                    };
                    follow_ups::insert(conn, &due, worker, now)?;
                }
                Ok::<_, kyky_persistence::StoreError>(workers)
            })
            .expect("seed");
        added.extend(workers);
        start = end;
    }
    added
}

/// On PostgreSQL, the clients after the first size are made by the database
/// from the rows `seed` made (a statement per table, not seven per client,
/// which would take most of an hour for a million): the same shape — a new
/// responsible worker every `CASELOAD`, a published plan and an open
/// follow-up each, a valid henkilötunnus — with `template`'s values.
fn seed_in_bulk(db: &Db, template: Uuid, from: u32, to: u32) -> Vec<Uuid> {
    #[derive(diesel::QueryableByName)]
    struct Worker {
        #[diesel(sql_type = kyky_persistence::sql_types::Id)]
        worker: kyky_persistence::sql_types::DbId,
    }

    assert!(from.is_multiple_of(CASELOAD), "sizes are whole caseloads");
    let statements = [
        format!(
            "CREATE TEMPORARY TABLE bulk ON COMMIT DROP AS
             SELECT n, gen_random_uuid() AS client, gen_random_uuid() AS plan, w.worker,
                    DATE '1950-01-01' + n % 20000 AS born, 900 + n / 20000 AS serial
             FROM generate_series({from}, {to} - 1) AS n
             JOIN bulk_workers w ON w.w = n / {CASELOAD}"
        ),
        format!(
            "INSERT INTO professionals (id, organisation_id, first_name, last_name, title,
                 roles, active, version, created_at, updated_at)
             SELECT w.worker, t.organisation_id, 'Työntekijä ' || w.w, t.last_name, t.title,
                 t.roles, TRUE, 1, now(), now()
             FROM bulk_workers w, (SELECT * FROM professionals WHERE id = '{template}') t"
        ),
        "INSERT INTO clients (id, hetu, first_name, last_name, preferred_language, version,
             created_at, updated_at)
         SELECT client,
             to_char(born, 'DDMMYY') || CASE WHEN born < DATE '2000-01-01' THEN '-' ELSE 'A' END
                 || lpad(serial::text, 3, '0')
                 || substr('0123456789ABCDEFHJKLMNPRSTUVWXY',
                     ((to_char(born, 'DDMMYY') || lpad(serial::text, 3, '0'))::bigint % 31)::int + 1, 1),
             'Asiakas ' || n, 'Sukunimi ' || n % 997, 'fi', 1, now(), now()
         FROM bulk"
            .to_owned(),
        format!(
            "INSERT INTO responsibility_periods (id, client_id, professional_id, started_at, origin)
             SELECT gen_random_uuid(), b.client, b.worker, now(), t.origin
             FROM bulk b, (SELECT origin FROM responsibility_periods
                           WHERE professional_id = '{template}' LIMIT 1) t"
        ),
        format!(
            "INSERT INTO plans (id, client_id, number, status, content, follow_up_on,
                 warnings_acknowledged, created_by, created_at, updated_by, updated_at,
                 published_by, published_at, revision)
             SELECT b.plan, b.client, 1, t.status, t.content, CURRENT_DATE + b.n % 60,
                 t.warnings_acknowledged, b.worker, now(), b.worker, now(), b.worker, now(),
                 t.revision
             FROM bulk b, (SELECT * FROM plans WHERE created_by = '{template}' LIMIT 1) t"
        ),
        format!(
            "INSERT INTO follow_ups (id, client_id, plan_id, source, owner_id, description,
                 due_on, status, created_by, created_at)
             SELECT gen_random_uuid(), b.client, b.plan, t.source, b.worker, t.description,
                 CURRENT_DATE + b.n % 60, t.status, b.worker, now()
             FROM bulk b, (SELECT * FROM follow_ups WHERE owner_id = '{template}' LIMIT 1) t"
        ),
    ];
    db.transaction(|conn| {
        diesel::RunQueryDsl::execute(
            diesel::sql_query(format!(
                "CREATE TEMPORARY TABLE bulk_workers ON COMMIT DROP AS
                 SELECT w, gen_random_uuid() AS worker
                 FROM generate_series({from} / {CASELOAD}, ({to} - 1) / {CASELOAD}) AS w"
            )),
            conn,
        )?;
        for statement in &statements {
            diesel::RunQueryDsl::execute(diesel::sql_query(statement), conn)?;
        }
        let workers: Vec<Worker> = diesel::RunQueryDsl::load(
            diesel::sql_query("SELECT worker FROM bulk_workers ORDER BY w"),
            conn,
        )?;
        Ok::<_, kyky_persistence::StoreError>(workers.into_iter().map(|w| w.worker.0).collect())
    })
    .expect("seed in bulk")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss,
        reason = "an index into a short list"
    )]
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn main() {
    let sizes: Vec<u32> = std::env::var("KYKY_BENCH_CLIENTS")
        .unwrap_or_else(|_| "1000,100000".to_owned())
        .split(',')
        .map(|size| {
            size.trim()
                .parse()
                .expect("KYKY_BENCH_CLIENTS: sizes like 1000,100000")
        })
        .collect();
    let url = database_url();
    let db = Db::connect(&url, 8).expect("database");
    db.migrate().expect("migrations");
    let organisation = db
        .transaction(|conn| {
            organisations::insert(
                conn,
                Uuid::now_v7(),
                &OrganisationFields {
                    name: "Työllisyys Benchmark".into(),
                    kind: OrganisationKind::MunicipalEmploymentServices,
                    business_id: None,
                    municipality: None,
                    external_refs: vec![],
                },
                Utc::now(),
            )
        })
        .expect("organisation")
        .id;

    let auth = Auth::hs256(SECRET.as_bytes()).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    // The benchmark measures the lists, not the per-token limit.
    let unlimited = kyky_api::rate_limit::RateLimitConfig {
        professional_per_minute: 0,
        integration_per_minute: 0,
    };
    let state = AppState::new(db.clone(), auth.clone(), Arc::new(SystemClock), unlimited);
    std::thread::spawn(move || {
        actix_web::rt::System::new()
            .block_on(async move { kyky_api::server::run(listener, state, 2).unwrap().await })
    });

    let lists = [
        (
            "caseload, first page by next follow-up",
            "/api/v1/caseload?limit=25",
        ),
        (
            "caseload, first page by name",
            "/api/v1/caseload?sort=name&limit=25",
        ),
        (
            "caseload, whole (200) in one page",
            "/api/v1/caseload?limit=100",
        ),
        ("follow-ups, first page", "/api/v1/follow-ups?limit=25"),
    ];
    let mut first_p95: Vec<Duration> = Vec::new();
    let mut measured_worker = None;
    let mut seeded = 0;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let http = reqwest::Client::new();
    for size in sizes {
        let started = Instant::now();
        let workers = match measured_worker {
            Some(template) if url.starts_with("postgres") => {
                seed_in_bulk(&db, template, seeded, size)
            }
            _ => seed(&db, organisation, seeded, size),
        };
        seeded = seeded.max(size);
        let worker = *measured_worker.get_or_insert_with(|| workers[0]);
        if url.starts_with("postgres") {
            // As autovacuum would after a bulk load: the planner needs statistics.
            db.transaction(|conn| {
                diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), conn)?;
                Ok::<_, kyky_persistence::StoreError>(())
            })
            .expect("analyze");
        }
        println!(
            "{size} clients, {CASELOAD} per worker (seeded in {:.1} s):",
            started.elapsed().as_secs_f64()
        );
        let roles: BTreeSet<Role> = [Role::Professional].into_iter().collect();
        let token = auth
            .mint(worker, &roles, Utc::now(), chrono::Duration::hours(1))
            .unwrap();
        runtime.block_on(async {
            for (index, (label, path)) in lists.iter().enumerate() {
                let mut times = Vec::with_capacity(REQUESTS);
                for i in 0..REQUESTS + 10 {
                    let start = Instant::now();
                    let response = http
                        .get(format!("{address}{path}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap();
                    assert!(response.status().is_success(), "{}", response.status());
                    response.bytes().await.unwrap();
                    // The first requests warm the pool and caches.
                    if i >= 10 {
                        times.push(start.elapsed());
                    }
                }
                times.sort();
                let p95 = percentile(&times, 0.95);
                let base = *first_p95.get(index).unwrap_or(&p95);
                if first_p95.len() <= index {
                    first_p95.push(p95);
                }
                println!(
                    "  {label:<40} p50 {:>6.2} ms  p95 {:>6.2} ms  p95 × first size {:.2}",
                    percentile(&times, 0.50).as_secs_f64() * 1000.0,
                    p95.as_secs_f64() * 1000.0,
                    p95.as_secs_f64() / base.as_secs_f64(),
                );
            }
        });
    }
    drop(db);
    // A SQLite database this run made, with its write-ahead log: at a
    // million clients it is gigabytes. (A PostgreSQL database given stays.)
    if let Some(path) = url.strip_prefix("sqlite://") {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
}

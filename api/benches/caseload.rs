//! Latency of `GET /api/v1/caseload` with 100 000 clients in the system.
//!
//! Seeds 100 000 clients spread over 500 responsible workers (200 each, every
//! one with a published plan and open follow-ups), starts the real server and
//! prints p50/p95 of the endpoint as one of those workers sees it. Nothing is
//! asserted: run it to measure.
//!
//! ```text
//! cargo bench -p kyky-api --bench caseload
//! KYKY_BENCH_DATABASE_URL=postgres://… cargo bench -p kyky-api --bench caseload
//! ```

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at the first failure"
)]

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

const CLIENTS: u32 = 100_000;
const WORKERS: u32 = 500;
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

/// Seeds the clients; returns the worker whose caseload is measured.
fn seed(db: &Db) -> Uuid {
    let now = Utc::now();
    let today = now.date_naive();
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
        let mut workers = Vec::new();
        for w in 0..WORKERS {
            let fields = ProfessionalFields {
                first_name: format!("Työntekijä {w}"),
                last_name: "Benchmark".into(),
                title: ProfessionalTitle::SocialCounsellor,
                email: None,
                phone: None,
                roles: [Role::Professional].into_iter().collect(),
            };
            workers.push(professionals::insert(conn, Uuid::now_v7(), org.id, &fields, now)?.id);
        }
        for n in 0..CLIENTS {
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
            let worker = workers[(n % WORKERS) as usize];
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
        Ok::<_, kyky_persistence::StoreError>(workers[0])
    })
    .expect("seed")
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
    let url = database_url();
    let db = Db::connect(&url, 8).expect("database");
    db.migrate().expect("migrations");
    let started = Instant::now();
    let worker = seed(&db);
    if url.starts_with("postgres") {
        // As autovacuum would after a bulk load: the planner needs statistics.
        db.transaction(|conn| {
            diesel::RunQueryDsl::execute(diesel::sql_query("ANALYZE"), conn)?;
            Ok::<_, kyky_persistence::StoreError>(())
        })
        .expect("analyze");
    }
    println!(
        "seeded {CLIENTS} clients, {WORKERS} workers ({} per caseload) in {:.1} s",
        CLIENTS / WORKERS,
        started.elapsed().as_secs_f64()
    );

    let auth = Auth::hs256(SECRET.as_bytes()).unwrap();
    let roles: BTreeSet<Role> = [Role::Professional].into_iter().collect();
    let token = auth
        .mint(worker, &roles, Utc::now(), chrono::Duration::hours(1))
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    // The benchmark measures the caseload, not the per-token limit.
    let unlimited = kyky_api::rate_limit::RateLimitConfig {
        professional_per_minute: 0,
        integration_per_minute: 0,
    };
    let state = AppState::new(db, auth.clone(), Arc::new(SystemClock), unlimited);
    std::thread::spawn(move || {
        actix_web::rt::System::new()
            .block_on(async move { kyky_api::server::run(listener, state, 2).unwrap().await })
    });

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        for (label, query) in [
            ("first page, by next follow-up", "limit=25"),
            ("first page, by name", "sort=name&limit=25"),
            ("whole caseload in one page", "limit=100"),
        ] {
            let mut times = Vec::with_capacity(REQUESTS);
            for i in 0..REQUESTS + 10 {
                let start = Instant::now();
                let response = http
                    .get(format!("{address}/api/v1/caseload?{query}"))
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
            println!(
                "GET /api/v1/caseload?{query} ({label}): p50 {:.2} ms, p95 {:.2} ms over {REQUESTS} requests",
                percentile(&times, 0.50).as_secs_f64() * 1000.0,
                percentile(&times, 0.95).as_secs_f64() * 1000.0,
            );
        }
    });
}

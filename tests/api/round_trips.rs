//! Database round trips per request, counted by diesel's instrumentation on
//! the server's own pool: each statement costs more than all the Rust around
//! it. The ceilings are today's numbers, so none grows unnoticed.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, Worker, expect_status, fresh_hetu, id_of, spawn_app};

/// Statements and connection checkouts one request makes. A list must
/// answer with as many items as its `limit` asks (each test list has more).
async fn cost(app: &TestApp, path: &str, worker: &Worker) -> (u64, u64) {
    let before = app.db.traffic();
    let body = expect_status(app.get(path, &worker.token).await, StatusCode::OK).await;
    let spent = app.db.traffic() - before;
    if let Some((_, limit)) = path.split_once("limit=") {
        let items = body["items"].as_array().map_or(0, Vec::len);
        assert_eq!(items.to_string(), limit, "{path} answered {items} items");
    }
    (spent.statements, spent.checkouts)
}

async fn clients(app: &TestApp, worker: &Worker, n: usize) -> Vec<Uuid> {
    let mut made = Vec::with_capacity(n);
    for _ in 0..n {
        made.push(id_of(&app.client(worker, &fresh_hetu()).await));
    }
    made
}

#[tokio::test]
async fn requests_keep_within_their_round_trips() {
    // A full page: the lists must cost the same for 100 rows as for one.
    const ROWS: usize = 100;
    let app = spawn_app().await;
    let sanna = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let aino = app
        .worker_in(sanna.organisation_id, "social_counsellor")
        .await;
    let mine = clients(&app, &sanna, ROWS).await;
    for client in &mine {
        expect_status(
            app.post(
                &format!("/api/v1/clients/{client}/follow-ups"),
                &sanna.token,
                &json!({"description": "Soita", "due_on": chrono::Utc::now().date_naive()}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    // The deployment's cursor key is read once per process, on the first
    // list: not a cost of any one request.
    cost(&app, "/api/v1/caseload?limit=1", &sanna).await;
    let read = cost(&app, &format!("/api/v1/clients/{}", mine[0]), &sanna).await;
    let caseload = cost(&app, "/api/v1/caseload?limit=100", &sanna).await;
    let caseload_of_one = cost(&app, "/api/v1/caseload?limit=1", &sanna).await;
    let follow_ups = cost(&app, "/api/v1/follow-ups?limit=100", &sanna).await;
    let follow_ups_of_one = cost(&app, "/api/v1/follow-ups?limit=1", &sanna).await;
    for client in &mine {
        expect_status(
            app.post(
                &format!("/api/v1/clients/{client}/handovers"),
                &sanna.token,
                &json!({"to_professional_id": aino.id, "summary": "Siirto", "reason": "Vaihto"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let handovers = cost(
        &app,
        "/api/v1/handovers?direction=outgoing&limit=100",
        &sanna,
    )
    .await;
    let handovers_of_one = cost(&app, "/api/v1/handovers?direction=outgoing&limit=1", &sanna).await;

    let measured = [
        ("GET /clients/{id}", read),
        ("GET /caseload, 1 row", caseload_of_one),
        ("GET /caseload, 100 rows", caseload),
        ("GET /follow-ups, 1 row", follow_ups_of_one),
        ("GET /follow-ups, 100 rows", follow_ups),
        ("GET /handovers, 1 row", handovers_of_one),
        ("GET /handovers, 100 rows", handovers),
    ];
    // (statements, connections) on either backend: the caller, the access
    // check, the work and the access-log entries on the request's one
    // connection; a list's parts and access decided for the whole page, its
    // entries written in one insert.
    let ceilings: [(u64, u64); 7] = [(6, 1), (11, 1), (11, 1), (11, 1), (11, 1), (11, 1), (11, 1)];
    for (one, hundred) in [
        (caseload_of_one, caseload),
        (follow_ups_of_one, follow_ups),
        (handovers_of_one, handovers),
    ] {
        assert_eq!(one, hundred, "a list's cost does not grow with its length");
    }
    for (request, (statements, checkouts)) in measured {
        eprintln!("{request:<28} {statements:>4} statements {checkouts:>2} connections");
    }
    for ((request, (statements, checkouts)), (most, most_checkouts)) in
        measured.into_iter().zip(ceilings)
    {
        assert!(
            statements <= most && checkouts <= most_checkouts,
            "{request}: {statements} statements on {checkouts} connections, more than {most} on {most_checkouts}"
        );
    }
}

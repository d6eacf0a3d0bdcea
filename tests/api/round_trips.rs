//! Database round trips per request, counted by diesel's instrumentation on
//! the server's own pool: each statement costs more than all the Rust around
//! it. The ceilings are today's numbers, so none grows unnoticed.

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Espoo, TestApp, Worker, expect_status, fresh_hetu, id_of, spawn_app};

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
    let kept_read = cost(&app, &format!("/api/v1/clients/{}", mine[0]), &sanna).await;
    let me = cost(&app, "/api/v1/me", &sanna).await;
    let caseload = cost(&app, "/api/v1/caseload?limit=100", &sanna).await;
    let caseload_of_one = cost(&app, "/api/v1/caseload?limit=1", &sanna).await;
    let follow_ups = cost(&app, "/api/v1/follow-ups?limit=100", &sanna).await;
    let follow_ups_of_one = cost(&app, "/api/v1/follow-ups?limit=1", &sanna).await;
    for client in &mine {
        crate::helpers::propose_handover(&app, &sanna, *client, aino.id).await;
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
        ("GET /clients/{id}, kept", kept_read),
        ("GET /me", me),
        ("GET /caseload, 1 row", caseload_of_one),
        ("GET /caseload, 100 rows", caseload),
        ("GET /follow-ups, 1 row", follow_ups_of_one),
        ("GET /follow-ups, 100 rows", follow_ups),
        ("GET /handovers, 1 row", handovers_of_one),
        ("GET /handovers, 100 rows", handovers),
    ];
    // (statements, connections) on either backend. The client read: the
    // caller with the client's access facts in one statement, and the
    // access log's batched insert (Sanna's own client: her card comes with
    // her). Read again, from the facts the process keeps: no connection of
    // its own, only the log writer's check of their stamps and its insert,
    // each shared by the whole batch. `/me`: the caller with their
    // organisation whole, in one statement. A list: the caller, its parts
    // and access decided for the whole page, and the log.
    let ceilings: [(u64, u64); 9] = [
        (2, 1),
        (2, 0),
        (1, 1),
        (9, 1),
        (9, 1),
        (9, 1),
        (9, 1),
        (8, 1),
        (8, 1),
    ];
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

/// Posts `body` to `path` and expects `201 Created`.
async fn created(app: &TestApp, path: &str, worker: &Worker, body: &serde_json::Value) {
    expect_status(
        app.post(path, &worker.token, body).await,
        StatusCode::CREATED,
    )
    .await;
}

/// The client's consent to referring them to `organisation`'s teams.
async fn consent_to_refer(app: &TestApp, worker: &Worker, client: Uuid, organisation: Uuid) {
    created(
        app,
        &format!("/api/v1/clients/{client}/consents"),
        worker,
        &json!({"purposes": ["referral_to_assessment"],
            "organisation_ids": [organisation], "method": "written"}),
    )
    .await;
}

/// Refers the client to `team`.
async fn refer(app: &TestApp, worker: &Worker, client: Uuid, team: Uuid) {
    created(
        app,
        &format!("/api/v1/clients/{client}/referrals"),
        worker,
        &json!({"team_id": team, "reason": "Työkyvyn arvio"}),
    )
    .await;
}

/// A walk-in contact request to `team`'s inbox.
async fn walk_in(app: &TestApp, worker: &Worker, team: Uuid) {
    created(
        app,
        &format!("/api/v1/teams/{team}/contact-requests"),
        worker,
        &json!({"name": "Matti Meikäläinen", "phone": "040 123 4567", "channel": "walk_in"}),
    )
    .await;
}

#[tokio::test]
async fn every_other_list_costs_the_same_for_many_rows_as_for_one() {
    // Three rows are enough to show a cost per row: each would add a query.
    const ROWS: usize = 3;
    let espoo = Espoo::spawn().await;
    let Espoo {
        app, sanna, nurse, ..
    } = &espoo;
    let mut teams = Vec::new();
    for _ in 0..ROWS {
        teams.push(
            app.team("both", nurse.organisation_id, Some(nurse.id))
                .await,
        );
    }
    let inbox = teams[0];
    for client in clients(app, sanna, ROWS).await {
        consent_to_refer(app, sanna, client, nurse.organisation_id).await;
        refer(app, sanna, client, inbox).await;
        walk_in(app, sanna, inbox).await;
    }
    let client = clients(app, sanna, 1).await[0];
    let relationships = format!("/api/v1/clients/{client}/relationships");
    for _ in 1..ROWS {
        let organisation = app.organisation("Järjestö", "third_sector").await;
        created(
            app,
            &relationships.replace("/relationships", "/consents"),
            sanna,
            &json!({"purposes": ["information_exchange"],
                "organisation_ids": [organisation], "method": "written"}),
        )
        .await;
        created(
            app,
            &relationships,
            sanna,
            &json!({"organisation_id": organisation, "basis": "referral"}),
        )
        .await;
    }
    // Follow-ups of one client owned by two workers.
    for (owner, day) in [(sanna.id, 10), (espoo.aino.id, 11), (sanna.id, 12)] {
        created(
            app,
            &relationships.replace("/relationships", "/follow-ups"),
            sanna,
            &json!({"description": "Soita asiakkaalle", "due_on": format!("2099-01-{day}"),
                "owner_id": owner}),
        )
        .await;
    }
    // A history of three periods (Sanna, Aino, Sanna again) and one of one.
    let (handed, single) = {
        let made = clients(app, sanna, 2).await;
        (made[0], made[1])
    };
    espoo.hand_to_aino(handed).await;
    let back = id_of(
        &expect_status(
            app.post(
                &format!("/api/v1/clients/{handed}/handovers"),
                &espoo.aino.token,
                &json!({"to_professional_id": sanna.id, "summary": "Siirto", "reason": "Paluu"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    );
    expect_status(
        app.post(
            &format!("/api/v1/handovers/{back}/accept"),
            &sanna.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    cost(app, "/api/v1/caseload?limit=1", sanna).await;
    // On PostgreSQL the feed serves an event once no older transaction runs
    // anywhere in the cluster (other tests' databases included): wait until
    // it serves the last client's, and with them every earlier one.
    crate::helpers::read_feed_until(app, &sanna.token, None, client, 1).await;

    let lists = [
        (format!("/api/v1/teams/{inbox}/referrals"), &nurse),
        (format!("/api/v1/teams/{inbox}/contact-requests"), &nurse),
        (
            relationships.replace("/relationships", "/follow-ups"),
            &sanna,
        ),
        (relationships, &sanna),
        (
            format!("/api/v1/clients/{handed}/responsibility/history"),
            &sanna,
        ),
        ("/api/v1/teams".to_owned(), &nurse),
        ("/api/v1/clients".to_owned(), &sanna),
        ("/api/v1/events".to_owned(), &sanna),
    ];
    for (path, worker) in lists {
        // The first read after the writes above reads again the facts
        // they changed; the lists are compared after it.
        cost(app, &path, worker).await;
        let one = cost(app, &format!("{path}?limit=1"), worker).await;
        let many = cost(app, &format!("{path}?limit={ROWS}"), worker).await;
        eprintln!("GET {path}: {one:?} for one row, {many:?} for {ROWS}");
        assert_eq!(
            one, many,
            "{path}: a list's cost does not grow with its length"
        );
        assert_eq!(one.1, 1, "{path}: one connection");
    }
    // A history is one page of all periods: compare a long one with a short.
    let history = |client: Uuid| format!("/api/v1/clients/{client}/responsibility/history");
    cost(app, &history(single), sanna).await;
    let short = cost(app, &history(single), sanna).await;
    let long = cost(app, &history(handed), sanna).await;
    assert_eq!(
        short, long,
        "a history's cost does not grow with its periods"
    );
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Connections in steady use are not tested before each request (that would
/// be a round trip more); one that lay idle is. After the database closed
/// every connection, the next request after a pause is answered as usual.
#[tokio::test]
async fn requests_after_the_database_closed_its_connections_are_answered() {
    use diesel::RunQueryDsl;
    if !crate::helpers::is_postgres() {
        return; // SQLite has no server to close connections.
    }
    let app = spawn_app().await;
    let sanna = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let client = clients(&app, &sanna, 1).await[0];
    let path = format!("/api/v1/clients/{client}");
    expect_status(app.get(&path, &sanna.token).await, StatusCode::OK).await;
    // Every connection of the server's pool is closed, from outside it.
    let database = app
        .db
        .run(|conn| {
            diesel::sql_query("SELECT current_database() AS name")
                .get_result::<Name>(conn)
                .map_err(kyky_persistence::StoreError::from)
        })
        .expect("database name")
        .name;
    let admin_url = std::env::var("KYKY_TEST_DATABASE_URL").expect("admin url");
    let mut admin = <diesel::PgConnection as diesel::Connection>::establish(&admin_url)
        .expect("admin connection");
    let closed = diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'"
    ))
    .execute(&mut admin)
    .expect("terminate");
    assert!(closed >= 1, "the pool's connections were closed");
    // Longer than a connection may lie idle before it is checked.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    for _ in 0..3 {
        expect_status(app.get(&path, &sanna.token).await, StatusCode::OK).await;
    }
}

/// Statements one request makes that changes something, and answers 2xx.
async fn cost_of_change(
    app: &TestApp,
    path: &str,
    worker: &Worker,
    body: &serde_json::Value,
    status: StatusCode,
) -> ((u64, u64), serde_json::Value) {
    let before = app.db.traffic();
    let answer = expect_status(app.post(path, &worker.token, body).await, status).await;
    let spent = app.db.traffic() - before;
    ((spent.statements, spent.checkouts), answer)
}

#[tokio::test]
async fn a_handover_cycle_keeps_within_its_round_trips() {
    let espoo = Espoo::spawn().await;
    let client = espoo.client().await;
    let (propose, handover) = cost_of_change(
        &espoo.app,
        &format!("/api/v1/clients/{client}/handovers"),
        &espoo.sanna,
        &json!({"to_professional_id": espoo.aino.id, "summary": "Siirto", "reason": "Vaihto"}),
        StatusCode::CREATED,
    )
    .await;
    let (accept, _) = cost_of_change(
        &espoo.app,
        &format!("/api/v1/handovers/{}/accept", id_of(&handover)),
        &espoo.aino,
        &json!({}),
        StatusCode::OK,
    )
    .await;
    eprintln!("propose {propose:?}, accept {accept:?} (statements, connections)");
    // Today's numbers, so that neither grows unnoticed (the same on both:
    // an accept looks up the handover's client with the caller, so that its
    // transaction decides on the facts read then, checked by their stamp
    // with the client's lock, and reads the handover with its sender's
    // card). The answers' views
    // read nothing the transaction read already (the client, the people, the
    // follow-ups an acceptance moved). A write's transaction on SQLite runs
    // on the writers' connection, not a second checkout.
    assert!(propose.0 <= 10 && propose.1 == 1, "propose: {propose:?}");
    assert!(accept.0 <= 12 && accept.1 == 1, "accept: {accept:?}");
}

/// The caseload shows what waits in each of the caller's teams' inboxes,
/// counted right, for the same statements whether the caller is in one
/// team or three.
#[tokio::test]
async fn the_caseload_counts_every_team_inbox_in_the_same_statements() {
    let espoo = Espoo::spawn().await;
    let Espoo {
        app, sanna, nurse, ..
    } = &espoo;
    let inbox = app
        .team("both", nurse.organisation_id, Some(nurse.id))
        .await;
    for client in clients(app, sanna, 2).await {
        consent_to_refer(app, sanna, client, nurse.organisation_id).await;
        refer(app, sanna, client, inbox).await;
    }
    walk_in(app, sanna, inbox).await;
    let path = "/api/v1/caseload";
    cost(app, path, nurse).await;
    let in_one = cost(app, path, nurse).await;
    let others = [
        app.team("both", nurse.organisation_id, Some(nurse.id))
            .await,
        app.team("both", nurse.organisation_id, Some(nurse.id))
            .await,
    ];
    cost(app, path, nurse).await;
    let in_three = cost(app, path, nurse).await;
    assert_eq!(in_one, in_three, "the caseload's cost grows with the teams");

    let caseload = expect_status(app.get(path, &nurse.token).await, StatusCode::OK).await;
    let waiting: Vec<(String, i64, i64)> = caseload["team_inboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|inbox| {
            (
                inbox["team"]["id"].as_str().unwrap().to_owned(),
                inbox["referrals_waiting"].as_i64().unwrap(),
                inbox["contact_requests_waiting"].as_i64().unwrap(),
            )
        })
        .collect();
    let mut expected = vec![
        (inbox.to_string(), 2, 1),
        (others[0].to_string(), 0, 0),
        (others[1].to_string(), 0, 0),
    ];
    expected.sort();
    let mut waiting = waiting;
    waiting.sort();
    assert_eq!(waiting, expected);
}

/// A plan and its summary for the client cost the same with three services
/// of three providers as with one.
#[tokio::test]
async fn a_plan_costs_the_same_however_many_services_it_has() {
    let espoo = Espoo::spawn().await;
    let Espoo { app, sanna, .. } = &espoo;
    let mut providers = Vec::new();
    for _ in 0..3 {
        providers.push(app.organisation("Työpaja", "third_sector").await);
    }
    let starts = (chrono::Utc::now().date_naive() + chrono::Days::new(7)).to_string();
    let plan_with = |services: &[Uuid]| {
        json!({
            "goals": [{"text": "Haluan jaksaa käydä työpajalla", "target_on": starts}],
            "services": services.iter().map(|provider| json!({
                "code": "rehabilitative_work_activity", "provider_organisation_id": provider,
                "status": "active", "starts_on": starts})).collect::<Vec<_>>(),
        })
    };
    let mut plans = Vec::new();
    for services in [&providers[..1], &providers[..]] {
        let client = clients(app, sanna, 1).await[0];
        let plan = expect_status(
            app.post(
                &format!("/api/v1/clients/{client}/plans"),
                &sanna.token,
                &plan_with(services),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        plans.push(id_of(&plan));
    }
    for path in ["", "/summary"] {
        let [one, three] = [plans[0], plans[1]].map(|plan| format!("/api/v1/plans/{plan}{path}"));
        cost(app, &one, sanna).await;
        cost(app, &three, sanna).await;
        assert_eq!(
            cost(app, &one, sanna).await,
            cost(app, &three, sanna).await,
            "GET /plans/{{id}}{path}: a plan's cost grows with its services"
        );
    }
}

/// A client's export costs the same with three referrals as with one.
#[tokio::test]
async fn an_export_costs_the_same_however_many_referrals_it_holds() {
    let espoo = Espoo::spawn().await;
    let Espoo {
        app, sanna, nurse, ..
    } = &espoo;
    let teams = [
        app.team("both", nurse.organisation_id, Some(nurse.id))
            .await,
        app.team("both", nurse.organisation_id, Some(nurse.id))
            .await,
        app.team("both", nurse.organisation_id, Some(nurse.id))
            .await,
    ];
    let mut exports = Vec::new();
    for referred in [&teams[..1], &teams[..]] {
        let client = clients(app, sanna, 1).await[0];
        let base = format!("/api/v1/clients/{client}");
        consent_to_refer(app, sanna, client, nurse.organisation_id).await;
        for &team in referred {
            refer(app, sanna, client, team).await;
        }
        exports.push(format!("{base}/export"));
    }
    cost(app, &exports[0], sanna).await;
    cost(app, &exports[1], sanna).await;
    let one = cost(app, &exports[0], sanna).await;
    let three = cost(app, &exports[1], sanna).await;
    assert_eq!(one, three, "an export's cost grows with its referrals");
}

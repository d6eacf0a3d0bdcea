//! The event feed: changes in feed order, resumable from a cursor without
//! gaps or repeats, each shown only to those who may read its client at the
//! moment they read.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    Espoo, expect_problem, expect_status, fields, fresh_hetu, id_of, is_postgres, read_feed,
    read_feed_until,
};

fn types_of(events: &[Value], client: Uuid) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["client_id"] == client.to_string())
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn consent_for(e: &Espoo, client: Uuid, organisation: Uuid) -> Value {
    let body = json!({"purposes": ["information_exchange"], "organisation_ids": [organisation], "method": "written"});
    expect_status(
        e.app
            .post(
                &format!("/api/v1/clients/{client}/consents"),
                &e.sanna.token,
                &body,
            )
            .await,
        StatusCode::CREATED,
    )
    .await
}

#[actix_web::test]
async fn the_feed_tells_each_change_once_in_order_and_resumes_from_its_cursor() {
    let e = Espoo::spawn().await;
    let hetu = fresh_hetu();
    let client = id_of(&e.app.client(&e.sanna, &hetu).await);
    consent_for(&e, client, e.nurse.organisation_id).await;
    let handover = e.hand_to_aino(client).await;

    let (whole, caught_up) = read_feed_until(&e.app, &e.sanna.token, None, client, 6).await;
    assert_eq!(
        types_of(&whole, client),
        [
            "client.created",
            "relationship.opened",
            "consent.given",
            "handover.proposed",
            "handover.accepted",
            "responsibility.changed"
        ]
    );
    let accepted = whole
        .iter()
        .find(|e| e["type"] == "handover.accepted")
        .unwrap();
    assert_eq!(accepted["subject_id"], handover.to_string());
    assert_eq!(accepted["actor_id"], e.aino.id.to_string());
    let changed = whole
        .iter()
        .find(|e| e["type"] == "responsibility.changed")
        .unwrap();
    assert_eq!(changed["data"]["to"], e.aino.id.to_string());
    for event in &whole {
        let text = event.to_string();
        assert!(!text.contains(&hetu), "{text}");
    }

    // Page by page, the same events in the same order.
    let (paged, _) = read_feed(&e.app, &e.sanna.token, None, 2).await;
    let ids = |events: &[Value]| {
        events
            .iter()
            .filter(|e| e["client_id"] == client.to_string())
            .map(|e| e["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&paged), ids(&whole));

    // Caught up: nothing more until something happens; then only that.
    let (none, _) = read_feed(&e.app, &e.sanna.token, Some(&caught_up), 10).await;
    assert!(types_of(&none, client).is_empty());
    let update = json!({"description": "Soita", "due_on": "2030-01-01"});
    expect_status(
        e.app
            .post(
                &format!("/api/v1/clients/{client}/follow-ups"),
                &e.aino.token,
                &update,
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let (since, _) = read_feed_until(&e.app, &e.sanna.token, Some(&caught_up), client, 1).await;
    assert_eq!(types_of(&since, client), ["follow_up.added"]);

    // Only the types asked for.
    let page = expect_status(
        e.app
            .get(
                "/api/v1/events?types=handover.accepted,consent.given&limit=100",
                &e.sanna.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(
        types_of(items, client),
        ["consent.given", "handover.accepted"]
    );
}

#[actix_web::test]
async fn an_organisation_sees_events_only_of_clients_it_may_read_now() {
    let e = Espoo::spawn().await;
    let client = e.client().await;
    let kela = e.app.worker("kela", "kela_expert").await;
    let consent = consent_for(&e, client, e.nurse.organisation_id).await;

    let (nurse_sees, _) = read_feed_until(&e.app, &e.nurse.token, None, client, 3).await;
    assert!(types_of(&nurse_sees, client).contains(&"consent.given".to_owned()));
    let (kela_sees, _) = read_feed(&e.app, &kela.token, None, 100).await;
    assert!(types_of(&kela_sees, client).is_empty(), "{kela_sees:?}");

    // The nurse's read is in the client's access log.
    let log = expect_status(
        e.app
            .get(
                &format!("/api/v1/clients/{client}/access-log?limit=100"),
                &e.sanna.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        log["items"].as_array().unwrap().iter().any(|entry| {
            entry["operation"] == "event.list" && entry["professional_id"] == e.nurse.id.to_string()
        }),
        "{log}"
    );

    // Withdrawn: the same events are no longer shown, from any cursor.
    let withdraw = format!(
        "/api/v1/consents/{}/withdraw",
        consent["id"].as_str().unwrap()
    );
    expect_status(
        e.app
            .post(&withdraw, &e.sanna.token, &json!({"method": "verbal"}))
            .await,
        StatusCode::OK,
    )
    .await;
    let (after_withdrawal, _) = read_feed(&e.app, &e.nurse.token, None, 100).await;
    assert!(types_of(&after_withdrawal, client).is_empty());
}

#[actix_web::test]
async fn a_bad_type_or_cursor_is_refused_naming_it() {
    let e = Espoo::spawn().await;
    let problem = expect_problem(
        e.app
            .get(
                "/api/v1/events?types=handover.accepted,nonsense",
                &e.sanna.token,
            )
            .await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["types"]);
    // `types=` names no type (leave it out for every type).
    expect_problem(
        e.app.get("/api/v1/events?types=", &e.sanna.token).await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    expect_problem(
        e.app.get("/api/v1/events?limit=0", &e.sanna.token).await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    // Another caller's cursor opens nothing.
    let (_, sannas) = read_feed(&e.app, &e.sanna.token, None, 10).await;
    expect_problem(
        e.app
            .get(&format!("/api/v1/events?after={sannas}"), &e.aino.token)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "rule-violation",
    )
    .await;
}

/// On PostgreSQL an event of a transaction still running holds back those
/// after it, so a reader who moves on never skips it.
#[actix_web::test]
async fn an_event_committed_late_is_not_skipped() {
    if !is_postgres() {
        return; // SQLite commits its writes one after another, in order.
    }
    let e = Espoo::spawn().await;
    let client = e.client().await;
    let (_, start) = read_feed_until(&e.app, &e.sanna.token, None, client, 2).await;

    // A write that takes its time: its event is numbered first, commits last.
    let (written, wait_for_write) = std::sync::mpsc::channel();
    let (commit, wait_for_commit) = std::sync::mpsc::channel::<()>();
    let db = e.app.db.clone();
    let slow = std::thread::spawn(move || {
        db.transaction(|conn| {
            kyky_persistence::events::record(
                conn,
                kyky_domain::event::EventType::FollowUpAdded,
                client,
                Uuid::now_v7(),
                Uuid::now_v7(),
                &json!({}),
                chrono::Utc::now(),
            )?;
            written.send(()).unwrap();
            wait_for_commit.recv().unwrap();
            Ok::<_, kyky_persistence::StoreError>(())
        })
    });
    wait_for_write.recv().unwrap();
    consent_for(&e, client, e.nurse.organisation_id).await;
    let (held, cursor) = read_feed(&e.app, &e.sanna.token, Some(&start), 100).await;
    assert!(types_of(&held, client).is_empty(), "{held:?}");

    commit.send(()).unwrap();
    slow.join().unwrap().unwrap();
    let (released, _) = read_feed_until(&e.app, &e.sanna.token, Some(&cursor), client, 2).await;
    assert_eq!(
        types_of(&released, client),
        ["follow_up.added", "consent.given"]
    );
}

#[derive(diesel::QueryableByName)]
struct Numbered {
    #[diesel(sql_type = diesel::sql_types::Text)]
    kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq: i64,
}

/// Events are numbered in the order they are written, several written by
/// one statement included (an acceptance's two): on SQLite one apart, with
/// no gap a reader could wait on.
#[actix_web::test]
async fn events_are_numbered_in_the_order_written() {
    use diesel::RunQueryDsl;
    let e = Espoo::spawn().await;
    let client = id_of(&e.app.client(&e.sanna, &fresh_hetu()).await);
    e.hand_to_aino(client).await;
    let numbered = e
        .app
        .db
        .run(|conn| {
            diesel::sql_query("SELECT kind, seq FROM domain_events ORDER BY tx, seq")
                .load::<Numbered>(conn)
                .map_err(kyky_persistence::StoreError::from)
        })
        .unwrap();
    let kinds: Vec<&str> = numbered.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(
        kinds[kinds.len() - 3..],
        [
            "handover.proposed",
            "handover.accepted",
            "responsibility.changed"
        ]
    );
    for pair in numbered.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        assert!(
            after.seq > before.seq,
            "{} then {}",
            before.kind,
            after.kind
        );
        if !is_postgres() {
            assert_eq!(
                after.seq,
                before.seq + 1,
                "{} then {}",
                before.kind,
                after.kind
            );
        }
    }
}

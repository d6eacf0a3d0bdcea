//! `Idempotency-Key`: a retried POST is answered as the first one was,
//! without the work being done twice; the key with another request is 422,
//! while the first is running 409; keys are each caller's own.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::helpers::{Espoo, Worker, expect_problem, expect_status, fields, fresh_hetu};

async fn post_keyed(
    e: &Espoo,
    worker: &Worker,
    path: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    e.app
        .request(reqwest::Method::POST, path, &worker.token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn new_client() -> Value {
    json!({"personal_identity_code": fresh_hetu(), "relationship_basis": "client_contact",
        "first_name": "Toisto", "last_name": "Testi"})
}

#[actix_web::test]
async fn a_retried_post_is_answered_as_the_first_without_doing_it_twice() {
    let e = Espoo::spawn().await;
    let client = e.client().await;
    let path = format!("/api/v1/clients/{client}/handovers");
    let body = json!({"to_professional_id": e.aino.id, "summary": "Siirto", "reason": "Loma"});
    let key = Uuid::now_v7().to_string();

    let first = post_keyed(&e, &e.sanna, &path, &key, &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = first.headers()["location"].clone();
    let first_body = first.text().await.unwrap();

    // A second proposal would be refused (one is pending); the retry is not.
    let retry = post_keyed(&e, &e.sanna, &path, &key, &body).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["location"], location);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.text().await.unwrap(), first_body);
    let pending = expect_status(
        e.app
            .get("/api/v1/handovers?direction=outgoing", &e.sanna.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(pending["items"].as_array().unwrap().len(), 1);

    // Without a key the same request is a new one, and refused.
    let again = e.app.post(&path, &e.sanna.token, &body).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
}

#[actix_web::test]
async fn a_key_reused_for_another_request_is_refused_and_each_caller_has_their_own() {
    let e = Espoo::spawn().await;
    let key = "crm-registration-1";
    let made = post_keyed(&e, &e.sanna, "/api/v1/clients", key, &new_client()).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    expect_problem(
        post_keyed(&e, &e.sanna, "/api/v1/clients", key, &new_client()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency-key-reused",
    )
    .await;
    // Aino's key of the same name is hers.
    let hers = post_keyed(&e, &e.aino, "/api/v1/clients", key, &new_client()).await;
    assert_eq!(hers.status(), StatusCode::CREATED);
    assert!(hers.headers().get("idempotent-replayed").is_none());

    // After 24 hours the key is free again.
    e.app.clock.advance(chrono::Duration::hours(25));
    let later = post_keyed(&e, &e.sanna, "/api/v1/clients", key, &new_client()).await;
    assert_eq!(later.status(), StatusCode::CREATED);

    // A key that is not one is named.
    let problem = expect_problem(
        post_keyed(&e, &e.sanna, "/api/v1/clients", "has spaces", &new_client()).await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["Idempotency-Key"]);
}

#[actix_web::test]
async fn the_same_key_while_the_first_request_runs_is_409() {
    let e = Espoo::spawn().await;
    let body = new_client();
    let key = "crm-registration-2";
    // The first request with the key has claimed it and not yet answered.
    let mut hash = Sha256::new();
    hash.update("POST");
    hash.update([0]);
    hash.update("/api/v1/clients");
    hash.update([0]);
    hash.update(serde_json::to_vec(&body).unwrap());
    let hash = format!("{:x}", hash.finalize());
    let sanna = e.sanna.id;
    let now = e.app.clock.clone();
    let claimed = e
        .app
        .db
        .run(|conn| {
            kyky_persistence::idempotency::claim(
                conn,
                sanna,
                key,
                &hash,
                kyky_domain::clock::Clock::now(&*now),
            )
        })
        .unwrap();
    assert_eq!(claimed, kyky_persistence::idempotency::Claim::Claimed);
    expect_problem(
        post_keyed(&e, &e.sanna, "/api/v1/clients", key, &body).await,
        StatusCode::CONFLICT,
        "idempotency-key-in-use",
    )
    .await;
    // One that never answers (its process died) frees the key after a while.
    e.app.clock.advance(chrono::Duration::minutes(6));
    let made = post_keyed(&e, &e.sanna, "/api/v1/clients", key, &body).await;
    assert_eq!(made.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn keys_and_the_responses_they_keep_are_deleted_after_24_hours() {
    let e = Espoo::spawn().await;
    let key = "crm-registration-3";
    let made = post_keyed(&e, &e.sanna, "/api/v1/clients", key, &new_client()).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let purge = |hours: i64| {
        let at = chrono::Utc::now() + chrono::Duration::hours(hours);
        e.app
            .db
            .run(|conn| kyky_persistence::idempotency::purge_expired(conn, at))
            .unwrap()
    };
    assert_eq!(purge(0), 0, "kept for a day");
    assert_eq!(purge(25), 1);
    let fresh = post_keyed(&e, &e.sanna, "/api/v1/clients", key, &new_client()).await;
    assert_eq!(fresh.status(), StatusCode::CREATED);
}

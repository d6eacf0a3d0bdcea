//! Identifiers from an organisation's own system: set by its integration
//! account, seen by it alone, found by, and carried in its events.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Espoo, expect_problem, expect_status, read_feed_until};

async fn set(e: &Espoo, token: &str, client: Uuid, system: &str, value: &str) -> reqwest::Response {
    e.app
        .put(
            &format!("/api/v1/clients/{client}/external-ids/{system}"),
            token,
            None,
            &json!({"value": value}),
        )
        .await
}

async fn found(e: &Espoo, token: &str, external_id: &str) -> Vec<Value> {
    let page = expect_status(
        e.app
            .get(&format!("/api/v1/clients?external_id={external_id}"), token)
            .await,
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

#[actix_web::test]
async fn an_integration_account_names_a_client_by_its_own_id_and_finds_it_by_it() {
    let e = Espoo::spawn().await;
    let sofia = e.app.integration_in(e.sanna.organisation_id).await;
    let client = e.client().await;
    let other = e.client().await;

    let stored = expect_status(
        set(&e, &sofia.token, client, "sofia-crm", "12345").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["system"], "sofia-crm");
    assert_eq!(stored["value"], "12345");
    let listed = found(&e, &sofia.token, "sofia-crm|12345").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], client.to_string());
    assert!(found(&e, &sofia.token, "sofia-crm|99999").await.is_empty());
    assert!(found(&e, &sofia.token, "lifecare|12345").await.is_empty());

    // The value names one client in the system; setting again replaces.
    expect_problem(
        set(&e, &sofia.token, other, "sofia-crm", "12345").await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    expect_status(
        set(&e, &sofia.token, client, "sofia-crm", "12346").await,
        StatusCode::OK,
    )
    .await;
    assert!(found(&e, &sofia.token, "sofia-crm|12345").await.is_empty());
    assert_eq!(found(&e, &e.sanna.token, "sofia-crm|12346").await.len(), 1);

    // The organisation's staff see them; only its integration account sets them.
    let ids = expect_status(
        e.app
            .get(
                &format!("/api/v1/clients/{client}/external-ids"),
                &e.sanna.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids["items"][0]["value"], "12346");
    expect_problem(
        set(&e, &e.sanna.token, client, "sofia-crm", "1").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let problem = expect_problem(
        set(&e, &sofia.token, client, "Sofia CRM", "1").await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert!(problem.to_string().contains("system"), "{problem}");
    expect_problem(
        e.app
            .get("/api/v1/clients?external_id=no-separator", &sofia.token)
            .await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;

    // The events Sofia reads carry the id her system knows the client by.
    let (events, _) = read_feed_until(&e.app, &sofia.token, None, client, 2).await;
    assert!(
        events
            .iter()
            .all(|event| event["client_external_ids"][0]["value"] == "12346"),
        "{events:?}"
    );

    // Removed: found no more.
    let removed = e
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/clients/{client}/external-ids/sofia-crm"),
            &sofia.token,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert!(found(&e, &sofia.token, "sofia-crm|12346").await.is_empty());
}

#[actix_web::test]
async fn another_organisation_sees_none_of_them_even_with_consent() {
    let e = Espoo::spawn().await;
    let sofia = e.app.integration_in(e.sanna.organisation_id).await;
    let client = e.client().await;
    expect_status(
        set(&e, &sofia.token, client, "sofia-crm", "777").await,
        StatusCode::OK,
    )
    .await;
    let body = json!({"purposes": ["information_exchange"], "organisation_ids": [e.nurse.organisation_id], "method": "written"});
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
    .await;
    let theirs = expect_status(
        e.app
            .get(
                &format!("/api/v1/clients/{client}/external-ids"),
                &e.nurse.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let lifecare = e.app.integration_in(e.nurse.organisation_id).await;
    assert!(found(&e, &lifecare.token, "sofia-crm|777").await.is_empty());
    let (events, _) = read_feed_until(&e.app, &e.nurse.token, None, client, 1).await;
    assert!(!events.is_empty());
    assert!(
        events
            .iter()
            .all(|event| event["client_external_ids"] == json!([])),
        "{events:?}"
    );

    // A professional's id in the organisation's own system.
    let set_professional = e
        .app
        .put(
            &format!(
                "/api/v1/professionals/{}/external-ids/sofia-crm",
                e.sanna.id
            ),
            &sofia.token,
            None,
            &json!({"value": "emp-42"}),
        )
        .await;
    assert_eq!(set_professional.status(), StatusCode::OK);
    let other_org = e
        .app
        .put(
            &format!("/api/v1/professionals/{}/external-ids/lifecare", e.sanna.id),
            &lifecare.token,
            None,
            &json!({"value": "x"}),
        )
        .await;
    assert_eq!(other_org.status(), StatusCode::NOT_FOUND);
}

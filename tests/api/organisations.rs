use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_problem, expect_status, fields, spawn_app};

fn espoo() -> serde_json::Value {
    json!({
        "name": "Työllisyys Espoo",
        "kind": "municipal_employment_services",
        "business_id": "0101263-6",
        "municipality": "Espoo",
        "external_refs": [{"system": "sofia_crm", "id": "ESP-1"}]
    })
}

#[tokio::test]
async fn an_admin_creates_reads_and_updates_an_organisation_with_etags() {
    let app = spawn_app().await;
    let response = app
        .post("/api/v1/organisations", &app.admin_token, &espoo())
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let created = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(
        location,
        format!("/api/v1/organisations/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(
        created["external_refs"],
        json!([{"system": "sofia_crm", "id": "ESP-1"}])
    );

    let worker = app.worker("kela", "kela_expert").await;
    let fetched = expect_status(app.get(&location, &worker.token).await, StatusCode::OK).await;
    assert_eq!(fetched, created, "any professional may read organisations");

    let mut changed = espoo();
    changed["name"] = json!("Työllisyyspalvelut Espoo");
    changed["external_refs"] = json!([]);
    let response = app
        .put(&location, &app.admin_token, Some("\"1\""), &changed)
        .await;
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated = expect_status(response, StatusCode::OK).await;
    assert_eq!(updated["name"], "Työllisyyspalvelut Espoo");
    assert_eq!(updated["external_refs"], json!([]));

    let stale = app
        .put(&location, &app.admin_token, Some("\"1\""), &changed)
        .await;
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    let missing = app.put(&location, &app.admin_token, None, &changed).await;
    expect_problem(
        missing,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition-required",
    )
    .await;
}

#[tokio::test]
async fn only_admins_create_or_update_organisations() {
    let app = spawn_app().await;
    let worker = app.worker("kela", "kela_expert").await;
    let response = app
        .post("/api/v1/organisations", &worker.token, &espoo())
        .await;
    expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    let path = format!("/api/v1/organisations/{}", worker.organisation_id);
    let response = app.put(&path, &worker.token, Some("\"1\""), &espoo()).await;
    expect_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn an_external_reference_belongs_to_one_organisation() {
    let app = spawn_app().await;
    expect_status(
        app.post("/api/v1/organisations", &app.admin_token, &espoo())
            .await,
        StatusCode::CREATED,
    )
    .await;
    let mut other = espoo();
    other["name"] = json!("Another");
    let response = app
        .post("/api/v1/organisations", &app.admin_token, &other)
        .await;
    expect_problem(response, StatusCode::CONFLICT, "external-ref-taken").await;
}

#[tokio::test]
async fn invalid_organisation_fields_are_named() {
    let app = spawn_app().await;
    let response = app
        .post(
            "/api/v1/organisations",
            &app.admin_token,
            &json!({"name": "  ", "kind": "municipal_employment_services", "business_id": "0101263-5",
                    "external_refs": [{"system": "sofia_crm", "id": "1"}, {"system": "sofia_crm", "id": "2"}]}),
        )
        .await;
    let problem = expect_problem(response, StatusCode::BAD_REQUEST, "validation").await;
    assert_eq!(fields(&problem), ["business_id", "external_refs", "name"]);
    let response = app
        .post(
            "/api/v1/organisations",
            &app.admin_token,
            &json!({"name": "X", "kind": "bank"}),
        )
        .await;
    let problem = expect_problem(response, StatusCode::BAD_REQUEST, "validation").await;
    assert_eq!(fields(&problem), ["kind"]);
}

#[tokio::test]
async fn lists_page_with_a_cursor_in_stable_order() {
    let app = spawn_app().await;
    for n in 0..5 {
        app.organisation(&format!("Org {n}"), "third_sector").await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/organisations?limit=2&cursor={c}"),
            None => "/api/v1/organisations?limit=2".to_owned(),
        };
        let page = expect_status(app.get(&path, &app.admin_token).await, StatusCode::OK).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|o| o["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    // Five made here plus the admin's own organisation, each exactly once, in order.
    assert_eq!(seen.len(), 6);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, seen);
}

#[tokio::test]
async fn page_parameters_are_validated() {
    let app = spawn_app().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("cursor=nope", "cursor"),
    ] {
        let response = app
            .get(&format!("/api/v1/organisations?{query}"), &app.admin_token)
            .await;
        let problem = expect_problem(response, StatusCode::BAD_REQUEST, "validation").await;
        assert_eq!(fields(&problem), [field], "{query}");
    }
    let response = app
        .get("/api/v1/organisations?limit=many", &app.admin_token)
        .await;
    expect_problem(response, StatusCode::BAD_REQUEST, "validation").await;
}

#[tokio::test]
async fn an_unknown_organisation_is_404() {
    let app = spawn_app().await;
    let response = app
        .get(
            &format!("/api/v1/organisations/{}", uuid::Uuid::now_v7()),
            &app.admin_token,
        )
        .await;
    expect_problem(response, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn me_shows_the_whole_organisation_once_however_many_teams_and_references() {
    let app = spawn_app().await;
    let mut organisation = espoo();
    organisation["external_refs"] = json!([
        {"system": "sofia_crm", "id": "ESP-1"},
        {"system": "lifecare", "id": "LC-9"}
    ]);
    let created = expect_status(
        app.post("/api/v1/organisations", &app.admin_token, &organisation)
            .await,
        StatusCode::CREATED,
    )
    .await;
    let id: uuid::Uuid = created["id"].as_str().unwrap().parse().unwrap();
    let worker = app.worker_in(id, "social_counsellor").await;
    // Two teams and two references: four joined rows, one answer.
    for _ in 0..2 {
        app.team("both", id, Some(worker.id)).await;
    }
    let me = expect_status(app.get("/api/v1/me", &worker.token).await, StatusCode::OK).await;
    assert_eq!(me["professional"]["id"], worker.id.to_string());
    assert_eq!(
        me["organisation"], created,
        "the organisation as it reads itself"
    );
}

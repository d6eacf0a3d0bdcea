use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_problem, fields, spawn_app};

#[tokio::test]
async fn malformed_json_is_a_400_problem() {
    let app = spawn_app().await;
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/organisations",
            &app.admin_token,
        )
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::BAD_REQUEST, "malformed-request").await;
}

#[tokio::test]
async fn a_body_that_is_not_json_is_415() {
    let app = spawn_app().await;
    let response = app
        .request(
            reqwest::Method::POST,
            "/api/v1/organisations",
            &app.admin_token,
        )
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    expect_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported-media-type",
    )
    .await;
}

#[tokio::test]
async fn a_post_without_a_body_is_400_saying_the_body_is_missing() {
    let app = spawn_app().await;
    for content_type in [None, Some("application/json")] {
        let mut request = app.request(
            reqwest::Method::POST,
            "/api/v1/organisations",
            &app.admin_token,
        );
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let problem = expect_problem(
            request.send().await.unwrap(),
            StatusCode::BAD_REQUEST,
            "malformed-request",
        )
        .await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("needs a JSON body"),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn wrong_types_missing_and_unknown_fields_are_named() {
    let app = spawn_app().await;
    let cases = [
        (json!({"name": 5, "kind": "kela"}), "name"),
        (json!({"kind": "kela"}), "name"),
        (
            json!({"name": "X", "kind": "kela", "colour": "red"}),
            "colour",
        ),
        (
            json!({"name": "X", "kind": "kela", "external_refs": [{"system": 1, "id": "a"}]}),
            "external_refs[0].system",
        ),
    ];
    for (body, field) in cases {
        let response = app
            .post("/api/v1/organisations", &app.admin_token, &body)
            .await;
        let problem = expect_problem(response, StatusCode::BAD_REQUEST, "validation").await;
        assert_eq!(fields(&problem), [field], "{body}");
    }
}

#[tokio::test]
async fn a_path_id_that_is_not_a_uuid_is_400_naming_the_path() {
    let app = spawn_app().await;
    let response = app
        .get("/api/v1/organisations/not-a-uuid", &app.admin_token)
        .await;
    let problem = expect_problem(response, StatusCode::BAD_REQUEST, "validation").await;
    assert_eq!(fields(&problem), ["path"]);
}

#[tokio::test]
async fn an_oversized_body_is_413() {
    let app = spawn_app().await;
    let body = json!({"name": "x".repeat(300 * 1024), "kind": "kela"});
    let response = app
        .post("/api/v1/organisations", &app.admin_token, &body)
        .await;
    expect_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large").await;
}

#[tokio::test]
async fn a_value_outside_a_code_set_is_told_every_allowed_value() {
    let app = spawn_app().await;
    let problem = expect_problem(
        app.post(
            "/api/v1/organisations",
            &app.admin_token,
            &json!({"name": "X", "kind": "ministry"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("must be one of: "), "{message}");
    for kind in [
        "municipal_employment_services",
        "kela",
        "third_sector",
        "other",
    ] {
        assert!(message.contains(kind), "{message}");
    }
}

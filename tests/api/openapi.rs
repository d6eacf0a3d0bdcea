use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{expect_status, spawn_app};

const REGENERATE: &str = "cargo run -q -p kyky-api --bin kyky -- openapi > openapi/openapi.json";

#[tokio::test]
async fn served_spec_equals_the_committed_contract() {
    let app = spawn_app().await;
    let served = expect_status(
        app.http
            .get(app.url("/api-docs/openapi.json"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let committed: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_default())
        .unwrap_or(Value::Null);
    assert!(
        served == committed,
        "openapi/openapi.json differs from what the code generates; regenerate it with:\n  {REGENERATE}"
    );
}

#[tokio::test]
async fn swagger_ui_loads_and_the_bare_path_redirects() {
    let app = spawn_app().await;
    let page = app.http.get(app.url("/swagger-ui/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let bare = no_redirects
        .get(app.url("/swagger-ui"))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), StatusCode::FOUND);
    assert_eq!(bare.headers()["location"], "/swagger-ui/");
}

#[tokio::test]
async fn every_operation_is_documented_with_bearer_security_and_problem_responses() {
    let app = spawn_app().await;
    let spec = expect_status(
        app.http
            .get(app.url("/api-docs/openapi.json"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            assert!(
                responses.contains_key("500"),
                "{method} {path} documents 500"
            );
            if path.starts_with("/api/v1/") && !path.starts_with("/api/v1/code-sets") {
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} documents 401"
                );
                assert!(
                    operation["security"].is_array(),
                    "{method} {path} is secured"
                );
            }
        }
    }
}

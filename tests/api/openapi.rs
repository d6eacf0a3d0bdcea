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
    // Swagger UI reads the contract without its relative `servers` entry,
    // so it shows no one-choice Servers box and calls its own origin.
    let config = app
        .http
        .get(app.url("/swagger-ui/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(config.contains("/api-docs/swagger-ui.json"), "{config}");
    let mut read_by_ui = expect_status(
        app.http
            .get(app.url("/api-docs/swagger-ui.json"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let contract = expect_status(
        app.http
            .get(app.url("/api-docs/openapi.json"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(read_by_ui.get("servers").is_none());
    read_by_ui["servers"] = contract["servers"].clone();
    assert!(read_by_ui == contract, "Swagger UI reads another contract");
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
            if method == "get" || method == "delete" {
                assert!(
                    operation.get("requestBody").is_none(),
                    "{method} {path} takes no body"
                );
            }
            let public = ["/api/v1/code-sets", "/api/v1/problem-types"];
            if path.starts_with("/api/v1/") && !public.iter().any(|p| path.starts_with(p)) {
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

#[tokio::test]
async fn every_problem_type_is_in_a_public_catalogue_and_each_error_response_shows_its_own() {
    let app = spawn_app().await;
    let catalogue = expect_status(
        app.http
            .get(app.url("/api/v1/problem-types"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let consent = catalogue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "consent-required")
        .expect("consent-required is catalogued");
    assert_eq!(consent["status"], 409);
    assert!(consent["what_to_do"].as_str().unwrap().contains("consent"));

    let spec = expect_status(
        app.http
            .get(app.url("/api-docs/openapi.json"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    for (response, slug) in [
        ("Unauthorized", "unauthorized"),
        ("NotFound", "not-found"),
        ("TooManyRequests", "rate-limited"),
        ("Unavailable", "unavailable"),
    ] {
        let examples = &spec["components"]["responses"][response]["content"]["application/problem+json"]
            ["examples"];
        assert_eq!(
            examples[slug]["value"]["type"],
            format!("https://kyky.fi/problems/{slug}"),
            "{response}"
        );
        assert_eq!(examples.as_object().unwrap().len(), 1, "{response}");
    }
    let publish = &spec["paths"]["/api/v1/plans/{id}/publish"]["post"]["responses"]["422"]["content"]
        ["application/problem+json"]["examples"];
    assert!(
        publish["plan-not-publishable"].is_object()
            && publish["plan-warnings-not-acknowledged"].is_object(),
        "{publish}"
    );
}

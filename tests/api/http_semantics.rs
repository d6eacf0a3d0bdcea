//! HTTP semantics front-ends and their caches rely on: conditional requests
//! and cross-origin calls from a browser.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{
    Spawn, expect_problem, expect_status, fresh_hetu, id_of, spawn_app, spawn_with,
};

#[tokio::test]
async fn if_match_compares_strongly_and_takes_a_list_or_a_star() {
    let app = spawn_app().await;
    let worker = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let client = id_of(&app.client(&worker, &fresh_hetu()).await);
    let path = format!("/api/v1/clients/{client}");
    let body = |name: &str| json!({"first_name": name, "last_name": "Meikäläinen"});
    // A weak tag never matches, even with the current version.
    let weak = app
        .put(&path, &worker.token, Some("W/\"1\""), &body("A"))
        .await;
    expect_problem(weak, StatusCode::PRECONDITION_FAILED, "precondition-failed").await;
    // A list matches when it holds the current version.
    let listed = app
        .put(&path, &worker.token, Some("\"7\", \"1\""), &body("B"))
        .await;
    let listed = expect_status(listed, StatusCode::OK).await;
    assert_eq!(listed["first_name"], "B");
    let stale = app
        .put(&path, &worker.token, Some("\"1\""), &body("C"))
        .await;
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    // `*` matches whatever is current.
    let any = app.put(&path, &worker.token, Some("*"), &body("D")).await;
    assert_eq!(any.headers()["etag"], "\"3\"");
    expect_status(any, StatusCode::OK).await;
    let missing = app.put(&path, &worker.token, None, &body("E")).await;
    expect_problem(
        missing,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition-required",
    )
    .await;
}

#[tokio::test]
async fn a_get_with_the_current_etag_in_if_none_match_is_304() {
    let app = spawn_app().await;
    let worker = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let client = id_of(&app.client(&worker, &fresh_hetu()).await);
    let path = format!("/api/v1/clients/{client}");
    let get = |tag: &'static str| {
        app.request(Method::GET, &path, &worker.token)
            .header("If-None-Match", tag)
            .send()
    };
    let unchanged = get("\"1\"").await.unwrap();
    assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(unchanged.headers()["etag"], "\"1\"");
    assert!(unchanged.text().await.unwrap().is_empty());
    let weak = get("W/\"1\"").await.unwrap();
    assert_eq!(
        weak.status(),
        StatusCode::NOT_MODIFIED,
        "If-None-Match compares weakly"
    );
    let changed = get("\"0\"").await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);

    // The contract says so, for caches and generated clients.
    let spec = expect_status(
        app.http
            .get(app.url("/api-docs/openapi.json"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let operation = &spec["paths"]["/api/v1/clients/{id}"]["get"];
    assert!(operation["responses"]["304"].is_object());
    assert!(
        operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "If-None-Match" && p["in"] == "header")
    );
}

#[tokio::test]
async fn a_browser_page_on_an_allowed_origin_may_call_and_others_may_not() {
    let mut spawn = Spawn::new();
    spawn.cors_allowed_origins = vec!["https://asiointi.espoo.fi".to_owned()];
    let app = spawn_with(spawn).await;
    let preflight = |origin: &'static str| {
        app.http
            .request(Method::OPTIONS, app.url("/api/v1/clients/lookup"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type, if-match",
            )
            .send()
    };
    let allowed = preflight("https://asiointi.espoo.fi").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    let headers = allowed.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://asiointi.espoo.fi"
    );
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    let request_headers = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in ["authorization", "content-type", "if-match"] {
        assert!(request_headers.contains(header), "{request_headers}");
    }

    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let response = app
        .http
        .get(app.url("/api/v1/code-sets"))
        .header("Origin", "https://asiointi.espoo.fi")
        .send()
        .await
        .unwrap();
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in [
        "etag",
        "location",
        "retry-after",
        "x-request-id",
        "ratelimit",
    ] {
        assert!(exposed.contains(header), "{exposed}");
    }
}

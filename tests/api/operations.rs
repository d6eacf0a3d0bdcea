use reqwest::StatusCode;

use crate::helpers::{Spawn, expect_problem, expect_status, spawn_app, spawn_with};

#[tokio::test]
async fn liveness_and_readiness_answer_200_with_the_backend() {
    let app = spawn_app().await;
    let live = expect_status(
        app.http.get(app.url("/health/live")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(live["status"], "ok");
    let ready = expect_status(
        app.http.get(app.url("/health/ready")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let expected = if crate::helpers::is_postgres() {
        "postgresql"
    } else {
        "sqlite"
    };
    assert_eq!(ready["database"], expected);
}

#[tokio::test]
async fn an_unreachable_database_makes_readiness_and_requests_answer_503() {
    let mut spawn = Spawn::new();
    spawn.db = kyky_persistence::Db::connect("postgres://nobody@127.0.0.1:9/none", 2).unwrap();
    spawn.migrate = false;
    let app = spawn_with(spawn).await;
    let ready = app.http.get(app.url("/health/ready")).send().await.unwrap();
    expect_problem(ready, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    let token = crate::helpers::mint(&app.auth, uuid::Uuid::now_v7(), &[kyky_domain::Role::Admin]);
    let asked = std::time::Instant::now();
    let listed = app.get("/api/v1/organisations", &token).await;
    let waited = asked.elapsed();
    assert!(
        waited < std::time::Duration::from_secs(3),
        "answered after {waited:?}: fail fast"
    );
    assert_eq!(listed.headers()["retry-after"], "1");
    let problem = expect_problem(listed, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(
        !problem["detail"].as_str().unwrap().contains("127.0.0.1"),
        "no internals: {problem}"
    );
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_plain_incoming_one_is_kept() {
    let app = spawn_app().await;
    let response = app.http.get(app.url("/health/live")).send().await.unwrap();
    let generated = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&generated).is_ok());
    let response = app
        .http
        .get(app.url("/health/live"))
        .header("X-Request-Id", "sofia-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "sofia-123");
    let response = app
        .http
        .get(app.url("/health/live"))
        .header("X-Request-Id", "bad id\twith junk")
        .send()
        .await
        .unwrap();
    assert_ne!(response.headers()["x-request-id"], "bad id\twith junk");
}

#[tokio::test]
async fn unknown_routes_are_404_and_undeclared_methods_405_with_allow() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/api/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    expect_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    for (method, path, allow) in [
        (
            reqwest::Method::DELETE,
            "/api/v1/organisations",
            "GET, POST",
        ),
        (
            reqwest::Method::TRACE,
            "/api/v1/clients/01a22c92-0979-7634-868e-3b6982b72fbe",
            "GET, PUT",
        ),
        (reqwest::Method::PATCH, "/health/live", "GET"),
        // Routed to PUT /clients/{id} first, yet a method error, not a bad id.
        (reqwest::Method::PUT, "/api/v1/clients/lookup", "POST"),
    ] {
        let response = app
            .request(method.clone(), path, &app.admin_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        expect_problem(
            response,
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
        )
        .await;
    }
}

#[tokio::test]
async fn code_sets_carry_labels_in_three_languages_without_a_token() {
    let app = spawn_app().await;
    let all = expect_status(
        app.http
            .get(app.url("/api/v1/code-sets"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for expected in [
        "organisation-kinds",
        "professional-titles",
        "languages",
        "roles",
    ] {
        assert!(names.contains(&expected), "{names:?}");
    }
    let titles = expect_status(
        app.http
            .get(app.url("/api/v1/code-sets/professional-titles"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let nurse = titles["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "public_health_nurse")
        .unwrap();
    assert_eq!(nurse["labels"]["fi"], "Terveydenhoitaja");
    assert_eq!(nurse["labels"]["sv"], "Hälsovårdare");
    assert_eq!(nurse["labels"]["en"], "Public health nurse");
    let missing = app
        .http
        .get(app.url("/api/v1/code-sets/nope"))
        .send()
        .await
        .unwrap();
    expect_problem(missing, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn demo_data_loads_once_with_test_identities_only() {
    use kyky_api::demo::{ERKKI, MATTI, NURSE, TEAM, TEAM_SOCIAL_COUNSELLOR};

    let fresh = Spawn::new();
    fresh.db.migrate().unwrap();
    assert!(kyky_api::demo::load(&fresh.db, chrono::Utc::now()).unwrap());
    assert!(
        !kyky_api::demo::load(&fresh.db, chrono::Utc::now()).unwrap(),
        "second load is a no-op"
    );
    let demo = spawn_with(Spawn {
        migrate: false,
        ..fresh
    })
    .await;
    let counsellor = crate::helpers::mint(
        &demo.auth,
        kyky_api::demo::SOCIAL_COUNSELLOR,
        &[kyky_domain::Role::Professional],
    );
    let clients = expect_status(
        demo.get("/api/v1/clients", &counsellor).await,
        StatusCode::OK,
    )
    .await;
    let items = clients["items"].as_array().unwrap();
    assert!(items.len() >= 3);
    for client in items {
        let masked = client["personal_identity_code_masked"].as_str().unwrap();
        assert_eq!(
            &masked[7..],
            "9***",
            "test identities use individual numbers 900–999"
        );
    }

    // Fixed ids and work in progress, so "Try it out" needs no hunting.
    let matti = format!("/api/v1/clients/{MATTI}");
    let client = expect_status(demo.get(&matti, &counsellor).await, StatusCode::OK).await;
    assert_eq!(client["first_name"], "Matti");
    let plan = expect_status(
        demo.get(&format!("{matti}/plans/current"), &counsellor)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(plan["status"], "published");
    assert_eq!(plan["content"]["services"].as_array().unwrap().len(), 1);
    let follow_ups = expect_status(
        demo.get(&format!("{matti}/follow-ups"), &counsellor).await,
        StatusCode::OK,
    )
    .await;
    assert!(!follow_ups["items"].as_array().unwrap().is_empty());
    let nurse = crate::helpers::mint(&demo.auth, NURSE, &[kyky_domain::Role::Professional]);
    let inbox = expect_status(
        demo.get(&format!("/api/v1/teams/{TEAM}/referrals"), &nurse)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(inbox["items"][0]["client"]["id"], ERKKI.to_string());
    let aino = crate::helpers::mint(
        &demo.auth,
        TEAM_SOCIAL_COUNSELLOR,
        &[kyky_domain::Role::Professional],
    );
    let incoming = expect_status(
        demo.get("/api/v1/handovers?direction=incoming", &aino)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(incoming["items"].as_array().unwrap().len(), 1);
}

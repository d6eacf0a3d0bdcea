use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use kyky_api::auth::Auth;
use kyky_domain::Role;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{SECRET, Spawn, expect_problem, expect_status, mint, spawn_app, spawn_with};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/../tests/api/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn sign(claims: &serde_json::Value, algorithm: Algorithm, key: &EncodingKey) -> String {
    jsonwebtoken::encode(&Header::new(algorithm), claims, key).unwrap()
}

fn claims(sub: Uuid, iat: i64, exp: i64) -> serde_json::Value {
    json!({"sub": sub.to_string(), "iat": iat, "exp": exp, "roles": ["admin"]})
}

async fn assert_rejected(app: &crate::helpers::TestApp, token: &str, reason: &str) {
    let response = app.get("/api/v1/me", token).await;
    assert_eq!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .split(' ')
            .next(),
        Some("Bearer")
    );
    let problem = expect_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert!(
        problem["detail"].as_str().unwrap().contains(reason),
        "{problem}"
    );
}

#[tokio::test]
async fn a_request_without_a_token_is_401_problem_json_with_a_bearer_challenge() {
    let app = spawn_app().await;
    let response = app.http.get(app.url("/api/v1/me")).send().await.unwrap();
    assert!(
        response.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    expect_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let basic = app
        .http
        .get(app.url("/api/v1/me"))
        .header("Authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .unwrap();
    expect_problem(basic, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn malformed_expired_premature_and_wrongly_signed_tokens_are_401() {
    let app = spawn_app().await;
    let now = Utc::now().timestamp();
    let key = EncodingKey::from_secret(SECRET.as_bytes());
    assert_rejected(&app, "not.a.jwt", "malformed").await;
    let expired = sign(
        &claims(app.admin, now - 7200, now - 3600),
        Algorithm::HS256,
        &key,
    );
    assert_rejected(&app, &expired, "expired").await;
    let mut premature = claims(app.admin, now, now + 3600);
    premature["nbf"] = json!(now + 3600);
    assert_rejected(
        &app,
        &sign(&premature, Algorithm::HS256, &key),
        "not valid yet",
    )
    .await;
    let wrong_key = EncodingKey::from_secret(b"another-secret-that-is-also-long-enough!!");
    assert_rejected(
        &app,
        &sign(
            &claims(app.admin, now, now + 60),
            Algorithm::HS256,
            &wrong_key,
        ),
        "signature",
    )
    .await;
    let wrong_alg = sign(&claims(app.admin, now, now + 60), Algorithm::HS512, &key);
    assert_rejected(&app, &wrong_alg, "algorithm").await;
    let no_exp = sign(
        &json!({"sub": app.admin.to_string(), "iat": now}),
        Algorithm::HS256,
        &key,
    );
    assert_rejected(&app, &no_exp, "claim").await;
}

#[tokio::test]
async fn an_unsigned_alg_none_token_is_401() {
    let app = spawn_app().await;
    let now = Utc::now().timestamp();
    let encode = |v: &serde_json::Value| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    let token = format!(
        "{}.{}.",
        encode(&json!({"alg": "none", "typ": "JWT"})),
        encode(&claims(app.admin, now, now + 600))
    );
    assert_rejected(&app, &token, "").await;
}

#[tokio::test]
async fn tokens_of_unknown_or_deactivated_professionals_are_401() {
    let app = spawn_app().await;
    assert_rejected(
        &app,
        &mint(&app.auth, Uuid::now_v7(), &[Role::Admin]),
        "not known",
    )
    .await;
    let worker = app.worker("kela", "kela_expert").await;
    expect_status(app.get("/api/v1/me", &worker.token).await, StatusCode::OK).await;
    let deactivated = app
        .post(
            &format!("/api/v1/professionals/{}/deactivate", worker.id),
            &app.admin_token,
            &json!({}),
        )
        .await;
    expect_status(deactivated, StatusCode::OK).await;
    assert_rejected(&app, &worker.token, "deactivated").await;
}

#[tokio::test]
async fn roles_in_effect_are_those_both_the_token_and_the_record_grant() {
    let app = spawn_app().await;
    let worker = app.worker("kela", "kela_expert").await;
    // The token claims admin too, but the record grants only professional.
    let token = mint(&app.auth, worker.id, &[Role::Professional, Role::Admin]);
    let me = expect_status(app.get("/api/v1/me", &token).await, StatusCode::OK).await;
    assert_eq!(me["effective_roles"], json!(["professional"]));
    assert_eq!(me["professional"]["id"], worker.id.to_string());
    assert_eq!(me["organisation"]["id"], worker.organisation_id.to_string());
    let create = app
        .post(
            "/api/v1/organisations",
            &token,
            &json!({"name": "X", "kind": "other"}),
        )
        .await;
    expect_problem(create, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn asymmetric_app(algorithm: &str, public: &str) -> crate::helpers::TestApp {
    let mut spawn = Spawn::new();
    spawn.auth = Auth::asymmetric(algorithm, &fixture(public), None).unwrap();
    spawn_with(spawn).await
}

#[tokio::test]
async fn rs256_tokens_verify_with_the_configured_public_key() {
    let app = asymmetric_app("RS256", "rs256-public.pem").await;
    let now = Utc::now().timestamp();
    let key = EncodingKey::from_rsa_pem(&fixture("rs256-private.pem")).unwrap();
    let token = sign(&claims(app.admin, now, now + 600), Algorithm::RS256, &key);
    expect_status(app.get("/api/v1/me", &token).await, StatusCode::OK).await;
    // An HS256 token signed with the public key's bytes must not pass (key confusion).
    let confused = sign(
        &claims(app.admin, now, now + 600),
        Algorithm::HS256,
        &EncodingKey::from_secret(&fixture("rs256-public.pem")),
    );
    assert_rejected(&app, &confused, "algorithm").await;
}

#[tokio::test]
async fn es256_tokens_verify_with_the_configured_public_key() {
    let app = asymmetric_app("ES256", "es256-public.pem").await;
    let now = Utc::now().timestamp();
    let key = EncodingKey::from_ec_pem(&fixture("es256-private.pem")).unwrap();
    let token = sign(&claims(app.admin, now, now + 600), Algorithm::ES256, &key);
    expect_status(app.get("/api/v1/me", &token).await, StatusCode::OK).await;
    let other = EncodingKey::from_rsa_pem(&fixture("rs256-private.pem")).unwrap();
    assert_rejected(
        &app,
        &sign(&claims(app.admin, now, now + 600), Algorithm::RS256, &other),
        "algorithm",
    )
    .await;
}

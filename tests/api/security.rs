//! The holes an outside probe found, each shut: knowing a henkilötunnus
//! opens nothing, ids cannot be probed through cursors, text carries no
//! control characters, and one token cannot take all the capacity.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    Spawn, TestApp, Worker, expect_problem, expect_status, fields, fresh_hetu, id_of, spawn_app,
    spawn_with,
};

const STREET: &str = "Salainen polku 7";
const PHONE: &str = "040 765 4321";
const EMAIL: &str = "maija@example.fi";

/// A counsellor's client with contact details, an address and turvakielto,
/// and an NGO job coach who knows nothing but the henkilötunnus.
struct Probe {
    app: TestApp,
    counsellor: Worker,
    coach: Worker,
    hetu: String,
    client: Uuid,
}

async fn probe() -> Probe {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let coach = app.worker("third_sector", "job_coach").await;
    let hetu = fresh_hetu();
    let body = json!({"personal_identity_code": hetu, "relationship_basis": "client_contact",
        "first_name": "Maija", "last_name": "Mallikas", "phone": PHONE, "email": EMAIL,
        "non_disclosure": true,
        "address": {"street_address": STREET, "postal_code": "02100", "city": "Espoo"}});
    let created = expect_status(
        app.post("/api/v1/clients", &counsellor.token, &body).await,
        StatusCode::CREATED,
    )
    .await;
    Probe {
        client: id_of(&created),
        app,
        counsellor,
        coach,
        hetu,
    }
}

impl Probe {
    fn path(&self) -> String {
        format!("/api/v1/clients/{}", self.client)
    }

    /// The coach registers the person as the NGO's client.
    async fn link(&self) -> reqwest::Response {
        let body = json!({"personal_identity_code": self.hetu, "relationship_basis": "client_contact",
            "relationship_reason": "Tuli työpajaan kysymään paikkaa",
            "first_name": "Maikki", "last_name": "M."});
        self.app
            .post("/api/v1/clients", &self.coach.token, &body)
            .await
    }
}

/// Asserts nothing the counsellor recorded is in `body`.
fn reveals_nothing_recorded(body: &Value) {
    let text = body.to_string();
    for secret in ["Maija", "Mallikas", PHONE, EMAIL, STREET, "02100"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

#[tokio::test]
async fn knowing_a_henkilotunnus_shows_only_what_you_entered_and_who_is_responsible() {
    let p = probe().await;
    // Before: no record for the NGO, by lookup or by id.
    let lookup = json!({"personal_identity_code": p.hetu});
    expect_problem(
        p.app
            .post("/api/v1/clients/lookup", &p.coach.token, &lookup)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;

    let linked = expect_status(p.link().await, StatusCode::OK).await;
    assert_eq!(id_of(&linked), p.client);
    assert_eq!(linked["details"], "own_entry");
    assert_eq!(linked["first_name"], "Maikki");
    assert_eq!(linked["address"], Value::Null);
    assert_eq!(
        linked["responsible_worker"]["id"],
        p.counsellor.id.to_string()
    );
    reveals_nothing_recorded(&linked);

    // Lookup and read answer the same: the NGO's own entry.
    let by_lookup = expect_status(
        p.app
            .post("/api/v1/clients/lookup", &p.coach.token, &lookup)
            .await,
        StatusCode::OK,
    )
    .await;
    let by_id = expect_status(p.app.get(&p.path(), &p.coach.token).await, StatusCode::OK).await;
    assert_eq!(by_lookup, by_id);
    assert_eq!(by_id, linked);
    let listed = expect_status(
        p.app.get("/api/v1/clients", &p.coach.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"][0]["first_name"], "Maikki");
    reveals_nothing_recorded(&listed);
    let responsible = expect_status(
        p.app
            .get(&format!("{}/responsibility", p.path()), &p.coach.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        responsible["responsible"]["id"],
        p.counsellor.id.to_string()
    );

    // Nothing hanging on the record, and no changes.
    for path in [
        "/consents",
        "/relationships",
        "/plans",
        "/follow-ups",
        "/access-log",
    ] {
        let response = p
            .app
            .get(&format!("{}{path}", p.path()), &p.coach.token)
            .await;
        expect_problem(response, StatusCode::NOT_FOUND, "not-found").await;
    }
    let update = json!({"first_name": "X", "last_name": "Y"});
    let response = p
        .app
        .put(&p.path(), &p.coach.token, Some("\"1\""), &update)
        .await;
    expect_problem(response, StatusCode::NOT_FOUND, "not-found").await;

    // The responsible worker sees the link, its grounds and the attempts.
    let relationships = expect_status(
        p.app
            .get(&format!("{}/relationships", p.path()), &p.counsellor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let ngo = relationships["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"]["id"] == p.coach.organisation_id.to_string())
        .expect("the NGO's relationship");
    assert_eq!(ngo["basis"], "client_contact");
    assert_eq!(ngo["reason"], "Tuli työpajaan kysymään paikkaa");
    assert_eq!(ngo["shares_record"], false);
    let log = expect_status(
        p.app
            .get(
                &format!("{}/access-log?limit=100", p.path()),
                &p.counsellor.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let coach_entries: Vec<(String, String)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["professional_id"] == p.coach.id.to_string())
        .map(|e| {
            (
                e["operation"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        coach_entries.contains(&("client.link".into(), "allowed".into())),
        "{coach_entries:?}"
    );
    assert!(
        coach_entries.contains(&("consent.list".into(), "denied".into())),
        "{coach_entries:?}"
    );
}

#[tokio::test]
async fn the_clients_consent_opens_the_record_but_never_a_protected_address() {
    let p = probe().await;
    expect_status(p.link().await, StatusCode::OK).await;
    // The client, now at the NGO, consents to the exchange of information.
    let consent = json!({"purposes": ["information_exchange"], "organisation_ids": [p.counsellor.organisation_id],
        "method": "written", "document_reference": "ngo:SUOST-7"});
    expect_status(
        p.app
            .post(&format!("{}/consents", p.path()), &p.coach.token, &consent)
            .await,
        StatusCode::CREATED,
    )
    .await;
    let seen = expect_status(p.app.get(&p.path(), &p.coach.token).await, StatusCode::OK).await;
    assert_eq!(seen["details"], "record");
    assert_eq!(seen["first_name"], "Maija");
    assert_eq!(seen["address"], Value::Null);
    assert_eq!(seen["address_withheld"], true);
    assert!(!seen.to_string().contains(STREET));
    // Linking again changes nothing and still hides the address.
    let again = expect_status(p.link().await, StatusCode::OK).await;
    assert_eq!(again["details"], "record");
    assert!(!again.to_string().contains(STREET));
}

#[tokio::test]
async fn registering_states_its_grounds_whether_or_not_the_client_exists() {
    let p = probe().await;
    for hetu in [p.hetu.clone(), fresh_hetu()] {
        let body = json!({"personal_identity_code": hetu, "first_name": "A", "last_name": "B"});
        let refused = expect_problem(
            p.app.post("/api/v1/clients", &p.coach.token, &body).await,
            StatusCode::BAD_REQUEST,
            "validation",
        )
        .await;
        assert_eq!(fields(&refused), ["relationship_basis"]);
    }
}

#[tokio::test]
async fn sharing_the_record_with_another_organisation_needs_consent() {
    let p = probe().await;
    let body = json!({"organisation_id": p.coach.organisation_id, "basis": "referral"});
    let path = format!("{}/relationships", p.path());
    expect_problem(
        p.app.post(&path, &p.counsellor.token, &body).await,
        StatusCode::CONFLICT,
        "consent-required",
    )
    .await;
    expect_problem(
        p.app.get(&p.path(), &p.coach.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

/// The answer to a list request with `cursor`, without its request id.
async fn answer(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    let response = app.get(path, token).await;
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn a_cursor_tells_nobody_whether_an_id_exists() {
    let p = probe().await;
    let unknown = Uuid::now_v7();
    for list in ["/api/v1/caseload", "/api/v1/clients", "/api/v1/handovers"] {
        let existing = answer(
            &p.app,
            &format!("{list}?cursor={}", p.client),
            &p.coach.token,
        )
        .await;
        let missing = answer(&p.app, &format!("{list}?cursor={unknown}"), &p.coach.token).await;
        assert_eq!(existing, missing, "{list}");
        assert_eq!(existing.0, StatusCode::BAD_REQUEST, "{list}");
        assert_eq!(fields(&existing.1), ["cursor"]);
    }
}

#[tokio::test]
async fn a_cursor_continues_only_the_list_and_caller_it_was_given_to() {
    let p = probe().await;
    for _ in 0..2 {
        p.app.client(&p.counsellor, &fresh_hetu()).await;
    }
    let first = expect_status(
        p.app
            .get("/api/v1/caseload?limit=1", &p.counsellor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    assert!(
        Uuid::parse_str(&cursor).is_err(),
        "opaque, not an id: {cursor}"
    );
    let next = expect_status(
        p.app
            .get(
                &format!("/api/v1/caseload?limit=1&cursor={cursor}"),
                &p.counsellor.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_ne!(
        next["items"][0]["client"]["id"],
        first["items"][0]["client"]["id"]
    );
    for (path, token) in [
        (format!("/api/v1/caseload?cursor={cursor}"), &p.coach.token),
        (
            format!("/api/v1/clients?cursor={cursor}"),
            &p.counsellor.token,
        ),
    ] {
        let refused = expect_problem(
            p.app.get(&path, token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule-violation",
        )
        .await;
        assert_eq!(fields(&refused), ["cursor"]);
    }
}

#[tokio::test]
async fn control_characters_are_refused_and_nothing_is_stored() {
    let p = probe().await;
    let hetu = fresh_hetu();
    for name in ["Mat\u{0}ti", "\u{1b}[31mMatti", "Matti\u{7f}"] {
        let body = json!({"personal_identity_code": hetu, "relationship_basis": "client_contact",
            "first_name": name, "last_name": "B"});
        let refused = expect_problem(
            p.app
                .post("/api/v1/clients", &p.counsellor.token, &body)
                .await,
            StatusCode::BAD_REQUEST,
            "validation",
        )
        .await;
        assert_eq!(fields(&refused), ["first_name"], "{name:?}");
    }
    expect_problem(
        p.app
            .post(
                "/api/v1/clients/lookup",
                &p.counsellor.token,
                &json!({"personal_identity_code": hetu}),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    // Tab and line breaks stay allowed in free text.
    let plan = json!({"client_view": "Haluan\tyrittää.\r\nUusi rivi."});
    expect_status(
        p.app
            .post(&format!("{}/plans", p.path()), &p.counsellor.token, &plan)
            .await,
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test]
async fn a_token_over_its_limit_is_told_when_to_come_back_and_others_are_not_slowed() {
    let mut spawn = Spawn::new();
    spawn.rate_limits.professional_per_minute = 3;
    let app = spawn_with(spawn).await;
    let busy = app
        .worker("municipal_employment_services", "own_coach")
        .await;
    let calm = app
        .worker_in(busy.organisation_id, "social_counsellor")
        .await;
    for remaining in (0..3).rev() {
        let response = app.get("/api/v1/me", &busy.token).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["ratelimit-policy"], "3;w=60");
        let budget = response.headers()["ratelimit"].to_str().unwrap().to_owned();
        assert!(
            budget.starts_with(&format!("limit=3, remaining={remaining}, reset=")),
            "{budget}"
        );
    }
    let refused = app.get("/api/v1/me", &busy.token).await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert!(
        refused.headers()["ratelimit"]
            .to_str()
            .unwrap()
            .contains("remaining=0")
    );
    expect_problem(refused, StatusCode::TOO_MANY_REQUESTS, "rate-limited").await;
    expect_status(app.get("/api/v1/me", &calm.token).await, StatusCode::OK).await;
}

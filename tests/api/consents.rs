use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    TestApp, Worker, expect_problem, expect_status, fields, fresh_hetu, id_of, spawn_app,
};

struct World {
    app: TestApp,
    counsellor: Worker,
    nurse: Worker,
    client: Uuid,
}

async fn world() -> World {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let client = id_of(&app.client(&counsellor, &fresh_hetu()).await);
    World {
        app,
        counsellor,
        nurse,
        client,
    }
}

impl World {
    async fn record(&self, body: &Value) -> reqwest::Response {
        self.app
            .post(
                &format!("/api/v1/clients/{}/consents", self.client),
                &self.counsellor.token,
                body,
            )
            .await
    }

    async fn exchange_consent(&self, organisation: Uuid) -> Value {
        let body = json!({"purposes": ["information_exchange"], "organisation_ids": [organisation], "method": "written",
                          "document_reference": "sofia:SUOST-1"});
        expect_status(self.record(&body).await, StatusCode::CREATED).await
    }

    async fn propose_to_nurse(&self) -> Uuid {
        let body = json!({"to_professional_id": self.nurse.id, "summary": "Arvioon", "reason": "Työkykyarvio"});
        let path = format!("/api/v1/clients/{}/handovers", self.client);
        id_of(
            &expect_status(
                self.app.post(&path, &self.counsellor.token, &body).await,
                StatusCode::CREATED,
            )
            .await,
        )
    }

    async fn accept(&self, handover: Uuid) -> reqwest::Response {
        self.app
            .post(
                &format!("/api/v1/handovers/{handover}/accept"),
                &self.nurse.token,
                &json!({}),
            )
            .await
    }

    fn disclosures(&self) -> Vec<kyky_persistence::disclosures::Disclosure> {
        self.app
            .db
            .run(|conn| kyky_persistence::disclosures::for_client(conn, self.client))
            .unwrap()
    }
}

#[tokio::test]
async fn a_handover_into_another_organisation_without_consent_is_refused_with_the_reason() {
    let w = world().await;
    let handover = w.propose_to_nurse().await;
    let problem = expect_problem(
        w.accept(handover).await,
        StatusCode::CONFLICT,
        "consent-required",
    )
    .await;
    assert_eq!(
        problem["missing_consent"]["purpose"],
        "information_exchange"
    );
    assert_eq!(
        problem["missing_consent"]["organisation_id"],
        w.nurse.organisation_id.to_string()
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("information_exchange")
    );
    // Nothing moved.
    let path = format!("/api/v1/clients/{}/responsibility", w.client);
    let now = expect_status(w.app.get(&path, &w.counsellor.token).await, StatusCode::OK).await;
    assert_eq!(now["responsible"]["id"], w.counsellor.id.to_string());
    assert!(w.disclosures().is_empty());
}

#[tokio::test]
async fn with_consent_the_handover_is_accepted_and_the_disclosure_logged() {
    let w = world().await;
    let consent = w.exchange_consent(w.nurse.organisation_id).await;
    assert_eq!(consent["active"], true);
    let covered: Vec<String> = serde_json::from_value(consent["organisation_ids"].clone()).unwrap();
    assert!(
        covered.contains(&w.counsellor.organisation_id.to_string()),
        "the recording organisation is covered"
    );
    let handover = w.propose_to_nurse().await;
    expect_status(w.accept(handover).await, StatusCode::OK).await;
    let disclosures = w.disclosures();
    assert_eq!(disclosures.len(), 1);
    let d = &disclosures[0];
    assert_eq!(
        (d.from_organisation_id, d.to_organisation_id),
        (w.counsellor.organisation_id, w.nurse.organisation_id)
    );
    assert_eq!(d.what, "handover_package");
    assert_eq!(d.subject_id, Some(handover));
    assert_eq!(
        d.basis,
        kyky_persistence::disclosures::Basis::Consent(id_of(&consent))
    );
}

#[tokio::test]
async fn within_one_organisation_a_handover_needs_no_consent() {
    let w = world().await;
    let colleague = w
        .app
        .worker_in(w.counsellor.organisation_id, "own_coach")
        .await;
    let body =
        json!({"to_professional_id": colleague.id, "summary": "Lomalle", "reason": "Poissaolo"});
    let path = format!("/api/v1/clients/{}/handovers", w.client);
    let handover = id_of(
        &expect_status(
            w.app.post(&path, &w.counsellor.token, &body).await,
            StatusCode::CREATED,
        )
        .await,
    );
    let accepted = w
        .app
        .post(
            &format!("/api/v1/handovers/{handover}/accept"),
            &colleague.token,
            &json!({}),
        )
        .await;
    expect_status(accepted, StatusCode::OK).await;
    assert!(w.disclosures().is_empty(), "nothing left the organisation");
}

#[tokio::test]
async fn withdrawal_stops_access_and_pending_handovers_at_once() {
    let w = world().await;
    let kela = w.app.worker("kela", "kela_expert").await;
    let consent = w.exchange_consent(kela.organisation_id).await;
    let client_path = format!("/api/v1/clients/{}", w.client);
    // Kela sees the client under the consent, read-only.
    expect_status(w.app.get(&client_path, &kela.token).await, StatusCode::OK).await;
    let change = json!({"first_name": "X", "last_name": "Y"});
    expect_problem(
        w.app
            .put(&client_path, &kela.token, Some("\"1\""), &change)
            .await,
        StatusCode::FORBIDDEN,
        "read-only-access",
    )
    .await;

    let consent_for_nurse = w.exchange_consent(w.nurse.organisation_id).await;
    let handover = w.propose_to_nurse().await;
    for c in [&consent, &consent_for_nurse] {
        let path = format!("/api/v1/consents/{}/withdraw", c["id"].as_str().unwrap());
        let withdrawn = expect_status(
            w.app
                .post(&path, &w.counsellor.token, &json!({"method": "verbal"}))
                .await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(withdrawn["active"], false);
        assert_eq!(withdrawn["withdrawal_method"], "verbal");
    }
    expect_problem(
        w.app.get(&client_path, &kela.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let problem = expect_problem(
        w.accept(handover).await,
        StatusCode::CONFLICT,
        "consent-required",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().contains("withdrew"),
        "{problem}"
    );

    // History stays: the consents are still listed, withdrawn.
    let listed = expect_status(
        w.app
            .get(&format!("{client_path}/consents"), &w.counsellor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let again = format!(
        "/api/v1/consents/{}/withdraw",
        consent["id"].as_str().unwrap()
    );
    expect_problem(
        w.app
            .post(&again, &w.counsellor.token, &json!({"method": "verbal"}))
            .await,
        StatusCode::CONFLICT,
        "consent-withdrawn",
    )
    .await;
}

#[tokio::test]
async fn consent_fields_are_validated() {
    let w = world().await;
    let body = json!({"purposes": [], "organisation_ids": [], "method": "telepathy"});
    let problem =
        expect_problem(w.record(&body).await, StatusCode::BAD_REQUEST, "validation").await;
    assert_eq!(fields(&problem), ["method", "purposes"]);
    let body = json!({"purposes": [], "organisation_ids": [], "method": "written"});
    assert_eq!(
        fields(&expect_problem(w.record(&body).await, StatusCode::BAD_REQUEST, "validation").await),
        ["purposes"]
    );
    let future = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let body = json!({"purposes": ["information_exchange"], "organisation_ids": [], "method": "written", "given_at": future});
    assert_eq!(
        fields(
            &expect_problem(
                w.record(&body).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "rule-violation"
            )
            .await
        ),
        ["given_at"]
    );
    let body = json!({"purposes": ["information_exchange"], "organisation_ids": [Uuid::now_v7()], "method": "written"});
    let problem = expect_problem(
        w.record(&body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-reference",
    )
    .await;
    assert_eq!(fields(&problem), ["organisation_ids"]);
}

#[tokio::test]
async fn the_access_log_is_for_the_responsible_worker_and_lists_every_access() {
    let w = world().await;
    let colleague = w
        .app
        .worker_in(w.counsellor.organisation_id, "own_coach")
        .await;
    let outsider = w.app.worker("kela", "kela_expert").await;
    let client_path = format!("/api/v1/clients/{}", w.client);
    w.app.get(&client_path, &colleague.token).await;
    w.app.get(&client_path, &outsider.token).await;
    let log_path = format!("{client_path}/access-log");
    expect_problem(
        w.app.get(&log_path, &colleague.token).await,
        StatusCode::FORBIDDEN,
        "not-responsible-worker",
    )
    .await;
    expect_problem(
        w.app.get(&log_path, &outsider.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let log = expect_status(
        w.app.get(&log_path, &w.counsellor.token).await,
        StatusCode::OK,
    )
    .await;
    let entries: Vec<(String, String, String)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["professional_id"].as_str().unwrap().to_owned(),
                e["operation"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let who = |w: &Worker| w.id.to_string();
    assert_eq!(
        entries,
        [
            (
                who(&w.counsellor),
                "client.create".to_owned(),
                "allowed".to_owned()
            ),
            (
                who(&colleague),
                "client.read".to_owned(),
                "allowed".to_owned()
            ),
            (
                who(&outsider),
                "client.read".to_owned(),
                "denied".to_owned()
            ),
            // Refused (not the responsible worker): on record as denied.
            (
                who(&colleague),
                "access_log.read".to_owned(),
                "denied".to_owned()
            ),
            (
                who(&outsider),
                "access_log.read".to_owned(),
                "denied".to_owned()
            ),
            // This very read: logged before it is answered.
            (
                who(&w.counsellor),
                "access_log.read".to_owned(),
                "allowed".to_owned()
            ),
        ]
    );
    // Each entry names who, for which organisation, what was touched and,
    // for a refusal, why.
    let items = log["items"].as_array().unwrap();
    let refused = &items[3];
    assert_eq!(refused["reason"], "not_responsible_worker");
    assert_eq!(refused["operation"], "access_log.read");
    assert_eq!(refused["resource_type"], "client");
    assert!(refused["professional_name"].as_str().unwrap().contains(' '));
    assert!(!refused["organisation_name"].as_str().unwrap().is_empty());
    assert_eq!(items[4]["reason"], "no_access");
    assert_eq!(items[1]["resource_type"], "client");
    assert_eq!(items[1]["resource_id"], w.client.to_string());
    assert!(items[1]["reason"].is_null());
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["request_id"].is_string())
    );
}

#[tokio::test]
async fn a_statutory_disclosure_is_logged_with_its_basis_and_flagged_for_the_auditor() {
    let w = world().await;
    let kela = w.app.worker("kela", "kela_expert").await;
    let hetu = {
        let path = format!("/api/v1/clients/{}", w.client);
        expect_status(w.app.get(&path, &w.counsellor.token).await, StatusCode::OK).await["personal_identity_code"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let body = json!({"personal_identity_code": hetu, "legal_basis": "kela_information_right", "reason": "Lyhyt"});
    let problem = expect_problem(
        w.app
            .post("/api/v1/clients/statutory-disclosure", &kela.token, &body)
            .await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["reason"]);
    let body = json!({"personal_identity_code": hetu, "legal_basis": "kela_information_right",
                      "reason": "Työttömyysetuuden ratkaiseminen, hakemus 2026-118"});
    let disclosed = expect_status(
        w.app
            .post("/api/v1/clients/statutory-disclosure", &kela.token, &body)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(disclosed["id"], w.client.to_string());
    // The disclosure gives no standing access.
    expect_problem(
        w.app
            .get(&format!("/api/v1/clients/{}", w.client), &kela.token)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;

    // Only an auditor lists flagged disclosures and searches the logs.
    let flagged = "/api/v1/audit/disclosures?flagged=true";
    expect_problem(
        w.app.get(flagged, &w.counsellor.token).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let auditor_body = json!({"organisation_id": kela.organisation_id, "first_name": "Tarja", "last_name": "Tarkastaja",
                              "title": "other", "roles": ["auditor"]});
    let auditor = id_of(
        &expect_status(
            w.app
                .post("/api/v1/professionals", &w.app.admin_token, &auditor_body)
                .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let token = crate::helpers::mint(&w.app.auth, auditor, &[kyky_domain::Role::Auditor]);
    let page = expect_status(w.app.get(flagged, &token).await, StatusCode::OK).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["basis"], "statutory");
    assert_eq!(items[0]["legal_basis"], "kela_information_right");
    assert_eq!(
        items[0]["to_organisation_id"],
        kela.organisation_id.to_string()
    );
    assert_eq!(
        items[0]["from_organisation_id"],
        w.counsellor.organisation_id.to_string()
    );
    assert_eq!(items[0]["flagged_for_review"], true);

    let search = format!("/api/v1/audit/access-log?professional_id={}", kela.id);
    let entries = expect_status(w.app.get(&search, &token).await, StatusCode::OK).await;
    let operations: Vec<(&str, &str)> = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["operation"].as_str().unwrap(),
                e["basis"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        operations,
        [
            ("client.statutory_disclosure", "statutory"),
            ("client.read", "-")
        ]
    );
    // An auditor gets no client records by role.
    expect_problem(
        w.app
            .get(&format!("/api/v1/clients/{}", w.client), &token)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn the_export_holds_everything_and_every_access_made() {
    let w = world().await;
    let colleague = w
        .app
        .worker_in(w.counsellor.organisation_id, "own_coach")
        .await;
    let outsider = w.app.worker("kela", "kela_expert").await;
    let client_path = format!("/api/v1/clients/{}", w.client);
    w.exchange_consent(w.nurse.organisation_id).await;
    w.app.get(&client_path, &colleague.token).await;
    w.app.get(&client_path, &outsider.token).await;
    w.app.get(&client_path, &w.nurse.token).await;
    let handover = w.propose_to_nurse().await;
    expect_status(w.accept(handover).await, StatusCode::OK).await;
    // The nurse is now responsible; the colleague may not export.
    let export_path = format!("{client_path}/export");
    expect_problem(
        w.app.get(&export_path, &colleague.token).await,
        StatusCode::FORBIDDEN,
        "not-responsible-worker",
    )
    .await;
    let export = expect_status(
        w.app.get(&export_path, &w.nurse.token).await,
        StatusCode::OK,
    )
    .await;

    assert_eq!(export["client"]["id"], w.client.to_string());
    assert!(export["client"]["personal_identity_code"].is_string());
    assert_eq!(export["relationships"].as_array().unwrap().len(), 2);
    assert_eq!(export["responsibility"].as_array().unwrap().len(), 2);
    assert_eq!(export["handovers"][0]["status"], "accepted");
    assert_eq!(export["consents"].as_array().unwrap().len(), 1);
    assert_eq!(export["disclosures"][0]["what"], "handover_package");

    let log: Vec<(String, String, String)> = export["access_log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["professional_id"].as_str().unwrap().to_owned(),
                e["operation"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expect =
        |w: &Worker, op: &str, outcome: &str| (w.id.to_string(), op.to_owned(), outcome.to_owned());
    assert_eq!(
        log,
        [
            expect(&w.counsellor, "client.create", "allowed"),
            expect(&w.counsellor, "consent.record", "allowed"),
            expect(&colleague, "client.read", "allowed"),
            expect(&outsider, "client.read", "denied"),
            expect(&w.nurse, "client.read", "allowed"),
            expect(&w.counsellor, "handover.propose", "allowed"),
            expect(&w.nurse, "handover.accept", "allowed"),
            // Refused (not the responsible worker): on record as denied.
            expect(&colleague, "client.export", "denied"),
            expect(&w.nurse, "client.export", "allowed"),
        ]
    );
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_log_entries() {
    use diesel::RunQueryDsl;
    let w = world().await;
    w.exchange_consent(w.nurse.organisation_id).await;
    let handover = w.propose_to_nurse().await;
    expect_status(w.accept(handover).await, StatusCode::OK).await;
    let mut statements = vec![
        "UPDATE access_log SET outcome = 'allowed'",
        "DELETE FROM access_log",
        "UPDATE disclosure_log SET flagged_for_review = TRUE",
        "DELETE FROM disclosure_log",
    ];
    // SQLite has no TRUNCATE; on PostgreSQL the application's role may not
    // empty the logs that way either.
    if crate::helpers::is_postgres() {
        statements.extend(["TRUNCATE access_log", "TRUNCATE disclosure_log"]);
    }
    for statement in statements {
        let result = w.app.db.run(|conn| {
            diesel::sql_query(statement)
                .execute(conn)
                .map_err(kyky_persistence::StoreError::from)
        });
        let error = result.expect_err(statement).to_string();
        assert!(error.contains("append-only"), "{statement}: {error}");
    }
    assert_eq!(w.disclosures().len(), 1);
}

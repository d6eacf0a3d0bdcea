use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    TestApp, Worker, expect_problem, expect_status, fields, fresh_hetu, id_of, spawn_app,
};

struct Espoo {
    app: TestApp,
    counsellor: Worker,
    nurse: Worker,
    team: Uuid,
    client: Uuid,
}

/// Espoo (seed 000): the employment services' counsellor, the work-ability
/// team hosted by health care with its nurse as a member.
async fn espoo() -> Espoo {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let team_body = json!({"name": "Espoon työkykytiimi", "hosting_organisation_id": nurse.organisation_id, "kind": "both",
        "cadence": {"frequency": "weekly", "weekday": "thursday", "start_time": "13:00", "duration_minutes": 90}});
    let team = id_of(
        &expect_status(
            app.post("/api/v1/teams", &app.admin_token, &team_body)
                .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let member = json!({"professional_id": nurse.id, "role": "nurse"});
    expect_status(
        app.post(
            &format!("/api/v1/teams/{team}/members"),
            &app.admin_token,
            &member,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let nurse = Worker {
        token: crate::helpers::mint(&app.auth, nurse.id, &[kyky_domain::Role::Professional]),
        ..nurse
    };
    let client = id_of(&app.client(&counsellor, &fresh_hetu()).await);
    Espoo {
        app,
        counsellor,
        nurse,
        team,
        client,
    }
}

impl Espoo {
    fn referral(&self, send: bool) -> Value {
        json!({"team_id": self.team, "reason": "Terveydentilan ja työkyvyn arvio", "health_factors": "Selkäkipu",
               "social_factors": "Pitkä työttömyys", "questions": ["Mikä on työkyky?", "Sopiiko ammatillinen kuntoutus?"],
               "attachments": [{"system": "sofia", "reference": "ESP-118"}], "urgency": "normal", "send": send})
    }

    async fn refer(&self, body: &Value) -> reqwest::Response {
        self.app
            .post(
                &format!("/api/v1/clients/{}/referrals", self.client),
                &self.counsellor.token,
                body,
            )
            .await
    }

    async fn consent(&self) {
        self.consent_for(&["referral_to_assessment", "information_exchange"])
            .await;
    }

    async fn consent_for(&self, purposes: &[&str]) {
        let body = json!({"purposes": purposes, "organisation_ids": [self.nurse.organisation_id], "method": "written"});
        let path = format!("/api/v1/clients/{}/consents", self.client);
        expect_status(
            self.app.post(&path, &self.counsellor.token, &body).await,
            StatusCode::CREATED,
        )
        .await;
    }

    async fn step(
        &self,
        referral: Uuid,
        action: &str,
        by: &Worker,
        body: &Value,
    ) -> reqwest::Response {
        self.app
            .post(
                &format!("/api/v1/referrals/{referral}/{action}"),
                &by.token,
                body,
            )
            .await
    }
}

#[tokio::test]
async fn a_referral_needs_consent_and_reaches_the_teams_inbox() {
    let e = espoo().await;
    let problem = expect_problem(
        e.refer(&e.referral(true)).await,
        StatusCode::CONFLICT,
        "consent-required",
    )
    .await;
    assert_eq!(
        problem["missing_consent"]["purpose"],
        "referral_to_assessment"
    );
    assert_eq!(
        problem["missing_consent"]["organisation_id"],
        e.nurse.organisation_id.to_string()
    );

    e.consent().await;
    let sent = expect_status(e.refer(&e.referral(true)).await, StatusCode::CREATED).await;
    assert_eq!(sent["status"], "sent");
    assert!(sent["sent_at"].is_string());
    assert_eq!(sent["questions"].as_array().unwrap().len(), 2);
    let referral = id_of(&sent);

    // The team's inbox shows it to members only; the nurse has no other access to the client.
    let inbox_path = format!("/api/v1/teams/{}/referrals?status=sent", e.team);
    let inbox = expect_status(e.app.get(&inbox_path, &e.nurse.token).await, StatusCode::OK).await;
    assert_eq!(inbox["items"][0]["id"], referral.to_string());
    assert_eq!(inbox["items"][0]["health_factors"], "Selkäkipu");
    let outsider = e.app.worker("kela", "kela_expert").await;
    expect_problem(
        e.app.get(&inbox_path, &outsider.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    expect_problem(
        e.step(referral, "accept", &outsider, &json!({})).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    // The sender sees the client, so learns why it may not accept its own referral.
    expect_problem(
        e.step(referral, "accept", &e.counsellor, &json!({})).await,
        StatusCode::FORBIDDEN,
        "not-team-member",
    )
    .await;

    let accepted = expect_status(
        e.step(referral, "accept", &e.nurse, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["decided_by"], e.nurse.id.to_string());
    expect_problem(
        e.step(referral, "accept", &e.nurse, &json!({})).await,
        StatusCode::CONFLICT,
        "referral-wrong-state",
    )
    .await;
    expect_problem(
        e.step(referral, "withdraw", &e.counsellor, &json!({}))
            .await,
        StatusCode::CONFLICT,
        "referral-wrong-state",
    )
    .await;

    let disclosures = e
        .app
        .db
        .run(|conn| kyky_persistence::disclosures::for_client(conn, e.client))
        .unwrap();
    assert_eq!(disclosures.len(), 1);
    assert_eq!(disclosures[0].what, "referral");
    assert_eq!(disclosures[0].to_organisation_id, e.nurse.organisation_id);
}

#[tokio::test]
async fn drafts_stay_with_the_sender_until_sent_and_the_team_may_return_them() {
    let e = espoo().await;
    // Consent to the referral only: the team sees the referral, nothing more.
    e.consent_for(&["referral_to_assessment"]).await;
    let draft = id_of(&expect_status(e.refer(&e.referral(false)).await, StatusCode::CREATED).await);
    let inbox_path = format!("/api/v1/teams/{}/referrals", e.team);
    assert_eq!(
        expect_status(e.app.get(&inbox_path, &e.nurse.token).await, StatusCode::OK).await["items"],
        json!([])
    );
    expect_problem(
        e.app
            .get(&format!("/api/v1/referrals/{draft}"), &e.nurse.token)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let colleague = e
        .app
        .worker_in(e.counsellor.organisation_id, "own_coach")
        .await;
    expect_problem(
        e.step(draft, "send", &colleague, &json!({})).await,
        StatusCode::FORBIDDEN,
        "not-referral-sender",
    )
    .await;
    expect_status(
        e.step(draft, "send", &e.counsellor, &json!({})).await,
        StatusCode::OK,
    )
    .await;

    let problem = expect_problem(
        e.step(draft, "return", &e.nurse, &json!({"reason": " "}))
            .await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["reason"]);
    let returned = expect_status(
        e.step(
            draft,
            "return",
            &e.nurse,
            &json!({"reason": "Kysymykset puuttuvat"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(returned["status"], "returned");
    assert_eq!(returned["return_reason"], "Kysymykset puuttuvat");

    let another =
        id_of(&expect_status(e.refer(&e.referral(true)).await, StatusCode::CREATED).await);
    let withdrawn = expect_status(
        e.step(another, "withdraw", &e.counsellor, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(withdrawn["status"], "withdrawn");
    assert!(withdrawn["withdrawn_at"].is_string());
}

#[tokio::test]
async fn referring_to_an_unknown_team_names_the_field() {
    let e = espoo().await;
    let mut body = e.referral(true);
    body["team_id"] = json!(Uuid::now_v7());
    let problem = expect_problem(
        e.refer(&body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-reference",
    )
    .await;
    assert_eq!(fields(&problem), ["team_id"]);
}

#[tokio::test]
async fn the_espoo_path_refers_assesses_and_hands_back_with_the_feedback() {
    let e = espoo().await;
    // The counsellor records the client's consent and refers with questions.
    e.consent().await;
    let referral =
        id_of(&expect_status(e.refer(&e.referral(true)).await, StatusCode::CREATED).await);
    // The team accepts: the assessment opens.
    let accepted = expect_status(
        e.step(referral, "accept", &e.nurse, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let assessment = accepted["assessment_id"]
        .as_str()
        .map(|s| Uuid::parse_str(s).unwrap())
        .expect("assessment opened");
    let path = format!("/api/v1/assessments/{assessment}");
    // The counsellor, still responsible, follows progress.
    assert_eq!(
        expect_status(e.app.get(&path, &e.counsellor.token).await, StatusCode::OK).await["status"],
        "open"
    );

    // The nurse takes responsibility by escorted handover.
    let to_nurse = json!({"to_professional_id": e.nurse.id, "summary": "Arvion ajaksi terveydenhoitajalle", "reason": "Työkykyarvio"});
    let handovers = format!("/api/v1/clients/{}/handovers", e.client);
    let handover = id_of(
        &expect_status(
            e.app.post(&handovers, &e.counsellor.token, &to_nurse).await,
            StatusCode::CREATED,
        )
        .await,
    );
    expect_status(
        e.app
            .post(
                &format!("/api/v1/handovers/{handover}/accept"),
                &e.nurse.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;

    // The nurse runs the assessment; others may not.
    expect_problem(
        e.app
            .post(&format!("{path}/start"), &e.counsellor.token, &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "not-team-member",
    )
    .await;
    expect_status(
        e.app
            .post(&format!("{path}/start"), &e.nurse.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let incomplete = json!({"feedback": {"health_factors": " ", "recommended_path": "employment", "physician_statement": false, "summary": "x"}});
    let problem = expect_problem(
        e.app
            .post(&format!("{path}/complete"), &e.nurse.token, &incomplete)
            .await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["feedback.health_factors"]);
    let feedback = json!({"feedback": {
        "health_factors": "Selkä ei kestä nostoja; kevyt työ onnistuu",
        "recommended_path": "vocational_rehabilitation",
        "physician_statement": true,
        "summary": "Työkyky osittainen. Suositus ammatillinen kuntoutus."}});
    let completed = expect_status(
        e.app
            .post(&format!("{path}/complete"), &e.nurse.token, &feedback)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(completed["status"], "completed");
    for time in ["opened_at", "started_at", "completed_at"] {
        assert!(completed[time].is_string(), "{time} recorded");
    }
    // The handover back is proposed with the feedback in its package; responsibility stays with the nurse until accepted.
    let back = Uuid::parse_str(
        completed["feedback_handover_id"]
            .as_str()
            .expect("handover back proposed"),
    )
    .unwrap();
    let proposed = expect_status(
        e.app
            .get(&format!("/api/v1/handovers/{back}"), &e.counsellor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        proposed["to_professional"]["id"],
        e.counsellor.id.to_string()
    );
    assert_eq!(proposed["return_to_referrer"], true);
    assert_eq!(proposed["package"][0]["kind"], "assessment_feedback");
    assert_eq!(proposed["package"][0]["reference"], assessment.to_string());
    // The recommendation by its Finnish label, not its code.
    let described = proposed["package"][0]["description"].as_str().unwrap();
    assert!(
        !described.contains("vocational_rehabilitation"),
        "{described}"
    );
    assert!(described.starts_with("Suositus: "), "{described}");
    let responsibility = format!("/api/v1/clients/{}/responsibility", e.client);
    assert_eq!(
        expect_status(
            e.app.get(&responsibility, &e.nurse.token).await,
            StatusCode::OK
        )
        .await["responsible"]["id"],
        e.nurse.id.to_string()
    );

    // The counsellor accepts and sees the feedback.
    expect_status(
        e.app
            .post(
                &format!("/api/v1/handovers/{back}/accept"),
                &e.counsellor.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        expect_status(
            e.app.get(&responsibility, &e.counsellor.token).await,
            StatusCode::OK
        )
        .await["responsible"]["id"],
        e.counsellor.id.to_string()
    );
    let seen = expect_status(e.app.get(&path, &e.counsellor.token).await, StatusCode::OK).await;
    assert_eq!(
        seen["feedback"]["recommended_path"],
        "vocational_rehabilitation"
    );
    assert_eq!(seen["feedback"]["physician_statement"], true);
    expect_problem(
        e.app
            .post(
                &format!("{path}/cancel"),
                &e.nurse.token,
                &json!({"reason": "myöhässä"}),
            )
            .await,
        StatusCode::CONFLICT,
        "assessment-wrong-state",
    )
    .await;
    // The team's client relationship ended with the assessment: once responsibility
    // is back, the nurse's organisation may only read (under the consent), not change.
    let relationships = format!("/api/v1/clients/{}/relationships", e.client);
    let list = expect_status(
        e.app.get(&relationships, &e.counsellor.token).await,
        StatusCode::OK,
    )
    .await;
    let team_org = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"]["id"] == e.nurse.organisation_id.to_string())
        .unwrap();
    assert_eq!(team_org["active"], false);
    let client_path = format!("/api/v1/clients/{}", e.client);
    let change = json!({"first_name": "Matti", "last_name": "Meikäläinen"});
    expect_problem(
        e.app
            .put(&client_path, &e.nurse.token, Some("\"1\""), &change)
            .await,
        StatusCode::FORBIDDEN,
        "read-only-access",
    )
    .await;
}

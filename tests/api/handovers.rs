use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    TestApp, Worker, expect_problem, expect_status, fields, fresh_hetu, id_of, spawn_app,
};

struct Story {
    app: TestApp,
    counsellor: Worker,
    nurse: Worker,
    client: Uuid,
}

/// Espoo (seed 000): an employment-services social counsellor is responsible;
/// the work-ability team's public health nurse works in health care.
async fn story() -> Story {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let client = id_of(&app.client(&counsellor, &fresh_hetu()).await);
    Story {
        app,
        counsellor,
        nurse,
        client,
    }
}

fn proposal(to: Uuid) -> Value {
    json!({
        "to_professional_id": to,
        "summary": "Selkäkipu ja uupumus nousivat esiin. Toivomme terveydentilan ja työkyvyn arviota.",
        "reason": "Terveydentilan ja työkyvyn arvio",
        "package": [{"kind": "external_document", "reference": "sofia:ESP-118", "description": "Työllistymissuunnitelma"}]
    })
}

impl Story {
    async fn propose(&self, by: &Worker, body: &Value) -> reqwest::Response {
        self.app
            .post(
                &format!("/api/v1/clients/{}/handovers", self.client),
                &by.token,
                body,
            )
            .await
    }

    async fn proposed(&self, by: &Worker, to: Uuid) -> Uuid {
        id_of(&expect_status(self.propose(by, &proposal(to)).await, StatusCode::CREATED).await)
    }

    async fn act(
        &self,
        handover: Uuid,
        action: &str,
        by: &Worker,
        body: &Value,
    ) -> reqwest::Response {
        self.app
            .post(
                &format!("/api/v1/handovers/{handover}/{action}"),
                &by.token,
                body,
            )
            .await
    }

    /// The counsellor records the client's consent to exchange information with `organisations`.
    async fn consent(&self, organisations: &[Uuid]) -> Uuid {
        let body = json!({"purposes": ["referral_to_assessment", "information_exchange"],
                          "organisation_ids": organisations, "method": "written"});
        let path = format!("/api/v1/clients/{}/consents", self.client);
        id_of(
            &expect_status(
                self.app.post(&path, &self.counsellor.token, &body).await,
                StatusCode::CREATED,
            )
            .await,
        )
    }

    async fn responsibility(&self, by: &Worker) -> Value {
        let path = format!("/api/v1/clients/{}/responsibility", self.client);
        expect_status(self.app.get(&path, &by.token).await, StatusCode::OK).await
    }
}

#[tokio::test]
async fn the_seed_story_hands_the_client_to_the_nurse_and_back_saattaen_vaihtaen() {
    let s = story().await;
    let before = s.responsibility(&s.counsellor).await;
    assert_eq!(before["responsible"]["id"], s.counsellor.id.to_string());
    assert_eq!(before["responsible"]["title"], "social_counsellor");
    assert!(before["responsible"]["organisation"]["name"].is_string());

    // The counsellor proposes a handover to the team's nurse with a summary.
    let response = s.propose(&s.counsellor, &proposal(s.nurse.id)).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let proposed = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(proposed["status"], "pending");
    assert_eq!(proposed["client"]["first_name"], "Matti");
    assert!(
        proposed["client"]["personal_identity_code_masked"]
            .as_str()
            .unwrap()
            .ends_with("***")
    );
    let handover = id_of(&proposed);
    assert_eq!(location, format!("/api/v1/handovers/{handover}"));

    // Until acceptance the counsellor stays responsible, and the nurse sees only the package.
    assert_eq!(
        s.responsibility(&s.counsellor).await["pending_handover_id"],
        handover.to_string()
    );
    let client_path = format!("/api/v1/clients/{}", s.client);
    expect_problem(
        s.app.get(&client_path, &s.nurse.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;

    // The nurse sees it in the incoming list and accepts.
    let inbox = expect_status(
        s.app
            .get(
                "/api/v1/handovers?direction=incoming&status=pending",
                &s.nurse.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["summary"], proposed["summary"]);
    assert_eq!(items[0]["package"][0]["reference"], "sofia:ESP-118");
    let outbox = expect_status(
        s.app
            .get("/api/v1/handovers?direction=outgoing", &s.counsellor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(outbox["items"][0]["id"], handover.to_string());
    // The client consents to exchanging information with the team's organisation.
    s.consent(&[s.nurse.organisation_id]).await;

    let accepted = expect_status(
        s.act(handover, "accept", &s.nurse, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["decided_by"], s.nurse.id.to_string());

    // Responsibility and history show the change; the nurse now has the client.
    let now = s.responsibility(&s.nurse).await;
    assert_eq!(now["responsible"]["id"], s.nurse.id.to_string());
    assert_eq!(now["pending_handover_id"], Value::Null);
    expect_status(
        s.app.get(&client_path, &s.nurse.token).await,
        StatusCode::OK,
    )
    .await;
    let relationships = expect_status(
        s.app
            .get(&format!("{client_path}/relationships"), &s.nurse.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        relationships["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["organisation"]["id"] == s.nurse.organisation_id.to_string())
    );

    // Later the nurse hands back, and the counsellor accepts.
    let mut back = proposal(s.counsellor.id);
    back["return_to_referrer"] = json!(true);
    back["summary"] = json!("Arvio valmis: suositus ammatillinen kuntoutus. Palaute liitteenä.");
    let back = id_of(&expect_status(s.propose(&s.nurse, &back).await, StatusCode::CREATED).await);
    expect_status(
        s.act(back, "accept", &s.counsellor, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        s.responsibility(&s.counsellor).await["responsible"]["id"],
        s.counsellor.id.to_string()
    );

    let history = expect_status(
        s.app
            .get(
                &format!("{client_path}/responsibility/history"),
                &s.counsellor.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let periods = history["items"].as_array().unwrap();
    let summary: Vec<(String, String, bool)> = periods
        .iter()
        .map(|p| {
            (
                p["professional"]["id"].as_str().unwrap().to_owned(),
                p["origin"].as_str().unwrap().to_owned(),
                p["ended_at"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (s.counsellor.id.to_string(), "initial".to_owned(), false),
            (s.nurse.id.to_string(), "handover".to_owned(), false),
            (s.counsellor.id.to_string(), "handover".to_owned(), true),
        ]
    );
    assert_eq!(periods[1]["handover_id"], handover.to_string());
    assert_eq!(
        periods[0]["ended_at"], periods[1]["started_at"],
        "no gap: never without a responsible worker"
    );

    let events = s
        .app
        .db
        .run(|conn| kyky_persistence::events::kinds_for_client(conn, s.client))
        .unwrap();
    assert_eq!(
        events,
        [
            "client.created",
            "relationship.opened",
            "handover.proposed",
            "consent.given",
            // The nurse's organisation comes in with the client.
            "relationship.opened",
            "handover.accepted",
            "responsibility.changed",
            "handover.proposed",
            "handover.accepted",
            "responsibility.changed"
        ]
    );
}

#[tokio::test]
async fn every_professional_with_access_sees_the_responsible_worker() {
    let s = story().await;
    let colleague = s
        .app
        .worker_in(s.counsellor.organisation_id, "own_coach")
        .await;
    assert_eq!(
        s.responsibility(&colleague).await["responsible"]["id"],
        s.counsellor.id.to_string()
    );
    let path = format!("/api/v1/clients/{}/responsibility", s.client);
    expect_problem(
        s.app.get(&path, &s.nurse.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn only_the_responsible_worker_or_work_pair_proposes() {
    let s = story().await;
    let colleague = s
        .app
        .worker_in(s.counsellor.organisation_id, "own_coach")
        .await;
    let response = s.propose(&colleague, &proposal(s.nurse.id)).await;
    expect_problem(response, StatusCode::FORBIDDEN, "not-responsible-worker").await;
    let pair_path = format!("/api/v1/clients/{}/responsibility/work-pair", s.client);
    let set = s
        .app
        .put(
            &pair_path,
            &s.counsellor.token,
            None,
            &json!({"professional_id": colleague.id}),
        )
        .await;
    assert_eq!(
        expect_status(set, StatusCode::OK).await["work_pair"]["id"],
        colleague.id.to_string()
    );
    expect_status(
        s.propose(&colleague, &proposal(s.nurse.id)).await,
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test]
async fn at_most_one_handover_is_pending() {
    let s = story().await;
    s.proposed(&s.counsellor, s.nurse.id).await;
    let other = s.app.worker("kela", "kela_expert").await;
    let response = s.propose(&s.counsellor, &proposal(other.id)).await;
    expect_problem(response, StatusCode::CONFLICT, "handover-already-pending").await;
}

#[tokio::test]
async fn the_receiver_must_be_another_active_professional() {
    let s = story().await;
    expect_problem(
        s.propose(&s.counsellor, &proposal(s.counsellor.id)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "receiver-is-responsible",
    )
    .await;
    let gone = s.app.worker("kela", "kela_expert").await;
    s.app
        .post(
            &format!("/api/v1/professionals/{}/deactivate", gone.id),
            &s.app.admin_token,
            &json!({}),
        )
        .await;
    expect_problem(
        s.propose(&s.counsellor, &proposal(gone.id)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "receiver-inactive",
    )
    .await;
    expect_problem(
        s.propose(&s.counsellor, &proposal(Uuid::now_v7())).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "receiver-inactive",
    )
    .await;
    let queue = json!({"to_organisation_id": Uuid::now_v7(), "summary": "x", "reason": "y"});
    let problem = expect_problem(
        s.propose(&s.counsellor, &queue).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-reference",
    )
    .await;
    assert_eq!(fields(&problem), ["to_organisation_id"]);
}

#[tokio::test]
async fn a_proposal_needs_a_summary_a_reason_and_exactly_one_receiver() {
    let s = story().await;
    let both = json!({"to_professional_id": s.nurse.id, "to_organisation_id": s.nurse.organisation_id, "summary": " ", "reason": ""});
    let problem = expect_problem(
        s.propose(&s.counsellor, &both).await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["body", "reason", "summary"]);
    let mut late = proposal(s.nurse.id);
    late["expires_at"] = json!("2001-01-01T00:00:00Z");
    let problem = expect_problem(
        s.propose(&s.counsellor, &late).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "rule-violation",
    )
    .await;
    assert_eq!(fields(&problem), ["expires_at"]);
}

#[tokio::test]
async fn only_the_receiver_accepts_or_declines_and_declining_needs_a_reason() {
    let s = story().await;
    let handover = s.proposed(&s.counsellor, s.nurse.id).await;
    let colleague = s.app.worker_in(s.nurse.organisation_id, "physician").await;
    expect_problem(
        s.act(handover, "accept", &s.counsellor, &json!({})).await,
        StatusCode::FORBIDDEN,
        "not-handover-receiver",
    )
    .await;
    // A colleague of the receiver is not a party and has no access: the handover does not exist for them.
    expect_problem(
        s.act(handover, "accept", &colleague, &json!({})).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let problem = expect_problem(
        s.act(handover, "decline", &s.nurse, &json!({"reason": "  "}))
            .await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["reason"]);
    let declined = expect_status(
        s.act(
            handover,
            "decline",
            &s.nurse,
            &json!({"reason": "Ei tiimin kohderyhmää"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["decline_reason"], "Ei tiimin kohderyhmää");
    assert_eq!(
        s.responsibility(&s.counsellor).await["responsible"]["id"],
        s.counsellor.id.to_string()
    );
    expect_problem(
        s.act(handover, "accept", &s.nurse, &json!({})).await,
        StatusCode::CONFLICT,
        "handover-not-pending",
    )
    .await;
}

#[tokio::test]
async fn only_the_proposer_or_responsible_worker_cancels() {
    let s = story().await;
    let handover = s.proposed(&s.counsellor, s.nurse.id).await;
    expect_problem(
        s.act(handover, "cancel", &s.nurse, &json!({})).await,
        StatusCode::FORBIDDEN,
        "not-handover-proposer",
    )
    .await;
    let cancelled = expect_status(
        s.act(
            handover,
            "cancel",
            &s.counsellor,
            &json!({"reason": "Asiakas muutti"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    expect_problem(
        s.act(handover, "cancel", &s.counsellor, &json!({})).await,
        StatusCode::CONFLICT,
        "handover-not-pending",
    )
    .await;
    // With nothing pending, a new proposal is possible.
    s.proposed(&s.counsellor, s.nurse.id).await;
}

#[tokio::test]
async fn an_organisation_queue_is_accepted_by_any_of_its_members() {
    let s = story().await;
    s.consent(&[s.nurse.organisation_id]).await;
    let body = json!({"to_organisation_id": s.nurse.organisation_id, "summary": "Tiimille", "reason": "Arvio"});
    let handover =
        id_of(&expect_status(s.propose(&s.counsellor, &body).await, StatusCode::CREATED).await);
    let colleague = s.app.worker_in(s.nurse.organisation_id, "physician").await;
    let inbox = expect_status(
        s.app.get("/api/v1/handovers", &colleague.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        inbox["items"][0]["to_organisation"]["id"],
        s.nurse.organisation_id.to_string()
    );
    expect_status(
        s.act(handover, "accept", &colleague, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        s.responsibility(&colleague).await["responsible"]["id"],
        colleague.id.to_string()
    );
}

#[tokio::test]
async fn accepting_brings_the_proposed_work_pair() {
    let s = story().await;
    s.consent(&[s.nurse.organisation_id]).await;
    let team_counsellor = s.app.worker("social_services", "social_counsellor").await;
    let mut body = proposal(s.nurse.id);
    body["work_pair_id"] = json!(team_counsellor.id);
    let handover =
        id_of(&expect_status(s.propose(&s.counsellor, &body).await, StatusCode::CREATED).await);
    expect_status(
        s.act(handover, "accept", &s.nurse, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let now = s.responsibility(&s.nurse).await;
    assert_eq!(now["work_pair"]["id"], team_counsellor.id.to_string());
    // The work pair sees the whole client record from another organisation.
    expect_status(
        s.app
            .get(
                &format!("/api/v1/clients/{}", s.client),
                &team_counsellor.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
}

#[tokio::test]
async fn a_handover_past_its_deadline_is_expired() {
    let s = story().await;
    let mut body = proposal(s.nurse.id);
    body["expires_at"] = json!((chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339());
    let handover = s.propose(&s.counsellor, &body).await;
    let handover = id_of(&expect_status(handover, StatusCode::CREATED).await);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let seen = expect_status(
        s.app
            .get(&format!("/api/v1/handovers/{handover}"), &s.nurse.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["status"], "expired");
    expect_problem(
        s.act(handover, "accept", &s.nurse, &json!({})).await,
        StatusCode::CONFLICT,
        "handover-expired",
    )
    .await;
    // An expired handover does not block a new proposal.
    s.proposed(&s.counsellor, s.nurse.id).await;
}

#[tokio::test]
async fn handovers_are_hidden_from_non_parties() {
    let s = story().await;
    let handover = s.proposed(&s.counsellor, s.nurse.id).await;
    let stranger = s.app.worker("kela", "kela_expert").await;
    let path = format!("/api/v1/handovers/{handover}");
    expect_problem(
        s.app.get(&path, &stranger.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let inbox = expect_status(
        s.app.get("/api/v1/handovers", &stranger.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(inbox["items"], json!([]));
    let colleague = s
        .app
        .worker_in(s.counsellor.organisation_id, "own_coach")
        .await;
    expect_status(s.app.get(&path, &colleague.token).await, StatusCode::OK).await;
}

#[tokio::test]
async fn the_work_pair_is_set_and_cleared_by_the_responsible_worker_only() {
    let s = story().await;
    let path = format!("/api/v1/clients/{}/responsibility/work-pair", s.client);
    let colleague = s
        .app
        .worker_in(s.counsellor.organisation_id, "own_coach")
        .await;
    let response = s
        .app
        .put(
            &path,
            &colleague.token,
            None,
            &json!({"professional_id": colleague.id}),
        )
        .await;
    expect_problem(response, StatusCode::FORBIDDEN, "not-responsible-worker").await;
    let response = s
        .app
        .put(
            &path,
            &s.counsellor.token,
            None,
            &json!({"professional_id": s.counsellor.id}),
        )
        .await;
    expect_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid-work-pair",
    )
    .await;
    let set = s
        .app
        .put(
            &path,
            &s.counsellor.token,
            None,
            &json!({"professional_id": s.nurse.id}),
        )
        .await;
    assert_eq!(
        expect_status(set, StatusCode::OK).await["work_pair"]["id"],
        s.nurse.id.to_string()
    );
    let cleared = s
        .app
        .request(reqwest::Method::DELETE, &path, &s.counsellor.token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_status(cleared, StatusCode::OK).await["work_pair"],
        Value::Null
    );
}

#[tokio::test]
async fn a_new_client_may_name_a_colleague_as_responsible_but_not_an_outsider() {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let coach = app.worker_in(counsellor.organisation_id, "own_coach").await;
    let outsider = app.worker("kela", "kela_expert").await;
    let body = |responsible: Uuid| json!({"personal_identity_code": fresh_hetu(), "relationship_basis": "client_contact", "first_name": "A", "last_name": "B", "responsible_professional_id": responsible});
    let created = expect_status(
        app.post("/api/v1/clients", &counsellor.token, &body(coach.id))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!(
        "/api/v1/clients/{}/responsibility",
        created["id"].as_str().unwrap()
    );
    assert_eq!(
        expect_status(app.get(&path, &counsellor.token).await, StatusCode::OK).await["responsible"]
            ["id"],
        coach.id.to_string()
    );
    let refused = app
        .post("/api/v1/clients", &counsellor.token, &body(outsider.id))
        .await;
    let problem = expect_problem(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-reference",
    )
    .await;
    assert_eq!(fields(&problem), ["responsible_professional_id"]);
}

async fn race(s: &Story, attempts: Vec<(Uuid, &'static str, Worker)>) -> Vec<StatusCode> {
    let calls = attempts.iter().map(|(handover, action, by)| async move {
        s.act(*handover, action, by, &json!({})).await.status()
    });
    futures::future::join_all(calls).await
}

#[tokio::test]
async fn of_many_concurrent_accepts_exactly_one_succeeds() {
    let s = story().await;
    s.consent(&[s.nurse.organisation_id]).await;
    let mut members = vec![s.nurse.clone()];
    for _ in 0..7 {
        members.push(s.app.worker_in(s.nurse.organisation_id, "physician").await);
    }
    for round in 0..3 {
        let body = json!({"to_organisation_id": s.nurse.organisation_id, "summary": format!("Kierros {round}"), "reason": "Arvio"});
        let responsible = s.responsibility(&s.counsellor).await["responsible"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let proposer = members
            .iter()
            .chain([&s.counsellor])
            .find(|w| w.id.to_string() == responsible)
            .unwrap()
            .clone();
        let handover =
            id_of(&expect_status(s.propose(&proposer, &body).await, StatusCode::CREATED).await);
        let attempts = members
            .iter()
            .filter(|m| m.id != proposer.id)
            .map(|m| (handover, "accept", m.clone()))
            .collect();
        let statuses = race(&s, attempts).await;
        let won = statuses.iter().filter(|st| **st == StatusCode::OK).count();
        assert_eq!(won, 1, "round {round}: {statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|st| *st == StatusCode::OK || *st == StatusCode::CONFLICT),
            "{statuses:?}"
        );
        let history = s
            .app
            .get(
                &format!("/api/v1/clients/{}/responsibility/history", s.client),
                &s.counsellor.token,
            )
            .await;
        let open = expect_status(history, StatusCode::OK).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["ended_at"].is_null())
            .count();
        assert_eq!(open, 1, "exactly one responsible worker");
    }
}

#[tokio::test]
async fn an_accept_racing_a_cancel_ends_one_way_only() {
    let s = story().await;
    s.consent(&[s.nurse.organisation_id]).await;
    for _ in 0..5 {
        let handover = s.proposed(&s.counsellor, s.nurse.id).await;
        let statuses = race(
            &s,
            vec![
                (handover, "accept", s.nurse.clone()),
                (handover, "cancel", s.counsellor.clone()),
            ],
        )
        .await;
        assert_eq!(
            statuses.iter().filter(|st| **st == StatusCode::OK).count(),
            1,
            "{statuses:?}"
        );
        assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
        let seen = expect_status(
            s.app
                .get(&format!("/api/v1/handovers/{handover}"), &s.nurse.token)
                .await,
            StatusCode::OK,
        )
        .await;
        // The counsellor's organisation keeps access whichever way it ended.
        let responsible = s.responsibility(&s.counsellor).await["responsible"]["id"]
            .as_str()
            .map(str::to_owned);
        if seen["status"] == "accepted" {
            assert_eq!(responsible, Some(s.nurse.id.to_string()));
            // Hand back so the next round starts from the counsellor.
            let back = id_of(
                &expect_status(
                    s.propose(&s.nurse, &proposal(s.counsellor.id)).await,
                    StatusCode::CREATED,
                )
                .await,
            );
            expect_status(
                s.act(back, "accept", &s.counsellor, &json!({})).await,
                StatusCode::OK,
            )
            .await;
        } else {
            assert_eq!(seen["status"], "cancelled");
        }
    }
}

#[tokio::test]
async fn asking_for_responsibility_turns_into_a_handover_when_agreed() {
    let s = story().await;
    // The NGO's job coach works with the client weekly and gets a relationship.
    let coach = s.app.worker("third_sector", "job_coach").await;
    s.consent(&[coach.organisation_id]).await;
    let rels = format!("/api/v1/clients/{}/relationships", s.client);
    expect_status(
        s.app
            .post(
                &rels,
                &s.counsellor.token,
                &json!({"organisation_id": coach.organisation_id, "basis": "client_contact"}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;

    let path = format!("/api/v1/clients/{}/responsibility-requests", s.client);
    let reason = json!({"reason": "Asiakas on työtoiminnassa meillä 3 pv/vko"});
    let asked = expect_status(
        s.app.post(&path, &coach.token, &reason).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(asked["status"], "pending");
    expect_problem(
        s.app.post(&path, &coach.token, &reason).await,
        StatusCode::CONFLICT,
        "request-already-pending",
    )
    .await;
    expect_problem(
        s.app.post(&path, &s.counsellor.token, &reason).await,
        StatusCode::CONFLICT,
        "already-responsible",
    )
    .await;
    let request = id_of(&asked);

    let agree = format!("/api/v1/responsibility-requests/{request}/agree");
    expect_problem(
        s.app
            .post(&agree, &coach.token, &json!({"summary": "x"}))
            .await,
        StatusCode::FORBIDDEN,
        "not-responsible-worker",
    )
    .await;
    let agreed = expect_status(
        s.app
            .post(
                &agree,
                &s.counsellor.token,
                &json!({"summary": "Suunnitelma ja verkosto liitteenä"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(agreed["request"]["status"], "agreed");
    assert_eq!(
        agreed["handover"]["to_professional"]["id"],
        coach.id.to_string()
    );
    assert_eq!(agreed["request"]["handover_id"], agreed["handover"]["id"]);
    expect_problem(
        s.app
            .post(&agree, &s.counsellor.token, &json!({"summary": "x"}))
            .await,
        StatusCode::CONFLICT,
        "request-not-pending",
    )
    .await;

    expect_status(
        s.act(id_of(&agreed["handover"]), "accept", &coach, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        s.responsibility(&coach).await["responsible"]["id"],
        coach.id.to_string()
    );
}

#[tokio::test]
async fn a_refusal_needs_a_reason_and_only_the_asker_withdraws() {
    let s = story().await;
    let colleague = s
        .app
        .worker_in(s.counsellor.organisation_id, "own_coach")
        .await;
    let path = format!("/api/v1/clients/{}/responsibility-requests", s.client);
    let ask = json!({"reason": "Tapaan asiakasta viikoittain"});
    let first = id_of(
        &expect_status(
            s.app.post(&path, &colleague.token, &ask).await,
            StatusCode::CREATED,
        )
        .await,
    );
    let refuse = format!("/api/v1/responsibility-requests/{first}/refuse");
    let problem = expect_problem(
        s.app
            .post(&refuse, &s.counsellor.token, &json!({"reason": ""}))
            .await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["reason"]);
    let refused = expect_status(
        s.app
            .post(
                &refuse,
                &s.counsellor.token,
                &json!({"reason": "Arvio kesken"}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(refused["status"], "refused");
    assert_eq!(refused["refusal_reason"], "Arvio kesken");

    let second = id_of(
        &expect_status(
            s.app.post(&path, &colleague.token, &ask).await,
            StatusCode::CREATED,
        )
        .await,
    );
    let withdraw = format!("/api/v1/responsibility-requests/{second}/withdraw");
    expect_problem(
        s.app.post(&withdraw, &s.counsellor.token, &json!({})).await,
        StatusCode::FORBIDDEN,
        "not-requester",
    )
    .await;
    assert_eq!(
        expect_status(
            s.app.post(&withdraw, &colleague.token, &json!({})).await,
            StatusCode::OK
        )
        .await["status"],
        "withdrawn"
    );
    let listed = expect_status(s.app.get(&path, &s.counsellor.token).await, StatusCode::OK).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn concurrent_reads_and_writes_of_one_client_never_fail() {
    let s = story().await;
    let colleague = s
        .app
        .worker_in(s.counsellor.organisation_id, "own_coach")
        .await;
    let read = format!("/api/v1/clients/{}/responsibility", s.client);
    let pair = format!("/api/v1/clients/{}/responsibility/work-pair", s.client);
    let calls = (0..40).map(|n| {
        let (read, pair, s, colleague) = (&read, &pair, &s, &colleague);
        async move {
            if n % 2 == 0 {
                s.app.get(read, &colleague.token).await.status()
            } else {
                let body = json!({"professional_id": colleague.id});
                s.app
                    .put(pair, &s.counsellor.token, None, &body)
                    .await
                    .status()
            }
        }
    });
    let statuses = futures::future::join_all(calls).await;
    assert!(
        statuses.iter().all(|st| *st == StatusCode::OK),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn an_agreement_racing_a_withdrawal_ends_one_way_only() {
    let s = story().await;
    let colleague = s
        .app
        .worker_in(s.counsellor.organisation_id, "own_coach")
        .await;
    let path = format!("/api/v1/clients/{}/responsibility-requests", s.client);
    for _ in 0..4 {
        let asked = s
            .app
            .post(
                &path,
                &colleague.token,
                &json!({"reason": "Tapaan asiakasta"}),
            )
            .await;
        let request = id_of(&expect_status(asked, StatusCode::CREATED).await);
        let agree = format!("/api/v1/responsibility-requests/{request}/agree");
        let withdraw = format!("/api/v1/responsibility-requests/{request}/withdraw");
        let (agreed, withdrawn) = futures::future::join(
            s.app
                .post(&agree, &s.counsellor.token, &json!({"summary": "Ole hyvä"})),
            s.app.post(&withdraw, &colleague.token, &json!({})),
        )
        .await;
        let statuses = [agreed.status(), withdrawn.status()];
        assert_eq!(
            statuses.iter().filter(|st| **st == StatusCode::OK).count(),
            1,
            "{statuses:?}"
        );
        assert!(statuses.contains(&StatusCode::CONFLICT), "{statuses:?}");
        if agreed.status() == StatusCode::OK {
            let handover = id_of(&agreed.json::<Value>().await.unwrap()["handover"]);
            expect_status(
                s.act(handover, "cancel", &s.counsellor, &json!({})).await,
                StatusCode::OK,
            )
            .await;
        }
    }
}

#[tokio::test]
async fn a_work_ability_team_is_a_queue_any_member_may_accept() {
    let s = story().await;
    let team_body = json!({
        "name": "Espoon työkykytiimi", "hosting_organisation_id": s.nurse.organisation_id, "kind": "both",
        "cadence": {"frequency": "weekly", "weekday": "thursday", "start_time": "13:00", "duration_minutes": 90}
    });
    let team = id_of(
        &expect_status(
            s.app
                .post("/api/v1/teams", &s.app.admin_token, &team_body)
                .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let team_counsellor = s.app.worker("social_services", "social_counsellor").await;
    for (member, role) in [(&s.nurse, "nurse"), (&team_counsellor, "social_counsellor")] {
        let add = json!({"professional_id": member.id, "role": role});
        expect_status(
            s.app
                .post(
                    &format!("/api/v1/teams/{team}/members"),
                    &s.app.admin_token,
                    &add,
                )
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let host_colleague = s.app.worker_in(s.nurse.organisation_id, "physician").await;
    s.consent(&[team_counsellor.organisation_id]).await;

    let body = json!({"to_team_id": team, "summary": "Tiimille arvioon", "reason": "Työkykyarvio"});
    let proposed = expect_status(s.propose(&s.counsellor, &body).await, StatusCode::CREATED).await;
    assert_eq!(proposed["to_team"]["id"], team.to_string());
    assert_eq!(
        proposed["to_organisation"]["id"],
        s.nurse.organisation_id.to_string(),
        "the team's host"
    );

    // Members see it in their inbox, whatever their organisation; the host's non-members do not.
    for member in [&s.nurse, &team_counsellor] {
        let inbox = expect_status(
            s.app.get("/api/v1/handovers", &member.token).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(inbox["items"].as_array().unwrap().len(), 1);
    }
    let inbox = expect_status(
        s.app.get("/api/v1/handovers", &host_colleague.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(inbox["items"], json!([]));
    let handover = id_of(&proposed);
    expect_problem(
        s.act(handover, "accept", &host_colleague, &json!({})).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;

    expect_status(
        s.act(handover, "accept", &team_counsellor, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        s.responsibility(&team_counsellor).await["responsible"]["id"],
        team_counsellor.id.to_string()
    );
    let unknown = json!({"to_team_id": uuid::Uuid::now_v7(), "summary": "x", "reason": "y"});
    let problem = expect_problem(
        s.propose(&team_counsellor, &unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-reference",
    )
    .await;
    assert_eq!(fields(&problem), ["to_team_id"]);
}

/// The answers to a proposal and an acceptance show the cards their
/// transactions read (the people, the client): exactly what reading the
/// handover afresh shows.
#[tokio::test]
async fn the_answers_to_propose_and_accept_are_the_handover_as_read_afresh() {
    let s = story().await;
    s.consent(&[s.nurse.organisation_id]).await;
    // Two follow-ups of the counsellor's move with the responsibility, the
    // later one made first.
    let follow_ups = format!("/api/v1/clients/{}/follow-ups", s.client);
    for days in [9, 3] {
        let due_on = chrono::Utc::now().date_naive() + chrono::Days::new(days);
        expect_status(
            s.app
                .post(
                    &follow_ups,
                    &s.counsellor.token,
                    &json!({"description": format!("Soita {days}"), "due_on": due_on}),
                )
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let proposed = expect_status(
        s.propose(&s.counsellor, &proposal(s.nurse.id)).await,
        StatusCode::CREATED,
    )
    .await;
    let handover = id_of(&proposed);
    let path = format!("/api/v1/handovers/{handover}");
    let read = expect_status(s.app.get(&path, &s.counsellor.token).await, StatusCode::OK).await;
    assert_eq!(proposed, read);
    assert_eq!(proposed["from"]["id"], s.counsellor.id.to_string());
    assert_eq!(proposed["to_professional"]["id"], s.nurse.id.to_string());
    assert!(proposed["to_professional"]["organisation"]["name"].is_string());

    let accepted = expect_status(
        s.act(handover, "accept", &s.nurse, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let read = expect_status(s.app.get(&path, &s.nurse.token).await, StatusCode::OK).await;
    assert_eq!(accepted, read);
    assert_eq!(accepted["status"], "accepted");
    let moved: Vec<&str> = accepted["follow_ups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["description"].as_str().unwrap())
        .collect();
    assert_eq!(moved, ["Soita 3", "Soita 9"], "soonest first");
    assert_eq!(proposed["follow_ups"].as_array().map(Vec::len), Some(2));
}

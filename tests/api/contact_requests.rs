use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{expect_problem, expect_status, fields, fresh_hetu, id_of, mint, spawn_app};

#[tokio::test]
async fn the_ostrobothnia_path_triages_a_contact_request_into_a_client_and_an_assessment() {
    let app = spawn_app().await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let team_body = json!({"name": "Pohjanmaan työkykytiimi", "hosting_organisation_id": nurse.organisation_id, "kind": "with_client",
        "cadence": {"frequency": "every_two_weeks", "weekday": "wednesday", "anchor_date": "2026-11-18", "start_time": "12:00", "duration_minutes": 180}});
    let team = id_of(
        &expect_status(
            app.post("/api/v1/teams", &app.admin_token, &team_body)
                .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let add = json!({"professional_id": nurse.id, "role": "nurse"});
    expect_status(
        app.post(
            &format!("/api/v1/teams/{team}/members"),
            &app.admin_token,
            &add,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let nurse_token = mint(&app.auth, nurse.id, &[kyky_domain::Role::Professional]);
    let coach = app.worker("third_sector", "job_coach").await;
    let inbox = format!("/api/v1/teams/{team}/contact-requests");

    // A job coach passes on a request; contact data is required and checked.
    let unreachable = json!({"name": "Maija", "channel": "passed_on"});
    let problem = expect_problem(
        app.post(&inbox, &coach.token, &unreachable).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "rule-violation",
    )
    .await;
    assert_eq!(fields(&problem), ["body"]);
    let bad = json!({"name": "Maija", "phone": "soita", "email": "x@", "channel": "passed_on"});
    let problem = expect_problem(
        app.post(&inbox, &coach.token, &bad).await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["email", "phone"]);
    let body = json!({"name": "Maija Mallikas", "phone": "040 765 4321", "preferred_time": "aamupäivä", "channel": "passed_on"});
    let received = expect_status(
        app.post(&inbox, &coach.token, &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(received["status"], "new");
    let request = id_of(&received);

    // The team's second inbox is for members.
    expect_problem(
        app.get(&inbox, &coach.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let listed = expect_status(
        app.get(&format!("{inbox}?status=new"), &nurse_token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"][0]["id"], request.to_string());

    // Triage: invite — the person becomes a client with the consent from the first meeting, and an assessment opens.
    let invite = json!({"personal_identity_code": fresh_hetu(), "first_name": "Maija", "last_name": "Mallikas",
        "consent": {"purposes": ["team_or_network_handling", "information_exchange"], "method": "written"}});
    expect_problem(
        app.post(
            &format!("/api/v1/contact-requests/{request}/invite"),
            &coach.token,
            &invite,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let invited = expect_status(
        app.post(
            &format!("/api/v1/contact-requests/{request}/invite"),
            &nurse_token,
            &invite,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(invited["status"], "invited");
    let client = Uuid::parse_str(invited["client_id"].as_str().unwrap()).unwrap();
    let assessment = Uuid::parse_str(invited["assessment_id"].as_str().unwrap()).unwrap();
    let responsibility = expect_status(
        app.get(
            &format!("/api/v1/clients/{client}/responsibility"),
            &nurse_token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(responsibility["responsible"]["id"], nurse.id.to_string());
    let consents = expect_status(
        app.get(&format!("/api/v1/clients/{client}/consents"), &nurse_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(consents["items"][0]["active"], true);
    let opened = expect_status(
        app.get(&format!("/api/v1/assessments/{assessment}"), &nurse_token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(opened["status"], "open");
    assert_eq!(opened["referral_id"], serde_json::Value::Null);
    expect_problem(
        app.post(
            &format!("/api/v1/contact-requests/{request}/invite"),
            &nurse_token,
            &invite,
        )
        .await,
        StatusCode::CONFLICT,
        "contact-request-triaged",
    )
    .await;

    // Or close with a reason.
    let other = id_of(
        &expect_status(
            app.post(&inbox, &coach.token, &body).await,
            StatusCode::CREATED,
        )
        .await,
    );
    let close = format!("/api/v1/contact-requests/{other}/close");
    assert_eq!(
        fields(
            &expect_problem(
                app.post(&close, &nurse_token, &json!({"reason": ""})).await,
                StatusCode::BAD_REQUEST,
                "validation"
            )
            .await
        ),
        ["reason"]
    );
    let closed = expect_status(
        app.post(&close, &nurse_token, &json!({"reason": "Ei tavoitettu"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["close_reason"], "Ei tavoitettu");
}

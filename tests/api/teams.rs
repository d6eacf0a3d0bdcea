use chrono::Datelike;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{expect_problem, expect_status, fields, id_of, spawn_app};

fn poytya(host: &str) -> Value {
    json!({
        "name": "Pöytyän työkyvyn tuen tiimi",
        "hosting_organisation_id": host,
        "description": "Lääkäri, terveydenhoitaja, sosiaaliohjaaja, Kela, TE",
        "kind": "both",
        "cadence": {"frequency": "monthly", "weekday": "tuesday", "week_of_month": 1, "start_time": "09:00", "duration_minutes": 180}
    })
}

#[tokio::test]
async fn an_admin_creates_a_team_whose_chair_then_manages_it() {
    let app = spawn_app().await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let kela = app.worker("kela", "kela_expert").await;
    let host = nurse.organisation_id.to_string();
    let response = app
        .post("/api/v1/teams", &app.admin_token, &poytya(&host))
        .await;
    let team = expect_status(response, StatusCode::CREATED).await;
    let path = format!("/api/v1/teams/{}", id_of(&team));
    let next = &team["next_meeting"];
    let date =
        chrono::NaiveDate::parse_from_str(next["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    assert_eq!(date.weekday(), chrono::Weekday::Tue);
    assert!(date.day() <= 7, "the first Tuesday of a month");
    assert!(date >= chrono::Utc::now().date_naive());
    assert_eq!(next["duration_minutes"], 180);

    let add = |professional: uuid::Uuid, role: &str| json!({"professional_id": professional, "role": role});
    expect_problem(
        app.post(
            &format!("{path}/members"),
            &nurse.token,
            &add(nurse.id, "chair"),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_status(
        app.post(
            &format!("{path}/members"),
            &app.admin_token,
            &add(nurse.id, "chair"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // The chair adds members from other organisations.
    let with_kela = expect_status(
        app.post(
            &format!("{path}/members"),
            &nurse.token,
            &add(kela.id, "kela"),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let roles: Vec<(&str, &str)> = with_kela["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["professional"]["title"].as_str().unwrap(),
                m["role"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [("public_health_nurse", "chair"), ("kela_expert", "kela")]
    );
    expect_problem(
        app.post(
            &format!("{path}/members"),
            &nurse.token,
            &add(kela.id, "kela"),
        )
        .await,
        StatusCode::CONFLICT,
        "already-member",
    )
    .await;
    // A plain member may not manage; the chair may change the cadence.
    let mut kaarina = poytya(&host);
    kaarina["cadence"] = json!({"frequency": "every_two_weeks", "weekday": "wednesday", "anchor_date": "2026-11-18", "start_time": "12:00", "duration_minutes": 180});
    expect_problem(
        app.put(&path, &kela.token, Some("\"1\""), &kaarina).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let updated = expect_status(
        app.put(&path, &nurse.token, Some("\"1\""), &kaarina).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["cadence"]["frequency"], "every_two_weeks");
    expect_problem(
        app.put(&path, &nurse.token, Some("\"1\""), &kaarina).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    // Members may leave by themselves.
    let left = expect_status(
        app.post(
            &format!("{path}/members/{}/remove", kela.id),
            &kela.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(left["members"].as_array().unwrap().len(), 1);
    expect_problem(
        app.post(
            &format!("{path}/members/{}/remove", kela.id),
            &nurse.token,
            &json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn a_cadence_must_say_enough_to_compute_the_next_meeting() {
    let app = spawn_app().await;
    let host = app.organisation("Sote", "health_care").await.to_string();
    let mut team = poytya(&host);
    team["cadence"]["week_of_month"] = Value::Null;
    let problem = expect_problem(
        app.post("/api/v1/teams", &app.admin_token, &team).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "rule-violation",
    )
    .await;
    assert_eq!(fields(&problem), ["cadence"]);
    let mut team = poytya(&host);
    team["cadence"]["start_time"] = json!("9 am");
    team["cadence"]["duration_minutes"] = json!(5);
    let problem = expect_problem(
        app.post("/api/v1/teams", &app.admin_token, &team).await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(
        fields(&problem),
        ["cadence.duration_minutes", "cadence.start_time"]
    );
    let team = poytya(&uuid::Uuid::now_v7().to_string());
    let problem = expect_problem(
        app.post("/api/v1/teams", &app.admin_token, &team).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-reference",
    )
    .await;
    assert_eq!(fields(&problem), ["hosting_organisation_id"]);
}

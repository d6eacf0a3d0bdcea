use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Worker, expect_problem, expect_status, fields, fresh_hetu, spawn_app};

fn primaries(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["is_primary"] == true)
        .map(|r| r["organisation"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn setup() -> (crate::helpers::TestApp, Worker, Uuid, String) {
    let app = spawn_app().await;
    let worker = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let client = app.client(&worker, &fresh_hetu()).await;
    let path = format!(
        "/api/v1/clients/{}/relationships",
        client["id"].as_str().unwrap()
    );
    let kela = app.organisation("Kela", "kela").await;
    // Sharing the record with Kela rests on the client's consent.
    let consents = path.replace("/relationships", "/consents");
    let consent = json!({"purposes": ["information_exchange"], "organisation_ids": [kela], "method": "written"});
    expect_status(
        app.post(&consents, &worker.token, &consent).await,
        StatusCode::CREATED,
    )
    .await;
    (app, worker, kela, path)
}

#[tokio::test]
async fn the_creating_organisation_holds_the_primary_relationship() {
    let (app, worker, _, path) = setup().await;
    let list = expect_status(app.get(&path, &worker.token).await, StatusCode::OK).await;
    assert_eq!(primaries(&list), [worker.organisation_id.to_string()]);
    assert_eq!(list["items"][0]["active"], true);
    assert_eq!(list["items"][0]["created_by"], worker.id.to_string());
}

#[tokio::test]
async fn a_new_primary_replaces_the_old_one_in_the_same_step() {
    let (app, worker, kela, path) = setup().await;
    let opened = app
        .post(
            &path,
            &worker.token,
            &json!({"organisation_id": kela, "basis": "referral"}),
        )
        .await;
    let opened = expect_status(opened, StatusCode::CREATED).await;
    assert_eq!(opened["is_primary"], false);
    let list = expect_status(app.get(&path, &worker.token).await, StatusCode::OK).await;
    assert_eq!(primaries(&list), [worker.organisation_id.to_string()]);

    let made = app
        .post(
            &format!("{path}/{}/primary", opened["id"].as_str().unwrap()),
            &worker.token,
            &json!({}),
        )
        .await;
    assert_eq!(
        expect_status(made, StatusCode::OK).await["is_primary"],
        true
    );
    let list = expect_status(app.get(&path, &worker.token).await, StatusCode::OK).await;
    assert_eq!(primaries(&list), [kela.to_string()], "exactly one primary");
}

#[tokio::test]
async fn the_primary_cannot_end_while_another_relationship_is_active() {
    let (app, worker, kela, path) = setup().await;
    expect_status(
        app.post(
            &path,
            &worker.token,
            &json!({"organisation_id": kela, "basis": "referral"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let list = expect_status(app.get(&path, &worker.token).await, StatusCode::OK).await;
    let own = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["is_primary"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = app
        .post(&format!("{path}/{own}/end"), &worker.token, &json!({}))
        .await;
    expect_problem(
        response,
        StatusCode::CONFLICT,
        "primary-relationship-required",
    )
    .await;
}

#[tokio::test]
async fn ending_the_own_relationship_ends_the_organisations_access_but_not_the_responsible_workers()
{
    let (app, worker, kela, path) = setup().await;
    let colleague = app.worker_in(worker.organisation_id, "own_coach").await;
    expect_status(app.get(&path, &colleague.token).await, StatusCode::OK).await;
    let kela_rel = expect_status(
        app.post(
            &path,
            &worker.token,
            &json!({"organisation_id": kela, "basis": "referral", "primary": true}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(kela_rel["is_primary"], true);
    // The client withdraws the consent: only relationships give access now.
    let consents = path.replace("/relationships", "/consents");
    let consents = expect_status(app.get(&consents, &worker.token).await, StatusCode::OK).await;
    for consent in consents["items"].as_array().unwrap() {
        let withdraw = format!(
            "/api/v1/consents/{}/withdraw",
            consent["id"].as_str().unwrap()
        );
        let body = json!({"method": "verbal"});
        expect_status(
            app.post(&withdraw, &worker.token, &body).await,
            StatusCode::OK,
        )
        .await;
    }
    let list = expect_status(app.get(&path, &worker.token).await, StatusCode::OK).await;
    let own = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["organisation"]["id"] == worker.organisation_id.to_string())
        .unwrap();
    let ended = app
        .post(
            &format!("{path}/{}/end", own["id"].as_str().unwrap()),
            &worker.token,
            &json!({}),
        )
        .await;
    let ended = expect_status(ended, StatusCode::OK).await;
    assert_eq!(ended["active"], false);
    assert!(ended["ended_on"].is_string());
    expect_problem(
        app.get(&path, &colleague.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    // Responsibility moves only by an escorted handover; until then the worker keeps the client.
    expect_status(app.get(&path, &worker.token).await, StatusCode::OK).await;
}

#[tokio::test]
async fn another_organisations_relationship_is_ended_only_by_it_or_its_recorder() {
    let (app, worker, kela, path) = setup().await;
    let kela_worker = app.worker_in(kela, "kela_expert").await;
    let rel = expect_status(
        app.post(
            &path,
            &worker.token,
            &json!({"organisation_id": kela, "basis": "referral"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let rel_id = rel["id"].as_str().unwrap();
    // A colleague of the recorder, in the recorder's organisation, did not record it.
    let colleague = app.worker_in(worker.organisation_id, "own_coach").await;
    let response = app
        .post(
            &format!("{path}/{rel_id}/end"),
            &colleague.token,
            &json!({}),
        )
        .await;
    expect_problem(
        response,
        StatusCode::FORBIDDEN,
        "relationship-not-own-organisation",
    )
    .await;
    let response = app
        .post(
            &format!("{path}/{rel_id}/end"),
            &kela_worker.token,
            &json!({"ended_on": "2000-01-01"}),
        )
        .await;
    let problem =
        expect_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "rule-violation").await;
    assert_eq!(fields(&problem), ["ended_on"]);
    let response = app
        .post(
            &format!("{path}/{rel_id}/end"),
            &kela_worker.token,
            &json!({}),
        )
        .await;
    expect_status(response, StatusCode::OK).await;
    let again = app
        .post(&format!("{path}/{rel_id}/end"), &worker.token, &json!({}))
        .await;
    expect_problem(again, StatusCode::CONFLICT, "relationship-ended").await;
    let primary = app
        .post(
            &format!("{path}/{rel_id}/primary"),
            &worker.token,
            &json!({}),
        )
        .await;
    expect_problem(primary, StatusCode::CONFLICT, "relationship-ended").await;
}

#[tokio::test]
async fn opening_checks_the_organisation_and_duplicates() {
    let (app, worker, kela, path) = setup().await;
    expect_status(
        app.post(
            &path,
            &worker.token,
            &json!({"organisation_id": kela, "basis": "referral"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let twice = app
        .post(
            &path,
            &worker.token,
            &json!({"organisation_id": kela, "basis": "referral"}),
        )
        .await;
    expect_problem(twice, StatusCode::CONFLICT, "relationship-already-active").await;
    let unknown = app
        .post(
            &path,
            &worker.token,
            &json!({"organisation_id": Uuid::now_v7(), "basis": "referral"}),
        )
        .await;
    let problem = expect_problem(
        unknown,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-reference",
    )
    .await;
    assert_eq!(fields(&problem), ["organisation_id"]);
    let foreign = app
        .post(
            &format!("{path}/{}/primary", Uuid::now_v7()),
            &worker.token,
            &json!({}),
        )
        .await;
    expect_problem(foreign, StatusCode::NOT_FOUND, "not-found").await;
}

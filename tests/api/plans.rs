//! The support plan: drafting, the overlap rule, publishing, sharing with the
//! consented network, versions, the client's summary, follow-ups and the caseload.

use chrono::{Days, NaiveDate, Utc};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    TestApp, Worker, expect_problem, expect_status, fields, fresh_hetu, id_of, spawn_app,
};

fn in_days(n: u64) -> NaiveDate {
    Utc::now().date_naive() + Days::new(n)
}

fn etag(response: &Response) -> String {
    response.headers()["etag"].to_str().unwrap().to_owned()
}

/// Publishes as `worker`; returns the published plan.
async fn publish(app: &TestApp, worker: &Worker, plan: Uuid) -> Value {
    expect_status(
        app.post(
            &format!("/api/v1/plans/{plan}/publish"),
            &worker.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await
}

/// Drafts a plan with `body` as `worker`; returns the draft and its ETag.
async fn draft(app: &TestApp, worker: &Worker, client: Uuid, body: &Value) -> (Value, String) {
    let response = app
        .post(
            &format!("/api/v1/clients/{client}/plans"),
            &worker.token,
            body,
        )
        .await;
    let tag = etag(&response);
    (expect_status(response, StatusCode::CREATED).await, tag)
}

async fn give_consent(app: &TestApp, worker: &Worker, client: Uuid, to: Uuid) {
    let body = json!({"purposes": ["information_exchange"], "organisation_ids": [to], "method": "written"});
    expect_status(
        app.post(
            &format!("/api/v1/clients/{client}/consents"),
            &worker.token,
            &body,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

/// The plan's disclosures in the client's export, as (to organisation, plan).
async fn plan_disclosures(app: &TestApp, worker: &Worker, client: Uuid) -> Vec<(String, String)> {
    let export = expect_status(
        app.get(&format!("/api/v1/clients/{client}/export"), &worker.token)
            .await,
        StatusCode::OK,
    )
    .await;
    export["disclosures"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["what"] == "support_plan")
        .map(|d| {
            (
                d["to_organisation_id"].as_str().unwrap().to_owned(),
                d["subject_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_plan_is_drafted_cleared_of_overlap_published_shared_and_superseded() {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let kela = app.worker("kela", "kela_expert").await;
    let workshop = app.organisation("Työpaja Oy", "third_sector").await;
    let foundation = app.organisation("Säätiö", "third_sector").await;
    let hetu = fresh_hetu();
    let client = id_of(&app.client(&counsellor, &hetu).await);
    // Kela's relationship was opened under a consent the client has since
    // withdrawn: the relationship stays, no consent covers Kela any more.
    let consent = json!({"purposes": ["information_exchange"], "organisation_ids": [kela.organisation_id], "method": "written"});
    let consent = id_of(
        &expect_status(
            app.post(
                &format!("/api/v1/clients/{client}/consents"),
                &counsellor.token,
                &consent,
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let relationship = json!({"organisation_id": kela.organisation_id, "basis": "referral"});
    expect_status(
        app.post(
            &format!("/api/v1/clients/{client}/relationships"),
            &counsellor.token,
            &relationship,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/consents/{consent}/withdraw"),
            &counsellor.token,
            &json!({"method": "verbal"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    give_consent(&app, &counsellor, client, nurse.organisation_id).await;

    let service = |provider: Uuid, starts: u64| {
        json!({"code": "rehabilitative_work_activity", "provider_organisation_id": provider,
               "status": "active", "starts_on": in_days(starts)})
    };
    let body = json!({
        "goals": [{"text": "Haluan jaksaa käydä työpajalla kolmena päivänä viikossa", "target_on": in_days(120)}],
        "client_view": "Väsyn nopeasti, mutta haluan yrittää.",
        "services": [service(workshop, 0), service(foundation, 7)],
        "participants": [{"kind": "client"}, {"kind": "professional", "professional_id": counsellor.id}],
    });
    let (plan, tag) = draft(&app, &counsellor, client, &body).await;
    let plan_id = id_of(&plan);
    assert_eq!(
        (plan["status"].as_str(), plan["version"].as_i64()),
        (Some("draft"), Some(1))
    );
    let services: Vec<String> = plan["content"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        plan["content"]["warnings"],
        json!([{"code": "overlapping_services", "services": services}]),
        "the same service at two providers at once is an overlap"
    );

    // Without a follow-up date the draft cannot be published.
    let refused = expect_problem(
        app.post(
            &format!("/api/v1/plans/{plan_id}/publish"),
            &counsellor.token,
            &json!({}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "plan-not-publishable",
    )
    .await;
    assert_eq!(fields(&refused), ["follow_up_on"]);
    // Only the responsible worker or work pair edits it; a stale ETag is refused.
    let stale = app
        .patch(
            &format!("/api/v1/plans/{plan_id}"),
            &counsellor.token,
            "\"99\"",
            &json!({}),
        )
        .await;
    expect_problem(
        stale,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;

    // Resolve the overlap: the foundation's activity is cancelled.
    let mut resolved = plan["content"]["services"].clone();
    let second = resolved[1].as_object_mut().unwrap();
    second.insert("status".into(), json!("cancelled"));
    second.insert("provider_organisation_id".into(), json!(foundation));
    second.remove("provider");
    second.remove("responsible_professional");
    let first = resolved[0].as_object_mut().unwrap();
    first.insert("provider_organisation_id".into(), json!(workshop));
    first.remove("provider");
    first.remove("responsible_professional");
    let follow_up_on = in_days(30);
    let response = app
        .patch(
            &format!("/api/v1/plans/{plan_id}"),
            &counsellor.token,
            &tag,
            &json!({"services": resolved, "follow_up_on": follow_up_on}),
        )
        .await;
    assert_ne!(etag(&response), tag, "each edit gets a new ETag");
    let edited = expect_status(response, StatusCode::OK).await;
    assert_eq!(edited["content"]["warnings"], json!([]));
    assert_eq!(
        edited["content"]["services"][1]["id"], services[1],
        "ids are kept"
    );
    assert_eq!(
        edited["content"]["client_view"], body["client_view"],
        "parts left out stay"
    );

    let published = publish(&app, &counsellor, plan_id).await;
    assert_eq!(published["status"], "published");

    // The consented network organisation reads it, and the sharing is logged.
    let read = expect_status(
        app.get(&format!("/api/v1/plans/{plan_id}"), &nurse.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["readable"], true);
    assert_eq!(read["content"]["goals"], published["content"]["goals"]);
    let nurse_org = nurse.organisation_id.to_string();
    assert_eq!(
        plan_disclosures(&app, &counsellor, client).await,
        [(nurse_org.clone(), plan_id.to_string())],
        "one disclosure at publishing; reading does not repeat it"
    );

    // An organisation without consent sees only that a plan exists and who is responsible.
    let hidden = expect_status(
        app.get(
            &format!("/api/v1/clients/{client}/plans/current"),
            &kela.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(hidden["readable"], false);
    assert_eq!(hidden["content"], Value::Null);
    assert_eq!(
        hidden["responsible_worker"]["id"],
        counsellor.id.to_string()
    );
    assert!(!hidden.to_string().contains("työpajalla"), "{hidden}");
    expect_problem(
        app.get(&format!("/api/v1/plans/{plan_id}/summary"), &kela.token)
            .await,
        StatusCode::FORBIDDEN,
        "plan-not-shared",
    )
    .await;
    expect_problem(
        app.get(&format!("/api/v1/clients/{client}/follow-ups"), &kela.token)
            .await,
        StatusCode::FORBIDDEN,
        "plan-not-shared",
    )
    .await;
    // …and may not draft one.
    expect_problem(
        app.post(
            &format!("/api/v1/clients/{client}/plans"),
            &kela.token,
            &json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "not-responsible-worker",
    )
    .await;

    // A published version never changes.
    expect_problem(
        app.patch(
            &format!("/api/v1/plans/{plan_id}"),
            &counsellor.token,
            &etag(
                &app.get(&format!("/api/v1/plans/{plan_id}"), &counsellor.token)
                    .await,
            ),
            &json!({"client_view": "muutettu"}),
        )
        .await,
        StatusCode::CONFLICT,
        "plan-not-draft",
    )
    .await;

    // Version 2 starts from version 1 and supersedes it when published.
    let (second, tag) = draft(&app, &counsellor, client, &json!({})).await;
    let second_id = id_of(&second);
    assert_eq!(second["version"], 2);
    assert_eq!(second["based_on"], plan_id.to_string());
    assert_eq!(second["content"]["goals"], published["content"]["goals"]);
    expect_status(
        app.get(&format!("/api/v1/plans/{second_id}"), &nurse.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let goals = json!([{"text": "Aloitan työkokeilun", "target_on": in_days(90)}]);
    expect_status(
        app.patch(
            &format!("/api/v1/plans/{second_id}"),
            &counsellor.token,
            &tag,
            &json!({"goals": goals}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    publish(&app, &counsellor, second_id).await;
    let old = expect_status(
        app.get(&format!("/api/v1/plans/{plan_id}"), &counsellor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["superseded_by"], second_id.to_string());
    assert_eq!(
        old["content"], published["content"],
        "the old version is unchanged"
    );
    let current = expect_status(
        app.get(
            &format!("/api/v1/clients/{client}/plans/current"),
            &nurse.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(current["id"], second_id.to_string());
    assert_eq!(
        current["content"]["goals"][0]["text"],
        "Aloitan työkokeilun"
    );
    let versions = expect_status(
        app.get(
            &format!("/api/v1/clients/{client}/plans"),
            &counsellor.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let statuses: Vec<&str> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["published", "superseded"]);
    assert_eq!(
        plan_disclosures(&app, &counsellor, client).await.len(),
        2,
        "each published version is shared and logged"
    );
}

#[tokio::test]
async fn open_warnings_need_an_explicit_acknowledgement_to_publish() {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let ngo = app.organisation("Yhdistys", "third_sector").await;
    let client = id_of(&app.client(&counsellor, &fresh_hetu()).await);
    let body = json!({
        "services": [{"code": "third_sector_activity", "provider_organisation_id": ngo,
                      "status": "active", "starts_on": in_days(0), "client_confirms_use": false}],
        "follow_up_on": in_days(14),
    });
    let (plan, _) = draft(&app, &counsellor, client, &body).await;
    assert_eq!(plan["content"]["warnings"][0]["code"], "unused_service");
    let url = format!("/api/v1/plans/{}/publish", id_of(&plan));
    let refused = expect_problem(
        app.post(
            &url,
            &counsellor.token,
            &json!({"acknowledge_warnings": false}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "plan-warnings-not-acknowledged",
    )
    .await;
    assert_eq!(fields(&refused), ["acknowledge_warnings"]);
    let published = expect_status(
        app.post(
            &url,
            &counsellor.token,
            &json!({"acknowledge_warnings": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(published["warnings_acknowledged"], true);
    // A second draft while one is open is refused.
    draft(&app, &counsellor, client, &json!({})).await;
    expect_problem(
        app.post(
            &format!("/api/v1/clients/{client}/plans"),
            &counsellor.token,
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "plan-draft-exists",
    )
    .await;
}

#[tokio::test]
async fn bad_plan_input_names_the_field() {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let client = id_of(&app.client(&counsellor, &fresh_hetu()).await);
    let url = format!("/api/v1/clients/{client}/plans");
    let backwards = json!({"services": [{"code": "education", "provider_organisation_id": counsellor.organisation_id,
        "starts_on": in_days(10), "ends_on": in_days(1)}]});
    let problem = expect_problem(
        app.post(&url, &counsellor.token, &backwards).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "rule-violation",
    )
    .await;
    assert_eq!(fields(&problem), ["services[0].ends_on"]);
    let unknown = json!({"responsibilities": [{"party": {"kind": "organisation", "organisation_id": Uuid::now_v7()},
        "task": "Päätös", "due_on": in_days(5)}]});
    let problem = expect_problem(
        app.post(&url, &counsellor.token, &unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown-reference",
    )
    .await;
    assert_eq!(fields(&problem), ["responsibilities"]);
    let blank = json!({"goals": [{"text": "  ", "target_on": in_days(5)}]});
    let problem = expect_problem(
        app.post(&url, &counsellor.token, &blank).await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["goals[0].text"]);
    let versions = expect_status(app.get(&url, &counsellor.token).await, StatusCode::OK).await;
    assert_eq!(versions["items"], json!([]), "nothing was written");
}

#[tokio::test]
async fn the_summary_is_in_the_clients_language() {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let client = id_of(&app.client(&counsellor, &fresh_hetu()).await);
    let body = json!({
        "goals": [{"text": "Pääsen työkokeiluun", "target_on": "2030-06-30"}],
        "services": [{"code": "work_trial", "provider_organisation_id": counsellor.organisation_id,
                      "responsible_professional_id": counsellor.id, "status": "planned", "starts_on": "2030-01-10"}],
        "responsibilities": [{"party": {"kind": "client"}, "task": "Varaa aika lääkärille", "due_on": "2030-01-31"}],
        "follow_up_on": "2030-02-15",
    });
    let (plan, _) = draft(&app, &counsellor, client, &body).await;
    let plan_id = id_of(&plan);
    publish(&app, &counsellor, plan_id).await;
    let fi = app
        .get(
            &format!("/api/v1/plans/{plan_id}/summary"),
            &counsellor.token,
        )
        .await;
    assert_eq!(fi.headers()["content-language"], "fi");
    let fi = expect_status(fi, StatusCode::OK).await;
    assert_eq!(fi["title"], "Työkyvyn tuen suunnitelmasi (versio 1)");
    let text = fi["text"].as_str().unwrap();
    for expected in [
        "Pääsen työkokeiluun (mennessä 30.6.2030)",
        "Työkokeilu:",
        "Sinä: Varaa aika lääkärille",
        "Palaamme suunnitelmaan viimeistään 15.2.2030.",
        "vastuutyöntekijäsi",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    let sv = expect_status(
        app.get(
            &format!("/api/v1/plans/{plan_id}/summary?lang=sv"),
            &counsellor.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(sv["sections"][0]["heading"], "Dina mål");
    let en = expect_status(
        app.get(
            &format!("/api/v1/plans/{plan_id}/summary?lang=en"),
            &counsellor.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(en["text"].as_str().unwrap().contains("15 February 2030"));
    let bad = app
        .get(
            &format!("/api/v1/plans/{plan_id}/summary?lang=de"),
            &counsellor.token,
        )
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn follow_ups_fall_overdue_after_their_date_and_the_caseload_lists_them() {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let planned = id_of(&app.client(&counsellor, &fresh_hetu()).await);
    let later = id_of(&app.client(&counsellor, &fresh_hetu()).await);
    let unplanned = id_of(&app.client(&counsellor, &fresh_hetu()).await);
    give_consent(&app, &counsellor, planned, nurse.organisation_id).await;
    let body = json!({
        "responsibilities": [{"party": {"kind": "professional", "professional_id": nurse.id},
                              "task": "Terveystarkastus", "due_on": in_days(3)}],
        "follow_up_on": in_days(7),
    });
    let (plan, _) = draft(&app, &counsellor, planned, &body).await;
    publish(&app, &counsellor, id_of(&plan)).await;
    let (plan, _) = draft(
        &app,
        &counsellor,
        later,
        &json!({"follow_up_on": in_days(20)}),
    )
    .await;
    publish(&app, &counsellor, id_of(&plan)).await;

    let url = format!("/api/v1/clients/{planned}/follow-ups");
    let open = expect_status(app.get(&url, &counsellor.token).await, StatusCode::OK).await;
    let items = open["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (
            items[0]["source"].as_str(),
            items[0]["owner"]["id"].as_str()
        ),
        (Some("responsibility"), Some(nurse.id.to_string().as_str()))
    );
    assert_eq!(items[1]["source"], "plan");
    assert!(items.iter().all(|f| f["overdue"] == false));

    // Eight days on, both are overdue: computed from the clock, not stored.
    app.clock.advance(chrono::Duration::days(8));
    let open = expect_status(app.get(&url, &counsellor.token).await, StatusCode::OK).await;
    assert!(
        open["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["overdue"] == true)
    );
    let caseload = expect_status(
        app.get("/api/v1/caseload", &counsellor.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(caseload["total"], 3);
    let order: Vec<&str> = caseload["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["client"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        [
            planned.to_string(),
            later.to_string(),
            unplanned.to_string()
        ],
        "soonest follow-up first; no plan last"
    );
    let first = &caseload["items"][0];
    assert_eq!(first["role"], "responsible_worker");
    assert_eq!(first["next_follow_up_on"], json!(in_days(3)));
    assert_eq!(first["overdue"], true);
    assert_eq!(first["plan"]["follow_up_on"], json!(in_days(7)));
    assert_eq!(caseload["items"][1]["overdue"], false);
    assert_eq!(caseload["items"][2]["plan"], Value::Null);

    // The nurse, whose organisation the consent covers, completes hers with a note.
    let theirs = open["items"][0]["id"].as_str().unwrap().to_owned();
    let missing_note = app
        .post(
            &format!("/api/v1/follow-ups/{theirs}/complete"),
            &nurse.token,
            &json!({"note": " "}),
        )
        .await;
    expect_problem(missing_note, StatusCode::BAD_REQUEST, "validation").await;
    let done = expect_status(
        app.post(
            &format!("/api/v1/follow-ups/{theirs}/complete"),
            &nurse.token,
            &json!({"note": "Tarkastus tehty, ei estettä työkokeilulle"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (done["status"].as_str(), done["overdue"].as_bool()),
        (Some("completed"), Some(false))
    );
    expect_problem(
        app.post(
            &format!("/api/v1/follow-ups/{theirs}/complete"),
            &nurse.token,
            &json!({"note": "uudestaan"}),
        )
        .await,
        StatusCode::CONFLICT,
        "follow-up-not-open",
    )
    .await;
    let plans_own = open["items"][1]["id"].as_str().unwrap().to_owned();
    expect_problem(
        app.post(
            &format!("/api/v1/follow-ups/{plans_own}/complete"),
            &nurse.token,
            &json!({"note": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "not-follow-up-owner",
    )
    .await;

    // One added by hand: not in the past (as the clock now stands).
    let past = app
        .post(
            &url,
            &counsellor.token,
            &json!({"description": "Soita", "due_on": in_days(1)}),
        )
        .await;
    assert_eq!(
        fields(&expect_problem(past, StatusCode::UNPROCESSABLE_ENTITY, "rule-violation").await),
        ["due_on"]
    );
    let added = expect_status(
        app.post(
            &url,
            &counsellor.token,
            &json!({"description": "Soita", "due_on": in_days(8)}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        (added["source"].as_str(), added["overdue"].as_bool()),
        (Some("manual"), Some(false))
    );

    // Pages: two, then the rest; the cursor continues after the last one.
    let page = expect_status(
        app.get("/api/v1/caseload?limit=2", &counsellor.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        page["items"][0]["next_follow_up_on"],
        json!(in_days(7)),
        "the done one no longer counts"
    );
    let cursor = page["next_cursor"].as_str().unwrap();
    let rest = expect_status(
        app.get(
            &format!("/api/v1/caseload?limit=2&cursor={cursor}"),
            &counsellor.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["items"][0]["client"]["id"], unplanned.to_string());
    assert_eq!(rest["next_cursor"], Value::Null);

    // Pending handovers show on both sides.
    let handover =
        json!({"to_professional_id": nurse.id, "summary": "Terveydenhoitoon", "reason": "Arvio"});
    expect_status(
        app.post(
            &format!("/api/v1/clients/{later}/handovers"),
            &counsellor.token,
            &handover,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let mine = expect_status(
        app.get("/api/v1/caseload", &counsellor.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        mine["pending_handovers"],
        json!({"incoming": 0, "outgoing": 1})
    );
    let theirs = expect_status(
        app.get("/api/v1/caseload", &nurse.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        theirs["pending_handovers"],
        json!({"incoming": 1, "outgoing": 0})
    );
    assert_eq!(theirs["total"], 0, "not responsible before accepting");
}

#[tokio::test]
async fn a_colleague_reads_the_plan_without_a_disclosure_but_does_not_draft() {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let colleague = app.worker_in(counsellor.organisation_id, "own_coach").await;
    let client = id_of(&app.client(&counsellor, &fresh_hetu()).await);
    let (plan, _) = draft(
        &app,
        &counsellor,
        client,
        &json!({"follow_up_on": in_days(10)}),
    )
    .await;
    let plan_id = id_of(&plan);
    expect_status(
        app.get(&format!("/api/v1/plans/{plan_id}"), &colleague.token)
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;
    publish(&app, &counsellor, plan_id).await;
    let read = expect_status(
        app.get(&format!("/api/v1/plans/{plan_id}"), &colleague.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["readable"], true);
    assert!(plan_disclosures(&app, &counsellor, client).await.is_empty());
    expect_problem(
        app.post(
            &format!("/api/v1/clients/{client}/plans"),
            &colleague.token,
            &json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "not-responsible-worker",
    )
    .await;
    // Reading a plan is in the client's access log, and so is the refused draft.
    let log = expect_status(
        app.get(
            &format!("/api/v1/clients/{client}/access-log"),
            &counsellor.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["operation"] == "plan.read"
                && e["professional_id"] == colleague.id.to_string()),
        "{log}"
    );
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["operation"] == "plan.create"
                && e["outcome"] == "denied"
                && e["professional_id"] == colleague.id.to_string()),
        "{log}"
    );
}

//! A worker's day: follow-ups belong to the responsibility and move with it
//! on an escorted handover; each worker reads their own follow-ups across
//! clients in one request.

use chrono::{Days, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Espoo, TestApp, Worker, expect_status, fresh_hetu, id_of, spawn_app};
use crate::views::{AccessLogEntry, FollowUp, Handover, Made, Page};

fn in_days(n: u64) -> NaiveDate {
    Utc::now().date_naive() + Days::new(n)
}

async fn post_ok(
    app: &TestApp,
    path: &str,
    worker: &Worker,
    body: &Value,
    status: StatusCode,
) -> Value {
    expect_status(app.post(path, &worker.token, body).await, status).await
}

/// A worker's own follow-ups (`GET /follow-ups`), with `query`.
async fn own(app: &TestApp, worker: &Worker, query: &str) -> Page<FollowUp> {
    app.get_as(&format!("/api/v1/follow-ups{query}"), worker)
        .await
}

#[tokio::test]
async fn follow_ups_move_with_the_responsibility_and_each_worker_sees_their_own() {
    let espoo = Espoo::spawn().await;
    let Espoo {
        app,
        sanna,
        aino,
        olli,
        ..
    } = &espoo;
    let client = espoo.client().await;

    // Sanna publishes a plan (its follow-up date is hers), adds a call of her
    // own and gives Olli a task.
    let plan: Made = app
        .post_as(
            &format!("/api/v1/clients/{client}/plans"),
            sanna,
            &json!({"follow_up_on": in_days(14)}),
            StatusCode::CREATED,
        )
        .await;
    let _: Value = app
        .post_as(
            &format!("/api/v1/plans/{}/publish", plan.id),
            sanna,
            &json!({}),
            StatusCode::OK,
        )
        .await;
    let url = format!("/api/v1/clients/{client}/follow-ups");
    let call: FollowUp = app
        .post_as(
            &url,
            sanna,
            &json!({"description": "Soita työkokeilusta", "due_on": in_days(3)}),
            StatusCode::CREATED,
        )
        .await;
    let task: FollowUp = app
        .post_as(
            &url,
            sanna,
            &json!({"description": "Varaa työkokeilupaikka", "due_on": in_days(5), "owner_id": olli.id}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(
        (
            call.client_id,
            call.source.as_str(),
            call.description.as_str()
        ),
        (client, "manual", "Soita työkokeilusta")
    );
    let sannas = own(app, sanna, "?status=open").await;
    assert_eq!(sannas.items.len(), 2, "{sannas:?}");
    assert_eq!(sannas.items[0].id, call.id, "soonest first");
    assert_eq!(own(app, olli, "").await.ids(), [task.id]);

    // The handover shows Aino which follow-ups she takes on by accepting.
    let handover: Handover = app
        .post_as(
            &format!("/api/v1/clients/{client}/handovers"),
            sanna,
            &json!({"to_professional_id": aino.id, "summary": "Työkokeilu alkamassa", "reason": "Vastuutyöntekijä vaihtuu"}),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(handover.status, "pending");
    assert_eq!(handover.from.organisation.id, sanna.organisation_id);
    assert_eq!(
        handover.to_professional.as_ref().map(|p| p.id),
        Some(aino.id)
    );
    let moving: Vec<Uuid> = handover.follow_ups.iter().map(|f| f.id).collect();
    let mut sources: Vec<&str> = handover
        .follow_ups
        .iter()
        .map(|f| f.source.as_str())
        .collect();
    sources.sort_unstable();
    assert_eq!(sources, ["manual", "plan"], "her call and the plan's date");
    assert_eq!(moving.len(), 2, "{handover:?}");
    assert!(moving.contains(&call.id));
    assert!(!moving.contains(&task.id), "others' tasks stay theirs");
    assert!(own(app, aino, "").await.items.is_empty());

    let accepted: Handover = app
        .post_as(
            &format!("/api/v1/handovers/{}/accept", handover.id),
            aino,
            &json!({}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(accepted.status, "accepted");
    assert_eq!(accepted.follow_ups.len(), 2);

    // Aino's day has them; Sanna's no longer; Olli keeps the task.
    let ainos = own(app, aino, "?status=open").await;
    assert_eq!(ainos.items.len(), 2);
    assert!(ainos.ids().contains(&call.id));
    assert!(own(app, sanna, "").await.items.is_empty());
    assert_eq!(own(app, olli, "").await.ids(), [task.id]);
    let moved = &ainos.items[0];
    assert_eq!(moved.owner.id, aino.id);
    assert_eq!(moved.moves[0].from_owner_id, sanna.id);
    assert_eq!(moved.moves[0].to_owner_id, aino.id);
    assert_eq!(moved.moves[0].handover_id, Some(handover.id));

    // The caseload's next follow-up agrees with her list.
    let caseload: Value = app.get_as("/api/v1/caseload", aino).await;
    assert_eq!(caseload["items"][0]["client"]["id"], client.to_string());
    assert_eq!(
        caseload["items"][0]["next_follow_up_on"],
        json!(ainos.items[0].due_on)
    );

    // Aino, now responsible, completes the call: it leaves her open list.
    let done: FollowUp = app
        .post_as(
            &format!("/api/v1/follow-ups/{}/complete", call.id),
            aino,
            &json!({"note": "Soitettu"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(done.note.as_deref(), Some("Soitettu"));
    assert_eq!(own(app, aino, "?status=open").await.items.len(), 1);
    let completed = own(app, aino, "?status=completed").await;
    assert_eq!(completed.ids(), [call.id]);
    assert_eq!(completed.items[0].status, "completed");
}

#[tokio::test]
async fn the_own_list_filters_by_due_date_and_overdue_and_pages() {
    let espoo = Espoo::spawn().await;
    let (app, sanna) = (&espoo.app, &espoo.sanna);
    let mut made: Vec<(u64, Uuid)> = Vec::new();
    for days in [1_u64, 2, 4, 8, 16] {
        let client = espoo.client().await;
        let f: Made = app
            .post_as(
                &format!("/api/v1/clients/{client}/follow-ups"),
                sanna,
                &json!({"description": "Tarkista tilanne", "due_on": in_days(days)}),
                StatusCode::CREATED,
            )
            .await;
        made.push((days, f.id));
    }
    let id = |days: u64| made.iter().find(|(d, _)| *d == days).unwrap().1;

    let before = own(app, sanna, &format!("?due_before={}", in_days(4))).await;
    assert_eq!(before.ids(), [id(1), id(2)]);
    let after = own(app, sanna, &format!("?due_after={}", in_days(4))).await;
    assert_eq!(after.ids(), [id(8), id(16)]);
    assert!(own(app, sanna, "?overdue=true").await.items.is_empty());

    // Three days on, the first two are overdue.
    app.clock.advance(chrono::Duration::days(3));
    let overdue = own(app, sanna, "?overdue=true").await;
    assert_eq!(overdue.ids(), [id(1), id(2)]);
    assert!(overdue.items.iter().all(|f| f.overdue));
    assert_eq!(
        own(app, sanna, "?overdue=false").await.ids(),
        [id(4), id(8), id(16)]
    );

    // Pages of two, by due date, with a sealed cursor.
    let first = own(app, sanna, "?limit=2").await;
    assert_eq!(first.ids(), [id(1), id(2)]);
    let cursor = first.next_cursor.expect("a second page");
    let second = own(app, sanna, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(second.ids(), [id(4), id(8)]);
    let cursor = second.next_cursor.expect("a third page");
    let last = own(app, sanna, &format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(last.ids(), [id(16)]);
    assert!(last.next_cursor.is_none());

    // Another worker's list is theirs alone.
    let other = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    assert!(own(app, &other, "").await.items.is_empty());
}

#[tokio::test]
async fn a_refused_step_is_on_the_clients_record_with_its_reason() {
    let espoo = Espoo::spawn().await;
    let Espoo {
        app, sanna, olli, ..
    } = &espoo;
    let client = espoo.client().await;
    let plan: Made = app
        .post_as(
            &format!("/api/v1/clients/{client}/plans"),
            sanna,
            &json!({"follow_up_on": in_days(14)}),
            StatusCode::CREATED,
        )
        .await;
    let call: Made = app
        .post_as(
            &format!("/api/v1/clients/{client}/follow-ups"),
            sanna,
            &json!({"description": "Soita", "due_on": in_days(3)}),
            StatusCode::CREATED,
        )
        .await;

    // A colleague may read the client but not publish Sanna's plan, nor
    // close her follow-up.
    let publish = app
        .post(
            &format!("/api/v1/plans/{}/publish", plan.id),
            &olli.token,
            &json!({}),
        )
        .await;
    assert_eq!(publish.status(), StatusCode::FORBIDDEN);
    let close = app
        .post(
            &format!("/api/v1/follow-ups/{}/complete", call.id),
            &olli.token,
            &json!({"note": "Hoidettu"}),
        )
        .await;
    assert_eq!(close.status(), StatusCode::FORBIDDEN);

    let log: Page<AccessLogEntry> = app
        .get_as(&format!("/api/v1/clients/{client}/access-log"), sanna)
        .await;
    let refusals: Vec<(&str, Option<&str>, Option<Uuid>, Uuid)> = log
        .items
        .iter()
        .filter(|e| e.outcome == "denied")
        .map(|e| {
            (
                e.operation.as_str(),
                e.reason.as_deref(),
                e.resource_id,
                e.professional_id,
            )
        })
        .collect();
    assert_eq!(
        refusals,
        [
            (
                "plan.publish",
                Some("not_responsible_worker"),
                Some(plan.id),
                olli.id
            ),
            (
                "follow_up.complete",
                Some("not_follow_up_owner"),
                Some(call.id),
                olli.id
            ),
        ]
    );
}

#[tokio::test]
async fn the_export_holds_every_part_of_the_clients_record() {
    let app = spawn_app().await;
    let sanna = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let hetu = fresh_hetu();
    let client = id_of(&app.client(&sanna, &hetu).await);
    let base = format!("/api/v1/clients/{client}");

    // The team, with the nurse in it; the client's consent to refer and share.
    let team = app
        .team("both", nurse.organisation_id, Some(nurse.id))
        .await;
    post_ok(
        &app,
        &format!("{base}/consents"),
        &sanna,
        &json!({"purposes": ["referral_to_assessment", "information_exchange"],
            "organisation_ids": [nurse.organisation_id], "method": "written"}),
        StatusCode::CREATED,
    )
    .await;

    // A referral the team accepts (an assessment opens), a plan in force and
    // a new draft, a follow-up, and a contact request that names the client.
    let referral = post_ok(
        &app,
        &format!("{base}/referrals"),
        &sanna,
        &json!({"team_id": team, "reason": "Työkyvyn arvio", "questions": ["Sopiiko työkokeilu?"]}),
        StatusCode::CREATED,
    )
    .await;
    let accepted = post_ok(
        &app,
        &format!("/api/v1/referrals/{}/accept", id_of(&referral)),
        &nurse,
        &json!({}),
        StatusCode::OK,
    )
    .await;
    let plan = post_ok(
        &app,
        &format!("{base}/plans"),
        &sanna,
        &json!({"goals": [{"text": "Töihin", "target_on": in_days(90)}], "follow_up_on": in_days(30)}),
        StatusCode::CREATED,
    )
    .await;
    post_ok(
        &app,
        &format!("/api/v1/plans/{}/publish", id_of(&plan)),
        &sanna,
        &json!({}),
        StatusCode::OK,
    )
    .await;
    post_ok(
        &app,
        &format!("{base}/plans"),
        &sanna,
        &json!({}),
        StatusCode::CREATED,
    )
    .await;
    post_ok(
        &app,
        &format!("{base}/follow-ups"),
        &sanna,
        &json!({"description": "Soita", "due_on": in_days(3)}),
        StatusCode::CREATED,
    )
    .await;
    let contact = post_ok(
        &app,
        &format!("/api/v1/teams/{team}/contact-requests"),
        &sanna,
        &json!({"name": "Asiakas itse", "phone": "040 123 4567", "channel": "walk_in"}),
        StatusCode::CREATED,
    )
    .await;
    post_ok(
        &app,
        &format!("/api/v1/contact-requests/{}/invite", id_of(&contact)),
        &nurse,
        &json!({"personal_identity_code": hetu, "first_name": "Matti", "last_name": "Meikäläinen",
            "consent": {"purposes": ["information_exchange"], "method": "written"}, "open_assessment": false}),
        StatusCode::OK,
    )
    .await;

    let export = expect_status(
        app.get(&format!("{base}/export"), &sanna.token).await,
        StatusCode::OK,
    )
    .await;
    let count = |part: &str| export[part].as_array().map_or(0, Vec::len);
    assert_eq!(count("plans"), 2, "the version in force and the draft");
    assert!(
        export["plans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["content"]["goals"][0]["text"] == "Töihin")
    );
    assert!(count("follow_ups") >= 2, "the plan's date and the call");
    assert_eq!(count("referrals"), 1);
    assert_eq!(
        export["referrals"][0]["questions"][0],
        "Sopiiko työkokeilu?"
    );
    assert_eq!(count("assessments"), 1);
    assert_eq!(export["assessments"][0]["id"], accepted["assessment_id"]);
    assert_eq!(count("contact_requests"), 1);
    for part in ["relationships", "responsibility", "consents", "access_log"] {
        assert!(count(part) > 0, "{part}");
    }
    // Who recorded each part, and for which organisation.
    let professionals: Vec<(String, String)> = export["professionals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_owned(),
                p["organisation"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(professionals.contains(&(sanna.id.to_string(), sanna.organisation_id.to_string())));
    assert!(professionals.contains(&(nurse.id.to_string(), nurse.organisation_id.to_string())));
}

#[tokio::test]
async fn a_package_names_only_this_clients_plans_and_assessments() {
    let app = spawn_app().await;
    let sanna = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let aino = app
        .worker_in(sanna.organisation_id, "social_counsellor")
        .await;
    let client = id_of(&app.client(&sanna, &fresh_hetu()).await);
    let other = id_of(&app.client(&sanna, &fresh_hetu()).await);
    let plan_of = |client: Uuid| {
        let app = &app;
        let sanna = &sanna;
        async move {
            id_of(
                &post_ok(
                    app,
                    &format!("/api/v1/clients/{client}/plans"),
                    sanna,
                    &json!({}),
                    StatusCode::CREATED,
                )
                .await,
            )
        }
    };
    let own_plan = plan_of(client).await;
    let others_plan = plan_of(other).await;
    let propose = |reference: String, kind: &'static str| {
        let app = &app;
        let sanna = &sanna;
        let aino = &aino;
        async move {
            app.post(
                &format!("/api/v1/clients/{client}/handovers"),
                &sanna.token,
                &json!({"to_professional_id": aino.id, "summary": "Siirto", "reason": "Vaihto",
                    "package": [{"kind": kind, "reference": reference}]}),
            )
            .await
        }
    };
    for (reference, kind) in [
        (others_plan.to_string(), "support_plan_version"),
        (Uuid::now_v7().to_string(), "support_plan_version"),
        ("suunnitelma-1".to_owned(), "support_plan_version"),
        (own_plan.to_string(), "assessment_feedback"),
    ] {
        let problem = crate::helpers::expect_problem(
            propose(reference.clone(), kind).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown-reference",
        )
        .await;
        assert_eq!(crate::helpers::fields(&problem), ["package"], "{reference}");
    }
    expect_status(
        propose(own_plan.to_string(), "support_plan_version").await,
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test]
async fn each_consent_purpose_gates_what_its_name_says() {
    let app = spawn_app().await;
    let sanna = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let client = id_of(&app.client(&sanna, &fresh_hetu()).await);
    let base = format!("/api/v1/clients/{client}");
    let consultative = app.team("consultative", nurse.organisation_id, None).await;
    let assessing = app.team("with_client", nurse.organisation_id, None).await;
    let refer = |team: Uuid| {
        let app = &app;
        let sanna = &sanna;
        let base = &base;
        async move {
            app.post(
                &format!("{base}/referrals"),
                &sanna.token,
                &json!({"team_id": team, "reason": "Tapauksen käsittely"}),
            )
            .await
        }
    };
    let consent = |purpose: &'static str| {
        let app = &app;
        let sanna = &sanna;
        let base = &base;
        let to = nurse.organisation_id;
        async move {
            post_ok(
                app,
                &format!("{base}/consents"),
                sanna,
                &json!({"purposes": [purpose], "organisation_ids": [to], "method": "written"}),
                StatusCode::CREATED,
            )
            .await
        }
    };
    let missing = |problem: Value| problem["missing_consent"]["purpose"].clone();

    // Handling in a team or network: a consultative team discusses the case.
    let problem = crate::helpers::expect_problem(
        refer(consultative).await,
        StatusCode::CONFLICT,
        "consent-required",
    )
    .await;
    assert_eq!(missing(problem), "team_or_network_handling");
    // Referral to assessment: a team that meets the client assesses them.
    consent("team_or_network_handling").await;
    expect_status(refer(consultative).await, StatusCode::CREATED).await;
    let problem = crate::helpers::expect_problem(
        refer(assessing).await,
        StatusCode::CONFLICT,
        "consent-required",
    )
    .await;
    assert_eq!(missing(problem), "referral_to_assessment");
    consent("referral_to_assessment").await;
    expect_status(refer(assessing).await, StatusCode::CREATED).await;

    // Exchange of information: the plan is shared only under it.
    let plan = post_ok(
        &app,
        &format!("{base}/plans"),
        &sanna,
        &json!({"follow_up_on": in_days(30)}),
        StatusCode::CREATED,
    )
    .await;
    post_ok(
        &app,
        &format!("/api/v1/plans/{}/publish", id_of(&plan)),
        &sanna,
        &json!({}),
        StatusCode::OK,
    )
    .await;
    // The nurse's organisation has a relationship through the referral, not the plan.
    let current = app
        .get(&format!("{base}/plans/current"), &nurse.token)
        .await;
    let before = current.status();
    let body: Value = current.json().await.unwrap_or(Value::Null);
    assert!(
        before != StatusCode::OK || body["readable"] == false,
        "without information exchange the plan's content is not shared: {body}"
    );
    consent("information_exchange").await;
    let shared = expect_status(
        app.get(&format!("{base}/plans/current"), &nurse.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shared["readable"], true);
}

/// The whole path of README's "A client's path, step by step" (seeds 000,
/// 001, 004), one request per step.
#[tokio::test]
async fn a_clients_whole_path() {
    let app = spawn_app().await;
    let sanna = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let liisa = app.worker("health_care", "public_health_nurse").await;
    let aino = app.worker("social_services", "social_worker").await;
    let pekka = app.worker("kela", "kela_expert").await;
    let get = |path: String, who: &Worker| {
        let app = &app;
        let token = who.token.clone();
        async move { expect_status(app.get(&path, &token).await, StatusCode::OK).await }
    };

    // 1. Arrival.
    let hetu = fresh_hetu();
    let client = id_of(&app.client(&sanna, &hetu).await);
    let base = format!("/api/v1/clients/{client}");
    // 2. Consent to referral and to information exchange with health care and
    // adult social services.
    post_ok(
        &app,
        &format!("{base}/consents"),
        &sanna,
        &json!({"purposes": ["referral_to_assessment", "information_exchange"],
            "organisation_ids": [liisa.organisation_id, aino.organisation_id], "method": "written"}),
        StatusCode::CREATED,
    )
    .await;
    // 3. Referral to the team that Liisa is in.
    let team = app
        .team("both", liisa.organisation_id, Some(liisa.id))
        .await;
    let referral = post_ok(
        &app,
        &format!("{base}/referrals"),
        &sanna,
        &json!({"team_id": team, "reason": "Terveydentilan ja työkyvyn arvio", "questions": ["Mikä on työkyky?"]}),
        StatusCode::CREATED,
    )
    .await;
    // 4. Assessment: Liisa accepts from the inbox, takes responsibility by
    // escorted handover, and completes the assessment with feedback.
    let inbox = get(format!("/api/v1/teams/{team}/referrals"), &liisa).await;
    assert_eq!(inbox["items"][0]["id"], referral["id"]);
    let accepted = post_ok(
        &app,
        &format!("/api/v1/referrals/{}/accept", id_of(&referral)),
        &liisa,
        &json!({}),
        StatusCode::OK,
    )
    .await;
    let assessment = accepted["assessment_id"].as_str().unwrap().to_owned();
    let to_liisa = post_ok(
        &app,
        &format!("{base}/handovers"),
        &sanna,
        &json!({"to_professional_id": liisa.id, "summary": "Arvion ajaksi", "reason": "Työkykyarvio"}),
        StatusCode::CREATED,
    )
    .await;
    post_ok(
        &app,
        &format!("/api/v1/handovers/{}/accept", id_of(&to_liisa)),
        &liisa,
        &json!({}),
        StatusCode::OK,
    )
    .await;
    let assessment_path = format!("/api/v1/assessments/{assessment}");
    post_ok(
        &app,
        &format!("{assessment_path}/start"),
        &liisa,
        &json!({}),
        StatusCode::OK,
    )
    .await;
    let completed = post_ok(
        &app,
        &format!("{assessment_path}/complete"),
        &liisa,
        &json!({"feedback": {"health_factors": "Kevyt työ onnistuu", "recommended_path": "vocational_rehabilitation",
            "physician_statement": true, "summary": "Työkyky osittainen."}}),
        StatusCode::OK,
    )
    .await;
    // 5. Escorted return with the feedback.
    let back = completed["feedback_handover_id"]
        .as_str()
        .unwrap()
        .to_owned();
    post_ok(
        &app,
        &format!("/api/v1/handovers/{back}/accept"),
        &sanna,
        &json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        get(format!("{base}/responsibility"), &sanna).await["responsible"]["id"],
        sanna.id.to_string()
    );
    // 6. Plan v1, then v2 superseding it.
    for follow_up in [14, 21] {
        let draft = post_ok(
            &app,
            &format!("{base}/plans"),
            &sanna,
            &json!({"goals": [{"text": "Ammatillinen kuntoutus", "target_on": in_days(120)}], "follow_up_on": in_days(follow_up)}),
            StatusCode::CREATED,
        )
        .await;
        post_ok(
            &app,
            &format!("/api/v1/plans/{}/publish", id_of(&draft)),
            &sanna,
            &json!({}),
            StatusCode::OK,
        )
        .await;
    }
    let versions = get(format!("{base}/plans"), &sanna).await;
    let statuses: Vec<&str> = versions["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["published", "superseded"]);
    // 7. A follow-up: Sanna's day has it and the plan's date.
    post_ok(
        &app,
        &format!("{base}/follow-ups"),
        &sanna,
        &json!({"description": "Soita kuntoutuksen aloituksesta", "due_on": in_days(3)}),
        StatusCode::CREATED,
    )
    .await;
    let sannas = own(&app, &sanna, "?status=open").await;
    assert_eq!(sannas.items.len(), 2);
    // 8. Escorted handover to adult social services: the follow-ups move.
    let to_aino = post_ok(
        &app,
        &format!("{base}/handovers"),
        &sanna,
        &json!({"to_professional_id": aino.id, "summary": "Aikuissosiaalityön asiakkaaksi", "reason": "Palvelutarve muuttui"}),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(to_aino["follow_ups"].as_array().unwrap().len(), 2);
    post_ok(
        &app,
        &format!("/api/v1/handovers/{}/accept", id_of(&to_aino)),
        &aino,
        &json!({}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(own(&app, &aino, "?status=open").await.ids(), sannas.ids());
    // Sanna keeps only what is closed (v1's follow-up date, cancelled when v2
    // took its place); nothing open.
    assert!(own(&app, &sanna, "?status=open").await.items.is_empty());
    // 9. Consent withdrawn: health care, which read by consent, is refused.
    let consents = get(format!("{base}/consents"), &aino).await;
    let consent = consents["items"][0]["id"].as_str().unwrap().to_owned();
    post_ok(
        &app,
        &format!("/api/v1/consents/{consent}/withdraw"),
        &aino,
        &json!({"method": "verbal"}),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        app.get(&base, &liisa.token).await.status(),
        StatusCode::NOT_FOUND
    );
    // 10. Kela reads on a statutory basis.
    post_ok(
        &app,
        "/api/v1/clients/statutory-disclosure",
        &pekka,
        &json!({"personal_identity_code": hetu, "legal_basis": "kela_information_right",
            "reason": "Kuntoutusrahan ratkaiseminen, hakemus 2026-118"}),
        StatusCode::OK,
    )
    .await;
    // 11. Export: everything, and every access with who and why refused.
    let export = get(format!("{base}/export"), &aino).await;
    assert_eq!(export["plans"].as_array().unwrap().len(), 2);
    assert_eq!(export["referrals"].as_array().unwrap().len(), 1);
    assert_eq!(export["assessments"][0]["id"], assessment);
    assert!(export["follow_ups"].as_array().unwrap().len() >= 3);
    assert!(
        export["disclosures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["basis"] == "statutory")
    );
    let refused = export["access_log"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["professional_id"] == liisa.id.to_string() && e["outcome"] == "denied")
        .expect("health care's refused read is on record");
    assert_eq!(refused["reason"], "no_access");
    assert!(!refused["organisation_name"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn a_list_logs_only_the_clients_it_shows() {
    let app = spawn_app().await;
    let sanna = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let aino = app
        .worker_in(sanna.organisation_id, "social_counsellor")
        .await;
    let mut clients = Vec::new();
    for days in [1_u64, 2] {
        let client = id_of(&app.client(&sanna, &fresh_hetu()).await);
        post_ok(
            &app,
            &format!("/api/v1/clients/{client}/follow-ups"),
            &sanna,
            &json!({"description": "Soita", "due_on": in_days(days)}),
            StatusCode::CREATED,
        )
        .await;
        crate::helpers::propose_handover(&app, &sanna, client, aino.id).await;
        clients.push(client);
    }
    // A page of one: the second client is fetched only to learn that a next
    // page exists, and is not shown.
    let page = own(&app, &sanna, "?limit=1").await;
    assert!(page.next_cursor.is_some());
    expect_status(
        app.get("/api/v1/handovers?direction=outgoing&limit=1", &sanna.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let listed = |log: &Value, operation: &str| {
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["operation"] == operation)
            .count()
    };
    let first = expect_status(
        app.get(
            &format!("/api/v1/clients/{}/access-log", clients[0]),
            &sanna.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let second = expect_status(
        app.get(
            &format!("/api/v1/clients/{}/access-log", clients[1]),
            &sanna.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed(&first, "follow_up.list"), 1);
    assert_eq!(listed(&second, "follow_up.list"), 0);
    // One handover shown, one client logged.
    assert_eq!(
        listed(&first, "handover.list") + listed(&second, "handover.list"),
        1
    );
}

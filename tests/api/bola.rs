//! Broken object-level authorization: every client-scoped operation in the
//! committed contract, called by a professional of an unrelated organisation,
//! answers 404 and leaks nothing. New operations are covered automatically; a
//! new kind of path id fails here until it gets a fixture.

use std::collections::BTreeMap;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{expect_status, fresh_hetu, id_of, spawn_app};

/// Which record a path's `{id}` names, by the path's prefix; `None` for
/// resources that are not client data.
fn resource_of(path: &str) -> Option<&'static str> {
    const NOT_CLIENT_DATA: [&str; 3] = [
        "/api/v1/organisations/",
        "/api/v1/professionals/",
        "/api/v1/code-sets/",
    ];
    // A team's own record and membership are not client data; anything else
    // under a team (a referral inbox, say) must be classified when it is added.
    const TEAM_RECORD: [&str; 3] = [
        "/api/v1/teams/{id}",
        "/api/v1/teams/{id}/members",
        "/api/v1/teams/{id}/members/{professional_id}/remove",
    ];
    if TEAM_RECORD.contains(&path)
        || NOT_CLIENT_DATA
            .iter()
            .any(|prefix| path.starts_with(prefix))
    {
        return None;
    }
    let kinds = [
        ("/api/v1/clients/{id}", "client"),
        ("/api/v1/handovers/{id}", "handover"),
        ("/api/v1/consents/{id}", "consent"),
        ("/api/v1/responsibility-requests/{id}", "request"),
        ("/api/v1/referrals/{id}", "referral"),
        ("/api/v1/assessments/{id}", "assessment"),
        ("/api/v1/contact-requests/{id}", "contact_request"),
        ("/api/v1/plans/{id}", "plan"),
        ("/api/v1/follow-ups/{id}", "follow_up"),
        ("/api/v1/teams/{id}/contact-requests", "team"),
        ("/api/v1/teams/{id}/referrals", "team"),
        ("/api/v1/webhook-subscriptions/{id}", "webhook_subscription"),
    ];
    let found = kinds
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map(|(_, kind)| *kind);
    Some(found.unwrap_or_else(|| {
        panic!("{path}: a new resource with a path id; give it a fixture in the BOLA test")
    }))
}

/// The request body's schema example, if the operation takes a body.
fn example_body(spec: &Value, operation: &Value) -> Option<Value> {
    let schema = &operation["requestBody"]["content"]["application/json"]["schema"];
    if schema.is_null() {
        return None;
    }
    let name = schema["$ref"].as_str()?.rsplit('/').next()?;
    Some(spec["components"]["schemas"][name]["example"].clone())
        .filter(|e| !e.is_null())
        .or(Some(json!({})))
}

#[tokio::test]
async fn every_client_scoped_operation_is_404_for_an_unrelated_organisation() {
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let spec: Value = serde_json::from_str(&std::fs::read_to_string(committed).unwrap()).unwrap();

    // A client with one of everything: relationship, consent, pending handover, request.
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let colleague = app.worker_in(counsellor.organisation_id, "own_coach").await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let outsider = app.worker("kela", "kela_expert").await;
    let hetu = fresh_hetu();
    let client = id_of(&app.client(&counsellor, &hetu).await);
    let base = format!("/api/v1/clients/{client}");
    let relationships = expect_status(
        app.get(&format!("{base}/relationships"), &counsellor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let relationship = id_of(&relationships["items"][0]);
    let consent_body = json!({"purposes": ["information_exchange"], "organisation_ids": [nurse.organisation_id], "method": "written"});
    let consent = id_of(
        &expect_status(
            app.post(
                &format!("{base}/consents"),
                &counsellor.token,
                &consent_body,
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let handover_body =
        json!({"to_professional_id": nurse.id, "summary": "Arvioon", "reason": "Arvio"});
    let handover = id_of(
        &expect_status(
            app.post(
                &format!("{base}/handovers"),
                &counsellor.token,
                &handover_body,
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let request_body = json!({"reason": "Tapaan asiakasta"});
    let request = id_of(
        &expect_status(
            app.post(
                &format!("{base}/responsibility-requests"),
                &colleague.token,
                &request_body,
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let team_body = json!({"name": "Tiimi", "hosting_organisation_id": nurse.organisation_id, "kind": "both",
        "cadence": {"frequency": "weekly", "weekday": "monday", "start_time": "09:00", "duration_minutes": 60}});
    let team = id_of(
        &expect_status(
            app.post("/api/v1/teams", &app.admin_token, &team_body)
                .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let referral_consent = json!({"purposes": ["referral_to_assessment"], "organisation_ids": [nurse.organisation_id], "method": "written"});
    expect_status(
        app.post(
            &format!("{base}/consents"),
            &counsellor.token,
            &referral_consent,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let referral_body =
        json!({"team_id": team, "reason": "Arvio", "health_factors": "Matti Meikäläinen: selkä"});
    let referral = id_of(
        &expect_status(
            app.post(
                &format!("{base}/referrals"),
                &counsellor.token,
                &referral_body,
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    );
    // A second, accepted referral opens an assessment; the first stays pending for its own paths.
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
    let nurse_token = crate::helpers::mint(&app.auth, nurse.id, &[kyky_domain::Role::Professional]);
    let accepted_referral = id_of(
        &expect_status(
            app.post(
                &format!("{base}/referrals"),
                &counsellor.token,
                &referral_body,
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let accepted = expect_status(
        app.post(
            &format!("/api/v1/referrals/{accepted_referral}/accept"),
            &nurse_token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let assessment = Uuid::parse_str(accepted["assessment_id"].as_str().unwrap()).unwrap();
    let contact_body =
        json!({"name": "Matti Meikäläinen", "phone": "040 123 4567", "channel": "walk_in"});
    let contact_request = id_of(
        &expect_status(
            app.post(
                &format!("/api/v1/teams/{team}/contact-requests"),
                &counsellor.token,
                &contact_body,
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let plan_body = json!({"goals": [{"text": "Matti Meikäläinen haluaa töihin", "target_on": "2030-01-01"}],
        "follow_up_on": "2030-01-01"});
    let plan = id_of(
        &expect_status(
            app.post(&format!("{base}/plans"), &counsellor.token, &plan_body)
                .await,
            StatusCode::CREATED,
        )
        .await,
    );
    expect_status(
        app.post(
            &format!("/api/v1/plans/{plan}/publish"),
            &counsellor.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let follow_ups = expect_status(
        app.get(&format!("{base}/follow-ups"), &counsellor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let follow_up = id_of(&follow_ups["items"][0]);
    // An integration account's subscription: its deliveries carry client events.
    let crm = app.integration_in(counsellor.organisation_id).await;
    let webhook_subscription = id_of(
        &expect_status(
            app.post(
                "/api/v1/webhook-subscriptions",
                &crm.token,
                &json!({"url": "https://crm.example.fi/hooks"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await,
    );
    let ids: BTreeMap<&str, Uuid> = [
        ("client", client),
        ("handover", handover),
        ("consent", consent),
        ("request", request),
        ("referral", referral),
        ("team", team),
        ("assessment", assessment),
        ("contact_request", contact_request),
        ("plan", plan),
        ("follow_up", follow_up),
        ("webhook_subscription", webhook_subscription),
    ]
    .into_iter()
    .collect();

    let mut checked = Vec::new();
    // Refused attempts on something of the client's: a team's inbox is not,
    // nor is a contact request before triage (no client yet).
    let mut refused_on_client = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        let Some(kind) = resource_of(path) else {
            continue;
        };
        let url = path
            .replace("{id}", &ids[kind].to_string())
            .replace("{relationship_id}", &relationship.to_string())
            .replace("{delivery_id}", &Uuid::now_v7().to_string())
            .replace("{system}", "sofia-crm");
        assert!(
            !url.contains('{'),
            "{path}: a path parameter without a fixture"
        );
        for (method, operation) in item.as_object().unwrap() {
            // Anyone may pass a contact request on to a team; it reveals nothing.
            if method == "post" && path == "/api/v1/teams/{id}/contact-requests" {
                continue;
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = app
                .request(method.clone(), &url, &outsider.token)
                .header("If-Match", "\"1\"");
            if let Some(body) = example_body(&spec, operation) {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{method} {path} answered {status}: {text}"
            );
            for secret in [
                "Matti",
                "Meikäläinen",
                &hetu[..6],
                &counsellor.id.to_string(),
                &nurse.id.to_string(),
            ] {
                assert!(
                    !text.contains(secret),
                    "{method} {path} leaks {secret}: {text}"
                );
            }
            checked.push(format!("{method} {path}"));
            if !["team", "contact_request", "webhook_subscription"].contains(&kind) {
                refused_on_client += 1;
            }
        }
    }

    // Across clients, the event feed shows the outsider nothing of the
    // client, while the counsellor reads every change made to it.
    let (counsellor_sees, _) =
        crate::helpers::read_feed_until(&app, &counsellor.token, None, client, 10).await;
    let kinds: Vec<&str> = counsellor_sees
        .iter()
        .filter(|event| event["client_id"] == client.to_string())
        .filter_map(|event| event["type"].as_str())
        .collect();
    for kind in [
        "client.created",
        "consent.given",
        "handover.proposed",
        "referral.sent",
        "plan.published",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    let (outsider_sees, _) = crate::helpers::read_feed(&app, &outsider.token, None, 100).await;
    assert!(
        outsider_sees
            .iter()
            .all(|event| event["client_id"] != client.to_string()),
        "{outsider_sees:?}"
    );

    // Every refused attempt is on record in the client's access log: denied,
    // with its reason and the record the request named.
    let mut denied = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let query = cursor.map_or_else(String::new, |c| format!("&cursor={c}"));
        let page = expect_status(
            app.get(
                &format!("{base}/access-log?limit=100{query}"),
                &counsellor.token,
            )
            .await,
            StatusCode::OK,
        )
        .await;
        for entry in page["items"].as_array().unwrap() {
            if entry["professional_id"] == outsider.id.to_string() {
                denied.push(entry.clone());
            }
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        denied.len(),
        refused_on_client,
        "one denied entry per refused attempt: {denied:#?}"
    );
    let fixtures: Vec<String> = ids.values().map(Uuid::to_string).collect();
    for entry in &denied {
        assert_eq!(entry["outcome"], "denied", "{entry}");
        assert_eq!(entry["reason"], "no_access", "{entry}");
        let named = entry["resource_id"].as_str().unwrap_or_default().to_owned();
        assert!(
            fixtures.contains(&named) || named == relationship.to_string(),
            "an entry names the record the request named: {entry}"
        );
    }
    assert!(
        checked.len() >= 20,
        "too few client-scoped operations found: {checked:?}"
    );

    // Nothing changed: the responsible worker still sees everything as it was.
    let now = expect_status(
        app.get(&format!("{base}/responsibility"), &counsellor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(now["responsible"]["id"], counsellor.id.to_string());
    assert_eq!(now["pending_handover_id"], handover.to_string());
    let consents = expect_status(
        app.get(&format!("{base}/consents"), &counsellor.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(consents["items"][0]["active"], true);

    // A cursor naming the client answers as one naming nothing.
    for list in ["/api/v1/caseload", "/api/v1/clients", "/api/v1/handovers"] {
        let mut answers = Vec::new();
        for id in [client, Uuid::now_v7()] {
            let response = app
                .get(&format!("{list}?cursor={id}"), &outsider.token)
                .await;
            answers.push((response.status(), response.text().await.unwrap()));
        }
        assert_eq!(answers[0], answers[1], "{list}");
    }

    // Knowing the henkilötunnus: the outsider's organisation declares a
    // relationship and sees what it entered and who is responsible, nothing
    // the counsellor recorded, and still nothing hanging on the record.
    let link = json!({"personal_identity_code": hetu, "relationship_basis": "client_contact",
        "first_name": "Olli", "last_name": "Ulkopuolinen"});
    let linked = expect_status(
        app.post("/api/v1/clients", &outsider.token, &link).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(linked["details"], "own_entry");
    assert_eq!(
        linked["responsible_worker"]["id"],
        counsellor.id.to_string()
    );
    let text = linked.to_string();
    assert!(
        !text.contains("Matti") && !text.contains("Meikäläinen"),
        "{text}"
    );
    for path in [
        "consents",
        "relationships",
        "plans",
        "follow-ups",
        "access-log",
        "export",
    ] {
        let response = app.get(&format!("{base}/{path}"), &outsider.token).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let package = app
        .get(&format!("/api/v1/handovers/{handover}"), &outsider.token)
        .await;
    assert_eq!(package.status(), StatusCode::NOT_FOUND);
}

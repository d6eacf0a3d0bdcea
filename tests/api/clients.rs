use kyky_domain::Role;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{expect_problem, expect_status, fields, fresh_hetu, id_of, mint, spawn_app};

#[tokio::test]
async fn an_invalid_henkilotunnus_names_the_field_400_by_form_422_by_rule() {
    let app = spawn_app().await;
    let worker = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    // The form (length, century sign) is the contract's pattern: 400. The
    // check character, the calendar date and the individual number are rules
    // a schema cannot state: 422.
    let by_form = (StatusCode::BAD_REQUEST, "validation");
    let by_rule = (StatusCode::UNPROCESSABLE_ENTITY, "rule-violation");
    for (code, message, (status, slug)) in [
        ("010594Y9022", "check character", by_rule),
        ("310294-9031", "calendar date", by_rule),
        ("010594G9021", "century sign", by_form),
        ("010594-0011", "individual number", by_rule),
        ("0105949021", "11 characters", by_form),
    ] {
        let response = app
            .post(
                "/api/v1/clients",
                &worker.token,
                &json!({"personal_identity_code": code, "relationship_basis": "client_contact", "first_name": "A", "last_name": "B"}),
            )
            .await;
        let problem = expect_problem(response, status, slug).await;
        assert_eq!(fields(&problem), ["personal_identity_code"], "{code}");
        let text = problem.to_string();
        assert!(text.contains(message), "{code}: {text}");
        assert!(!text.contains(code), "the problem must not echo the code");
    }
}

#[tokio::test]
async fn a_client_is_created_read_and_listed_with_the_henkilotunnus_masked_in_lists() {
    let app = spawn_app().await;
    let worker = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let hetu = fresh_hetu();
    let body = json!({"personal_identity_code": hetu, "relationship_basis": "client_contact", "first_name": "Matti", "last_name": "Meikäläinen",
                      "email": "matti@example.fi", "phone": "040 123 4567", "preferred_language": "sv",
                      "address": {"street_address": "Kauppamiehentie 6", "postal_code": "02150", "city": "Espoo"}});
    let response = app.post("/api/v1/clients", &worker.token, &body).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        !location.contains(&hetu),
        "the henkilötunnus never appears in a URL"
    );
    let created = expect_status(response, StatusCode::CREATED).await;
    assert_eq!(created["personal_identity_code"], hetu);
    assert_eq!(created["preferred_language"], "sv");
    assert_eq!(created["address"]["postal_code"], "02150");

    let fetched = app.get(&location, &worker.token).await;
    assert_eq!(fetched.headers()["etag"], "\"1\"");
    assert_eq!(expect_status(fetched, StatusCode::OK).await, created);

    let listed = expect_status(
        app.get("/api/v1/clients", &worker.token).await,
        StatusCode::OK,
    )
    .await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0]["personal_identity_code_masked"],
        format!("{}***", &hetu[..8])
    );
    assert!(!listed.to_string().contains(&hetu));
}

#[tokio::test]
async fn creating_an_existing_client_links_the_organisation_instead_of_duplicating() {
    let app = spawn_app().await;
    let employment = app
        .worker("municipal_employment_services", "own_coach")
        .await;
    let colleague = app
        .worker_in(employment.organisation_id, "social_counsellor")
        .await;
    let nurse = app.worker("health_care", "public_health_nurse").await;
    let hetu = fresh_hetu();
    let first = app.client(&employment, &hetu).await;

    let again = app
        .post(
            "/api/v1/clients",
            &colleague.token,
            &json!({"personal_identity_code": hetu, "relationship_basis": "client_contact", "first_name": "X", "last_name": "Y"}),
        )
        .await;
    let again = expect_status(again, StatusCode::OK).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(
        again["first_name"], "Matti",
        "the existing record is returned unchanged"
    );

    let path = format!("/api/v1/clients/{}", first["id"].as_str().unwrap());
    expect_problem(
        app.get(&path, &nurse.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let linked = app
        .post("/api/v1/clients", &nurse.token, &json!({"personal_identity_code": hetu.to_lowercase(), "relationship_basis": "client_contact", "first_name": "M", "last_name": "M"}))
        .await;
    let linked = expect_status(linked, StatusCode::OK).await;
    assert_eq!(linked["id"], first["id"]);
    assert_eq!(linked["details"], "own_entry");
    assert_eq!(linked["first_name"], "M", "the nurse sees what she entered");
    let seen = expect_status(app.get(&path, &nurse.token).await, StatusCode::OK).await;
    assert_eq!(seen["details"], "own_entry");
    assert_eq!(seen["last_name"], "M");
    assert_eq!(seen["responsible_worker"]["id"], employment.id.to_string());

    let relationships = expect_status(
        app.get(&format!("{path}/relationships"), &employment.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        relationships["items"].as_array().unwrap().len(),
        2,
        "one per organisation"
    );
    for list_token in [&employment.token, &nurse.token] {
        let listed =
            expect_status(app.get("/api/v1/clients", list_token).await, StatusCode::OK).await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn concurrent_creations_of_one_client_make_one_record() {
    let app = spawn_app().await;
    let hetu = fresh_hetu();
    let mut workers = Vec::new();
    for _ in 0..4 {
        workers.push(app.worker("third_sector", "job_coach").await);
    }
    let results = futures::future::join_all(workers.iter().map(|w| async {
        let response = app
            .post(
                "/api/v1/clients",
                &w.token,
                &json!({"personal_identity_code": hetu, "relationship_basis": "client_contact", "first_name": "A", "last_name": "B"}),
            )
            .await;
        let status = response.status();
        (status, response.json::<serde_json::Value>().await.unwrap())
    }))
    .await;
    let ids: std::collections::BTreeSet<String> = results
        .iter()
        .map(|(_, body)| body["id"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    let created = results
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{results:?}");
}

#[tokio::test]
async fn updates_need_the_current_etag() {
    let app = spawn_app().await;
    let worker = app.worker("social_services", "social_worker").await;
    let client = app.client(&worker, &fresh_hetu()).await;
    let path = format!("/api/v1/clients/{}", client["id"].as_str().unwrap());
    let change = json!({"first_name": "Matti", "last_name": "Virtanen", "phone": "050 765 4321", "preferred_language": "en"});
    expect_problem(
        app.put(&path, &worker.token, None, &change).await,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition-required",
    )
    .await;
    let response = app.put(&path, &worker.token, Some("\"1\""), &change).await;
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated = expect_status(response, StatusCode::OK).await;
    assert_eq!(updated["last_name"], "Virtanen");
    assert_eq!(
        updated["personal_identity_code"],
        client["personal_identity_code"]
    );
    expect_problem(
        app.put(&path, &worker.token, Some("\"1\""), &change).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    expect_problem(
        app.put(&path, &worker.token, Some("garbage"), &change)
            .await,
        StatusCode::PRECONDITION_FAILED,
        "precondition-failed",
    )
    .await;
    let refused = app
        .put(
            &path,
            &worker.token,
            Some("\"2\""),
            &json!({"first_name": "A", "last_name": "B", "personal_identity_code": "x"}),
        )
        .await;
    let problem = expect_problem(refused, StatusCode::BAD_REQUEST, "validation").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("personal_identity_code"),
        "the code cannot change: {problem}"
    );
}

#[tokio::test]
async fn professionals_without_a_relationship_and_admins_get_404_for_client_data() {
    let app = spawn_app().await;
    let worker = app
        .worker("municipal_employment_services", "own_coach")
        .await;
    let outsider = app.worker("kela", "kela_expert").await;
    let client = app.client(&worker, &fresh_hetu()).await;
    let id = client["id"].as_str().unwrap();
    let admin_in_same_org = app.worker_in(worker.organisation_id, "other").await;
    let admin_only = mint(&app.auth, admin_in_same_org.id, &[Role::Admin]);
    for token in [&outsider.token, &admin_only] {
        for path in [
            format!("/api/v1/clients/{id}"),
            format!("/api/v1/clients/{id}/relationships"),
        ] {
            let body = expect_problem(
                app.get(&path, token).await,
                StatusCode::NOT_FOUND,
                "not-found",
            )
            .await;
            assert!(!body.to_string().contains("Matti"));
        }
    }
    let change = json!({"first_name": "Hacked", "last_name": "B"});
    let path = format!("/api/v1/clients/{id}");
    expect_problem(
        app.put(&path, &outsider.token, Some("\"1\""), &change)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    // A client that does not exist looks the same.
    let missing = format!("/api/v1/clients/{}", Uuid::now_v7());
    expect_problem(
        app.get(&missing, &worker.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let listed = expect_status(
        app.get("/api/v1/clients", &outsider.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"], json!([]));
}

#[tokio::test]
async fn lookup_by_henkilotunnus_goes_in_the_body_and_respects_access() {
    let app = spawn_app().await;
    let worker = app
        .worker("municipal_employment_services", "own_coach")
        .await;
    let outsider = app.worker("kela", "kela_expert").await;
    let hetu = fresh_hetu();
    let client = app.client(&worker, &hetu).await;
    let found = app
        .post(
            "/api/v1/clients/lookup",
            &worker.token,
            &json!({"personal_identity_code": hetu}),
        )
        .await;
    assert_eq!(
        expect_status(found, StatusCode::OK).await["id"],
        client["id"]
    );
    let hidden = app
        .post(
            "/api/v1/clients/lookup",
            &outsider.token,
            &json!({"personal_identity_code": hetu}),
        )
        .await;
    expect_problem(hidden, StatusCode::NOT_FOUND, "not-found").await;
    let unknown = app
        .post(
            "/api/v1/clients/lookup",
            &worker.token,
            &json!({"personal_identity_code": fresh_hetu()}),
        )
        .await;
    expect_problem(unknown, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn reads_writes_and_denied_attempts_are_access_logged() {
    let app = spawn_app().await;
    let worker = app
        .worker("municipal_employment_services", "own_coach")
        .await;
    let outsider = app.worker("kela", "kela_expert").await;
    let client = app.client(&worker, &fresh_hetu()).await;
    let id = id_of(&client);
    let count = || {
        app.db
            .run(|conn| kyky_persistence::access_log::count_for_client(conn, id))
            .unwrap()
    };
    assert_eq!(count(), 1, "creation is logged");
    app.get(&format!("/api/v1/clients/{id}"), &worker.token)
        .await;
    assert_eq!(count(), 2, "a read is logged");
    app.get(&format!("/api/v1/clients/{id}"), &outsider.token)
        .await;
    assert_eq!(count(), 3, "a denied attempt is logged");
    app.get("/api/v1/clients", &worker.token).await;
    assert_eq!(count(), 4, "appearing in a list is logged");
}

#[tokio::test]
async fn invalid_client_fields_are_each_named() {
    let app = spawn_app().await;
    let worker = app
        .worker("municipal_employment_services", "own_coach")
        .await;
    let body = json!({"personal_identity_code": fresh_hetu(), "relationship_basis": "client_contact", "first_name": "", "last_name": "B", "email": "x@",
                      "phone": "abc", "address": {"street_address": "Katu 1", "postal_code": "2150", "city": "Espoo"}});
    let problem = expect_problem(
        app.post("/api/v1/clients", &worker.token, &body).await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(
        fields(&problem),
        ["address.postal_code", "email", "first_name", "phone"]
    );
    let body = json!({"personal_identity_code": fresh_hetu(), "relationship_basis": "client_contact", "first_name": "A", "last_name": "B", "preferred_language": "de"});
    let problem = expect_problem(
        app.post("/api/v1/clients", &worker.token, &body).await,
        StatusCode::BAD_REQUEST,
        "validation",
    )
    .await;
    assert_eq!(fields(&problem), ["preferred_language"]);
}

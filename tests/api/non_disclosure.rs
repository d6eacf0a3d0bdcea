use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{expect_status, fresh_hetu, id_of, spawn_app};

const STREET: &str = "Salainen polku 7";

#[tokio::test]
async fn a_protected_address_is_shown_only_to_the_responsible_worker_and_work_pair() {
    let app = spawn_app().await;
    let counsellor = app
        .worker("municipal_employment_services", "social_counsellor")
        .await;
    let colleague = app.worker_in(counsellor.organisation_id, "own_coach").await;
    let pair = app.worker("social_services", "social_worker").await;
    let body = json!({"personal_identity_code": fresh_hetu(), "relationship_basis": "client_contact", "first_name": "Maija", "last_name": "Mallikas",
                      "non_disclosure": true,
                      "address": {"street_address": STREET, "postal_code": "02100", "city": "Espoo"}});
    let created = expect_status(
        app.post("/api/v1/clients", &counsellor.token, &body).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        created["address"]["street_address"], STREET,
        "the creator is responsible and sees it"
    );
    let client = id_of(&created);
    let path = format!("/api/v1/clients/{client}");

    let seen = expect_status(app.get(&path, &colleague.token).await, StatusCode::OK).await;
    assert_eq!(seen["address"], Value::Null);
    assert_eq!(seen["address_withheld"], true);
    assert_eq!(seen["non_disclosure"], true);
    assert!(!seen.to_string().contains(STREET));

    // The work pair sees it, from another organisation.
    let set = format!("{path}/responsibility/work-pair");
    expect_status(
        app.put(
            &set,
            &counsellor.token,
            None,
            &json!({"professional_id": pair.id}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let by_pair = expect_status(app.get(&path, &pair.token).await, StatusCode::OK).await;
    assert_eq!(by_pair["address"]["street_address"], STREET);

    // A colleague's full update can neither wipe the hidden address nor lift the marking.
    let change =
        json!({"first_name": "Maija-Liisa", "last_name": "Mallikas", "non_disclosure": false});
    let updated = expect_status(
        app.put(&path, &colleague.token, Some("\"1\""), &change)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(updated["first_name"], "Maija-Liisa");
    assert_eq!(updated["address_withheld"], true);
    let kept = expect_status(app.get(&path, &counsellor.token).await, StatusCode::OK).await;
    assert_eq!(kept["address"]["street_address"], STREET);
    assert_eq!(kept["non_disclosure"], true);

    // Never in lists, handover packages or events.
    let listed = expect_status(
        app.get("/api/v1/clients", &colleague.token).await,
        StatusCode::OK,
    )
    .await;
    assert!(!listed.to_string().contains(STREET));
    let handover =
        json!({"to_professional_id": colleague.id, "summary": "Lomasijaisuus", "reason": "Loma"});
    let proposed = expect_status(
        app.post(&format!("{path}/handovers"), &counsellor.token, &handover)
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert!(!proposed.to_string().contains(STREET));
    let payloads: Vec<String> = app
        .db
        .run(|conn| {
            use diesel::prelude::*;
            diesel::sql_query("SELECT payload FROM domain_events")
                .load::<Payload>(conn)
                .map_err(kyky_persistence::StoreError::from)
        })
        .unwrap()
        .into_iter()
        .map(|p| p.payload)
        .collect();
    assert!(payloads.iter().all(|p| !p.contains(STREET)));

    // The responsible worker may lift it.
    let lift = json!({"first_name": "Maija-Liisa", "last_name": "Mallikas", "non_disclosure": false,
                      "address": {"street_address": STREET, "postal_code": "02100", "city": "Espoo"}});
    expect_status(
        app.put(&path, &counsellor.token, Some("\"2\""), &lift)
            .await,
        StatusCode::OK,
    )
    .await;
    let open = expect_status(app.get(&path, &colleague.token).await, StatusCode::OK).await;
    assert_eq!(open["address"]["street_address"], STREET);
    assert_eq!(open["address_withheld"], false);
}

#[derive(diesel::QueryableByName)]
struct Payload {
    #[diesel(sql_type = diesel::sql_types::Text)]
    payload: String,
}

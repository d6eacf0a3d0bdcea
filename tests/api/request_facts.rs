//! A read of a client loads the caller and the client's access facts in one
//! statement (`request_facts`); the rules must see exactly what the separate
//! reads of each fact give, or a read would be decided on other facts than
//! a write.

use kyky_domain::Role;
use kyky_persistence::{
    StoreError, clients, consents, professionals, relationships, request_facts,
};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Espoo, expect_status, mint};

#[tokio::test]
async fn the_facts_read_with_the_caller_are_the_facts_read_one_by_one() {
    let espoo = Espoo::spawn().await;
    let (app, sanna) = (&espoo.app, &espoo.sanna);
    let client = espoo.client().await;
    let path = format!("/api/v1/clients/{client}");
    // A work pair, a second organisation's relationship, two consents of
    // which one is withdrawn (one covering two organisations), and Sanna in
    // two teams.
    expect_status(
        app.put(
            &format!("{path}/responsibility/work-pair"),
            &sanna.token,
            None,
            &json!({"professional_id": espoo.aino.id}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let kela = app.organisation("Kela", "kela").await;
    let health = espoo.nurse.organisation_id;
    for organisations in [vec![kela, health], vec![health]] {
        expect_status(
            app.post(
                &format!("{path}/consents"),
                &sanna.token,
                &json!({"purposes": ["information_exchange"], "organisation_ids": organisations, "method": "written"}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let listed = expect_status(
        app.get(&format!("{path}/consents"), &sanna.token).await,
        StatusCode::OK,
    )
    .await;
    let second = listed["items"][1]["id"].as_str().unwrap().to_owned();
    expect_status(
        app.post(
            &format!("/api/v1/consents/{second}/withdraw"),
            &sanna.token,
            &json!({"method": "written"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.post(
            &format!("{path}/relationships"),
            &sanna.token,
            &json!({"organisation_id": kela, "basis": "referral"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    // Two teams: the caller's row comes once per team.
    let team = app
        .team("both", sanna.organisation_id, Some(sanna.id))
        .await;
    let second_team = app
        .team("both", sanna.organisation_id, Some(sanna.id))
        .await;

    let (together, apart) = app
        .db
        .run(|conn| {
            let together = request_facts::load(conn, sanna.id, client)?;
            let apart = (
                professionals::get_with_teams(conn, sanna.id)?,
                clients::with_responsibility(conn, client)?,
                relationships::for_client(conn, client)?,
                consents::rules_view(conn, client)?,
            );
            Ok::<_, StoreError>((together, apart))
        })
        .unwrap();
    let ((record, teams), responsible, relationships, consents) = apart;
    assert_eq!(together.record.professional, record.professional);
    assert_eq!(together.record.organisation_name, record.organisation_name);
    let sorted = |mut teams: Vec<uuid::Uuid>| {
        teams.sort();
        teams
    };
    assert_eq!(sorted(together.teams.clone()), sorted(teams.clone()));
    assert!(teams.contains(&team) && teams.contains(&second_team));
    let facts = together.client.facts.expect("the client is there");
    let (stored, responsibility) = responsible.unwrap();
    assert_eq!(facts.client, stored);
    assert_eq!(facts.responsibility, responsibility);
    assert_eq!(facts.responsibility.unwrap().work_pair, Some(espoo.aino.id));
    let relationships: Vec<_> = relationships.into_iter().map(|r| r.relationship).collect();
    assert_eq!(facts.relationships, relationships);
    assert_eq!(facts.relationships.len(), 2);
    assert_eq!(facts.consents, consents);
    assert_eq!(consents.len(), 2);
    assert!(consents.iter().any(|c| c.organisations.len() == 2));

    // An unknown client: the caller still loads, the client is absent.
    let unknown = uuid::Uuid::now_v7();
    let facts = app
        .db
        .run(|conn| request_facts::load(conn, sanna.id, unknown))
        .unwrap();
    assert_eq!(facts.client.client_id, unknown);
    assert!(facts.client.facts.is_none());
    // An unknown caller is not found, as with `get_with_teams`.
    let nobody = app
        .db
        .run(|conn| request_facts::load(conn, uuid::Uuid::now_v7(), client));
    assert!(matches!(nobody, Err(StoreError::NotFound)));
    let token = mint(&app.auth, uuid::Uuid::now_v7(), &[Role::Professional]);
    assert_eq!(
        app.get(&path, &token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

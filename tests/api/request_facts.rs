//! A read of a client loads the caller and the client's access facts in one
//! statement (`request_facts`); the rules must see exactly what the separate
//! reads of each fact give, or a read would be decided on other facts than
//! a write.

use diesel::RunQueryDsl;
use kyky_domain::Role;
use kyky_persistence::fact_cache::FactCache;
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
    let (_, team, second_team) = a_client_with_every_kind_of_fact(&espoo, client).await;
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

/// The client of `the_facts_…` with a work pair, a second organisation's
/// relationship, two consents of which one is withdrawn (one covering two
/// organisations), and Sanna in two teams; returns Kela's id and the teams.
async fn a_client_with_every_kind_of_fact(
    espoo: &Espoo,
    client: uuid::Uuid,
) -> (uuid::Uuid, uuid::Uuid, uuid::Uuid) {
    let (app, sanna) = (&espoo.app, &espoo.sanna);
    let path = format!("/api/v1/clients/{client}");
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
    (kela, team, second_team)
}

/// The caller's and client's facts in a form two reads can be compared in
/// (teams sorted: their order is the database's).
fn comparable(facts: &request_facts::CallerFacts) -> String {
    let mut teams = facts.teams.clone();
    teams.sort();
    format!("{:?} {teams:?} {:?}", facts.record, facts.client)
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Refused reads of `client` in its access log.
fn denied_reads(app: &crate::helpers::TestApp, client: uuid::Uuid) -> i64 {
    app.db
        .run(|conn| {
            diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM access_log \
                 WHERE client_id = '{client}' AND operation = 'client.read' AND outcome = 'denied'"
            ))
            .get_result::<Count>(conn)
            .map_err(StoreError::from)
        })
        .unwrap()
        .n
}

fn execute(app: &crate::helpers::TestApp, statement: &str) {
    let changed = app
        .db
        .run(|conn| {
            diesel::sql_query(statement)
                .execute(conn)
                .map_err(StoreError::from)
        })
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
    assert!(changed > 0, "{statement} changed nothing");
}

/// A process keeps the facts it read and answers from them while no stamp
/// has moved. Each change below is made behind its back, straight in the
/// database as another process (or an operator) would: after every one the
/// kept facts are the facts read afresh, so a change to any table the facts
/// come from counts on the very next request.
#[tokio::test]
async fn kept_facts_follow_every_change_to_the_rows_they_are_read_from() {
    let espoo = Espoo::spawn().await;
    let (app, sanna) = (&espoo.app, &espoo.sanna);
    let client = espoo.client().await;
    let (kela, team, _) = a_client_with_every_kind_of_fact(&espoo, client).await;
    let cache = FactCache::default();
    let read = || {
        app.db
            .run(|conn| {
                let kept = request_facts::current(conn, &cache, sanna.id, client)?;
                let fresh = request_facts::load(conn, sanna.id, client)?;
                Ok::<_, StoreError>((comparable(&kept), comparable(&fresh)))
            })
            .unwrap()
    };
    let (kept, fresh) = read();
    assert_eq!(kept, fresh);
    // Kept: the next read is one primary-key read of the stamps.
    let before = app.db.traffic();
    let again = app
        .db
        .run(|conn| request_facts::current(conn, &cache, sanna.id, client))
        .unwrap();
    assert_eq!(app.db.traffic().statements - before.statements, 1);
    assert_eq!(comparable(&again), fresh);

    let (organisation, now) = (sanna.organisation_id, "CURRENT_TIMESTAMP");
    let changes = [
        format!("UPDATE clients SET first_name = 'Muutettu' WHERE id = '{client}'"),
        format!(
            "UPDATE work_pair_periods SET ended_at = {now} WHERE client_id = '{client}' AND ended_at IS NULL"
        ),
        format!(
            "UPDATE client_relationships SET ended_on = '2026-01-02' WHERE client_id = '{client}' AND organisation_id = '{kela}'"
        ),
        format!("DELETE FROM consent_organisations WHERE organisation_id = '{kela}'"),
        format!(
            "UPDATE consents SET expires_at = {now} WHERE client_id = '{client}' AND withdrawn_at IS NULL"
        ),
        format!(
            "UPDATE responsibility_periods SET ended_at = {now} WHERE client_id = '{client}' AND ended_at IS NULL"
        ),
        format!(
            "UPDATE professionals SET first_name = 'Sanni' WHERE id = '{}'",
            sanna.id
        ),
        format!("UPDATE organisations SET name = 'Espoon kaupunki' WHERE id = '{organisation}'"),
        format!(
            "UPDATE team_members SET left_at = {now} WHERE team_id = '{team}' AND professional_id = '{}'",
            sanna.id
        ),
    ];
    let moved_with = |previous: String, change: &str| {
        let (kept, fresh) = read();
        assert_ne!(fresh, previous, "the facts show: {change}");
        assert_eq!(kept, fresh, "the kept facts moved with: {change}");
    };
    // Rows added (through the API, by the server: another pool, as another
    // process would).
    let (_, previous) = read();
    let health = espoo.nurse.organisation_id;
    expect_status(
        app.post(
            &format!("/api/v1/clients/{client}/consents"),
            &sanna.token,
            &json!({"purposes": ["information_exchange"], "organisation_ids": [health], "method": "written"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    moved_with(previous, "a consent given");
    let (_, previous) = read();
    app.team("both", organisation, Some(sanna.id)).await;
    moved_with(previous, "a team joined");
    for change in changes {
        let (_, previous) = read();
        execute(app, &change);
        moved_with(previous, &change);
    }
    let (_, previous) = read();
    execute(
        app,
        &format!(
            "UPDATE professionals SET active = FALSE WHERE id = '{}'",
            sanna.id
        ),
    );
    moved_with(previous, "deactivated");
}

/// The server answers from the facts it keeps; a consent withdrawn and a
/// professional deactivated straight in the database (as by another
/// process) count on the very next request.
#[tokio::test]
async fn a_change_made_by_another_process_counts_on_the_next_read() {
    let espoo = Espoo::spawn().await;
    let (app, sanna) = (&espoo.app, &espoo.sanna);
    let client = espoo.client().await;
    let kela = app.worker("kela", "kela_expert").await;
    let path = format!("/api/v1/clients/{client}");
    expect_status(
        app.post(
            &format!("{path}/consents"),
            &sanna.token,
            &json!({"purposes": ["information_exchange"], "organisation_ids": [kela.organisation_id], "method": "written"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    for _ in 0..2 {
        expect_status(app.get(&path, &kela.token).await, StatusCode::OK).await;
        expect_status(app.get(&path, &sanna.token).await, StatusCode::OK).await;
    }
    // Kela's read shows Sanna's card, kept from her own requests: renamed,
    // it shows her new name.
    execute(
        app,
        &format!(
            "UPDATE professionals SET first_name = 'Sanni' WHERE id = '{}'",
            sanna.id
        ),
    );
    let read = expect_status(app.get(&path, &kela.token).await, StatusCode::OK).await;
    assert_eq!(read["responsible_worker"]["first_name"], "Sanni");
    let entries_before = denied_reads(app, client);
    execute(
        app,
        &format!(
            "UPDATE consents SET withdrawn_at = CURRENT_TIMESTAMP, withdrawn_by = '{}', withdrawal_method = 'written' WHERE client_id = '{client}'",
            sanna.id
        ),
    );
    assert_eq!(
        app.get(&path, &kela.token).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        denied_reads(app, client),
        entries_before + 1,
        "the refused read is in the access log"
    );
    execute(
        app,
        &format!(
            "UPDATE professionals SET active = FALSE WHERE id = '{}'",
            sanna.id
        ),
    );
    assert_eq!(
        app.get(&path, &sanna.token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// The context a request of `worker`'s carries into a use case, with the
/// facts it read with the caller.
fn context_of(
    worker: &crate::helpers::Worker,
    facts: request_facts::CallerFacts,
) -> kyky_persistence::AuditContext {
    kyky_persistence::AuditContext {
        actor: kyky_domain::Actor {
            professional_id: worker.id,
            organisation_id: worker.organisation_id,
            roles: [Role::Professional].into_iter().collect(),
            teams: facts.teams.into_iter().collect(),
        },
        request_id: None,
        at: chrono::Utc::now(),
        resource: None,
        preloaded: Some(facts.client),
    }
}

/// A write decides on the facts its request read only while they are
/// current: with the client's access changed after they were read (here
/// straight in the database, as another process would between the request's
/// read and its transaction), the write reads them again and is refused;
/// unchanged, it decides on them in one statement fewer than three reads.
#[tokio::test]
async fn a_write_decides_on_the_facts_its_request_read_only_while_they_are_current() {
    let espoo = Espoo::spawn().await;
    let (app, sanna) = (&espoo.app, &espoo.sanna);
    let client = espoo.client().await;
    let kela = app.worker("kela", "kela_expert").await;
    let cache = FactCache::default();
    let context = || {
        let facts = app
            .db
            .run(|conn| request_facts::current(conn, &cache, sanna.id, client))
            .unwrap();
        context_of(sanna, facts)
    };
    let write = |ctx: &kyky_persistence::AuditContext| {
        app.db
            .write_client(ctx, client, "client.update", |_, scope| Ok(scope.basis))
    };

    let current = context();
    let before = app.db.traffic();
    write(&current).expect("the responsible worker writes");
    let unchanged = app.db.traffic().statements - before.statements;

    let stale = context();
    execute(
        app,
        &format!(
            "UPDATE responsibility_periods SET professional_id = '{}' WHERE client_id = '{client}' AND ended_at IS NULL",
            kela.id
        ),
    );
    execute(
        app,
        &format!(
            "UPDATE client_relationships SET ended_on = CURRENT_DATE WHERE client_id = '{client}' AND organisation_id = '{}'",
            sanna.organisation_id
        ),
    );
    let before = app.db.traffic();
    assert!(
        matches!(write(&stale), Err(StoreError::NotFound)),
        "decided on facts that had changed (a refusal answers as not found)"
    );
    let changed = app.db.traffic().statements - before.statements;
    assert!(
        changed >= unchanged + 2,
        "the changed facts were read again ({changed} statements, {unchanged} when current)"
    );
}

/// A decision on a handover, too, decides on the client's facts its request
/// read (looked up through the handover) only while they are current: with
/// the responsibility moved behind its back after they were read, the
/// acceptance reads them again and is refused; unchanged, it is accepted
/// on them.
#[tokio::test]
async fn a_handover_decision_decides_on_the_facts_its_request_read_only_while_current() {
    let espoo = Espoo::spawn().await;
    let (app, sanna, aino, olli) = (&espoo.app, &espoo.sanna, &espoo.aino, &espoo.olli);
    let cache = FactCache::default();
    let mut handovers = Vec::new();
    for _ in 0..2 {
        let client = espoo.client().await;
        let proposed = crate::helpers::propose_handover(app, sanna, client, aino.id).await;
        handovers.push((client, proposed));
    }
    let context = |handover| {
        let facts = app
            .db
            .run(|conn| {
                let client = kyky_persistence::handovers::client_of(conn, handover)?
                    .expect("the handover's client");
                request_facts::current(conn, &cache, aino.id, client)
            })
            .unwrap();
        context_of(aino, facts)
    };

    let (_, current) = handovers[0];
    let (accepted, _) = app
        .db
        .accept_handover(&context(current), current)
        .expect("accepted on the facts its request read");
    assert_eq!(accepted.decided_by, Some(aino.id));

    let (client, stale) = handovers[1];
    let read = context(stale);
    execute(
        app,
        &format!(
            "UPDATE responsibility_periods SET professional_id = '{}' WHERE client_id = '{client}' AND ended_at IS NULL",
            olli.id
        ),
    );
    let refused = app.db.accept_handover(&read, stale);
    assert!(
        matches!(
            refused,
            Err(StoreError::Handover(
                kyky_domain::handover::HandoverError::ResponsibilityChanged
            ))
        ),
        "decided on facts that had changed: {refused:?}"
    );
}

//! What a request about one client rests on, in one statement: the caller
//! (their record, organisation and teams) and the client's access facts
//! (the record with its responsibility, the relationships, the consents with
//! the organisations each covers).
//!
//! Each database statement is a round trip and, on PostgreSQL, work for the
//! server; a read of client data needs all of these before it may answer.
//! The facts have different shapes, so each kind of row is one branch of a
//! `UNION ALL` over a common row of nullable columns (`FactRow`); what a
//! branch does not use it fills with NULL. The statement has a fixed shape,
//! so its prepared statement is cached.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use diesel::prelude::*;
use uuid::Uuid;

pub use crate::client_facts::{ClientFacts, PreloadedClient};
use crate::clients::{ClientRow, with_current_responsibility, with_responsibility_of};
use crate::connection::on_backend;
use crate::consents::ConsentRow;
use crate::db::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::fact_cache::{FactCache, Stamps};
use crate::professionals::{ProfessionalRow, WithOrganisation, with_organisation_and_teams};
use crate::relationships::RelationshipRow;
use crate::schema::{
    client_relationships as rel, clients, consent_organisations as covered, consents,
    fact_stamps as stamps, organisations, professionals, responsibility_periods as periods,
    team_members as members, work_pair_periods as pairs,
};
use crate::sql_types::DbId;

mod row;
use row::{
    CLIENT, CONSENT, FactRow, Kind, PROFESSIONAL, RELATIONSHIP, STAMP, no_date, no_flag, no_id,
    no_number, no_text, no_time,
};

/// The caller as their record stands, and the client the request names.
#[derive(Debug, Clone)]
pub struct CallerFacts {
    pub record: WithOrganisation,
    /// The teams the caller is a member of now.
    pub teams: Vec<Uuid>,
    pub client: PreloadedClient,
}

/// Loads the caller and the client in one statement. `NotFound` when the
/// caller is not a known professional.
pub fn load(
    conn: &mut DbConnection,
    professional_id: Uuid,
    client_id: Uuid,
) -> StoreResult<CallerFacts> {
    load_with_stamps(conn, professional_id, client_id).map(|(facts, _)| facts)
}

fn load_with_stamps(
    conn: &mut DbConnection,
    professional_id: Uuid,
    client_id: Uuid,
) -> StoreResult<(CallerFacts, Stamps)> {
    let (professional, client) = (DbId(professional_id), DbId(client_id));
    let rows: Vec<FactRow> = on_backend!(conn, |c| {
        // One row per team the caller is a member of now (one row if none).
        // id: professional, organisation, team
        // text: first, last, title, email, phone, roles, organisation name,
        //       organisation kind
        // flag: active; time: deactivated, created, updated; number: version
        with_organisation_and_teams()
            .filter(professionals::id.eq(professional))
            .select((
                Kind::<PROFESSIONAL>,
                (
                    professionals::id.nullable(),
                    professionals::organisation_id.nullable(),
                    members::team_id.nullable(),
                    no_id(),
                    no_id(),
                ),
                (
                    professionals::first_name.nullable(),
                    professionals::last_name.nullable(),
                    professionals::title.nullable(),
                    professionals::email,
                    professionals::phone,
                    professionals::roles.nullable(),
                    organisations::name.nullable(),
                    organisations::kind.nullable(),
                    no_text(),
                ),
                (professionals::active.nullable(), no_flag()),
                (
                    professionals::deactivated_at,
                    professionals::created_at.nullable(),
                    professionals::updated_at.nullable(),
                    no_time(),
                ),
                (no_date(), no_date()),
                professionals::version.nullable(),
            ))
            // id: client, responsible worker, work pair
            // text: hetu, first, last, email, phone, street, postal code,
            //       city, language
            // flag: non-disclosure; time: created, updated; number: version
            .union_all(
                with_current_responsibility()
                    .filter(clients::id.eq(client))
                    .select((
                        Kind::<CLIENT>,
                        (
                            clients::id.nullable(),
                            periods::professional_id.nullable(),
                            pairs::professional_id.nullable(),
                            no_id(),
                            no_id(),
                        ),
                        (
                            clients::hetu.nullable(),
                            clients::first_name.nullable(),
                            clients::last_name.nullable(),
                            clients::email,
                            clients::phone,
                            clients::street_address,
                            clients::postal_code,
                            clients::city,
                            clients::preferred_language.nullable(),
                        ),
                        (clients::non_disclosure.nullable(), no_flag()),
                        (
                            clients::created_at.nullable(),
                            clients::updated_at.nullable(),
                            no_time(),
                            no_time(),
                        ),
                        (no_date(), no_date()),
                        clients::version.nullable(),
                    )),
            )
            // id: relationship, client, organisation, created by
            // text: basis, reason, entered details
            // flag: primary, shares record; time: created; date: started, ended
            .union_all(rel::table.filter(rel::client_id.eq(client)).select((
                Kind::<RELATIONSHIP>,
                (
                    rel::id.nullable(),
                    rel::client_id.nullable(),
                    rel::organisation_id.nullable(),
                    rel::created_by.nullable(),
                    no_id(),
                ),
                (
                    rel::basis.nullable(),
                    rel::reason,
                    rel::entered_details,
                    no_text(),
                    no_text(),
                    no_text(),
                    no_text(),
                    no_text(),
                    no_text(),
                ),
                (rel::is_primary.nullable(), rel::shares_record.nullable()),
                (rel::created_at.nullable(), no_time(), no_time(), no_time()),
                (rel::started_on.nullable(), rel::ended_on),
                no_number(),
            )))
            // One row per organisation a consent covers (one row if none).
            // id: consent, client, recorded by, withdrawn by, organisation
            //     covered
            // text: purposes, method, document, withdrawal method
            // time: given, expires, recorded, withdrawn
            .union_all(
                consents::table
                    .left_join(covered::table.on(covered::consent_id.eq(consents::id)))
                    .filter(consents::client_id.eq(client))
                    .select((
                        Kind::<CONSENT>,
                        (
                            consents::id.nullable(),
                            consents::client_id.nullable(),
                            consents::recorded_by.nullable(),
                            consents::withdrawn_by,
                            covered::organisation_id.nullable(),
                        ),
                        (
                            consents::purposes.nullable(),
                            consents::method.nullable(),
                            consents::document_reference,
                            consents::withdrawal_method,
                            no_text(),
                            no_text(),
                            no_text(),
                            no_text(),
                            no_text(),
                        ),
                        (no_flag(), no_flag()),
                        (
                            consents::given_at.nullable(),
                            consents::expires_at,
                            consents::recorded_at.nullable(),
                            consents::withdrawn_at,
                        ),
                        (no_date(), no_date()),
                        no_number(),
                    )),
            )
            // The stamps of the caller, their organisation and the client,
            // read in the same statement as the facts (one snapshot).
            // id: subject; number: stamp
            .union_all(
                stamps::table
                    .filter(
                        stamps::subject
                            .eq(professional)
                            .or(stamps::subject.eq(client))
                            .or(stamps::subject.eq_any(
                                professionals::table
                                    .filter(professionals::id.eq(professional))
                                    .select(professionals::organisation_id),
                            )),
                    )
                    .select((
                        Kind::<STAMP>,
                        (
                            stamps::subject.nullable(),
                            no_id(),
                            no_id(),
                            no_id(),
                            no_id(),
                        ),
                        (
                            no_text(),
                            no_text(),
                            no_text(),
                            no_text(),
                            no_text(),
                            no_text(),
                            no_text(),
                            no_text(),
                            no_text(),
                        ),
                        (no_flag(), no_flag()),
                        (no_time(), no_time(), no_time(), no_time()),
                        (no_date(), no_date()),
                        stamps::stamp.nullable(),
                    )),
            )
            .load(c)
    })?;
    assemble(client_id, rows)
}

/// The caller and the client as `load` reads them, from `cache` when no
/// stamp has moved since it kept them (then one primary-key read).
pub fn current(
    conn: &mut DbConnection,
    cache: &FactCache,
    professional_id: Uuid,
    client_id: Uuid,
) -> StoreResult<CallerFacts> {
    if let Some(kept) = cache.current(conn, professional_id, client_id)? {
        return Ok(CallerFacts {
            record: kept.caller.record.clone(),
            teams: kept.caller.teams.clone(),
            client: kept.preloaded(),
        });
    }
    let (facts, stamps) = load_with_stamps(conn, professional_id, client_id)?;
    cache.keep(
        &stamps,
        &facts.record,
        &facts.teams,
        facts.client.facts.as_ref(),
    );
    Ok(facts)
}

/// A column a branch always fills.
fn filled<T>(value: Option<T>) -> StoreResult<T> {
    value.ok_or_else(|| StoreError::Corrupt("a request fact lacks a column".to_owned()))
}

fn assemble(client_id: Uuid, rows: Vec<FactRow>) -> StoreResult<(CallerFacts, Stamps)> {
    let mut stamps = Stamps::default();
    let mut caller = None;
    let mut teams = Vec::new();
    let mut client = None;
    let mut relationships = Vec::new();
    let mut consents = Vec::new();
    let mut covering: BTreeMap<DbId, BTreeSet<Uuid>> = BTreeMap::new();
    for row in rows {
        let FactRow {
            kind,
            id,
            text,
            flag,
            time,
            date,
            number,
        } = row;
        let (i0, i1, i2, i3, i4) = id;
        let (t0, t1, t2, t3, t4, t5, t6, t7, t8) = text;
        let time = [time.0, time.1, time.2, time.3];
        let (flag, date) = ([flag.0, flag.1], [date.0, date.1]);
        match kind.as_str() {
            "professional" => {
                if let Some(team) = i2 {
                    teams.push(team.0);
                }
                if caller.is_some() {
                    continue;
                }
                let professional = ProfessionalRow {
                    id: filled(i0)?,
                    organisation_id: filled(i1)?,
                    first_name: filled(t0)?,
                    last_name: filled(t1)?,
                    title: filled(t2)?,
                    email: t3,
                    phone: t4,
                    roles: filled(t5)?,
                    active: filled(flag[0])?,
                    deactivated_at: time[0],
                    version: filled(number)?,
                    created_at: filled(time[1])?,
                    updated_at: filled(time[2])?,
                };
                caller = Some(WithOrganisation::of(
                    professional,
                    filled(t6)?,
                    &filled(t7)?,
                )?);
            }
            "client" => {
                let row = ClientRow {
                    id: filled(i0)?,
                    hetu: filled(t0)?,
                    first_name: filled(t1)?,
                    last_name: filled(t2)?,
                    email: t3,
                    phone: t4,
                    street_address: t5,
                    postal_code: t6,
                    city: t7,
                    preferred_language: filled(t8)?,
                    version: filled(number)?,
                    created_at: filled(time[0])?,
                    updated_at: filled(time[1])?,
                    non_disclosure: filled(flag[0])?,
                };
                client = Some(with_responsibility_of((row, i1, i2))?);
            }
            "relationship" => {
                relationships.push(crate::relationships::to_record(RelationshipRow {
                    id: filled(i0)?,
                    client_id: filled(i1)?,
                    organisation_id: filled(i2)?,
                    is_primary: filled(flag[0])?,
                    started_on: filled(date[0])?,
                    ended_on: date[1],
                    created_by: filled(i3)?,
                    created_at: filled(time[0])?,
                    basis: filled(t0)?,
                    reason: t1,
                    shares_record: filled(flag[1])?,
                    entered_details: t2,
                })?);
            }
            "consent" => {
                let id = filled(i0)?;
                if let Some(organisation) = i4 {
                    covering.entry(id).or_default().insert(organisation.0);
                }
                if consents.last().is_some_and(|c: &ConsentRow| c.id == id) {
                    continue;
                }
                consents.push(ConsentRow {
                    id,
                    client_id: filled(i1)?,
                    purposes: filled(t0)?,
                    method: filled(t1)?,
                    document_reference: t2,
                    given_at: filled(time[0])?,
                    expires_at: time[1],
                    recorded_by: filled(i2)?,
                    recorded_at: filled(time[2])?,
                    withdrawn_at: time[3],
                    withdrawn_by: i3,
                    withdrawal_method: t3,
                });
            }
            "stamp" => stamps.add(filled(i0)?.0, filled(number)?),
            other => {
                return Err(StoreError::Corrupt(format!("unknown request fact {other}")));
            }
        }
    }
    let record = caller.ok_or(StoreError::NotFound)?;
    // The order the one-table reads give: oldest (smallest v7 id) first.
    relationships.sort_by_key(|r| r.relationship.id);
    let relationships = relationships.into_iter().map(|r| r.relationship).collect();
    consents.sort_by_key(|c| c.id);
    // A consent's rows need not come together: one entry each.
    consents.dedup_by(|a, b| a.id == b.id);
    let consents = consents
        .into_iter()
        .map(|row| {
            let organisations = covering.remove(&row.id).unwrap_or_default();
            crate::consents::to_record(row, organisations).map(|record| record.consent)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let facts = CallerFacts {
        record,
        teams,
        client: PreloadedClient {
            client_id,
            stamp: stamps.of(client_id),
            facts: client.map(|(client, responsibility)| {
                Arc::new(ClientFacts {
                    client,
                    responsibility,
                    relationships,
                    consents,
                })
            }),
        },
    };
    Ok((facts, stamps))
}

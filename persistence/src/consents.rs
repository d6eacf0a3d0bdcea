//! Consents (suostumus) as recorded, and their withdrawal. Nothing is deleted.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::CodeSet;
use kyky_domain::consent::{Consent, ConsentMethod, ConsentPurpose};
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::{code, naive, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::{consent_organisations as covered, consents};
use crate::sql_types::{DbId, DbTime, among};

/// A consent with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub consent: Consent,
    pub client_id: Uuid,
    pub method: ConsentMethod,
    pub document_reference: Option<String>,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub withdrawn_by: Option<Uuid>,
    pub withdrawal_method: Option<ConsentMethod>,
}

/// What is recorded when consent is given.
#[derive(Debug, Clone)]
pub struct NewConsent {
    pub purposes: BTreeSet<ConsentPurpose>,
    pub organisations: BTreeSet<Uuid>,
    pub method: ConsentMethod,
    pub document_reference: Option<String>,
    pub given_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = consents)]
pub(crate) struct ConsentRow {
    pub(crate) id: DbId,
    pub(crate) client_id: DbId,
    pub(crate) purposes: String,
    pub(crate) method: String,
    pub(crate) document_reference: Option<String>,
    pub(crate) given_at: DbTime,
    pub(crate) expires_at: Option<DbTime>,
    pub(crate) recorded_by: DbId,
    pub(crate) recorded_at: DbTime,
    pub(crate) withdrawn_at: Option<DbTime>,
    pub(crate) withdrawn_by: Option<DbId>,
    pub(crate) withdrawal_method: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = covered)]
struct CoveredRow {
    consent_id: DbId,
    organisation_id: DbId,
}

pub(crate) fn to_record(
    row: ConsentRow,
    organisations: BTreeSet<Uuid>,
) -> StoreResult<ConsentRecord> {
    Ok(ConsentRecord {
        consent: Consent {
            id: row.id.0,
            purposes: row
                .purposes
                .split(',')
                .filter(|p| !p.is_empty())
                .map(code)
                .collect::<StoreResult<_>>()?,
            organisations,
            given_at: utc(row.given_at),
            expires_at: row.expires_at.map(utc),
            withdrawn_at: row.withdrawn_at.map(utc),
        },
        client_id: row.client_id.0,
        method: code(&row.method)?,
        document_reference: row.document_reference,
        recorded_by: row.recorded_by.0,
        recorded_at: utc(row.recorded_at),
        withdrawn_by: row.withdrawn_by.map(Uuid::from),
        withdrawal_method: row.withdrawal_method.as_deref().map(code).transpose()?,
    })
}

/// Consents with the organisations each covers, from one query: the join
/// yields a row per (consent, organisation), ordered by consent.
fn load_joined(conn: &mut DbConnection, which: Which) -> StoreResult<Vec<ConsentRecord>> {
    let rows: Vec<(ConsentRow, Option<DbId>)> = match which {
        // Every request about a client reads its consents: a fixed-shape
        // statement on the backend's connection, prepared once.
        Which::OfClient(id) => on_backend!(conn, |c| consents::table
            .left_join(covered::table.on(covered::consent_id.eq(consents::id)))
            .filter(consents::client_id.eq(id))
            .order((consents::id, covered::organisation_id))
            .select((ConsentRow::as_select(), covered::organisation_id.nullable()))
            .load(c))?,
        Which::One(_) | Which::OfClients(_) => {
            let query = consents::table
                .left_join(covered::table.on(covered::consent_id.eq(consents::id)))
                .order((consents::id, covered::organisation_id))
                .into_boxed();
            let query = match which {
                Which::One(id) => query.filter(consents::id.eq(id)),
                Which::OfClients(ids) => {
                    query.filter(among(consents::client_id, ids.iter().map(|id| id.0)))
                }
                Which::OfClient(_) => unreachable!("matched above"),
            };
            query
                .select((ConsentRow::as_select(), covered::organisation_id.nullable()))
                .load(conn)?
        }
    };
    let mut records = Vec::new();
    let mut current: Option<(ConsentRow, BTreeSet<Uuid>)> = None;
    for (row, organisation) in rows {
        match &mut current {
            Some((open, organisations)) if open.id == row.id => {
                organisations.extend(organisation.map(Uuid::from));
            }
            _ => {
                if let Some((done, organisations)) = current.take() {
                    records.push(to_record(done, organisations)?);
                }
                current = Some((row, organisation.map(Uuid::from).into_iter().collect()));
            }
        }
    }
    if let Some((done, organisations)) = current {
        records.push(to_record(done, organisations)?);
    }
    Ok(records)
}

/// Which consents `load_joined` reads.
enum Which {
    One(DbId),
    OfClient(DbId),
    OfClients(Vec<DbId>),
}

/// Every consent of the client, withdrawn ones too, oldest first.
pub fn for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<ConsentRecord>> {
    load_joined(conn, Which::OfClient(DbId(client_id)))
}

/// The rules' view of the client's consents.
pub fn rules_view(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<Consent>> {
    Ok(for_client(conn, client_id)?
        .into_iter()
        .map(|r| r.consent)
        .collect())
}

/// The rules' view of each of these clients' consents: one query.
pub fn rules_for_clients(
    conn: &mut DbConnection,
    client_ids: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, Vec<Consent>>> {
    let ids: Vec<DbId> = client_ids.iter().copied().map(DbId).collect();
    let mut found: std::collections::HashMap<Uuid, Vec<Consent>> = std::collections::HashMap::new();
    for record in load_joined(conn, Which::OfClients(ids))? {
        found
            .entry(record.client_id)
            .or_default()
            .push(record.consent);
    }
    Ok(found)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<ConsentRecord> {
    load_joined(conn, Which::One(DbId(id)))?
        .pop()
        .ok_or(crate::StoreError::NotFound)
}

pub fn insert(
    conn: &mut DbConnection,
    client_id: Uuid,
    new: &NewConsent,
    recorded_by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(consents::table)
        .values(ConsentRow {
            id: DbId(id),
            client_id: DbId(client_id),
            purposes: new
                .purposes
                .iter()
                .map(|p| p.code())
                .collect::<Vec<_>>()
                .join(","),
            method: new.method.to_string(),
            document_reference: new.document_reference.clone(),
            given_at: naive(new.given_at),
            expires_at: new.expires_at.map(naive),
            recorded_by: DbId(recorded_by),
            recorded_at: naive(now),
            withdrawn_at: None,
            withdrawn_by: None,
            withdrawal_method: None,
        })
        .execute(conn)?;
    let covered: Vec<CoveredRow> = new
        .organisations
        .iter()
        .map(|organisation| CoveredRow {
            consent_id: DbId(id),
            organisation_id: DbId(*organisation),
        })
        .collect();
    crate::connection::insert_all!(conn, covered::table, &covered)?;
    Ok(id)
}

/// Records the withdrawal; `false` if it was already withdrawn meanwhile.
pub fn withdraw(
    conn: &mut DbConnection,
    id: Uuid,
    by: Uuid,
    method: ConsentMethod,
    at: DateTime<Utc>,
) -> StoreResult<bool> {
    let changed = diesel::update(
        consents::table
            .find(DbId(id))
            .filter(consents::withdrawn_at.is_null()),
    )
    .set((
        consents::withdrawn_at.eq(Some(naive(at))),
        consents::withdrawn_by.eq(Some(DbId(by))),
        consents::withdrawal_method.eq(Some(method.to_string())),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

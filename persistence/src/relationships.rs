//! Client relationships (asiakkuus) as stored rows.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use kyky_domain::entities::ClientFields;
use kyky_domain::event::EventType;
use kyky_domain::{Relationship, RelationshipBasis};
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::{code, from_json, naive, to_json, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::client_relationships as rel;
use crate::sql_types::{DbId, DbTime, among};

/// A relationship with the bookkeeping the domain rules do not need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipRecord {
    pub relationship: Relationship,
    pub client_id: Uuid,
    pub created_at: DateTime<Utc>,
    /// Why, in the recorder's words.
    pub reason: Option<String>,
    /// What a declared relationship's organisation entered about the client:
    /// all it sees of them until consent covers it.
    pub entered_details: Option<ClientFields>,
}

/// A relationship to store, with its reason and, when declared on a client
/// another organisation registered, what the declaring organisation entered.
#[derive(Debug, Clone)]
pub struct NewRelationship<'a> {
    pub relationship: &'a Relationship,
    pub reason: Option<&'a str>,
    pub entered_details: Option<&'a ClientFields>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = rel)]
pub(crate) struct RelationshipRow {
    pub(crate) id: DbId,
    pub(crate) client_id: DbId,
    pub(crate) organisation_id: DbId,
    pub(crate) is_primary: bool,
    pub(crate) started_on: NaiveDate,
    pub(crate) ended_on: Option<NaiveDate>,
    pub(crate) created_by: DbId,
    pub(crate) created_at: DbTime,
    pub(crate) basis: String,
    pub(crate) reason: Option<String>,
    pub(crate) shares_record: bool,
    pub(crate) entered_details: Option<String>,
}

pub(crate) fn to_record(row: RelationshipRow) -> StoreResult<RelationshipRecord> {
    Ok(RelationshipRecord {
        relationship: Relationship {
            id: row.id.0,
            organisation_id: row.organisation_id.0,
            is_primary: row.is_primary,
            started_on: row.started_on,
            ended_on: row.ended_on,
            created_by: row.created_by.0,
            basis: code::<RelationshipBasis>(&row.basis)?,
            shares_record: row.shares_record,
        },
        client_id: row.client_id.0,
        created_at: utc(row.created_at),
        reason: row.reason,
        entered_details: row.entered_details.as_deref().map(from_json).transpose()?,
    })
}

/// Every relationship of the client, ended ones too, oldest first.
pub fn for_client(
    conn: &mut DbConnection,
    client_id: Uuid,
) -> StoreResult<Vec<RelationshipRecord>> {
    on_backend!(conn, |c| rel::table
        .filter(rel::client_id.eq(DbId(client_id)))
        .order(rel::id)
        .select(RelationshipRow::as_select())
        .load(c))?
    .into_iter()
    .map(to_record)
    .collect()
}

/// The relationships of each of these clients, oldest first: one query.
pub fn for_clients(
    conn: &mut DbConnection,
    client_ids: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, Vec<RelationshipRecord>>> {
    let mut found: std::collections::HashMap<Uuid, Vec<RelationshipRecord>> =
        std::collections::HashMap::new();
    for row in rel::table
        .filter(among(rel::client_id, client_ids.iter().copied()))
        .order(rel::id)
        .select(RelationshipRow::as_select())
        .load(conn)?
    {
        let record = to_record(row)?;
        found.entry(record.client_id).or_default().push(record);
    }
    Ok(found)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<RelationshipRecord> {
    to_record(
        rel::table
            .find(DbId(id))
            .select(RelationshipRow::as_select())
            .first(conn)?,
    )
}

pub fn insert(
    conn: &mut DbConnection,
    client_id: Uuid,
    new: &NewRelationship<'_>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let relationship = new.relationship;
    diesel::insert_into(rel::table)
        .values(RelationshipRow {
            id: DbId(relationship.id),
            client_id: DbId(client_id),
            organisation_id: DbId(relationship.organisation_id),
            is_primary: relationship.is_primary,
            started_on: relationship.started_on,
            ended_on: relationship.ended_on,
            created_by: DbId(relationship.created_by),
            created_at: naive(now),
            basis: relationship.basis.to_string(),
            reason: new.reason.map(str::to_owned),
            shares_record: relationship.shares_record,
            entered_details: new.entered_details.map(to_json).transpose()?,
        })
        .execute(conn)?;
    let payload = serde_json::json!({
        "organisation_id": relationship.organisation_id,
        "basis": relationship.basis,
        "is_primary": relationship.is_primary,
        "started_on": relationship.started_on,
    });
    crate::events::record(
        conn,
        EventType::RelationshipOpened,
        client_id,
        relationship.id,
        relationship.created_by,
        &payload,
        now,
    )
}

/// An escorted path (handover, referral) brought the organisation in: its
/// declared relationship now shares the client record.
pub fn share_record(
    conn: &mut DbConnection,
    id: Uuid,
    basis: RelationshipBasis,
) -> StoreResult<()> {
    diesel::update(rel::table.find(DbId(id)))
        .set((
            rel::shares_record.eq(true),
            rel::basis.eq(basis.to_string()),
        ))
        .execute(conn)?;
    Ok(())
}

/// The caller's organisation's active relationship with the client, if any.
pub fn active_for(
    conn: &mut DbConnection,
    client_id: Uuid,
    organisation_id: Uuid,
) -> StoreResult<Option<RelationshipRecord>> {
    rel::table
        .filter(rel::client_id.eq(DbId(client_id)))
        .filter(rel::organisation_id.eq(DbId(organisation_id)))
        .filter(rel::ended_on.is_null())
        .select(RelationshipRow::as_select())
        .first(conn)
        .optional()?
        .map(to_record)
        .transpose()
}

pub fn set_primary(conn: &mut DbConnection, id: Uuid, is_primary: bool) -> StoreResult<()> {
    diesel::update(rel::table.find(DbId(id)))
        .set(rel::is_primary.eq(is_primary))
        .execute(conn)?;
    Ok(())
}

/// Ends the client's relationship `ended` on `ended_on`, by `by`.
pub fn end(
    conn: &mut DbConnection,
    client_id: Uuid,
    ended: &Relationship,
    ended_on: NaiveDate,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(rel::table.find(DbId(ended.id)))
        .set(rel::ended_on.eq(Some(ended_on)))
        .execute(conn)?;
    let payload =
        serde_json::json!({"organisation_id": ended.organisation_id, "ended_on": ended_on});
    crate::events::record(
        conn,
        EventType::RelationshipEnded,
        client_id,
        ended.id,
        by,
        &payload,
        now,
    )
}

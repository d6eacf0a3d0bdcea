//! Client relationships (asiakkuus) as stored rows.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use kyky_domain::Relationship;
use uuid::Uuid;

use crate::convert::{naive, utc, uuid};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::client_relationships as rel;

/// A relationship with the bookkeeping the domain rules do not need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationshipRecord {
    pub relationship: Relationship,
    pub client_id: Uuid,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = rel)]
struct RelationshipRow {
    id: String,
    client_id: String,
    organisation_id: String,
    is_primary: bool,
    started_on: NaiveDate,
    ended_on: Option<NaiveDate>,
    created_by: String,
    created_at: NaiveDateTime,
}

fn to_record(row: RelationshipRow) -> StoreResult<RelationshipRecord> {
    Ok(RelationshipRecord {
        relationship: Relationship {
            id: uuid(&row.id)?,
            organisation_id: uuid(&row.organisation_id)?,
            is_primary: row.is_primary,
            started_on: row.started_on,
            ended_on: row.ended_on,
            created_by: uuid(&row.created_by)?,
        },
        client_id: uuid(&row.client_id)?,
        created_at: utc(row.created_at),
    })
}

/// Every relationship of the client, ended ones too, oldest first.
pub fn for_client(
    conn: &mut DbConnection,
    client_id: Uuid,
) -> StoreResult<Vec<RelationshipRecord>> {
    rel::table
        .filter(rel::client_id.eq(client_id.to_string()))
        .order(rel::id)
        .select(RelationshipRow::as_select())
        .load(conn)?
        .into_iter()
        .map(to_record)
        .collect()
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<RelationshipRecord> {
    to_record(
        rel::table
            .find(id.to_string())
            .select(RelationshipRow::as_select())
            .first(conn)?,
    )
}

pub fn insert(
    conn: &mut DbConnection,
    client_id: Uuid,
    relationship: &Relationship,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::insert_into(rel::table)
        .values(RelationshipRow {
            id: relationship.id.to_string(),
            client_id: client_id.to_string(),
            organisation_id: relationship.organisation_id.to_string(),
            is_primary: relationship.is_primary,
            started_on: relationship.started_on,
            ended_on: relationship.ended_on,
            created_by: relationship.created_by.to_string(),
            created_at: naive(now),
        })
        .execute(conn)?;
    Ok(())
}

pub fn set_primary(conn: &mut DbConnection, id: Uuid, is_primary: bool) -> StoreResult<()> {
    diesel::update(rel::table.find(id.to_string()))
        .set(rel::is_primary.eq(is_primary))
        .execute(conn)?;
    Ok(())
}

pub fn end(conn: &mut DbConnection, id: Uuid, ended_on: NaiveDate) -> StoreResult<()> {
    diesel::update(rel::table.find(id.to_string()))
        .set(rel::ended_on.eq(Some(ended_on)))
        .execute(conn)?;
    Ok(())
}

//! Support plan versions as stored.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use kyky_domain::plan::{PlanContent, PlanStatus};
use uuid::Uuid;

use crate::convert::{code, from_json, naive, to_json, utc};
use crate::db::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::schema::plans;
use crate::sql_types::{DbId, DbTime, among, written};

/// One version of a client's plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRecord {
    pub id: Uuid,
    pub client_id: Uuid,
    /// 1, 2, 3 … per client.
    pub number: i32,
    pub status: PlanStatus,
    pub content: PlanContent,
    pub warnings_acknowledged: bool,
    /// The version this draft was copied from.
    pub based_on: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_by: Uuid,
    pub updated_at: DateTime<Utc>,
    pub published_by: Option<Uuid>,
    pub published_at: Option<DateTime<Utc>>,
    pub superseded_at: Option<DateTime<Utc>>,
    pub superseded_by: Option<Uuid>,
    /// The row version behind the ETag.
    pub revision: i64,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = plans)]
struct Row {
    id: DbId,
    client_id: DbId,
    number: i32,
    status: String,
    content: String,
    follow_up_on: Option<NaiveDate>,
    warnings_acknowledged: bool,
    based_on: Option<DbId>,
    created_by: DbId,
    created_at: DbTime,
    updated_by: DbId,
    updated_at: DbTime,
    published_by: Option<DbId>,
    published_at: Option<DbTime>,
    superseded_at: Option<DbTime>,
    superseded_by: Option<DbId>,
    revision: i64,
}

fn to_record(row: Row) -> StoreResult<PlanRecord> {
    Ok(PlanRecord {
        id: row.id.0,
        client_id: row.client_id.0,
        number: row.number,
        status: code(&row.status)?,
        content: from_json(&row.content)?,
        warnings_acknowledged: row.warnings_acknowledged,
        based_on: row.based_on.map(Uuid::from),
        created_by: row.created_by.0,
        created_at: utc(row.created_at),
        updated_by: row.updated_by.0,
        updated_at: utc(row.updated_at),
        published_by: row.published_by.map(Uuid::from),
        published_at: row.published_at.map(utc),
        superseded_at: row.superseded_at.map(utc),
        superseded_by: row.superseded_by.map(Uuid::from),
        revision: row.revision,
    })
}

/// Starts a draft: the client's next version number.
pub fn insert_draft(
    conn: &mut DbConnection,
    client_id: Uuid,
    content: &PlanContent,
    based_on: Option<Uuid>,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let last: Option<i32> = plans::table
        .filter(plans::client_id.eq(DbId(client_id)))
        .select(diesel::dsl::max(plans::number))
        .first(conn)?;
    let id = Uuid::now_v7();
    diesel::insert_into(plans::table)
        .values(Row {
            id: DbId(id),
            client_id: DbId(client_id),
            number: last.unwrap_or(0) + 1,
            status: PlanStatus::Draft.to_string(),
            content: to_json(content)?,
            follow_up_on: content.follow_up_on,
            warnings_acknowledged: false,
            based_on: based_on.map(DbId),
            created_by: DbId(by),
            created_at: naive(now),
            updated_by: DbId(by),
            updated_at: naive(now),
            published_by: None,
            published_at: None,
            superseded_at: None,
            superseded_by: None,
            revision: 1,
        })
        .execute(conn)?;
    Ok(id)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<PlanRecord> {
    to_record(
        plans::table
            .find(DbId(id))
            .select(Row::as_select())
            .first(conn)?,
    )
}

/// The client's versions, newest first.
pub fn for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<PlanRecord>> {
    plans::table
        .filter(plans::client_id.eq(DbId(client_id)))
        .order(plans::number.desc())
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(to_record)
        .collect()
}

fn in_status(
    conn: &mut DbConnection,
    client_id: Uuid,
    status: PlanStatus,
) -> StoreResult<Option<PlanRecord>> {
    plans::table
        .filter(plans::client_id.eq(DbId(client_id)))
        .filter(plans::status.eq(written(status)))
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .map(to_record)
        .transpose()
}

/// The version in force.
pub fn current(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Option<PlanRecord>> {
    in_status(conn, client_id, PlanStatus::Published)
}

/// The client's open draft.
pub fn draft(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Option<PlanRecord>> {
    in_status(conn, client_id, PlanStatus::Draft)
}

/// The versions in force for these clients, by client.
pub fn current_for_clients(
    conn: &mut DbConnection,
    client_ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, PlanRecord>> {
    let rows: Vec<Row> = plans::table
        .filter(among(plans::client_id, client_ids.iter().copied()))
        .filter(plans::status.eq(written(PlanStatus::Published)))
        .select(Row::as_select())
        .load(conn)?;
    let mut found = HashMap::new();
    for row in rows {
        let record = to_record(row)?;
        found.insert(record.client_id, record);
    }
    Ok(found)
}

/// Replaces a draft's content if it is still at `revision`.
pub fn update_draft(
    conn: &mut DbConnection,
    id: Uuid,
    revision: i64,
    content: &PlanContent,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let changed = diesel::update(
        plans::table
            .find(DbId(id))
            .filter(plans::revision.eq(revision))
            .filter(plans::status.eq(written(PlanStatus::Draft))),
    )
    .set((
        plans::content.eq(to_json(content)?),
        plans::follow_up_on.eq(content.follow_up_on),
        plans::updated_by.eq(DbId(by)),
        plans::updated_at.eq(naive(now)),
        plans::revision.eq(revision + 1),
    ))
    .execute(conn)?;
    if changed == 0 {
        return Err(StoreError::VersionMismatch);
    }
    Ok(())
}

/// Marks the version in force as superseded by `by_plan`.
pub fn supersede(
    conn: &mut DbConnection,
    id: Uuid,
    by_plan: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(plans::table.find(DbId(id)))
        .set((
            plans::status.eq(PlanStatus::Superseded.to_string()),
            plans::superseded_at.eq(naive(now)),
            plans::superseded_by.eq(DbId(by_plan)),
            plans::revision.eq(plans::revision + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Makes a draft the version in force.
pub fn publish(
    conn: &mut DbConnection,
    id: Uuid,
    warnings_acknowledged: bool,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(
        plans::table
            .find(DbId(id))
            .filter(plans::status.eq(written(PlanStatus::Draft))),
    )
    .set((
        plans::status.eq(PlanStatus::Published.to_string()),
        plans::warnings_acknowledged.eq(warnings_acknowledged),
        plans::published_by.eq(DbId(by)),
        plans::published_at.eq(naive(now)),
        plans::revision.eq(plans::revision + 1),
    ))
    .execute(conn)?;
    Ok(())
}

/// Discards a draft; published versions are never deleted.
pub fn delete_draft(conn: &mut DbConnection, id: Uuid) -> StoreResult<()> {
    diesel::delete(
        plans::table
            .find(DbId(id))
            .filter(plans::status.eq(written(PlanStatus::Draft))),
    )
    .execute(conn)?;
    Ok(())
}

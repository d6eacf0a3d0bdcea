//! Requests for responsibility.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::request::{RequestStatus, ResponsibilityRequest};
use uuid::Uuid;

use crate::convert::{code, naive, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::responsibility_requests as requests;
use crate::sql_types::{DbId, DbTime, written};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    pub request: ResponsibilityRequest,
    pub client_id: Uuid,
    pub reason: String,
    pub requested_at: DateTime<Utc>,
    pub answered_by: Option<Uuid>,
    pub answered_at: Option<DateTime<Utc>>,
    pub refusal_reason: Option<String>,
    pub handover_id: Option<Uuid>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
struct RequestRow {
    id: DbId,
    client_id: DbId,
    requested_by: DbId,
    reason: String,
    status: String,
    requested_at: DbTime,
    answered_by: Option<DbId>,
    answered_at: Option<DbTime>,
    refusal_reason: Option<String>,
    handover_id: Option<DbId>,
}

fn to_record(row: RequestRow) -> StoreResult<RequestRecord> {
    Ok(RequestRecord {
        request: ResponsibilityRequest {
            id: row.id.0,
            status: code(&row.status)?,
            requested_by: row.requested_by.0,
        },
        client_id: row.client_id.0,
        reason: row.reason,
        requested_at: utc(row.requested_at),
        answered_by: row.answered_by.map(Uuid::from),
        answered_at: row.answered_at.map(utc),
        refusal_reason: row.refusal_reason,
        handover_id: row.handover_id.map(Uuid::from),
    })
}

pub fn insert(
    conn: &mut DbConnection,
    client_id: Uuid,
    requested_by: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(requests::table)
        .values(RequestRow {
            id: DbId(id),
            client_id: DbId(client_id),
            requested_by: DbId(requested_by),
            reason: reason.to_owned(),
            status: RequestStatus::Pending.to_string(),
            requested_at: naive(now),
            answered_by: None,
            answered_at: None,
            refusal_reason: None,
            handover_id: None,
        })
        .execute(conn)?;
    Ok(id)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<RequestRecord> {
    to_record(
        requests::table
            .find(DbId(id))
            .select(RequestRow::as_select())
            .first(conn)?,
    )
}

pub fn pending_exists(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<bool> {
    let count: i64 = requests::table
        .filter(requests::client_id.eq(DbId(client_id)))
        .filter(requests::status.eq(written(RequestStatus::Pending)))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

pub fn for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<RequestRecord>> {
    requests::table
        .filter(requests::client_id.eq(DbId(client_id)))
        .order(requests::id)
        .select(RequestRow::as_select())
        .load(conn)?
        .into_iter()
        .map(to_record)
        .collect()
}

/// Answers a pending request. `false` when it was no longer pending (a
/// concurrent answer won; roll back).
pub fn answer(
    conn: &mut DbConnection,
    id: Uuid,
    status: RequestStatus,
    by: Uuid,
    refusal_reason: Option<&str>,
    handover_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let changed = diesel::update(
        requests::table
            .filter(requests::id.eq(DbId(id)))
            .filter(requests::status.eq(written(RequestStatus::Pending))),
    )
    .set((
        requests::status.eq(status.to_string()),
        requests::answered_by.eq(Some(DbId(by))),
        requests::answered_at.eq(Some(naive(now))),
        requests::refusal_reason.eq(refusal_reason),
        requests::handover_id.eq(handover_id.map(DbId)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

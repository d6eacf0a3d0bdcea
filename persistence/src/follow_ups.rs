//! Follow-ups (seuranta) as stored. Overdue is never stored: it is computed
//! from the due date and the clock when read.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use kyky_domain::plan::{FollowUpSource, FollowUpStatus};
use uuid::Uuid;

use crate::convert::{code, naive, utc, uuid};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::follow_ups;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpRecord {
    pub id: Uuid,
    pub client_id: Uuid,
    /// The plan version that set it; none for one added by hand.
    pub plan_id: Option<Uuid>,
    pub source: FollowUpSource,
    pub responsibility_id: Option<Uuid>,
    pub owner_id: Uuid,
    pub description: String,
    pub due_on: NaiveDate,
    pub status: FollowUpStatus,
    pub note: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub closed_by: Option<Uuid>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A follow-up to store.
#[derive(Debug, Clone)]
pub struct NewFollowUp {
    pub client_id: Uuid,
    pub plan_id: Option<Uuid>,
    pub source: FollowUpSource,
    pub responsibility_id: Option<Uuid>,
    pub owner_id: Uuid,
    pub description: String,
    pub due_on: NaiveDate,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = follow_ups)]
struct Row {
    id: String,
    client_id: String,
    plan_id: Option<String>,
    source: String,
    responsibility_id: Option<String>,
    owner_id: String,
    description: String,
    due_on: NaiveDate,
    status: String,
    note: Option<String>,
    created_by: String,
    created_at: NaiveDateTime,
    closed_by: Option<String>,
    closed_at: Option<NaiveDateTime>,
}

fn to_record(row: Row) -> StoreResult<FollowUpRecord> {
    Ok(FollowUpRecord {
        id: uuid(&row.id)?,
        client_id: uuid(&row.client_id)?,
        plan_id: row.plan_id.as_deref().map(uuid).transpose()?,
        source: code(&row.source)?,
        responsibility_id: row.responsibility_id.as_deref().map(uuid).transpose()?,
        owner_id: uuid(&row.owner_id)?,
        description: row.description,
        due_on: row.due_on,
        status: code(&row.status)?,
        note: row.note,
        created_by: uuid(&row.created_by)?,
        created_at: utc(row.created_at),
        closed_by: row.closed_by.as_deref().map(uuid).transpose()?,
        closed_at: row.closed_at.map(utc),
    })
}

pub fn insert(
    conn: &mut DbConnection,
    new: &NewFollowUp,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(follow_ups::table)
        .values(Row {
            id: id.to_string(),
            client_id: new.client_id.to_string(),
            plan_id: new.plan_id.map(|id| id.to_string()),
            source: new.source.to_string(),
            responsibility_id: new.responsibility_id.map(|id| id.to_string()),
            owner_id: new.owner_id.to_string(),
            description: new.description.clone(),
            due_on: new.due_on,
            status: FollowUpStatus::Open.to_string(),
            note: None,
            created_by: by.to_string(),
            created_at: naive(now),
            closed_by: None,
            closed_at: None,
        })
        .execute(conn)?;
    Ok(id)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<FollowUpRecord> {
    to_record(
        follow_ups::table
            .find(id.to_string())
            .select(Row::as_select())
            .first(conn)?,
    )
}

/// The client's follow-ups, soonest first, optionally only in one status.
pub fn for_client(
    conn: &mut DbConnection,
    client_id: Uuid,
    status: Option<FollowUpStatus>,
) -> StoreResult<Vec<FollowUpRecord>> {
    let mut query = follow_ups::table
        .filter(follow_ups::client_id.eq(client_id.to_string()))
        .order((follow_ups::due_on, follow_ups::id))
        .select(Row::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(follow_ups::status.eq(status.to_string()));
    }
    query.load(conn)?.into_iter().map(to_record).collect()
}

/// Closes an open follow-up as done or cancelled; false if it was not open.
pub fn close(
    conn: &mut DbConnection,
    id: Uuid,
    to: FollowUpStatus,
    note: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let changed = diesel::update(
        follow_ups::table
            .find(id.to_string())
            .filter(follow_ups::status.eq(FollowUpStatus::Open.to_string())),
    )
    .set((
        follow_ups::status.eq(to.to_string()),
        follow_ups::note.eq(note),
        follow_ups::closed_by.eq(by.to_string()),
        follow_ups::closed_at.eq(naive(now)),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Cancels the open follow-ups a plan version set, when a newer version
/// takes its place; those added by hand stay.
pub fn cancel_open_of_plan(
    conn: &mut DbConnection,
    plan_id: Uuid,
    note: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    diesel::update(
        follow_ups::table
            .filter(follow_ups::plan_id.eq(plan_id.to_string()))
            .filter(follow_ups::status.eq(FollowUpStatus::Open.to_string())),
    )
    .set((
        follow_ups::status.eq(FollowUpStatus::Cancelled.to_string()),
        follow_ups::note.eq(note),
        follow_ups::closed_by.eq(by.to_string()),
        follow_ups::closed_at.eq(naive(now)),
    ))
    .execute(conn)?;
    Ok(())
}

/// The earliest open follow-up date of each of these clients that has one.
pub fn next_open_for_clients(
    conn: &mut DbConnection,
    client_ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, NaiveDate>> {
    let mut found = HashMap::new();
    for chunk in client_ids.chunks(500) {
        let ids: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
        let rows: Vec<(String, Option<NaiveDate>)> = follow_ups::table
            .filter(follow_ups::client_id.eq_any(ids))
            .filter(follow_ups::status.eq(FollowUpStatus::Open.to_string()))
            .group_by(follow_ups::client_id)
            .select((follow_ups::client_id, diesel::dsl::min(follow_ups::due_on)))
            .load(conn)?;
        for (client, due) in rows {
            if let Some(due) = due {
                found.insert(uuid(&client)?, due);
            }
        }
    }
    Ok(found)
}

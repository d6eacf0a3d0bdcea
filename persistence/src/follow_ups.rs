//! Follow-ups (seuranta) as stored. Overdue is never stored: it is computed
//! from the due date and the clock when read.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use kyky_domain::follow_up::{FollowUpSource, FollowUpStatus};
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::{code, naive, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::{follow_up_moves, follow_ups};
use crate::sql_types::{DbId, DbTime, PreparedOnce, among, written};

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
    id: DbId,
    client_id: DbId,
    plan_id: Option<DbId>,
    source: String,
    responsibility_id: Option<DbId>,
    owner_id: DbId,
    description: String,
    due_on: NaiveDate,
    status: String,
    note: Option<String>,
    created_by: DbId,
    created_at: DbTime,
    closed_by: Option<DbId>,
    closed_at: Option<DbTime>,
}

fn to_record(row: Row) -> StoreResult<FollowUpRecord> {
    Ok(FollowUpRecord {
        id: row.id.0,
        client_id: row.client_id.0,
        plan_id: row.plan_id.map(Uuid::from),
        source: code(&row.source)?,
        responsibility_id: row.responsibility_id.map(Uuid::from),
        owner_id: row.owner_id.0,
        description: row.description,
        due_on: row.due_on,
        status: code(&row.status)?,
        note: row.note,
        created_by: row.created_by.0,
        created_at: utc(row.created_at),
        closed_by: row.closed_by.map(Uuid::from),
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
            id: DbId(id),
            client_id: DbId(new.client_id),
            plan_id: new.plan_id.map(DbId),
            source: new.source.to_string(),
            responsibility_id: new.responsibility_id.map(DbId),
            owner_id: DbId(new.owner_id),
            description: new.description.clone(),
            due_on: new.due_on,
            status: FollowUpStatus::Open.to_string(),
            note: None,
            created_by: DbId(by),
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
            .find(DbId(id))
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
    // Not boxed: each shape on the backend's own connection finds its
    // prepared statement by type (see `on_backend!`); an acceptance asks.
    let of_client = follow_ups::client_id.eq(DbId(client_id));
    let soonest = (follow_ups::due_on, follow_ups::id);
    let rows: Vec<Row> = match status {
        Some(status) => {
            let in_status = follow_ups::status.eq(written(status));
            on_backend!(conn, |c| follow_ups::table
                .filter(of_client.and(in_status))
                .order(soonest)
                .select(Row::as_select())
                .load(c))?
        }
        None => on_backend!(conn, |c| follow_ups::table
            .filter(of_client)
            .order(soonest)
            .select(Row::as_select())
            .load(c))?,
    };
    rows.into_iter().map(to_record).collect()
}

/// What a professional's own follow-up list is narrowed by; all optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct OwnFollowUps {
    pub status: Option<FollowUpStatus>,
    /// Due strictly before this day.
    pub due_before: Option<NaiveDate>,
    /// Due strictly after this day.
    pub due_after: Option<NaiveDate>,
    /// Only overdue ones (open, due before today), or only the others.
    pub overdue: Option<bool>,
}

/// The follow-ups `owner` owns, by due date then id, `limit` of them after
/// the one at (`due_on`, `id`) `after`: one query on the owner index.
pub fn owned_by(
    conn: &mut DbConnection,
    owner: Uuid,
    filter: &OwnFollowUps,
    today: NaiveDate,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> StoreResult<Vec<FollowUpRecord>> {
    let open = FollowUpStatus::Open;
    let mut query = follow_ups::table
        .filter(follow_ups::owner_id.eq(DbId(owner)))
        .order((follow_ups::due_on, follow_ups::id))
        .limit(limit)
        .select(Row::as_select())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(follow_ups::status.eq(written(status)));
    }
    if let Some(day) = filter.due_before {
        query = query.filter(follow_ups::due_on.lt(day));
    }
    if let Some(day) = filter.due_after {
        query = query.filter(follow_ups::due_on.gt(day));
    }
    match filter.overdue {
        Some(true) => {
            query = query
                .filter(follow_ups::status.eq(written(open)))
                .filter(follow_ups::due_on.lt(today));
        }
        Some(false) => {
            query = query.filter(
                follow_ups::status
                    .ne(written(open))
                    .or(follow_ups::due_on.ge(today)),
            );
        }
        None => {}
    }
    if let Some((due_on, id)) = after {
        query = query.filter(
            follow_ups::due_on.gt(due_on).or(follow_ups::due_on
                .eq(due_on)
                .and(follow_ups::id.gt(DbId(id)))),
        );
    }
    query.load(conn)?.into_iter().map(to_record).collect()
}

/// Closes an open follow-up as completed or cancelled; false if it was not open.
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
            .find(DbId(id))
            .filter(follow_ups::status.eq(written(FollowUpStatus::Open))),
    )
    .set((
        follow_ups::status.eq(to.to_string()),
        follow_ups::note.eq(note),
        follow_ups::closed_by.eq(DbId(by)),
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
            .filter(follow_ups::plan_id.eq(DbId(plan_id)))
            .filter(follow_ups::status.eq(written(FollowUpStatus::Open))),
    )
    .set((
        follow_ups::status.eq(FollowUpStatus::Cancelled.to_string()),
        follow_ups::note.eq(note),
        follow_ups::closed_by.eq(DbId(by)),
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
    let rows: Vec<(DbId, Option<NaiveDate>)> = follow_ups::table
        .filter(among(follow_ups::client_id, client_ids.iter().copied()))
        .filter(follow_ups::status.eq(written(FollowUpStatus::Open)))
        .group_by(follow_ups::client_id)
        .select((follow_ups::client_id, diesel::dsl::min(follow_ups::due_on)))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(client, due)| due.map(|due| (client.0, due)))
        .collect())
}

/// A follow-up passing from one owner to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUpMove {
    pub follow_up_id: Uuid,
    pub from_owner_id: Uuid,
    pub to_owner_id: Uuid,
    /// The accepted handover that moved it.
    pub handover_id: Option<Uuid>,
    pub moved_by: Uuid,
    pub moved_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = follow_up_moves)]
// None is written as NULL, not DEFAULT, so that SQLite takes many in one insert.
#[diesel(treat_none_as_default_value = false)]
struct MoveRow {
    id: DbId,
    follow_up_id: DbId,
    from_owner_id: DbId,
    to_owner_id: DbId,
    handover_id: Option<DbId>,
    moved_by: DbId,
    moved_at: DbTime,
}

fn to_move(row: MoveRow) -> FollowUpMove {
    FollowUpMove {
        follow_up_id: row.follow_up_id.0,
        from_owner_id: row.from_owner_id.0,
        to_owner_id: row.to_owner_id.0,
        handover_id: row.handover_id.map(Uuid::from),
        moved_by: row.moved_by.0,
        moved_at: utc(row.moved_at),
    }
}

/// Gives these follow-ups to a new owner and records each move: two
/// statements whatever their number.
pub fn reassign(
    conn: &mut DbConnection,
    follow_up_ids: &[Uuid],
    from: Uuid,
    to: Uuid,
    handover_id: Option<Uuid>,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if follow_up_ids.is_empty() {
        return Ok(());
    }
    let reassign = diesel::update(
        follow_ups::table.filter(among(follow_ups::id, follow_up_ids.iter().copied())),
    )
    .set(follow_ups::owner_id.eq(DbId(to)));
    on_backend!(conn, |c| PreparedOnce(reassign).execute(c))?;
    let moves: Vec<MoveRow> = follow_up_ids
        .iter()
        .map(|&follow_up_id| MoveRow {
            id: DbId(Uuid::now_v7()),
            follow_up_id: DbId(follow_up_id),
            from_owner_id: DbId(from),
            to_owner_id: DbId(to),
            handover_id: handover_id.map(DbId),
            moved_by: DbId(by),
            moved_at: naive(now),
        })
        .collect();
    crate::connection::insert_all!(conn, follow_up_moves::table, &moves)
}

/// The moves of these follow-ups, oldest first, by follow-up: one query.
pub fn moves_of(
    conn: &mut DbConnection,
    follow_up_ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, Vec<FollowUpMove>>> {
    let mut found: HashMap<Uuid, Vec<FollowUpMove>> = HashMap::new();
    let rows: Vec<MoveRow> = follow_up_moves::table
        .filter(among(
            follow_up_moves::follow_up_id,
            follow_up_ids.iter().copied(),
        ))
        .order((follow_up_moves::follow_up_id, follow_up_moves::id))
        .select(MoveRow::as_select())
        .load(conn)?;
    for row in rows {
        let moved = to_move(row);
        found.entry(moved.follow_up_id).or_default().push(moved);
    }
    Ok(found)
}

/// The open follow-ups of these clients, soonest first: one query.
pub fn open_for_clients(
    conn: &mut DbConnection,
    client_ids: &[Uuid],
) -> StoreResult<Vec<FollowUpRecord>> {
    follow_ups::table
        .filter(among(follow_ups::client_id, client_ids.iter().copied()))
        .filter(follow_ups::status.eq(written(FollowUpStatus::Open)))
        .order((follow_ups::due_on, follow_ups::id))
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(to_record)
        .collect()
}

/// The follow-ups each of these accepted handovers moved, soonest first,
/// with the handover that moved it: one query.
pub fn moved_by_handovers(
    conn: &mut DbConnection,
    handover_ids: &[Uuid],
) -> StoreResult<Vec<(Uuid, FollowUpRecord)>> {
    follow_up_moves::table
        .inner_join(follow_ups::table.on(follow_ups::id.eq(follow_up_moves::follow_up_id)))
        .filter(among(
            follow_up_moves::handover_id,
            handover_ids.iter().copied(),
        ))
        .order((follow_ups::due_on, follow_ups::id))
        .select((follow_up_moves::handover_id, Row::as_select()))
        .load::<(Option<DbId>, Row)>(conn)?
        .into_iter()
        .filter_map(|(handover, row)| handover.map(|h| (h, row)))
        .map(|(handover, row)| Ok((handover.0, to_record(row)?)))
        .collect()
}

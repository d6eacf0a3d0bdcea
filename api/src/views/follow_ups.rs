//! What the API answers about follow-ups and their moves.

use chrono::{DateTime, NaiveDate, Utc};
use kyky_domain::follow_up;
use kyky_domain::follow_up::{FollowUpSource, FollowUpStatus};
use kyky_persistence::follow_ups::{FollowUpMove, FollowUpRecord, moves_of};
use kyky_persistence::{DbConnection, StoreResult};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::cards::{Directory, ProfessionalCard};

/// A follow-up (seuranta).
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpView {
    pub id: Uuid,
    pub client_id: Uuid,
    /// The plan version that set it; absent for one added by hand.
    pub plan_id: Option<Uuid>,
    pub source: FollowUpSource,
    /// The agreed responsibility it follows.
    pub responsibility_id: Option<Uuid>,
    pub owner: ProfessionalCard,
    /// What is to be checked or done.
    pub description: String,
    /// The day it is due (ISO 8601 date); overdue after it.
    pub due_on: NaiveDate,
    pub status: FollowUpStatus,
    /// Open and past its due date, as of now.
    pub overdue: bool,
    /// What was found or done, written on completing or cancelling; null while open.
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<Uuid>,
    /// Who had it before: each move to a new owner, oldest first (an
    /// accepted handover moves the previous responsible worker's ones).
    pub moves: Vec<FollowUpMoveView>,
}

/// A follow-up passing to a new owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpMoveView {
    /// The owner before.
    pub from_owner_id: Uuid,
    /// The owner after.
    pub to_owner_id: Uuid,
    /// The accepted handover that moved it.
    pub handover_id: Option<Uuid>,
    pub moved_by: Uuid,
    pub moved_at: DateTime<Utc>,
}

pub fn move_view(moved: FollowUpMove) -> FollowUpMoveView {
    FollowUpMoveView {
        from_owner_id: moved.from_owner_id,
        to_owner_id: moved.to_owner_id,
        handover_id: moved.handover_id,
        moved_by: moved.moved_by,
        moved_at: moved.moved_at,
    }
}

/// Views of these follow-ups: their moves in one query, the owners' cards
/// in one more.
pub fn follow_up_views(
    conn: &mut DbConnection,
    records: Vec<FollowUpRecord>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<FollowUpView>> {
    let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
    let mut moves = moves_of(conn, &ids)?;
    let owners = records.iter().map(|r| r.owner_id).collect();
    let directory = Directory::load(conn, Vec::new(), owners, Vec::new(), Vec::new())?;
    records
        .into_iter()
        .map(|record| {
            let owner = directory.professional(record.owner_id)?;
            let history = moves.remove(&record.id).unwrap_or_default();
            Ok(follow_up_view(record, owner, history, now))
        })
        .collect()
}

pub fn one_follow_up_view(
    conn: &mut DbConnection,
    record: FollowUpRecord,
    now: DateTime<Utc>,
) -> StoreResult<FollowUpView> {
    let mut views = follow_up_views(conn, vec![record], now)?;
    Ok(views.remove(0))
}

pub fn follow_up_view(
    record: FollowUpRecord,
    owner: ProfessionalCard,
    moves: Vec<FollowUpMove>,
    now: DateTime<Utc>,
) -> FollowUpView {
    FollowUpView {
        moves: moves.into_iter().map(move_view).collect(),
        overdue: follow_up::is_overdue(record.status, record.due_on, now),
        owner,
        id: record.id,
        client_id: record.client_id,
        plan_id: record.plan_id,
        source: record.source,
        responsibility_id: record.responsibility_id,
        description: record.description,
        due_on: record.due_on,
        status: record.status,
        note: record.note,
        created_at: record.created_at,
        created_by: record.created_by,
        closed_at: record.closed_at,
        closed_by: record.closed_by,
    }
}

/// The client's follow-ups.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpList {
    /// Soonest first.
    pub items: Vec<FollowUpView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

//! Assessments and their feedback, as stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::assessment::{Assessment, AssessmentStatus, Feedback};
use uuid::Uuid;

use crate::convert::{code, naive, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::assessments;
use crate::sql_types::{DbId, DbTime, among};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssessmentRecord {
    pub assessment: Assessment,
    pub client_id: Uuid,
    pub referral_id: Option<Uuid>,
    pub opened_at: DateTime<Utc>,
    pub opened_by: Uuid,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub feedback: Option<Feedback>,
    pub cancel_reason: Option<String>,
    /// The escorted handover proposed on completion, carrying the feedback.
    pub feedback_handover_id: Option<Uuid>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = assessments)]
struct Row {
    id: DbId,
    client_id: DbId,
    team_id: DbId,
    referral_id: Option<DbId>,
    status: String,
    opened_at: DbTime,
    opened_by: DbId,
    started_at: Option<DbTime>,
    completed_at: Option<DbTime>,
    cancelled_at: Option<DbTime>,
    decided_by: Option<DbId>,
    health_factors: Option<String>,
    recommended_path: Option<String>,
    physician_statement: Option<bool>,
    summary: Option<String>,
    cancel_reason: Option<String>,
    feedback_handover_id: Option<DbId>,
}

fn to_record(row: Row) -> StoreResult<AssessmentRecord> {
    let feedback = match (row.health_factors, row.recommended_path, row.summary) {
        (Some(health_factors), Some(path), Some(summary)) => Some(Feedback {
            health_factors,
            recommended_path: code(&path)?,
            physician_statement: row.physician_statement.unwrap_or(false),
            summary,
        }),
        _ => None,
    };
    Ok(AssessmentRecord {
        assessment: Assessment {
            id: row.id.0,
            status: code(&row.status)?,
            team_id: row.team_id.0,
        },
        client_id: row.client_id.0,
        referral_id: row.referral_id.map(Uuid::from),
        opened_at: utc(row.opened_at),
        opened_by: row.opened_by.0,
        started_at: row.started_at.map(utc),
        completed_at: row.completed_at.map(utc),
        cancelled_at: row.cancelled_at.map(utc),
        decided_by: row.decided_by.map(Uuid::from),
        feedback,
        cancel_reason: row.cancel_reason,
        feedback_handover_id: row.feedback_handover_id.map(Uuid::from),
    })
}

pub fn open(
    conn: &mut DbConnection,
    client_id: Uuid,
    team_id: Uuid,
    referral_id: Option<Uuid>,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(assessments::table)
        .values(Row {
            id: DbId(id),
            client_id: DbId(client_id),
            team_id: DbId(team_id),
            referral_id: referral_id.map(DbId),
            status: AssessmentStatus::Open.to_string(),
            opened_at: naive(now),
            opened_by: DbId(by),
            started_at: None,
            completed_at: None,
            cancelled_at: None,
            decided_by: None,
            health_factors: None,
            recommended_path: None,
            physician_statement: None,
            summary: None,
            cancel_reason: None,
            feedback_handover_id: None,
        })
        .execute(conn)?;
    Ok(id)
}

/// Every one of the client's, oldest first (for the client's export).
pub fn for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<AssessmentRecord>> {
    assessments::table
        .filter(assessments::client_id.eq(DbId(client_id)))
        .order(assessments::id)
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(to_record)
        .collect()
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<AssessmentRecord> {
    to_record(
        assessments::table
            .find(DbId(id))
            .select(Row::as_select())
            .first(conn)?,
    )
}

pub fn for_referral(conn: &mut DbConnection, referral_id: Uuid) -> StoreResult<Option<Uuid>> {
    Ok(assessments::table
        .filter(assessments::referral_id.eq(DbId(referral_id)))
        .select(assessments::id)
        .first::<DbId>(conn)
        .optional()?
        .map(Uuid::from))
}

/// The assessment opened from each of these referrals, if any: one query.
pub fn for_referrals(
    conn: &mut DbConnection,
    referral_ids: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, Uuid>> {
    if referral_ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    Ok(assessments::table
        .filter(among(
            assessments::referral_id,
            referral_ids.iter().copied(),
        ))
        .select((assessments::referral_id, assessments::id))
        .load::<(Option<DbId>, DbId)>(conn)?
        .into_iter()
        .filter_map(|(referral, id)| Some((referral?.0, id.0)))
        .collect())
}

/// Starts an open assessment; `false` if it was no longer open.
pub fn start(conn: &mut DbConnection, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
    let changed = diesel::update(
        assessments::table
            .filter(assessments::id.eq(DbId(id)))
            .filter(assessments::status.eq(AssessmentStatus::Open.to_string())),
    )
    .set((
        assessments::status.eq(AssessmentStatus::InProgress.to_string()),
        assessments::started_at.eq(Some(naive(now))),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Completes an assessment in progress with its feedback; `false` if it was not in progress.
pub fn complete(
    conn: &mut DbConnection,
    id: Uuid,
    feedback: &Feedback,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let changed = diesel::update(
        assessments::table
            .filter(assessments::id.eq(DbId(id)))
            .filter(assessments::status.eq(AssessmentStatus::InProgress.to_string())),
    )
    .set((
        assessments::status.eq(AssessmentStatus::Completed.to_string()),
        assessments::completed_at.eq(Some(naive(now))),
        assessments::decided_by.eq(Some(DbId(by))),
        assessments::health_factors.eq(Some(feedback.health_factors.clone())),
        assessments::recommended_path.eq(Some(feedback.recommended_path.to_string())),
        assessments::physician_statement.eq(Some(feedback.physician_statement)),
        assessments::summary.eq(Some(feedback.summary.clone())),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

pub fn link_handover(conn: &mut DbConnection, id: Uuid, handover_id: Uuid) -> StoreResult<()> {
    diesel::update(assessments::table.find(DbId(id)))
        .set(assessments::feedback_handover_id.eq(Some(DbId(handover_id))))
        .execute(conn)?;
    Ok(())
}

/// Cancels an open or running assessment; `false` if it had already ended.
pub fn cancel(
    conn: &mut DbConnection,
    id: Uuid,
    reason: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let unfinished = [
        AssessmentStatus::Open.to_string(),
        AssessmentStatus::InProgress.to_string(),
    ];
    let changed = diesel::update(
        assessments::table
            .filter(assessments::id.eq(DbId(id)))
            .filter(assessments::status.eq_any(unfinished)),
    )
    .set((
        assessments::status.eq(AssessmentStatus::Cancelled.to_string()),
        assessments::cancelled_at.eq(Some(naive(now))),
        assessments::decided_by.eq(Some(DbId(by))),
        assessments::cancel_reason.eq(Some(reason.trim().to_owned())),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

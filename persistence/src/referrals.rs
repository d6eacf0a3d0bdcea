//! Referrals (lähete) as stored.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::referral::{Referral, ReferralStatus, Urgency};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::convert::{code, from_json, naive, to_json, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::referrals;
use crate::sql_types::{DbId, DbTime};

/// A document in another system that the referral points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub system: String,
    pub reference: String,
    pub description: Option<String>,
}

/// What the sender writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralContent {
    pub reason: String,
    pub health_factors: Option<String>,
    pub social_factors: Option<String>,
    pub questions: Vec<String>,
    pub attachments: Vec<Attachment>,
    pub urgency: Urgency,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRecord {
    pub referral: Referral,
    pub client_id: Uuid,
    pub content: ReferralContent,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub return_reason: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = referrals)]
struct Row {
    id: DbId,
    client_id: DbId,
    team_id: DbId,
    referred_by: DbId,
    status: String,
    reason: String,
    health_factors: Option<String>,
    social_factors: Option<String>,
    questions: String,
    attachments: String,
    urgency: String,
    created_at: DbTime,
    sent_at: Option<DbTime>,
    decided_at: Option<DbTime>,
    decided_by: Option<DbId>,
    return_reason: Option<String>,
    withdrawn_at: Option<DbTime>,
}

fn to_record(row: Row) -> StoreResult<ReferralRecord> {
    Ok(ReferralRecord {
        referral: Referral {
            id: row.id.0,
            status: code(&row.status)?,
            referred_by: row.referred_by.0,
            team_id: row.team_id.0,
        },
        client_id: row.client_id.0,
        content: ReferralContent {
            reason: row.reason,
            health_factors: row.health_factors,
            social_factors: row.social_factors,
            questions: from_json(&row.questions)?,
            attachments: from_json(&row.attachments)?,
            urgency: code(&row.urgency)?,
        },
        created_at: utc(row.created_at),
        sent_at: row.sent_at.map(utc),
        decided_at: row.decided_at.map(utc),
        decided_by: row.decided_by.map(Uuid::from),
        return_reason: row.return_reason,
        withdrawn_at: row.withdrawn_at.map(utc),
    })
}

pub fn insert(
    conn: &mut DbConnection,
    client_id: Uuid,
    team_id: Uuid,
    referred_by: Uuid,
    content: &ReferralContent,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    diesel::insert_into(referrals::table)
        .values(Row {
            id: DbId(id),
            client_id: DbId(client_id),
            team_id: DbId(team_id),
            referred_by: DbId(referred_by),
            status: ReferralStatus::Draft.to_string(),
            reason: content.reason.clone(),
            health_factors: content.health_factors.clone(),
            social_factors: content.social_factors.clone(),
            questions: to_json(&content.questions)?,
            attachments: to_json(&content.attachments)?,
            urgency: content.urgency.to_string(),
            created_at: naive(now),
            sent_at: None,
            decided_at: None,
            decided_by: None,
            return_reason: None,
            withdrawn_at: None,
        })
        .execute(conn)?;
    Ok(id)
}

/// Every one of the client's, oldest first (for the client's export).
pub fn for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<ReferralRecord>> {
    referrals::table
        .filter(referrals::client_id.eq(DbId(client_id)))
        .order(referrals::id)
        .select(Row::as_select())
        .load(conn)?
        .into_iter()
        .map(to_record)
        .collect()
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<ReferralRecord> {
    to_record(
        referrals::table
            .find(DbId(id))
            .select(Row::as_select())
            .first(conn)?,
    )
}

/// Moves the referral from `from` to `to`, recording when and by whom.
/// `false` when it was no longer in `from` (a concurrent step won).
pub fn transition(
    conn: &mut DbConnection,
    id: Uuid,
    from: ReferralStatus,
    to: ReferralStatus,
    by: Uuid,
    return_reason: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let target = referrals::table
        .filter(referrals::id.eq(DbId(id)))
        .filter(referrals::status.eq(from.to_string()));
    let at = Some(naive(now));
    let changed = match to {
        ReferralStatus::Sent => diesel::update(target)
            .set((
                referrals::status.eq(to.to_string()),
                referrals::sent_at.eq(at),
            ))
            .execute(conn)?,
        ReferralStatus::Withdrawn => diesel::update(target)
            .set((
                referrals::status.eq(to.to_string()),
                referrals::withdrawn_at.eq(at),
            ))
            .execute(conn)?,
        _ => diesel::update(target)
            .set((
                referrals::status.eq(to.to_string()),
                referrals::decided_at.eq(at),
                referrals::decided_by.eq(Some(DbId(by))),
                referrals::return_reason.eq(return_reason),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// The team's inbox: referrals sent to it (never drafts), oldest first.
pub fn for_team(
    conn: &mut DbConnection,
    team_id: Uuid,
    status: Option<ReferralStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<ReferralRecord>> {
    let mut query = referrals::table
        .filter(referrals::team_id.eq(DbId(team_id)))
        .filter(referrals::status.ne(ReferralStatus::Draft.to_string()))
        .order(referrals::id)
        .limit(limit)
        .select(Row::as_select())
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(referrals::status.eq(status.to_string()));
    }
    if let Some(after) = after {
        query = query.filter(referrals::id.gt(DbId(after)));
    }
    query.load(conn)?.into_iter().map(to_record).collect()
}

//! A webhook subscription's deliveries and every attempt: rows in, domain
//! types out. Claiming due deliveries is one statement that several
//! processes on one PostgreSQL may run at once: each row goes to one.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::CodeSet;
use kyky_domain::event::EventType;
use kyky_domain::webhook::DeliveryStatus;
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::{code, naive, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::events::{self, StoredEvent};
use crate::schema::{domain_events, webhook_attempts, webhook_deliveries, webhook_subscriptions};
use crate::sql_types::{DbId, DbTime, among};

/// Deliveries of these events to the subscription, due at `now`.
pub fn insert_deliveries(
    conn: &mut DbConnection,
    subscription_id: Uuid,
    event_ids: &[Uuid],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    if event_ids.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = event_ids
        .iter()
        .map(|event_id| {
            (
                webhook_deliveries::id.eq(DbId(Uuid::now_v7())),
                webhook_deliveries::subscription_id.eq(DbId(subscription_id)),
                webhook_deliveries::event_id.eq(DbId(*event_id)),
                webhook_deliveries::status.eq(DeliveryStatus::Pending.code()),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::failures_in_row.eq(0),
                webhook_deliveries::next_attempt_at.eq(Some(naive(now))),
                webhook_deliveries::created_at.eq(naive(now)),
            )
        })
        .collect();
    crate::connection::insert_all!(conn, webhook_deliveries::table, rows)
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = crate::sql_types::Id)]
    id: DbId,
}

/// Claims up to `limit` due deliveries of active subscriptions until
/// `until`, in one statement: a row another process claims at the same
/// moment (`SKIP LOCKED`) or holds unexpired is not taken.
pub fn claim_due(
    conn: &mut DbConnection,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<Uuid>> {
    use crate::sql_types::Time;
    use diesel::sql_types::BigInt;
    const DUE: &str = "SELECT d.id FROM webhook_deliveries d \
        JOIN webhook_subscriptions s ON s.id = d.subscription_id \
        WHERE d.status = 'pending' AND d.next_attempt_at <= {now} \
        AND (d.claimed_until IS NULL OR d.claimed_until < {now}) AND s.status = 'active' \
        ORDER BY d.next_attempt_at LIMIT {limit}";
    let claimed: Vec<ClaimedId> = match conn {
        DbConnection::Postgresql(pg) => {
            let due = DUE.replace("{now}", "$2").replace("{limit}", "$3");
            diesel::sql_query(format!(
                "UPDATE webhook_deliveries SET claimed_until = $1 WHERE id IN ({due} FOR UPDATE OF d SKIP LOCKED) RETURNING id"
            ))
            .bind::<Time, _>(naive(until))
            .bind::<Time, _>(naive(now))
            .bind::<BigInt, _>(limit)
            .load(pg)?
        }
        DbConnection::Sqlite(lite) => {
            let due = DUE.replace("{now}", "?2").replace("{limit}", "?3");
            diesel::sql_query(format!(
                "UPDATE webhook_deliveries SET claimed_until = ?1 WHERE id IN ({due}) RETURNING id"
            ))
            .bind::<Time, _>(naive(until))
            .bind::<Time, _>(naive(now))
            .bind::<BigInt, _>(limit)
            .load(lite)?
        }
    };
    Ok(claimed.iter().map(|row| row.id.0).collect())
}

/// A claimed delivery with what it takes to send it.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub url: String,
    /// The current secret first; the previous one while it still signs.
    pub secrets: Vec<String>,
    pub failures_in_row: i32,
    pub event: StoredEvent,
    /// The event's client's identifiers in the subscribing organisation's systems.
    pub external_ids: Vec<crate::external_ids::ExternalId>,
}

type DueRow = (
    (DbId, DbId, String, i32, DbId),
    (String, Option<String>, Option<DbTime>),
    crate::events::EventRow,
);

/// The claimed deliveries with their events and subscriptions: one query.
pub fn due_deliveries(
    conn: &mut DbConnection,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> StoreResult<Vec<DueDelivery>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<DueRow> = webhook_deliveries::table
        .inner_join(domain_events::table.on(domain_events::id.eq(webhook_deliveries::event_id)))
        .inner_join(
            webhook_subscriptions::table
                .on(webhook_subscriptions::id.eq(webhook_deliveries::subscription_id)),
        )
        .filter(among(webhook_deliveries::id, ids.iter().copied()))
        .order(webhook_deliveries::id)
        .select((
            (
                webhook_deliveries::id,
                webhook_deliveries::subscription_id,
                webhook_subscriptions::url,
                webhook_deliveries::failures_in_row,
                webhook_subscriptions::organisation_id,
            ),
            (
                webhook_subscriptions::secret,
                webhook_subscriptions::previous_secret,
                webhook_subscriptions::previous_secret_until,
            ),
            crate::events::EventRow::as_select(),
        ))
        .load(conn)?;
    let mut due = Vec::with_capacity(rows.len());
    let mut clients_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (
        (id, subscription, url, failures_in_row, organisation),
        (secret, previous, until),
        event,
    ) in rows
    {
        let mut secrets = vec![secret];
        if let (Some(previous), Some(until)) = (previous, until)
            && utc(until) > now
        {
            secrets.push(previous);
        }
        let event = events::to_event(event)?;
        clients_of
            .entry(organisation.0)
            .or_default()
            .extend(event.client_id);
        due.push((
            organisation.0,
            DueDelivery {
                id: id.0,
                subscription_id: subscription.0,
                url,
                secrets,
                failures_in_row,
                event,
                external_ids: Vec::new(),
            },
        ));
    }
    // One query per subscribing organisation in the batch.
    let mut known = HashMap::new();
    for (organisation, clients) in clients_of {
        let ids = crate::external_ids::for_subjects(
            conn,
            organisation,
            crate::external_ids::SubjectKind::Client,
            &clients,
        )?;
        known.insert(organisation, ids);
    }
    Ok(due
        .into_iter()
        .map(|(organisation, mut delivery)| {
            if let Some(client) = delivery.event.client_id {
                delivery.external_ids = known
                    .get(&organisation)
                    .and_then(|ids| ids.get(&client))
                    .cloned()
                    .unwrap_or_default();
            }
            delivery
        })
        .collect())
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct AttemptOutcome {
    pub at: DateTime<Utc>,
    /// The target's status code, if it answered.
    pub response_status: Option<u16>,
    /// Why it did not answer (connection refused, timed out, refused target).
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl AttemptOutcome {
    pub fn succeeded(&self) -> bool {
        self.response_status
            .is_some_and(|status| (200..300).contains(&status))
    }
}

/// Stores an attempt and where the delivery now stands: delivered, due
/// again at `next` after `failures_in_row` failed attempts, or (no `next`)
/// failed.
pub fn record_attempt(
    conn: &mut DbConnection,
    delivery_id: Uuid,
    outcome: &AttemptOutcome,
    failures_in_row: i32,
    next: Option<DateTime<Utc>>,
) -> StoreResult<DeliveryStatus> {
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::id.eq(DbId(Uuid::now_v7())),
            webhook_attempts::delivery_id.eq(DbId(delivery_id)),
            webhook_attempts::attempted_at.eq(naive(outcome.at)),
            webhook_attempts::response_status.eq(outcome.response_status.map(i32::from)),
            webhook_attempts::error.eq(outcome.error.as_deref()),
            webhook_attempts::duration_ms.eq(outcome.duration_ms),
        ))
        .execute(conn)?;
    let status = if outcome.succeeded() {
        DeliveryStatus::Succeeded
    } else if next.is_some() {
        DeliveryStatus::Pending
    } else {
        DeliveryStatus::Failed
    };
    diesel::update(webhook_deliveries::table.find(DbId(delivery_id)))
        .set((
            webhook_deliveries::status.eq(status.code()),
            webhook_deliveries::failures_in_row.eq(failures_in_row),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::next_attempt_at
                .eq(next.filter(|_| !outcome.succeeded()).map(naive)),
            webhook_deliveries::claimed_until.eq(None::<DbTime>),
        ))
        .execute(conn)?;
    Ok(status)
}

/// One delivery in the log, with its attempts.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub response_status: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

type DeliveryRow = (
    (DbId, DbId, String, String, Option<DbTime>, DbTime),
    Option<(DbTime, Option<i32>, Option<String>, i64)>,
);

/// The subscription's deliveries, newest first, after `before` (a delivery
/// id) when given, or `only` the one; each with its attempts. One query
/// (a row per attempt), so that a delivery and its attempts are read in one
/// snapshot while the dispatcher settles them.
pub fn deliveries(
    conn: &mut DbConnection,
    subscription_id: Uuid,
    before: Option<Uuid>,
    only: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<Delivery>> {
    // The page's ids lie between two bounds: `only` itself, or below
    // `before` (ids sort as their 128 bits do, as text on SQLite too).
    let (lowest, highest) = match (before, only) {
        (_, Some(only)) => (only, only),
        (Some(before), None) => (
            Uuid::nil(),
            Uuid::from_u128(before.as_u128().saturating_sub(1)),
        ),
        (None, None) => (Uuid::nil(), Uuid::max()),
    };
    let paged = diesel::alias!(webhook_deliveries as paged);
    let page = paged
        .filter(
            paged
                .field(webhook_deliveries::subscription_id)
                .eq(DbId(subscription_id)),
        )
        .filter(
            paged
                .field(webhook_deliveries::id)
                .between(DbId(lowest), DbId(highest)),
        )
        .order(paged.field(webhook_deliveries::id).desc())
        .limit(if only.is_some() { 1 } else { limit })
        .select(paged.field(webhook_deliveries::id));
    let rows: Vec<DeliveryRow> = webhook_deliveries::table
        .inner_join(domain_events::table.on(domain_events::id.eq(webhook_deliveries::event_id)))
        .left_join(
            webhook_attempts::table.on(webhook_attempts::delivery_id.eq(webhook_deliveries::id)),
        )
        .filter(webhook_deliveries::id.eq_any(page))
        .order((webhook_deliveries::id.desc(), webhook_attempts::id))
        .select((
            (
                webhook_deliveries::id,
                webhook_deliveries::event_id,
                domain_events::kind,
                webhook_deliveries::status,
                webhook_deliveries::next_attempt_at,
                webhook_deliveries::created_at,
            ),
            (
                webhook_attempts::attempted_at,
                webhook_attempts::response_status,
                webhook_attempts::error,
                webhook_attempts::duration_ms,
            )
                .nullable(),
        ))
        .load(conn)?;
    let mut found: Vec<Delivery> = Vec::new();
    for ((id, event_id, kind, status, next, created), attempt) in rows {
        let id = id.0;
        if only.is_some_and(|only| only != id) {
            continue;
        }
        if found.last().is_none_or(|last| last.id != id) {
            found.push(Delivery {
                id,
                subscription_id,
                event_id: event_id.0,
                event_type: code(&kind)?,
                status: code(&status)?,
                attempts: Vec::new(),
                next_attempt_at: next.map(utc),
                created_at: utc(created),
            });
        }
        if let (Some(delivery), Some((at, response_status, error, duration_ms))) =
            (found.last_mut(), attempt)
        {
            delivery.attempts.push(Attempt {
                at: utc(at),
                response_status,
                error,
                duration_ms,
            });
        }
    }
    Ok(found)
}

/// Makes the subscription's delivery due now with a fresh retry schedule;
/// `false` when the subscription has no such delivery.
pub fn retry(
    conn: &mut DbConnection,
    subscription_id: Uuid,
    delivery_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let changed = diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(DbId(delivery_id)))
            .filter(webhook_deliveries::subscription_id.eq(DbId(subscription_id))),
    )
    .set((
        webhook_deliveries::status.eq(DeliveryStatus::Pending.code()),
        webhook_deliveries::failures_in_row.eq(0),
        webhook_deliveries::next_attempt_at.eq(Some(naive(now))),
        webhook_deliveries::claimed_until.eq(None::<DbTime>),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Deliveries waiting to be made, for the queue-depth metric.
pub fn pending_count(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(on_backend!(conn, |c| webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.code()))
        .count()
        .get_result(c))?)
}

//! Webhook subscriptions: rows in, domain types out. Their deliveries and
//! attempts are in `webhook_deliveries`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::CodeSet;
use kyky_domain::event::EventType;
use kyky_domain::webhook::SubscriptionStatus;
use uuid::Uuid;

use crate::convert::{code, from_json, naive, to_json, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::events::{self, FeedPosition};
use crate::schema::webhook_subscriptions;
use crate::sql_types::{DbId, DbTime};

/// A subscription as its organisation manages it (never its secrets).
#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// The integration account it delivers as: what that account may read
    /// is what is delivered.
    pub account_id: Uuid,
    pub url: String,
    /// Empty: every type.
    pub event_types: Vec<EventType>,
    pub description: Option<String>,
    pub status: SubscriptionStatus,
    pub disabled_reason: Option<String>,
    /// While set and in the future, the secret before the last rotation
    /// signs too.
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub position: FeedPosition,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions)]
struct SubscriptionRow {
    id: DbId,
    organisation_id: DbId,
    account_id: DbId,
    url: String,
    event_types: String,
    description: Option<String>,
    status: String,
    disabled_reason: Option<String>,
    previous_secret_until: Option<DbTime>,
    after_tx: i64,
    after_seq: i64,
    created_by: DbId,
    created_at: DbTime,
    updated_at: DbTime,
}

fn to_subscription(row: SubscriptionRow) -> StoreResult<Subscription> {
    let types: Vec<String> = from_json(&row.event_types)?;
    Ok(Subscription {
        id: row.id.0,
        organisation_id: row.organisation_id.0,
        account_id: row.account_id.0,
        url: row.url,
        event_types: types.iter().map(|t| code(t)).collect::<StoreResult<_>>()?,
        description: row.description,
        status: code(&row.status)?,
        disabled_reason: row.disabled_reason,
        previous_secret_until: row.previous_secret_until.map(utc),
        position: FeedPosition {
            tx: row.after_tx,
            seq: row.after_seq,
        },
        created_by: row.created_by.0,
        created_at: utc(row.created_at),
        updated_at: utc(row.updated_at),
    })
}

/// A subscription to store.
#[derive(Debug)]
pub struct NewSubscription<'a> {
    pub organisation_id: Uuid,
    pub account_id: Uuid,
    pub url: &'a str,
    pub event_types: &'a [EventType],
    pub description: Option<&'a str>,
    pub secret: &'a str,
    pub created_by: Uuid,
}

/// Stores a subscription; it is given the events from now on.
pub fn insert(
    conn: &mut DbConnection,
    new: &NewSubscription<'_>,
    now: DateTime<Utc>,
) -> StoreResult<Subscription> {
    let id = Uuid::now_v7();
    let from = events::end_of_feed(conn)?;
    let types: Vec<&str> = new.event_types.iter().map(|t| t.code()).collect();
    diesel::insert_into(webhook_subscriptions::table)
        .values((
            webhook_subscriptions::id.eq(DbId(id)),
            webhook_subscriptions::organisation_id.eq(DbId(new.organisation_id)),
            webhook_subscriptions::account_id.eq(DbId(new.account_id)),
            webhook_subscriptions::url.eq(new.url),
            webhook_subscriptions::event_types.eq(to_json(&types)?),
            webhook_subscriptions::description.eq(new.description),
            webhook_subscriptions::secret.eq(new.secret),
            webhook_subscriptions::status.eq(SubscriptionStatus::Active.code()),
            webhook_subscriptions::after_tx.eq(from.tx),
            webhook_subscriptions::after_seq.eq(from.seq),
            webhook_subscriptions::created_by.eq(DbId(new.created_by)),
            webhook_subscriptions::created_at.eq(naive(now)),
            webhook_subscriptions::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    get(conn, id)
}

pub fn get(conn: &mut DbConnection, id: Uuid) -> StoreResult<Subscription> {
    to_subscription(
        webhook_subscriptions::table
            .find(DbId(id))
            .select(SubscriptionRow::as_select())
            .first(conn)?,
    )
}

/// The organisation's subscriptions (every organisation's for `None`),
/// oldest first.
pub fn list(
    conn: &mut DbConnection,
    organisation_id: Option<Uuid>,
) -> StoreResult<Vec<Subscription>> {
    let mut query = webhook_subscriptions::table
        .order(webhook_subscriptions::id)
        .select(SubscriptionRow::as_select())
        .into_boxed();
    if let Some(organisation_id) = organisation_id {
        query = query.filter(webhook_subscriptions::organisation_id.eq(DbId(organisation_id)));
    }
    query.load(conn)?.into_iter().map(to_subscription).collect()
}

/// Active subscriptions' ids, for the dispatcher.
pub fn active_ids(conn: &mut DbConnection) -> StoreResult<Vec<Uuid>> {
    Ok(webhook_subscriptions::table
        .filter(webhook_subscriptions::status.eq(SubscriptionStatus::Active.code()))
        .select(webhook_subscriptions::id)
        .load::<DbId>(conn)?
        .into_iter()
        .map(Uuid::from)
        .collect())
}

/// The subscription, locked for this transaction, unless another process
/// holds it (PostgreSQL; SQLite has one process) or it is no longer active.
pub fn lock_active(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Subscription>> {
    let active = webhook_subscriptions::table
        .find(DbId(id))
        .filter(webhook_subscriptions::status.eq(SubscriptionStatus::Active.code()));
    let row = match conn {
        DbConnection::Postgresql(pg) => active
            .select(SubscriptionRow::as_select())
            .for_update()
            .skip_locked()
            .first(pg)
            .optional()?,
        DbConnection::Sqlite(lite) => active
            .select(SubscriptionRow::as_select())
            .first(lite)
            .optional()?,
    };
    row.map(to_subscription).transpose()
}

/// How far through the feed the subscription has been given deliveries.
pub fn advance(conn: &mut DbConnection, id: Uuid, to: FeedPosition) -> StoreResult<()> {
    diesel::update(webhook_subscriptions::table.find(DbId(id)))
        .set((
            webhook_subscriptions::after_tx.eq(to.tx),
            webhook_subscriptions::after_seq.eq(to.seq),
        ))
        .execute(conn)?;
    Ok(())
}

/// Enables or disables (with the reason); `false` when there is no such subscription.
pub fn set_status(
    conn: &mut DbConnection,
    id: Uuid,
    status: SubscriptionStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let changed = diesel::update(webhook_subscriptions::table.find(DbId(id)))
        .set((
            webhook_subscriptions::status.eq(status.code()),
            webhook_subscriptions::disabled_reason.eq(reason),
            webhook_subscriptions::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

/// A new signing secret; the one before signs too until `overlap_until`.
pub fn rotate_secret(
    conn: &mut DbConnection,
    id: Uuid,
    secret: &str,
    overlap_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let old: String = webhook_subscriptions::table
        .find(DbId(id))
        .select(webhook_subscriptions::secret)
        .first(conn)?;
    diesel::update(webhook_subscriptions::table.find(DbId(id)))
        .set((
            webhook_subscriptions::previous_secret.eq(Some(old)),
            webhook_subscriptions::previous_secret_until.eq(Some(naive(overlap_until))),
            webhook_subscriptions::secret.eq(secret),
            webhook_subscriptions::updated_at.eq(naive(now)),
        ))
        .execute(conn)?;
    Ok(())
}

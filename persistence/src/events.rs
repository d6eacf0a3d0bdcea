//! Domain events, stored in the same transaction as the change they describe,
//! and read back in feed order for integrators.

use chrono::{DateTime, Utc};
use diesel::dsl::max;
use diesel::prelude::*;
use uuid::Uuid;

use kyky_domain::CodeSet;
use kyky_domain::event::EventType;

use crate::connection::{insert_all, insert_as_array};
use crate::convert::{code, from_json, naive, utc};
use crate::db::DbConnection;
use crate::error::{StoreError, StoreResult};
use crate::schema::domain_events;
use crate::sql_types::{DbId, DbTime};

#[derive(Insertable)]
#[diesel(table_name = domain_events)]
// NULL, not DEFAULT, for a missing value: then SQLite, too, takes many rows
// in one statement.
#[diesel(treat_none_as_default_value = false)]
struct NewEvent<'a> {
    id: DbId,
    occurred_at: DbTime,
    kind: &'a str,
    client_id: Option<DbId>,
    subject_id: DbId,
    actor_id: DbId,
    payload: String,
}

/// Records `kind` about `subject_id`.
pub fn record(
    conn: &mut DbConnection,
    kind: EventType,
    client_id: Uuid,
    subject_id: Uuid,
    actor_id: Uuid,
    payload: &serde_json::Value,
    at: DateTime<Utc>,
) -> StoreResult<()> {
    record_all(
        conn,
        client_id,
        actor_id,
        &[(kind, subject_id, payload)],
        at,
    )
}

/// Records several events about one client by one actor, in one statement
/// and in this order: each is `(kind, subject_id, payload)`.
pub fn record_all(
    conn: &mut DbConnection,
    client_id: Uuid,
    actor_id: Uuid,
    events: &[(EventType, Uuid, &serde_json::Value)],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let rows: Vec<NewEvent<'_>> = events
        .iter()
        .map(|(kind, subject_id, payload)| NewEvent {
            id: DbId(Uuid::now_v7()),
            occurred_at: naive(at),
            kind: kind.code(),
            client_id: Some(DbId(client_id)),
            subject_id: DbId(*subject_id),
            actor_id: DbId(actor_id),
            payload: payload.to_string(),
        })
        .collect();
    match conn {
        DbConnection::Sqlite(lite) if !rows.is_empty() => {
            // The feed's number goes in with each row: one past the largest
            // so far plus the row's place among these, instead of the
            // trigger's update of each row once inserted. SQLite reads the
            // largest before inserting any of them (a statement that reads
            // the table it inserts into inserts from a copy), and with one
            // writer at a time the numbers stay gap-free. (With no event yet
            // there is no largest: the trigger numbers such rows.)
            let last = domain_events::table
                .filter(domain_events::tx.eq(0))
                .select(max(domain_events::seq))
                .single_value();
            let numbered: Vec<_> = rows
                .into_iter()
                .zip(1_i64..)
                .map(|(row, place)| (row, domain_events::seq.eq((last + place).assume_not_null())))
                .collect();
            insert_as_array!(lite, domain_events::table, numbered, 1 2 3 4 5 6 7 8)
                .map(|_| ())
                .map_err(StoreError::from)
        }
        _ => insert_all!(conn, domain_events::table, &rows),
    }
}

/// Where an event stands in the feed: the transaction that wrote it (always
/// 0 on SQLite, whose writes commit in the order they are made), then its
/// number. Feed order is this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct FeedPosition {
    pub tx: i64,
    pub seq: i64,
}

impl FeedPosition {
    /// The feed's start: before every event.
    pub const START: Self = Self { tx: 0, seq: 0 };

    /// As 16 bytes (for a cursor).
    pub fn to_bytes(self) -> [u8; 16] {
        let mut bytes = [0; 16];
        bytes[..8].copy_from_slice(&self.tx.to_be_bytes());
        bytes[8..].copy_from_slice(&self.seq.to_be_bytes());
        bytes
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        let (tx, seq) = bytes.split_at(8);
        Self {
            tx: i64::from_be_bytes(tx.try_into().unwrap_or_default()),
            seq: i64::from_be_bytes(seq.try_into().unwrap_or_default()),
        }
    }
}

/// An event as stored.
#[derive(Debug, Clone)]
pub struct StoredEvent {
    pub position: FeedPosition,
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub kind: EventType,
    pub client_id: Option<Uuid>,
    pub subject_id: Uuid,
    pub actor_id: Uuid,
    pub payload: serde_json::Value,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = domain_events)]
pub(crate) struct EventRow {
    tx: i64,
    seq: i64,
    id: DbId,
    occurred_at: DbTime,
    kind: String,
    client_id: Option<DbId>,
    subject_id: DbId,
    actor_id: DbId,
    payload: String,
}

pub(crate) fn to_event(row: EventRow) -> StoreResult<StoredEvent> {
    Ok(StoredEvent {
        position: FeedPosition {
            tx: row.tx,
            seq: row.seq,
        },
        id: row.id.0,
        occurred_at: utc(row.occurred_at),
        kind: code(&row.kind)?,
        client_id: row.client_id.map(Uuid::from),
        subject_id: row.subject_id.0,
        actor_id: row.actor_id.0,
        payload: from_json(&row.payload)?,
    })
}

/// Up to `limit` events after `position` in feed order, of `kinds` (all
/// kinds when empty). One query.
///
/// On PostgreSQL only events of transactions that ended before every
/// transaction still running are served: one still running may hold an
/// event numbered below one already committed, and a reader that moved past
/// it would never see it. It is served once it commits, before anything
/// after it.
pub fn after(
    conn: &mut DbConnection,
    position: FeedPosition,
    kinds: &[EventType],
    limit: i64,
) -> StoreResult<Vec<StoredEvent>> {
    use domain_events::{kind, seq, tx};
    let mut query = domain_events::table
        .filter(
            tx.gt(position.tx)
                .or(tx.eq(position.tx).and(seq.gt(position.seq))),
        )
        .order((tx, seq))
        .limit(limit)
        .select(EventRow::as_select())
        .into_boxed();
    if !kinds.is_empty() {
        query = query.filter(kind.eq_any(kinds.iter().map(|k| k.code())));
    }
    if matches!(conn, DbConnection::Postgresql(_)) {
        query = query.filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint",
        ));
    }
    query.load(conn)?.into_iter().map(to_event).collect()
}

/// Where the feed ends now: a reader starting here gets what happens next.
pub fn end_of_feed(conn: &mut DbConnection) -> StoreResult<FeedPosition> {
    use domain_events::{seq, tx};
    let last: Option<(i64, i64)> = domain_events::table
        .order((tx.desc(), seq.desc()))
        .select((tx, seq))
        .first(conn)
        .optional()?;
    Ok(
        last.map_or(FeedPosition::START, |(last_tx, last_seq)| FeedPosition {
            tx: last_tx,
            seq: last_seq,
        }),
    )
}

/// Kinds of the client's events, oldest first.
pub fn kinds_for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<String>> {
    Ok(domain_events::table
        .filter(domain_events::client_id.eq(DbId(client_id)))
        .order(domain_events::id)
        .select(domain_events::kind)
        .load(conn)?)
}

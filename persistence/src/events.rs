//! Domain events, stored in the same transaction as the change they describe
//! so that a later publisher can deliver them to integrators.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::convert::naive;
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::domain_events;

#[derive(Insertable)]
#[diesel(table_name = domain_events)]
// NULL, not DEFAULT, for a missing value: then SQLite, too, takes many rows
// in one statement.
#[diesel(treat_none_as_default_value = false)]
struct NewEvent<'a> {
    id: String,
    occurred_at: chrono::NaiveDateTime,
    kind: &'a str,
    client_id: Option<String>,
    subject_id: String,
    actor_id: String,
    payload: String,
}

/// Records `kind` (e.g. `handover.accepted`) about `subject_id`.
pub fn record(
    conn: &mut DbConnection,
    kind: &str,
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
    events: &[(&str, Uuid, &serde_json::Value)],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let rows: Vec<NewEvent<'_>> = events
        .iter()
        .map(|(kind, subject_id, payload)| NewEvent {
            id: Uuid::now_v7().to_string(),
            occurred_at: naive(at),
            kind,
            client_id: Some(client_id.to_string()),
            subject_id: subject_id.to_string(),
            actor_id: actor_id.to_string(),
            payload: payload.to_string(),
        })
        .collect();
    crate::connection::insert_all!(conn, domain_events::table, &rows)
}

/// Kinds of the client's events, oldest first.
pub fn kinds_for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<String>> {
    Ok(domain_events::table
        .filter(domain_events::client_id.eq(client_id.to_string()))
        .order(domain_events::id)
        .select(domain_events::kind)
        .load(conn)?)
}

//! Idempotency keys: the first response to a caller's key, replayed for a
//! retry of the same request. A key is claimed by one statement, so two
//! requests racing with one key (in one process or several) find out.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::on_backend;
use crate::convert::{from_json, naive, to_json, utc};
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::idempotency_keys as keys;
use crate::sql_types::{DbId, DbTime};

/// How long a key's response is kept and replayed.
pub const KEPT_FOR: Duration = Duration::hours(24);
/// A request that has not finished in this long is taken to have died with
/// its process: its key may be used again.
pub const ABANDONED_AFTER: Duration = Duration::minutes(5);

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// The headers a replay repeats (`Location`, `ETag`, `Content-Type`).
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// What a request with a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's: run it, then `finish` or `release`.
    Claimed,
    /// The same request was answered: answer this again.
    Replay(StoredResponse),
    /// The key was used for a different request.
    Mismatch,
    /// The first request with the key is still running.
    InProgress,
}

#[derive(Queryable)]
struct Row {
    request_hash: String,
    state: String,
    response_status: Option<i32>,
    response_headers: Option<String>,
    response_body: Option<String>,
    created_at: DbTime,
}

/// Claims `key` for the caller's request (`hash` names what is asked),
/// unless it was used within `KEPT_FOR`.
pub fn claim(
    conn: &mut DbConnection,
    caller: Uuid,
    key: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> StoreResult<Claim> {
    let fresh = (
        keys::caller_id.eq(DbId(caller)),
        keys::idempotency_key.eq(key),
        keys::request_hash.eq(hash),
        keys::state.eq("running"),
        keys::created_at.eq(naive(now)),
    );
    let inserted = on_backend!(conn, |c| diesel::insert_into(keys::table)
        .values(fresh)
        .on_conflict_do_nothing()
        .execute(c))?;
    if inserted == 1 {
        return Ok(Claim::Claimed);
    }
    let found: Option<Row> = keys::table
        .find((DbId(caller), key))
        .select((
            keys::request_hash,
            keys::state,
            keys::response_status,
            keys::response_headers,
            keys::response_body,
            keys::created_at,
        ))
        .first(conn)
        .optional()?;
    let Some(row) = found else {
        // Released meanwhile: try once more.
        return Ok(Claim::InProgress);
    };
    let age = now - utc(row.created_at);
    let stale = age > KEPT_FOR || (row.state == "running" && age > ABANDONED_AFTER);
    if stale {
        // Taken over only if no one else took it over first.
        let taken = diesel::update(
            keys::table
                .find((DbId(caller), key))
                .filter(keys::created_at.eq(row.created_at)),
        )
        .set((
            keys::request_hash.eq(hash),
            keys::state.eq("running"),
            keys::response_status.eq(None::<i32>),
            keys::response_headers.eq(None::<String>),
            keys::response_body.eq(None::<String>),
            keys::created_at.eq(naive(now)),
        ))
        .execute(conn)?;
        return Ok(if taken == 1 {
            Claim::Claimed
        } else {
            Claim::InProgress
        });
    }
    if row.request_hash != hash {
        return Ok(Claim::Mismatch);
    }
    match (row.state.as_str(), row.response_status) {
        ("done", Some(status)) => Ok(Claim::Replay(StoredResponse {
            status: u16::try_from(status).unwrap_or(500),
            headers: row
                .response_headers
                .as_deref()
                .map(from_json)
                .transpose()?
                .unwrap_or_default(),
            body: row.response_body.unwrap_or_default(),
        })),
        _ => Ok(Claim::InProgress),
    }
}

/// Stores the response to the claimed key.
pub fn finish(
    conn: &mut DbConnection,
    caller: Uuid,
    key: &str,
    response: &StoredResponse,
) -> StoreResult<()> {
    diesel::update(keys::table.find((DbId(caller), key)))
        .set((
            keys::state.eq("done"),
            keys::response_status.eq(Some(i32::from(response.status))),
            keys::response_headers.eq(Some(to_json(&response.headers)?)),
            keys::response_body.eq(Some(&response.body)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives the key up (the request failed on the server's side: a retry
/// should run again, not replay the failure).
pub fn release(conn: &mut DbConnection, caller: Uuid, key: &str) -> StoreResult<()> {
    diesel::delete(keys::table.find((DbId(caller), key))).execute(conn)?;
    Ok(())
}

/// Deletes the keys kept longer than `KEPT_FOR`, with the responses they
/// hold (client data among them): how many.
pub fn purge_expired(conn: &mut DbConnection, now: DateTime<Utc>) -> StoreResult<usize> {
    Ok(
        diesel::delete(keys::table.filter(keys::created_at.lt(naive(now - KEPT_FOR))))
            .execute(conn)?,
    )
}

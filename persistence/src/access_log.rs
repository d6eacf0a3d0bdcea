//! Access log (käyttöloki): every read and write of client data, and every
//! denied attempt. Append-only; the database refuses updates and deletes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::{AccessBasis, Actor};
use uuid::Uuid;

use crate::convert::naive;
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::schema::access_log;

/// Who is acting, in which request, at what time.
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Denied,
}

impl Outcome {
    fn code(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::Denied => "denied",
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = access_log)]
struct NewEntry<'a> {
    id: String,
    at: chrono::NaiveDateTime,
    professional_id: String,
    organisation_id: String,
    client_id: Option<String>,
    operation: &'a str,
    basis: Option<&'static str>,
    outcome: &'static str,
    request_id: Option<&'a str>,
}

/// Appends one entry. `operation` names what was done, e.g. `client.read`.
pub fn append(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
    operation: &str,
    basis: Option<AccessBasis>,
    outcome: Outcome,
) -> StoreResult<()> {
    diesel::insert_into(access_log::table)
        .values(NewEntry {
            id: Uuid::now_v7().to_string(),
            at: naive(ctx.at),
            professional_id: ctx.actor.professional_id.to_string(),
            organisation_id: ctx.actor.organisation_id.to_string(),
            client_id: Some(client_id.to_string()),
            operation,
            basis: basis.map(AccessBasis::code),
            outcome: outcome.code(),
            request_id: ctx.request_id.as_deref(),
        })
        .execute(conn)?;
    Ok(())
}

/// How many entries concern the client (for tests and, later, the client's own view).
pub fn count_for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<i64> {
    Ok(access_log::table
        .filter(access_log::client_id.eq(client_id.to_string()))
        .count()
        .get_result(conn)?)
}

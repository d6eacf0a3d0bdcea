//! Access log (käyttöloki): every read and write of client data, and every
//! denied attempt. Append-only; the database refuses updates and deletes.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use kyky_domain::{AccessBasis, Actor};
use uuid::Uuid;

use crate::connection::DbConnection;
use crate::convert::{naive, utc};
use crate::error::StoreResult;
use crate::schema::access_log;
use crate::sql_types::{DbId, DbTime};

/// Who is acting, in which request, at what time, on which record.
#[derive(Debug, Clone)]
pub struct AuditContext {
    pub actor: Actor,
    pub request_id: Option<String>,
    pub at: DateTime<Utc>,
    /// The record the request names (a plan, a handover...), when it names one.
    pub resource: Option<Uuid>,
    /// The client the request names, with its access facts as read with
    /// the caller: reads decide on these instead of reading them again, and
    /// writes too while the client's stamp says they are still current.
    pub preloaded: Option<crate::client_facts::PreloadedClient>,
}

/// What an entry touched: the record the request named (`plan` and its id
/// for `plan.publish` on `/plans/{id}`: the kind is the operation's first
/// part), or else the client itself (`plan.create` on `/clients/{id}/plans`).
fn resource_of(operation: &str, ctx: &AuditContext, client_id: Uuid) -> (String, Option<DbId>) {
    match ctx.resource {
        Some(id) => (
            operation.split('.').next().unwrap_or(operation).to_owned(),
            Some(DbId(id)),
        ),
        None => ("client".to_owned(), Some(DbId(client_id))),
    }
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

/// An entry to store, made by `allowed`, `allowed_many` or `denied`.
#[derive(Debug, Insertable)]
#[diesel(table_name = access_log)]
// None is written as NULL, not DEFAULT: then SQLite, too, takes many rows in
// one statement.
#[diesel(treat_none_as_default_value = false)]
pub struct NewEntry {
    id: DbId,
    at: DbTime,
    professional_id: DbId,
    organisation_id: DbId,
    client_id: Option<DbId>,
    operation: String,
    basis: Option<String>,
    outcome: &'static str,
    request_id: Option<String>,
    resource_type: String,
    resource_id: Option<DbId>,
    reason: Option<String>,
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
    insert(conn, ctx, client_id, operation, basis, outcome, None)
}

/// The entry of an allowed step on the client.
pub fn allowed(
    ctx: &AuditContext,
    client_id: Uuid,
    operation: &str,
    basis: AccessBasis,
) -> NewEntry {
    new_entry(
        ctx,
        client_id,
        operation,
        Some(basis),
        Outcome::Allowed,
        None,
    )
}

/// One allowed entry per client a list shows.
pub fn allowed_many(
    ctx: &AuditContext,
    operation: &str,
    clients: &[(Uuid, AccessBasis)],
) -> Vec<NewEntry> {
    clients
        .iter()
        .map(|&(client_id, basis)| allowed(ctx, client_id, operation, basis))
        .collect()
}

/// The entry of a refused attempt, with the reason it was refused (a
/// refusal code, e.g. `no_access`, `not_responsible_worker`).
pub fn denied(ctx: &AuditContext, client_id: Uuid, operation: &str, reason: &str) -> NewEntry {
    new_entry(
        ctx,
        client_id,
        operation,
        None,
        Outcome::Denied,
        Some(reason),
    )
}

/// Stores these entries in one statement.
pub fn insert_entries(conn: &mut DbConnection, entries: &[NewEntry]) -> StoreResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    match conn {
        DbConnection::Postgresql(pg) => insert_as_arrays(pg, entries),
        lite @ DbConnection::Sqlite(_) => {
            crate::connection::insert_all!(lite, access_log::table, entries)
        }
    }
}

/// On PostgreSQL a batch of any size is one statement of the same text,
/// each column bound as an array: it is prepared once per connection, where
/// a `VALUES` list would be parsed and planned anew for every batch size.
fn insert_as_arrays(conn: &mut diesel::PgConnection, entries: &[NewEntry]) -> StoreResult<()> {
    fn column<T: Clone>(entries: &[NewEntry], field: impl Fn(&NewEntry) -> &T) -> Vec<T> {
        entries.iter().map(|e| field(e).clone()).collect()
    }
    ArrayInsert {
        id: column(entries, |e| &e.id),
        at: column(entries, |e| &e.at),
        professional_id: column(entries, |e| &e.professional_id),
        organisation_id: column(entries, |e| &e.organisation_id),
        client_id: column(entries, |e| &e.client_id),
        operation: column(entries, |e| &e.operation),
        basis: column(entries, |e| &e.basis),
        outcome: entries.iter().map(|e| e.outcome).collect(),
        request_id: column(entries, |e| &e.request_id),
        resource_type: column(entries, |e| &e.resource_type),
        resource_id: column(entries, |e| &e.resource_id),
        reason: column(entries, |e| &e.reason),
    }
    .execute(conn)?;
    Ok(())
}

/// `INSERT … SELECT * FROM UNNEST(…)` of the entries' columns.
#[derive(Debug, diesel::query_builder::QueryId)]
struct ArrayInsert {
    id: Vec<DbId>,
    at: Vec<DbTime>,
    professional_id: Vec<DbId>,
    organisation_id: Vec<DbId>,
    client_id: Vec<Option<DbId>>,
    operation: Vec<String>,
    basis: Vec<Option<String>>,
    outcome: Vec<&'static str>,
    request_id: Vec<Option<String>>,
    resource_type: Vec<String>,
    resource_id: Vec<Option<DbId>>,
    reason: Vec<Option<String>>,
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for ArrayInsert {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use crate::sql_types::{Id, Time};
        use diesel::sql_types::{Array, Nullable, Text};
        out.push_sql(
            "INSERT INTO access_log (id, at, professional_id, organisation_id, client_id, \
             operation, basis, outcome, request_id, resource_type, resource_id, reason) \
             SELECT * FROM UNNEST(",
        );
        out.push_bind_param::<Array<Id>, _>(&self.id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Time>, _>(&self.at)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Id>, _>(&self.professional_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Id>, _>(&self.organisation_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Id>>, _>(&self.client_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.operation)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.basis)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.outcome)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.request_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Text>, _>(&self.resource_type)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Id>>, _>(&self.resource_id)?;
        out.push_sql(", ");
        out.push_bind_param::<Array<Nullable<Text>>, _>(&self.reason)?;
        out.push_sql(")");
        Ok(())
    }
}

impl RunQueryDsl<diesel::PgConnection> for ArrayInsert {}

fn insert(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
    operation: &str,
    basis: Option<AccessBasis>,
    outcome: Outcome,
    reason: Option<&str>,
) -> StoreResult<()> {
    let entry = new_entry(ctx, client_id, operation, basis, outcome, reason);
    crate::connection::insert_all!(conn, access_log::table, std::slice::from_ref(&entry))
}

fn new_entry(
    ctx: &AuditContext,
    client_id: Uuid,
    operation: &str,
    basis: Option<AccessBasis>,
    outcome: Outcome,
    reason: Option<&str>,
) -> NewEntry {
    let (resource_type, resource_id) = resource_of(operation, ctx, client_id);
    NewEntry {
        id: DbId(Uuid::now_v7()),
        at: naive(ctx.at),
        professional_id: DbId(ctx.actor.professional_id),
        organisation_id: DbId(ctx.actor.organisation_id),
        client_id: Some(DbId(client_id)),
        operation: operation.to_owned(),
        basis: basis.map(|b| b.code().to_owned()),
        outcome: outcome.code(),
        request_id: ctx.request_id.clone(),
        resource_type,
        resource_id,
        reason: reason.map(str::to_owned),
    }
}

/// One access-log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub professional_id: Uuid,
    pub organisation_id: Uuid,
    pub client_id: Option<Uuid>,
    pub operation: String,
    pub basis: Option<String>,
    pub outcome: String,
    pub request_id: Option<String>,
    /// The kind of record touched, e.g. `plan`.
    pub resource_type: Option<String>,
    pub resource_id: Option<Uuid>,
    /// Why a denied attempt was refused.
    pub reason: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = access_log)]
struct Row {
    id: DbId,
    at: DbTime,
    professional_id: DbId,
    organisation_id: DbId,
    client_id: Option<DbId>,
    operation: String,
    basis: Option<String>,
    outcome: String,
    request_id: Option<String>,
    resource_type: Option<String>,
    resource_id: Option<DbId>,
    reason: Option<String>,
}

fn to_entry(row: Row) -> Entry {
    Entry {
        id: row.id.0,
        at: utc(row.at),
        professional_id: row.professional_id.0,
        organisation_id: row.organisation_id.0,
        client_id: row.client_id.map(Uuid::from),
        operation: row.operation,
        basis: row.basis,
        outcome: row.outcome,
        request_id: row.request_id,
        resource_type: row.resource_type,
        resource_id: row.resource_id.map(Uuid::from),
        reason: row.reason,
    }
}

/// Every entry about the client, oldest first.
pub fn all_for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Vec<Entry>> {
    for_client(conn, client_id, None, i64::MAX)
}

/// A page of the client's entries, oldest first, after `after`.
pub fn for_client(
    conn: &mut DbConnection,
    client_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<Entry>> {
    let mut query = access_log::table
        .filter(access_log::client_id.eq(DbId(client_id)))
        .order(access_log::id)
        .limit(limit)
        .select(Row::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(access_log::id.gt(DbId(after)));
    }
    Ok(query.load(conn)?.into_iter().map(to_entry).collect())
}

/// What an auditor searches the access log by; every part is optional.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub client_id: Option<Uuid>,
    pub professional_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// A page of entries across clients, oldest first.
pub fn search(
    conn: &mut DbConnection,
    by: &Search,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Vec<Entry>> {
    let mut query = access_log::table
        .order(access_log::id)
        .limit(limit)
        .select(Row::as_select())
        .into_boxed();
    if let Some(client) = by.client_id {
        query = query.filter(access_log::client_id.eq(DbId(client)));
    }
    if let Some(professional) = by.professional_id {
        query = query.filter(access_log::professional_id.eq(DbId(professional)));
    }
    if let Some(from) = by.from {
        query = query.filter(access_log::at.ge(naive(from)));
    }
    if let Some(to) = by.to {
        query = query.filter(access_log::at.lt(naive(to)));
    }
    if let Some(after) = after {
        query = query.filter(access_log::id.gt(DbId(after)));
    }
    Ok(query.load(conn)?.into_iter().map(to_entry).collect())
}

/// How many entries concern the client (for tests and, later, the client's own view).
pub fn count_for_client(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<i64> {
    Ok(access_log::table
        .filter(access_log::client_id.eq(DbId(client_id)))
        .count()
        .get_result(conn)?)
}

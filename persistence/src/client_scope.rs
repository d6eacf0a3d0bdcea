//! Reads and writes of one client's data, guarded by the domain's access
//! policy and recorded in the access log.
//!
//! A read is not answered unless its log entry is stored; a write and its log
//! entry land in one transaction. Denied attempts are logged too, then
//! answered as "not found".

use chrono::NaiveDate;
use kyky_domain::entities::{Client, ClientFields};
use kyky_domain::{AccessBasis, Hetu, Relationship, RelationshipError, relationship};
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::db::{Db, DbConnection};
use crate::error::{StoreError, StoreResult};
use crate::{clients, relationships};

/// What a guarded operation knows about the client it works on.
#[derive(Debug, Clone)]
pub struct ClientScope {
    pub client_id: Uuid,
    pub basis: AccessBasis,
    pub relationships: Vec<Relationship>,
}

fn authorize(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
) -> StoreResult<Option<ClientScope>> {
    let relationships: Vec<Relationship> = relationships::for_client(conn, client_id)?
        .into_iter()
        .map(|r| r.relationship)
        .collect();
    Ok(
        kyky_domain::access::client_access(&ctx.actor, &relationships).map(|basis| ClientScope {
            client_id,
            basis,
            relationships,
        }),
    )
}

impl Db {
    /// Reads client data as `operation` (e.g. `client.read`).
    pub fn read_client<T>(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
        work: impl FnOnce(&mut DbConnection, &ClientScope) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut conn = self.conn()?;
        let scope = authorize(&mut conn, ctx, client_id)?;
        let outcome = if scope.is_some() {
            Outcome::Allowed
        } else {
            Outcome::Denied
        };
        access_log::append(
            &mut conn,
            ctx,
            client_id,
            operation,
            scope.as_ref().map(|s| s.basis),
            outcome,
        )?;
        let scope = scope.ok_or(StoreError::NotFound)?;
        work(&mut conn, &scope)
    }

    /// Changes client data as `operation`, in one transaction with its log entry.
    pub fn write_client<T>(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
        work: impl FnOnce(&mut DbConnection, &ClientScope) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let result = self.transaction(|conn| {
            let scope = authorize(conn, ctx, client_id)?.ok_or(StoreError::AccessDenied)?;
            let value = work(conn, &scope)?;
            access_log::append(
                conn,
                ctx,
                client_id,
                operation,
                Some(scope.basis),
                Outcome::Allowed,
            )?;
            Ok(value)
        });
        if matches!(result, Err(StoreError::AccessDenied)) {
            self.run(|conn| {
                access_log::append(conn, ctx, client_id, operation, None, Outcome::Denied)
            })?;
            return Err(StoreError::NotFound);
        }
        result
    }

    /// Creates a client, or — when one with the same henkilötunnus exists —
    /// links the caller's organisation to it. Returns the client and whether
    /// it was created. Concurrent creations of one client end in one row.
    pub fn create_or_link_client(
        &self,
        ctx: &AuditContext,
        hetu: &Hetu,
        fields: &ClientFields,
        today: NaiveDate,
    ) -> StoreResult<(Client, bool)> {
        let attempt = || {
            self.transaction(|conn| {
                let (client, created) = match clients::find_by_hetu(conn, hetu)? {
                    Some(existing) => (existing, false),
                    None => (
                        clients::insert(conn, Uuid::now_v7(), hetu, fields, ctx.at)?,
                        true,
                    ),
                };
                let existing: Vec<Relationship> = relationships::for_client(conn, client.id)?
                    .into_iter()
                    .map(|r| r.relationship)
                    .collect();
                match relationship::open(&existing, ctx.actor.organisation_id, false) {
                    Ok(opened) => {
                        let new = Relationship {
                            id: Uuid::now_v7(),
                            organisation_id: ctx.actor.organisation_id,
                            is_primary: opened.is_primary,
                            started_on: today,
                            ended_on: None,
                            created_by: ctx.actor.professional_id,
                        };
                        relationships::insert(conn, client.id, &new, ctx.at)?;
                    }
                    Err(RelationshipError::AlreadyActive) => {}
                    Err(other) => return Err(other.into()),
                }
                let operation = if created {
                    "client.create"
                } else {
                    "client.link"
                };
                access_log::append(
                    conn,
                    ctx,
                    client.id,
                    operation,
                    Some(AccessBasis::OrganisationRelationship),
                    Outcome::Allowed,
                )?;
                Ok((client, created))
            })
        };
        match attempt() {
            // Another request created the same client (or link) meanwhile: link to it.
            Err(StoreError::UniqueViolation(_)) => attempt(),
            other => other,
        }
    }

    /// Clients the caller's organisation has an active relationship with; each
    /// listed client gets an access-log entry.
    pub fn list_clients(
        &self,
        ctx: &AuditContext,
        after: Option<Uuid>,
        limit: i64,
    ) -> StoreResult<Vec<Client>> {
        self.transaction(|conn| {
            let page =
                clients::list_for_organisation(conn, ctx.actor.organisation_id, after, limit)?;
            for client in &page {
                access_log::append(
                    conn,
                    ctx,
                    client.id,
                    "client.list",
                    Some(AccessBasis::OrganisationRelationship),
                    Outcome::Allowed,
                )?;
            }
            Ok(page)
        })
    }
}

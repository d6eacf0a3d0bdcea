//! Reads and writes of one client's data, guarded by the domain's access
//! policy and recorded in the access log.
//!
//! A read is not answered unless its log entry is stored; a write and its log
//! entry land in one transaction. Denied attempts are logged too, then
//! answered as "not found".

use chrono::NaiveDate;
use kyky_domain::consent::{self, Consent, ConsentPurpose};
use kyky_domain::entities::{Client, ClientFields};
use kyky_domain::handover::{ProfessionalStatus, Responsibility};
use kyky_domain::{AccessBasis, Hetu, Relationship, RelationshipError, relationship};
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::db::{Db, DbConnection};
use crate::error::{StoreError, StoreResult};
use crate::{clients, consents, professionals, relationships, responsibility};

/// What a guarded operation knows about the client it works on.
#[derive(Debug, Clone)]
pub struct ClientScope {
    pub client_id: Uuid,
    pub basis: AccessBasis,
    pub relationships: Vec<Relationship>,
    /// The responsible worker and work pair.
    pub responsibility: Responsibility,
    /// The client's consents, withdrawn ones too.
    pub consents: Vec<Consent>,
}

/// The caller's access to the client, by the domain's policy; `None` when the
/// client does not exist or the caller has no basis to see it.
pub(crate) fn authorize(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
) -> StoreResult<Option<ClientScope>> {
    let relationships: Vec<Relationship> = relationships::for_client(conn, client_id)?
        .into_iter()
        .map(|r| r.relationship)
        .collect();
    let Some(current) = responsibility::current(conn, client_id)? else {
        return Ok(None);
    };
    let consents = consents::rules_view(conn, client_id)?;
    let covered =
        consent::organisations_covered(&consents, ConsentPurpose::InformationExchange, ctx.at);
    Ok(
        kyky_domain::access::client_access(&ctx.actor, &relationships, Some(&current), &covered)
            .map(|basis| ClientScope {
                client_id,
                basis,
                relationships,
                responsibility: current,
                consents,
            }),
    )
}

/// Whether the professional exists and is active, and where they work.
pub(crate) fn professional_status(
    conn: &mut DbConnection,
    id: Uuid,
) -> StoreResult<Option<ProfessionalStatus>> {
    match professionals::get(conn, id) {
        Ok(p) => Ok(Some(ProfessionalStatus {
            id,
            organisation_id: p.organisation_id,
            active: p.active,
        })),
        Err(StoreError::NotFound) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Creates the client, or links the caller's organisation to the existing
/// one with the same henkilötunnus, inside the caller's transaction.
pub(crate) fn create_or_link_in(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    hetu: &Hetu,
    fields: &ClientFields,
    responsible: Option<Uuid>,
    today: NaiveDate,
) -> StoreResult<(Client, bool)> {
    let (client, created) = if let Some(existing) = clients::find_by_hetu(conn, hetu)? {
        (existing, false)
    } else {
        let responsible = responsible.unwrap_or(ctx.actor.professional_id);
        let colleague = professional_status(conn, responsible)?
            .is_some_and(|p| p.active && p.organisation_id == ctx.actor.organisation_id);
        if !colleague {
            return Err(StoreError::InvalidReference {
                field: "responsible_professional_id",
                message: "must name an active professional of your organisation",
            });
        }
        let client = clients::insert(conn, Uuid::now_v7(), hetu, fields, ctx.at)?;
        responsibility::start(conn, client.id, responsible, ctx.at)?;
        (client, true)
    };
    open_own_relationship(conn, ctx, client.id, today)?;
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
}

/// Opens a client relationship for the caller's organisation unless it has one.
pub(crate) fn open_own_relationship(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
    started_on: NaiveDate,
) -> StoreResult<()> {
    let existing: Vec<Relationship> = relationships::for_client(conn, client_id)?
        .into_iter()
        .map(|r| r.relationship)
        .collect();
    match relationship::open(&existing, ctx.actor.organisation_id, false) {
        Ok(opened) => relationships::insert(
            conn,
            client_id,
            &Relationship {
                id: Uuid::now_v7(),
                organisation_id: ctx.actor.organisation_id,
                is_primary: opened.is_primary,
                started_on,
                ended_on: None,
                created_by: ctx.actor.professional_id,
            },
            ctx.at,
        ),
        Err(RelationshipError::AlreadyActive) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

impl Db {
    /// Logs an attempt the access policy refused.
    pub(crate) fn log_denied(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
    ) -> StoreResult<()> {
        self.transaction(|conn| {
            access_log::append(conn, ctx, client_id, operation, None, Outcome::Denied)
        })
    }

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
        let basis = scope.as_ref().map(|s| s.basis);
        self.transaction_on(&mut conn, |conn| {
            access_log::append(conn, ctx, client_id, operation, basis, outcome)
        })?;
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
            clients::lock(conn, client_id)?;
            let scope = authorize(conn, ctx, client_id)?.ok_or(StoreError::AccessDenied)?;
            // Reading by consent does not let an organisation change anything.
            if !scope.basis.may_write() {
                return Err(StoreError::ReadOnly);
            }
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
        match result {
            Err(StoreError::AccessDenied) => {
                self.log_denied(ctx, client_id, operation)?;
                Err(StoreError::NotFound)
            }
            // Refusals by the access rules are logged as denied attempts.
            Err(
                refused @ (StoreError::ReadOnly
                | StoreError::Plan(kyky_domain::plan::PlanError::NotKeeper)),
            ) => {
                self.log_denied(ctx, client_id, operation)?;
                Err(refused)
            }
            other => other,
        }
    }

    /// Creates a client, or — when one with the same henkilötunnus exists —
    /// links the caller's organisation to it. Returns the client and whether
    /// it was created. Concurrent creations of one client end in one row.
    ///
    /// A new client's responsible worker is `responsible` (an active
    /// professional of the caller's organisation) or else the caller.
    pub fn create_or_link_client(
        &self,
        ctx: &AuditContext,
        hetu: &Hetu,
        fields: &ClientFields,
        responsible: Option<Uuid>,
        today: NaiveDate,
    ) -> StoreResult<(Client, bool)> {
        let attempt = || {
            self.transaction(|conn| create_or_link_in(conn, ctx, hetu, fields, responsible, today))
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

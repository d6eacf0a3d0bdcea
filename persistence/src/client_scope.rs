//! Reads and writes of one client's data, guarded by the domain's access
//! policy and recorded in the access log.
//!
//! A read is not answered unless its log entry is stored; a write and its log
//! entry land in one transaction. Denied attempts are logged too, then
//! answered as "not found".

use std::collections::HashMap;

use kyky_domain::consent::{self, Consent, ConsentPurpose};
use kyky_domain::entities::{Client, ClientFields};
use kyky_domain::handover::{ProfessionalStatus, Responsibility};
use kyky_domain::{AccessBasis, Hetu, Relationship};
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::client_facts::ClientFacts;
use crate::db::{Db, DbConnection};
use crate::error::{StoreError, StoreResult};
use crate::fact_cache::Kept;
use crate::log_writer::Confirmed;
use crate::stamps::StampAt;
use crate::{clients, consents, professionals, relationships};

/// What a guarded operation knows about the client it works on.
#[derive(Debug, Clone)]
pub struct ClientScope {
    pub client_id: Uuid,
    /// The client record, read with the facts the decision rests on; a
    /// handler answers from it only when `basis.reads_record()`.
    pub client: Client,
    pub basis: AccessBasis,
    pub relationships: Vec<Relationship>,
    /// The responsible worker and work pair.
    pub responsibility: Responsibility,
    /// The client's consents, withdrawn ones too.
    pub consents: Vec<Consent>,
}

/// How far into a client an operation reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// The client record and everything hanging on it.
    Record,
    /// Also the caller's own entry, for an organisation with only a declared
    /// relationship: who the client is to it, who is responsible, and
    /// recording the client's consent.
    OwnEntry,
}

/// The caller's access to the client record, by the domain's policy; `None`
/// when the client does not exist or the caller has no basis to see it.
pub(crate) fn authorize(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
) -> StoreResult<Option<ClientScope>> {
    authorize_for(conn, ctx, client_id, Reach::Record)
}

pub(crate) fn authorize_for(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
    reach: Reach,
) -> StoreResult<Option<ClientScope>> {
    // Three queries: the client with its responsibility, the relationships,
    // the consents with the organisations they cover.
    let Some((client, Some(current))) = clients::with_responsibility(conn, client_id)? else {
        return Ok(None);
    };
    let relationships = relationships::for_client(conn, client_id)?
        .into_iter()
        .map(|r| r.relationship)
        .collect();
    let consents = consents::rules_view(conn, client_id)?;
    Ok(scope_of(
        ctx,
        client,
        relationships,
        current,
        consents,
        reach,
    ))
}

/// `authorize_for` on the facts read with the caller (`request_facts`).
pub(crate) fn scope_of_facts(
    ctx: &AuditContext,
    facts: &ClientFacts,
    reach: Reach,
) -> Option<ClientScope> {
    scope_of(
        ctx,
        facts.client.clone(),
        facts.relationships.clone(),
        facts.responsibility?,
        facts.consents.clone(),
        reach,
    )
}

/// What the caller may do with the client, from what is stored about it:
/// the one decision `authorize_for` and `authorize_many` share.
fn scope_of(
    ctx: &AuditContext,
    client: Client,
    relationships: Vec<Relationship>,
    current: Responsibility,
    consents: Vec<Consent>,
    reach: Reach,
) -> Option<ClientScope> {
    let covered =
        consent::organisations_covered(&consents, ConsentPurpose::InformationExchange, ctx.at);
    kyky_domain::access::client_access(&ctx.actor, &relationships, Some(&current), &covered)
        .filter(|basis| reach == Reach::OwnEntry || basis.reads_record())
        .map(|basis| ClientScope {
            client_id: client.id,
            client,
            basis,
            relationships,
            responsibility: current,
            consents,
        })
}

/// `authorize` for many clients at once: what the caller may read of each,
/// the clients they may not left out. Three queries for any number of clients.
pub(crate) fn authorize_many(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, ClientScope>> {
    let mut found = clients::with_responsibility_many(conn, client_ids)?;
    let mut relationships = relationships::for_clients(conn, client_ids)?;
    let mut consents = consents::rules_for_clients(conn, client_ids)?;
    Ok(client_ids
        .iter()
        .filter_map(|&client_id| {
            let (client, current) = found.remove(&client_id)?;
            let scope = scope_of(
                ctx,
                client,
                relationships
                    .remove(&client_id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| r.relationship)
                    .collect(),
                current?,
                consents.remove(&client_id).unwrap_or_default(),
                Reach::Record,
            )?;
            Some((client_id, scope))
        })
        .collect())
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

/// All an organisation with a declared relationship sees of a client.
#[derive(Debug, Clone)]
pub struct ClientEntry {
    pub client_id: Uuid,
    pub hetu: Hetu,
    /// What the organisation entered when it declared the relationship.
    pub fields: ClientFields,
    pub responsibility: Responsibility,
    pub declared_at: chrono::DateTime<chrono::Utc>,
}

/// A client as the caller may see it: the record, or only their own entry.
#[derive(Debug, Clone)]
pub enum ClientSight {
    /// The record, in the scope that reads it.
    Record(ClientScope),
    OwnEntry(ClientEntry),
}

/// The client as this scope sees it.
pub(crate) fn sight(conn: &mut DbConnection, scope: ClientScope) -> StoreResult<ClientSight> {
    if scope.basis.reads_record() {
        return Ok(ClientSight::Record(scope));
    }
    let client = &scope.client;
    let own = scope
        .relationships
        .iter()
        .find(|r| r.is_active() && !r.shares_record)
        .map(|r| r.id)
        .ok_or(StoreError::NotFound)?;
    let record = relationships::get(conn, own)?;
    Ok(ClientSight::OwnEntry(ClientEntry {
        client_id: client.id,
        hetu: client.hetu.clone(),
        fields: record.entered_details.ok_or_else(|| {
            StoreError::Corrupt("a declared relationship has no entered details".to_owned())
        })?,
        responsibility: scope.responsibility,
        declared_at: record.created_at,
    }))
}

impl Db {
    /// Logs an attempt the access policy refused.
    /// Settles a guarded step on the client: a refusal by the access rules
    /// (see `StoreError::refusal`) is logged as a denied attempt with its
    /// reason, after the step's own transaction rolled back; and "no access"
    /// is answered as "not found", so that the record's existence stays
    /// hidden.
    pub(crate) fn settle<T>(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
        result: StoreResult<T>,
    ) -> StoreResult<T> {
        let error = match result {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if let Some(reason) = error.refusal() {
            self.log(vec![access_log::denied(ctx, client_id, operation, reason)])?;
        }
        Err(match error {
            StoreError::AccessDenied | StoreError::Hidden(_) => StoreError::NotFound,
            other => other,
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
        self.read_guarded(ctx, client_id, operation, Reach::Record, work)
    }

    /// Reads the client as the caller may see it: the record, or only what
    /// their organisation entered when it declared its relationship.
    pub fn read_client_sight(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
    ) -> StoreResult<ClientSight> {
        self.read_guarded(ctx, client_id, operation, Reach::OwnEntry, |conn, scope| {
            sight(conn, scope.clone())
        })
    }

    /// Reads what an organisation with only a declared relationship may read
    /// too (who is responsible), as `operation`.
    pub fn read_client_or_entry<T>(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
        work: impl FnOnce(&mut DbConnection, &ClientScope) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.read_guarded(ctx, client_id, operation, Reach::OwnEntry, work)
    }

    /// Reads what the access log holds of the client (the log itself, the
    /// export), as `operation`: the answer includes this read's own entry.
    pub fn read_client_log<T>(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
        work: impl FnOnce(&mut DbConnection, &ClientScope) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut conn = self.conn()?;
        let result = match authorize_for(&mut conn, ctx, client_id, Reach::Record)? {
            None => Err(StoreError::AccessDenied),
            // The entry first, then the read, in one transaction: a read the
            // rules refuse rolls its entry back and leaves a denied one.
            Some(scope) => self.transaction_on(&mut conn, |conn| {
                access_log::append(
                    conn,
                    ctx,
                    client_id,
                    operation,
                    Some(scope.basis),
                    Outcome::Allowed,
                )?;
                work(conn, &scope)
            }),
        };
        drop(conn);
        self.settle(ctx, client_id, operation, result)
    }

    /// A read of a client decided on the facts this process keeps, with no
    /// connection: `answer` makes the answer from the scope they give (or
    /// `None` when it needs the database), with the stamps of anything else
    /// kept that it used. The read's entry goes to the log writer with every
    /// stamp the answer rests on, and is stored only if none has moved: the
    /// answer may be given once `Confirmed` says it was. `None` when the
    /// kept facts do not let the caller read the client: the read then goes
    /// the usual way, which reads them afresh and logs a refusal.
    pub fn read_client_kept<T>(
        &self,
        ctx: &AuditContext,
        kept: &Kept,
        operation: &str,
        answer: impl FnOnce(ClientScope) -> Option<(T, Vec<StampAt>)>,
    ) -> StoreResult<Option<(T, Confirmed)>> {
        let Some(scope) = scope_of_facts(ctx, &kept.client.facts, Reach::OwnEntry) else {
            return Ok(None);
        };
        let entry = access_log::allowed(ctx, scope.client_id, operation, scope.basis);
        let Some((value, mut rests_on)) = answer(scope) else {
            return Ok(None);
        };
        rests_on.extend(kept.stamps());
        let confirmed = self.log_unless_moved(vec![entry], rests_on)?;
        Ok(Some((value, confirmed)))
    }

    fn read_guarded<T>(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
        reach: Reach,
        work: impl FnOnce(&mut DbConnection, &ClientScope) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut conn = self.conn()?;
        // No transaction (two round trips fewer): the read runs first and is
        // answered only once its entry is stored, with the next batch of the
        // log writer; a read the rules then refuse (a plan not shared,
        // another's draft) leaves a denied entry instead, with its reason.
        let scope = match ctx.preloaded.as_ref().filter(|p| p.client_id == client_id) {
            Some(preloaded) => preloaded
                .facts
                .as_deref()
                .and_then(|facts| scope_of_facts(ctx, facts, reach)),
            None => authorize_for(&mut conn, ctx, client_id, reach)?,
        };
        let result = match scope {
            None => Err(StoreError::AccessDenied),
            Some(scope) => work(&mut conn, &scope).and_then(|value| {
                self.log(vec![access_log::allowed(
                    ctx,
                    client_id,
                    operation,
                    scope.basis,
                )])?;
                Ok(value)
            }),
        };
        drop(conn);
        self.settle(ctx, client_id, operation, result)
    }

    /// Changes client data as `operation`, in one transaction with its log entry.
    pub fn write_client<T>(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
        work: impl FnOnce(&mut DbConnection, &ClientScope) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.write_guarded(ctx, client_id, operation, Reach::Record, work)
    }

    /// Records what an organisation with only a declared relationship may
    /// record too: the consent the client gives it.
    pub fn write_client_or_entry<T>(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
        work: impl FnOnce(&mut DbConnection, &ClientScope) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.write_guarded(ctx, client_id, operation, Reach::OwnEntry, work)
    }

    fn write_guarded<T>(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        operation: &str,
        reach: Reach,
        work: impl FnOnce(&mut DbConnection, &ClientScope) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let result = self.transaction(|conn| {
            // The facts the request read, if none has changed since: then
            // the lock and the stamp are the only statement, where reading
            // the facts again takes three; else read afresh.
            let preloaded = ctx
                .preloaded
                .as_ref()
                .filter(|p| p.client_id == client_id)
                .and_then(|p| Some((p.stamp, p.facts.as_deref()?)));
            let current = if let Some((stamp, facts)) = preloaded {
                (clients::lock_with_stamp(conn, client_id)? == Some(stamp)).then_some(facts)
            } else {
                clients::lock(conn, client_id)?;
                None
            };
            let scope = match current {
                Some(facts) => scope_of_facts(ctx, facts, reach),
                None => authorize_for(conn, ctx, client_id, reach)?,
            }
            .ok_or(StoreError::AccessDenied)?;
            let declared = scope.basis == AccessBasis::DeclaredRelationship;
            // Reading by consent does not let an organisation change anything.
            if !(scope.basis.may_write() || declared && reach == Reach::OwnEntry) {
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
        self.settle(ctx, client_id, operation, result)
    }
}

//! Reads and writes of one client's data, guarded by the domain's access
//! policy and recorded in the access log.
//!
//! A read is not answered unless its log entry is stored; a write and its log
//! entry land in one transaction. Denied attempts are logged too, then
//! answered as "not found".

use std::collections::HashMap;

use chrono::NaiveDate;
use kyky_domain::consent::{self, Consent, ConsentPurpose};
use kyky_domain::entities::{Client, ClientFields};
use kyky_domain::handover::{ProfessionalStatus, Responsibility};
use kyky_domain::{
    AccessBasis, Hetu, Relationship, RelationshipBasis, RelationshipError, relationship,
};
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::db::{Db, DbConnection};
use crate::error::{StoreError, StoreResult};
use crate::relationships::NewRelationship;
use crate::{clients, consents, professionals, relationships, responsibility};

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
enum Reach {
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

fn authorize_for(
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
    let relationships = relationships::for_client(conn, client_id)?;
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

/// What the caller may do with the client, from what is stored about it:
/// the one decision `authorize_for` and `authorize_many` share.
fn scope_of(
    ctx: &AuditContext,
    client: Client,
    relationships: Vec<relationships::RelationshipRecord>,
    current: Responsibility,
    consents: Vec<Consent>,
    reach: Reach,
) -> Option<ClientScope> {
    let relationships: Vec<Relationship> =
        relationships.into_iter().map(|r| r.relationship).collect();
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
                relationships.remove(&client_id).unwrap_or_default(),
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

/// Why the caller's organisation works with the client it registers.
#[derive(Debug, Clone, Copy)]
pub struct RelationshipGrounds<'a> {
    pub basis: RelationshipBasis,
    pub reason: Option<&'a str>,
}

/// What registering a client by henkilötunnus came to.
#[derive(Debug, Clone)]
pub enum Registration {
    /// A new client; the caller's organisation registered it.
    Created(Client),
    /// The client existed and the caller may read its record (in the scope).
    Existing(ClientScope),
    /// The client existed and the caller's organisation has only a declared
    /// relationship: it sees what it entered and who is responsible.
    Declared(ClientEntry),
}

impl Registration {
    pub fn client_id(&self) -> Uuid {
        match self {
            Self::Created(client) => client.id,
            Self::Existing(scope) => scope.client_id,
            Self::Declared(entry) => entry.client_id,
        }
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

/// Creates the client, or links the caller's organisation to the existing
/// one with the same henkilötunnus, inside the caller's transaction. Linking
/// reveals nothing another organisation recorded: the link is a declared
/// relationship with its grounds, logged as `client.link`.
pub(crate) fn create_or_link_in(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    new_id: Uuid,
    hetu: &Hetu,
    fields: &ClientFields,
    responsible: Option<Uuid>,
    grounds: RelationshipGrounds<'_>,
) -> StoreResult<Registration> {
    let today = ctx.at.date_naive();
    let Some(existing) = clients::find_by_hetu(conn, hetu)? else {
        let responsible = responsible.unwrap_or(ctx.actor.professional_id);
        let colleague = professional_status(conn, responsible)?
            .is_some_and(|p| p.active && p.organisation_id == ctx.actor.organisation_id);
        if !colleague {
            return Err(StoreError::InvalidReference {
                field: "responsible_professional_id",
                message: "must name an active professional of your organisation",
            });
        }
        let client = clients::insert(conn, new_id, hetu, fields, ctx.at)?;
        responsibility::start(conn, client.id, responsible, ctx.at)?;
        open_own_relationship(conn, ctx, client.id, today, grounds, None)?;
        access_log::append(
            conn,
            ctx,
            client.id,
            "client.create",
            Some(AccessBasis::OrganisationRelationship),
            Outcome::Allowed,
        )?;
        return Ok(Registration::Created(client));
    };
    clients::lock(conn, existing.id)?;
    open_own_relationship(conn, ctx, existing.id, today, grounds, Some(fields))?;
    let scope = authorize_for(conn, ctx, existing.id, Reach::OwnEntry)?.ok_or_else(|| {
        StoreError::Corrupt("an organisation just linked has no access".to_owned())
    })?;
    access_log::append(
        conn,
        ctx,
        existing.id,
        "client.link",
        Some(scope.basis),
        Outcome::Allowed,
    )?;
    Ok(match sight(conn, scope)? {
        ClientSight::Record(scope) => Registration::Existing(scope),
        ClientSight::OwnEntry(entry) => Registration::Declared(entry),
    })
}

/// Opens a client relationship for the caller's organisation unless it has
/// one. `declared` carries what the organisation entered when it declares a
/// relationship itself on a client another organisation registered; without
/// it (creating the client, a handover, a referral) the relationship shares
/// the record, and a declared one the organisation already had starts to.
pub(crate) fn open_own_relationship(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
    started_on: NaiveDate,
    grounds: RelationshipGrounds<'_>,
    declared: Option<&ClientFields>,
) -> StoreResult<()> {
    let existing: Vec<Relationship> = relationships::for_client(conn, client_id)?
        .into_iter()
        .map(|r| r.relationship)
        .collect();
    match relationship::open(&existing, ctx.actor.organisation_id, false) {
        Ok(opened) => relationships::insert(
            conn,
            client_id,
            &NewRelationship {
                relationship: &Relationship {
                    id: Uuid::now_v7(),
                    organisation_id: ctx.actor.organisation_id,
                    is_primary: opened.is_primary,
                    started_on,
                    ended_on: None,
                    created_by: ctx.actor.professional_id,
                    basis: grounds.basis,
                    shares_record: declared.is_none(),
                },
                reason: grounds.reason,
                entered_details: declared,
            },
            ctx.at,
        ),
        Err(RelationshipError::AlreadyActive) => {
            let own = existing
                .iter()
                .find(|r| r.is_active() && r.organisation_id == ctx.actor.organisation_id);
            match own {
                Some(own) if declared.is_none() && !own.shares_record => {
                    relationships::share_record(conn, own.id, grounds.basis)
                }
                _ => Ok(()),
            }
        }
        Err(other) => Err(other.into()),
    }
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
            self.autocommit(|conn| {
                access_log::append_denied(conn, ctx, client_id, operation, reason)
            })?;
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
        // answered only once its entry is stored; a read the rules then
        // refuse (a plan not shared, another's draft) leaves a denied entry
        // instead, with its reason.
        let result = match authorize_for(&mut conn, ctx, client_id, reach)? {
            None => Err(StoreError::AccessDenied),
            Some(scope) => work(&mut conn, &scope).and_then(|value| {
                self.autocommit_on(&mut conn, |conn| {
                    access_log::append(
                        conn,
                        ctx,
                        client_id,
                        operation,
                        Some(scope.basis),
                        Outcome::Allowed,
                    )
                })?;
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
            clients::lock(conn, client_id)?;
            let scope =
                authorize_for(conn, ctx, client_id, reach)?.ok_or(StoreError::AccessDenied)?;
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

    /// Creates a client, or — when one with the same henkilötunnus exists —
    /// links the caller's organisation to it on the given grounds (see
    /// [`Registration`]). Concurrent creations of one client end in one row.
    ///
    /// A new client's responsible worker is `responsible` (an active
    /// professional of the caller's organisation) or else the caller.
    pub fn create_or_link_client(
        &self,
        ctx: &AuditContext,
        new_id: Uuid,
        hetu: &Hetu,
        fields: &ClientFields,
        responsible: Option<Uuid>,
        grounds: RelationshipGrounds<'_>,
    ) -> StoreResult<Registration> {
        let attempt = || {
            self.transaction(|conn| {
                create_or_link_in(conn, ctx, new_id, hetu, fields, responsible, grounds)
            })
        };
        match attempt() {
            // Another request created the same client (or link) meanwhile: link to it.
            Err(StoreError::UniqueViolation(_)) => attempt(),
            other => other,
        }
    }

    /// Opens a relationship between the client and `organisation_id` that
    /// shares the record with it. For another organisation than the caller's
    /// that needs the client's information-exchange consent covering both,
    /// and the sharing is logged as a disclosure.
    pub fn open_relationship(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        organisation_id: Uuid,
        grounds: RelationshipGrounds<'_>,
        primary: bool,
        started_on: NaiveDate,
    ) -> StoreResult<Uuid> {
        self.write_client(ctx, client_id, "relationship.open", |conn, scope| {
            if !crate::organisations::exists(conn, organisation_id)? {
                return Err(StoreError::unknown("organisation_id"));
            }
            let opened = relationship::open(&scope.relationships, organisation_id, primary)?;
            let consent = consent::may_disclose(
                &scope.consents,
                ctx.actor.organisation_id,
                organisation_id,
                ConsentPurpose::InformationExchange,
                ctx.at,
            )?;
            if let Some(old) = opened.demote {
                relationships::set_primary(conn, old, false)?;
            }
            let new = Relationship {
                id: Uuid::now_v7(),
                organisation_id,
                is_primary: opened.is_primary,
                started_on,
                ended_on: None,
                created_by: ctx.actor.professional_id,
                basis: grounds.basis,
                shares_record: true,
            };
            let stored = NewRelationship {
                relationship: &new,
                reason: grounds.reason,
                entered_details: None,
            };
            relationships::insert(conn, client_id, &stored, ctx.at)?;
            if let Some(consent_id) = consent {
                let disclosure = crate::disclosures::NewDisclosure {
                    client_id,
                    from: ctx.actor.organisation_id,
                    to: organisation_id,
                    what: "client_record",
                    subject_id: Some(new.id),
                    basis: crate::disclosures::Basis::Consent(consent_id),
                };
                crate::disclosures::append(conn, ctx, &disclosure)?;
            }
            Ok(new.id)
        })
    }

    /// Clients the caller's organisation has an active relationship with; each
    /// listed client gets an access-log entry. A declared relationship lists
    /// what the organisation entered, not the record.
    pub fn list_clients(
        &self,
        ctx: &AuditContext,
        after: Option<Uuid>,
        page_size: i64,
    ) -> StoreResult<Vec<clients::ListedClient>> {
        let mut conn = self.conn()?;
        // One row past the page tells whether another follows; it is not shown.
        let rows = clients::list_for_organisation(
            &mut conn,
            ctx.actor.organisation_id,
            after,
            page_size + 1,
        )?;
        let shown: Vec<(Uuid, AccessBasis)> = rows
            .iter()
            .take(usize::try_from(page_size).unwrap_or(0))
            .map(|listed| {
                let basis = if listed.own_entry.is_some() {
                    AccessBasis::DeclaredRelationship
                } else {
                    AccessBasis::OrganisationRelationship
                };
                (listed.client.id, basis)
            })
            .collect();
        self.autocommit_on(&mut conn, |conn| {
            access_log::append_allowed_many(conn, ctx, "client.list", &shown)
        })?;
        Ok(rows)
    }
}

//! Registering clients, opening relationships and the organisation's client list.

use chrono::NaiveDate;
use kyky_domain::consent::{self, ConsentPurpose};
use kyky_domain::entities::{Client, ClientFields};
use kyky_domain::event::EventType;
use kyky_domain::{
    AccessBasis, Hetu, Relationship, RelationshipBasis, RelationshipError, relationship,
};
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::client_scope::{
    ClientEntry, ClientScope, ClientSight, Reach, authorize_for, professional_status, sight,
};
use crate::db::{Db, DbConnection};
use crate::error::{StoreError, StoreResult};
use crate::relationships::NewRelationship;
use crate::{clients, events, relationships, responsibility};

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
        let payload = serde_json::json!({"responsible_professional_id": responsible});
        events::record(
            conn,
            EventType::ClientCreated,
            client.id,
            client.id,
            ctx.actor.professional_id,
            &payload,
            ctx.at,
        )?;
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
    open_own_relationship_among(
        conn, ctx, client_id, &existing, started_on, grounds, declared,
    )
}

/// `open_own_relationship` given the client's relationships as read in
/// this transaction.
pub(crate) fn open_own_relationship_among(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
    existing: &[Relationship],
    started_on: NaiveDate,
    grounds: RelationshipGrounds<'_>,
    declared: Option<&ClientFields>,
) -> StoreResult<()> {
    match relationship::open(existing, ctx.actor.organisation_id, false) {
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

    /// Clients the caller's organisation has an active relationship with
    /// (the one its `system` calls `value`, when `external_id` names one);
    /// each listed client gets an access-log entry. A declared relationship
    /// lists what the organisation entered, not the record.
    pub fn list_clients(
        &self,
        ctx: &AuditContext,
        external_id: Option<(&str, &str)>,
        after: Option<Uuid>,
        page_size: i64,
    ) -> StoreResult<Vec<clients::ListedClient>> {
        let mut conn = self.conn()?;
        let only = match external_id {
            None => None,
            Some((system, value)) => {
                let organisation = ctx.actor.organisation_id;
                let kind = crate::external_ids::SubjectKind::Client;
                match crate::external_ids::find(&mut conn, organisation, kind, system, value)? {
                    Some(found) => Some(found),
                    None => return Ok(Vec::new()),
                }
            }
        };
        // One row past the page tells whether another follows; it is not shown.
        let rows = clients::list_for_organisation(
            &mut conn,
            ctx.actor.organisation_id,
            only,
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
        self.log(access_log::allowed_many(ctx, "client.list", &shown))?;
        Ok(rows)
    }
}

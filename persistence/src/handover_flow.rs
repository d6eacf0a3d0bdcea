//! Use cases of responsibility: escorted handovers, the work pair and
//! requests for responsibility. Each is one transaction: the domain decides,
//! and the decision, its domain events and its access-log entry land together.
//!
//! Races: a decision updates the handover only while it is still pending
//! (`decide` returns `false` otherwise), so of two concurrent accepts, or an
//! accept and a cancel, exactly one wins and the other rolls back.

use kyky_domain::event::EventType;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use kyky_domain::consent::{self, ConsentPurpose};
use kyky_domain::follow_up;
use kyky_domain::follow_up::FollowUpStatus;
use kyky_domain::handover::{
    self, Handover, HandoverError, HandoverStatus, PackageItemKind, PeriodOrigin,
    ProfessionalStatus, Proposal, Receiver, Responsibility,
};
use kyky_domain::{AccessBasis, RelationshipBasis};
use serde_json::json;
use uuid::Uuid;

use crate::access_log::{self, AuditContext, Outcome};
use crate::client_facts::ClientFacts;
use crate::client_flow::{RelationshipGrounds, open_own_relationship_among};
use crate::client_scope::{Reach, professional_status, scope_of_facts};
use crate::db::{Db, DbConnection};
use crate::disclosures::{self, Basis, NewDisclosure};
use crate::error::{StoreError, StoreResult};
use crate::handovers::{self, Decision, HandoverRecord, PackageItem};
use crate::{
    assessments, clients, events, follow_ups, organisations, plans, professionals, responsibility,
};

/// A handover to propose.
#[derive(Debug, Clone)]
pub struct NewHandover {
    pub receiver: Receiver,
    pub summary: String,
    pub reason: String,
    pub package: Vec<PackageItem>,
    pub network_meeting_id: Option<String>,
    pub return_to_referrer: bool,
    pub work_pair: Option<Uuid>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Records a handover's use case read on its way that the handover's view
/// shows (the people's and the client's cards), as its transaction read
/// them: the view need not read them again.
#[derive(Debug, Default)]
pub struct Seen {
    pub professionals: Vec<professionals::WithOrganisation>,
    pub clients: Vec<kyky_domain::entities::Client>,
    /// The follow-ups an acceptance moved, as it left them (soonest first).
    pub moved_follow_ups: Option<Vec<follow_ups::FollowUpRecord>>,
}

/// A package item that names a Kyky record (a plan version, an assessment's
/// feedback) names one of this client's: a receiver never reads another
/// client's data through a package.
fn check_package(
    conn: &mut DbConnection,
    client_id: Uuid,
    package: &[PackageItem],
) -> StoreResult<()> {
    const NOT_THIS_CLIENTS: StoreError = StoreError::InvalidReference {
        field: "package",
        message: "names a plan version or an assessment that is not this client's: give its id",
    };
    for item in package {
        let owner = match item.kind {
            PackageItemKind::ExternalDocument => continue,
            PackageItemKind::SupportPlanVersion | PackageItemKind::AssessmentFeedback => {
                let Ok(id) = Uuid::parse_str(&item.reference) else {
                    return Err(NOT_THIS_CLIENTS);
                };
                let found = if item.kind == PackageItemKind::SupportPlanVersion {
                    plans::get(conn, id).map(|p| p.client_id)
                } else {
                    assessments::get(conn, id).map(|a| a.client_id)
                };
                match found {
                    Ok(owner) => owner,
                    Err(StoreError::NotFound) => return Err(NOT_THIS_CLIENTS),
                    Err(other) => return Err(other),
                }
            }
        };
        if owner != client_id {
            return Err(NOT_THIS_CLIENTS);
        }
    }
    Ok(())
}

pub(crate) fn propose_in(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
    current: &Responsibility,
    new: NewHandover,
) -> StoreResult<HandoverRecord> {
    propose_seen(conn, ctx, client_id, current, new).map(|(record, _)| record)
}

/// `propose_in`, with the receiving professional's card as read.
fn propose_seen(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    client_id: Uuid,
    current: &Responsibility,
    new: NewHandover,
) -> StoreResult<(HandoverRecord, Seen)> {
    check_package(conn, client_id, &new.package)?;
    let pending = handovers::pending_now(conn, client_id, ctx.at)?;
    let mut seen = Seen::default();
    let receiver_professional = match new.receiver {
        Receiver::Professional(id) => {
            let card = professionals::get_many_with_organisation(conn, &[id])?.pop();
            let status = card.as_ref().map(|card| ProfessionalStatus {
                id,
                organisation_id: card.professional.organisation_id,
                active: card.professional.active,
            });
            seen.professionals.extend(card);
            status
        }
        Receiver::Organisation(id) => {
            if !organisations::exists(conn, id)? {
                return Err(StoreError::unknown("to_organisation_id"));
            }
            None
        }
        Receiver::Team(id) => {
            crate::teams::get(conn, id).map_err(|e| match e {
                StoreError::NotFound => StoreError::unknown("to_team_id"),
                other => other,
            })?;
            None
        }
    };
    let work_pair = match new.work_pair {
        Some(id) => {
            Some(professional_status(conn, id)?.ok_or(StoreError::unknown("work_pair_id"))?)
        }
        None => None,
    };
    let proposal = Proposal {
        receiver: new.receiver,
        receiver_professional: receiver_professional.as_ref(),
        work_pair: work_pair.as_ref(),
        expires_at: new.expires_at,
    };
    handover::propose(current, &ctx.actor, pending, &proposal, ctx.at)?;
    let record = HandoverRecord {
        handover: Handover {
            id: Uuid::now_v7(),
            status: HandoverStatus::Pending,
            from_professional: current.responsible,
            proposed_by: ctx.actor.professional_id,
            receiver: new.receiver,
            expires_at: new.expires_at,
        },
        client_id,
        summary: new.summary,
        reason: new.reason,
        return_to_referrer: new.return_to_referrer,
        network_meeting_id: new.network_meeting_id,
        proposed_work_pair: new.work_pair,
        proposed_at: ctx.at,
        decided_at: None,
        decided_by: None,
        decline_reason: None,
        cancel_reason: None,
        package: new.package,
    };
    handovers::insert(conn, &record)?;
    let receiver = match record.handover.receiver {
        Receiver::Professional(id) => json!({"professional_id": id}),
        Receiver::Organisation(id) => json!({"organisation_id": id}),
        Receiver::Team(id) => json!({"team_id": id}),
    };
    events::record(
        conn,
        EventType::HandoverProposed,
        client_id,
        record.handover.id,
        ctx.actor.professional_id,
        &json!({"from_professional_id": current.responsible, "receiver": receiver}),
        ctx.at,
    )?;
    Ok((record, seen))
}

/// Of these follow-ups, the client's that move when responsibility leaves
/// `from`: what a pending handover shows and what accepting it moves.
fn moving_from(
    follow_ups: &[follow_ups::FollowUpRecord],
    client_id: Uuid,
    from: Uuid,
) -> impl Iterator<Item = &follow_ups::FollowUpRecord> {
    follow_ups.iter().filter(move |f| {
        f.client_id == client_id && follow_up::moves_with_responsibility(f.status, f.owner_id, from)
    })
}

/// The follow-ups that move with each of these handovers: while one is
/// pending, the open ones its responsible worker owns (so the receiver sees
/// them before accepting); once accepted, the ones it moved; otherwise none.
/// Two queries for any number of handovers.
pub fn follow_ups_moving(
    conn: &mut DbConnection,
    records: &[HandoverRecord],
    now: DateTime<Utc>,
) -> StoreResult<HashMap<Uuid, Vec<follow_ups::FollowUpRecord>>> {
    let pending: Vec<&HandoverRecord> = records
        .iter()
        .filter(|r| r.handover.status_at(now) == HandoverStatus::Pending)
        .collect();
    let accepted: Vec<Uuid> = records
        .iter()
        .filter(|r| r.handover.status_at(now) == HandoverStatus::Accepted)
        .map(|r| r.handover.id)
        .collect();
    let mut moving: HashMap<Uuid, Vec<follow_ups::FollowUpRecord>> = HashMap::new();
    if !pending.is_empty() {
        let clients: Vec<Uuid> = pending.iter().map(|r| r.client_id).collect();
        let open = follow_ups::open_for_clients(conn, &clients)?;
        for record in pending {
            let from = record.handover.from_professional;
            let theirs = moving_from(&open, record.client_id, from)
                .cloned()
                .collect();
            moving.insert(record.handover.id, theirs);
        }
    }
    if !accepted.is_empty() {
        for (handover, follow_up) in follow_ups::moved_by_handovers(conn, &accepted)? {
            moving.entry(handover).or_default().push(follow_up);
        }
    }
    Ok(moving)
}

/// A concurrent insert of a second pending handover loses on the unique index.
pub(crate) fn pending_race(error: StoreError) -> StoreError {
    match error {
        StoreError::UniqueViolation(_) => HandoverError::AlreadyPending.into(),
        other => other,
    }
}

/// Why the caller may see this handover: as a party, or through the client.
fn handover_basis(
    ctx: &AuditContext,
    record: &HandoverRecord,
    facts: &ClientFacts,
) -> Option<AccessBasis> {
    if ctx.actor.works_with_clients() && record.handover.is_party(&ctx.actor) {
        return Some(AccessBasis::HandoverParty);
    }
    scope_of_facts(ctx, facts, Reach::Record).map(|scope| scope.basis)
}

/// The status a lost race ended in.
fn lost_race(conn: &mut DbConnection, id: Uuid, now: DateTime<Utc>) -> StoreError {
    match handovers::get(conn, id) {
        Ok((record, _)) => HandoverError::NotPending(record.handover.status_at(now)).into(),
        Err(error) => error,
    }
}

/// A handover as a decision on it reads it: with its client locked, the
/// card of the worker it hands over from, and the client's access facts.
struct Decided {
    record: HandoverRecord,
    sender: professionals::WithOrganisation,
    facts: Arc<ClientFacts>,
}

/// Handover `id` with its client locked and its sender's card, and the
/// client's access facts: those the request read with its caller
/// (`ctx.preloaded`) when the client's stamp has not moved since, else read
/// afresh here.
fn handover_and_facts(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    id: Uuid,
) -> StoreResult<Decided> {
    let read_afresh = |conn: &mut DbConnection, client_id| {
        crate::request_facts::load(conn, ctx.actor.professional_id, client_id)?
            .client
            .facts
            .ok_or_else(|| StoreError::Corrupt("a handover names no client".into()))
    };
    if let Some(preloaded) = &ctx.preloaded
        && let Some(facts) = &preloaded.facts
    {
        let stamp = clients::lock_with_stamp(conn, preloaded.client_id)?;
        let (record, sender) = handovers::get(conn, id)?;
        // A handover's client never changes: the request read this one's.
        if record.client_id == preloaded.client_id {
            let facts = if stamp == Some(preloaded.stamp) {
                facts.clone()
            } else {
                read_afresh(conn, record.client_id)?
            };
            return Ok(Decided {
                record,
                sender,
                facts,
            });
        }
    }
    let (record, sender) = handovers::get_locking_client(conn, id)?;
    let facts = read_afresh(conn, record.client_id)?;
    Ok(Decided {
        record,
        sender,
        facts,
    })
}

/// Closes a pending handover without moving responsibility (declined or
/// cancelled): decided only while still pending, else the race it lost, and
/// its event.
fn close(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    record: &HandoverRecord,
    decision: &Decision,
    kind: EventType,
    payload: &serde_json::Value,
) -> StoreResult<HandoverRecord> {
    let (id, who) = (record.handover.id, ctx.actor.professional_id);
    let Some(decided) = handovers::decide(conn, record, decision, who, ctx.at)? else {
        return Err(lost_race(conn, id, ctx.at));
    };
    events::record(conn, kind, record.client_id, id, who, payload, ctx.at)?;
    Ok(decided)
}

impl Db {
    /// Runs `work` on handover `id` in one transaction with its log entry,
    /// given the client's access facts (responsibility, relationships,
    /// consents) read in one statement. Callers who are neither a party nor
    /// have access to the client are logged as denied and told the handover
    /// does not exist.
    fn handover_write<T>(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        operation: &str,
        work: impl FnOnce(&mut DbConnection, Decided, &Responsibility) -> StoreResult<T>,
    ) -> StoreResult<T> {
        let mut client = None;
        let result = self.transaction(|conn| {
            let decided = handover_and_facts(conn, ctx, id)?;
            let client_id = decided.record.client_id;
            client = Some(client_id);
            let Some(basis) = handover_basis(ctx, &decided.record, &decided.facts) else {
                return Err(StoreError::AccessDenied);
            };
            let current = decided.facts.responsibility.ok_or_else(|| {
                StoreError::Corrupt("a client in a handover has no responsible worker".into())
            })?;
            let value = work(conn, decided, &current)?;
            access_log::append(
                conn,
                ctx,
                client_id,
                operation,
                Some(basis),
                Outcome::Allowed,
            )?;
            Ok(value)
        });
        match client {
            Some(client_id) => self.settle(ctx, client_id, operation, result),
            None => result,
        }
    }

    /// Proposes an escorted handover of the client.
    pub fn propose_handover(
        &self,
        ctx: &AuditContext,
        client_id: Uuid,
        new: NewHandover,
    ) -> StoreResult<(HandoverRecord, Seen)> {
        self.write_client(ctx, client_id, "handover.propose", |conn, scope| {
            let (record, mut seen) =
                propose_seen(conn, ctx, client_id, &scope.responsibility, new)?;
            seen.clients.push(scope.client.clone());
            Ok((record, seen))
        })
        .map_err(pending_race)
    }

    /// Accepts: in one step the responsibility moves, the history period
    /// closes and a new one opens, the receiver's organisation gets a client
    /// relationship if it had none, and the change is recorded as events.
    pub fn accept_handover(
        &self,
        ctx: &AuditContext,
        id: Uuid,
    ) -> StoreResult<(HandoverRecord, Seen)> {
        self.handover_write(ctx, id, "handover.accept", |conn, Decided { record, sender: from, facts }, current| {
            let acceptance = handover::accept(&record.handover, &ctx.actor, current, record.proposed_work_pair, ctx.at)?;
            // The package moves to the receiver's organisation only under the client's consent.
            let from_organisation = from.professional.organisation_id;
            let consent = consent::may_disclose(
                &facts.consents,
                from_organisation,
                ctx.actor.organisation_id,
                ConsentPurpose::InformationExchange,
                ctx.at,
            )?;
            let Some(decided) = handovers::decide(conn, &record, &Decision::Accepted, ctx.actor.professional_id, ctx.at)? else {
                return Err(lost_race(conn, id, ctx.at));
            };
            let client_id = record.client_id;
            let new = acceptance.new_responsibility;
            let how = responsibility::Transfer { origin: PeriodOrigin::Handover, handover_id: Some(id), set_by: ctx.actor.professional_id, at: ctx.at };
            responsibility::transfer(conn, client_id, current, &new, how)?;
            // The previous responsible worker's open follow-ups are the
            // responsibility's promises: they move to the receiver.
            let open = follow_ups::for_client(conn, client_id, Some(FollowUpStatus::Open))?;
            let mut moved: Vec<follow_ups::FollowUpRecord> = moving_from(&open, client_id, current.responsible).cloned().collect();
            let moving: Vec<Uuid> = moved.iter().map(|f| f.id).collect();
            follow_ups::reassign(conn, &moving, current.responsible, new.responsible, Some(id), ctx.actor.professional_id, ctx.at)?;
            // As `follow_ups::moved_by_handovers` would read them back.
            for follow_up in &mut moved {
                follow_up.owner_id = new.responsible;
            }
            moved.sort_by_key(|f| (f.due_on, f.id));
            if !moving.is_empty() {
                events::record(
                    conn,
                    EventType::FollowUpsMoved,
                    client_id,
                    id,
                    ctx.actor.professional_id,
                    &json!({"follow_up_ids": moving, "from": current.responsible, "to": new.responsible}),
                    ctx.at,
                )?;
            }
            let grounds = RelationshipGrounds { basis: RelationshipBasis::Handover, reason: None };
            open_own_relationship_among(conn, ctx, client_id, &facts.relationships, ctx.at.date_naive(), grounds, None)?;
            if let Some(consent_id) = consent {
                let disclosure = NewDisclosure {
                    client_id,
                    from: from_organisation,
                    to: ctx.actor.organisation_id,
                    what: "handover_package",
                    subject_id: Some(id),
                    basis: Basis::Consent(consent_id),
                };
                disclosures::append(conn, ctx, &disclosure)?;
            }
            let who = ctx.actor.professional_id;
            events::record_all(
                conn,
                client_id,
                who,
                &[
                    (EventType::HandoverAccepted, id, &json!({"accepted_by": who})),
                    (
                        EventType::ResponsibilityChanged,
                        client_id,
                        &json!({"from": current.responsible, "to": new.responsible, "work_pair": new.work_pair, "handover_id": id}),
                    ),
                ],
                ctx.at,
            )?;
            let seen = Seen { professionals: vec![from], clients: vec![facts.client.clone()], moved_follow_ups: Some(moved) };
            Ok((decided, seen))
        })
    }

    /// Declines, with a reason; the current worker stays responsible.
    pub fn decline_handover(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        reason: &str,
    ) -> StoreResult<HandoverRecord> {
        self.handover_write(
            ctx,
            id,
            "handover.decline",
            |conn, Decided { record, .. }, _| {
                handover::decline(&record.handover, &ctx.actor, reason, ctx.at)?;
                let decision = Decision::Declined(reason.trim().to_owned());
                let payload = json!({"declined_by": ctx.actor.professional_id});
                close(
                    conn,
                    ctx,
                    &record,
                    &decision,
                    EventType::HandoverDeclined,
                    &payload,
                )
            },
        )
    }

    /// Cancels (proposer or current responsible worker).
    pub fn cancel_handover(
        &self,
        ctx: &AuditContext,
        id: Uuid,
        reason: Option<String>,
    ) -> StoreResult<HandoverRecord> {
        self.handover_write(
            ctx,
            id,
            "handover.cancel",
            |conn, Decided { record, .. }, current| {
                handover::cancel(&record.handover, &ctx.actor, current, ctx.at)?;
                let decision = Decision::Cancelled(reason);
                let payload = json!({"cancelled_by": ctx.actor.professional_id});
                close(
                    conn,
                    ctx,
                    &record,
                    &decision,
                    EventType::HandoverCancelled,
                    &payload,
                )
            },
        )
    }

    /// Reads one handover as a party or through the client.
    pub fn read_handover(&self, ctx: &AuditContext, id: Uuid) -> StoreResult<HandoverRecord> {
        self.handover_write(ctx, id, "handover.read", |_, Decided { record, .. }, _| {
            Ok(record)
        })
    }

    /// The caller's incoming or outgoing handovers; each listed client's access is logged.
    pub fn list_handovers(
        &self,
        ctx: &AuditContext,
        direction: handovers::Direction,
        status: Option<HandoverStatus>,
        after: Option<Uuid>,
        page_size: i64,
    ) -> StoreResult<Vec<HandoverRecord>> {
        let rows = self.run(|conn| {
            // One row past the page tells whether another page follows; it is
            // not shown, so not logged.
            handovers::list(
                conn,
                &ctx.actor,
                direction,
                status,
                ctx.at,
                after,
                page_size + 1,
            )
        })?;
        let shown: Vec<(Uuid, AccessBasis)> = rows
            .iter()
            .take(usize::try_from(page_size).unwrap_or(0))
            .map(|r| (r.client_id, AccessBasis::HandoverParty))
            .collect();
        self.log(access_log::allowed_many(ctx, "handover.list", &shown))?;
        Ok(rows)
    }
}

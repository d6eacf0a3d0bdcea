//! Responsible worker (vastuutyöntekijä, asiakasvastaava) and escorted
//! handover (saattaen vaihtaen).
//!
//! Exactly one professional is responsible for a client at every moment,
//! optionally with a work pair (työpari). Responsibility moves only when the
//! receiver accepts ("ottaa koppi"); until then the current worker stays
//! responsible. At most one handover of a client is pending at a time.
//!
//! ```text
//! pending ──accept──▶ accepted
//!    │ ├──decline──▶ declined   (receiver, with a reason)
//!    │ └──cancel───▶ cancelled  (proposer or current responsible worker)
//!    └──deadline passes──▶ expired (only if the proposal set `expires_at`)
//! ```

use chrono::{DateTime, Utc};
use thiserror::Error;
use uuid::Uuid;

use crate::actor::Actor;
use crate::codes::code_set;

code_set! {
    /// Where a handover stands.
    HandoverStatus, "handover-statuses", "States of an escorted handover" {
        Pending = "pending": "Odottaa vastaanottajaa", "Väntar på mottagaren", "Pending: waiting for the receiver";
        Accepted = "accepted": "Vastaanotettu", "Mottagen", "Accepted: responsibility moved";
        Declined = "declined": "Hylätty", "Avböjd", "Declined by the receiver";
        Cancelled = "cancelled": "Peruttu", "Återkallad", "Cancelled by the proposer";
        Expired = "expired": "Vanhentunut", "Utgången", "Expired: not accepted by its deadline";
    }
}

code_set! {
    /// How a responsibility period began.
    PeriodOrigin, "responsibility-origins", "How a responsibility period began" {
        Initial = "initial": "Asiakkuuden alku", "Klientskapets början", "Initial: when the client entered the model";
        Handover = "handover": "Saattaen vaihtaen", "Överlämning med följeslagning", "Escorted handover";
        Assessment = "assessment": "Työkykyarvio", "Arbetsförmågebedömning", "Health and work-ability assessment";
    }
}

code_set! {
    /// What travels with a handover in its information package.
    PackageItemKind, "handover-package-kinds", "Kinds of item in a handover's information package" {
        SupportPlanVersion = "support_plan_version":
            "Työkyvyn tuen suunnitelman versio", "Version av planen för stöd av arbetsförmågan", "Support plan version";
        AssessmentFeedback = "assessment_feedback":
            "Työkykyarvion palaute", "Återkoppling från arbetsförmågebedömningen", "Assessment feedback";
        ExternalDocument = "external_document":
            "Asiakirja toisessa järjestelmässä", "Dokument i ett annat system", "Document in another system";
    }
}

/// The current responsible worker and work pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Responsibility {
    pub responsible: Uuid,
    pub work_pair: Option<Uuid>,
}

impl Responsibility {
    /// The responsible worker or the work pair.
    pub fn is_held_by(&self, professional: Uuid) -> bool {
        self.responsible == professional || self.work_pair == Some(professional)
    }
}

/// Who a handover is addressed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    Professional(Uuid),
    /// A queue: any member of the organisation may accept.
    Organisation(Uuid),
    /// A work-ability team's queue: any current member may accept.
    Team(Uuid),
}

/// What the rules need to know about a named professional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfessionalStatus {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    pub id: Uuid,
    pub status: HandoverStatus,
    /// The responsible worker when it was proposed.
    pub from_professional: Uuid,
    pub proposed_by: Uuid,
    pub receiver: Receiver,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Handover {
    /// The status as of `now`: a pending handover past its deadline is expired.
    pub fn status_at(&self, now: DateTime<Utc>) -> HandoverStatus {
        match (self.status, self.expires_at) {
            (HandoverStatus::Pending, Some(deadline)) if deadline <= now => HandoverStatus::Expired,
            (status, _) => status,
        }
    }

    pub fn is_receiver(&self, actor: &Actor) -> bool {
        match self.receiver {
            Receiver::Professional(id) => id == actor.professional_id,
            Receiver::Organisation(id) => id == actor.organisation_id,
            Receiver::Team(id) => actor.teams.contains(&id),
        }
    }

    /// Proposer, the worker it moves from, or the receiver.
    pub fn is_party(&self, actor: &Actor) -> bool {
        self.proposed_by == actor.professional_id
            || self.from_professional == actor.professional_id
            || self.is_receiver(actor)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HandoverError {
    #[error("only the responsible worker or the work pair may do this")]
    NotResponsible,
    #[error("a handover of this client is already pending: accept, decline or cancel it first")]
    AlreadyPending,
    #[error("the receiver is already the client's responsible worker")]
    ReceiverIsResponsible,
    #[error("the receiver is not an active professional")]
    ReceiverInactive,
    #[error("the proposed work pair is not an active professional other than the receiver")]
    InvalidWorkPair,
    #[error("the deadline must be in the future")]
    DeadlineInPast,
    #[error("the handover is {0}, no longer pending")]
    NotPending(HandoverStatus),
    #[error("only the receiver (or a member of the receiving queue) may accept or decline")]
    NotReceiver,
    #[error("only the proposer or the current responsible worker may cancel")]
    NotProposer,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("responsibility has changed since the handover was proposed")]
    ResponsibilityChanged,
}

/// A proposed handover, with what the rules need to know of the people it names.
#[derive(Debug, Clone, Copy)]
pub struct Proposal<'a> {
    pub receiver: Receiver,
    /// The named receiver's record; `None` for a queue or an unknown id.
    pub receiver_professional: Option<&'a ProfessionalStatus>,
    /// The work pair the receiver would get.
    pub work_pair: Option<&'a ProfessionalStatus>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Checks a proposal. For a queue, the organisation's existence is the
/// caller's to check.
pub fn propose(
    current: &Responsibility,
    proposer: &Actor,
    pending_exists: bool,
    proposal: &Proposal<'_>,
    now: DateTime<Utc>,
) -> Result<(), HandoverError> {
    let Proposal {
        receiver,
        receiver_professional,
        work_pair,
        expires_at,
    } = *proposal;
    if !current.is_held_by(proposer.professional_id) {
        return Err(HandoverError::NotResponsible);
    }
    if pending_exists {
        return Err(HandoverError::AlreadyPending);
    }
    if let Receiver::Professional(id) = receiver {
        if id == current.responsible {
            return Err(HandoverError::ReceiverIsResponsible);
        }
        if !receiver_professional.is_some_and(|p| p.id == id && p.active) {
            return Err(HandoverError::ReceiverInactive);
        }
    }
    if let Some(pair) = work_pair {
        let same_as_receiver = receiver == Receiver::Professional(pair.id);
        if !pair.active || same_as_receiver {
            return Err(HandoverError::InvalidWorkPair);
        }
    }
    if expires_at.is_some_and(|deadline| deadline <= now) {
        return Err(HandoverError::DeadlineInPast);
    }
    Ok(())
}

fn require_pending(handover: &Handover, now: DateTime<Utc>) -> Result<(), HandoverError> {
    match handover.status_at(now) {
        HandoverStatus::Pending => Ok(()),
        other => Err(HandoverError::NotPending(other)),
    }
}

/// What accepting does: the acceptor becomes responsible (with the proposed
/// work pair, or none), in one step with everything that travels along.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acceptance {
    pub new_responsibility: Responsibility,
}

pub fn accept(
    handover: &Handover,
    actor: &Actor,
    current: &Responsibility,
    proposed_work_pair: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Acceptance, HandoverError> {
    require_pending(handover, now)?;
    if !handover.is_receiver(actor) {
        return Err(HandoverError::NotReceiver);
    }
    if current.responsible != handover.from_professional {
        return Err(HandoverError::ResponsibilityChanged);
    }
    let work_pair = proposed_work_pair.filter(|&pair| pair != actor.professional_id);
    Ok(Acceptance {
        new_responsibility: Responsibility {
            responsible: actor.professional_id,
            work_pair,
        },
    })
}

pub fn decline(
    handover: &Handover,
    actor: &Actor,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), HandoverError> {
    require_pending(handover, now)?;
    if !handover.is_receiver(actor) {
        return Err(HandoverError::NotReceiver);
    }
    if reason.trim().is_empty() {
        return Err(HandoverError::ReasonRequired);
    }
    Ok(())
}

pub fn cancel(
    handover: &Handover,
    actor: &Actor,
    current: &Responsibility,
    now: DateTime<Utc>,
) -> Result<(), HandoverError> {
    require_pending(handover, now)?;
    if handover.proposed_by != actor.professional_id && current.responsible != actor.professional_id
    {
        return Err(HandoverError::NotProposer);
    }
    Ok(())
}

/// Setting or clearing the work pair: only the responsible worker, and the
/// pair must be an active professional other than the responsible worker.
pub fn set_work_pair(
    current: &Responsibility,
    actor: &Actor,
    pair: Option<&ProfessionalStatus>,
) -> Result<(), HandoverError> {
    if current.responsible != actor.professional_id {
        return Err(HandoverError::NotResponsible);
    }
    if let Some(pair) = pair
        && (!pair.active || pair.id == current.responsible)
    {
        return Err(HandoverError::InvalidWorkPair);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::codes::Role;

    fn actor(professional: Uuid, organisation: Uuid) -> Actor {
        Actor {
            professional_id: professional,
            organisation_id: organisation,
            roles: [Role::Professional].into(),
            teams: std::collections::BTreeSet::new(),
        }
    }

    fn active(id: Uuid) -> ProfessionalStatus {
        ProfessionalStatus {
            id,
            organisation_id: Uuid::now_v7(),
            active: true,
        }
    }

    struct World {
        now: DateTime<Utc>,
        responsible: Actor,
        pair: Actor,
        receiver: Actor,
        current: Responsibility,
    }

    fn world() -> World {
        let responsible = actor(Uuid::now_v7(), Uuid::now_v7());
        let pair = actor(Uuid::now_v7(), responsible.organisation_id);
        let receiver = actor(Uuid::now_v7(), Uuid::now_v7());
        let current = Responsibility {
            responsible: responsible.professional_id,
            work_pair: Some(pair.professional_id),
        };
        World {
            now: Utc::now(),
            responsible,
            pair,
            receiver,
            current,
        }
    }

    fn pending(w: &World, receiver: Receiver) -> Handover {
        Handover {
            id: Uuid::now_v7(),
            status: HandoverStatus::Pending,
            from_professional: w.responsible.professional_id,
            proposed_by: w.responsible.professional_id,
            receiver,
            expires_at: None,
        }
    }

    fn to_receiver(w: &World) -> Receiver {
        Receiver::Professional(w.receiver.professional_id)
    }

    #[test]
    fn the_responsible_worker_or_work_pair_may_propose() {
        let w = world();
        let target = active(w.receiver.professional_id);
        for proposer in [&w.responsible, &w.pair] {
            assert_eq!(
                propose(
                    &w.current,
                    proposer,
                    false,
                    &Proposal {
                        receiver: to_receiver(&w),
                        receiver_professional: Some(&target),
                        work_pair: None,
                        expires_at: None
                    },
                    w.now
                ),
                Ok(())
            );
        }
        let outsider = actor(Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(
            propose(
                &w.current,
                &outsider,
                false,
                &Proposal {
                    receiver: to_receiver(&w),
                    receiver_professional: Some(&target),
                    work_pair: None,
                    expires_at: None
                },
                w.now
            ),
            Err(HandoverError::NotResponsible)
        );
    }

    #[test]
    fn only_one_handover_may_be_pending() {
        let w = world();
        let target = active(w.receiver.professional_id);
        assert_eq!(
            propose(
                &w.current,
                &w.responsible,
                true,
                &Proposal {
                    receiver: to_receiver(&w),
                    receiver_professional: Some(&target),
                    work_pair: None,
                    expires_at: None
                },
                w.now
            ),
            Err(HandoverError::AlreadyPending)
        );
    }

    #[test]
    fn the_receiver_must_be_another_active_professional() {
        let w = world();
        let own = Receiver::Professional(w.responsible.professional_id);
        let me = active(w.responsible.professional_id);
        assert_eq!(
            propose(
                &w.current,
                &w.responsible,
                false,
                &Proposal {
                    receiver: own,
                    receiver_professional: Some(&me),
                    work_pair: None,
                    expires_at: None
                },
                w.now
            ),
            Err(HandoverError::ReceiverIsResponsible)
        );
        let inactive = ProfessionalStatus {
            active: false,
            ..active(w.receiver.professional_id)
        };
        assert_eq!(
            propose(
                &w.current,
                &w.responsible,
                false,
                &Proposal {
                    receiver: to_receiver(&w),
                    receiver_professional: Some(&inactive),
                    work_pair: None,
                    expires_at: None
                },
                w.now
            ),
            Err(HandoverError::ReceiverInactive)
        );
        assert_eq!(
            propose(
                &w.current,
                &w.responsible,
                false,
                &Proposal {
                    receiver: to_receiver(&w),
                    receiver_professional: None,
                    work_pair: None,
                    expires_at: None
                },
                w.now
            ),
            Err(HandoverError::ReceiverInactive)
        );
    }

    #[test]
    fn an_organisation_queue_needs_no_named_professional() {
        let w = world();
        let queue = Receiver::Organisation(w.receiver.organisation_id);
        assert_eq!(
            propose(
                &w.current,
                &w.responsible,
                false,
                &Proposal {
                    receiver: queue,
                    receiver_professional: None,
                    work_pair: None,
                    expires_at: None
                },
                w.now
            ),
            Ok(())
        );
    }

    #[test]
    fn a_proposed_work_pair_must_be_active_and_not_the_receiver() {
        let w = world();
        let target = active(w.receiver.professional_id);
        let inactive = ProfessionalStatus {
            active: false,
            ..active(Uuid::now_v7())
        };
        assert_eq!(
            propose(
                &w.current,
                &w.responsible,
                false,
                &Proposal {
                    receiver: to_receiver(&w),
                    receiver_professional: Some(&target),
                    work_pair: Some(&inactive),
                    expires_at: None
                },
                w.now
            ),
            Err(HandoverError::InvalidWorkPair)
        );
        assert_eq!(
            propose(
                &w.current,
                &w.responsible,
                false,
                &Proposal {
                    receiver: to_receiver(&w),
                    receiver_professional: Some(&target),
                    work_pair: Some(&target),
                    expires_at: None
                },
                w.now
            ),
            Err(HandoverError::InvalidWorkPair)
        );
    }

    #[test]
    fn a_deadline_must_lie_ahead() {
        let w = world();
        let target = active(w.receiver.professional_id);
        let past = Some(w.now - Duration::minutes(1));
        assert_eq!(
            propose(
                &w.current,
                &w.responsible,
                false,
                &Proposal {
                    receiver: to_receiver(&w),
                    receiver_professional: Some(&target),
                    work_pair: None,
                    expires_at: past
                },
                w.now
            ),
            Err(HandoverError::DeadlineInPast)
        );
    }

    #[test]
    fn pending_to_accepted_by_the_receiver_moves_responsibility() {
        let w = world();
        let h = pending(&w, to_receiver(&w));
        let accepted = accept(&h, &w.receiver, &w.current, None, w.now).unwrap();
        assert_eq!(
            accepted.new_responsibility,
            Responsibility {
                responsible: w.receiver.professional_id,
                work_pair: None
            }
        );
    }

    #[test]
    fn accepting_brings_the_proposed_work_pair() {
        let w = world();
        let h = pending(&w, to_receiver(&w));
        let pair = Uuid::now_v7();
        let accepted = accept(&h, &w.receiver, &w.current, Some(pair), w.now).unwrap();
        assert_eq!(accepted.new_responsibility.work_pair, Some(pair));
    }

    #[test]
    fn any_member_of_the_receiving_organisation_may_accept_a_queued_handover() {
        let w = world();
        let h = pending(&w, Receiver::Organisation(w.receiver.organisation_id));
        let colleague = actor(Uuid::now_v7(), w.receiver.organisation_id);
        assert!(accept(&h, &colleague, &w.current, None, w.now).is_ok());
        let stranger = actor(Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(
            accept(&h, &stranger, &w.current, None, w.now),
            Err(HandoverError::NotReceiver)
        );
    }

    #[test]
    fn any_member_of_the_receiving_team_may_accept_from_any_organisation() {
        let w = world();
        let team = Uuid::now_v7();
        let h = pending(&w, Receiver::Team(team));
        let mut member = actor(Uuid::now_v7(), Uuid::now_v7());
        member.teams.insert(team);
        assert!(accept(&h, &member, &w.current, None, w.now).is_ok());
        assert!(h.is_party(&member));
        assert_eq!(
            accept(&h, &w.receiver, &w.current, None, w.now),
            Err(HandoverError::NotReceiver)
        );
    }

    #[test]
    fn only_the_receiver_accepts_or_declines() {
        let w = world();
        let h = pending(&w, to_receiver(&w));
        assert_eq!(
            accept(&h, &w.responsible, &w.current, None, w.now),
            Err(HandoverError::NotReceiver)
        );
        assert_eq!(
            decline(&h, &w.pair, "no", w.now),
            Err(HandoverError::NotReceiver)
        );
    }

    #[test]
    fn pending_to_declined_needs_a_reason() {
        let w = world();
        let h = pending(&w, to_receiver(&w));
        assert_eq!(
            decline(&h, &w.receiver, "  ", w.now),
            Err(HandoverError::ReasonRequired)
        );
        assert_eq!(decline(&h, &w.receiver, "Ei kuulu meille", w.now), Ok(()));
    }

    #[test]
    fn pending_to_cancelled_by_the_proposer_or_the_responsible_worker() {
        let w = world();
        let mut h = pending(&w, to_receiver(&w));
        h.proposed_by = w.pair.professional_id;
        assert_eq!(cancel(&h, &w.pair, &w.current, w.now), Ok(()));
        assert_eq!(cancel(&h, &w.responsible, &w.current, w.now), Ok(()));
        assert_eq!(
            cancel(&h, &w.receiver, &w.current, w.now),
            Err(HandoverError::NotProposer)
        );
    }

    #[test]
    fn no_transition_leaves_a_decided_handover() {
        let w = world();
        for status in [
            HandoverStatus::Accepted,
            HandoverStatus::Declined,
            HandoverStatus::Cancelled,
        ] {
            let h = Handover {
                status,
                ..pending(&w, to_receiver(&w))
            };
            assert_eq!(
                accept(&h, &w.receiver, &w.current, None, w.now),
                Err(HandoverError::NotPending(status))
            );
            assert_eq!(
                decline(&h, &w.receiver, "x", w.now),
                Err(HandoverError::NotPending(status))
            );
            assert_eq!(
                cancel(&h, &w.responsible, &w.current, w.now),
                Err(HandoverError::NotPending(status))
            );
        }
    }

    #[test]
    fn pending_past_its_deadline_is_expired_and_cannot_be_accepted() {
        let w = world();
        let h = Handover {
            expires_at: Some(w.now - Duration::seconds(1)),
            ..pending(&w, to_receiver(&w))
        };
        assert_eq!(h.status_at(w.now), HandoverStatus::Expired);
        assert_eq!(
            accept(&h, &w.receiver, &w.current, None, w.now),
            Err(HandoverError::NotPending(HandoverStatus::Expired))
        );
        let later = Handover {
            expires_at: Some(w.now + Duration::hours(1)),
            ..h
        };
        assert_eq!(later.status_at(w.now), HandoverStatus::Pending);
    }

    #[test]
    fn accepting_after_responsibility_moved_otherwise_is_refused() {
        let w = world();
        let h = pending(&w, to_receiver(&w));
        let moved = Responsibility {
            responsible: Uuid::now_v7(),
            work_pair: None,
        };
        assert_eq!(
            accept(&h, &w.receiver, &moved, None, w.now),
            Err(HandoverError::ResponsibilityChanged)
        );
    }

    #[test]
    fn only_the_responsible_worker_sets_the_work_pair() {
        let w = world();
        let pair = active(Uuid::now_v7());
        assert_eq!(
            set_work_pair(&w.current, &w.responsible, Some(&pair)),
            Ok(())
        );
        assert_eq!(set_work_pair(&w.current, &w.responsible, None), Ok(()));
        assert_eq!(
            set_work_pair(&w.current, &w.pair, Some(&pair)),
            Err(HandoverError::NotResponsible)
        );
        let own = active(w.responsible.professional_id);
        assert_eq!(
            set_work_pair(&w.current, &w.responsible, Some(&own)),
            Err(HandoverError::InvalidWorkPair)
        );
    }

    #[test]
    fn parties_are_proposer_origin_and_receiver() {
        let w = world();
        let h = pending(&w, Receiver::Organisation(w.receiver.organisation_id));
        assert!(h.is_party(&w.responsible));
        assert!(h.is_party(&actor(Uuid::now_v7(), w.receiver.organisation_id)));
        assert!(!h.is_party(&actor(Uuid::now_v7(), Uuid::now_v7())));
    }
}

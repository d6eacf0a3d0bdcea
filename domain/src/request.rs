//! Asking for responsibility: a professional who sees that the client's work
//! now happens with them asks the responsible worker to hand the client over
//! ("vastuu pitäisi olla siellä missä asiakkaan kanssa tehdään oikeasti töitä").
//!
//! ```text
//! pending ──agree (responsible worker)──▶ agreed   → a pending handover to the asker
//!    │ ├──refuse (responsible worker, reason)──▶ refused
//!    │ └──withdraw (asker)──▶ withdrawn
//! ```

use thiserror::Error;
use uuid::Uuid;

use crate::actor::Actor;
use crate::codes::code_set;
use crate::handover::Responsibility;

code_set! {
    /// Where a request for responsibility stands.
    RequestStatus, "responsibility-request-statuses", "States of a request for responsibility" {
        Pending = "pending": "Odottaa vastausta", "Väntar på svar", "Pending: waiting for the responsible worker";
        Agreed = "agreed": "Hyväksytty", "Godkänd", "Agreed: a handover to the asker is pending";
        Refused = "refused": "Kieltäydytty", "Avslagen", "Refused, with a reason";
        Withdrawn = "withdrawn": "Peruttu", "Återtagen", "Withdrawn by the asker";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsibilityRequest {
    pub id: Uuid,
    pub status: RequestStatus,
    pub requested_by: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RequestError {
    #[error("you are already the client's responsible worker")]
    AlreadyResponsible,
    #[error("a request for this client's responsibility is already pending")]
    AlreadyPending,
    #[error("the request is {0}, no longer pending")]
    NotPending(RequestStatus),
    #[error("only the client's responsible worker may answer")]
    NotResponsible,
    #[error("only the asker may withdraw the request")]
    NotRequester,
    #[error("a reason is required")]
    ReasonRequired,
}

pub fn ask(
    current: &Responsibility,
    actor: &Actor,
    pending_exists: bool,
) -> Result<(), RequestError> {
    if current.responsible == actor.professional_id {
        return Err(RequestError::AlreadyResponsible);
    }
    if pending_exists {
        return Err(RequestError::AlreadyPending);
    }
    Ok(())
}

fn pending(request: &ResponsibilityRequest) -> Result<(), RequestError> {
    match request.status {
        RequestStatus::Pending => Ok(()),
        other => Err(RequestError::NotPending(other)),
    }
}

/// Agreeing turns the request into a pending handover to the asker.
pub fn agree(
    request: &ResponsibilityRequest,
    actor: &Actor,
    current: &Responsibility,
) -> Result<(), RequestError> {
    pending(request)?;
    if current.responsible != actor.professional_id {
        return Err(RequestError::NotResponsible);
    }
    Ok(())
}

pub fn refuse(
    request: &ResponsibilityRequest,
    actor: &Actor,
    current: &Responsibility,
    reason: &str,
) -> Result<(), RequestError> {
    agree(request, actor, current)?;
    if reason.trim().is_empty() {
        return Err(RequestError::ReasonRequired);
    }
    Ok(())
}

pub fn withdraw(request: &ResponsibilityRequest, actor: &Actor) -> Result<(), RequestError> {
    pending(request)?;
    if request.requested_by != actor.professional_id {
        return Err(RequestError::NotRequester);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Role;

    fn actor() -> Actor {
        Actor {
            professional_id: Uuid::now_v7(),
            organisation_id: Uuid::now_v7(),
            roles: [Role::Professional].into(),
            teams: std::collections::BTreeSet::new(),
        }
    }

    fn setup() -> (Actor, Actor, Responsibility, ResponsibilityRequest) {
        let (responsible, asker) = (actor(), actor());
        let current = Responsibility {
            responsible: responsible.professional_id,
            work_pair: None,
        };
        let request = ResponsibilityRequest {
            id: Uuid::now_v7(),
            status: RequestStatus::Pending,
            requested_by: asker.professional_id,
        };
        (responsible, asker, current, request)
    }

    #[test]
    fn anyone_but_the_responsible_worker_may_ask_once_at_a_time() {
        let (responsible, asker, current, _) = setup();
        assert_eq!(ask(&current, &asker, false), Ok(()));
        assert_eq!(
            ask(&current, &asker, true),
            Err(RequestError::AlreadyPending)
        );
        assert_eq!(
            ask(&current, &responsible, false),
            Err(RequestError::AlreadyResponsible)
        );
    }

    #[test]
    fn pending_to_agreed_by_the_responsible_worker() {
        let (responsible, asker, current, request) = setup();
        assert_eq!(agree(&request, &responsible, &current), Ok(()));
        assert_eq!(
            agree(&request, &asker, &current),
            Err(RequestError::NotResponsible)
        );
    }

    #[test]
    fn pending_to_refused_needs_a_reason() {
        let (responsible, _, current, request) = setup();
        assert_eq!(
            refuse(&request, &responsible, &current, ""),
            Err(RequestError::ReasonRequired)
        );
        assert_eq!(
            refuse(&request, &responsible, &current, "Asiakas on vielä meillä"),
            Ok(())
        );
    }

    #[test]
    fn pending_to_withdrawn_by_the_asker_only() {
        let (responsible, asker, _, request) = setup();
        assert_eq!(withdraw(&request, &asker), Ok(()));
        assert_eq!(
            withdraw(&request, &responsible),
            Err(RequestError::NotRequester)
        );
    }

    #[test]
    fn an_answered_request_stays_answered() {
        let (responsible, asker, current, request) = setup();
        for status in [
            RequestStatus::Agreed,
            RequestStatus::Refused,
            RequestStatus::Withdrawn,
        ] {
            let answered = ResponsibilityRequest {
                status,
                ..request.clone()
            };
            assert_eq!(
                agree(&answered, &responsible, &current),
                Err(RequestError::NotPending(status))
            );
            assert_eq!(
                refuse(&answered, &responsible, &current, "x"),
                Err(RequestError::NotPending(status))
            );
            assert_eq!(
                withdraw(&answered, &asker),
                Err(RequestError::NotPending(status))
            );
        }
    }
}

//! Low-threshold entry: a person asks a work-ability team to get in touch
//! without a referral (Omaolo contact request, walk-in, phone, passed on by a
//! professional). A team member triages it: invites the person (who becomes
//! a client, with consent recorded at the first meeting) or closes it.
//!
//! ```text
//! new ──invite──▶ invited
//!  └───close (with a reason)──▶ closed
//! ```

use thiserror::Error;
use uuid::Uuid;

use crate::actor::Actor;
use crate::codes::code_set;

code_set! {
    /// How the contact request arrived.
    ContactChannel, "contact-channels", "How a contact request reached the team" {
        Omaolo = "omaolo": "Omaolo-yhteydenottopyyntö", "Omaolo kontaktbegäran", "Omaolo contact request";
        WalkIn = "walk_in": "Walk-in", "Drop-in", "Walk-in";
        Phone = "phone": "Puhelin", "Telefon", "Phone";
        PassedOn = "passed_on": "Ammattilaisen välittämä", "Förmedlad av en yrkesperson", "Passed on by a professional";
    }
}

code_set! {
    /// Where a contact request stands.
    ContactRequestStatus, "contact-request-statuses", "States of a contact request" {
        New = "new": "Uusi", "Ny", "New, awaiting triage";
        Invited = "invited": "Kutsuttu", "Inbjuden", "Invited: the person is now a client";
        Closed = "closed": "Suljettu", "Stängd", "Closed, with a reason";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRequest {
    pub id: Uuid,
    pub status: ContactRequestStatus,
    pub team_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContactRequestError {
    #[error("only a member of the team may triage its contact requests")]
    NotTeamMember,
    #[error("the contact request is {0}, already triaged")]
    AlreadyTriaged(ContactRequestStatus),
    #[error("a reason is required")]
    ReasonRequired,
}

/// A contact request must give a way to reach the person.
pub fn reachable(phone: Option<&str>, email: Option<&str>) -> Result<(), &'static str> {
    let given = |v: Option<&str>| v.is_some_and(|v| !v.trim().is_empty());
    if given(phone) || given(email) {
        Ok(())
    } else {
        Err("give a phone number or an e-mail address")
    }
}

fn triageable(request: &ContactRequest, actor: &Actor) -> Result<(), ContactRequestError> {
    if !actor.teams.contains(&request.team_id) {
        return Err(ContactRequestError::NotTeamMember);
    }
    match request.status {
        ContactRequestStatus::New => Ok(()),
        other => Err(ContactRequestError::AlreadyTriaged(other)),
    }
}

pub fn invite(request: &ContactRequest, actor: &Actor) -> Result<(), ContactRequestError> {
    triageable(request, actor)
}

pub fn close(
    request: &ContactRequest,
    actor: &Actor,
    reason: &str,
) -> Result<(), ContactRequestError> {
    triageable(request, actor)?;
    if reason.trim().is_empty() {
        return Err(ContactRequestError::ReasonRequired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Role;

    fn member_of(team: Option<Uuid>) -> Actor {
        Actor {
            professional_id: Uuid::now_v7(),
            organisation_id: Uuid::now_v7(),
            roles: [Role::Professional].into(),
            teams: team.into_iter().collect(),
        }
    }

    #[test]
    fn a_way_to_reach_the_person_is_required() {
        assert!(reachable(Some("040 123 4567"), None).is_ok());
        assert!(reachable(None, Some("a@b.fi")).is_ok());
        assert!(reachable(Some(" "), None).is_err());
        assert!(reachable(None, None).is_err());
    }

    #[test]
    fn new_to_invited_or_closed_by_a_team_member() {
        let request = ContactRequest {
            id: Uuid::now_v7(),
            status: ContactRequestStatus::New,
            team_id: Uuid::now_v7(),
        };
        let member = member_of(Some(request.team_id));
        assert_eq!(invite(&request, &member), Ok(()));
        assert_eq!(
            invite(&request, &member_of(None)),
            Err(ContactRequestError::NotTeamMember)
        );
        assert_eq!(
            close(&request, &member, ""),
            Err(ContactRequestError::ReasonRequired)
        );
        assert_eq!(
            close(&request, &member, "Ei tavoitettu kolmella yrityksellä"),
            Ok(())
        );
    }

    #[test]
    fn a_triaged_request_stays_triaged() {
        for status in [ContactRequestStatus::Invited, ContactRequestStatus::Closed] {
            let request = ContactRequest {
                id: Uuid::now_v7(),
                status,
                team_id: Uuid::now_v7(),
            };
            let member = member_of(Some(request.team_id));
            assert_eq!(
                invite(&request, &member),
                Err(ContactRequestError::AlreadyTriaged(status))
            );
            assert_eq!(
                close(&request, &member, "x"),
                Err(ContactRequestError::AlreadyTriaged(status))
            );
        }
    }
}

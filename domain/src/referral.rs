//! Referral (lähete) to a work-ability team: the health and social factors
//! raised so far and the questions the sender wants answered.
//!
//! ```text
//! draft ──send──▶ sent ──accept──▶ accepted
//!   │               ├──return (with reason, e.g. incomplete)──▶ returned
//!   └──withdraw─────┴──withdraw──▶ withdrawn
//! ```
//! Sending discloses the referral to the team's organisation and needs the
//! client's consent to referral to assessment covering it.

use thiserror::Error;
use uuid::Uuid;

use crate::actor::Actor;
use crate::codes::code_set;
use crate::consent::ConsentPurpose;
use crate::team::TeamKind;

code_set! {
    /// Where a referral stands.
    ReferralStatus, "referral-statuses", "States of a referral to a work-ability team" {
        Draft = "draft": "Luonnos", "Utkast", "Draft";
        Sent = "sent": "Lähetetty", "Skickad", "Sent to the team";
        Accepted = "accepted": "Vastaanotettu", "Mottagen", "Accepted by the team";
        Returned = "returned": "Palautettu", "Returnerad", "Returned by the team, with a reason";
        Withdrawn = "withdrawn": "Peruttu", "Återtagen", "Withdrawn by the sender";
    }
}

code_set! {
    /// How soon the team should act.
    Urgency, "referral-urgencies", "Urgency of a referral" {
        Normal = "normal": "Tavallinen", "Normal", "Normal";
        Urgent = "urgent": "Kiireellinen", "Brådskande", "Urgent";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub id: Uuid,
    pub status: ReferralStatus,
    pub referred_by: Uuid,
    pub team_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReferralError {
    #[error("the referral is {0}; this step needs it {1}")]
    WrongState(ReferralStatus, ReferralStatus),
    #[error("only the sender may send or withdraw the referral")]
    NotSender,
    #[error("only a member of the receiving team may do this")]
    NotTeamMember,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the referral has already been decided")]
    AlreadyDecided,
}

fn require(referral: &Referral, status: ReferralStatus) -> Result<(), ReferralError> {
    if referral.status == status {
        Ok(())
    } else {
        Err(ReferralError::WrongState(referral.status, status))
    }
}

fn team_member(referral: &Referral, actor: &Actor) -> Result<(), ReferralError> {
    if actor.teams.contains(&referral.team_id) {
        Ok(())
    } else {
        Err(ReferralError::NotTeamMember)
    }
}

/// The purpose the client's consent must have for a referral to a team of
/// this kind: a consultative team handles the client's case among
/// professionals, without the client (handling in a team or network); a
/// team that meets the client assesses them (referral to assessment).
pub fn consent_purpose(team: TeamKind) -> ConsentPurpose {
    match team {
        TeamKind::Consultative => ConsentPurpose::TeamOrNetworkHandling,
        TeamKind::WithClient | TeamKind::Both => ConsentPurpose::ReferralToAssessment,
    }
}

pub fn send(referral: &Referral, actor: &Actor) -> Result<(), ReferralError> {
    require(referral, ReferralStatus::Draft)?;
    if referral.referred_by != actor.professional_id {
        return Err(ReferralError::NotSender);
    }
    Ok(())
}

pub fn accept(referral: &Referral, actor: &Actor) -> Result<(), ReferralError> {
    team_member(referral, actor)?;
    require(referral, ReferralStatus::Sent)
}

pub fn return_to_sender(
    referral: &Referral,
    actor: &Actor,
    reason: &str,
) -> Result<(), ReferralError> {
    team_member(referral, actor)?;
    require(referral, ReferralStatus::Sent)?;
    if reason.trim().is_empty() {
        return Err(ReferralError::ReasonRequired);
    }
    Ok(())
}

pub fn withdraw(referral: &Referral, actor: &Actor) -> Result<(), ReferralError> {
    if referral.referred_by != actor.professional_id {
        return Err(ReferralError::NotSender);
    }
    match referral.status {
        ReferralStatus::Draft | ReferralStatus::Sent => Ok(()),
        _ => Err(ReferralError::AlreadyDecided),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_consultative_team_needs_consent_to_handle_the_case_and_others_to_assess() {
        use crate::consent::ConsentPurpose;
        use crate::team::TeamKind;
        assert_eq!(
            consent_purpose(TeamKind::Consultative),
            ConsentPurpose::TeamOrNetworkHandling
        );
        assert_eq!(
            consent_purpose(TeamKind::WithClient),
            ConsentPurpose::ReferralToAssessment
        );
        assert_eq!(
            consent_purpose(TeamKind::Both),
            ConsentPurpose::ReferralToAssessment
        );
    }

    use std::collections::BTreeSet;

    use super::*;
    use crate::codes::Role;

    fn actor(teams: &[Uuid]) -> Actor {
        Actor {
            professional_id: Uuid::now_v7(),
            organisation_id: Uuid::now_v7(),
            roles: [Role::Professional].into(),
            teams: teams.iter().copied().collect::<BTreeSet<_>>(),
        }
    }

    fn referral(status: ReferralStatus, sender: &Actor, team: Uuid) -> Referral {
        Referral {
            id: Uuid::now_v7(),
            status,
            referred_by: sender.professional_id,
            team_id: team,
        }
    }

    #[test]
    fn draft_to_sent_by_the_sender() {
        let (sender, team) = (actor(&[]), Uuid::now_v7());
        let r = referral(ReferralStatus::Draft, &sender, team);
        assert_eq!(send(&r, &sender), Ok(()));
        assert_eq!(send(&r, &actor(&[])), Err(ReferralError::NotSender));
        let sent = referral(ReferralStatus::Sent, &sender, team);
        assert_eq!(
            send(&sent, &sender),
            Err(ReferralError::WrongState(
                ReferralStatus::Sent,
                ReferralStatus::Draft
            ))
        );
    }

    #[test]
    fn sent_to_accepted_or_returned_by_a_team_member() {
        let (sender, team) = (actor(&[]), Uuid::now_v7());
        let member = actor(&[team]);
        let r = referral(ReferralStatus::Sent, &sender, team);
        assert_eq!(accept(&r, &member), Ok(()));
        assert_eq!(accept(&r, &sender), Err(ReferralError::NotTeamMember));
        assert_eq!(
            return_to_sender(&r, &member, " "),
            Err(ReferralError::ReasonRequired)
        );
        assert_eq!(
            return_to_sender(&r, &member, "Lähetteestä puuttuu kysymys"),
            Ok(())
        );
        let draft = referral(ReferralStatus::Draft, &sender, team);
        assert!(matches!(
            accept(&draft, &member),
            Err(ReferralError::WrongState(..))
        ));
    }

    #[test]
    fn the_sender_withdraws_until_the_team_decides() {
        let (sender, team) = (actor(&[]), Uuid::now_v7());
        for status in [ReferralStatus::Draft, ReferralStatus::Sent] {
            assert_eq!(withdraw(&referral(status, &sender, team), &sender), Ok(()));
        }
        for status in [
            ReferralStatus::Accepted,
            ReferralStatus::Returned,
            ReferralStatus::Withdrawn,
        ] {
            assert_eq!(
                withdraw(&referral(status, &sender, team), &sender),
                Err(ReferralError::AlreadyDecided)
            );
        }
        assert_eq!(
            withdraw(
                &referral(ReferralStatus::Sent, &sender, team),
                &actor(&[team])
            ),
            Err(ReferralError::NotSender)
        );
    }
}

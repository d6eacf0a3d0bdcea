//! Who is asking, and what they may see of a client.
//!
//! Access to client data is by relationship to the client, never by role or by
//! being logged in. Anyone without a basis is told the client does not exist.

use std::collections::BTreeSet;

use uuid::Uuid;

pub use crate::actor::Actor;
use crate::codes::Role;
use crate::handover::Responsibility;
use crate::relationship::Relationship;

/// Why a caller may see a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessBasis {
    /// The caller is the client's responsible worker (vastuutyöntekijä).
    ResponsibleWorker,
    /// The caller is the responsible worker's work pair (työpari).
    WorkPair,
    /// The caller's organisation has an active client relationship (asiakkuus).
    OrganisationRelationship,
    /// The caller's organisation is covered by the client's active consent to
    /// exchange information (suostumus): it may read, not change.
    Consent,
    /// The caller is a party to a handover of the client: its package and the
    /// client's basic details only.
    HandoverParty,
    /// A right to information by law, stated by the caller; flagged for review.
    Statutory,
    /// The caller is a member of the team a referral was sent to: the referral only.
    ReferralRecipient,
    /// The caller's organisation declared a relationship itself on a client
    /// another organisation registered, and no consent covers it: it sees
    /// what it entered and who the responsible worker is, and may record the
    /// client's consent; nothing another organisation recorded.
    DeclaredRelationship,
}

impl AccessBasis {
    pub fn code(self) -> &'static str {
        match self {
            Self::ResponsibleWorker => "responsible_worker",
            Self::WorkPair => "work_pair",
            Self::OrganisationRelationship => "organisation_relationship",
            Self::Consent => "consent",
            Self::HandoverParty => "handover_party",
            Self::Statutory => "statutory",
            Self::ReferralRecipient => "referral_recipient",
            Self::DeclaredRelationship => "declared_relationship",
        }
    }

    /// Whether this basis shows protected location data (turvakielto):
    /// only to the responsible worker and work pair.
    pub fn sees_protected_location(self) -> bool {
        self.holds_responsibility()
    }

    /// The responsible worker or the work pair: the client's own log and
    /// export are theirs to read and give to the client.
    pub fn holds_responsibility(self) -> bool {
        matches!(self, Self::ResponsibleWorker | Self::WorkPair)
    }

    /// Whether this basis shows the client record and what hangs on it; a
    /// declared relationship shows only the organisation's own entry.
    pub fn reads_record(self) -> bool {
        self != Self::DeclaredRelationship
    }

    /// Whether this basis lets the caller change the client's data.
    pub fn may_write(self) -> bool {
        matches!(
            self,
            Self::ResponsibleWorker | Self::WorkPair | Self::OrganisationRelationship
        )
    }
}

/// May `actor` see the client with these relationships, this responsibility
/// and these organisations covered by an active information-exchange consent?
/// `None` means: answer as if the client did not exist.
pub fn client_access(
    actor: &Actor,
    relationships: &[Relationship],
    responsibility: Option<&Responsibility>,
    consented_organisations: &BTreeSet<Uuid>,
) -> Option<AccessBasis> {
    if !actor.works_with_clients() {
        return None;
    }
    if let Some(current) = responsibility {
        if current.responsible == actor.professional_id {
            return Some(AccessBasis::ResponsibleWorker);
        }
        if current.work_pair == Some(actor.professional_id) {
            return Some(AccessBasis::WorkPair);
        }
    }
    let covered = consented_organisations.contains(&actor.organisation_id);
    if let Some(own) = relationships
        .iter()
        .find(|r| r.is_active() && r.organisation_id == actor.organisation_id)
    {
        // A relationship the organisation declared itself opens the record
        // only once the client's consent covers the organisation.
        return Some(if own.shares_record || covered {
            AccessBasis::OrganisationRelationship
        } else {
            AccessBasis::DeclaredRelationship
        });
    }
    covered.then_some(AccessBasis::Consent)
}

/// Effective roles: those the token claims that the professional's record also
/// grants, so that removing a role from a record takes effect at once even for
/// tokens already issued.
pub fn effective_roles(claimed: &BTreeSet<Role>, granted: &BTreeSet<Role>) -> BTreeSet<Role> {
    claimed.intersection(granted).copied().collect()
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;

    fn actor(org: Uuid, roles: &[Role]) -> Actor {
        Actor {
            professional_id: Uuid::now_v7(),
            organisation_id: org,
            roles: roles.iter().copied().collect(),
            teams: std::collections::BTreeSet::new(),
        }
    }

    fn relationship(org: Uuid, ended: bool) -> Relationship {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        Relationship {
            id: Uuid::now_v7(),
            organisation_id: org,
            is_primary: true,
            started_on: start,
            ended_on: ended.then_some(start),
            created_by: Uuid::now_v7(),
            basis: crate::RelationshipBasis::ClientContact,
            shares_record: true,
        }
    }

    fn declared(org: Uuid) -> Relationship {
        Relationship {
            shares_record: false,
            ..relationship(org, false)
        }
    }

    #[test]
    fn a_declared_relationship_shows_nothing_another_organisation_recorded() {
        let org = Uuid::now_v7();
        let caller = actor(org, &[Role::Professional]);
        let basis = client_access(&caller, &[declared(org)], None, &BTreeSet::new());
        assert_eq!(basis, Some(AccessBasis::DeclaredRelationship));
        let basis = basis.unwrap();
        assert!(!basis.reads_record());
        assert!(!basis.may_write());
        assert!(!basis.sees_protected_location());
    }

    #[test]
    fn consent_covering_the_organisation_opens_a_declared_relationship() {
        let org = Uuid::now_v7();
        let caller = actor(org, &[Role::Professional]);
        let covered: BTreeSet<Uuid> = [org].into_iter().collect();
        let basis = client_access(&caller, &[declared(org)], None, &covered);
        assert_eq!(basis, Some(AccessBasis::OrganisationRelationship));
        assert!(basis.unwrap().reads_record());
    }

    #[test]
    fn professional_of_an_organisation_with_an_active_relationship_has_access() {
        let org = Uuid::now_v7();
        let caller = actor(org, &[Role::Professional]);
        assert_eq!(
            client_access(&caller, &[relationship(org, false)], None, &BTreeSet::new()),
            Some(AccessBasis::OrganisationRelationship)
        );
    }

    #[test]
    fn an_ended_relationship_gives_no_access() {
        let org = Uuid::now_v7();
        let caller = actor(org, &[Role::Professional]);
        assert_eq!(
            client_access(&caller, &[relationship(org, true)], None, &BTreeSet::new()),
            None
        );
    }

    #[test]
    fn another_organisations_relationship_gives_no_access() {
        let caller = actor(Uuid::now_v7(), &[Role::Professional]);
        assert_eq!(
            client_access(
                &caller,
                &[relationship(Uuid::now_v7(), false)],
                None,
                &BTreeSet::new()
            ),
            None
        );
    }

    #[test]
    fn admin_role_alone_gives_no_client_data() {
        let org = Uuid::now_v7();
        let caller = actor(org, &[Role::Admin]);
        assert_eq!(
            client_access(&caller, &[relationship(org, false)], None, &BTreeSet::new()),
            None
        );
    }

    #[test]
    fn integration_account_sees_its_own_organisations_clients() {
        let org = Uuid::now_v7();
        let caller = actor(org, &[Role::Integration]);
        assert!(
            client_access(&caller, &[relationship(org, false)], None, &BTreeSet::new()).is_some()
        );
    }

    #[test]
    fn the_responsible_worker_and_work_pair_have_access_from_any_organisation() {
        let responsible = actor(Uuid::now_v7(), &[Role::Professional]);
        let pair = actor(Uuid::now_v7(), &[Role::Professional]);
        let current = Responsibility {
            responsible: responsible.professional_id,
            work_pair: Some(pair.professional_id),
        };
        assert_eq!(
            client_access(&responsible, &[], Some(&current), &BTreeSet::new()),
            Some(AccessBasis::ResponsibleWorker)
        );
        assert_eq!(
            client_access(&pair, &[], Some(&current), &BTreeSet::new()),
            Some(AccessBasis::WorkPair)
        );
        let other = actor(Uuid::now_v7(), &[Role::Professional]);
        assert_eq!(
            client_access(&other, &[], Some(&current), &BTreeSet::new()),
            None
        );
    }

    #[test]
    fn an_organisation_covered_by_consent_may_read_but_not_write() {
        let org = Uuid::now_v7();
        let caller = actor(org, &[Role::Professional]);
        let covered: BTreeSet<Uuid> = [org].into_iter().collect();
        let basis = client_access(&caller, &[], None, &covered);
        assert_eq!(basis, Some(AccessBasis::Consent));
        assert!(!basis.unwrap().may_write());
        assert!(AccessBasis::OrganisationRelationship.may_write());
        let admin = actor(org, &[Role::Admin]);
        assert_eq!(client_access(&admin, &[], None, &covered), None);
    }

    #[test]
    fn effective_roles_are_claimed_and_granted() {
        let claimed = [Role::Admin, Role::Professional].into_iter().collect();
        let granted = [Role::Professional].into_iter().collect();
        assert_eq!(
            effective_roles(&claimed, &granted),
            [Role::Professional].into_iter().collect()
        );
    }
}

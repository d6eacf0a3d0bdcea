//! Client relationships (asiakkuus): client × organisation with a start and an
//! end. Among the active relationships exactly one is primary
//! (pääasiakkuus) — the one where the responsible worker stays by default.

use chrono::NaiveDate;
use thiserror::Error;
use uuid::Uuid;

use crate::actor::Actor;
use crate::codes::code_set;

code_set! {
    /// Why an organisation works with the client: linking an organisation to
    /// a client is a recorded act with a basis (and a reason).
    RelationshipBasis, "relationship-bases", "Why an organisation has a client relationship (asiakkuus)" {
        ClientContact = "client_contact": "Asiakas asioi tai otti yhteyttä", "Klienten tog kontakt", "The client came to or contacted the organisation";
        Referral = "referral": "Lähete", "Remiss", "The client was referred to the organisation";
        Handover = "handover": "Saattaen vaihtaen", "Överlämning", "The client was handed over to the organisation";
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relationship {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub is_primary: bool,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    /// Who recorded the relationship.
    pub created_by: Uuid,
    pub basis: RelationshipBasis,
    /// Whether the relationship shares the client record with the
    /// organisation. False for a relationship the organisation declared itself
    /// on a client another organisation registered: it then sees only what it
    /// entered, and more only through consent or an escorted path.
    pub shares_record: bool,
}

impl Relationship {
    pub fn is_active(&self) -> bool {
        self.ended_on.is_none()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum RelationshipError {
    #[error("the organisation already has an active client relationship with this client")]
    AlreadyActive,
    #[error("no such relationship for this client")]
    NotFound,
    #[error("the relationship has already ended")]
    AlreadyEnded,
    #[error(
        "only the organisation's own professionals, or whoever recorded it, may end a client relationship"
    )]
    NotOwnOrganisation,
    #[error("the end date is before the start date")]
    EndsBeforeStart,
    #[error(
        "the primary relationship cannot end while other relationships are active: make another one primary first"
    )]
    PrimaryWhileOthersActive,
}

/// What opening a relationship does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenRelationship {
    pub is_primary: bool,
    /// The relationship that stops being primary, in the same transaction.
    pub demote: Option<Uuid>,
}

fn current_primary(existing: &[Relationship]) -> Option<&Relationship> {
    existing.iter().find(|r| r.is_active() && r.is_primary)
}

/// Opens a relationship between the client and `organisation_id`. The first
/// active relationship is always primary; a later one is primary on request.
pub fn open(
    existing: &[Relationship],
    organisation_id: Uuid,
    wants_primary: bool,
) -> Result<OpenRelationship, RelationshipError> {
    if existing
        .iter()
        .any(|r| r.is_active() && r.organisation_id == organisation_id)
    {
        return Err(RelationshipError::AlreadyActive);
    }
    let primary = current_primary(existing);
    let is_primary = wants_primary || primary.is_none();
    Ok(OpenRelationship {
        is_primary,
        demote: if is_primary {
            primary.map(|r| r.id)
        } else {
            None
        },
    })
}

/// Makes relationship `id` primary; returns the one that stops being primary.
pub fn make_primary(
    existing: &[Relationship],
    id: Uuid,
) -> Result<Option<Uuid>, RelationshipError> {
    let target = existing
        .iter()
        .find(|r| r.id == id)
        .ok_or(RelationshipError::NotFound)?;
    if !target.is_active() {
        return Err(RelationshipError::AlreadyEnded);
    }
    Ok(current_primary(existing)
        .map(|r| r.id)
        .filter(|&primary| primary != id))
}

/// Ends relationship `id` on `ended_on`. Allowed for the organisation's own
/// professionals and for whoever recorded the relationship (to correct a mistake).
pub fn end(
    existing: &[Relationship],
    id: Uuid,
    actor: &Actor,
    ended_on: NaiveDate,
) -> Result<(), RelationshipError> {
    let target = existing
        .iter()
        .find(|r| r.id == id)
        .ok_or(RelationshipError::NotFound)?;
    if target.organisation_id != actor.organisation_id && target.created_by != actor.professional_id
    {
        return Err(RelationshipError::NotOwnOrganisation);
    }
    if !target.is_active() {
        return Err(RelationshipError::AlreadyEnded);
    }
    if ended_on < target.started_on {
        return Err(RelationshipError::EndsBeforeStart);
    }
    let others_active = existing.iter().any(|r| r.id != id && r.is_active());
    if target.is_primary && others_active {
        return Err(RelationshipError::PrimaryWhileOthersActive);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn rel(org: Uuid, primary: bool, ended: bool) -> Relationship {
        Relationship {
            id: Uuid::now_v7(),
            organisation_id: org,
            is_primary: primary,
            started_on: day(2),
            ended_on: ended.then(|| day(3)),
            created_by: Uuid::now_v7(),
            basis: RelationshipBasis::ClientContact,
            shares_record: true,
        }
    }

    fn member_of(org: Uuid) -> Actor {
        Actor {
            professional_id: Uuid::now_v7(),
            organisation_id: org,
            roles: [crate::Role::Professional].into_iter().collect(),
            teams: std::collections::BTreeSet::new(),
        }
    }

    #[test]
    fn the_first_relationship_is_primary_even_when_not_asked() {
        let opened = open(&[], Uuid::now_v7(), false).unwrap();
        assert_eq!(
            opened,
            OpenRelationship {
                is_primary: true,
                demote: None
            }
        );
    }

    #[test]
    fn a_later_relationship_is_secondary_unless_asked() {
        let first = rel(Uuid::now_v7(), true, false);
        let opened = open(std::slice::from_ref(&first), Uuid::now_v7(), false).unwrap();
        assert_eq!(
            opened,
            OpenRelationship {
                is_primary: false,
                demote: None
            }
        );
    }

    #[test]
    fn a_new_primary_demotes_the_old_one() {
        let first = rel(Uuid::now_v7(), true, false);
        let opened = open(std::slice::from_ref(&first), Uuid::now_v7(), true).unwrap();
        assert_eq!(
            opened,
            OpenRelationship {
                is_primary: true,
                demote: Some(first.id)
            }
        );
    }

    #[test]
    fn an_ended_primary_does_not_count() {
        let old = rel(Uuid::now_v7(), true, true);
        let opened = open(&[old], Uuid::now_v7(), false).unwrap();
        assert_eq!(
            opened,
            OpenRelationship {
                is_primary: true,
                demote: None
            }
        );
    }

    #[test]
    fn one_organisation_has_one_active_relationship() {
        let org = Uuid::now_v7();
        assert_eq!(
            open(&[rel(org, true, false)], org, false),
            Err(RelationshipError::AlreadyActive)
        );
        assert!(open(&[rel(org, true, true)], org, false).is_ok());
    }

    #[test]
    fn make_primary_returns_the_demoted_relationship() {
        let a = rel(Uuid::now_v7(), true, false);
        let b = rel(Uuid::now_v7(), false, false);
        let all = [a.clone(), b.clone()];
        assert_eq!(make_primary(&all, b.id), Ok(Some(a.id)));
        assert_eq!(make_primary(&all, a.id), Ok(None));
        assert_eq!(
            make_primary(&all, Uuid::now_v7()),
            Err(RelationshipError::NotFound)
        );
    }

    #[test]
    fn an_ended_relationship_cannot_become_primary() {
        let ended = rel(Uuid::now_v7(), false, true);
        assert_eq!(
            make_primary(std::slice::from_ref(&ended), ended.id),
            Err(RelationshipError::AlreadyEnded)
        );
    }

    #[test]
    fn only_the_own_organisation_ends_a_relationship() {
        let r = rel(Uuid::now_v7(), true, false);
        let outsider = member_of(Uuid::now_v7());
        assert_eq!(
            end(std::slice::from_ref(&r), r.id, &outsider, day(5)),
            Err(RelationshipError::NotOwnOrganisation)
        );
        assert_eq!(
            end(
                std::slice::from_ref(&r),
                r.id,
                &member_of(r.organisation_id),
                day(5)
            ),
            Ok(())
        );
    }

    #[test]
    fn whoever_recorded_a_relationship_may_end_it() {
        let mut r = rel(Uuid::now_v7(), true, false);
        let recorder = member_of(Uuid::now_v7());
        r.created_by = recorder.professional_id;
        assert_eq!(
            end(std::slice::from_ref(&r), r.id, &recorder, day(5)),
            Ok(())
        );
    }

    #[test]
    fn ending_checks_state_and_dates() {
        let ended = rel(Uuid::now_v7(), false, true);
        assert_eq!(
            end(
                std::slice::from_ref(&ended),
                ended.id,
                &member_of(ended.organisation_id),
                day(5)
            ),
            Err(RelationshipError::AlreadyEnded)
        );
        let r = rel(Uuid::now_v7(), true, false);
        assert_eq!(
            end(
                std::slice::from_ref(&r),
                r.id,
                &member_of(r.organisation_id),
                day(1)
            ),
            Err(RelationshipError::EndsBeforeStart)
        );
        assert_eq!(
            end(
                std::slice::from_ref(&r),
                Uuid::now_v7(),
                &member_of(r.organisation_id),
                day(5)
            ),
            Err(RelationshipError::NotFound)
        );
    }

    #[test]
    fn the_primary_cannot_end_while_others_are_active() {
        let primary = rel(Uuid::now_v7(), true, false);
        let other = rel(Uuid::now_v7(), false, false);
        let all = [primary.clone(), other.clone()];
        assert_eq!(
            end(
                &all,
                primary.id,
                &member_of(primary.organisation_id),
                day(5)
            ),
            Err(RelationshipError::PrimaryWhileOthersActive)
        );
        assert_eq!(
            end(&all, other.id, &member_of(other.organisation_id), day(5)),
            Ok(())
        );
    }
}

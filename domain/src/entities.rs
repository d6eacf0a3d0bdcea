//! The records Kyky keeps about organisations, professionals and clients.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::codes::{Language, OrganisationKind, ProfessionalTitle, Role};
use crate::hetu::Hetu;

/// An identifier of the organisation in another system (e.g. Sofia CRM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRef {
    pub system: String,
    pub id: String,
}

/// An organisation (toimija) in clients' networks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganisationKind,
    /// Finnish business ID (Y-tunnus).
    pub business_id: Option<String>,
    pub municipality: Option<String>,
    pub external_refs: Vec<ExternalRef>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a caller may set on an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationFields {
    pub name: String,
    pub kind: OrganisationKind,
    pub business_id: Option<String>,
    pub municipality: Option<String>,
    pub external_refs: Vec<ExternalRef>,
}

/// A professional (ammattilainen) of one organisation, or a system account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Professional {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub fields: ProfessionalFields,
    pub active: bool,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfessionalFields {
    pub first_name: String,
    pub last_name: String,
    pub title: ProfessionalTitle,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub roles: BTreeSet<Role>,
}

/// A client (asiakas), identified by henkilötunnus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: Uuid,
    pub hetu: Hetu,
    pub fields: ClientFields,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a caller may change on a client; the henkilötunnus never changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClientFields {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<Address>,
    pub preferred_language: Language,
    /// Non-disclosure for personal safety (turvakielto): the address is shown
    /// only to the responsible worker and work pair.
    pub non_disclosure: bool,
}

impl ClientFields {
    /// The address as `viewer` may see it: `None` when withheld.
    pub fn visible_address(&self, sees_protected_location: bool) -> Option<&Address> {
        if self.non_disclosure && !sees_protected_location {
            None
        } else {
            self.address.as_ref()
        }
    }

    /// Whether the address is withheld from this viewer.
    pub fn address_withheld(&self, sees_protected_location: bool) -> bool {
        self.non_disclosure && !sees_protected_location && self.address.is_some()
    }

    /// Applies a full-replacement update by a caller. One who may not see the
    /// protected address cannot overwrite it (they never saw it) nor lift
    /// the marking; everything else changes as asked.
    #[must_use]
    pub fn updated_by(
        &self,
        mut update: ClientFields,
        sees_protected_location: bool,
    ) -> ClientFields {
        if self.non_disclosure && !sees_protected_location {
            update.address.clone_from(&self.address);
            update.non_disclosure = true;
        }
        update
    }

    /// The names of the fields that differ in `after`, for an event saying
    /// what changed. The address of a client under non-disclosure is never
    /// named: that it moved is itself protected.
    pub fn changed_fields(&self, after: &ClientFields) -> Vec<&'static str> {
        let protected = self.non_disclosure || after.non_disclosure;
        [
            ("first_name", self.first_name != after.first_name),
            ("last_name", self.last_name != after.last_name),
            ("email", self.email != after.email),
            ("phone", self.phone != after.phone),
            ("address", self.address != after.address && !protected),
            (
                "preferred_language",
                self.preferred_language != after.preferred_language,
            ),
            (
                "non_disclosure",
                self.non_disclosure != after.non_disclosure,
            ),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(non_disclosure: bool) -> ClientFields {
        ClientFields {
            first_name: "Maija".into(),
            last_name: "Mallikas".into(),
            email: None,
            phone: None,
            address: Some(Address {
                street_address: "Salainen tie 1".into(),
                postal_code: "02100".into(),
                city: "Espoo".into(),
            }),
            preferred_language: Language::Finnish,
            non_disclosure,
        }
    }

    #[test]
    fn a_protected_address_is_seen_only_by_those_who_may() {
        let protected = fields(true);
        assert!(protected.visible_address(false).is_none());
        assert!(protected.address_withheld(false));
        assert!(protected.visible_address(true).is_some());
        assert!(!protected.address_withheld(true));
        let open = fields(false);
        assert!(open.visible_address(false).is_some());
        assert!(!open.address_withheld(false));
    }

    #[test]
    fn an_update_without_sight_of_the_address_keeps_it_and_the_marking() {
        let current = fields(true);
        let update = ClientFields {
            address: None,
            non_disclosure: false,
            first_name: "Maija-Liisa".into(),
            ..fields(false)
        };
        let result = current.updated_by(update, false);
        assert_eq!(result.address, current.address);
        assert!(result.non_disclosure);
        assert_eq!(result.first_name, "Maija-Liisa");
    }

    #[test]
    fn the_responsible_worker_may_change_the_address_and_lift_the_marking() {
        let current = fields(true);
        let update = ClientFields {
            address: None,
            non_disclosure: false,
            ..fields(false)
        };
        let result = current.updated_by(update, true);
        assert_eq!(result.address, None);
        assert!(!result.non_disclosure);
    }

    #[test]
    fn anyone_with_write_access_may_set_the_marking() {
        let result = fields(false).updated_by(fields(true), false);
        assert!(result.non_disclosure);
    }

    #[test]
    fn changed_fields_name_what_differs_but_never_a_protected_address() {
        let before = fields(false);
        let mut after = before.clone();
        after.phone = Some("0401234567".into());
        after.address = None;
        assert_eq!(before.changed_fields(&after), ["phone", "address"]);
        assert!(before.changed_fields(&before).is_empty());

        let mut protected = fields(true);
        protected.address = None;
        assert_eq!(fields(true).changed_fields(&protected), Vec::<&str>::new());
        let mut lifted = fields(false);
        lifted.address = None;
        assert_eq!(fields(true).changed_fields(&lifted), ["non_disclosure"]);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Address {
    pub street_address: String,
    pub postal_code: String,
    pub city: String,
}

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFields {
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<Address>,
    pub preferred_language: Language,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    pub street_address: String,
    pub postal_code: String,
    pub city: String,
}

//! What the API answers about a client: the record, or an organisation's own entry.

use chrono::{DateTime, NaiveDate, Utc};
use kyky_domain::Language;
use kyky_domain::entities::{Address, Client};
use kyky_persistence::client_scope::ClientEntry;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::views::cards::ProfessionalCard;

/// Where a client view's details come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientDetails {
    /// The client record the organisations working with the client share.
    Record,
    /// Only what your organisation entered when it declared its relationship
    /// with a client another organisation registered. The record needs the
    /// client's consent covering your organisation, or a statutory basis.
    OwnEntry,
}

/// A client, as seen by a professional with access.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientView {
    pub id: Uuid,
    /// `record`, or `own_entry` when your organisation sees only what it entered.
    pub details: ClientDetails,
    /// Who is responsible for the client (vastuutyöntekijä): everyone in the
    /// client's network may know.
    pub responsible_worker: ProfessionalCard,
    /// Henkilötunnus.
    #[schema(example = "010594Y9021")]
    pub personal_identity_code: String,
    pub birth_date: NaiveDate,
    #[schema(example = "Matti")]
    pub first_name: String,
    #[schema(example = "Meikäläinen")]
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// `null` when there is none, or when withheld (see `address_withheld`).
    pub address: Option<AddressDto>,
    /// True when the client has a non-disclosure marking (turvakielto) and you
    /// are not the responsible worker or work pair: the address exists but is
    /// not shown to you.
    pub address_withheld: bool,
    /// Non-disclosure for personal safety (turvakielto).
    pub non_disclosure: bool,
    pub preferred_language: Language,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ClientView {
    /// The client as this viewer may see it.
    pub fn of(
        c: Client,
        sees_protected_location: bool,
        responsible_worker: ProfessionalCard,
    ) -> Self {
        Self {
            details: ClientDetails::Record,
            responsible_worker,
            address_withheld: c.fields.address_withheld(sees_protected_location),
            address: c
                .fields
                .visible_address(sees_protected_location)
                .cloned()
                .map(Into::into),
            non_disclosure: c.fields.non_disclosure,
            id: c.id,
            birth_date: c.hetu.birth_date(),
            personal_identity_code: c.hetu.as_str().to_owned(),
            first_name: c.fields.first_name,
            last_name: c.fields.last_name,
            email: c.fields.email,
            phone: c.fields.phone,
            preferred_language: c.fields.preferred_language,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }

    /// What an organisation with a declared relationship entered.
    pub fn own_entry(entry: ClientEntry, responsible_worker: ProfessionalCard) -> Self {
        let fields = entry.fields;
        Self {
            id: entry.client_id,
            details: ClientDetails::OwnEntry,
            responsible_worker,
            birth_date: entry.hetu.birth_date(),
            personal_identity_code: entry.hetu.as_str().to_owned(),
            first_name: fields.first_name,
            last_name: fields.last_name,
            email: fields.email,
            phone: fields.phone,
            address: fields.address.map(Into::into),
            address_withheld: false,
            non_disclosure: fields.non_disclosure,
            preferred_language: fields.preferred_language,
            created_at: entry.declared_at,
            updated_at: entry.declared_at,
        }
    }
}

/// A client in a list: the henkilötunnus is masked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClientSummary {
    pub id: Uuid,
    /// Masked henkilötunnus: birth date, century sign and first digit of the individual number.
    #[schema(example = "010594Y9***")]
    pub personal_identity_code_masked: String,
    pub first_name: String,
    pub last_name: String,
    pub preferred_language: Language,
}

impl From<Client> for ClientSummary {
    fn from(c: Client) -> Self {
        Self {
            id: c.id,
            personal_identity_code_masked: c.hetu.masked(),
            first_name: c.fields.first_name,
            last_name: c.fields.last_name,
            preferred_language: c.fields.preferred_language,
        }
    }
}

/// A page of clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientPage {
    pub items: Vec<ClientSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A postal address.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AddressDto {
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(example = "Kauppamiehentie 6 A 12", min_length = 1, max_length = 200)]
    pub street_address: String,
    #[validate(custom(function = "crate::validation::postal_code"))]
    #[schema(example = "02150", pattern = r"^\d{5}$")]
    pub postal_code: String,
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(example = "Espoo", min_length = 1, max_length = 100)]
    pub city: String,
}

impl From<Address> for AddressDto {
    fn from(a: Address) -> Self {
        Self {
            street_address: a.street_address,
            postal_code: a.postal_code,
            city: a.city,
        }
    }
}

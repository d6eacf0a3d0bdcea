//! What the API answers about organisations.

use chrono::{DateTime, Utc};
use kyky_domain::OrganisationKind;
use kyky_domain::entities::Organisation;
use kyky_persistence::StoreError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::error::ApiError;

/// An organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: Uuid,
    /// The organisation's name.
    #[schema(example = "Työllisyys Espoo")]
    pub name: String,
    pub kind: OrganisationKind,
    /// Business ID (Y-tunnus); null when it has none.
    pub business_id: Option<String>,
    /// The municipality or wellbeing services county it serves.
    pub municipality: Option<String>,
    /// The organisation's ids in other systems (one per system).
    pub external_refs: Vec<ExternalRefDto>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Organisation> for OrganisationView {
    fn from(o: Organisation) -> Self {
        Self {
            id: o.id,
            name: o.name,
            kind: o.kind,
            business_id: o.business_id,
            municipality: o.municipality,
            external_refs: o
                .external_refs
                .into_iter()
                .map(|r| ExternalRefDto {
                    system: r.system,
                    id: r.id,
                })
                .collect(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A page of organisations.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganisationPage {
    pub items: Vec<OrganisationView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

pub fn duplicate_ref(error: StoreError) -> ApiError {
    match error {
        StoreError::UniqueViolation(_) => ApiError::conflict(
            "external-ref-taken",
            "External reference already in use",
            "another organisation already has this id in that system",
        ),
        other => other.into(),
    }
}

/// An identifier of the organisation in another system.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ExternalRefDto {
    /// The other system, e.g. `sofia_crm`, `lifecare`, `proconsona`, `typ_registry`.
    #[validate(
        length(min = 1, max = 64),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(example = "sofia_crm", min_length = 1, max_length = 64)]
    pub system: String,
    /// The organisation's id in that system.
    #[validate(
        length(min = 1, max = 128),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(example = "ESP-TYO-001", min_length = 1, max_length = 128)]
    pub id: String,
}

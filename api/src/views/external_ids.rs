//! What the API answers about identifiers from an organisation's own system.

use chrono::{DateTime, Utc};
use kyky_persistence::external_ids::ExternalId;
use serde::Serialize;
use utoipa::ToSchema;

/// An identifier the record has in your organisation's own system.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExternalIdView {
    /// The system, e.g. `sofia-crm`, `lifecare`, `typ-rekisteri`.
    #[schema(example = "sofia-crm")]
    pub system: String,
    #[schema(example = "12345")]
    pub value: String,
    pub updated_at: DateTime<Utc>,
}

impl From<ExternalId> for ExternalIdView {
    fn from(id: ExternalId) -> Self {
        Self {
            system: id.system,
            value: id.value,
            updated_at: id.updated_at,
        }
    }
}

/// The record's identifiers in your organisation's systems (only yours).
#[derive(Debug, Serialize, ToSchema)]
pub struct ExternalIdList {
    pub items: Vec<ExternalIdView>,
}

impl ExternalIdList {
    pub fn of(ids: Vec<ExternalId>) -> Self {
        Self {
            items: ids.into_iter().map(ExternalIdView::from).collect(),
        }
    }
}

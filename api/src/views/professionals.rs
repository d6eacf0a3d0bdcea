//! What the API answers about professionals.

use chrono::{DateTime, Utc};
use kyky_domain::entities::Professional;
use kyky_domain::{ProfessionalTitle, Role};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A professional.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProfessionalView {
    pub id: Uuid,
    pub organisation_id: Uuid,
    #[schema(example = "Sanna")]
    pub first_name: String,
    #[schema(example = "Virtanen")]
    pub last_name: String,
    pub title: ProfessionalTitle,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// What the professional may do in Kyky (code set `roles`).
    pub roles: Vec<Role>,
    /// Deactivated professionals cannot sign in; their history stays.
    pub active: bool,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Professional> for ProfessionalView {
    fn from(p: Professional) -> Self {
        Self {
            id: p.id,
            organisation_id: p.organisation_id,
            first_name: p.fields.first_name,
            last_name: p.fields.last_name,
            title: p.fields.title,
            email: p.fields.email,
            phone: p.fields.phone,
            roles: p.fields.roles.into_iter().collect(),
            active: p.active,
            deactivated_at: p.deactivated_at,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A page of professionals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProfessionalPage {
    pub items: Vec<ProfessionalView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

//! What the API answers about the caller.

use kyky_domain::Role;
use serde::Serialize;
use utoipa::ToSchema;

use crate::views::organisations::OrganisationView;
use crate::views::professionals::ProfessionalView;

/// Who you are, in which organisation, with which roles in effect.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub professional: ProfessionalView,
    pub organisation: OrganisationView,
    /// Roles in effect: those your token claims that your record grants.
    pub effective_roles: Vec<Role>,
}

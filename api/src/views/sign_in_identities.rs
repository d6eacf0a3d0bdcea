//! What the API answers about who signs in as a professional.

use chrono::{DateTime, Utc};
use kyky_persistence::sign_in_identities::SignInIdentity;
use serde::Serialize;
use utoipa::ToSchema;

/// A person at an organisation's identity provider who signs in as the
/// professional.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignInIdentityView {
    /// The issuer's configured name; `null` when it is no longer trusted.
    #[schema(example = "espoo-entra")]
    pub issuer_name: Option<String>,
    /// The issuer (`iss`).
    #[schema(example = "https://login.microsoftonline.com/4a1b…/v2.0")]
    pub issuer: String,
    /// The person's subject there (the claim the issuer identifies people by).
    #[schema(example = "0f4c8a1e-5b2d-4c7e-9a31-2d6f0b8e7c55")]
    pub subject: String,
    /// Created on first sign-in, not linked by an administrator.
    pub provisioned: bool,
    pub created_at: DateTime<Utc>,
}

impl SignInIdentityView {
    pub fn of(identity: SignInIdentity, issuer_name: Option<String>) -> Self {
        Self {
            issuer_name,
            issuer: identity.issuer,
            subject: identity.subject,
            provisioned: identity.provisioned,
            created_at: identity.created_at,
        }
    }
}

/// The people who sign in as the professional, one per issuer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignInIdentityList {
    pub items: Vec<SignInIdentityView>,
}

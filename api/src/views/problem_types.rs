//! The catalogue of problem types, as the API answers it.

use serde::Serialize;
use utoipa::ToSchema;

use crate::problems::ProblemType;

/// The problem-type catalogue: small and fixed, so always one page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemTypePage {
    pub items: Vec<ProblemType>,
    /// Always absent: the catalogue is one page.
    pub next_cursor: Option<String>,
}

//! The catalogue of problem types an error response can carry. Public
//! reference data: no token needed.

use actix_web::{get, web};

use crate::problems::CATALOGUE;
use crate::views::problem_types::ProblemTypePage;

/// The catalogue of problem types.
///
/// Every problem `type` an error can carry, with its status, when it is
/// answered and what to do. Branch on `type`
/// (`https://kyky.fi/problems/<slug>`), never on `detail`.
#[utoipa::path(
    operation_id = "list_problem_types",
    tag = "code-sets",
    responses((status = 200, description = "The catalogue", body = ProblemTypePage))
)]
#[get("/problem-types")]
pub async fn list_problem_types() -> web::Json<ProblemTypePage> {
    web::Json(ProblemTypePage {
        items: CATALOGUE.to_vec(),
        next_cursor: None,
    })
}

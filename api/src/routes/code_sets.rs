//! Code sets with fi/sv/en labels, so front-ends never hard-code codes.
//! Public reference data: no token needed.

use actix_web::{get, web};
use kyky_domain::catalogue::all_code_sets;

use crate::error::{ApiError, ApiResult};
use crate::views::code_sets::{CodeSetDto, CodeSetPage};

/// Every code set.
#[utoipa::path(tag = "code-sets", responses((status = 200, description = "All code sets", body = CodeSetPage)))]
#[get("/code-sets")]
pub async fn list_code_sets() -> web::Json<CodeSetPage> {
    web::Json(CodeSetPage {
        items: all_code_sets().into_iter().map(Into::into).collect(),
        next_cursor: None,
    })
}

/// One code set by name, e.g. `organisation-kinds`, `professional-titles`, `languages`, `roles`.
#[utoipa::path(
    tag = "code-sets",
    params(("name" = String, Path, description = "Code set name", example = "professional-titles",
        max_length = 64, pattern = "^[a-z]+(-[a-z]+)*$")),
    responses((status = 200, description = "The code set", body = CodeSetDto))
)]
#[get("/code-sets/{name}")]
pub async fn get_code_set(name: web::Path<String>) -> ApiResult<web::Json<CodeSetDto>> {
    all_code_sets()
        .into_iter()
        .find(|set| set.name == name.as_str())
        .map(|set| web::Json(set.into()))
        .ok_or_else(|| ApiError::not_found("code set"))
}

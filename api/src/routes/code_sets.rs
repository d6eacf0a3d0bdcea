//! Code sets with fi/sv/en labels, so front-ends never hard-code codes.
//! Public reference data: no token needed.

use actix_web::{get, web};
use kyky_domain::catalogue::all_code_sets;
use kyky_domain::codes::CodeSetDescription;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

#[derive(Debug, Serialize, ToSchema)]
pub struct LabelsDto {
    /// Label in Finnish.
    #[schema(example = "Terveydenhoitaja")]
    pub fi: String,
    /// Label in Swedish.
    #[schema(example = "Hälsovårdare")]
    pub sv: String,
    /// Label in English.
    #[schema(example = "Public health nurse")]
    pub en: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CodeDto {
    /// The value sent and stored in the API.
    #[schema(example = "public_health_nurse")]
    pub code: String,
    pub labels: LabelsDto,
}

/// A named set of codes.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeSetDto {
    /// The set's name, as in `GET /api/v1/code-sets/{name}`.
    #[schema(example = "professional-titles")]
    pub name: String,
    /// What the set is for.
    pub description: String,
    /// Every code of the set with its labels.
    pub codes: Vec<CodeDto>,
}

impl From<CodeSetDescription> for CodeSetDto {
    fn from(set: CodeSetDescription) -> Self {
        Self {
            name: set.name.to_owned(),
            description: set.description.to_owned(),
            codes: set
                .codes
                .into_iter()
                .map(|c| CodeDto {
                    code: c.code.to_owned(),
                    labels: LabelsDto {
                        fi: c.labels.fi.to_owned(),
                        sv: c.labels.sv.to_owned(),
                        en: c.labels.en.to_owned(),
                    },
                })
                .collect(),
        }
    }
}

/// The code-set catalogue: small and fixed, so always one page.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeSetPage {
    pub items: Vec<CodeSetDto>,
    /// Always absent: the catalogue is one page.
    pub next_cursor: Option<String>,
}

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

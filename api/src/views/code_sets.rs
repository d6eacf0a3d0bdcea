//! What the API answers about code sets.

use kyky_domain::codes::CodeSetDescription;
use serde::Serialize;
use utoipa::ToSchema;

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

//! Request bodies and values several kinds of step share. Kept apart so that
//! no route module imports another for them.

use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

/// A reason: for asking for responsibility, refusing, declining, returning,
/// cancelling or closing.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Asiakas käy viikoittain työtoiminnassa meillä; työ tehdään täällä."}))]
pub struct ReasonInput {
    /// Why, in a sentence the other party reads.
    #[validate(
        length(min = 1, max = 2000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// What a system's (or an issuer's) name is made of.
pub const SYSTEM_NAME_RULE: &str = "lower-case letters, digits, '.', '_' and '-', at most 64";

/// `value` of the path parameter `field` when it is a system's name
/// (`SYSTEM_NAME_RULE`); otherwise a validation problem naming the field.
pub fn system_name(field: &str, value: &str) -> crate::error::ApiResult<String> {
    if valid_system(value) {
        Ok(value.to_owned())
    } else {
        Err(crate::error::ApiError::validation(vec![
            crate::error::FieldError {
                field: field.to_owned(),
                message: SYSTEM_NAME_RULE.to_owned(),
            },
        ]))
    }
}

/// Whether `system` is a system's name: lower-case letters, digits, `.`,
/// `_`, `-`, at most 64.
pub fn valid_system(system: &str) -> bool {
    let bytes = system.as_bytes();
    (1..=64).contains(&bytes.len())
        && (bytes[0].is_ascii_lowercase() || bytes[0].is_ascii_digit())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(b))
}

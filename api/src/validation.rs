//! Field validators for `validator` derives; the rules themselves live in the domain.

use std::borrow::Cow;

use validator::ValidationError;

fn error(code: &'static str, message: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(Cow::Borrowed(message))
}

pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        Err(error("blank", "must not be blank"))
    } else {
        Ok(())
    }
}

pub fn phone(value: &str) -> Result<(), ValidationError> {
    kyky_domain::contact::validate_phone(value).map_err(|m| error("phone", m))
}

pub fn postal_code(value: &str) -> Result<(), ValidationError> {
    kyky_domain::contact::validate_postal_code(value).map_err(|m| error("postal_code", m))
}

pub fn business_id(value: &str) -> Result<(), ValidationError> {
    kyky_domain::contact::validate_business_id(value).map_err(|m| error("business_id", m))
}

pub fn hetu(value: &str) -> Result<(), ValidationError> {
    kyky_domain::Hetu::parse(value).map(|_| ()).map_err(|e| {
        ValidationError::new("personal_identity_code").with_message(Cow::Owned(e.to_string()))
    })
}

//! Error policy: every failure leaves the API as RFC 9457 problem+json with a
//! stable `type` per rule, so front-ends branch on `type`, never on `detail`.
//! Validation failures list `{field, message}`. Internal errors are logged
//! once, here, and answered without internals.

mod from_domain;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use kyky_domain::consent::ConsentPurpose;
use kyky_persistence::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// Base of every problem `type` URI.
pub const PROBLEM_BASE: &str = "https://kyky.fi/problems/";

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// Path of the field in the request, e.g. `address.postal_code`; `query.limit` and
    /// `path.id` for query and path parameters.
    #[schema(example = "personal_identity_code")]
    pub field: String,
    /// What is wrong with it, for people.
    #[schema(example = "the check character does not match")]
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "https://kyky.fi/problems/validation",
    "title": "The request has invalid fields",
    "status": 400,
    "detail": "1 field is invalid",
    "errors": [{"field": "personal_identity_code", "message": "the check character does not match"}]
}))]
pub struct Problem {
    /// Stable identifier of the rule that failed; branch on this.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The problem type's short, stable summary.
    pub title: String,
    /// The HTTP status code, repeated.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong in this case, for people; never branch on it.
    pub detail: String,
    /// Invalid fields, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `consent-required`: the consent that is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_consent: Option<MissingConsent>,
}

/// The consent a refused disclosure would need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MissingConsent {
    pub purpose: ConsentPurpose,
    /// The organisation the consent must cover.
    pub organisation_id: uuid::Uuid,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    missing_consent: Option<MissingConsent>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        debug_assert!(
            crate::problems::find(slug).is_some_and(|p| p.status == status.as_u16()),
            "problem type {slug} ({status}) is not in the catalogue (api/src/problems.rs)"
        );
        Self {
            status,
            slug,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            missing_consent: None,
        }
    }

    /// A problem about fields, each named in `errors`.
    fn fields(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        errors: Vec<FieldError>,
    ) -> Self {
        let detail = match errors.len() {
            1 => format!("{} is invalid: {}", errors[0].field, errors[0].message),
            n => format!("{n} fields are invalid"),
        };
        Self {
            errors,
            ..Self::new(status, slug, title, detail)
        }
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::fields(
            StatusCode::BAD_REQUEST,
            "validation",
            "The request has invalid fields",
            errors,
        )
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// 422: the request fits the contract, but values break rules of the
    /// domain that a schema cannot state (a check character, an order of
    /// dates, a date that must not be past). 400 stays for what the schema
    /// says, so a front-end can tell a bug in its code from a user's entry.
    pub fn rules(errors: Vec<FieldError>) -> Self {
        Self::fields(
            StatusCode::UNPROCESSABLE_ENTITY,
            "rule-violation",
            "A value breaks a rule of the domain",
            errors,
        )
    }

    pub fn rule(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::rules(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "malformed-request",
            "The request could not be read",
            detail,
        )
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Authentication is required",
            detail,
        )
    }

    /// Why a token's verification failed, as the answer says it.
    pub fn rejected_token(error: &jsonwebtoken::errors::Error) -> Self {
        use jsonwebtoken::errors::ErrorKind;
        Self::unauthorized(match error.kind() {
            ErrorKind::ExpiredSignature => "the token has expired",
            ErrorKind::ImmatureSignature => "the token is not valid yet",
            ErrorKind::InvalidSignature => "the token's signature does not verify",
            ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
                "the token's algorithm is not accepted"
            }
            ErrorKind::InvalidIssuer => "the token's issuer is not accepted",
            ErrorKind::InvalidAudience => "the token's audience is not accepted",
            ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
                "aud" => "the token lacks a required claim (aud)",
                "iss" => "the token lacks a required claim (iss)",
                _ => "the token lacks a required claim (sub, iat, exp)",
            },
            _ => "the token is malformed",
        })
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not-found",
            "Not found",
            format!("no such {what}"),
        )
    }

    /// 403 for steps that only the responsible worker (or work pair) may take.
    pub fn not_responsible_worker(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "not-responsible-worker",
            "Only the responsible worker may do this",
            detail,
        )
    }

    pub fn conflict(slug: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, slug, title, detail)
    }

    /// A field names a record that does not exist, or one that does not fit.
    pub fn invalid_reference(field: &'static str, message: &'static str) -> Self {
        Self {
            errors: vec![FieldError {
                field: field.to_owned(),
                message: message.to_owned(),
            }],
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown-reference",
                "The request refers to something that does not exist or does not fit",
                format!("{field} {message}"),
            )
        }
    }

    pub fn precondition_failed() -> Self {
        Self::new(
            StatusCode::PRECONDITION_FAILED,
            "precondition-failed",
            "The resource has changed",
            "If-Match does not match the current ETag: fetch the resource again and retry",
        )
    }

    pub fn precondition_required() -> Self {
        Self::new(
            StatusCode::PRECONDITION_REQUIRED,
            "precondition-required",
            "If-Match is required",
            "send the ETag of the version you edited in If-Match",
        )
    }

    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            "the database is not reachable; try again shortly",
        )
    }

    /// The database cannot write now (its disk is full or failing): a
    /// fault of the service, which nothing the client sends mends; the
    /// step was not stored.
    pub fn storage_failed() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "Service unavailable",
            "the database cannot store anything now (its disk is full or failing); nothing was changed: try again later",
        )
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the request failed; it has been logged with its request id",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("{PROBLEM_BASE}{}", self.slug),
            title: self.title.to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
            missing_consent: self.missing_consent.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.slug, self.status, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer realm="kyky", error="invalid_token""#),
            ));
        }
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            // The pool gives up on the database within a second; a client
            // may try again as soon.
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        StoreError::from(error).into()
    }
}

/// Maps "not found" to a 404 that names what was missing.
pub fn missing(what: &'static str) -> impl FnOnce(StoreError) -> ApiError {
    move |error| match error {
        StoreError::NotFound => ApiError::not_found(what),
        other => other.into(),
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(_: actix_web::error::BlockingError) -> Self {
        tracing::error!("blocking task failed");
        Self::internal()
    }
}

/// Turns `validator` errors into field errors with dotted paths.
pub fn field_errors(errors: &validator::ValidationErrors) -> Vec<FieldError> {
    fn walk(prefix: &str, errors: &validator::ValidationErrors, out: &mut Vec<FieldError>) {
        for (field, kind) in errors.errors() {
            // validator names struct-level rules `__all__`; callers see them as the body's.
            let field = if *field == "__all__" {
                "body"
            } else {
                field.as_ref()
            };
            let path = if prefix.is_empty() {
                field.to_string()
            } else {
                format!("{prefix}.{field}")
            };
            match kind {
                validator::ValidationErrorsKind::Field(list) => {
                    for e in list {
                        let message = e
                            .message
                            .as_ref()
                            .map_or_else(|| e.code.to_string(), ToString::to_string);
                        out.push(FieldError {
                            field: path.clone(),
                            message,
                        });
                    }
                }
                validator::ValidationErrorsKind::Struct(inner) => walk(&path, inner, out),
                validator::ValidationErrorsKind::List(items) => {
                    for (index, inner) in items {
                        walk(&format!("{path}[{index}]"), inner, out);
                    }
                }
            }
        }
    }
    let mut out: Vec<FieldError> = Vec::new();
    walk("", errors, &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    // One entry per field; several broken rules are joined in its message.
    out.dedup_by(|later, kept| {
        let same = later.field == kept.field;
        if same {
            kept.message = format!("{}; {}", kept.message, later.message);
        }
        same
    });
    out
}

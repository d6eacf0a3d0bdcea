//! Error policy: every failure leaves the API as RFC 9457 problem+json with a
//! stable `type` per rule, so front-ends branch on `type`, never on `detail`.
//! Validation failures list `{field, message}`. Internal errors are logged
//! once, here, and answered without internals.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use kyky_domain::RelationshipError;
use kyky_domain::assessment::AssessmentError;
use kyky_domain::consent::{ConsentError, ConsentPurpose};
use kyky_domain::contact_request::ContactRequestError;
use kyky_domain::handover::{HandoverError, HandoverStatus};
use kyky_domain::plan::{FollowUpError, PlanError};
use kyky_domain::referral::ReferralError;
use kyky_domain::request::RequestError;
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
        response.body(serde_json::to_string(&self.problem()).unwrap_or_default())
    }
}

impl From<RelationshipError> for ApiError {
    fn from(error: RelationshipError) -> Self {
        let detail = error.to_string();
        match error {
            RelationshipError::AlreadyActive => Self::conflict(
                "relationship-already-active",
                "Relationship already active",
                detail,
            ),
            RelationshipError::NotFound => Self::not_found("relationship"),
            RelationshipError::AlreadyEnded => {
                Self::conflict("relationship-ended", "Relationship has ended", detail)
            }
            RelationshipError::NotOwnOrganisation => Self::new(
                StatusCode::FORBIDDEN,
                "relationship-not-own-organisation",
                "Not your organisation's relationship",
                detail,
            ),
            RelationshipError::EndsBeforeStart => Self::rule("ended_on", detail),
            RelationshipError::PrimaryWhileOthersActive => Self::conflict(
                "primary-relationship-required",
                "A primary relationship is required",
                detail,
            ),
        }
    }
}

impl From<HandoverError> for ApiError {
    fn from(error: HandoverError) -> Self {
        let detail = error.to_string();
        let unprocessable = |slug, title| {
            Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                slug,
                title,
                detail.clone(),
            )
        };
        match error {
            HandoverError::NotResponsible => Self::not_responsible_worker(detail),
            HandoverError::AlreadyPending => Self::conflict(
                "handover-already-pending",
                "A handover is already pending",
                detail,
            ),
            HandoverError::ReceiverIsResponsible => unprocessable(
                "receiver-is-responsible",
                "The receiver is already responsible",
            ),
            HandoverError::ReceiverInactive => unprocessable(
                "receiver-inactive",
                "The receiver is not an active professional",
            ),
            HandoverError::InvalidWorkPair => {
                unprocessable("invalid-work-pair", "The work pair is not valid")
            }
            HandoverError::DeadlineInPast => Self::rule("expires_at", detail),
            HandoverError::NotPending(HandoverStatus::Expired) => {
                Self::conflict("handover-expired", "The handover has expired", detail)
            }
            HandoverError::NotPending(_) => Self::conflict(
                "handover-not-pending",
                "The handover is no longer pending",
                detail,
            ),
            HandoverError::NotReceiver => Self::new(
                StatusCode::FORBIDDEN,
                "not-handover-receiver",
                "Only the receiver may accept or decline",
                detail,
            ),
            HandoverError::NotProposer => Self::new(
                StatusCode::FORBIDDEN,
                "not-handover-proposer",
                "Only the proposer or the responsible worker may cancel",
                detail,
            ),
            HandoverError::ReasonRequired => Self::rule("reason", detail),
            HandoverError::ResponsibilityChanged => Self::conflict(
                "responsibility-changed",
                "Responsibility has changed",
                detail,
            ),
        }
    }
}

impl From<RequestError> for ApiError {
    fn from(error: RequestError) -> Self {
        let detail = error.to_string();
        match error {
            RequestError::AlreadyResponsible => {
                Self::conflict("already-responsible", "You are already responsible", detail)
            }
            RequestError::AlreadyPending => Self::conflict(
                "request-already-pending",
                "A request is already pending",
                detail,
            ),
            RequestError::NotPending(_) => Self::conflict(
                "request-not-pending",
                "The request is no longer pending",
                detail,
            ),
            RequestError::NotResponsible => Self::not_responsible_worker(detail),
            RequestError::NotRequester => Self::new(
                StatusCode::FORBIDDEN,
                "not-requester",
                "Only the asker may withdraw",
                detail,
            ),
            RequestError::ReasonRequired => Self::rule("reason", detail),
        }
    }
}

impl From<ReferralError> for ApiError {
    fn from(error: ReferralError) -> Self {
        let detail = error.to_string();
        match error {
            ReferralError::WrongState(..) | ReferralError::AlreadyDecided => Self::conflict(
                "referral-wrong-state",
                "The referral is not in the state this step needs",
                detail,
            ),
            ReferralError::NotSender => Self::new(
                StatusCode::FORBIDDEN,
                "not-referral-sender",
                "Only the sender may do this",
                detail,
            ),
            ReferralError::NotTeamMember => Self::new(
                StatusCode::FORBIDDEN,
                "not-team-member",
                "Only a member of the team may do this",
                detail,
            ),
            ReferralError::ReasonRequired => Self::rule("reason", detail),
        }
    }
}

impl From<PlanError> for ApiError {
    fn from(error: PlanError) -> Self {
        let detail = error.to_string();
        let unpublishable = |slug, title, field: &str| Self {
            errors: vec![FieldError {
                field: field.to_owned(),
                message: detail.clone(),
            }],
            ..Self::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                slug,
                title,
                detail.clone(),
            )
        };
        match error {
            PlanError::NotDraft(_) => {
                Self::conflict("plan-not-draft", "Only a draft plan can be changed", detail)
            }
            PlanError::FollowUpRequired | PlanError::FollowUpInPast => unpublishable(
                "plan-not-publishable",
                "The plan cannot be published yet",
                "follow_up_on",
            ),
            PlanError::WarningsNotAcknowledged => unpublishable(
                "plan-warnings-not-acknowledged",
                "The plan has open warnings",
                "acknowledge_warnings",
            ),
            PlanError::NotKeeper => Self::not_responsible_worker(detail),
            PlanError::DraftExists => Self::conflict(
                "plan-draft-exists",
                "The client already has a draft plan",
                detail,
            ),
            PlanError::NotShared => Self::new(
                StatusCode::FORBIDDEN,
                "plan-not-shared",
                "The plan has not been shared with your organisation",
                detail,
            ),
        }
    }
}

impl From<FollowUpError> for ApiError {
    fn from(error: FollowUpError) -> Self {
        let detail = error.to_string();
        match error {
            FollowUpError::NotOpen(_) => Self::conflict(
                "follow-up-not-open",
                "The follow-up is already closed",
                detail,
            ),
            FollowUpError::NoteRequired => Self::rule("note", detail),
            FollowUpError::DueInPast => Self::rule("due_on", detail),
            FollowUpError::NotOwner => Self::new(
                StatusCode::FORBIDDEN,
                "not-follow-up-owner",
                "Only the owner or the responsible worker may close the follow-up",
                detail,
            ),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound | StoreError::AccessDenied | StoreError::Hidden(_) => {
                Self::not_found("resource")
            }
            StoreError::Unavailable(reason) => {
                tracing::warn!(error.reason = %reason, "database unavailable");
                Self::unavailable()
            }
            StoreError::VersionMismatch => Self::precondition_failed(),
            StoreError::NotResponsibleWorker => Self::not_responsible_worker(error.to_string()),
            StoreError::InvalidReference { field, message } => {
                Self::invalid_reference(field, message)
            }
            StoreError::Relationship(rule) => rule.into(),
            StoreError::Handover(rule) => rule.into(),
            StoreError::Request(rule) => rule.into(),
            StoreError::ConsentRequired(denied) => Self {
                missing_consent: Some(MissingConsent {
                    purpose: denied.purpose(),
                    organisation_id: denied.organisation(),
                }),
                ..Self::conflict(
                    "consent-required",
                    "The client's consent is required",
                    denied.to_string(),
                )
            },
            StoreError::Consent(ConsentError::AlreadyWithdrawn) => Self::conflict(
                "consent-withdrawn",
                "The consent has already been withdrawn",
                ConsentError::AlreadyWithdrawn.to_string(),
            ),
            StoreError::Consent(other) => Self::rule("withdrawn_at", other.to_string()),
            StoreError::Referral(rule) => rule.into(),
            StoreError::ContactRequest(rule) => {
                let detail = rule.to_string();
                match rule {
                    ContactRequestError::NotTeamMember => Self::new(
                        StatusCode::FORBIDDEN,
                        "not-team-member",
                        "Only a member of the team may do this",
                        detail,
                    ),
                    ContactRequestError::AlreadyTriaged(_) => Self::conflict(
                        "contact-request-triaged",
                        "The contact request has already been triaged",
                        detail,
                    ),
                    ContactRequestError::ReasonRequired => Self::rule("reason", detail),
                }
            }
            StoreError::Plan(rule) => rule.into(),
            StoreError::FollowUp(rule) => rule.into(),
            StoreError::Assessment(rule) => {
                let detail = rule.to_string();
                match rule {
                    AssessmentError::NotTeamMember => Self::new(
                        StatusCode::FORBIDDEN,
                        "not-team-member",
                        "Only a member of the team may do this",
                        detail,
                    ),
                    AssessmentError::WrongState(_) => Self::conflict(
                        "assessment-wrong-state",
                        "The assessment is not in the state this step needs",
                        detail,
                    ),
                    AssessmentError::FeedbackIncomplete => Self::rule("feedback", detail),
                    AssessmentError::ReasonRequired => Self::rule("reason", detail),
                }
            }
            StoreError::ReadOnly => Self::new(
                StatusCode::FORBIDDEN,
                "read-only-access",
                "Read-only access",
                "your organisation sees this client under the client's consent and may not change it",
            ),
            StoreError::UniqueViolation(constraint) => {
                tracing::info!(db.constraint = %constraint, "unique violation");
                Self::conflict(
                    "conflict",
                    "Conflicts with existing data",
                    "the change conflicts with existing data",
                )
            }
            other => {
                tracing::error!(error = %other, "request failed");
                Self::internal()
            }
        }
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

//! How each refusal of the domain and the data layer becomes a problem:
//! its status and type, decided once.

use actix_web::http::StatusCode;
use kyky_domain::RelationshipError;
use kyky_domain::assessment::AssessmentError;
use kyky_domain::consent::ConsentError;
use kyky_domain::contact_request::ContactRequestError;
use kyky_domain::follow_up::FollowUpError;
use kyky_domain::handover::{HandoverError, HandoverStatus};
use kyky_domain::plan::PlanError;
use kyky_domain::referral::ReferralError;
use kyky_domain::request::RequestError;
use kyky_persistence::StoreError;

use super::{ApiError, FieldError, MissingConsent};

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
            StoreError::StorageFailed(reason) => {
                tracing::error!(error.reason = %reason, "the database cannot write");
                Self::storage_failed()
            }
            StoreError::VersionMismatch => Self::precondition_failed(),
            StoreError::NotResponsibleWorker => Self::not_responsible_worker(error.to_string()),
            StoreError::RoleRequired(_) => Self::forbidden(
                "only your organisation's integration account sets its systems' identifiers",
            ),
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

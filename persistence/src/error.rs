//! Error policy: repositories return `StoreError`. Unique and foreign-key
//! violations and optimistic-lock misses are distinguished so that the API can
//! answer 409/412 instead of 500; an unreachable database is `Unavailable`
//! (503). Domain rule violations pass through unchanged.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use kyky_domain::RelationshipError;
use kyky_domain::consent::{ConsentDenied, ConsentError};
use kyky_domain::handover::HandoverError;
use kyky_domain::request::RequestError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("configuration: {0}")]
    Configuration(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// The row changed since the caller read it (ETag / If-Match).
    #[error("the stored version differs from the expected one")]
    VersionMismatch,
    #[error("unique constraint violated: {0}")]
    UniqueViolation(String),
    #[error("a referenced row does not exist")]
    ForeignKeyViolation,
    /// A field of the request names something that does not exist or does not fit.
    #[error("{field}: {message}")]
    InvalidReference {
        field: &'static str,
        message: &'static str,
    },
    /// The caller has no relationship to the client. Answered as "not found"
    /// so that the client's existence is not revealed.
    #[error("no access to the client")]
    AccessDenied,
    /// The caller may read the client (by consent) but not change it.
    #[error("read-only access to the client")]
    ReadOnly,
    #[error(transparent)]
    Relationship(#[from] RelationshipError),
    #[error(transparent)]
    Handover(#[from] HandoverError),
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    ConsentRequired(#[from] ConsentDenied),
    #[error(transparent)]
    Consent(#[from] ConsentError),
    #[error(transparent)]
    Referral(#[from] kyky_domain::referral::ReferralError),
    #[error(transparent)]
    Assessment(#[from] kyky_domain::assessment::AssessmentError),
    #[error(transparent)]
    Plan(#[from] kyky_domain::plan::PlanError),
    #[error(transparent)]
    FollowUp(#[from] kyky_domain::plan::FollowUpError),
    #[error(transparent)]
    ContactRequest(#[from] kyky_domain::contact_request::ContactRequestError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(DieselError),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Self::UniqueViolation(
                    info.constraint_name()
                        .map_or_else(|| info.message().to_owned(), str::to_owned),
                )
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                Self::ForeignKeyViolation
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                Self::Unavailable(info.message().to_owned())
            }
            other => Self::Database(other),
        }
    }
}

impl StoreError {
    /// A request field naming no existing record.
    pub fn unknown(field: &'static str) -> Self {
        Self::InvalidReference {
            field,
            message: "does not name an existing record",
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

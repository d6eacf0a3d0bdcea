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
    /// The access rules refuse the caller something whose very existence
    /// they may not learn (another's draft): logged as denied with this
    /// reason, answered as "not found".
    #[error("not found")]
    Hidden(&'static str),
    /// A step only the client's responsible worker or work pair may take.
    #[error("only the client's responsible worker or work pair may do this")]
    NotResponsibleWorker,
    /// The caller may read the client (by consent) but not change it.
    #[error("read-only access to the client")]
    ReadOnly,
    /// The caller's roles do not allow the step on a client they may see
    /// (say, a professional setting the identifier only an integration
    /// account sets): logged as denied with this reason.
    #[error("your roles do not allow this")]
    RoleRequired(&'static str),
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
    FollowUp(#[from] kyky_domain::follow_up::FollowUpError),
    #[error(transparent)]
    ContactRequest(#[from] kyky_domain::contact_request::ContactRequestError),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// The database cannot write: its disk is full or failing. Nothing of
    /// the step was stored (its transaction rolled back).
    #[error("the database cannot write: {0}")]
    StorageFailed(String),
    #[error("database error: {0}")]
    Database(DieselError),
}

/// Messages of a database that cannot write: SQLite's `SQLITE_FULL` and
/// `SQLITE_IOERR`, PostgreSQL's `disk_full` (53100) and failed writes.
const CANNOT_WRITE: [&str; 5] = [
    "database or disk is full",
    "disk I/O error",
    "No space left on device",
    "could not extend file",
    "could not write to file",
];

impl StoreError {
    /// Why the access rules refused the caller, if this is such a refusal:
    /// the reason a denied access-log entry records. Other errors (a bad
    /// field, a state conflict) are not refusals of access.
    pub fn refusal(&self) -> Option<&'static str> {
        use kyky_domain::assessment::AssessmentError;
        use kyky_domain::contact_request::ContactRequestError;
        use kyky_domain::follow_up::FollowUpError;
        use kyky_domain::plan::PlanError;
        use kyky_domain::referral::ReferralError;
        Some(match self {
            Self::AccessDenied => "no_access",
            Self::Hidden(reason) | Self::RoleRequired(reason) => reason,
            Self::ReadOnly => "read_only_by_consent",
            Self::Handover(HandoverError::NotResponsible)
            | Self::Request(RequestError::NotResponsible)
            | Self::Plan(PlanError::NotKeeper)
            | Self::NotResponsibleWorker => "not_responsible_worker",
            Self::Handover(HandoverError::NotReceiver) => "not_handover_receiver",
            Self::Handover(HandoverError::NotProposer) => "not_handover_proposer",
            Self::Request(RequestError::NotRequester) => "not_requester",
            Self::Referral(ReferralError::NotSender) => "not_referral_sender",
            Self::Referral(ReferralError::NotTeamMember)
            | Self::ContactRequest(ContactRequestError::NotTeamMember)
            | Self::Assessment(AssessmentError::NotTeamMember) => "not_team_member",
            Self::Plan(PlanError::NotShared) => "plan_not_shared",
            Self::FollowUp(FollowUpError::NotOwner) => "not_follow_up_owner",
            Self::Relationship(RelationshipError::NotOwnOrganisation) => {
                "relationship_not_own_organisation"
            }
            Self::ConsentRequired(_) => "consent_required",
            _ => return None,
        })
    }
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
            lost if lost_connection(&lost) => Self::Unavailable(lost.to_string()),
            DieselError::DatabaseError(_, info)
                if CANNOT_WRITE.iter().any(|m| info.message().contains(m)) =>
            {
                Self::StorageFailed(info.message().to_owned())
            }
            other => Self::Database(other),
        }
    }
}

/// Whether `error` says the connection to the database is gone. libpq says
/// so as `ClosedConnection` when a statement finds the server gone, and as
/// `UnableToSendCommand` when it cannot send one (the socket already shut);
/// a commit that failed so ends in `RollbackErrorOnCommit` when the rollback
/// fails too, and a transaction asked of a connection whose state diesel
/// lost with it in `BrokenTransactionManager` (the pool drops such a
/// connection when it is handed back). Each is a 503, to be tried again.
fn lost_connection(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
        | DieselError::BrokenTransactionManager => true,
        DieselError::RollbackErrorOnCommit {
            rollback_error,
            commit_error,
        } => lost_connection(rollback_error) || lost_connection(commit_error),
        _ => false,
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

#[cfg(test)]
mod tests {
    use diesel::result::DatabaseErrorInformation;

    use super::*;

    #[derive(Debug)]
    struct Said(&'static str);

    impl DatabaseErrorInformation for Said {
        fn message(&self) -> &str {
            self.0
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn from(message: &'static str) -> StoreError {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(Said(message))).into()
    }

    fn failed(kind: DatabaseErrorKind, message: &'static str) -> DieselError {
        DieselError::DatabaseError(kind, Box::new(Said(message)))
    }

    #[test]
    fn a_lost_connection_is_unavailable_however_it_is_reported() {
        let closed = || {
            failed(
                DatabaseErrorKind::ClosedConnection,
                "server closed the connection unexpectedly",
            )
        };
        let not_sent = || {
            failed(
                DatabaseErrorKind::UnableToSendCommand,
                "no connection to the server",
            )
        };
        let lost = [
            closed(),
            not_sent(),
            DieselError::RollbackErrorOnCommit {
                rollback_error: Box::new(not_sent()),
                commit_error: Box::new(closed()),
            },
            DieselError::BrokenTransactionManager,
            DieselError::RollbackErrorOnCommit {
                rollback_error: Box::new(not_sent()),
                commit_error: Box::new(failed(
                    DatabaseErrorKind::SerializationFailure,
                    "could not serialize access",
                )),
            },
        ];
        for error in lost {
            let shown = error.to_string();
            assert!(
                matches!(StoreError::from(error), StoreError::Unavailable(_)),
                "{shown}"
            );
        }
        let kept_connection = DieselError::RollbackErrorOnCommit {
            rollback_error: Box::new(failed(DatabaseErrorKind::Unknown, "rollback refused")),
            commit_error: Box::new(failed(DatabaseErrorKind::Unknown, "commit refused")),
        };
        assert!(matches!(
            StoreError::from(kept_connection),
            StoreError::Database(_)
        ));
    }

    #[test]
    fn a_database_that_cannot_write_is_told_apart_from_other_errors() {
        for message in [
            "database or disk is full",
            "disk I/O error",
            "could not extend file \"base/16384/2619\": No space left on device",
            "could not write to file \"pg_wal/xlogtemp.123\": No space left on device",
        ] {
            assert!(
                matches!(from(message), StoreError::StorageFailed(_)),
                "{message}"
            );
        }
        assert!(matches!(
            from("syntax error at or near \"SELEC\""),
            StoreError::Database(_)
        ));
    }
}

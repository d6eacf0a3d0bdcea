//! The catalogue of problem types: every `type` an error response can carry
//! (`https://kyky.fi/problems/<slug>`), with when it happens and what to do.
//! Served at `GET /api/v1/problem-types` and in the contract; an error whose
//! slug is not here fails the tests (a debug assertion in `ApiError::new`).

use serde::Serialize;
use utoipa::ToSchema;

/// One problem type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProblemType {
    /// The last part of the `type` URI.
    #[schema(example = "consent-required")]
    pub slug: &'static str,
    /// The HTTP status it is answered with.
    #[schema(example = 409, minimum = 400, maximum = 599)]
    pub status: u16,
    /// Short, stable summary (the problem's `title`).
    #[schema(example = "The client's consent is required")]
    pub title: &'static str,
    /// When it is answered.
    pub when: &'static str,
    /// What the caller can do about it.
    pub what_to_do: &'static str,
}

const fn problem(
    slug: &'static str,
    status: u16,
    title: &'static str,
    when: &'static str,
    what_to_do: &'static str,
) -> ProblemType {
    ProblemType {
        slug,
        status,
        title,
        when,
        what_to_do,
    }
}

/// Every problem type, by status then slug.
pub const CATALOGUE: &[ProblemType] = &[
    problem(
        "malformed-request",
        400,
        "The request could not be read",
        "The body is not JSON, or is missing where one is needed.",
        "Send a JSON body with Content-Type: application/json.",
    ),
    problem(
        "validation",
        400,
        "The request has invalid fields",
        "A field breaks the contract's schema (type, format, length, pattern, a required field, a query or path parameter); `errors` names each field. A request that fits the schema never gets this.",
        "Correct the fields named in `errors[].field`: the client sends what the contract does not allow.",
    ),
    problem(
        "unauthorized",
        401,
        "Authentication is required",
        "No bearer token, or one that is expired, forged or for an unknown or deactivated professional.",
        "Sign in again and send `Authorization: Bearer <token>`.",
    ),
    problem(
        "forbidden",
        403,
        "Not allowed",
        "Your roles do not allow the operation (e.g. an admin asking for client data).",
        "Use an account with the role the operation names.",
    ),
    problem(
        "not-a-professional-yet",
        403,
        "Not yet a Kyky professional",
        "Your organisation's identity provider signed you in, but no Kyky professional is linked to you (and the provider is not set to create one on first sign-in).",
        "Ask your organisation's Kyky administrator to add you as a professional.",
    ),
    problem(
        "not-follow-up-owner",
        403,
        "Only the owner or the responsible worker may close the follow-up",
        "Closing someone else's follow-up.",
        "Ask its owner or the responsible worker.",
    ),
    problem(
        "not-handover-proposer",
        403,
        "Only the proposer or the responsible worker may cancel",
        "Cancelling a handover you did not propose.",
        "Ask the proposer or the responsible worker.",
    ),
    problem(
        "not-handover-receiver",
        403,
        "Only the receiver may accept or decline",
        "Deciding a handover addressed to someone else.",
        "Only the receiver (or a member of the receiving queue or team) decides.",
    ),
    problem(
        "not-referral-sender",
        403,
        "Only the sender may do this",
        "Changing a referral someone else sent.",
        "Ask the sender.",
    ),
    problem(
        "not-requester",
        403,
        "Only the asker may withdraw",
        "Withdrawing someone else's request for responsibility.",
        "Ask the professional who asked.",
    ),
    problem(
        "not-responsible-worker",
        403,
        "Only the responsible worker may do this",
        "A step only the responsible worker (or work pair) may take.",
        "Ask the responsible worker, or ask for responsibility.",
    ),
    problem(
        "not-team-member",
        403,
        "Only a member of the team may do this",
        "Working a team's inbox without being a current member.",
        "Ask the team's chair or an admin to add you.",
    ),
    problem(
        "plan-not-shared",
        403,
        "The plan has not been shared with your organisation",
        "Reading a plan's content without the client's consent covering your organisation.",
        "Record the client's consent to information exchange covering your organisation.",
    ),
    problem(
        "read-only-access",
        403,
        "Read-only access",
        "Changing a client your organisation reads only by consent.",
        "Changes are made by organisations that work with the client.",
    ),
    problem(
        "relationship-not-own-organisation",
        403,
        "Not your organisation's relationship",
        "Ending another organisation's client relationship.",
        "Only that organisation (or whoever recorded it) ends it.",
    ),
    problem(
        "not-found",
        404,
        "Not found",
        "No such resource, or no relationship to the client that lets you see it: the two are answered alike.",
        "Check the id; access to client data comes from a relationship, consent or a statutory basis.",
    ),
    problem(
        "method-not-allowed",
        405,
        "Method not allowed",
        "The path exists but not with this method; `Allow` lists its methods.",
        "Use one of the methods in `Allow`.",
    ),
    problem(
        "already-member",
        409,
        "Already a member",
        "Adding a current member to a team again.",
        "Nothing to do.",
    ),
    problem(
        "already-responsible",
        409,
        "You are already responsible",
        "Asking for responsibility you already hold.",
        "Nothing to do.",
    ),
    problem(
        "assessment-wrong-state",
        409,
        "The assessment is not in the state this step needs",
        "Starting, completing or cancelling an assessment in the wrong state.",
        "Read the assessment and take the step its state allows.",
    ),
    problem(
        "cannot-deactivate-self",
        409,
        "Cannot deactivate yourself",
        "An admin deactivating their own account.",
        "Ask another admin.",
    ),
    problem(
        "idempotency-key-in-use",
        409,
        "A request with this Idempotency-Key is still running",
        "You sent a request with an Idempotency-Key while your first request with that key has not been answered yet.",
        "Wait for the first request's answer; retrying later with the same key replays it.",
    ),
    problem(
        "conflict",
        409,
        "Conflicts with existing data",
        "The change would duplicate a record that must be unique.",
        "Read the existing record and change it instead.",
    ),
    problem(
        "consent-required",
        409,
        "The client's consent is required",
        "Referring, handing over or sharing with an organisation that no active consent covers; `missing_consent` says which.",
        "Record the client's consent for that purpose and organisation, then retry.",
    ),
    problem(
        "consent-withdrawn",
        409,
        "The consent has already been withdrawn",
        "Withdrawing a consent twice.",
        "Nothing to do.",
    ),
    problem(
        "contact-request-triaged",
        409,
        "The contact request has already been triaged",
        "Inviting or closing a contact request someone already handled.",
        "Read the contact request to see what was decided.",
    ),
    problem(
        "external-ref-taken",
        409,
        "External reference already in use",
        "Another organisation already has this external system id.",
        "Check the external system's id.",
    ),
    problem(
        "follow-up-not-open",
        409,
        "The follow-up is already closed",
        "Completing or cancelling a closed follow-up.",
        "Nothing to do.",
    ),
    problem(
        "handover-already-pending",
        409,
        "A handover is already pending",
        "Proposing a handover while another is pending for the client.",
        "Wait for it to be decided, or cancel it.",
    ),
    problem(
        "handover-expired",
        409,
        "The handover has expired",
        "Deciding a handover after its `expires_at`.",
        "Propose a new handover.",
    ),
    problem(
        "handover-not-pending",
        409,
        "The handover is no longer pending",
        "Deciding a handover that was already accepted, declined or cancelled (of concurrent decisions one wins).",
        "Read the handover to see what was decided.",
    ),
    problem(
        "organisation-change-not-supported",
        409,
        "A professional's organisation is fixed",
        "Moving a professional to another organisation.",
        "Create a new professional record in the new organisation.",
    ),
    problem(
        "plan-draft-exists",
        409,
        "The client already has a draft plan",
        "Starting a second draft of the client's plan.",
        "Edit or discard the existing draft.",
    ),
    problem(
        "plan-not-draft",
        409,
        "Only a draft plan can be changed",
        "Changing a published or superseded plan version.",
        "Start a new draft: it copies the version in force.",
    ),
    problem(
        "primary-relationship-required",
        409,
        "A primary relationship is required",
        "Ending the primary relationship while others are active.",
        "Make another relationship primary first.",
    ),
    problem(
        "referral-wrong-state",
        409,
        "The referral is not in the state this step needs",
        "Sending, accepting, returning or withdrawing a referral in the wrong state.",
        "Read the referral and take the step its state allows.",
    ),
    problem(
        "relationship-already-active",
        409,
        "Relationship already active",
        "Opening a relationship the organisation already has.",
        "Nothing to do.",
    ),
    problem(
        "relationship-ended",
        409,
        "Relationship has ended",
        "Changing an ended relationship.",
        "Open a new relationship.",
    ),
    problem(
        "request-already-pending",
        409,
        "A request is already pending",
        "Asking for responsibility while a request is pending.",
        "Wait for the decision, or withdraw the request.",
    ),
    problem(
        "request-not-pending",
        409,
        "The request is no longer pending",
        "Deciding a request that was already decided or withdrawn.",
        "Read the request.",
    ),
    problem(
        "responsibility-changed",
        409,
        "Responsibility has changed",
        "A handover's proposer is no longer responsible when it is accepted.",
        "Propose the handover again from the current responsible worker.",
    ),
    problem(
        "precondition-failed",
        412,
        "The resource has changed",
        "`If-Match` does not name the current version.",
        "Read the resource again (its `ETag`), reapply your change and retry.",
    ),
    problem(
        "payload-too-large",
        413,
        "Payload too large",
        "The body is larger than 256 KiB.",
        "Send less; attach documents by reference.",
    ),
    problem(
        "unsupported-media-type",
        415,
        "Unsupported media type",
        "The body is not sent as application/json.",
        "Send Content-Type: application/json.",
    ),
    problem(
        "idempotency-key-reused",
        422,
        "This Idempotency-Key was used for a different request",
        "Within 24 hours you sent the same Idempotency-Key with a different method, path or body.",
        "Use a new key for a new request; keep a key only to retry the very same request.",
    ),
    problem(
        "invalid-work-pair",
        422,
        "The work pair is not valid",
        "The proposed work pair is the responsible worker or not an active professional.",
        "Name another active professional.",
    ),
    problem(
        "plan-not-publishable",
        422,
        "The plan cannot be published yet",
        "Publishing without a follow-up date, or with one in the past.",
        "Set `follow_up_on` to today or later.",
    ),
    problem(
        "plan-warnings-not-acknowledged",
        422,
        "The plan has open warnings",
        "Publishing a plan with overlapping or unused services.",
        "Resolve the warnings, or publish with `acknowledge_warnings: true`.",
    ),
    problem(
        "receiver-inactive",
        422,
        "The receiver is not an active professional",
        "Handing over to a deactivated or unknown professional.",
        "Choose an active professional.",
    ),
    problem(
        "receiver-is-responsible",
        422,
        "The receiver is already responsible",
        "Handing over to the current responsible worker.",
        "Choose another receiver.",
    ),
    problem(
        "rule-violation",
        422,
        "A value breaks a rule of the domain",
        "The request fits the schema, but a value breaks a rule the schema cannot state: a henkilötunnus or business id check character or calendar date, one date before another, a date that must not be past, fields that exclude one another, a cursor this list did not give you; `errors` names each field.",
        "Show the message of each `errors[]` entry at its field and let the user correct it.",
    ),
    problem(
        "unknown-reference",
        422,
        "The request refers to something that does not exist or does not fit",
        "A field names a record that does not exist or cannot be used here; `errors` names it.",
        "Correct the field named in `errors[].field`.",
    ),
    problem(
        "precondition-required",
        428,
        "If-Match is required",
        "A PUT or PATCH without `If-Match`.",
        "Send the `ETag` of the version you edited in `If-Match`.",
    ),
    problem(
        "rate-limited",
        429,
        "Too many requests",
        "The token used up its requests for the minute.",
        "Wait `Retry-After` seconds; spread the load.",
    ),
    problem(
        "internal",
        500,
        "Internal error",
        "An unexpected failure; it is logged with the request id.",
        "Retry later; report the `X-Request-Id` if it persists.",
    ),
    problem(
        "unavailable",
        503,
        "Service unavailable",
        "The database is not reachable, or cannot write now (its disk is full or failing); nothing was changed.",
        "Retry after a short wait.",
    ),
];

/// The catalogue entry of `slug`.
pub fn find(slug: &str) -> Option<&'static ProblemType> {
    CATALOGUE.iter().find(|p| p.slug == slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_unique_and_statuses_are_errors() {
        let mut slugs: Vec<_> = CATALOGUE.iter().map(|p| p.slug).collect();
        slugs.sort_unstable();
        let count = slugs.len();
        slugs.dedup();
        assert_eq!(slugs.len(), count);
        assert!(CATALOGUE.iter().all(|p| (400..600).contains(&p.status)));
    }
}

//! What the API answers from the access and disclosure logs.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kyky_persistence::access_log;
use kyky_persistence::disclosures::{Basis, Disclosure};
use kyky_persistence::{DbConnection, StoreResult, organisations, professionals};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One access.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogEntryView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub professional_id: Uuid,
    /// Who it was, by name, as the client reads their log.
    #[schema(example = "Sanna Virtanen")]
    pub professional_name: String,
    pub organisation_id: Uuid,
    /// The organisation they acted for.
    #[schema(example = "Työllisyys Espoo")]
    pub organisation_name: String,
    /// The kind of record touched, e.g. `client`, `plan`, `handover`.
    #[schema(example = "plan")]
    pub resource_type: Option<String>,
    /// The record touched, when the request named one.
    pub resource_id: Option<Uuid>,
    /// Why a denied attempt was refused: `no_access`, `read_only_by_consent`,
    /// `not_responsible_worker`, `plan_not_shared`, `plan_draft_not_shared`,
    /// `not_handover_receiver`, `not_team_member`, `consent_required`, …
    #[schema(example = "not_responsible_worker")]
    pub reason: Option<String>,
    /// What was done, e.g. `client.read`, `handover.accept`.
    #[schema(example = "client.read")]
    pub operation: String,
    /// Why it was allowed: `responsible_worker`, `work_pair`, `organisation_relationship`, `consent`, `handover_party`.
    pub basis: Option<String>,
    /// `allowed` or `denied`.
    pub outcome: String,
    pub request_id: Option<String>,
}

/// A page of access-log entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogPage {
    pub items: Vec<AccessLogEntryView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Views of these entries with each actor's and organisation's name: two
/// queries whatever their number.
pub fn entry_views(
    conn: &mut DbConnection,
    entries: Vec<access_log::Entry>,
) -> StoreResult<Vec<AccessLogEntryView>> {
    let mut people: Vec<Uuid> = entries.iter().map(|e| e.professional_id).collect();
    people.sort_unstable();
    people.dedup();
    let names: HashMap<Uuid, String> = professionals::get_many(conn, &people)?
        .into_iter()
        .map(|p| {
            (
                p.id,
                format!("{} {}", p.fields.first_name, p.fields.last_name),
            )
        })
        .collect();
    let mut places: Vec<Uuid> = entries.iter().map(|e| e.organisation_id).collect();
    places.sort_unstable();
    places.dedup();
    let organisations = organisations::names(conn, &places)?;
    Ok(entries
        .into_iter()
        .map(|e| AccessLogEntryView {
            id: e.id,
            at: e.at,
            professional_id: e.professional_id,
            professional_name: names.get(&e.professional_id).cloned().unwrap_or_default(),
            organisation_id: e.organisation_id,
            organisation_name: organisations
                .get(&e.organisation_id)
                .cloned()
                .unwrap_or_default(),
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            reason: e.reason,
            operation: e.operation,
            basis: e.basis,
            outcome: e.outcome,
            request_id: e.request_id,
        })
        .collect())
}

/// One entry of a cross-client search: which client it concerns.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditAccessEntry {
    pub client_id: Option<Uuid>,
    #[serde(flatten)]
    pub entry: AccessLogEntryView,
}

/// A page of access-log entries across clients.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditAccessPage {
    pub items: Vec<AuditAccessEntry>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One disclosure of client data to another organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub client_id: Uuid,
    /// The organisation that disclosed.
    pub from_organisation_id: Uuid,
    /// The organisation that received the data.
    pub to_organisation_id: Uuid,
    /// What moved, e.g. `handover_package`, `client_record`.
    pub what: String,
    /// The record that moved (a handover, a plan version); null for the client record as a whole.
    pub subject_id: Option<Uuid>,
    /// `consent` or `statutory`.
    pub basis: String,
    /// The consent the disclosure relied on; null for a statutory one.
    pub consent_id: Option<Uuid>,
    /// The statute relied on (code set `legal-bases`); null for a consent-based disclosure.
    pub legal_basis: Option<String>,
    /// Why the data was needed, as the requester stated it; null when consent-based.
    pub reason: Option<String>,
    pub professional_id: Uuid,
    /// Statutory disclosures are flagged for an auditor's review.
    pub flagged_for_review: bool,
}

pub fn disclosure_view(d: Disclosure) -> DisclosureView {
    let (basis, consent_id, legal_basis, reason) = match d.basis {
        Basis::Consent(id) => ("consent", Some(id), None, None),
        Basis::Statutory {
            legal_basis,
            reason,
        } => ("statutory", None, Some(legal_basis), Some(reason)),
    };
    DisclosureView {
        id: d.id,
        at: d.at,
        client_id: d.client_id,
        from_organisation_id: d.from_organisation_id,
        to_organisation_id: d.to_organisation_id,
        what: d.what,
        subject_id: d.subject_id,
        basis: basis.to_owned(),
        consent_id,
        legal_basis,
        reason,
        professional_id: d.professional_id,
        flagged_for_review: d.flagged_for_review,
    }
}

/// A page of disclosures.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosurePage {
    pub items: Vec<DisclosureView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

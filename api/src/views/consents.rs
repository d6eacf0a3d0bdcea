//! What the API answers about consents.

use chrono::{DateTime, Utc};
use kyky_domain::consent::{ConsentMethod, ConsentPurpose};
use kyky_persistence::consents::ConsentRecord;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A consent as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentView {
    pub id: Uuid,
    pub client_id: Uuid,
    /// What the client consented to (code set `consent-purposes`).
    pub purposes: Vec<ConsentPurpose>,
    /// Organisations the consent covers besides the recording one.
    pub organisation_ids: Vec<Uuid>,
    pub method: ConsentMethod,
    /// Where a written consent is kept (e.g. a document number); null for a verbal or electronic one.
    pub document_reference: Option<String>,
    pub given_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub recorded_by: Uuid,
    pub recorded_at: DateTime<Utc>,
    /// Whether it holds now (given, not withdrawn, not expired).
    pub active: bool,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<Uuid>,
    pub withdrawal_method: Option<ConsentMethod>,
}

pub fn view(r: ConsentRecord, now: DateTime<Utc>) -> ConsentView {
    ConsentView {
        id: r.consent.id,
        client_id: r.client_id,
        active: r.consent.is_active_at(now),
        purposes: r.consent.purposes.into_iter().collect(),
        organisation_ids: r.consent.organisations.into_iter().collect(),
        method: r.method,
        document_reference: r.document_reference,
        given_at: r.consent.given_at,
        expires_at: r.consent.expires_at,
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at,
        withdrawn_at: r.consent.withdrawn_at,
        withdrawn_by: r.withdrawn_by,
        withdrawal_method: r.withdrawal_method,
    }
}

/// A page of consents.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentPage {
    pub items: Vec<ConsentView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

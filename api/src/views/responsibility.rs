//! What the API answers about responsibility, its history and requests.

use chrono::{DateTime, Utc};
use kyky_domain::handover::PeriodOrigin;
use kyky_domain::request::RequestStatus;
use kyky_persistence::requests::RequestRecord;
use kyky_persistence::{DbConnection, StoreResult, handovers, responsibility};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::cards::{Directory, only};
use crate::views::cards::{ProfessionalCard, professional_card};
use crate::views::handovers::HandoverView;

/// Who is responsible for the client now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponsibilityView {
    pub client_id: Uuid,
    /// The responsible worker: exactly one at every moment.
    pub responsible: ProfessionalCard,
    /// When the current responsible worker took over (RFC 3339, UTC); null when nobody is responsible.
    pub responsible_since: DateTime<Utc>,
    /// The work pair (työpari), if any.
    pub work_pair: Option<ProfessionalCard>,
    /// When the current work pair started (RFC 3339, UTC); null without a work pair.
    pub work_pair_since: Option<DateTime<Utc>>,
    /// A pending handover of the client, if any.
    pub pending_handover_id: Option<Uuid>,
}

pub fn responsibility_view(
    conn: &mut DbConnection,
    client_id: Uuid,
) -> StoreResult<ResponsibilityView> {
    let period = responsibility::current_period(conn, client_id)?
        .ok_or(kyky_persistence::StoreError::NotFound)?;
    let pair = responsibility::current_work_pair(conn, client_id)?;
    let pending = handovers::pending_id(conn, client_id)?;
    Ok(ResponsibilityView {
        client_id,
        responsible: professional_card(conn, period.professional_id)?,
        responsible_since: period.started_at,
        work_pair: pair
            .map(|p| professional_card(conn, p.professional_id))
            .transpose()?,
        work_pair_since: pair.map(|p| p.since),
        pending_handover_id: pending,
    })
}

/// One period of responsibility.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponsibilityPeriodView {
    pub id: Uuid,
    pub professional: ProfessionalCard,
    pub started_at: DateTime<Utc>,
    /// Absent for the current period.
    pub ended_at: Option<DateTime<Utc>>,
    /// How it began: initial, handover or assessment.
    pub origin: PeriodOrigin,
    /// The handover that began it.
    pub handover_id: Option<Uuid>,
}

/// Every period of responsibility, oldest first.
pub fn history_view(
    conn: &mut DbConnection,
    client_id: Uuid,
) -> StoreResult<Vec<ResponsibilityPeriodView>> {
    let periods = responsibility::history(conn, client_id)?;
    // Every period's worker's card in one query, however long the history.
    let workers = periods.iter().map(|p| p.professional_id).collect();
    let directory = Directory::load(conn, Vec::new(), workers, Vec::new(), Vec::new())?;
    periods
        .into_iter()
        .map(|p| {
            Ok(ResponsibilityPeriodView {
                id: p.id,
                professional: directory.professional(p.professional_id)?,
                started_at: p.started_at,
                ended_at: p.ended_at,
                origin: p.origin,
                handover_id: p.handover_id,
            })
        })
        .collect()
}

/// A page of responsibility periods.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponsibilityHistoryPage {
    pub items: Vec<ResponsibilityPeriodView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A request for responsibility.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestView {
    pub id: Uuid,
    pub client_id: Uuid,
    pub requested_by: ProfessionalCard,
    /// Why the asker wants responsibility.
    pub reason: String,
    pub status: RequestStatus,
    pub requested_at: DateTime<Utc>,
    pub answered_by: Option<Uuid>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Why the responsible worker refused; null unless refused.
    pub refusal_reason: Option<String>,
    /// The handover proposed when the request was agreed.
    pub handover_id: Option<Uuid>,
}

pub fn request_view(conn: &mut DbConnection, r: RequestRecord) -> StoreResult<RequestView> {
    only(request_views(conn, vec![r]))
}

/// Views of these requests, their requesters' cards read in one go.
pub fn request_views(
    conn: &mut DbConnection,
    records: Vec<RequestRecord>,
) -> StoreResult<Vec<RequestView>> {
    let people = records.iter().map(|r| r.request.requested_by).collect();
    let directory = Directory::load(conn, vec![], people, vec![], vec![])?;
    records
        .into_iter()
        .map(|r| request_view_in(&directory, r))
        .collect()
}

fn request_view_in(directory: &Directory, r: RequestRecord) -> StoreResult<RequestView> {
    Ok(RequestView {
        id: r.request.id,
        client_id: r.client_id,
        requested_by: directory.professional(r.request.requested_by)?,
        reason: r.reason,
        status: r.request.status,
        requested_at: r.requested_at,
        answered_by: r.answered_by,
        answered_at: r.answered_at,
        refusal_reason: r.refusal_reason,
        handover_id: r.handover_id,
    })
}

/// A page of requests for responsibility.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestPage {
    pub items: Vec<RequestView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The answered request and the handover it opened.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreedView {
    pub request: RequestView,
    pub handover: HandoverView,
}

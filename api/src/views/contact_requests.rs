//! What the API answers about contact requests.

use chrono::{DateTime, Utc};
use kyky_domain::contact_request::{ContactChannel, ContactRequestStatus};
use kyky_persistence::contact_requests::ContactRequestRecord;
use kyky_persistence::{DbConnection, StoreResult};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::cards::{Directory, TeamRef, only};

/// A contact request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactRequestView {
    pub id: Uuid,
    pub team: TeamRef,
    /// The person's name, as they gave it.
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// When the person prefers to be reached, in their words.
    pub preferred_time: Option<String>,
    /// What the person wants to talk about.
    pub message: Option<String>,
    pub channel: ContactChannel,
    pub status: ContactRequestStatus,
    pub received_by: Uuid,
    pub received_at: DateTime<Utc>,
    pub triaged_by: Option<Uuid>,
    pub triaged_at: Option<DateTime<Utc>>,
    /// Why it was closed without an invitation; null unless closed.
    pub close_reason: Option<String>,
    /// The client the person became on invitation.
    pub client_id: Option<Uuid>,
    /// The assessment opened on invitation, if any.
    pub assessment_id: Option<Uuid>,
}

pub fn view(conn: &mut DbConnection, r: ContactRequestRecord) -> StoreResult<ContactRequestView> {
    only(views(conn, vec![r]))
}

/// Views of these requests, their teams read in one go.
pub fn views(
    conn: &mut DbConnection,
    records: Vec<ContactRequestRecord>,
) -> StoreResult<Vec<ContactRequestView>> {
    let teams = records.iter().map(|r| r.request.team_id).collect();
    let directory = Directory::load(conn, vec![], vec![], vec![], teams)?;
    records
        .into_iter()
        .map(|r| view_in(&directory, r))
        .collect()
}

fn view_in(directory: &Directory, r: ContactRequestRecord) -> StoreResult<ContactRequestView> {
    Ok(ContactRequestView {
        id: r.request.id,
        team: directory.team(r.request.team_id)?,
        name: r.details.name,
        phone: r.details.phone,
        email: r.details.email,
        preferred_time: r.details.preferred_time,
        message: r.details.message,
        channel: r.details.channel,
        status: r.request.status,
        received_by: r.received_by,
        received_at: r.received_at,
        triaged_by: r.triaged_by,
        triaged_at: r.triaged_at,
        close_reason: r.close_reason,
        client_id: r.client_id,
        assessment_id: r.assessment_id,
    })
}

/// A page of contact requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactRequestPage {
    pub items: Vec<ContactRequestView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

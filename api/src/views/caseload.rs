//! What the API answers for a worker's caseload.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use kyky_domain::follow_up;
use kyky_domain::follow_up::FollowUpStatus;
use kyky_domain::plan::WarningCode;
use kyky_persistence::caseload::{Caseload, CaseloadEntry};
use kyky_persistence::{DbConnection, StoreError, StoreResult};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::PageRequest;
use crate::views::cards::{ClientBasics, TeamRef};

/// Why the client is in my caseload.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CaseloadRole {
    ResponsibleWorker,
    WorkPair,
}

/// The plan in force, briefly.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanBrief {
    pub id: Uuid,
    /// The plan's version number: 1 for the first, one more for each new version.
    #[schema(minimum = 1)]
    pub version: i32,
    pub published_at: Option<DateTime<Utc>>,
    /// The plan's own follow-up date.
    pub follow_up_on: Option<NaiveDate>,
}

/// One client in the caseload.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseloadItem {
    pub client: ClientBasics,
    pub role: CaseloadRole,
    /// Absent until a plan is published.
    pub plan: Option<PlanBrief>,
    /// The earliest open follow-up.
    pub next_follow_up_on: Option<NaiveDate>,
    /// The earliest open follow-up is past its date, as of now.
    pub overdue: bool,
    /// Open warnings of the overlap rule on the plan in force.
    pub open_warnings: Vec<WarningCode>,
}

/// Handovers waiting for a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingHandovers {
    /// Offered to me, my organisation's queue or my teams.
    #[schema(minimum = 0)]
    pub incoming: i64,
    /// Proposed by me, or of clients I am responsible for.
    #[schema(minimum = 0)]
    pub outgoing: i64,
}

/// A team's waiting work.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamInboxCount {
    pub team: TeamRef,
    /// Sent referrals not yet accepted or returned.
    #[schema(minimum = 0)]
    pub referrals_waiting: i64,
    /// Contact requests not yet triaged.
    #[schema(minimum = 0)]
    pub contact_requests_waiting: i64,
}

/// A page of my caseload, and my waiting work.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseloadView {
    pub items: Vec<CaseloadItem>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Clients in the whole caseload.
    #[schema(format = Int64, minimum = 0)]
    pub total: usize,
    pub pending_handovers: PendingHandovers,
    /// Waiting referrals and contact requests of each team you are a member of.
    pub team_inboxes: Vec<TeamInboxCount>,
}

pub fn view(
    conn: &mut DbConnection,
    caseload: Caseload,
    now: DateTime<Utc>,
    page: PageRequest,
) -> StoreResult<CaseloadView> {
    let next_cursor = caseload
        .more
        .then(|| {
            caseload
                .entries
                .last()
                .map(|e| page.cursor_after(e.client.id))
        })
        .flatten();
    // The teams' names in one query, however many teams.
    let ids: Vec<Uuid> = caseload.team_inboxes.iter().map(|i| i.team_id).collect();
    let names: HashMap<Uuid, String> = kyky_persistence::teams::get_many(conn, &ids)?
        .into_iter()
        .map(|team| (team.id, team.fields.name))
        .collect();
    let team_inboxes = caseload
        .team_inboxes
        .into_iter()
        .map(|inbox| {
            Ok(TeamInboxCount {
                team: TeamRef {
                    id: inbox.team_id,
                    name: names
                        .get(&inbox.team_id)
                        .cloned()
                        .ok_or(StoreError::NotFound)?,
                },
                referrals_waiting: inbox.referrals_waiting,
                contact_requests_waiting: inbox.contact_requests_waiting,
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(CaseloadView {
        items: caseload.entries.into_iter().map(|e| item(e, now)).collect(),
        next_cursor,
        total: caseload.total,
        pending_handovers: PendingHandovers {
            incoming: caseload.handovers_incoming,
            outgoing: caseload.handovers_outgoing,
        },
        team_inboxes,
    })
}

pub fn item(entry: CaseloadEntry, now: DateTime<Utc>) -> CaseloadItem {
    let overdue = entry
        .next_follow_up
        .is_some_and(|due| follow_up::is_overdue(FollowUpStatus::Open, due, now));
    let open_warnings = entry
        .plan
        .as_ref()
        .map(|p| p.content.warnings().into_iter().map(|w| w.code).collect())
        .unwrap_or_default();
    CaseloadItem {
        client: ClientBasics::of(entry.client),
        role: if entry.basis == kyky_domain::AccessBasis::WorkPair {
            CaseloadRole::WorkPair
        } else {
            CaseloadRole::ResponsibleWorker
        },
        plan: entry.plan.map(|p| PlanBrief {
            id: p.id,
            version: p.number,
            published_at: p.published_at,
            follow_up_on: p.content.follow_up_on,
        }),
        next_follow_up_on: entry.next_follow_up,
        overdue,
        open_warnings,
    }
}

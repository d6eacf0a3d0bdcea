//! The responsible worker's caseload: the clients the caller is responsible
//! for or work pair of, with what needs attention next.
//!
//! Index-backed: the caller's clients come from the open responsibility and
//! work-pair periods by professional (partial indexes), and everything else
//! by client id, so the cost follows the caseload's size, not the number of
//! clients in the system.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use kyky_domain::AccessBasis;
use kyky_domain::contact_request::ContactRequestStatus;
use kyky_domain::entities::Client;
use kyky_domain::referral::ReferralStatus;
use uuid::Uuid;

use crate::access_log::{self, AuditContext};
use crate::db::{Db, DbConnection};
use crate::error::{StoreError, StoreResult};
use crate::handovers::{self, Direction};
use crate::plans::{self, PlanRecord};
use crate::schema::{contact_requests, referrals, responsibility_periods, work_pair_periods};
use crate::sql_types::{DbId, among};
use crate::{clients, follow_ups};

/// How the caseload is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseloadOrder {
    /// Soonest open follow-up first; clients without one last.
    NextFollowUp,
    /// By last name, then first name.
    Name,
}

/// One client in the caseload.
#[derive(Debug, Clone)]
pub struct CaseloadEntry {
    pub client: Client,
    /// Responsible worker or work pair.
    pub basis: AccessBasis,
    /// The plan in force.
    pub plan: Option<PlanRecord>,
    /// The earliest open follow-up.
    pub next_follow_up: Option<NaiveDate>,
}

/// A team's waiting work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamInbox {
    pub team_id: Uuid,
    pub referrals_waiting: i64,
    pub contact_requests_waiting: i64,
}

/// A page of the caseload and the caller's waiting work.
#[derive(Debug, Clone)]
pub struct Caseload {
    pub entries: Vec<CaseloadEntry>,
    /// More entries follow the last one.
    pub more: bool,
    /// Clients in the whole caseload.
    pub total: usize,
    pub handovers_incoming: i64,
    pub handovers_outgoing: i64,
    pub team_inboxes: Vec<TeamInbox>,
}

fn caseload_clients(
    conn: &mut DbConnection,
    professional: Uuid,
) -> StoreResult<Vec<(Uuid, AccessBasis)>> {
    let me = DbId(professional);
    let responsible: Vec<DbId> = responsibility_periods::table
        .filter(responsibility_periods::professional_id.eq(me))
        .filter(responsibility_periods::ended_at.is_null())
        .select(responsibility_periods::client_id)
        .load(conn)?;
    let paired: Vec<DbId> = work_pair_periods::table
        .filter(work_pair_periods::professional_id.eq(me))
        .filter(work_pair_periods::ended_at.is_null())
        .select(work_pair_periods::client_id)
        .load(conn)?;
    let mut found = Vec::with_capacity(responsible.len() + paired.len());
    for id in responsible {
        found.push((id.0, AccessBasis::ResponsibleWorker));
    }
    for id in paired {
        found.push((id.0, AccessBasis::WorkPair));
    }
    Ok(found)
}

/// What waits in each of the caller's teams' inboxes: two counts grouped by
/// team, however many teams the caller is in.
fn team_inboxes(conn: &mut DbConnection, teams: &[Uuid]) -> StoreResult<Vec<TeamInbox>> {
    if teams.is_empty() {
        return Ok(Vec::new());
    }
    let referrals_waiting: HashMap<Uuid, i64> = referrals::table
        .filter(among(referrals::team_id, teams.iter().copied()))
        .filter(referrals::status.eq(ReferralStatus::Sent.to_string()))
        .group_by(referrals::team_id)
        .select((referrals::team_id, diesel::dsl::count_star()))
        .load::<(DbId, i64)>(conn)?
        .into_iter()
        .map(|(team, waiting)| (team.0, waiting))
        .collect();
    let contact_requests_waiting: HashMap<Uuid, i64> = contact_requests::table
        .filter(among(contact_requests::team_id, teams.iter().copied()))
        .filter(contact_requests::status.eq(ContactRequestStatus::New.to_string()))
        .group_by(contact_requests::team_id)
        .select((contact_requests::team_id, diesel::dsl::count_star()))
        .load::<(DbId, i64)>(conn)?
        .into_iter()
        .map(|(team, waiting)| (team.0, waiting))
        .collect();
    Ok(teams
        .iter()
        .map(|&team_id| TeamInbox {
            team_id,
            referrals_waiting: referrals_waiting.get(&team_id).copied().unwrap_or(0),
            contact_requests_waiting: contact_requests_waiting.get(&team_id).copied().unwrap_or(0),
        })
        .collect())
}

/// The order of two entries: `NextFollowUp` puts clients without a follow-up
/// last; ties fall back to the client id so that pages are stable.
fn compare(order: CaseloadOrder, a: &CaseloadEntry, b: &CaseloadEntry) -> Ordering {
    let by_key = match order {
        CaseloadOrder::NextFollowUp => match (a.next_follow_up, b.next_follow_up) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
        CaseloadOrder::Name => (&a.client.fields.last_name, &a.client.fields.first_name)
            .cmp(&(&b.client.fields.last_name, &b.client.fields.first_name)),
    };
    by_key.then_with(|| a.client.id.cmp(&b.client.id))
}

impl Db {
    /// The caller's caseload, `limit` entries after the client `after` in
    /// `order`. Every listed client is access-logged.
    pub fn caseload(
        &self,
        ctx: &AuditContext,
        order: CaseloadOrder,
        after: Option<Uuid>,
        limit: usize,
    ) -> StoreResult<Caseload> {
        let mut conn = self.conn()?;
        let conn = &mut conn;
        let members = caseload_clients(conn, ctx.actor.professional_id)?;
        let ids: Vec<Uuid> = members.iter().map(|(id, _)| *id).collect();
        let basis: HashMap<Uuid, AccessBasis> = members.into_iter().collect();
        let next = follow_ups::next_open_for_clients(conn, &ids)?;
        let mut entries: Vec<CaseloadEntry> = clients::get_many(conn, &ids)?
            .into_iter()
            .map(|client| CaseloadEntry {
                basis: basis[&client.id],
                next_follow_up: next.get(&client.id).copied(),
                plan: None,
                client,
            })
            .collect();
        entries.sort_by(|a, b| compare(order, a, b));
        let total = entries.len();
        let start = match after {
            None => 0,
            // The cursor client's place as of now; if it has left the
            // caseload, its current key still places it.
            Some(after) => {
                if let Some(i) = entries.iter().position(|e| e.client.id == after) {
                    i + 1
                } else {
                    let client = clients::get(conn, after).map_err(|e| match e {
                        StoreError::NotFound => StoreError::InvalidReference {
                            field: "cursor",
                            message: "is not a cursor returned by this list",
                        },
                        other => other,
                    })?;
                    let cursor = CaseloadEntry {
                        client,
                        basis: AccessBasis::ResponsibleWorker,
                        plan: None,
                        next_follow_up: follow_ups::next_open_for_clients(conn, &[after])?
                            .get(&after)
                            .copied(),
                    };
                    entries.partition_point(|e| compare(order, e, &cursor) == Ordering::Less)
                }
            }
        };
        let mut page: Vec<CaseloadEntry> =
            entries.into_iter().skip(start).take(limit + 1).collect();
        let more = page.len() > limit;
        page.truncate(limit);
        let page_ids: Vec<Uuid> = page.iter().map(|e| e.client.id).collect();
        let mut current = plans::current_for_clients(conn, &page_ids)?;
        for entry in &mut page {
            entry.plan = current.remove(&entry.client.id);
        }
        let handovers_incoming =
            handovers::count_pending(conn, &ctx.actor, Direction::Incoming, ctx.at)?;
        let handovers_outgoing =
            handovers::count_pending(conn, &ctx.actor, Direction::Outgoing, ctx.at)?;
        let teams: Vec<Uuid> = ctx.actor.teams.iter().copied().collect();
        let team_inboxes = team_inboxes(conn, &teams)?;
        let listed: Vec<(Uuid, AccessBasis)> =
            page.iter().map(|e| (e.client.id, e.basis)).collect();
        self.log(access_log::allowed_many(ctx, "caseload.list", &listed))?;
        Ok(Caseload {
            entries: page,
            more,
            total,
            handovers_incoming,
            handovers_outgoing,
            team_inboxes,
        })
    }
}

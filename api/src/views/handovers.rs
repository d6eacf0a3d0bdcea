//! What the API answers about escorted handovers and their packages.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use kyky_domain::handover::{HandoverStatus, PackageItemKind, Receiver};
use kyky_persistence::handover_flow::Seen;
use kyky_persistence::handovers::HandoverRecord;
use kyky_persistence::{DbConnection, StoreError, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::views::cards::{
    ClientBasics, Directory, FollowUpBrief, OrganisationRef, ProfessionalCard, TeamRef,
    follow_up_brief,
};

/// A handover and its information package.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverView {
    pub id: Uuid,
    /// As of now: a pending handover past its deadline is `expired`.
    pub status: HandoverStatus,
    /// Basic details only: the receiver sees more once they accept.
    pub client: ClientBasics,
    /// The responsible worker it moves from.
    pub from: ProfessionalCard,
    pub proposed_by: Uuid,
    pub to_professional: Option<ProfessionalCard>,
    /// For a team queue: the team's hosting organisation.
    pub to_organisation: Option<OrganisationRef>,
    pub to_team: Option<TeamRef>,
    /// The proposer's summary of the client's situation for the receiver.
    pub summary: String,
    /// Why responsibility moves.
    pub reason: String,
    /// Documents and notes that move with responsibility (the information package).
    pub package: Vec<PackageItemDto>,
    /// The network meeting (verkostopalaveri) where the handover was agreed, as the proposer's system names it.
    pub network_meeting_id: Option<String>,
    /// Whether responsibility goes back to the referring party (palautuu lähettävälle taholle).
    pub return_to_referrer: bool,
    pub proposed_work_pair: Option<ProfessionalCard>,
    pub proposed_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    /// Why the receiver declined; null unless declined.
    pub decline_reason: Option<String>,
    /// Why it was cancelled; null unless cancelled.
    pub cancel_reason: Option<String>,
    /// Follow-ups that move with the responsibility: while pending, the
    /// open ones the responsible worker owns (the receiver takes them on by
    /// accepting); once accepted, the ones that moved.
    pub follow_ups: Vec<FollowUpBrief>,
}

/// One handover's view.
pub fn handover_view(
    conn: &mut DbConnection,
    r: HandoverRecord,
    now: DateTime<Utc>,
) -> StoreResult<HandoverView> {
    handover_view_knowing(conn, r, Seen::default(), now)
}

/// `handover_view`, where the cards its use case already read are not read
/// again.
pub fn handover_view_knowing(
    conn: &mut DbConnection,
    r: HandoverRecord,
    seen: Seen,
    now: DateTime<Utc>,
) -> StoreResult<HandoverView> {
    handover_views_knowing(conn, vec![r], seen, now)?
        .pop()
        .ok_or(StoreError::NotFound)
}

/// Views of these handovers: the cards they show and the follow-ups that
/// move with them are loaded for the whole page, a few queries whatever its
/// length.
pub fn handover_views(
    conn: &mut DbConnection,
    records: Vec<HandoverRecord>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<HandoverView>> {
    handover_views_knowing(conn, records, Seen::default(), now)
}

fn handover_views_knowing(
    conn: &mut DbConnection,
    records: Vec<HandoverRecord>,
    seen: Seen,
    now: DateTime<Utc>,
) -> StoreResult<Vec<HandoverView>> {
    let mut clients = Vec::new();
    let mut professionals = Vec::new();
    let mut organisations = Vec::new();
    let mut teams = Vec::new();
    for r in &records {
        clients.push(r.client_id);
        professionals.push(r.handover.from_professional);
        professionals.extend(r.proposed_work_pair);
        match r.handover.receiver {
            Receiver::Professional(id) => professionals.push(id),
            Receiver::Organisation(id) => organisations.push(id),
            Receiver::Team(id) => teams.push(id),
        }
    }
    let known = (seen.professionals, seen.clients);
    let directory =
        Directory::load_knowing(conn, clients, professionals, organisations, teams, known)?;
    let mut moving = match (seen.moved_follow_ups, records.as_slice()) {
        (Some(moved), [accepted]) => HashMap::from([(accepted.handover.id, moved)]),
        _ => kyky_persistence::handover_flow::follow_ups_moving(conn, &records, now)?,
    };
    records
        .into_iter()
        .map(|r| {
            let follow_ups = moving
                .remove(&r.handover.id)
                .unwrap_or_default()
                .into_iter()
                .map(follow_up_brief)
                .collect();
            handover_view_of(&directory, r, follow_ups, now)
        })
        .collect()
}

pub fn handover_view_of(
    directory: &Directory,
    r: HandoverRecord,
    follow_ups: Vec<FollowUpBrief>,
    now: DateTime<Utc>,
) -> StoreResult<HandoverView> {
    let h = &r.handover;
    let (to_professional, to_organisation, to_team) = match h.receiver {
        Receiver::Professional(id) => (Some(directory.professional(id)?), None, None),
        Receiver::Organisation(id) => (None, Some(directory.organisation(id)?), None),
        Receiver::Team(id) => (
            None,
            Some(directory.team_host(id)?),
            Some(directory.team(id)?),
        ),
    };
    Ok(HandoverView {
        follow_ups,
        id: h.id,
        status: h.status_at(now),
        client: directory.client(r.client_id)?,
        from: directory.professional(h.from_professional)?,
        proposed_by: h.proposed_by,
        to_professional,
        to_organisation,
        to_team,
        proposed_work_pair: r
            .proposed_work_pair
            .map(|id| directory.professional(id))
            .transpose()?,
        expires_at: h.expires_at,
        summary: r.summary,
        reason: r.reason,
        package: r
            .package
            .into_iter()
            .map(|i| PackageItemDto {
                kind: i.kind,
                reference: i.reference,
                description: i.description,
            })
            .collect(),
        network_meeting_id: r.network_meeting_id,
        return_to_referrer: r.return_to_referrer,
        proposed_at: r.proposed_at,
        decided_at: r.decided_at,
        decided_by: r.decided_by,
        decline_reason: r.decline_reason,
        cancel_reason: r.cancel_reason,
    })
}

/// A page of handovers.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverPage {
    pub items: Vec<HandoverView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// One item travelling with the responsibility.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PackageItemDto {
    pub kind: PackageItemKind,
    /// Id of the plan version or feedback, or a reference in another system.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(example = "lifecare:TK-2026-0042", min_length = 1, max_length = 200)]
    pub reference: String,
    /// What the item is, for the receiver.
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

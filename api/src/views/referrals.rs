//! What the API answers about referrals.

use chrono::{DateTime, Utc};
use kyky_domain::referral::{ReferralStatus, Urgency};
use kyky_persistence::referrals::ReferralRecord;
use kyky_persistence::{DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::views::cards::{ClientBasics, ProfessionalCard, TeamRef};
use crate::views::cards::{Directory, only};

/// A referral.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralView {
    pub id: Uuid,
    pub client: ClientBasics,
    pub team: TeamRef,
    pub referred_by: ProfessionalCard,
    pub status: ReferralStatus,
    /// Why the client is referred (lähetteen syy).
    pub reason: String,
    /// Health factors raised so far.
    pub health_factors: Option<String>,
    /// Social factors raised so far.
    pub social_factors: Option<String>,
    /// What the sender wants answered.
    pub questions: Vec<String>,
    /// Documents in other systems the team may need.
    pub attachments: Vec<AttachmentDto>,
    pub urgency: Urgency,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    /// Why the team returned it; null unless returned.
    pub return_reason: Option<String>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// The assessment opened when the team accepted the referral.
    pub assessment_id: Option<Uuid>,
}

pub fn view(conn: &mut DbConnection, r: ReferralRecord) -> StoreResult<ReferralView> {
    only(views(conn, vec![r]))
}

/// Views of these referrals: their cards and assessments read one query per
/// kind, not per referral.
pub fn views(
    conn: &mut DbConnection,
    records: Vec<ReferralRecord>,
) -> StoreResult<Vec<ReferralView>> {
    let directory = Directory::load(
        conn,
        records.iter().map(|r| r.client_id).collect(),
        records.iter().map(|r| r.referral.referred_by).collect(),
        vec![],
        records.iter().map(|r| r.referral.team_id).collect(),
    )?;
    let ids: Vec<Uuid> = records.iter().map(|r| r.referral.id).collect();
    let assessments = kyky_persistence::assessments::for_referrals(conn, &ids)?;
    records
        .into_iter()
        .map(|r| {
            let assessment_id = assessments.get(&r.referral.id).copied();
            view_in(&directory, r, assessment_id)
        })
        .collect()
}

fn view_in(
    directory: &Directory,
    r: ReferralRecord,
    assessment_id: Option<Uuid>,
) -> StoreResult<ReferralView> {
    Ok(ReferralView {
        id: r.referral.id,
        client: directory.client(r.client_id)?,
        team: directory.team(r.referral.team_id)?,
        referred_by: directory.professional(r.referral.referred_by)?,
        status: r.referral.status,
        reason: r.content.reason,
        health_factors: r.content.health_factors,
        social_factors: r.content.social_factors,
        questions: r.content.questions,
        attachments: r
            .content
            .attachments
            .into_iter()
            .map(|a| AttachmentDto {
                system: a.system,
                reference: a.reference,
                description: a.description,
            })
            .collect(),
        urgency: r.content.urgency,
        created_at: r.created_at,
        sent_at: r.sent_at,
        decided_at: r.decided_at,
        decided_by: r.decided_by,
        return_reason: r.return_reason,
        withdrawn_at: r.withdrawn_at,
        assessment_id,
    })
}

/// A page of referrals.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralPage {
    pub items: Vec<ReferralView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A document in another system.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AttachmentDto {
    /// The system that holds the document, e.g. `lifecare`, `sofia`.
    #[validate(
        length(min = 1, max = 64),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(example = "lifecare", min_length = 1, max_length = 64)]
    pub system: String,
    /// The document's id in that system.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(example = "TK-2026-0042", min_length = 1, max_length = 200)]
    pub reference: String,
    /// What the document is.
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

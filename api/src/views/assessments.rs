//! What the API answers about health and work-ability assessments.

use chrono::{DateTime, Utc};
use kyky_domain::assessment::{AssessmentStatus, RecommendedPath};
use kyky_persistence::assessments::AssessmentRecord;
use kyky_persistence::{DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::views::cards::{ClientBasics, Directory, TeamRef, only};

/// An assessment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: Uuid,
    pub client: ClientBasics,
    pub team: TeamRef,
    /// The referral the assessment answers; null when it began from a contact request.
    pub referral_id: Option<Uuid>,
    pub status: AssessmentStatus,
    pub opened_at: DateTime<Utc>,
    pub opened_by: Uuid,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub feedback: Option<FeedbackDto>,
    /// Why it was cancelled; null unless cancelled.
    pub cancel_reason: Option<String>,
    /// The escorted handover proposed on completion, with the feedback in its package.
    pub feedback_handover_id: Option<Uuid>,
}

pub fn view(conn: &mut DbConnection, r: AssessmentRecord) -> StoreResult<AssessmentView> {
    only(views(conn, vec![r]))
}

/// Views of these assessments, their clients and teams read one query per
/// kind, not per assessment.
pub fn views(
    conn: &mut DbConnection,
    records: Vec<AssessmentRecord>,
) -> StoreResult<Vec<AssessmentView>> {
    let directory = Directory::load(
        conn,
        records.iter().map(|r| r.client_id).collect(),
        vec![],
        vec![],
        records.iter().map(|r| r.assessment.team_id).collect(),
    )?;
    records
        .into_iter()
        .map(|r| view_in(&directory, r))
        .collect()
}

fn view_in(directory: &Directory, r: AssessmentRecord) -> StoreResult<AssessmentView> {
    Ok(AssessmentView {
        id: r.assessment.id,
        client: directory.client(r.client_id)?,
        team: directory.team(r.assessment.team_id)?,
        referral_id: r.referral_id,
        status: r.assessment.status,
        opened_at: r.opened_at,
        opened_by: r.opened_by,
        started_at: r.started_at,
        completed_at: r.completed_at,
        cancelled_at: r.cancelled_at,
        decided_by: r.decided_by,
        feedback: r.feedback.map(|f| FeedbackDto {
            health_factors: f.health_factors,
            recommended_path: f.recommended_path,
            physician_statement: f.physician_statement,
            summary: f.summary,
        }),
        cancel_reason: r.cancel_reason,
        feedback_handover_id: r.feedback_handover_id,
    })
}

/// The team's feedback (palaute).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "health_factors": "Selkä ei kestä nostoja eikä pitkää seisomista; kevyt työ onnistuu",
    "recommended_path": "vocational_rehabilitation",
    "physician_statement": true,
    "summary": "Työkyky osittainen. Suositus ammatillinen kuntoutus; lääkärinlausunto B kirjoitettu."
}))]
pub struct FeedbackDto {
    /// Work-ability-relevant health factors to consider in employment
    /// planning: what may be shared under the consent, not the medical record.
    #[validate(
        length(min = 1, max = 8000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 8000)]
    pub health_factors: String,
    pub recommended_path: RecommendedPath,
    /// Whether a physician's statement was written.
    pub physician_statement: bool,
    /// The team's summary of the assessment for the referrer and the client.
    #[validate(
        length(min = 1, max = 8000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 8000)]
    pub summary: String,
}

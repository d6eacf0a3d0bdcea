//! Health and work-ability assessments (terveydentilan ja työkyvyn arvio).

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use kyky_domain::assessment::{AssessmentStatus, Feedback, RecommendedPath};
use kyky_persistence::assessments::AssessmentRecord;
use kyky_persistence::{AuditContext, DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::extract::ValidJson;
use crate::routes::cards::{ClientBasics, TeamRef, client_basics, team_ref};
use crate::routes::inputs::ReasonInput;
use crate::state::AppState;

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

/// Complete an assessment.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"feedback": {
    "health_factors": "Selkä ei kestä nostoja eikä pitkää seisomista; kevyt työ onnistuu",
    "recommended_path": "vocational_rehabilitation",
    "physician_statement": true,
    "summary": "Työkyky osittainen. Suositus ammatillinen kuntoutus."
}}))]
pub struct CompleteInput {
    #[validate(nested)]
    pub feedback: FeedbackDto,
    /// Hand responsibility onward to this professional instead of back to the referrer.
    pub onward_to_professional_id: Option<Uuid>,
}

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

pub(crate) fn view(conn: &mut DbConnection, r: AssessmentRecord) -> StoreResult<AssessmentView> {
    Ok(AssessmentView {
        id: r.assessment.id,
        client: client_basics(conn, r.client_id)?,
        team: team_ref(conn, r.assessment.team_id)?,
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

/// Runs `work` as the caller and answers with the assessment it returns.
async fn respond(
    state: &web::Data<AppState>,
    bearer: Bearer,
    work: impl FnOnce(&kyky_persistence::Db, &AuditContext) -> ApiResult<AssessmentRecord>
    + Send
    + 'static,
) -> ApiResult<web::Json<AssessmentView>> {
    Ok(web::Json(state.audited_view(bearer, work, view).await?))
}

/// An assessment: for the team's members and whoever has access to the client
/// (the referring party's responsible worker follows its progress).
#[utoipa::path(
    tag = "assessments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Assessment id")),
    responses((status = 200, description = "The assessment", body = AssessmentView))
)]
#[get("/assessments/{id}")]
pub async fn get_assessment(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AssessmentView>> {
    let id = id.into_inner();
    respond(&state, bearer, move |db, ctx| {
        db.read_assessment(ctx, id).map_err(missing("assessment"))
    })
    .await
}

/// Start an open assessment (a team member).
#[utoipa::path(
    tag = "assessments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Assessment id")),
    responses(
        (status = 200, description = "In progress", body = AssessmentView),
        (status = 409, description = "Not open (assessment-wrong-state)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/assessments/{id}/start")]
pub async fn start_assessment(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AssessmentView>> {
    let id = id.into_inner();
    respond(&state, bearer, move |db, ctx| {
        db.start_assessment(ctx, id).map_err(missing("assessment"))
    })
    .await
}

/// Complete with feedback (a team member). If the team holds responsibility,
/// an escorted handover back to the referrer (or onward) is proposed with the
/// feedback in its package.
#[utoipa::path(
    tag = "assessments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Assessment id")),
    request_body = CompleteInput,
    responses(
        (status = 200, description = "Completed", body = AssessmentView),
        (status = 409, description = "Not in progress, or a handover is already pending (`assessment-wrong-state`, `handover-already-pending`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/assessments/{id}/complete")]
pub async fn complete_assessment(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<CompleteInput>,
) -> ApiResult<web::Json<AssessmentView>> {
    let id = id.into_inner();
    let f = input.feedback;
    let feedback = Feedback {
        health_factors: f.health_factors.trim().to_owned(),
        recommended_path: f.recommended_path,
        physician_statement: f.physician_statement,
        summary: f.summary.trim().to_owned(),
    };
    let onward = input.onward_to_professional_id;
    respond(&state, bearer, move |db, ctx| {
        db.complete_assessment(ctx, id, &feedback, onward)
            .map_err(missing("assessment"))
    })
    .await
}

/// Cancel with a reason (a team member).
#[utoipa::path(
    tag = "assessments",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Assessment id")),
    request_body = ReasonInput,
    responses(
        (status = 200, description = "Cancelled", body = AssessmentView),
        (status = 409, description = "Already ended (`assessment-wrong-state`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/assessments/{id}/cancel")]
pub async fn cancel_assessment(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ReasonInput>,
) -> ApiResult<web::Json<AssessmentView>> {
    let id = id.into_inner();
    respond(&state, bearer, move |db, ctx| {
        db.cancel_assessment(ctx, id, &input.reason)
            .map_err(missing("assessment"))
    })
    .await
}

//! Health and work-ability assessments (terveydentilan ja työkyvyn arvio).

use actix_web::{get, post, web};
use kyky_domain::assessment::Feedback;
use kyky_persistence::AuditContext;
use kyky_persistence::assessments::AssessmentRecord;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::extract::ValidJson;
use crate::inputs::ReasonInput;
use crate::state::AppState;
use crate::views::assessments::{AssessmentView, FeedbackDto, view};

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

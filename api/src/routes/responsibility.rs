//! The responsible worker (vastuutyöntekijä, asiakasvastaava), the work pair
//! (työpari), their history, and requests for responsibility.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use kyky_persistence::requests::{self};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::extract::{PageParams, ValidJson};
use crate::inputs::ReasonInput;
use crate::state::AppState;
use crate::views::handovers::{PackageItemDto, handover_view};
use crate::views::responsibility::{
    AgreedView, RequestPage, RequestView, ResponsibilityHistoryPage, ResponsibilityView,
    history_view, request_view, request_views, responsibility_view,
};

/// The client's responsible worker and work pair. Everyone with access to the
/// client may read it: all actors must know who the responsible worker is.
#[utoipa::path(
    tag = "responsibility",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    responses((status = 200, description = "Responsible worker and work pair", body = ResponsibilityView))
)]
#[get("/clients/{id}/responsibility")]
pub async fn get_responsibility(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ResponsibilityView>> {
    let id = id.into_inner();
    let now = state.now();
    let view = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            // Everyone in the client's network may know who is responsible.
            db.read_client_or_entry(&ctx, id, "responsibility.read", |conn, _| {
                responsibility_view(conn, id)
            })
            .map_err(missing("client"))
        })
        .await?;
    Ok(web::Json(view))
}

/// Every period of responsibility: who, from when to when, how it began.
#[utoipa::path(
    tag = "responsibility",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id"), PageParams),
    responses((status = 200, description = "Periods, oldest first", body = ResponsibilityHistoryPage))
)]
#[get("/clients/{id}/responsibility/history")]
pub async fn get_responsibility_history(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<ResponsibilityHistoryPage>> {
    let page = page.validate(state.cursors("responsibility-history", &bearer).await?)?;
    let id = id.into_inner();
    let now = state.now();
    let periods = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.read_client(&ctx, id, "responsibility.history", |conn, _| {
                history_view(conn, id)
            })
            .map_err(missing("client"))
        })
        .await?;
    let (items, next_cursor) = page.of_loaded(periods, |p| p.id);
    Ok(web::Json(ResponsibilityHistoryPage { items, next_cursor }))
}

/// Set the work pair.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"professional_id": "00000000-0000-7000-8000-000000000205"}))]
pub struct WorkPairInput {
    /// An active professional other than the responsible worker.
    pub professional_id: Uuid,
}

async fn change_work_pair(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: Uuid,
    pair: Option<Uuid>,
) -> ApiResult<web::Json<ResponsibilityView>> {
    let now = state.now();
    let view = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.set_work_pair(&ctx, id, pair)
                .map_err(missing("client"))?;
            Ok(db.run(|conn| responsibility_view(conn, id))?)
        })
        .await?;
    Ok(web::Json(view))
}

/// Set the work pair (työpari). Only the responsible worker.
#[utoipa::path(
    tag = "responsibility",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = WorkPairInput,
    responses(
        (status = 200, description = "Work pair set", body = ResponsibilityView),
        (status = 422, description = "Not an active professional other than the responsible worker (`invalid-work-pair`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/clients/{id}/responsibility/work-pair")]
pub async fn set_work_pair(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<WorkPairInput>,
) -> ApiResult<web::Json<ResponsibilityView>> {
    change_work_pair(state, bearer, id.into_inner(), Some(input.professional_id)).await
}

/// Clear the work pair. Only the responsible worker.
#[utoipa::path(
    tag = "responsibility",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    responses((status = 200, description = "Work pair cleared", body = ResponsibilityView))
)]
#[delete("/clients/{id}/responsibility/work-pair")]
pub async fn clear_work_pair(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ResponsibilityView>> {
    change_work_pair(state, bearer, id.into_inner(), None).await
}

/// Ask the responsible worker to hand the client over to you
/// ("vastuu pitäisi olla siellä, missä asiakkaan kanssa tehdään töitä").
#[utoipa::path(
    tag = "responsibility",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = ReasonInput,
    responses(
        (status = 201, description = "Asked", body = RequestView),
        (status = 409, description = "Already responsible, or a request is already pending (`already-responsible`, `request-already-pending`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{id}/responsibility-requests")]
pub async fn ask_for_responsibility(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ReasonInput>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.now();
    let view = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let record = db
                .ask_for_responsibility(&ctx, id, &input.reason)
                .map_err(missing("client"))?;
            Ok(db.run(|conn| request_view(conn, record))?)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The client's requests for responsibility.
#[utoipa::path(
    operation_id = "list_responsibility_requests",
    tag = "responsibility",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id"), PageParams),
    responses((status = 200, description = "Requests, oldest first", body = RequestPage))
)]
#[get("/clients/{id}/responsibility-requests")]
pub async fn list_requests(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<RequestPage>> {
    let page = page.validate(state.cursors("responsibility-requests", &bearer).await?)?;
    let id = id.into_inner();
    let now = state.now();
    let list = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.read_client(&ctx, id, "responsibility_request.list", |conn, _| {
                let records = requests::for_client(conn, id)?;
                let (records, next_cursor) = page.of_loaded(records, |r| r.request.id);
                Ok(RequestPage {
                    items: request_views(conn, records)?,
                    next_cursor,
                })
            })
            .map_err(missing("client"))
        })
        .await?;
    Ok(web::Json(list))
}

/// Agree to a request: the information package for the asker.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"summary": "Asiakas on työtoiminnassa Työpajalla 3 pv/vko. Suunnitelma liitteenä."}))]
pub struct AgreeInput {
    /// Summary for the asker, who becomes responsible on accepting.
    #[validate(
        length(min = 1, max = 8000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 8000)]
    pub summary: String,
    /// Documents and notes that move with responsibility (the information package).
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub package: Vec<PackageItemDto>,
    /// A work pair (työpari) to propose alongside: an active professional other than the asker.
    pub work_pair_id: Option<Uuid>,
    /// Deadline for the asker to accept; after it the handover lapses. Default: none.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Agree to hand the client over to the asker: a pending handover to them is
/// proposed, which they accept as usual. Only the responsible worker.
#[utoipa::path(
    operation_id = "agree_to_responsibility_request",
    tag = "responsibility",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = AgreeInput,
    responses(
        (status = 200, description = "Agreed; the handover is pending", body = AgreedView),
        (status = 409, description = "Not pending, or a handover is already pending (`request-not-pending`, `handover-already-pending`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/responsibility-requests/{id}/agree")]
pub async fn agree_to_request(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<AgreeInput>,
) -> ApiResult<web::Json<AgreedView>> {
    let id = id.into_inner();
    let now = state.now();
    let view = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let current_reason = db
                .run(|conn| requests::get(conn, id))
                .map_err(missing("request"))?
                .reason;
            let new = kyky_persistence::handover_flow::NewHandover {
                receiver: kyky_domain::handover::Receiver::Professional(Uuid::nil()),
                summary: input.summary.trim().to_owned(),
                reason: current_reason,
                package: input.package.into_iter().map(Into::into).collect(),
                network_meeting_id: None,
                return_to_referrer: false,
                work_pair: input.work_pair_id,
                expires_at: input.expires_at,
            };
            let (request, handover) = db
                .agree_to_request(&ctx, id, new)
                .map_err(missing("request"))?;
            let now = ctx.at;
            Ok(db.run(|conn| {
                Ok::<_, kyky_persistence::StoreError>(AgreedView {
                    request: request_view(conn, request)?,
                    handover: handover_view(conn, handover, now)?,
                })
            })?)
        })
        .await?;
    Ok(web::Json(view))
}

/// Refuse a request, with a reason. Only the responsible worker.
#[utoipa::path(
    operation_id = "refuse_responsibility_request",
    tag = "responsibility",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    request_body = ReasonInput,
    responses(
        (status = 200, description = "Refused", body = RequestView),
        (status = 409, description = "No longer pending (`request-not-pending`)", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/responsibility-requests/{id}/refuse")]
pub async fn refuse_request(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ReasonInput>,
) -> ApiResult<web::Json<RequestView>> {
    let id = id.into_inner();
    let now = state.now();
    let view = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let record = db
                .refuse_request(&ctx, id, &input.reason)
                .map_err(missing("request"))?;
            Ok(db.run(|conn| request_view(conn, record))?)
        })
        .await?;
    Ok(web::Json(view))
}

/// Withdraw your request.
#[utoipa::path(
    operation_id = "withdraw_responsibility_request",
    tag = "responsibility",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Request id")),
    responses(
        (status = 200, description = "Withdrawn", body = RequestView),
        (status = 409, description = "No longer pending (`request-not-pending`)", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/responsibility-requests/{id}/withdraw")]
pub async fn withdraw_request(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<RequestView>> {
    let id = id.into_inner();
    let now = state.now();
    let view = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let record = db.withdraw_request(&ctx, id).map_err(missing("request"))?;
            Ok(db.run(|conn| request_view(conn, record))?)
        })
        .await?;
    Ok(web::Json(view))
}

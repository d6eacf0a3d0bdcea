//! Follow-ups (seuranta): the plan's own date and the agreed tasks, each
//! owned by a professional; they move with the responsibility on an
//! accepted handover. A worker's own list across clients is their day.

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use kyky_domain::follow_up::FollowUpStatus;
use kyky_persistence::follow_ups::OwnFollowUps;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::extract::{PageParams, ValidJson};
use crate::inputs::ReasonInput;
use crate::state::AppState;
use crate::views::follow_ups::{FollowUpList, FollowUpView, follow_up_views, one_follow_up_view};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpFilter {
    pub status: Option<FollowUpStatus>,
}

/// The client's follow-ups, soonest first, with overdue computed as of now:
/// for those the plan is shared with.
#[utoipa::path(
    tag = "follow-ups",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id"), FollowUpFilter, PageParams),
    responses(
        (status = 200, description = "The follow-ups", body = FollowUpList),
        (status = 403, description = "The plan is not shared with your organisation (plan-not-shared)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clients/{id}/follow-ups")]
pub async fn list_follow_ups(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    filter: web::Query<FollowUpFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<FollowUpList>> {
    let page = page.validate(state.cursors("follow-ups", &bearer).await?)?;
    let (client_id, status, now) = (id.into_inner(), filter.status, state.now());
    let list = state
        .as_caller_view(
            bearer,
            move |db, caller| {
                let ctx = caller.audit(now);
                db.client_follow_ups(&ctx, client_id, status)
                    .map_err(missing("client"))
            },
            move |conn, records| {
                let (records, next_cursor) = page.of_ordered(records, |r| r.id);
                Ok(FollowUpList {
                    next_cursor,
                    items: follow_up_views(conn, records, now)?,
                })
            },
        )
        .await?;
    Ok(web::Json(list))
}

/// A follow-up to add by hand.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"description": "Soita asiakkaalle työkokeilun aloituksesta", "due_on": "2027-01-20"}))]
pub struct FollowUpInput {
    /// What is to be checked or done.
    #[validate(
        length(min = 1, max = 2000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// Today or later.
    pub due_on: NaiveDate,
    /// You when left out; else a professional of your organisation, or the
    /// client's responsible worker or work pair.
    pub owner_id: Option<Uuid>,
}

/// Add a follow-up by hand.
#[utoipa::path(
    tag = "follow-ups",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = FollowUpInput,
    responses(
        (status = 201, description = "Added", body = FollowUpView),
        (status = 403, description = "Read-only access by consent (`read-only-access`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "owner_id does not fit (`unknown-reference`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{id}/follow-ups")]
pub async fn add_follow_up(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<FollowUpInput>,
) -> ApiResult<HttpResponse> {
    let (client_id, now) = (id.into_inner(), state.now());
    let view = state
        .as_caller_view(
            bearer,
            move |db, caller| {
                let ctx = caller.audit(now);
                db.add_follow_up(
                    &ctx,
                    client_id,
                    input.owner_id,
                    &input.description,
                    input.due_on,
                )
                .map_err(missing("client"))
            },
            move |conn, record| one_follow_up_view(conn, record, now),
        )
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Completing a follow-up.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "Tavattiin; työkokeilu alkaa 1.2."}))]
pub struct CompletionInput {
    /// What was done.
    #[validate(
        length(min = 1, max = 4000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 4000)]
    pub note: String,
}

async fn close_follow_up(
    state: &web::Data<AppState>,
    bearer: Bearer,
    id: Uuid,
    to: FollowUpStatus,
    note: String,
) -> ApiResult<web::Json<FollowUpView>> {
    let now = state.now();
    let view = state
        .as_caller_view(
            bearer,
            move |db, caller| {
                let ctx = caller.audit(now);
                db.close_follow_up(&ctx, id, to, &note)
                    .map_err(missing("follow-up"))
            },
            move |conn, record| one_follow_up_view(conn, record, now),
        )
        .await?;
    Ok(web::Json(view))
}

/// Complete a follow-up with a note (its owner, or the responsible worker or work pair).
#[utoipa::path(
    tag = "follow-ups",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Follow-up id")),
    request_body = CompletionInput,
    responses(
        (status = 200, description = "Completed", body = FollowUpView),
        (status = 403, description = "Not the owner, responsible worker or work pair (not-follow-up-owner)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already closed (follow-up-not-open)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/follow-ups/{id}/complete")]
pub async fn complete_follow_up(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<CompletionInput>,
) -> ApiResult<web::Json<FollowUpView>> {
    close_follow_up(
        &state,
        bearer,
        id.into_inner(),
        FollowUpStatus::Completed,
        input.note,
    )
    .await
}

/// Cancel a follow-up with a reason (its owner, or the responsible worker or work pair).
#[utoipa::path(
    tag = "follow-ups",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Follow-up id")),
    request_body = ReasonInput,
    responses(
        (status = 200, description = "Cancelled", body = FollowUpView),
        (status = 403, description = "Not the owner, responsible worker or work pair (not-follow-up-owner)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already closed (follow-up-not-open)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/follow-ups/{id}/cancel")]
pub async fn cancel_follow_up(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ReasonInput>,
) -> ApiResult<web::Json<FollowUpView>> {
    close_follow_up(
        &state,
        bearer,
        id.into_inner(),
        FollowUpStatus::Cancelled,
        input.reason,
    )
    .await
}

/// Narrowing a worker's own follow-ups.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OwnFollowUpFilter {
    /// Only in this state, e.g. `open` for what is still to do.
    pub status: Option<FollowUpStatus>,
    /// Due strictly before this day, e.g. tomorrow for "today and earlier".
    pub due_before: Option<NaiveDate>,
    /// Due strictly after this day.
    pub due_after: Option<NaiveDate>,
    /// `true`: only overdue ones (open and past their day); `false`: only the others.
    pub overdue: Option<bool>,
}

/// Your follow-ups across all your clients, soonest first (by due date):
/// a worker's day in one request. Lists the follow-ups you own on clients
/// whose plan you read; each client listed is access-logged.
#[utoipa::path(
    tag = "follow-ups",
    security(("bearer" = [])),
    params(OwnFollowUpFilter, PageParams),
    responses(
        (status = 200, description = "Your follow-ups", body = FollowUpList),
    )
)]
#[get("/follow-ups")]
pub async fn own_follow_ups(
    state: web::Data<AppState>,
    bearer: Bearer,
    filter: web::Query<OwnFollowUpFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<FollowUpList>> {
    let page = page.validate(state.cursors("own-follow-ups", &bearer).await?)?;
    let filter = OwnFollowUps {
        status: filter.status,
        due_before: filter.due_before,
        due_after: filter.due_after,
        overdue: filter.overdue,
    };
    let now = state.now();
    let list = state
        .as_caller_view(
            bearer,
            move |db, caller| {
                Ok(db.own_follow_ups(
                    &caller.audit(now),
                    &filter,
                    page.after,
                    i64::from(page.limit),
                )?)
            },
            move |conn, (rows, readable)| {
                let (rows, next_cursor) = page.finish(rows, |r| r.id);
                let shown = rows
                    .into_iter()
                    .filter(|r| readable.contains(&r.client_id))
                    .collect();
                Ok(FollowUpList {
                    next_cursor,
                    items: follow_up_views(conn, shown, now)?,
                })
            },
        )
        .await?;
    Ok(web::Json(list))
}

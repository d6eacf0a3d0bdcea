//! Follow-ups (seuranta): the plan's own date and the agreed tasks, each
//! owned by a professional; they move with the responsibility on an
//! accepted handover. A worker's own list across clients is their day.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use kyky_domain::plan::{self, FollowUpSource, FollowUpStatus};
use kyky_persistence::follow_ups::{FollowUpMove, FollowUpRecord, OwnFollowUps, moves_of};
use kyky_persistence::{DbConnection, StoreResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::extract::{PageParams, ValidJson};
use crate::routes::cards::{ProfessionalCard, professional_card};
use crate::routes::inputs::ReasonInput;
use crate::state::AppState;

/// A follow-up (seuranta).
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpView {
    pub id: Uuid,
    pub client_id: Uuid,
    /// The plan version that set it; absent for one added by hand.
    pub plan_id: Option<Uuid>,
    pub source: FollowUpSource,
    /// The agreed responsibility it follows.
    pub responsibility_id: Option<Uuid>,
    pub owner: ProfessionalCard,
    /// What is to be checked or done.
    pub description: String,
    /// The day it is due (ISO 8601 date); overdue after it.
    pub due_on: NaiveDate,
    pub status: FollowUpStatus,
    /// Open and past its due date, as of now.
    pub overdue: bool,
    /// What was found or done, written on completing or cancelling; null while open.
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Uuid,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<Uuid>,
    /// Who had it before: each move to a new owner, oldest first (an
    /// accepted handover moves the previous responsible worker's ones).
    pub moves: Vec<FollowUpMoveView>,
}

/// A follow-up passing to a new owner.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpMoveView {
    /// The owner before.
    pub from_owner_id: Uuid,
    /// The owner after.
    pub to_owner_id: Uuid,
    /// The accepted handover that moved it.
    pub handover_id: Option<Uuid>,
    pub moved_by: Uuid,
    pub moved_at: DateTime<Utc>,
}

fn move_view(moved: FollowUpMove) -> FollowUpMoveView {
    FollowUpMoveView {
        from_owner_id: moved.from_owner_id,
        to_owner_id: moved.to_owner_id,
        handover_id: moved.handover_id,
        moved_by: moved.moved_by,
        moved_at: moved.moved_at,
    }
}

/// Views of these follow-ups: their moves in one query, each owner's card once.
pub(crate) fn follow_up_views(
    conn: &mut DbConnection,
    records: Vec<FollowUpRecord>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<FollowUpView>> {
    let ids: Vec<Uuid> = records.iter().map(|r| r.id).collect();
    let mut moves = moves_of(conn, &ids)?;
    let mut owners: HashMap<Uuid, ProfessionalCard> = HashMap::new();
    records
        .into_iter()
        .map(|record| {
            let owner = if let Some(card) = owners.get(&record.owner_id) {
                card.clone()
            } else {
                let card = professional_card(conn, record.owner_id)?;
                owners.insert(record.owner_id, card.clone());
                card
            };
            let history = moves.remove(&record.id).unwrap_or_default();
            Ok(follow_up_view(record, owner, history, now))
        })
        .collect()
}

fn one_follow_up_view(
    conn: &mut DbConnection,
    record: FollowUpRecord,
    now: DateTime<Utc>,
) -> StoreResult<FollowUpView> {
    let mut views = follow_up_views(conn, vec![record], now)?;
    Ok(views.remove(0))
}

fn follow_up_view(
    record: FollowUpRecord,
    owner: ProfessionalCard,
    moves: Vec<FollowUpMove>,
    now: DateTime<Utc>,
) -> FollowUpView {
    FollowUpView {
        moves: moves.into_iter().map(move_view).collect(),
        overdue: plan::is_overdue(record.status, record.due_on, now),
        owner,
        id: record.id,
        client_id: record.client_id,
        plan_id: record.plan_id,
        source: record.source,
        responsibility_id: record.responsibility_id,
        description: record.description,
        due_on: record.due_on,
        status: record.status,
        note: record.note,
        created_at: record.created_at,
        created_by: record.created_by,
        closed_at: record.closed_at,
        closed_by: record.closed_by,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FollowUpFilter {
    pub status: Option<FollowUpStatus>,
}

/// The client's follow-ups.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpList {
    /// Soonest first.
    pub items: Vec<FollowUpView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
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

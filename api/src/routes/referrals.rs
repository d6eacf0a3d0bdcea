//! Referrals (lähete) to work-ability teams, and a team's referral inbox.

use actix_web::{HttpResponse, get, post, web};
use kyky_domain::referral::{ReferralStatus, Urgency};
use kyky_persistence::AuditContext;
use kyky_persistence::referrals::{Attachment, ReferralContent, ReferralRecord};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::extract::{PageParams, ValidJson};
use crate::inputs::ReasonInput;
use crate::state::AppState;
use crate::views::referrals::{AttachmentDto, ReferralPage, ReferralView, view, views};

/// A referral to write.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "team_id": "00000000-0000-7000-8000-000000000301",
    "reason": "Terveydentilan ja työkyvyn arvio",
    "health_factors": "Selkäkipu, uupumus",
    "social_factors": "Pitkä työttömyys, velkaantuminen",
    "questions": ["Mikä on asiakkaan työkyky?", "Sopiiko ammatillinen kuntoutus?"],
    "urgency": "normal",
    "send": true
}))]
pub struct ReferralInput {
    /// The work-ability team referred to.
    pub team_id: Uuid,
    /// Why the client is referred (lähetteen syy).
    #[validate(
        length(min = 1, max = 2000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Health factors raised so far.
    #[validate(length(max = 8000))]
    #[schema(max_length = 8000)]
    pub health_factors: Option<String>,
    /// Social factors raised so far.
    #[validate(length(max = 8000))]
    #[schema(max_length = 8000)]
    pub social_factors: Option<String>,
    /// What the sender wants answered.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub questions: Vec<String>,
    /// Documents in other systems the team may need.
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub attachments: Vec<AttachmentDto>,
    #[serde(default = "normal")]
    pub urgency: Urgency,
    /// Send at once (default); otherwise a draft only the sender sees.
    #[serde(default = "yes")]
    pub send: bool,
}

fn normal() -> Urgency {
    Urgency::Normal
}

fn yes() -> bool {
    true
}

/// Runs `work` as the caller and answers with the referral it returns.
async fn respond(
    state: &web::Data<AppState>,
    bearer: Bearer,
    work: impl FnOnce(&kyky_persistence::Db, &AuditContext) -> ApiResult<ReferralRecord>
    + Send
    + 'static,
) -> ApiResult<ReferralView> {
    state.audited_view(bearer, work, view).await
}

/// Refer the client to a work-ability team. Sending needs the client's
/// consent to referral to assessment covering the team's organisation
/// (409 consent-required otherwise) and is logged as a disclosure.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = ReferralInput,
    responses(
        (status = 201, description = "Written (and sent unless send = false)", body = ReferralView),
        (status = 403, description = "Read-only access by consent (`read-only-access`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "No consent to referral (consent-required)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "team_id names no team (`unknown-reference`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{id}/referrals")]
pub async fn create_referral(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ReferralInput>,
) -> ApiResult<HttpResponse> {
    let client_id = id.into_inner();
    let content = ReferralContent {
        reason: input.reason.trim().to_owned(),
        health_factors: input.health_factors,
        social_factors: input.social_factors,
        questions: input.questions,
        attachments: input
            .attachments
            .into_iter()
            .map(|a| Attachment {
                system: a.system,
                reference: a.reference,
                description: a.description,
            })
            .collect(),
        urgency: input.urgency,
    };
    let (team, send) = (input.team_id, input.send);
    let view = respond(&state, bearer, move |db, ctx| {
        db.create_referral(ctx, client_id, team, &content, send)
            .map_err(missing("client"))
    })
    .await?;
    Ok(HttpResponse::Created().json(view))
}

/// One referral: for the sender's side and, once sent, the receiving team.
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    responses((status = 200, description = "The referral", body = ReferralView))
)]
#[get("/referrals/{id}")]
pub async fn get_referral(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ReferralView>> {
    let id = id.into_inner();
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            db.read_referral(ctx, id).map_err(missing("referral"))
        })
        .await?,
    ))
}

/// Send a draft (the sender).
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "Sent", body = ReferralView),
        (status = 409, description = "Not a draft, or no consent (consent-required)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/referrals/{id}/send")]
pub async fn send_referral(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ReferralView>> {
    let id = id.into_inner();
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            db.send_referral(ctx, id).map_err(missing("referral"))
        })
        .await?,
    ))
}

/// Accept a sent referral (a member of the receiving team).
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "Accepted", body = ReferralView),
        (status = 409, description = "Not sent, or already decided (referral-wrong-state)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/referrals/{id}/accept")]
pub async fn accept_referral(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ReferralView>> {
    let id = id.into_inner();
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            db.accept_referral(ctx, id).map_err(missing("referral"))
        })
        .await?,
    ))
}

/// Return a sent referral to its sender with a reason, e.g. incomplete (a member of the team).
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    request_body = ReasonInput,
    responses(
        (status = 200, description = "Returned", body = ReferralView),
        (status = 409, description = "Not sent, or already decided (`referral-wrong-state`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/referrals/{id}/return")]
pub async fn return_referral(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ReasonInput>,
) -> ApiResult<web::Json<ReferralView>> {
    let id = id.into_inner();
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            db.return_referral(ctx, id, &input.reason)
                .map_err(missing("referral"))
        })
        .await?,
    ))
}

/// Withdraw a draft or sent referral (the sender).
#[utoipa::path(
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Referral id")),
    responses(
        (status = 200, description = "Withdrawn", body = ReferralView),
        (status = 403, description = "Not the sender (not-referral-sender)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already decided (`referral-wrong-state`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/referrals/{id}/withdraw")]
pub async fn withdraw_referral(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ReferralView>> {
    let id = id.into_inner();
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            db.withdraw_referral(ctx, id).map_err(missing("referral"))
        })
        .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReferralFilter {
    pub status: Option<ReferralStatus>,
}

/// The team's referral inbox, oldest first: for the team's members.
#[utoipa::path(
    operation_id = "list_team_referrals",
    tag = "referrals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id"), ReferralFilter, PageParams),
    responses((status = 200, description = "A page of referrals", body = ReferralPage))
)]
#[get("/teams/{id}/referrals")]
pub async fn team_referrals(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    filter: web::Query<ReferralFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<ReferralPage>> {
    let page = page.validate(state.cursors("team-referrals", &bearer).await?)?;
    let (team, status, now) = (id.into_inner(), filter.status, state.now());
    let result = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let rows = db
                .team_referrals(&ctx, team, status, page.after, i64::from(page.limit))
                .map_err(missing("team inbox"))?;
            let (rows, next_cursor) = page.finish(rows, |r| r.referral.id);
            let items = db.run(|conn| views(conn, rows))?;
            Ok(ReferralPage { items, next_cursor })
        })
        .await?;
    Ok(web::Json(result))
}

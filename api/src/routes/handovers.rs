//! Escorted handovers (saattaen vaihtaen): responsibility moves only when the
//! receiver accepts, and the information package moves with it.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use kyky_domain::handover::{HandoverStatus, Receiver};
use kyky_persistence::AuditContext;
use kyky_persistence::handover_flow::{NewHandover, Seen};
use kyky_persistence::handovers::{self, HandoverRecord, PackageItem};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::extract::{PageParams, ValidJson};
use crate::inputs::ReasonInput;
use crate::state::AppState;
use crate::views::handovers::{
    HandoverPage, HandoverView, PackageItemDto, handover_view_knowing, handover_views,
};

impl From<PackageItemDto> for PackageItem {
    fn from(item: PackageItemDto) -> Self {
        Self {
            kind: item.kind,
            reference: item.reference,
            description: item.description,
        }
    }
}

fn one_receiver(input: &ProposeHandoverInput) -> Result<(), ValidationError> {
    let named = [
        input.to_professional_id,
        input.to_organisation_id,
        input.to_team_id,
    ];
    if named.iter().filter(|id| id.is_some()).count() != 1 {
        return Err(ValidationError::new("receiver").with_message(
            "name exactly one of to_professional_id, to_organisation_id and to_team_id".into(),
        ));
    }
    Ok(())
}

/// A handover to propose.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "one_receiver", skip_on_field_errors = false))]
#[schema(example = json!({
    "to_professional_id": "00000000-0000-7000-8000-000000000203",
    "summary": "Työllistymiskeskustelussa nousi esiin selkäkipu ja uupumus. Toivomme terveydentilan ja työkyvyn arviota.",
    "reason": "Terveydentilan ja työkyvyn arvio",
    "package": [{"kind": "external_document", "reference": "sofia:ESP-2026-118", "description": "Työllistymissuunnitelma"}],
    "return_to_referrer": false
}))]
pub struct ProposeHandoverInput {
    /// The receiving professional; or use `to_organisation_id` for a queue.
    pub to_professional_id: Option<Uuid>,
    /// An organisation queue: any of its professionals may accept.
    pub to_organisation_id: Option<Uuid>,
    /// A work-ability team's queue: any current member may accept.
    pub to_team_id: Option<Uuid>,
    /// Summary for the receiver: what they need to know to take over.
    #[validate(
        length(min = 1, max = 8000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 8000)]
    pub summary: String,
    /// Why responsibility should move.
    #[validate(
        length(min = 1, max = 2000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// What travels with the responsibility: support plan version, assessment
    /// feedback, documents in other systems.
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub package: Vec<PackageItemDto>,
    /// The network meeting (verkostotapaaminen) where the handover was agreed.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub network_meeting_id: Option<String>,
    /// Back to the referring party ("palautuu lähettävälle taholle").
    #[serde(default)]
    pub return_to_referrer: bool,
    /// The receiver's work pair after acceptance; otherwise none.
    pub work_pair_id: Option<Uuid>,
    /// Deadline; a handover not accepted by then is `expired`.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Runs `work` as the caller and answers with the handover it returns; the
/// view reads no card the use case read already, nor the caller's.
async fn respond(
    state: &web::Data<AppState>,
    bearer: Bearer,
    work: impl FnOnce(&kyky_persistence::Db, &AuditContext) -> ApiResult<(HandoverRecord, Seen)>
    + Send
    + 'static,
) -> ApiResult<HandoverView> {
    let now = state.now();
    state
        .as_caller_view(
            bearer,
            move |db, caller| {
                let (record, mut seen) = work(db, &caller.audit(now))?;
                seen.professionals.push(caller.record.clone());
                Ok((record, seen))
            },
            move |conn, (record, seen)| handover_view_knowing(conn, record, seen, now),
        )
        .await
}

/// A use case that read no card for the view.
fn seen_none(record: HandoverRecord) -> (HandoverRecord, Seen) {
    (record, Seen::default())
}

/// Propose an escorted handover of the client. By the responsible worker or
/// the work pair; at most one pending per client. Until the receiver accepts,
/// the current worker stays responsible.
#[utoipa::path(
    tag = "handovers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = ProposeHandoverInput,
    responses(
        (status = 201, description = "Proposed; pending until the receiver accepts", body = HandoverView),
        (status = 403, description = "Not the responsible worker or work pair (type not-responsible-worker)",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A handover is already pending (handover-already-pending)",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Receiver already responsible (`receiver-is-responsible`), inactive or unknown (`receiver-inactive`); invalid work pair (`invalid-work-pair`); a named record does not exist (`unknown-reference`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{id}/handovers")]
pub async fn propose_handover(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ProposeHandoverInput>,
) -> ApiResult<HttpResponse> {
    let client_id = id.into_inner();
    let receiver = match (
        input.to_professional_id,
        input.to_organisation_id,
        input.to_team_id,
    ) {
        (Some(professional), _, _) => Receiver::Professional(professional),
        (None, Some(organisation), _) => Receiver::Organisation(organisation),
        (None, None, Some(team)) => Receiver::Team(team),
        (None, None, None) => unreachable!("validated: exactly one receiver"),
    };
    let new = NewHandover {
        receiver,
        summary: input.summary.trim().to_owned(),
        reason: input.reason.trim().to_owned(),
        package: input.package.into_iter().map(Into::into).collect(),
        network_meeting_id: input.network_meeting_id,
        return_to_referrer: input.return_to_referrer,
        work_pair: input.work_pair_id,
        expires_at: input.expires_at,
    };
    let view = respond(&state, bearer, move |db, ctx| {
        db.propose_handover(ctx, client_id, new)
            .map_err(missing("client"))
    })
    .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/handovers/{}", view.id),
        ))
        .json(view))
}

/// Incoming (to you or your organisation's queue) or outgoing (proposed by
/// you or moving away from you).
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoverDirection {
    #[default]
    Incoming,
    Outgoing,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HandoverFilter {
    /// Default `incoming`.
    pub direction: Option<HandoverDirection>,
    /// Only handovers in this state (as of now).
    pub status: Option<HandoverStatus>,
}

/// Your handover inbox or outbox, oldest first.
#[utoipa::path(
    tag = "handovers",
    security(("bearer" = [])),
    params(HandoverFilter, PageParams),
    responses((status = 200, description = "A page of handovers", body = HandoverPage))
)]
#[get("/handovers")]
pub async fn list_handovers(
    state: web::Data<AppState>,
    bearer: Bearer,
    filter: web::Query<HandoverFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<HandoverPage>> {
    let page = page.validate(state.cursors("handovers", &bearer).await?)?;
    let direction = match filter.direction.unwrap_or_default() {
        HandoverDirection::Incoming => handovers::Direction::Incoming,
        HandoverDirection::Outgoing => handovers::Direction::Outgoing,
    };
    let status = filter.status;
    let now = state.now();
    let result = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            caller.require_client_work()?;
            let rows =
                db.list_handovers(&ctx, direction, status, page.after, i64::from(page.limit))?;
            let (rows, next_cursor) = page.finish(rows, |r| r.handover.id);
            let items = db.run(|conn| handover_views(conn, rows, ctx.at))?;
            Ok(HandoverPage { items, next_cursor })
        })
        .await?;
    Ok(web::Json(result))
}

/// One handover: for its parties (proposer, the worker it moves from, the
/// receiver or the receiving queue) and those with access to the client.
#[utoipa::path(
    tag = "handovers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Handover id")),
    responses((status = 200, description = "The handover", body = HandoverView))
)]
#[get("/handovers/{id}")]
pub async fn get_handover(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<HandoverView>> {
    let id = id.into_inner();
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            db.read_handover(ctx, id)
                .map(seen_none)
                .map_err(missing("handover"))
        })
        .await?,
    ))
}

/// Accept ("ottaa koppi"): you become responsible. In one step the history
/// period closes and a new one opens, your organisation gets a client
/// relationship if it had none, and the package becomes yours. Of concurrent
/// accepts (or an accept and a cancel) exactly one succeeds; the others get 409.
#[utoipa::path(
    tag = "handovers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Handover id")),
    responses(
        (status = 200, description = "Accepted: you are responsible", body = HandoverView),
        (status = 403, description = "Not the receiver (not-handover-receiver)", body = crate::error::Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "No longer pending (handover-not-pending, handover-expired) or responsibility changed",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/handovers/{id}/accept")]
pub async fn accept_handover(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<HandoverView>> {
    let id = id.into_inner();
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            db.accept_handover(ctx, id).map_err(missing("handover"))
        })
        .await?,
    ))
}

/// Decline, with a reason. The current worker stays responsible.
#[utoipa::path(
    tag = "handovers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Handover id")),
    request_body = ReasonInput,
    responses(
        (status = 200, description = "Declined", body = HandoverView),
        (status = 403, description = "Not the receiver (`not-handover-receiver`)", body = crate::error::Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "No longer pending (`handover-not-pending`, `handover-expired`)", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/handovers/{id}/decline")]
pub async fn decline_handover(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ReasonInput>,
) -> ApiResult<web::Json<HandoverView>> {
    let id = id.into_inner();
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            db.decline_handover(ctx, id, &input.reason)
                .map(seen_none)
                .map_err(missing("handover"))
        })
        .await?,
    ))
}

/// Cancel a handover.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Asiakas jatkaa nykyisen vastuutyöntekijän kanssa."}))]
pub struct CancelInput {
    /// Why the handover is cancelled; shown to the receiver.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Cancel a pending handover: the proposer or the current responsible worker.
#[utoipa::path(
    tag = "handovers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Handover id")),
    request_body = CancelInput,
    responses(
        (status = 200, description = "Cancelled", body = HandoverView),
        (status = 403, description = "Not the proposer or responsible worker (`not-handover-proposer`)", body = crate::error::Problem,
            content_type = "application/problem+json"),
        (status = 409, description = "No longer pending (`handover-not-pending`, `handover-expired`)", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/handovers/{id}/cancel")]
pub async fn cancel_handover(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<CancelInput>,
) -> ApiResult<web::Json<HandoverView>> {
    let id = id.into_inner();
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            db.cancel_handover(ctx, id, input.reason)
                .map(seen_none)
                .map_err(missing("handover"))
        })
        .await?,
    ))
}

//! The work-ability support plan (työkyvyn tuen suunnitelma): versions,
//! drafting, publishing, the client-facing summary, and follow-ups.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDate;
use kyky_domain::plan::{
    AgreedResponsibility, Goal, Party, PlanChanges, PlannedService, ServiceCode, ServiceStatus,
};
use kyky_domain::plan_summary::Summary;
use kyky_domain::{Language, plan};
use kyky_persistence::plans::PlanRecord;
use kyky_persistence::{AuditContext, DbConnection, StoreResult};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult, missing};
use crate::extract::{PageParams, ValidJson, if_match, json_with_etag};
use crate::state::AppState;
use crate::views::cards::professional_card;
use crate::views::plans::{
    GoalDto, PlanVersionItem, PlanVersions, PlanView, ResponsibilityDto, kept, plan_view,
    summary_of,
};

/// Present in the body, possibly `null`: tells "clear it" from "leave it".
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A service in the plan, as written.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    /// Kept across versions; leave out for a new service.
    pub id: Option<Uuid>,
    pub code: ServiceCode,
    /// The organisation that provides the service.
    pub provider_organisation_id: Uuid,
    /// The provider's professional in charge, when known.
    pub responsible_professional_id: Option<Uuid>,
    /// What the service is for this client.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[serde(default = "planned")]
    pub status: ServiceStatus,
    /// First day of the service (ISO 8601 date).
    pub starts_on: NaiveDate,
    /// Open-ended when absent; not before `starts_on`.
    pub ends_on: Option<NaiveDate>,
    /// Whether the client says they actually use it; `false` raises a warning.
    pub client_confirms_use: Option<bool>,
}

fn planned() -> ServiceStatus {
    ServiceStatus::Planned
}

/// Parts of a draft plan; each part given replaces that part whole, and
/// parts left out stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "goals": [{"text": "Haluan jaksaa käydä töissä kolmena päivänä viikossa", "target_on": "2027-06-30"}],
    "client_view": "Selkä on parempi, mutta väsyn nopeasti.",
    "follow_up_on": "2027-02-15",
    "participants": [{"kind": "client"}],
    "other_participants": ["Äiti"]
}))]
pub struct PlanChangesInput {
    /// The client's goals, in the client's words.
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub goals: Option<Vec<GoalDto>>,
    /// The client's own view; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[validate(length(max = 8000))]
    #[schema(nullable, value_type = Option<String>, max_length = 8000)]
    pub client_view: Option<Option<String>>,
    /// The services agreed, with their providers and dates.
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub services: Option<Vec<ServiceInput>>,
    /// Who does what, by when.
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub responsibilities: Option<Vec<ResponsibilityDto>>,
    /// When this is come back to ("milloin tähän palataan"); required to publish.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable, value_type = Option<NaiveDate>)]
    pub follow_up_on: Option<Option<NaiveDate>>,
    /// Who took part in drafting the plan.
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub participants: Option<Vec<Party>>,
    /// Others who took part, e.g. a relative.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub other_participants: Option<Vec<String>>,
}

impl PlanChangesInput {
    /// The domain's changes; new goals, services and responsibilities get ids.
    fn into_changes(self) -> ApiResult<PlanChanges> {
        let id = |given: Option<Uuid>| given.unwrap_or_else(Uuid::now_v7);
        let services = self
            .services
            .map(|services| {
                services
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| {
                        if s.ends_on.is_some_and(|end| end < s.starts_on) {
                            return Err(ApiError::rule(
                                format!("services[{i}].ends_on"),
                                "must not be before starts_on",
                            ));
                        }
                        Ok(PlannedService {
                            id: id(s.id),
                            code: s.code,
                            provider_organisation_id: s.provider_organisation_id,
                            responsible_professional_id: s.responsible_professional_id,
                            description: s.description,
                            status: s.status,
                            starts_on: s.starts_on,
                            ends_on: s.ends_on,
                            client_confirms_use: s.client_confirms_use,
                        })
                    })
                    .collect::<ApiResult<Vec<_>>>()
            })
            .transpose()?;
        Ok(PlanChanges {
            goals: self.goals.map(|goals| {
                goals
                    .into_iter()
                    .map(|g| Goal {
                        id: id(g.id),
                        text: g.text.trim().to_owned(),
                        target_on: g.target_on,
                        status: g.status,
                    })
                    .collect()
            }),
            client_view: self.client_view,
            services,
            responsibilities: self.responsibilities.map(|list| {
                list.into_iter()
                    .map(|r| AgreedResponsibility {
                        id: id(r.id),
                        party: r.party,
                        task: r.task.trim().to_owned(),
                        due_on: r.due_on,
                    })
                    .collect()
            }),
            follow_up_on: self.follow_up_on,
            participants: self.participants,
            other_participants: self.other_participants,
        })
    }
}

fn responsible_of(conn: &mut DbConnection, client_id: Uuid) -> StoreResult<Uuid> {
    kyky_persistence::responsibility::current(conn, client_id)?
        .map(|r| r.responsible)
        .ok_or(kyky_persistence::StoreError::NotFound)
}

/// Runs a change by the plan's keeper and answers with the plan and its ETag.
async fn keeper_change(
    state: &web::Data<AppState>,
    bearer: Bearer,
    response: actix_web::HttpResponseBuilder,
    work: impl FnOnce(&kyky_persistence::Db, &AuditContext) -> ApiResult<PlanRecord> + Send + 'static,
) -> ApiResult<HttpResponse> {
    let (revision, view) = state
        .audited_view(bearer, work, |conn, record| {
            let responsible = responsible_of(conn, record.client_id)?;
            plan_view(conn, kept(record, responsible))
        })
        .await?;
    Ok(json_with_etag(response, revision, view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DraftParams {
    /// Start from the plan in force (default), or from an empty plan.
    pub copy_from_current: Option<bool>,
}

/// Start a draft of the client's next plan version (the responsible worker
/// or work pair). It copies the version in force unless `copy_from_current`
/// is false; the parts in the body replace the copied ones.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id"), DraftParams),
    request_body = PlanChangesInput,
    responses(
        (status = 201, description = "The draft, with its ETag", body = PlanView,
            headers(("ETag" = String, description = "The draft's revision, for If-Match"))),
        (status = 403, description = "Not the responsible worker or work pair (not-responsible-worker)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A draft already exists (plan-draft-exists)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A professional or organisation named does not exist (`unknown-reference`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{id}/plans")]
pub async fn create_plan(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    params: web::Query<DraftParams>,
    ValidJson(input): ValidJson<PlanChangesInput>,
) -> ApiResult<HttpResponse> {
    let client_id = id.into_inner();
    let changes = input.into_changes()?;
    let copy = params.copy_from_current.unwrap_or(true);
    keeper_change(&state, bearer, HttpResponse::Created(), move |db, ctx| {
        db.create_plan(ctx, client_id, copy, changes)
            .map_err(missing("client"))
    })
    .await
}

/// Edit a draft (the responsible worker or work pair), with the ETag it was read at.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Plan id"),
        ("If-Match" = String, Header, description = "The ETag of the draft as read"),
    ),
    request_body = PlanChangesInput,
    responses(
        (status = 200, description = "The draft, with its new ETag", body = PlanView,
            headers(("ETag" = String, description = "The draft's revision"))),
        (status = 403, description = "Not the responsible worker or work pair (`not-responsible-worker`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (plan-not-draft)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Changed since read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A professional or organisation named does not exist (`unknown-reference`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/plans/{id}")]
pub async fn update_plan(
    state: web::Data<AppState>,
    bearer: Bearer,
    request: HttpRequest,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<PlanChangesInput>,
) -> ApiResult<HttpResponse> {
    let revision = if_match(&request)?;
    let (id, changes) = (id.into_inner(), input.into_changes()?);
    keeper_change(&state, bearer, HttpResponse::Ok(), move |db, ctx| {
        db.update_plan(ctx, id, &revision, changes)
            .map_err(missing("plan"))
    })
    .await
}

/// Discard a draft (the responsible worker or work pair).
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses(
        (status = 204, description = "Discarded"),
        (status = 409, description = "Not a draft (plan-not-draft)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/plans/{id}")]
pub async fn discard_plan(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), state.now());
    state
        .as_caller(bearer, move |db, caller| {
            db.discard_plan(&caller.audit(now), id)
                .map_err(missing("plan"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Publishing a draft.
#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"acknowledge_warnings": false}))]
pub struct PublishInput {
    /// Publish although the overlap rule warns: the warnings were looked at
    /// and are accepted (e.g. the overlap is intended for a short handover).
    #[serde(default)]
    pub acknowledge_warnings: bool,
}

/// Publish a draft (the responsible worker or work pair): it becomes the plan
/// in force and can no longer change; the previous version is superseded and
/// its open follow-ups cancelled; the plan's follow-ups are set; and it is
/// shared — with a disclosure-log entry each — with every organisation the
/// client's information-exchange consent covers.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    request_body = PublishInput,
    responses(
        (status = 200, description = "Published", body = PlanView),
        (status = 403, description = "Not the responsible worker or work pair (`not-responsible-worker`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft (plan-not-draft)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No follow-up date, or one in the past (`plan-not-publishable`); open warnings not acknowledged (`plan-warnings-not-acknowledged`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/plans/{id}/publish")]
pub async fn publish_plan(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<PublishInput>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let acknowledge = input.acknowledge_warnings;
    keeper_change(&state, bearer, HttpResponse::Ok(), move |db, ctx| {
        db.publish_plan(ctx, id, acknowledge)
            .map_err(missing("plan"))
    })
    .await
}

/// One plan version, with its ETag. Drafts are for the responsible worker and
/// work pair; a network organisation's first read is logged as a disclosure.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id")),
    responses((status = 200, description = "The plan version", body = PlanView,
        headers(("ETag" = String, description = "The version's revision"))))
)]
#[get("/plans/{id}")]
pub async fn get_plan(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), state.now());
    let (revision, view) = state
        .as_caller_view(
            bearer,
            move |db, caller| {
                db.read_plan(&caller.audit(now), id)
                    .map_err(missing("plan"))
            },
            plan_view,
        )
        .await?;
    Ok(json_with_etag(HttpResponse::Ok(), revision, view))
}

/// The plan in force.
#[utoipa::path(
    operation_id = "get_current_plan",
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, description = "The plan in force", body = PlanView,
            headers(("ETag" = String, description = "The version's revision"))),
        (status = 404, description = "No such client, or no plan published yet", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clients/{id}/plans/current")]
pub async fn current_plan(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let (client_id, now) = (id.into_inner(), state.now());
    let (revision, view) = state
        .as_caller_view(
            bearer,
            move |db, caller| {
                let ctx = caller.audit(now);
                db.current_plan(&ctx, client_id)
                    .map_err(missing("client"))?
                    .ok_or_else(|| ApiError::not_found("plan in force"))
            },
            plan_view,
        )
        .await?;
    Ok(json_with_etag(HttpResponse::Ok(), revision, view))
}

/// The client's plan versions, newest first; drafts only for the responsible
/// worker and work pair.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id"), PageParams),
    responses((status = 200, description = "The versions", body = PlanVersions))
)]
#[get("/clients/{id}/plans")]
pub async fn list_plans(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<PlanVersions>> {
    let page = page.validate(state.cursors("plans", &bearer).await?)?;
    let (client_id, now) = (id.into_inner(), state.now());
    let versions = state
        .as_caller_view(
            bearer,
            move |db, caller| {
                db.client_plans(&caller.audit(now), client_id)
                    .map_err(missing("client"))
            },
            move |conn, (reader, responsible, records)| {
                let readable = reader.reads_content();
                let (records, next_cursor) = page.of_ordered(records, |r| r.id);
                Ok(PlanVersions {
                    next_cursor,
                    responsible_worker: professional_card(conn, responsible)?,
                    readable,
                    items: records
                        .into_iter()
                        .map(|r| PlanVersionItem {
                            id: r.id,
                            version: r.number,
                            status: r.status,
                            created_at: r.created_at,
                            published_at: r.published_at,
                            superseded_at: r.superseded_at,
                            follow_up_on: r.content.follow_up_on.filter(|_| readable),
                        })
                        .collect(),
                })
            },
        )
        .await?;
    Ok(web::Json(versions))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryParams {
    /// fi, sv or en; the client's preferred language when left out.
    pub lang: Option<Language>,
}

/// The plan in plain language for giving to the client ("annetaan
/// asiakkaalle"): goals, services, who does what, whom to contact and when
/// the plan is come back to; in Finnish, Swedish or English.
#[utoipa::path(
    tag = "plans",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Plan id"), SummaryParams),
    responses(
        (status = 200, description = "The summary", body = Summary),
        (status = 403, description = "The plan is not shared with your organisation (plan-not-shared)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/plans/{id}/summary")]
pub async fn get_plan_summary(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    params: web::Query<SummaryParams>,
) -> ApiResult<HttpResponse> {
    let (id, lang, now) = (id.into_inner(), params.lang, state.now());
    let summary = state
        .as_caller_view(
            bearer,
            move |db, caller| {
                db.read_plan(&caller.audit(now), id)
                    .map_err(missing("plan"))
            },
            move |conn, read| summary_of(conn, read, lang),
        )
        .await?
        .ok_or(plan::PlanError::NotShared)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_LANGUAGE, summary.language.to_string()))
        .json(summary))
}

//! Work-ability teams (työkyvyn tuen tiimi): members across organisations with
//! a role in the team, and a meeting cadence from which the next meeting date
//! is computed. Admins or the team's chair manage them.

use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use kyky_domain::Role;
use kyky_domain::team::{Cadence, TeamKind, TeamRole};
use kyky_persistence::teams::{self, TeamFields};
use kyky_persistence::{DbConnection, StoreError, StoreResult, organisations};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Bearer, Caller};
use crate::error::{ApiError, ApiResult, missing};
use crate::extract::{PageParams, ValidJson, if_match, json_with_etag};
use crate::state::AppState;
use crate::views::teams::{CadenceDto, TeamPage, TeamView, team_view, team_views};

/// A team's fields, for create and (full) update.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Pöytyän työkyvyn tuen tiimi",
    "hosting_organisation_id": "00000000-0000-7000-8000-000000000102",
    "description": "Monialainen tiimi: lääkäri, terveydenhoitaja, sosiaaliohjaaja, Kela, TE",
    "kind": "both",
    "cadence": {"frequency": "monthly", "weekday": "tuesday", "week_of_month": 1, "start_time": "09:00", "duration_minutes": 180}
}))]
pub struct TeamInput {
    /// The team's name.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The organisation that hosts the team and receives its clients' responsibility queue.
    pub hosting_organisation_id: Uuid,
    /// What the team does and for whom.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    pub kind: TeamKind,
    #[validate(nested)]
    pub cadence: CadenceDto,
}

impl TeamInput {
    fn into_fields(self) -> ApiResult<TeamFields> {
        let cadence = Cadence {
            frequency: self.cadence.frequency,
            weekday: self.cadence.weekday,
            week_of_month: self.cadence.week_of_month,
            anchor: self.cadence.anchor_date,
        };
        cadence
            .validate()
            .map_err(|e| ApiError::rule("cadence", e.to_string()))?;
        Ok(TeamFields {
            name: self.name.trim().to_owned(),
            hosting_organisation_id: self.hosting_organisation_id,
            description: self.description,
            kind: self.kind,
            cadence,
            start_time: self.cadence.start_time,
            duration_minutes: self.cadence.duration_minutes,
        })
    }
}

/// Admins, or the team's chair, manage a team.
fn may_manage(conn: &mut DbConnection, caller: &Caller, team_id: Uuid) -> StoreResult<bool> {
    if caller.actor.has_role(Role::Admin) {
        return Ok(true);
    }
    Ok(teams::members(conn, team_id)?
        .iter()
        .any(|m| m.professional_id == caller.actor.professional_id && m.role == TeamRole::Chair))
}

fn not_manager() -> ApiError {
    ApiError::forbidden("only an admin or the team's chair may manage the team")
}

fn respond(response: actix_web::HttpResponseBuilder, version: i64, view: TeamView) -> HttpResponse {
    json_with_etag(response, version, view)
}

/// Create a team (admin).
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    request_body = TeamInput,
    responses(
        (status = 201, description = "Created", body = TeamView, headers(("ETag" = String), ("Location" = String))),
        (status = 422, description = "hosting_organisation_id names no organisation (`unknown-reference`)", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    bearer: Bearer,
    ValidJson(input): ValidJson<TeamInput>,
) -> ApiResult<HttpResponse> {
    let fields = input.into_fields()?;
    let now = state.now();
    let (version, view) = state
        .as_caller(bearer, move |db, caller| {
            caller.require(Role::Admin)?;
            Ok(db.transaction(|conn| {
                if !organisations::exists(conn, fields.hosting_organisation_id)? {
                    return Err(StoreError::unknown("hosting_organisation_id"));
                }
                let team = teams::insert(conn, Uuid::now_v7(), &fields, now)?;
                Ok((team.version, team_view(conn, team, now.date_naive())?))
            })?)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        actix_web::http::header::LOCATION,
        format!("/api/v1/teams/{}", view.id),
    ));
    Ok(respond(response, version, view))
}

/// List teams.
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of teams", body = TeamPage))
)]
#[get("/teams")]
pub async fn list_teams(
    state: web::Data<AppState>,
    bearer: Bearer,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<TeamPage>> {
    let page = page.validate(state.cursors("teams", &bearer).await?)?;
    let today = state.now().date_naive();
    let result = state
        .as_caller(bearer, move |db, _caller| {
            Ok(db.run(|conn| {
                let rows = teams::list(conn, page.after, page.fetch())?;
                let (rows, next_cursor) = page.finish(rows, |t| t.id);
                let items = team_views(conn, rows, today)?;
                Ok::<_, StoreError>(TeamPage { items, next_cursor })
            })?)
        })
        .await?;
    Ok(web::Json(result))
}

/// Get a team with its members and next meeting.
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses((status = 200, description = "The team", body = TeamView, headers(("ETag" = String))))
)]
#[get("/teams/{id}")]
pub async fn get_team(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let today = state.now().date_naive();
    let (version, view) = state
        .as_caller(bearer, move |db, _caller| {
            db.run(|conn| {
                let team = teams::get(conn, id)?;
                Ok::<_, StoreError>((team.version, team_view(conn, team, today)?))
            })
            .map_err(missing("team"))
        })
        .await?;
    Ok(respond(HttpResponse::Ok(), version, view))
}

/// Replace a team's fields (admin or the team's chair). Needs `If-Match`.
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id"), ("If-Match" = String, Header, description = "ETag of the version being replaced")),
    request_body = TeamInput,
    responses(
        (status = 200, description = "Updated", body = TeamView, headers(("ETag" = String))),
        (status = 412, description = "The team changed since that ETag", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "hosting_organisation_id names no organisation (`unknown-reference`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/teams/{id}")]
pub async fn update_team(
    state: web::Data<AppState>,
    bearer: Bearer,
    request: HttpRequest,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<TeamInput>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&request)?;
    let fields = input.into_fields()?;
    let (id, now) = (id.into_inner(), state.now());
    let (version, view) = state
        .as_caller(bearer, move |db, caller| {
            db.transaction(|conn| {
                teams::get(conn, id).map_err(missing("team"))?;
                if !may_manage(conn, caller, id)? {
                    return Err(not_manager());
                }
                if !organisations::exists(conn, fields.hosting_organisation_id)? {
                    return Err(StoreError::unknown("hosting_organisation_id").into());
                }
                let team = teams::update(conn, id, &version, &fields, now)?;
                Ok((team.version, team_view(conn, team, now.date_naive())?))
            })
        })
        .await?;
    Ok(respond(HttpResponse::Ok(), version, view))
}

/// Add a member.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"professional_id": "00000000-0000-7000-8000-000000000203", "role": "nurse"}))]
pub struct MemberInput {
    pub professional_id: Uuid,
    pub role: TeamRole,
}

/// Add a member, from any organisation (admin or the team's chair).
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    request_body = MemberInput,
    responses(
        (status = 201, description = "Added", body = TeamView),
        (status = 409, description = "Already a member (already-member)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an active professional (`unknown-reference`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/teams/{id}/members")]
pub async fn add_member(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<MemberInput>,
) -> ApiResult<HttpResponse> {
    let (id, now) = (id.into_inner(), state.now());
    let view = state
        .as_caller(bearer, move |db, caller| {
            db.transaction(|conn| {
                let team = teams::get(conn, id).map_err(missing("team"))?;
                if !may_manage(conn, caller, id)? {
                    return Err(not_manager());
                }
                let active = kyky_persistence::professionals::get(conn, input.professional_id)
                    .is_ok_and(|p| p.active);
                if !active {
                    return Err(ApiError::invalid_reference(
                        "professional_id",
                        "must name an active professional",
                    ));
                }
                teams::add_member(conn, id, input.professional_id, input.role, now).map_err(
                    |e| match e {
                        StoreError::UniqueViolation(_) => ApiError::conflict(
                            "already-member",
                            "Already a member",
                            "the professional is already in the team",
                        ),
                        other => other.into(),
                    },
                )?;
                Ok(team_view(conn, team, now.date_naive())?)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Remove a member (admin, the team's chair, or the member themselves).
#[utoipa::path(
    tag = "teams",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id"), ("professional_id" = Uuid, Path, description = "Member")),
    responses((status = 200, description = "Removed", body = TeamView))
)]
#[post("/teams/{id}/members/{professional_id}/remove")]
pub async fn remove_member(
    state: web::Data<AppState>,
    bearer: Bearer,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<web::Json<TeamView>> {
    let ((id, professional_id), now) = (path.into_inner(), state.now());
    let view = state
        .as_caller(bearer, move |db, caller| {
            db.transaction(|conn| {
                let team = teams::get(conn, id).map_err(missing("team"))?;
                if professional_id != caller.actor.professional_id && !may_manage(conn, caller, id)?
                {
                    return Err(not_manager());
                }
                if !teams::remove_member(conn, id, professional_id, now)? {
                    return Err(ApiError::not_found("member"));
                }
                Ok(team_view(conn, team, now.date_naive())?)
            })
        })
        .await?;
    Ok(web::Json(view))
}

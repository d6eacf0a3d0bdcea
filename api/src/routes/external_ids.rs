//! Identifiers clients and professionals have in an organisation's own
//! system (Sofia CRM, Lifecare, the TYP registry): set by the
//! organisation's integration account, seen by the organisation only.

use actix_web::{HttpResponse, delete, get, put, web};
use kyky_domain::Role;
use kyky_persistence::external_ids::{self, Named, SubjectKind};
use kyky_persistence::{StoreError, professionals};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Bearer, Caller};
use crate::error::{ApiError, ApiResult, missing};
use crate::extract::ValidJson;
use crate::state::AppState;
use crate::views::external_ids::{ExternalIdList, ExternalIdView};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ExternalIdPath {
    /// The record's id.
    pub id: Uuid,
    /// The system, e.g. `sofia-crm`.
    #[param(
        pattern = "^[a-z0-9][a-z0-9._-]{0,63}$",
        min_length = 1,
        max_length = 64,
        example = "sofia-crm"
    )]
    pub system: String,
}

fn system_of(path: &ExternalIdPath) -> ApiResult<String> {
    crate::inputs::system_name("path.system", &path.system)
}

/// The identifier to set.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"value": "12345"}))]
pub struct ExternalIdInput {
    /// The record's id in the system.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub value: String,
}

fn integration_only(caller: &Caller) -> ApiResult<()> {
    if caller.actor.has_role(Role::Integration) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "only your organisation's integration account sets its systems' identifiers",
        ))
    }
}

fn named(caller: &Caller, kind: SubjectKind, subject_id: Uuid) -> Named {
    Named {
        organisation_id: caller.actor.organisation_id,
        kind,
        subject_id,
    }
}

/// The client's identifiers in your organisation's systems.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    responses((status = 200, description = "Your organisation's identifiers of the client", body = ExternalIdList))
)]
#[get("/clients/{id}/external-ids")]
pub async fn list_client_external_ids(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ExternalIdList>> {
    let (id, now) = (id.into_inner(), state.now());
    let mut found = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let organisation = caller.actor.organisation_id;
            db.read_client_or_entry(&ctx, id, "external_id.list", |conn, _| {
                external_ids::for_subjects(conn, organisation, SubjectKind::Client, &[id])
            })
            .map_err(missing("client"))
        })
        .await?;
    Ok(web::Json(ExternalIdList::of(
        found.remove(&id).unwrap_or_default(),
    )))
}

/// Set the client's identifier in one of your organisation's systems
/// (integration accounts). Then `GET /api/v1/clients?external_id=system|value`
/// finds the client, and events about the client carry it.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(ExternalIdPath),
    request_body = ExternalIdInput,
    responses(
        (status = 200, description = "Set", body = ExternalIdView),
        (status = 403, description = "Not an integration account (`forbidden`), or read-only access by consent (`read-only-access`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The value already names another client in this system (`conflict`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/clients/{id}/external-ids/{system}")]
pub async fn set_client_external_id(
    state: web::Data<AppState>,
    bearer: Bearer,
    path: web::Path<ExternalIdPath>,
    ValidJson(input): ValidJson<ExternalIdInput>,
) -> ApiResult<web::Json<ExternalIdView>> {
    let system = system_of(&path)?;
    let (id, now) = (path.id, state.now());
    let set = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let subject = named(caller, SubjectKind::Client, id);
            let (by, integration) = (
                caller.actor.professional_id,
                caller.actor.has_role(Role::Integration),
            );
            // The client first: to anyone without access it does not exist.
            db.write_client_or_entry(&ctx, id, "external_id.set", |conn, _| {
                if !integration {
                    return Err(StoreError::RoleRequired("not_integration_account"));
                }
                external_ids::set(conn, subject, &system, input.value.trim(), by, now)
            })
            .map_err(missing("client"))
        })
        .await?;
    Ok(web::Json(set.into()))
}

/// Remove the client's identifier in one of your organisation's systems.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(ExternalIdPath),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Not an integration account (`forbidden`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/clients/{id}/external-ids/{system}")]
pub async fn remove_client_external_id(
    state: web::Data<AppState>,
    bearer: Bearer,
    path: web::Path<ExternalIdPath>,
) -> ApiResult<HttpResponse> {
    let system = system_of(&path)?;
    let (id, now) = (path.id, state.now());
    state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let subject = named(caller, SubjectKind::Client, id);
            let integration = caller.actor.has_role(Role::Integration);
            db.write_client_or_entry(&ctx, id, "external_id.remove", |conn, _| {
                if !integration {
                    return Err(StoreError::RoleRequired("not_integration_account"));
                }
                if external_ids::remove(conn, subject, &system)? {
                    Ok(())
                } else {
                    Err(StoreError::NotFound)
                }
            })
            .map_err(missing("external id"))
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The professional, if they work in the caller's organisation.
fn colleague(db: &kyky_persistence::Db, caller: &Caller, id: Uuid) -> ApiResult<()> {
    let professional = db
        .run(|conn| professionals::get(conn, id))
        .map_err(missing("professional"))?;
    if professional.organisation_id == caller.actor.organisation_id {
        Ok(())
    } else {
        Err(ApiError::not_found("professional"))
    }
}

/// A professional's identifiers in your organisation's systems (your
/// organisation's professionals only).
#[utoipa::path(
    tag = "professionals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Professional id")),
    responses((status = 200, description = "Your organisation's identifiers of the professional", body = ExternalIdList))
)]
#[get("/professionals/{id}/external-ids")]
pub async fn list_professional_external_ids(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ExternalIdList>> {
    let id = id.into_inner();
    let mut found = state
        .as_caller(bearer, move |db, caller| {
            colleague(db, caller, id)?;
            let organisation = caller.actor.organisation_id;
            Ok(db.run(|conn| {
                external_ids::for_subjects(conn, organisation, SubjectKind::Professional, &[id])
            })?)
        })
        .await?;
    Ok(web::Json(ExternalIdList::of(
        found.remove(&id).unwrap_or_default(),
    )))
}

/// Set a professional's identifier in one of your organisation's systems
/// (integration accounts; your organisation's professionals only).
#[utoipa::path(
    tag = "professionals",
    security(("bearer" = [])),
    params(ExternalIdPath),
    request_body = ExternalIdInput,
    responses(
        (status = 200, description = "Set", body = ExternalIdView),
        (status = 403, description = "Not an integration account (`forbidden`)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The value already names another professional in this system (`conflict`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/professionals/{id}/external-ids/{system}")]
pub async fn set_professional_external_id(
    state: web::Data<AppState>,
    bearer: Bearer,
    path: web::Path<ExternalIdPath>,
    ValidJson(input): ValidJson<ExternalIdInput>,
) -> ApiResult<web::Json<ExternalIdView>> {
    let system = system_of(&path)?;
    let (id, now) = (path.id, state.now());
    let set = state
        .as_caller(bearer, move |db, caller| {
            integration_only(caller)?;
            colleague(db, caller, id)?;
            let subject = named(caller, SubjectKind::Professional, id);
            let by = caller.actor.professional_id;
            Ok(db.transaction(|conn| {
                external_ids::set(conn, subject, &system, input.value.trim(), by, now)
            })?)
        })
        .await?;
    Ok(web::Json(set.into()))
}

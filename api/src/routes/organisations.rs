//! Organisations (toimija). Admins create and update them; every
//! authenticated caller may read them (they are not client data).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use kyky_domain::entities::{ExternalRef, Organisation, OrganisationFields};
use kyky_domain::{OrganisationKind, Role};
use kyky_persistence::{StoreError, organisations};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult, missing};
use crate::extract::{PageParams, ValidJson, if_match, json_with_etag};
use crate::state::AppState;
use crate::views::organisations::{
    ExternalRefDto, OrganisationPage, OrganisationView, duplicate_ref,
};

fn distinct_systems(refs: &[ExternalRefDto]) -> Result<(), ValidationError> {
    let mut systems: Vec<&str> = refs.iter().map(|r| r.system.as_str()).collect();
    systems.sort_unstable();
    if systems.windows(2).any(|w| w[0] == w[1]) {
        return Err(ValidationError::new("duplicate_system")
            .with_message("each system may appear once".into()));
    }
    Ok(())
}

/// Fields of an organisation, for create and (full) update.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Työllisyys Espoo",
    "kind": "municipal_employment_services",
    "business_id": "0101263-6",
    "municipality": "Espoo",
    "external_refs": [{"system": "sofia_crm", "id": "ESP-TYO-001"}]
}))]
pub struct OrganisationInput {
    /// The organisation's name.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub kind: OrganisationKind,
    /// Finnish business ID (Y-tunnus), with check digit.
    #[validate(custom(function = "crate::validation::business_id"))]
    #[schema(example = "0101263-6", pattern = r"^\d{7}-\d$")]
    pub business_id: Option<String>,
    /// The municipality or wellbeing services county it serves.
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 100)]
    pub municipality: Option<String>,
    /// The organisation's ids in other systems (one per system).
    #[serde(default)]
    #[validate(length(max = 20), nested, custom(function = "distinct_systems"))]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRefDto>,
}

impl OrganisationInput {
    fn into_fields(self) -> OrganisationFields {
        OrganisationFields {
            name: self.name.trim().to_owned(),
            kind: self.kind,
            business_id: self.business_id,
            municipality: self.municipality.map(|m| m.trim().to_owned()),
            external_refs: self
                .external_refs
                .into_iter()
                .map(|r| ExternalRef {
                    system: r.system,
                    id: r.id,
                })
                .collect(),
        }
    }
}

/// Create an organisation (admin).
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    request_body = OrganisationInput,
    responses(
        (status = 201, description = "Created", body = OrganisationView,
            headers(("ETag" = String, description = "Version, for If-Match"), ("Location" = String))),
        (status = 409, description = "An external reference is already used by another organisation (`external-ref-taken`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/organisations")]
pub async fn create_organisation(
    state: web::Data<AppState>,
    bearer: Bearer,
    ValidJson(input): ValidJson<OrganisationInput>,
) -> ApiResult<HttpResponse> {
    let now = state.now();
    let fields = input.into_fields();
    let organisation = state
        .as_caller(bearer, move |db, caller| {
            caller.require(Role::Admin)?;
            db.transaction(|conn| organisations::insert(conn, Uuid::now_v7(), &fields, now))
                .map_err(duplicate_ref)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/organisations/{}", organisation.id),
    ));
    Ok(etagged(response, organisation))
}

/// List organisations, oldest first.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "A page of organisations", body = OrganisationPage))
)]
#[get("/organisations")]
pub async fn list_organisations(
    state: web::Data<AppState>,
    bearer: Bearer,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<OrganisationPage>> {
    let page = page.validate(state.cursors("organisations", &bearer).await?)?;
    let rows = state
        .as_caller(bearer, move |db, _caller| {
            Ok(db.run(|conn| organisations::list(conn, page.after, page.fetch()))?)
        })
        .await?;
    let (items, next_cursor) = page.finish(rows, |o| o.id);
    Ok(web::Json(OrganisationPage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Get an organisation.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses((status = 200, description = "The organisation", body = OrganisationView,
        headers(("ETag" = String, description = "Version, for If-Match"))))
)]
#[get("/organisations/{id}")]
pub async fn get_organisation(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let organisation = state
        .as_caller(bearer, move |db, _caller| {
            db.run(|conn| organisations::get(conn, id))
                .map_err(missing("organisation"))
        })
        .await?;
    Ok(etagged(HttpResponse::Ok(), organisation))
}

/// Replace an organisation's fields (admin). Needs `If-Match` with the ETag you edited.
#[utoipa::path(
    tag = "organisations",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("If-Match" = String, Header, description = "ETag of the version being replaced"),
    ),
    request_body = OrganisationInput,
    responses(
        (status = 200, description = "Updated", body = OrganisationView,
            headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "An external reference is already used by another organisation (`external-ref-taken`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The organisation changed since that ETag",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[put("/organisations/{id}")]
pub async fn update_organisation(
    state: web::Data<AppState>,
    bearer: Bearer,
    request: HttpRequest,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<OrganisationInput>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&request)?;
    let (id, now, fields) = (id.into_inner(), state.now(), input.into_fields());
    let organisation = state
        .as_caller(bearer, move |db, caller| {
            caller.require(Role::Admin)?;
            db.transaction(|conn| organisations::update(conn, id, &version, &fields, now))
                .map_err(|e| match e {
                    StoreError::NotFound => ApiError::not_found("organisation"),
                    other => duplicate_ref(other),
                })
        })
        .await?;
    Ok(etagged(HttpResponse::Ok(), organisation))
}

fn etagged(response: actix_web::HttpResponseBuilder, record: Organisation) -> HttpResponse {
    json_with_etag(response, record.version, OrganisationView::from(record))
}

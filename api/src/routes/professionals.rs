//! Professionals (ammattilainen) and system accounts. Admins manage them;
//! they are deactivated, never deleted, because history refers to them.

use std::collections::BTreeSet;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use kyky_domain::entities::{Professional, ProfessionalFields};
use kyky_domain::{ProfessionalTitle, Role};
use kyky_persistence::{StoreError, organisations, professionals};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult, missing};
use crate::extract::{PageParams, ValidJson, if_match, json_with_etag};
use crate::state::AppState;
use crate::views::professionals::{ProfessionalPage, ProfessionalView};

fn default_roles() -> Vec<Role> {
    vec![Role::Professional]
}

/// A professional's fields, for create and (full) update.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organisation_id": "019a0000-0000-7000-8000-000000000001",
    "first_name": "Sanna",
    "last_name": "Virtanen",
    "title": "social_counsellor",
    "email": "sanna.virtanen@espoo.example",
    "phone": "+358 40 123 4567",
    "roles": ["professional"]
}))]
pub struct ProfessionalInput {
    /// The organisation the professional works for. Fixed once created: someone
    /// who moves to another organisation gets a new record.
    pub organisation_id: Uuid,
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 100)]
    pub first_name: String,
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 100)]
    pub last_name: String,
    pub title: ProfessionalTitle,
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    #[validate(custom(function = "crate::validation::phone"))]
    /// Digits, spaces and hyphens, an optional leading `+`; 6 to 15 digits.
    #[schema(
        pattern = r"^\+?[ -]*(?:[0-9][ -]*){6,15}$",
        example = "+358 40 123 4567"
    )]
    pub phone: Option<String>,
    /// Roles the professional may use; tokens carry a subset. Default `professional`.
    #[serde(default = "default_roles")]
    #[validate(length(min = 1, max = 4))]
    #[schema(min_items = 1, max_items = 4)]
    pub roles: Vec<Role>,
}

impl ProfessionalInput {
    fn into_parts(self) -> (Uuid, ProfessionalFields) {
        let fields = ProfessionalFields {
            first_name: self.first_name.trim().to_owned(),
            last_name: self.last_name.trim().to_owned(),
            title: self.title,
            email: self.email,
            phone: self.phone,
            roles: self.roles.into_iter().collect::<BTreeSet<_>>(),
        };
        (self.organisation_id, fields)
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProfessionalFilter {
    /// Only professionals of this organisation.
    pub organisation_id: Option<Uuid>,
}

/// Create a professional or system account (admin).
#[utoipa::path(
    tag = "professionals",
    security(("bearer" = [])),
    request_body = ProfessionalInput,
    responses(
        (status = 201, description = "Created", body = ProfessionalView,
            headers(("ETag" = String, description = "Version, for If-Match"), ("Location" = String))),
        (status = 422, description = "organisation_id does not name an organisation (`unknown-reference`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/professionals")]
pub async fn create_professional(
    state: web::Data<AppState>,
    bearer: Bearer,
    ValidJson(input): ValidJson<ProfessionalInput>,
) -> ApiResult<HttpResponse> {
    let now = state.now();
    let (organisation_id, fields) = input.into_parts();
    let professional = state
        .as_caller(bearer, move |db, caller| {
            caller.require(Role::Admin)?;
            Ok(db.transaction(|conn| {
                if !organisations::exists(conn, organisation_id)? {
                    return Err(StoreError::unknown("organisation_id"));
                }
                professionals::insert(conn, Uuid::now_v7(), organisation_id, &fields, now)
            })?)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/professionals/{}", professional.id),
    ));
    Ok(etagged(response, professional))
}

/// List professionals, optionally of one organisation.
#[utoipa::path(
    tag = "professionals",
    security(("bearer" = [])),
    params(ProfessionalFilter, PageParams),
    responses((status = 200, description = "A page of professionals", body = ProfessionalPage))
)]
#[get("/professionals")]
pub async fn list_professionals(
    state: web::Data<AppState>,
    bearer: Bearer,
    filter: web::Query<ProfessionalFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<ProfessionalPage>> {
    let page = page.validate(state.cursors("professionals", &bearer).await?)?;
    let organisation_id = filter.organisation_id;
    let rows = state
        .as_caller(bearer, move |db, _caller| {
            Ok(db
                .run(|conn| professionals::list(conn, organisation_id, page.after, page.fetch()))?)
        })
        .await?;
    let (items, next_cursor) = page.finish(rows, |p| p.id);
    Ok(web::Json(ProfessionalPage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Get a professional.
#[utoipa::path(
    tag = "professionals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Professional id")),
    responses((status = 200, description = "The professional", body = ProfessionalView,
        headers(("ETag" = String, description = "Version, for If-Match"))))
)]
#[get("/professionals/{id}")]
pub async fn get_professional(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let professional = state
        .as_caller(bearer, move |db, _caller| {
            db.run(|conn| professionals::get(conn, id))
                .map_err(missing("professional"))
        })
        .await?;
    Ok(etagged(HttpResponse::Ok(), professional))
}

/// Replace a professional's fields (admin). Needs `If-Match`.
#[utoipa::path(
    tag = "professionals",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Professional id"),
        ("If-Match" = String, Header, description = "ETag of the version being replaced"),
    ),
    request_body = ProfessionalInput,
    responses(
        (status = 200, description = "Updated", body = ProfessionalView,
            headers(("ETag" = String, description = "New version"))),
        (status = 409, description = "organisation_id differs from the professional's organisation (`organisation-change-not-supported`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The professional changed since that ETag",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[put("/professionals/{id}")]
pub async fn update_professional(
    state: web::Data<AppState>,
    bearer: Bearer,
    request: HttpRequest,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ProfessionalInput>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&request)?;
    let (id, now) = (id.into_inner(), state.now());
    let (organisation_id, fields) = input.into_parts();
    let professional = state
        .as_caller(bearer, move |db, caller| {
            caller.require(Role::Admin)?;
            db.transaction(|conn| {
                let current = professionals::get(conn, id).map_err(missing("professional"))?;
                if current.organisation_id != organisation_id {
                    return Err(ApiError::conflict(
                        "organisation-change-not-supported",
                        "A professional's organisation is fixed",
                        "someone who moves to another organisation gets a new professional record",
                    ));
                }
                Ok(professionals::update(conn, id, &version, &fields, now)?)
            })
        })
        .await?;
    Ok(etagged(HttpResponse::Ok(), professional))
}

/// Deactivate a professional (admin). Their tokens stop working at once; the
/// record and its history stay. Deactivating twice changes nothing.
#[utoipa::path(
    tag = "professionals",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Professional id")),
    responses(
        (status = 200, description = "Deactivated", body = ProfessionalView),
        (status = 409, description = "An admin cannot deactivate themselves (`cannot-deactivate-self`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/professionals/{id}/deactivate")]
pub async fn deactivate_professional(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.now();
    let professional = state
        .as_caller(bearer, move |db, caller| {
            caller.require(Role::Admin)?;
            if id == caller.actor.professional_id {
                return Err(ApiError::conflict(
                    "cannot-deactivate-self",
                    "Cannot deactivate yourself",
                    "another admin must deactivate your account, so that one always remains",
                ));
            }
            db.transaction(|conn| professionals::deactivate(conn, id, now))
                .map_err(missing("professional"))
        })
        .await?;
    Ok(etagged(HttpResponse::Ok(), professional))
}

fn etagged(response: actix_web::HttpResponseBuilder, record: Professional) -> HttpResponse {
    json_with_etag(response, record.version, ProfessionalView::from(record))
}

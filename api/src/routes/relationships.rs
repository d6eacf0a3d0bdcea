//! Client relationships (asiakkuus): which organisations the client is a
//! client of. Exactly one active relationship is primary (pääasiakkuus).

use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use kyky_domain::{Relationship, RelationshipBasis, relationship};
use kyky_persistence::client_flow::RelationshipGrounds;
use kyky_persistence::relationships::{self};
use kyky_persistence::{StoreError, StoreResult};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::extract::{PageParams, ValidJson};
use crate::state::AppState;
use crate::views::relationships::{RelationshipPage, RelationshipView, view_of, views};

/// Open a relationship between the client and an organisation.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"organisation_id": "019a0000-0000-7000-8000-000000000002", "basis": "referral",
    "reason": "Ohjattu aikuissosiaalityöhön", "primary": false}))]
pub struct RelationshipInput {
    pub organisation_id: Uuid,
    /// Why the organisation works with the client (`relationship-bases`).
    pub basis: RelationshipBasis,
    /// The reason in your own words.
    #[validate(
        length(min = 1, max = 500),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: Option<String>,
    /// Start date; default today.
    pub started_on: Option<NaiveDate>,
    /// Make this the primary relationship (the old primary stops being one in the
    /// same step). The first active relationship is always primary.
    #[serde(default)]
    pub primary: bool,
}

/// End a relationship.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ended_on": "2026-12-31"}))]
pub struct EndRelationshipInput {
    /// End date; default today. Not before the start date.
    pub ended_on: Option<NaiveDate>,
}

/// List the client's relationships, ended ones included.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id"), PageParams),
    responses((status = 200, description = "Relationships, oldest first", body = RelationshipPage))
)]
#[get("/clients/{id}/relationships")]
pub async fn list_relationships(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<RelationshipPage>> {
    let page = page.validate(state.cursors("relationships", &bearer).await?)?;
    let id = id.into_inner();
    let now = state.now();
    let list = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.read_client(&ctx, id, "relationship.list", |conn, _| {
                let records = relationships::for_client(conn, id)?;
                let (records, next_cursor) = page.of_loaded(records, |r| r.relationship.id);
                Ok(RelationshipPage {
                    items: views(conn, records)?,
                    next_cursor,
                })
            })
            .map_err(missing("client"))
        })
        .await?;
    Ok(web::Json(list))
}

/// Open a relationship between the client and an organisation.
///
/// The relationship shares the client record with that organisation, so for
/// another organisation it needs the client's active consent to exchange
/// information covering both (409 `consent-required` otherwise), and the
/// sharing is logged as a disclosure.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = RelationshipInput,
    responses(
        (status = 201, description = "Opened", body = RelationshipView),
        (status = 409, description = "The organisation already has an active relationship, or no consent covers it (`relationship-already-active`, `consent-required`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "organisation_id does not name an organisation (`unknown-reference`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{id}/relationships")]
pub async fn open_relationship(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<RelationshipInput>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let now = state.now();
    let started_on = input.started_on.unwrap_or_else(|| now.date_naive());
    let view = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let grounds = RelationshipGrounds {
                basis: input.basis,
                reason: input.reason.as_deref().map(str::trim),
            };
            let opened = db
                .open_relationship(
                    &ctx,
                    id,
                    input.organisation_id,
                    grounds,
                    input.primary,
                    started_on,
                )
                .map_err(missing("client"))?;
            Ok(db.run(|conn| view_of(conn, opened))?)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// The client's relationship `relationship_id`: another client's is not found.
fn scoped(relationship_id: Uuid, records: &[Relationship]) -> StoreResult<&Relationship> {
    records
        .iter()
        .find(|r| r.id == relationship_id)
        .ok_or(StoreError::NotFound)
}

/// Make a relationship the primary one (pääasiakkuus); the old primary stops
/// being primary in the same step.
#[utoipa::path(
    operation_id = "make_relationship_primary",
    tag = "clients",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Client id"),
        ("relationship_id" = Uuid, Path, description = "Relationship id"),
    ),
    responses(
        (status = 200, description = "Now primary", body = RelationshipView),
        (status = 409, description = "The relationship has ended (`relationship-ended`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{id}/relationships/{relationship_id}/primary")]
pub async fn make_primary(
    state: web::Data<AppState>,
    bearer: Bearer,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<web::Json<RelationshipView>> {
    let (id, relationship_id) = path.into_inner();
    let now = state.now();
    let view = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.write_client(&ctx, id, "relationship.make_primary", |conn, scope| {
                scoped(relationship_id, &scope.relationships)?;
                if let Some(old) =
                    relationship::make_primary(&scope.relationships, relationship_id)?
                {
                    relationships::set_primary(conn, old, false)?;
                }
                relationships::set_primary(conn, relationship_id, true)?;
                view_of(conn, relationship_id)
            })
            .map_err(missing("relationship"))
        })
        .await?;
    Ok(web::Json(view))
}

/// End a relationship. Your organisation's own, or one you recorded. The primary
/// relationship ends only when no other is active (make another primary first).
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Client id"),
        ("relationship_id" = Uuid, Path, description = "Relationship id"),
    ),
    request_body = EndRelationshipInput,
    responses(
        (status = 200, description = "Ended", body = RelationshipView),
        (status = 409, description = "Already ended, or the primary while others are active (`relationship-ended`, `primary-relationship-required`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/{id}/relationships/{relationship_id}/end")]
pub async fn end_relationship(
    state: web::Data<AppState>,
    bearer: Bearer,
    path: web::Path<(Uuid, Uuid)>,
    ValidJson(input): ValidJson<EndRelationshipInput>,
) -> ApiResult<web::Json<RelationshipView>> {
    let (id, relationship_id) = path.into_inner();
    let now = state.now();
    let ended_on = input.ended_on.unwrap_or_else(|| now.date_naive());
    let view = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.write_client(&ctx, id, "relationship.end", |conn, scope| {
                let ended = scoped(relationship_id, &scope.relationships)?;
                relationship::end(&scope.relationships, relationship_id, &ctx.actor, ended_on)?;
                let by = ctx.actor.professional_id;
                relationships::end(conn, id, ended, ended_on, by, ctx.at)?;
                view_of(conn, relationship_id)
            })
            .map_err(missing("relationship"))
        })
        .await?;
    Ok(web::Json(view))
}

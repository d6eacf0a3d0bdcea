//! Consent (suostumus): recorded with its purposes, the organisations it
//! covers and how it was given; withdrawn at any time, effective at once.

use std::collections::BTreeSet;

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use kyky_domain::consent::{ConsentMethod, ConsentPurpose};
use kyky_persistence::consents::{self, NewConsent};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::extract::{PageParams, ValidJson};
use crate::state::AppState;
use crate::views::consents::{ConsentPage, ConsentView, view};

/// Consent to record.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "purposes": ["referral_to_assessment", "information_exchange"],
    "organisation_ids": ["00000000-0000-7000-8000-000000000102"],
    "method": "written",
    "document_reference": "sofia:SUOST-2026-0042"
}))]
pub struct ConsentInput {
    /// What the client consents to (code set `consent-purposes`).
    #[validate(length(min = 1, max = 3))]
    #[schema(min_items = 1, max_items = 3)]
    pub purposes: Vec<ConsentPurpose>,
    /// Organisations the consent lets information move between; yours is added.
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub organisation_ids: Vec<Uuid>,
    pub method: ConsentMethod,
    /// The signed document in another system, if any.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub document_reference: Option<String>,
    /// When the client gave it; default now. Not in the future.
    pub given_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Record the client's consent.
#[utoipa::path(
    tag = "consents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    request_body = ConsentInput,
    responses(
        (status = 201, description = "Recorded", body = ConsentView),
        (status = 403, description = "Read-only access by consent (`read-only-access`)", body = crate::error::Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "An organisation id names no organisation (`unknown-reference`)", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/clients/{id}/consents")]
pub async fn record_consent(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ConsentInput>,
) -> ApiResult<HttpResponse> {
    let client_id = id.into_inner();
    let now = state.now();
    let given_at = input.given_at.unwrap_or(now);
    let mut problems = Vec::new();
    if given_at > now {
        problems.push(crate::error::FieldError {
            field: "given_at".into(),
            message: "must not be in the future".into(),
        });
    }
    if input.expires_at.is_some_and(|e| e <= given_at) {
        problems.push(crate::error::FieldError {
            field: "expires_at".into(),
            message: "must be after given_at".into(),
        });
    }
    if !problems.is_empty() {
        return Err(crate::error::ApiError::rules(problems));
    }
    let new = NewConsent {
        purposes: input.purposes.into_iter().collect(),
        organisations: input.organisation_ids.into_iter().collect::<BTreeSet<_>>(),
        method: input.method,
        document_reference: input.document_reference,
        given_at,
        expires_at: input.expires_at,
    };
    let record = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.record_consent(&ctx, client_id, new)
                .map_err(missing("client"))
        })
        .await?;
    Ok(HttpResponse::Created().json(view(record, now)))
}

/// The client's consents, withdrawn ones too.
#[utoipa::path(
    tag = "consents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id"), PageParams),
    responses((status = 200, description = "Consents, oldest first", body = ConsentPage))
)]
#[get("/clients/{id}/consents")]
pub async fn list_consents(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<ConsentPage>> {
    let page = page.validate(state.cursors("consents", &bearer).await?)?;
    let client_id = id.into_inner();
    let now = state.now();
    let records = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.read_client(&ctx, client_id, "consent.list", |conn, _| {
                consents::for_client(conn, client_id)
            })
            .map_err(missing("client"))
        })
        .await?;
    let (records, next_cursor) = page.of_loaded(records, |r| r.consent.id);
    Ok(web::Json(ConsentPage {
        items: records.into_iter().map(|r| view(r, now)).collect(),
        next_cursor,
    }))
}

/// Withdrawal of consent.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"method": "verbal"}))]
pub struct WithdrawalInput {
    /// How the client withdrew it.
    pub method: ConsentMethod,
}

/// Record that the client withdrew the consent. Effective at once: nothing new
/// is shared under it, organisations whose only basis it was lose access, and
/// pending handovers relying on it can no longer be accepted. Nothing is deleted.
#[utoipa::path(
    tag = "consents",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Consent id")),
    request_body = WithdrawalInput,
    responses(
        (status = 200, description = "Withdrawn", body = ConsentView),
        (status = 409, description = "Already withdrawn (consent-withdrawn)", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/consents/{id}/withdraw")]
pub async fn withdraw_consent(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<WithdrawalInput>,
) -> ApiResult<web::Json<ConsentView>> {
    let id = id.into_inner();
    let now = state.now();
    let record = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.withdraw_consent(&ctx, id, input.method)
                .map_err(missing("consent"))
        })
        .await?;
    Ok(web::Json(view(record, now)))
}

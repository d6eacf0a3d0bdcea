//! Liveness and readiness for orchestrators and load balancers.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` when the process (live) or the database (ready) answers.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// `sqlite` or `postgresql`, on readiness.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// The process is up.
#[utoipa::path(
    operation_id = "check_liveness",tag = "operations", responses((status = 200, description = "Alive", body = Health)))]
#[get("/health/live")]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: None,
    })
}

/// The process can serve: the database answers.
#[utoipa::path(
    operation_id = "check_readiness",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, description = "The database does not answer", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let backend = state.db.backend_name();
    state
        .blocking(|db| db.ping().map_err(|_| ApiError::unavailable()))
        .await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        database: Some(backend),
    }))
}

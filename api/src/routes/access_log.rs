//! The client's access log (käyttöloki): who read or changed the client's
//! data, when, on what basis, and denied attempts.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use kyky_domain::AccessBasis;
use kyky_persistence::access_log;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, missing};
use crate::extract::PageParams;
use crate::state::AppState;

/// One access.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogEntryView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub professional_id: Uuid,
    pub organisation_id: Uuid,
    /// What was done, e.g. `client.read`, `handover.accept`.
    #[schema(example = "client.read")]
    pub operation: String,
    /// Why it was allowed: `responsible_worker`, `work_pair`, `organisation_relationship`, `consent`, `handover_party`.
    pub basis: Option<String>,
    /// `allowed` or `denied`.
    pub outcome: String,
    pub request_id: Option<String>,
}

/// A page of access-log entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessLogPage {
    pub items: Vec<AccessLogEntryView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// The client's access log, oldest first: for the responsible worker and work pair.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id"), PageParams),
    responses(
        (status = 200, description = "A page of entries", body = AccessLogPage),
        (status = 403, description = "Only the responsible worker and work pair (not-responsible-worker)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clients/{id}/access-log")]
pub async fn client_access_log(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<AccessLogPage>> {
    let page = page.validate()?;
    let client_id = id.into_inner();
    let ctx = caller.audit(state.now());
    let rows = state
        .blocking(move |db| {
            db.read_client(&ctx, client_id, "access_log.read", |conn, scope| {
                if !matches!(
                    scope.basis,
                    AccessBasis::ResponsibleWorker | AccessBasis::WorkPair
                ) {
                    return Ok(None);
                }
                access_log::for_client(conn, client_id, page.after, page.fetch()).map(Some)
            })
            .map_err(missing("client"))?
            .ok_or_else(|| {
                ApiError::new(
                    actix_web::http::StatusCode::FORBIDDEN,
                    "not-responsible-worker",
                    "Only the responsible worker may do this",
                    "the access log is for the client's responsible worker and work pair",
                )
            })
        })
        .await?;
    let (rows, next_cursor) = page.finish(rows, |e| e.id);
    let items = rows
        .into_iter()
        .map(|e| AccessLogEntryView {
            id: e.id,
            at: e.at,
            professional_id: e.professional_id,
            organisation_id: e.organisation_id,
            operation: e.operation,
            basis: e.basis,
            outcome: e.outcome,
            request_id: e.request_id,
        })
        .collect();
    Ok(web::Json(AccessLogPage { items, next_cursor }))
}

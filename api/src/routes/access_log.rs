//! The client's access log (käyttöloki): who read or changed the client's
//! data, when, on what basis, and denied attempts.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use kyky_domain::Role;
use kyky_persistence::StoreError;
use kyky_persistence::access_log;
use kyky_persistence::disclosures::{self};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::extract::PageParams;
use crate::state::AppState;
use crate::views::access_log::{
    AccessLogPage, AuditAccessEntry, AuditAccessPage, DisclosurePage, disclosure_view, entry_views,
};

/// The client's access log, oldest first: for the responsible worker and work pair.
#[utoipa::path(
    operation_id = "get_client_access_log",
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
    bearer: Bearer,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<AccessLogPage>> {
    let page = page.validate(state.cursors("client-access-log", &bearer).await?)?;
    let client_id = id.into_inner();
    let now = state.now();
    let list = state
        .as_caller_view(
            bearer,
            move |db, caller| {
                let ctx = caller.audit(now);
                db.read_client_log(&ctx, client_id, "access_log.read", |conn, scope| {
                    if !scope.basis.holds_responsibility() {
                        return Err(StoreError::NotResponsibleWorker);
                    }
                    access_log::for_client(conn, client_id, page.after, page.fetch())
                })
                .map_err(missing("client"))
            },
            move |conn, rows| {
                let (rows, next_cursor) = page.finish(rows, |e| e.id);
                Ok(AccessLogPage {
                    items: entry_views(conn, rows)?,
                    next_cursor,
                })
            },
        )
        .await?;
    Ok(web::Json(list))
}

/// An auditor's search over the access log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessLogSearch {
    pub client_id: Option<Uuid>,
    /// Who accessed.
    pub professional_id: Option<Uuid>,
    /// From this moment on (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Before this moment.
    pub to: Option<DateTime<Utc>>,
}

/// Search the access log across clients by actor, client and time (auditor).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AccessLogSearch, PageParams),
    responses((status = 200, description = "A page of entries", body = AuditAccessPage))
)]
#[get("/audit/access-log")]
pub async fn search_access_log(
    state: web::Data<AppState>,
    bearer: Bearer,
    by: web::Query<AccessLogSearch>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<AuditAccessPage>> {
    let page = page.validate(state.cursors("audit-access-log", &bearer).await?)?;
    let by = access_log::Search {
        client_id: by.client_id,
        professional_id: by.professional_id,
        from: by.from,
        to: by.to,
    };
    let page = state
        .as_caller(bearer, move |db, caller| {
            caller.require(Role::Auditor)?;
            Ok(db.run(|conn| {
                let rows = access_log::search(conn, &by, page.after, page.fetch())?;
                let (rows, next_cursor) = page.finish(rows, |e| e.id);
                let clients: Vec<Option<Uuid>> = rows.iter().map(|e| e.client_id).collect();
                let items = clients
                    .into_iter()
                    .zip(entry_views(conn, rows)?)
                    .map(|(client_id, entry)| AuditAccessEntry { client_id, entry })
                    .collect();
                Ok::<_, StoreError>(AuditAccessPage { items, next_cursor })
            })?)
        })
        .await?;
    Ok(web::Json(page))
}

/// An auditor's search over the disclosure log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisclosureSearch {
    pub client_id: Option<Uuid>,
    /// Who disclosed.
    pub professional_id: Option<Uuid>,
    /// Only disclosures flagged for review (statutory ones).
    pub flagged: Option<bool>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Search the disclosure log across clients; `flagged=true` lists the
/// statutory disclosures awaiting review (auditor).
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(DisclosureSearch, PageParams),
    responses((status = 200, description = "A page of disclosures", body = DisclosurePage))
)]
#[get("/audit/disclosures")]
pub async fn search_disclosures(
    state: web::Data<AppState>,
    bearer: Bearer,
    by: web::Query<DisclosureSearch>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<DisclosurePage>> {
    let page = page.validate(state.cursors("audit-disclosures", &bearer).await?)?;
    let by = disclosures::Search {
        client_id: by.client_id,
        professional_id: by.professional_id,
        flagged_only: by.flagged.unwrap_or(false),
        from: by.from,
        to: by.to,
    };
    let rows = state
        .as_caller(bearer, move |db, caller| {
            caller.require(Role::Auditor)?;
            Ok(db.run(|conn| disclosures::search(conn, &by, page.after, page.fetch()))?)
        })
        .await?;
    let (rows, next_cursor) = page.finish(rows, |d| d.id);
    Ok(web::Json(DisclosurePage {
        items: rows.into_iter().map(disclosure_view).collect(),
        next_cursor,
    }))
}

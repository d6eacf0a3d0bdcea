//! The client's right of access (GDPR art. 15): everything Kyky holds about
//! the client, and who accessed it.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use kyky_persistence::{
    StoreError, access_log, clients, consents, disclosures, handovers, relationships, requests,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, missing};
use crate::routes::access_log::{AccessLogEntryView, DisclosureView, disclosure_view, entry_views};
use crate::routes::cards::professional_card;
use crate::routes::clients::ClientView;
use crate::routes::consents::ConsentView;
use crate::routes::handovers::{HandoverView, handover_view};
use crate::routes::relationships::RelationshipView;
use crate::routes::responsibility::{
    RequestView, ResponsibilityPeriodView, history_view, request_view,
};
use crate::state::AppState;

/// Everything Kyky holds about one client.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientExport {
    pub exported_at: DateTime<Utc>,
    pub client: ClientView,
    /// Every organisation's relationship with the client, ended ones included.
    pub relationships: Vec<RelationshipView>,
    /// Who has been responsible and when, newest first.
    pub responsibility: Vec<ResponsibilityPeriodView>,
    /// Every handover of responsibility, whatever its state.
    pub handovers: Vec<HandoverView>,
    /// Every request for responsibility, whatever its state.
    pub responsibility_requests: Vec<RequestView>,
    /// Every consent, withdrawn ones included.
    pub consents: Vec<ConsentView>,
    /// Every access to the client's data, denied attempts included.
    pub access_log: Vec<AccessLogEntryView>,
    /// Every disclosure to another organisation.
    pub disclosures: Vec<DisclosureView>,
}

/// Export everything about the client as JSON, for the client's right of
/// access (GDPR art. 15). For the responsible worker and work pair, who give
/// it to the client.
#[utoipa::path(
    operation_id = "export_client_data",
    tag = "audit",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    responses(
        (status = 200, description = "Everything about the client", body = ClientExport),
        (status = 403, description = "Only the responsible worker and work pair (not-responsible-worker)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/clients/{id}/export")]
pub async fn export_client(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ClientExport>> {
    let client_id = id.into_inner();
    let ctx = caller.audit(state.now());
    let now = ctx.at;
    let export = state
        .blocking(move |db| {
            db.read_client(&ctx, client_id, "client.export", |conn, scope| {
                if !scope.basis.holds_responsibility() {
                    return Ok(None);
                }
                let client = clients::get(conn, client_id)?;
                let card = professional_card(conn, scope.responsibility.responsible)?;
                let relationships = relationships::for_client(conn, client_id)?;
                let handovers = handovers::for_client(conn, client_id)?
                    .into_iter()
                    .map(|h| handover_view(conn, h, now))
                    .collect::<Result<_, StoreError>>()?;
                let requests = requests::for_client(conn, client_id)?
                    .into_iter()
                    .map(|r| request_view(conn, r))
                    .collect::<Result<_, StoreError>>()?;
                Ok(Some(ClientExport {
                    exported_at: now,
                    client: ClientView::of(client, true, card),
                    relationships: crate::routes::relationships::views(conn, relationships)?,
                    responsibility: history_view(conn, client_id)?,
                    handovers,
                    responsibility_requests: requests,
                    consents: consents::for_client(conn, client_id)?
                        .into_iter()
                        .map(|c| crate::routes::consents::view(c, now))
                        .collect(),
                    access_log: {
                        let entries = access_log::all_for_client(conn, client_id)?;
                        entry_views(conn, entries)?
                    },
                    disclosures: disclosures::for_client(conn, client_id)?
                        .into_iter()
                        .map(disclosure_view)
                        .collect(),
                }))
            })
            .map_err(missing("client"))?
            .ok_or_else(|| {
                ApiError::not_responsible_worker(
                    "the export is for the client's responsible worker and work pair",
                )
            })
        })
        .await?;
    Ok(web::Json(export))
}

//! The client's right of access (GDPR art. 15): everything Kyky holds about
//! the client, and who accessed it.

use std::collections::BTreeSet;

use actix_web::{get, web};
use kyky_persistence::{
    StoreError, access_log, assessments, consents, contact_requests, disclosures, follow_ups,
    handovers, plans, referrals, relationships, requests,
};
use uuid::Uuid;

use crate::auth::Bearer;
use crate::error::{ApiResult, missing};
use crate::state::AppState;
use crate::views::access_log::{disclosure_view, entry_views};
use crate::views::cards::professional_card;
use crate::views::clients::ClientView;
use crate::views::export::ClientExport;
use crate::views::follow_ups::follow_up_views;
use crate::views::handovers::handover_views;
use crate::views::plans::{kept, plan_view};
use crate::views::responsibility::{history_view, request_views};

/// Every professional id the export names in a `*_by` or `professional_id`
/// field, found by walking its JSON so that a part added later is covered.
fn named_professionals(parts: &serde_json::Value, found: &mut BTreeSet<Uuid>) {
    match parts {
        serde_json::Value::Object(fields) => {
            for (name, value) in fields {
                let names_professional =
                    name.ends_with("_by") && name != "superseded_by" || name == "professional_id";
                if let Some(id) = value
                    .as_str()
                    .filter(|_| names_professional)
                    .and_then(|v| Uuid::parse_str(v).ok())
                {
                    found.insert(id);
                }
                named_professionals(value, found);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                named_professionals(item, found);
            }
        }
        _ => {}
    }
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
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ClientExport>> {
    let client_id = id.into_inner();
    let now = state.now();
    let export = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.read_client_log(&ctx, client_id, "client.export", |conn, scope| {
                if !scope.basis.holds_responsibility() {
                    return Err(StoreError::NotResponsibleWorker);
                }
                let client = scope.client.clone();
                let card = professional_card(conn, scope.responsibility.responsible)?;
                let relationships = relationships::for_client(conn, client_id)?;
                let handovers = handovers::for_client(conn, client_id)?;
                let handovers = handover_views(conn, handovers, now)?;
                let requests = requests::for_client(conn, client_id)?;
                let requests = request_views(conn, requests)?;
                let responsible = scope.responsibility.responsible;
                let plans = plans::for_client(conn, client_id)?
                    .into_iter()
                    .map(|p| plan_view(conn, kept(p, responsible)).map(|(_, view)| view))
                    .collect::<Result<_, StoreError>>()?;
                let follow_ups = follow_ups::for_client(conn, client_id, None)?;
                let follow_ups = follow_up_views(conn, follow_ups, now)?;
                let referrals = referrals::for_client(conn, client_id)?;
                let referrals = crate::views::referrals::views(conn, referrals)?;
                let assessments = assessments::for_client(conn, client_id)?;
                let assessments = crate::views::assessments::views(conn, assessments)?;
                let contact_requests = contact_requests::for_client(conn, client_id)?;
                let contact_requests =
                    crate::views::contact_requests::views(conn, contact_requests)?;
                let mut export = ClientExport {
                    plans,
                    follow_ups,
                    referrals,
                    assessments,
                    contact_requests,
                    professionals: Vec::new(),
                    exported_at: now,
                    client: ClientView::of(client, true, card),
                    relationships: crate::views::relationships::views(conn, relationships)?,
                    responsibility: history_view(conn, client_id)?,
                    handovers,
                    responsibility_requests: requests,
                    consents: consents::for_client(conn, client_id)?
                        .into_iter()
                        .map(|c| crate::views::consents::view(c, now))
                        .collect(),
                    access_log: {
                        let entries = access_log::all_for_client(conn, client_id)?;
                        entry_views(conn, entries)?
                    },
                    disclosures: disclosures::for_client(conn, client_id)?
                        .into_iter()
                        .map(disclosure_view)
                        .collect(),
                };
                let mut named = BTreeSet::new();
                named_professionals(
                    &serde_json::to_value(&export).unwrap_or_default(),
                    &mut named,
                );
                export.professionals = named
                    .into_iter()
                    .map(|id| professional_card(conn, id))
                    .collect::<Result<_, StoreError>>()?;
                Ok(export)
            })
            .map_err(missing("client"))
        })
        .await?;
    Ok(web::Json(export))
}

//! Disclosure on a statutory basis instead of consent (e.g. Kela's right to
//! obtain information): logged with its basis and reason, and flagged for an
//! auditor's review.

use actix_web::{HttpResponse, post, web};
use kyky_domain::Hetu;
use kyky_domain::consent::LegalBasis;
use kyky_persistence::responsibility;
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult};
use crate::extract::ValidJson;
use crate::state::AppState;
use crate::views::cards::professional_card;
use crate::views::clients::ClientView;

/// A disclosure on a statutory basis instead of consent.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "personal_identity_code": "010594Y9021",
    "legal_basis": "kela_information_right",
    "reason": "Työttömyysetuuden ratkaiseminen, hakemus 2026-118"
}))]
pub struct StatutoryDisclosureInput {
    #[validate(custom(function = "crate::validation::hetu"))]
    #[schema(
        example = "010594Y9021",
        min_length = 11,
        max_length = 11,
        pattern = r"^[0-9]{6}[-+A-Fa-fU-Yu-y][0-9]{3}[0-9A-FHJ-NPR-Ya-fhj-npr-y]$"
    )]
    pub personal_identity_code: String,
    pub legal_basis: LegalBasis,
    /// Why the information is needed; reviewed by an auditor.
    #[validate(
        length(min = 10, max = 2000),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 10, max_length = 2000)]
    pub reason: String,
}

/// Obtain a client's record on a statutory basis, without consent (e.g.
/// Kela's right to obtain information). Never a silent bypass: the legal
/// basis and reason are logged in the access and disclosure logs and the
/// disclosure is flagged for an auditor's review.
#[utoipa::path(
    operation_id = "disclose_on_statutory_basis",
    tag = "clients",
    security(("bearer" = [])),
    request_body = StatutoryDisclosureInput,
    responses(
        (status = 200, description = "The client's record (a protected address stays withheld)", body = ClientView),
        (status = 404, description = "No client with this henkilötunnus", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[post("/clients/statutory-disclosure")]
pub async fn statutory_disclosure(
    state: web::Data<AppState>,
    bearer: Bearer,
    ValidJson(input): ValidJson<StatutoryDisclosureInput>,
) -> ApiResult<HttpResponse> {
    let hetu = Hetu::parse(&input.personal_identity_code)
        .map_err(|e| ApiError::rule("personal_identity_code", e.to_string()))?;
    let now = state.now();
    let view = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            caller.require_client_work()?;
            let client = db
                .statutory_disclosure(&ctx, &hetu, input.legal_basis, &input.reason)
                .map_err(crate::error::missing("client"))?;
            let current = db.run(|conn| responsibility::current(conn, client.id))?;
            let responsible = current.ok_or_else(|| ApiError::not_found("client"))?;
            let card = db.run(|conn| professional_card(conn, responsible.responsible))?;
            Ok(ClientView::of(client, false, card))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

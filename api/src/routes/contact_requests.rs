//! Low-threshold entry (matalan kynnyksen yhteydenotto): contact requests to a
//! team without a referral, and their triage — the team's second inbox.

use actix_web::{HttpResponse, get, post, web};
use kyky_domain::consent::{ConsentMethod, ConsentPurpose};
use kyky_domain::contact_request::{ContactChannel, ContactRequestStatus};
use kyky_domain::entities::ClientFields;
use kyky_domain::{Hetu, Language};
use kyky_persistence::AuditContext;
use kyky_persistence::consents::NewConsent;
use kyky_persistence::contact_requests::{ContactDetails, ContactRequestRecord, Triage};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::auth::Bearer;
use crate::error::{ApiError, ApiResult, missing};
use crate::extract::{PageParams, ValidJson};
use crate::inputs::ReasonInput;
use crate::state::AppState;
use crate::views::contact_requests::{ContactRequestPage, ContactRequestView, view, views};

fn reachable(input: &ContactRequestInput) -> Result<(), ValidationError> {
    kyky_domain::contact_request::reachable(input.phone.as_deref(), input.email.as_deref())
        .map_err(|m| ValidationError::new("contact").with_message(m.into()))
}

/// Someone asks the team to get in touch.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[validate(schema(function = "reachable", skip_on_field_errors = false))]
#[schema(example = json!({
    "name": "Matti Meikäläinen", "phone": "040 123 4567", "preferred_time": "arkiaamupäivät",
    "message": "Haluaisin jutella työkyvystäni", "channel": "omaolo"
}))]
pub struct ContactRequestInput {
    /// The person's name, as they gave it.
    #[validate(
        length(min = 1, max = 200),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(custom(function = "crate::validation::phone"))]
    /// Digits, spaces and hyphens, an optional leading `+`; 6 to 15 digits.
    #[schema(
        pattern = r"^\+?[ -]*(?:[0-9][ -]*){6,15}$",
        example = "+358 40 123 4567"
    )]
    pub phone: Option<String>,
    #[validate(email, length(max = 254))]
    #[schema(format = "email", max_length = 254)]
    pub email: Option<String>,
    /// When the person prefers to be reached, in their words.
    #[validate(length(max = 200))]
    #[schema(max_length = 200, example = "arkiaamupäivät")]
    pub preferred_time: Option<String>,
    /// What the person wants to talk about.
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub message: Option<String>,
    pub channel: ContactChannel,
}

/// Runs `work` as the caller and answers with the request it returns.
async fn respond(
    state: &web::Data<AppState>,
    bearer: Bearer,
    work: impl FnOnce(&kyky_persistence::Db, &AuditContext) -> ApiResult<ContactRequestRecord>
    + Send
    + 'static,
) -> ApiResult<ContactRequestView> {
    state.audited_view(bearer, work, view).await
}

/// Pass on a request to be contacted, without a referral (Omaolo, walk-in,
/// phone, or from another professional). Any professional or integration may.
#[utoipa::path(
    tag = "contact-requests",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    request_body = ContactRequestInput,
    responses((status = 201, description = "Received; awaiting triage", body = ContactRequestView))
)]
#[post("/teams/{id}/contact-requests")]
pub async fn receive_contact_request(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ContactRequestInput>,
) -> ApiResult<HttpResponse> {
    let (team, now) = (id.into_inner(), state.now());
    let details = ContactDetails {
        name: input.name.trim().to_owned(),
        phone: input.phone,
        email: input.email,
        preferred_time: input.preferred_time,
        message: input.message,
        channel: input.channel,
    };
    let view = state
        .as_caller_view(
            bearer,
            move |db, caller| {
                caller.require_client_work()?;
                db.receive_contact_request(&caller.audit(now), team, &details)
                    .map_err(missing("team"))
            },
            view,
        )
        .await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactRequestFilter {
    pub status: Option<ContactRequestStatus>,
}

/// The team's contact requests, oldest first: for the team's members.
#[utoipa::path(
    operation_id = "list_team_contact_requests",
    tag = "contact-requests",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Team id"), ContactRequestFilter, PageParams),
    responses((status = 200, description = "A page of contact requests", body = ContactRequestPage))
)]
#[get("/teams/{id}/contact-requests")]
pub async fn team_contact_requests(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    filter: web::Query<ContactRequestFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<ContactRequestPage>> {
    let page = page.validate(state.cursors("team-contact-requests", &bearer).await?)?;
    let (team, status, now) = (id.into_inner(), filter.status, state.now());
    let result = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let rows = db
                .team_contact_requests(&ctx, team, status, page.after, page.fetch())
                .map_err(missing("team inbox"))?;
            let (rows, next_cursor) = page.finish(rows, |r| r.request.id);
            let items = db.run(|conn| views(conn, rows))?;
            Ok(ContactRequestPage { items, next_cursor })
        })
        .await?;
    Ok(web::Json(result))
}

/// The consent given at the first meeting.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct FirstMeetingConsent {
    /// What the person consents to (code set `consent-purposes`).
    #[validate(length(min = 1, max = 3))]
    #[schema(min_items = 1, max_items = 3)]
    pub purposes: Vec<ConsentPurpose>,
    pub method: ConsentMethod,
    /// Where a written consent is kept (e.g. a document number).
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub document_reference: Option<String>,
}

/// Invite the person: they become a client of your organisation (or are
/// linked, if already known), with the consent given at the first meeting
/// covering your organisation and the team's.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "personal_identity_code": "010594Y9021", "first_name": "Matti", "last_name": "Meikäläinen",
    "consent": {"purposes": ["team_or_network_handling", "information_exchange"], "method": "written"},
    "open_assessment": true
}))]
pub struct InviteInput {
    #[validate(custom(function = "crate::validation::hetu"))]
    #[schema(
        example = "010594Y9021",
        min_length = 11,
        max_length = 11,
        pattern = r"^[0-9]{6}[-+A-Fa-fU-Yu-y][0-9]{3}[0-9A-FHJ-NPR-Ya-fhj-npr-y]$"
    )]
    pub personal_identity_code: String,
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 100, example = "Matti")]
    pub first_name: String,
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 100, example = "Meikäläinen")]
    pub last_name: String,
    #[serde(default = "finnish")]
    pub preferred_language: Language,
    #[validate(nested)]
    pub consent: FirstMeetingConsent,
    /// Open a health and work-ability assessment at once (default true).
    #[serde(default = "yes")]
    pub open_assessment: bool,
}

fn finnish() -> Language {
    Language::Finnish
}

fn yes() -> bool {
    true
}

/// Triage: invite (a team member).
#[utoipa::path(
    operation_id = "invite_contact_request",
    tag = "contact-requests",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Contact request id")),
    request_body = InviteInput,
    responses(
        (status = 200, description = "Invited: the client and assessment are linked", body = ContactRequestView),
        (status = 409, description = "Already triaged (contact-request-triaged)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contact-requests/{id}/invite")]
pub async fn invite(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<InviteInput>,
) -> ApiResult<web::Json<ContactRequestView>> {
    let hetu = Hetu::parse(&input.personal_identity_code)
        .map_err(|e| ApiError::rule("personal_identity_code", e.to_string()))?;
    let (id, now) = (id.into_inner(), state.now());
    let fields = ClientFields {
        first_name: input.first_name.trim().to_owned(),
        last_name: input.last_name.trim().to_owned(),
        email: None,
        phone: None,
        address: None,
        preferred_language: input.preferred_language,
        non_disclosure: false,
    };
    let consent = NewConsent {
        purposes: input.consent.purposes.into_iter().collect(),
        organisations: std::collections::BTreeSet::new(),
        method: input.consent.method,
        document_reference: input.consent.document_reference,
        given_at: now,
        expires_at: None,
    };
    let open_assessment = input.open_assessment;
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            let triage = Triage::Invite {
                hetu: &hetu,
                fields: &fields,
                consent,
                open_assessment,
            };
            db.triage_contact_request(ctx, id, triage)
                .map_err(missing("contact request"))
        })
        .await?,
    ))
}

/// Triage: close with a reason (a team member).
#[utoipa::path(
    operation_id = "close_contact_request",
    tag = "contact-requests",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Contact request id")),
    request_body = ReasonInput,
    responses(
        (status = 200, description = "Closed", body = ContactRequestView),
        (status = 409, description = "Already triaged (`contact-request-triaged`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/contact-requests/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ReasonInput>,
) -> ApiResult<web::Json<ContactRequestView>> {
    let id = id.into_inner();
    Ok(web::Json(
        respond(&state, bearer, move |db, ctx| {
            db.triage_contact_request(
                ctx,
                id,
                Triage::Close {
                    reason: &input.reason,
                },
            )
            .map_err(missing("contact request"))
        })
        .await?,
    ))
}

//! Clients (asiakas). Access is by relationship: a professional sees a client
//! when their organisation has an active client relationship (asiakkuus);
//! everyone else is told the client does not exist. The henkilötunnus travels
//! only in bodies, never in URLs, and is masked in lists.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use kyky_domain::entities::{Address, ClientFields};
use kyky_domain::{Hetu, Language, RelationshipBasis};
use kyky_persistence::client_flow::{Registration, RelationshipGrounds};
use kyky_persistence::client_scope::{ClientScope, ClientSight};
use kyky_persistence::fact_cache::FactCache;
use kyky_persistence::{DbConnection, StampAt, StoreResult, clients};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Bearer, Caller};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::extract::{PageParams, ValidJson, if_match, json_with_etag};
use crate::state::AppState;
use crate::views::cards::{ProfessionalCard, card_knowing, professional_card};
use crate::views::clients::{AddressDto, ClientPage, ClientView};

impl From<AddressDto> for Address {
    fn from(a: AddressDto) -> Self {
        Self {
            street_address: a.street_address.trim().to_owned(),
            postal_code: a.postal_code,
            city: a.city.trim().to_owned(),
        }
    }
}

fn default_language() -> Language {
    Language::Finnish
}

/// A client's changeable fields (everything but the henkilötunnus).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "first_name": "Matti",
    "last_name": "Meikäläinen",
    "email": "matti@example.fi",
    "phone": "040 123 4567",
    "address": {"street_address": "Kauppamiehentie 6 A 12", "postal_code": "02150", "city": "Espoo"},
    "preferred_language": "fi"
}))]
pub struct ClientUpdate {
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
    #[validate(nested)]
    pub address: Option<AddressDto>,
    /// Language the client is served in (fi/sv/en); default `fi`.
    #[serde(default = "default_language")]
    pub preferred_language: Language,
    /// Non-disclosure for personal safety (turvakielto): the address is then
    /// shown only to the responsible worker and work pair. Only they may lift it.
    #[serde(default)]
    pub non_disclosure: bool,
}

impl ClientUpdate {
    fn into_fields(self) -> ClientFields {
        ClientFields {
            first_name: self.first_name.trim().to_owned(),
            last_name: self.last_name.trim().to_owned(),
            email: self.email,
            phone: self.phone,
            address: self.address.map(Into::into),
            preferred_language: self.preferred_language,
            non_disclosure: self.non_disclosure,
        }
    }
}

/// A client to register. If a client with this henkilötunnus exists, it is
/// not duplicated: your organisation declares its relationship with it on the
/// grounds given, and sees what it entered and who the responsible worker is.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "personal_identity_code": "010594Y9021",
    "relationship_basis": "client_contact",
    "relationship_reason": "Asiakas tuli vastaanotolle",
    "first_name": "Matti",
    "last_name": "Meikäläinen",
    "phone": "040 123 4567",
    "preferred_language": "fi"
}))]
pub struct ClientInput {
    /// Henkilötunnus (Finnish personal identity code), with check character.
    /// Century signs `+`, `-YXWVU` and `A-F` are accepted.
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
    #[schema(min_length = 1, max_length = 100)]
    pub first_name: String,
    #[validate(
        length(min = 1, max = 100),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(min_length = 1, max_length = 100)]
    pub last_name: String,
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
    #[validate(nested)]
    pub address: Option<AddressDto>,
    #[serde(default = "default_language")]
    pub preferred_language: Language,
    /// Non-disclosure for personal safety (turvakielto).
    #[serde(default)]
    pub non_disclosure: bool,
    /// The new client's responsible worker: an active professional of your
    /// organisation. Default: you. Ignored when the client already exists.
    pub responsible_professional_id: Option<Uuid>,
    /// Why your organisation works with this person (code set
    /// `relationship-bases`). Recorded with your organisation's client
    /// relationship, which the responsible worker sees.
    pub relationship_basis: RelationshipBasis,
    /// The reason in your own words.
    #[validate(
        length(min = 1, max = 500),
        custom(function = "crate::validation::not_blank")
    )]
    #[schema(
        min_length = 1,
        max_length = 500,
        example = "Asiakas tuli vastaanotolle"
    )]
    pub relationship_reason: Option<String>,
}

/// Find a client by henkilötunnus (in the body, never in the URL).
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"personal_identity_code": "010594Y9021"}))]
pub struct ClientLookup {
    #[validate(custom(function = "crate::validation::hetu"))]
    #[schema(
        example = "010594Y9021",
        min_length = 11,
        max_length = 11,
        pattern = r"^[0-9]{6}[-+A-Fa-fU-Yu-y][0-9]{3}[0-9A-FHJ-NPR-Ya-fhj-npr-y]$"
    )]
    pub personal_identity_code: String,
}

/// The client as the caller sees it, with its ETag when it is the record.
struct Sighted {
    view: ClientView,
    version: Option<i64>,
}

impl Sighted {
    /// `caller` is who asks: when they are the responsible worker, their
    /// card comes from their own record, loaded with them.
    fn load(conn: &mut DbConnection, sight: ClientSight, caller: &Caller) -> StoreResult<Self> {
        Ok(match sight {
            ClientSight::Record(scope) => {
                let card = card_knowing(conn, scope.responsibility.responsible, &caller.record)?;
                Self::record(scope, card)
            }
            ClientSight::OwnEntry(entry) => {
                let card = card_knowing(conn, entry.responsibility.responsible, &caller.record)?;
                Self {
                    version: None,
                    view: ClientView::own_entry(entry, card),
                }
            }
        })
    }

    /// The record from kept facts alone, when the caller may read it and the
    /// responsible worker is the caller or kept too (with their stamps).
    fn of_kept(
        scope: ClientScope,
        caller: &Caller,
        facts: &FactCache,
    ) -> Option<(Self, Vec<StampAt>)> {
        if !scope.basis.reads_record() {
            return None;
        }
        let responsible = scope.responsibility.responsible;
        let (card, rests_on) = if responsible == caller.record.professional.id {
            (ProfessionalCard::of(caller.record.clone()), Vec::new())
        } else {
            let kept = facts.kept_caller(responsible)?;
            (
                ProfessionalCard::of(kept.record.clone()),
                kept.stamps().to_vec(),
            )
        };
        Some((Self::record(scope, card), rests_on))
    }

    /// The record, as the scope lets the caller see it, with its version.
    fn record(scope: ClientScope, responsible_worker: ProfessionalCard) -> Self {
        let sees = scope.basis.sees_protected_location();
        Self {
            version: Some(scope.client.version),
            view: ClientView::of(scope.client, sees, responsible_worker),
        }
    }

    fn respond(self, mut response: actix_web::HttpResponseBuilder) -> HttpResponse {
        match self.version {
            Some(version) => json_with_etag(response, version, self.view),
            None => response.json(self.view),
        }
    }
}

/// Register a client, or declare your organisation's relationship with an
/// existing one.
///
/// 201 when created. 200 when a client with this henkilötunnus already
/// existed: your organisation now has a client relationship on the grounds
/// given (`client.link` in the client's access log, visible to the
/// responsible worker). Unless your organisation could already read the
/// client record, the answer shows only what you entered and who the
/// responsible worker is (`details: own_entry`); the record itself needs
/// the client's consent covering your organisation, or a statutory basis.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    request_body = ClientInput,
    responses(
        (status = 201, description = "Created", body = ClientView,
            headers(("ETag" = String, description = "Version, for If-Match"), ("Location" = String))),
        (status = 200, description = "Existed already; your organisation now has a client relationship",
            body = ClientView,
            headers(("ETag" = String, description = "Version, for If-Match; absent for `own_entry`"), ("Location" = String))),
        (status = 422, description = "responsible_professional_id is not an active professional of your organisation (`unknown-reference`)",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients")]
pub async fn create_client(
    state: web::Data<AppState>,
    bearer: Bearer,
    ValidJson(input): ValidJson<ClientInput>,
) -> ApiResult<HttpResponse> {
    let hetu = Hetu::parse(&input.personal_identity_code)
        .map_err(|e| ApiError::rule("personal_identity_code", e.to_string()))?;
    let responsible = input.responsible_professional_id;
    let (basis, reason) = (input.relationship_basis, input.relationship_reason);
    let fields = ClientUpdate {
        first_name: input.first_name,
        last_name: input.last_name,
        email: input.email,
        phone: input.phone,
        address: input.address,
        preferred_language: input.preferred_language,
        non_disclosure: input.non_disclosure,
    }
    .into_fields();
    let now = state.now();
    let (sighted, created) = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            caller.require_client_work()?;
            let grounds = RelationshipGrounds {
                basis,
                reason: reason.as_deref().map(str::trim),
            };
            let registration = db.create_or_link_client(
                &ctx,
                Uuid::now_v7(),
                &hetu,
                &fields,
                responsible,
                grounds,
            )?;
            db.run(|conn| {
                Ok(match registration {
                    Registration::Created(client) => {
                        let responsible = responsible.unwrap_or(ctx.actor.professional_id);
                        let card = professional_card(conn, responsible)?;
                        let sees = responsible == ctx.actor.professional_id;
                        let version = Some(client.version);
                        (
                            Sighted {
                                view: ClientView::of(client, sees, card),
                                version,
                            },
                            true,
                        )
                    }
                    Registration::Existing(scope) => (
                        Sighted::load(conn, ClientSight::Record(scope), caller)?,
                        false,
                    ),
                    Registration::Declared(entry) => (
                        Sighted::load(conn, ClientSight::OwnEntry(entry), caller)?,
                        false,
                    ),
                })
            })
        })
        .await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    response.insert_header((
        header::LOCATION,
        format!("/api/v1/clients/{}", sighted.view.id),
    ));
    Ok(sighted.respond(response))
}

/// Find a client by henkilötunnus.
///
/// The henkilötunnus goes in the body so that it never appears in a URL or
/// an access log line. Answers as `GET /clients/{id}` does (`own_entry` for a
/// declared relationship); 404 when no such client is visible to you.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    request_body = ClientLookup,
    responses(
        (status = 200, description = "The client", body = ClientView,
            headers(("ETag" = String, description = "Version, for If-Match; absent for `own_entry`"))),
        (status = 404, description = "No client with this henkilötunnus is visible to you",
            body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/clients/lookup")]
pub async fn lookup_client(
    state: web::Data<AppState>,
    bearer: Bearer,
    ValidJson(input): ValidJson<ClientLookup>,
) -> ApiResult<HttpResponse> {
    let hetu = Hetu::parse(&input.personal_identity_code)
        .map_err(|e| ApiError::rule("personal_identity_code", e.to_string()))?;
    let now = state.now();
    let sighted = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            caller.require_client_work()?;
            let found = db.run(|conn| clients::find_by_hetu(conn, &hetu))?;
            let id = found.ok_or_else(|| ApiError::not_found("client"))?.id;
            let sight = db
                .read_client_sight(&ctx, id, "client.lookup")
                .map_err(crate::error::missing("client"))?;
            Ok(db.run(|conn| Sighted::load(conn, sight, caller))?)
        })
        .await?;
    Ok(sighted.respond(HttpResponse::Ok()))
}

/// Narrows the client list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClientFilter {
    /// The client your organisation's system calls this: `system|value`,
    /// as set with `PUT /clients/{id}/external-ids/{system}`.
    #[param(
        pattern = "^[a-z0-9][a-z0-9._-]{0,63}[|].+$",
        max_length = 265,
        example = "sofia-crm|12345"
    )]
    pub external_id: Option<String>,
}

/// List the clients your organisation has an active relationship with, or
/// find one by the id your organisation's own system gives it
/// (`external_id=sofia-crm|12345`).
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(ClientFilter, PageParams),
    responses((status = 200, description = "A page of clients, henkilötunnus masked", body = ClientPage))
)]
#[get("/clients")]
pub async fn list_clients(
    state: web::Data<AppState>,
    bearer: Bearer,
    filter: web::Query<ClientFilter>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<ClientPage>> {
    let page = page.validate(state.cursors("clients", &bearer).await?)?;
    let external_id = match filter.into_inner().external_id {
        None => None,
        Some(text) => match text.split_once('|') {
            Some((system, value)) if crate::inputs::valid_system(system) && !value.is_empty() => {
                Some((system.to_owned(), value.to_owned()))
            }
            _ => {
                return Err(ApiError::validation(vec![FieldError {
                    field: "external_id".into(),
                    message: "system|value, e.g. sofia-crm|12345".into(),
                }]));
            }
        },
    };
    let now = state.now();
    let rows = state
        .as_caller(bearer, move |db, caller| {
            caller.require_client_work()?;
            let external_id = external_id.as_ref().map(|(s, v)| (s.as_str(), v.as_str()));
            Ok(db.list_clients(
                &caller.audit(now),
                external_id,
                page.after,
                i64::from(page.limit),
            )?)
        })
        .await?;
    let (items, next_cursor) = page.finish(rows, |listed| listed.client.id);
    Ok(web::Json(ClientPage {
        items: items
            .into_iter()
            .map(|listed| {
                let mut client = listed.client;
                if let Some(own) = listed.own_entry {
                    client.fields = own;
                }
                client.into()
            })
            .collect(),
        next_cursor,
    }))
}

/// Get a client.
///
/// The client record, or — for an organisation with only a declared
/// relationship — what it entered (`details: own_entry`). Both name the
/// responsible worker.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id")),
    responses((status = 200, description = "The client", body = ClientView,
        headers(("ETag" = String, description = "Version, for If-Match; absent for `own_entry`"))))
)]
#[get("/clients/{id}")]
pub async fn get_client(
    state: web::Data<AppState>,
    bearer: Bearer,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let facts = state.facts.clone();
    let kept = state
        .read_kept(&bearer, id, "client.read", |caller, scope| {
            Sighted::of_kept(scope, caller, &facts)
        })
        .await?;
    if let Some(sighted) = kept {
        return Ok(sighted.respond(HttpResponse::Ok()));
    }
    let now = state.now();
    let sighted = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            let sight = db
                .read_client_sight(&ctx, id, "client.read")
                .map_err(crate::error::missing("client"))?;
            Ok(db.run(|conn| Sighted::load(conn, sight, caller))?)
        })
        .await?;
    Ok(sighted.respond(HttpResponse::Ok()))
}

/// Replace a client's fields. Needs `If-Match` with the ETag you edited.
#[utoipa::path(
    tag = "clients",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Client id"),
        ("If-Match" = String, Header, description = "ETag of the version being replaced"),
    ),
    request_body = ClientUpdate,
    responses(
        (status = 200, description = "Updated", body = ClientView,
            headers(("ETag" = String, description = "New version"))),
        (status = 412, description = "The client changed since that ETag",
            body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = crate::error::Problem,
            content_type = "application/problem+json"),
    )
)]
#[put("/clients/{id}")]
pub async fn update_client(
    state: web::Data<AppState>,
    bearer: Bearer,
    request: HttpRequest,
    id: web::Path<Uuid>,
    ValidJson(input): ValidJson<ClientUpdate>,
) -> ApiResult<HttpResponse> {
    let version = if_match(&request)?;
    let (id, fields) = (id.into_inner(), input.into_fields());
    let now = state.now();
    let sighted = state
        .as_caller(bearer, move |db, caller| {
            let ctx = caller.audit(now);
            db.write_client(&ctx, id, "client.update", |conn, scope| {
                let sees = scope.basis.sees_protected_location();
                let fields = scope.client.fields.clone().updated_by(fields, sees);
                let updated = clients::update(
                    conn,
                    &scope.client,
                    &version,
                    &fields,
                    ctx.actor.professional_id,
                    ctx.at,
                )?;
                let scope = ClientScope {
                    client: updated,
                    ..scope.clone()
                };
                Sighted::load(conn, ClientSight::Record(scope), caller)
            })
            .map_err(crate::error::missing("client"))
        })
        .await?;
    Ok(sighted.respond(HttpResponse::Ok()))
}

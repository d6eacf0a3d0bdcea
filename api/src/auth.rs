//! Who calls: a verified bearer token (`tokens`) becomes the `Caller`, the
//! professional it is for as their record stands now. Tokens of the
//! organisations' identity providers map to professionals by (issuer,
//! subject); Kyky's own tokens name the professional. The professional must
//! exist and be active, and the effective roles are those both the token
//! and the record grant.

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::{DateTime, Utc};
use kyky_domain::{Actor, CodeSet, Role};
use kyky_persistence::fact_cache::FactCache;
use kyky_persistence::request_facts::{self, PreloadedClient};
use kyky_persistence::{
    AuditContext, Db, StoreError, handovers, professionals, sign_in_identities,
};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::telemetry::RequestId;
pub use crate::tokens::{Auth, AuthConfigError, Claims, MIN_SECRET_BYTES, Principal};

/// A token whose professional no record names is refused as unauthorised.
pub fn known_professional(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::unauthorized("the token's professional is not known"),
        other => other.into(),
    }
}

/// A verified bearer token: who is calling and the roles the token claims.
/// A handler that takes a `Bearer` cannot forget to authenticate. Reading it
/// touches no database (a trusted issuer's keys may be fetched, rarely):
/// the professional behind it is loaded on the
/// handler's own connection, in the handler's one blocking hop
/// (`AppState::as_caller`), and becomes the `Caller`.
#[derive(Debug, Clone)]
pub struct Bearer {
    principal: Principal,
    /// Who calls, for what is kept per caller before the professional is
    /// known (idempotency keys, cursors, rate limits): the professional id
    /// of Kyky's own tokens, a stable id of (issuer, subject) otherwise.
    pub caller_key: Uuid,
    request_id: Option<String>,
    resource: Option<Uuid>,
    /// What the path names whose client's access facts are read with the
    /// caller.
    facts_for: Option<FactsFor>,
}

/// A request about a client (`/api/v1/clients/{id}…`) reads the client's
/// access facts with the caller, in the same statement; one about a
/// handover (`/api/v1/handovers/{id}…`) looks up its client first. A write
/// decides on them only if they are still current inside its transaction.
#[derive(Debug, Clone, Copy)]
enum FactsFor {
    Client(Uuid),
    Handover(Uuid),
}

impl Bearer {
    /// The professional the token is for: the id of Kyky's own token, or
    /// the professional the issuer's person is linked to (kept a minute by
    /// the process; created on first sign-in where the issuer does so).
    pub fn professional_id(&self, db: &Db, now: DateTime<Utc>) -> ApiResult<Uuid> {
        if let Some(id) = self.known_professional_id() {
            return Ok(id);
        }
        let Principal::Person(person) = &self.principal else {
            return Err(ApiError::internal());
        };
        let issuer = &person.issuer.settings;
        let found =
            db.run(|conn| sign_in_identities::find(conn, &issuer.issuer, &person.subject))?;
        let id = match (found, person.new_professional()) {
            (Some(id), _) => id,
            (None, Some(fields)) => {
                let (id, created) = sign_in_identities::provision(
                    db,
                    &issuer.issuer,
                    &person.subject,
                    issuer.organisation_id,
                    &fields?,
                    now,
                )?;
                if created {
                    tracing::info!(
                        issuer = %issuer.name,
                        professional.id = %id,
                        "professional created on first sign-in"
                    );
                }
                id
            }
            (None, None) => {
                return Err(ApiError::new(
                    actix_web::http::StatusCode::FORBIDDEN,
                    "not-a-professional-yet",
                    "Not yet a Kyky professional",
                    format!(
                        "{} signed you in, but you are not yet a Kyky professional: ask your organisation's Kyky administrator to add you",
                        issuer.name
                    ),
                ));
            }
        };
        person.issuer.remember(self.caller_key, id);
        Ok(id)
    }

    /// The caller behind the token, from one query on `db`'s connection:
    /// the professional with their organisation, and their teams; on a read
    /// of a client, that client's access facts too. Roles are those both the
    /// token and the record grant.
    /// The professional the token is for, when that needs no database: the
    /// id of Kyky's own token, or a person this process has linked lately.
    pub fn known_professional_id(&self) -> Option<Uuid> {
        match &self.principal {
            Principal::Professional { id, .. } => Some(*id),
            // `caller_key` is the person's key, made once when the token was read.
            Principal::Person(person) => person.issuer.known(self.caller_key),
        }
    }

    pub fn resolve(self, db: &Db, facts: &FactCache, now: DateTime<Utc>) -> ApiResult<Caller> {
        let id = self.professional_id(db, now)?;
        let for_client = |conn: &mut _, client| {
            request_facts::current(conn, facts, id, client)
                .map(|facts| (facts.record, facts.teams, Some(facts.client)))
        };
        let without_client = |conn: &mut _| {
            professionals::get_with_teams(conn, id).map(|(record, teams)| (record, teams, None))
        };
        let (record, teams, preloaded) = db
            .run(|conn| match self.facts_for {
                Some(FactsFor::Client(client)) => for_client(conn, client),
                Some(FactsFor::Handover(handover)) => match handovers::client_of(conn, handover)? {
                    Some(client) => for_client(conn, client),
                    None => without_client(conn),
                },
                None => without_client(conn),
            })
            .map_err(known_professional)?;
        self.caller(record, teams, preloaded)
    }

    /// The caller from their record and teams as loaded for this request:
    /// refused when deactivated; roles are those both the token and the
    /// record grant.
    pub fn caller(
        self,
        record: professionals::WithOrganisation,
        teams: Vec<Uuid>,
        preloaded: Option<kyky_persistence::request_facts::PreloadedClient>,
    ) -> ApiResult<Caller> {
        let professional = &record.professional;
        let id = professional.id;
        if !professional.active {
            return Err(ApiError::unauthorized(
                "the professional has been deactivated",
            ));
        }
        let roles = match &self.principal {
            Principal::Professional { roles, .. } => {
                kyky_domain::access::effective_roles(roles, &professional.fields.roles)
            }
            // An issuer signs in a person of its own organisation only.
            Principal::Person(person) => {
                if person.issuer.settings.organisation_id != professional.organisation_id {
                    return Err(ApiError::forbidden(format!(
                        "{} signs in people of its own organisation only",
                        person.issuer.settings.name
                    )));
                }
                match person.granted_roles() {
                    Some(granted) => {
                        kyky_domain::access::effective_roles(&granted, &professional.fields.roles)
                    }
                    None => professional.fields.roles.clone(),
                }
            }
        };
        Ok(Caller {
            actor: Actor {
                professional_id: id,
                organisation_id: professional.organisation_id,
                roles,
                teams: teams.into_iter().collect(),
            },
            record,
            request_id: self.request_id,
            resource: self.resource,
            preloaded,
        })
    }
}

/// The authenticated caller, as their record stands now.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    /// Their record with their organisation's name and kind, as loaded for
    /// this request.
    pub record: professionals::WithOrganisation,
    pub request_id: Option<String>,
    /// The record the request's path names, for the access log.
    pub resource: Option<Uuid>,
    /// The client a read names, as read with the caller.
    pub preloaded: Option<PreloadedClient>,
}

/// The record a request's path names: its last path parameter (the
/// relationship of `/clients/{id}/relationships/{relationship_id}/end`, the
/// plan of `/plans/{id}`), but not the client of `/clients/{id}/…`, which
/// the access log records as the client.
fn named_record(req: &HttpRequest) -> Option<Uuid> {
    let pattern = req.match_pattern()?;
    let last = pattern.rsplit('{').next()?.split('}').next()?;
    if last == "id" && pattern.contains("/clients/{id}") {
        return None;
    }
    req.match_info()
        .get(last)
        .and_then(|v| Uuid::parse_str(v).ok())
}

/// The client or handover a request's path names (see `FactsFor`).
fn facts_for(req: &HttpRequest) -> Option<FactsFor> {
    let pattern = req.match_pattern()?;
    let named: fn(Uuid) -> FactsFor = if pattern.starts_with("/api/v1/clients/{id}") {
        FactsFor::Client
    } else if pattern.starts_with("/api/v1/handovers/{id}") {
        FactsFor::Handover
    } else {
        return None;
    };
    req.match_info()
        .get("id")
        .and_then(|v| Uuid::parse_str(v).ok())
        .map(named)
}

impl Caller {
    pub fn require(&self, role: Role) -> ApiResult<()> {
        if self.actor.has_role(role) {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this operation needs the {} role",
                role.code()
            )))
        }
    }

    /// Client data is for professionals and integration accounts, by relationship.
    pub fn require_client_work(&self) -> ApiResult<()> {
        if self.actor.works_with_clients() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "client data needs the professional or integration role",
            ))
        }
    }

    pub fn audit(&self, now: DateTime<Utc>) -> AuditContext {
        AuditContext {
            actor: self.actor.clone(),
            request_id: self.request_id.clone(),
            at: now,
            resource: self.resource,
            preloaded: self.preloaded.clone(),
        }
    }
}

/// The token of the `Authorization: Bearer <token>` header (RFC 6750),
/// read by actix-web-httpauth's typed header.
fn bearer_token(req: &HttpRequest) -> ApiResult<String> {
    use actix_web::http::header::Header;
    use actix_web_httpauth::headers::authorization::{self, Authorization};
    if !req.headers().contains_key(header::AUTHORIZATION) {
        return Err(ApiError::unauthorized(
            "send an Authorization: Bearer <token> header",
        ));
    }
    let parsed = Authorization::<authorization::Bearer>::parse(req)
        .map_err(|_| ApiError::unauthorized("the Authorization header must be: Bearer <token>"))?;
    let token = parsed.into_scheme().token().trim().to_owned();
    if token.is_empty() {
        return Err(ApiError::unauthorized(
            "the Authorization header must be: Bearer <token>",
        ));
    }
    Ok(token)
}

impl FromRequest for Bearer {
    type Error = ApiError;
    type Future = futures::future::LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let auth = req.app_data::<web::Data<Auth>>().cloned();
        let token = bearer_token(req);
        let request_id = req.extensions().get::<RequestId>().map(|id| id.0.clone());
        let (resource, facts_for) = (named_record(req), facts_for(req));
        Box::pin(async move {
            let principal = auth
                .ok_or_else(ApiError::internal)?
                .authenticate(&token?)
                .await?;
            let caller_key = match &principal {
                Principal::Professional { id, .. } => *id,
                Principal::Person(person) => person.key(),
            };
            tracing::Span::current().record("professional.id", tracing::field::display(caller_key));
            Ok(Self {
                principal,
                caller_key,
                request_id,
                resource,
                facts_for,
            })
        })
    }
}

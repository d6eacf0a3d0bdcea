//! Bearer JWT authentication. Tokens of the organisations' identity
//! providers (`trusted_issuers`), mapped to professionals by (issuer,
//! subject); and Kyky's own tokens: HS256 with a shared secret, or
//! RS256/ES256 with one PEM public key, whose subject is a professional id
//! (for the demo and development; refused beside trusted issuers unless
//! allowed). The professional must exist and be active, and the effective
//! roles are those both the token and the record grant.

use std::collections::BTreeSet;
use std::str::FromStr;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kyky_domain::{Actor, CodeSet, Role};
use kyky_persistence::request_facts::{self, PreloadedClient};
use kyky_persistence::{AuditContext, Db, StoreError, professionals, sign_in_identities};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::telemetry::RequestId;
use crate::trusted_issuers::{Person, TrustedIssuers};

/// Shortest HS256 secret accepted: 256 bits, as RFC 7518 requires for HS256.
pub const MIN_SECRET_BYTES: usize = 32;

/// Token claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Professional id.
    pub sub: String,
    /// Optional here only so that a missing claim is reported as missing;
    /// validation requires `iat` and `exp`.
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub exp: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<i64>,
    /// Role codes; unknown ones are ignored.
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
}

/// How tokens are verified (and, with a shared secret, minted).
#[derive(Clone)]
pub struct Auth {
    algorithm: Algorithm,
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    issuer: Option<String>,
    audience: Option<String>,
    trusted: Option<Arc<TrustedIssuers>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys never print.
        f.debug_struct("Auth")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthConfigError {
    #[error("KYKY_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")]
    SecretTooShort,
    #[error("unsupported JWT algorithm {0}: use HS256, RS256 or ES256")]
    Algorithm(String),
    #[error("the public key is not a valid {0} PEM key")]
    PublicKey(&'static str),
    #[error("the private key is not a valid {0} PEM key")]
    PrivateKey(&'static str),
    #[error("{0} needs a public key (KYKY_JWT_PUBLIC_KEY_FILE)")]
    MissingPublicKey(&'static str),
}

impl Auth {
    pub fn hs256(secret: &[u8]) -> Result<Self, AuthConfigError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(AuthConfigError::SecretTooShort);
        }
        Ok(Self {
            algorithm: Algorithm::HS256,
            decoding: DecodingKey::from_secret(secret),
            encoding: Some(EncodingKey::from_secret(secret)),
            issuer: None,
            audience: None,
            trusted: None,
        })
    }

    /// RS256 or ES256 with a public key; with a private key too, tokens can be
    /// minted (for tests and `kyky token`).
    pub fn asymmetric(
        algorithm: &str,
        public_pem: &[u8],
        private_pem: Option<&[u8]>,
    ) -> Result<Self, AuthConfigError> {
        let (algorithm, decoding, encoding) = match algorithm {
            "RS256" => (
                Algorithm::RS256,
                DecodingKey::from_rsa_pem(public_pem)
                    .map_err(|_| AuthConfigError::PublicKey("RSA"))?,
                private_pem
                    .map(|pem| {
                        EncodingKey::from_rsa_pem(pem)
                            .map_err(|_| AuthConfigError::PrivateKey("RSA"))
                    })
                    .transpose()?,
            ),
            "ES256" => (
                Algorithm::ES256,
                DecodingKey::from_ec_pem(public_pem)
                    .map_err(|_| AuthConfigError::PublicKey("EC P-256"))?,
                private_pem
                    .map(|pem| {
                        EncodingKey::from_ec_pem(pem)
                            .map_err(|_| AuthConfigError::PrivateKey("EC P-256"))
                    })
                    .transpose()?,
            ),
            other => return Err(AuthConfigError::Algorithm(other.to_owned())),
        };
        Ok(Self {
            algorithm,
            decoding,
            encoding,
            issuer: None,
            audience: None,
            trusted: None,
        })
    }

    /// Require (and mint with) these `iss` / `aud` values.
    #[must_use]
    pub fn with_issuer_and_audience(
        mut self,
        issuer: Option<String>,
        audience: Option<String>,
    ) -> Self {
        self.issuer = issuer;
        self.audience = audience;
        self
    }

    /// Trust these organisations' identity providers; Kyky's own tokens
    /// then only if `issuers.accept_own_tokens`.
    #[must_use]
    pub fn with_trusted_issuers(mut self, issuers: TrustedIssuers) -> Self {
        self.trusted = Some(Arc::new(issuers));
        self
    }

    /// Verifies a token: a trusted issuer's by its keys, else one of Kyky's
    /// own (when they are accepted).
    pub async fn authenticate(&self, token: &str) -> ApiResult<Principal> {
        #[derive(Deserialize)]
        struct Issuer {
            iss: Option<String>,
        }
        let Some(trusted) = &self.trusted else {
            return self.own_token(token);
        };
        // Which issuer's keys to verify with: read before verifying, and
        // then verified with them.
        let named = jsonwebtoken::dangerous::insecure_decode_claims::<Issuer>(token)
            .ok()
            .and_then(|claims| claims.iss);
        if let Some(issuer) = named.as_deref().and_then(|iss| trusted.find(iss)) {
            let header = jsonwebtoken::decode_header(token)
                .map_err(|_| ApiError::unauthorized("the token is malformed"))?;
            let claims = issuer.verify(token, &header).await?;
            return issuer.person(claims).map(Principal::Person);
        }
        if trusted.accept_own_tokens {
            return self.own_token(token);
        }
        Err(ApiError::unauthorized(match named {
            Some(_) => "the token's issuer is not trusted",
            None => "the token names no issuer (iss)",
        }))
    }

    /// The trusted issuer configured under `name`.
    pub fn trusted_issuer(&self, name: &str) -> Option<Arc<crate::trusted_issuers::TrustedIssuer>> {
        self.trusted.as_ref()?.named(name).cloned()
    }

    /// The configured name of the issuer whose `iss` is `issuer`.
    pub fn issuer_name(&self, issuer: &str) -> Option<String> {
        Some(self.trusted.as_ref()?.find(issuer)?.settings.name.clone())
    }

    fn own_token(&self, token: &str) -> ApiResult<Principal> {
        let claims = self.verify(token)?;
        let professional_id = Uuid::parse_str(&claims.sub)
            .map_err(|_| ApiError::unauthorized("the token's subject is not a professional id"))?;
        Ok(Principal::Professional {
            id: professional_id,
            roles: claims
                .roles
                .iter()
                .filter_map(|r| Role::from_str(r).ok())
                .collect(),
        })
    }

    pub fn algorithm_name(&self) -> &'static str {
        match self.algorithm {
            Algorithm::RS256 => "RS256",
            Algorithm::ES256 => "ES256",
            _ => "HS256",
        }
    }

    /// Mints a token for `professional_id`; `None` when only a public key is known.
    pub fn mint(
        &self,
        professional_id: Uuid,
        roles: &BTreeSet<Role>,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Option<String> {
        let claims = Claims {
            sub: professional_id.to_string(),
            iat: Some(now.timestamp()),
            exp: Some((now + ttl).timestamp()),
            nbf: None,
            roles: roles.iter().map(|r| r.code().to_owned()).collect(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
        };
        jsonwebtoken::encode(
            &Header::new(self.algorithm),
            &claims,
            self.encoding.as_ref()?,
        )
        .ok()
    }

    /// Verifies signature, algorithm, `exp`, `nbf` and (if configured) `iss`/`aud`.
    pub fn verify(&self, token: &str) -> ApiResult<Claims> {
        let mut validation = Validation::new(self.algorithm);
        validation.leeway = 30;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        match &self.issuer {
            Some(issuer) => validation.set_issuer(&[issuer]),
            None => validation.iss = None,
        }
        match &self.audience {
            Some(audience) => validation.set_audience(&[audience]),
            None => validation.validate_aud = false,
        }
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)
            .map(|data| data.claims)
            .map_err(|error| rejection(&error))
    }
}

/// Why a token's verification failed, as the answer says it.
pub(crate) fn rejection(error: &jsonwebtoken::errors::Error) -> ApiError {
    ApiError::unauthorized(match error.kind() {
        ErrorKind::ExpiredSignature => "the token has expired",
        ErrorKind::ImmatureSignature => "the token is not valid yet",
        ErrorKind::InvalidSignature => "the token's signature does not verify",
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => {
            "the token's algorithm is not accepted"
        }
        ErrorKind::InvalidIssuer => "the token's issuer is not accepted",
        ErrorKind::InvalidAudience => "the token's audience is not accepted",
        ErrorKind::MissingRequiredClaim(claim) => match claim.as_str() {
            "aud" => "the token lacks a required claim (aud)",
            "iss" => "the token lacks a required claim (iss)",
            _ => "the token lacks a required claim (sub, iat, exp)",
        },
        _ => "the token is malformed",
    })
}

/// A token whose professional no record names is refused as unauthorised.
pub fn known_professional(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::unauthorized("the token's professional is not known"),
        other => other.into(),
    }
}

/// A verified bearer token: who is calling and the roles the token claims.
/// A handler that takes a `Bearer` cannot forget to authenticate. Reading it
/// touches no database: the professional behind it is loaded on the
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
    /// The client a read names (`GET /api/v1/clients/{id}…`): loaded with
    /// the caller, in the same statement.
    client_read: Option<Uuid>,
}

/// Who a verified token says is calling.
#[derive(Debug, Clone)]
pub enum Principal {
    /// Kyky's own token: a professional id and the roles it claims.
    Professional { id: Uuid, roles: BTreeSet<Role> },
    /// A person a trusted issuer vouches for.
    Person(Person),
}

impl Bearer {
    /// The professional the token is for: the id of Kyky's own token, or
    /// the professional the issuer's person is linked to (kept a minute by
    /// the process; created on first sign-in where the issuer does so).
    pub fn professional_id(&self, db: &Db, now: DateTime<Utc>) -> ApiResult<Uuid> {
        let person = match &self.principal {
            Principal::Professional { id, .. } => return Ok(*id),
            Principal::Person(person) => person,
        };
        if let Some(id) = person.issuer.known(person) {
            return Ok(id);
        }
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
        person.issuer.remember(person, id);
        Ok(id)
    }

    /// The caller behind the token, from one query on `db`'s connection:
    /// the professional with their organisation, and their teams; on a read
    /// of a client, that client's access facts too. Roles are those both the
    /// token and the record grant.
    pub fn resolve(self, db: &Db) -> ApiResult<Caller> {
        let id = self.professional_id(db, Utc::now())?;
        let (record, teams, preloaded) = if let Some(client) = self.client_read {
            let facts = db
                .run(|conn| request_facts::current(conn, db.fact_cache(), id, client))
                .map_err(known_professional)?;
            (facts.record, facts.teams, Some(facts.client))
        } else {
            let (record, teams) = db
                .run(|conn| professionals::get_with_teams(conn, id))
                .map_err(known_professional)?;
            (record, teams, None)
        };
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

/// The client of a `GET /api/v1/clients/{id}…` request. Only reads: a
/// write decides on the facts inside its own transaction.
fn client_read(req: &HttpRequest) -> Option<Uuid> {
    if req.method() != actix_web::http::Method::GET {
        return None;
    }
    req.match_pattern()?
        .starts_with("/api/v1/clients/{id}")
        .then_some(())?;
    req.match_info()
        .get("id")
        .and_then(|v| Uuid::parse_str(v).ok())
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
        let (resource, client_read) = (named_record(req), client_read(req));
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
                client_read,
            })
        })
    }
}

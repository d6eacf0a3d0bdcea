//! Organisations' identity providers: Kyky trusts each as an OIDC resource
//! server does. A token names its issuer (`iss`); a trusted
//! issuer's token is verified with the keys the provider publishes (a JWKS
//! URL or file), for its audience, and the person it names (the configured
//! claim: `sub`, `oid` or `email`) is mapped to a professional of the
//! issuer's organisation by (issuer, subject).
//!
//! Keys are kept and fetched again when a token names a key id (`kid`) not
//! among them: a provider rotating its keys needs no restart. Fetches are
//! bounded (a few a minute per issuer, one at a time), so a flood of tokens
//! with made-up `kid`s is not a flood of requests to the provider.

use std::collections::BTreeSet;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use kyky_domain::entities::ProfessionalFields;
use kyky_domain::{CodeSet, ProfessionalTitle, Role};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Fetches of one issuer's keys a minute, at most (and in a burst).
const KEY_FETCHES_PER_MINUTE: u32 = 5;
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 60;
/// How long a process keeps the professional a person maps to. Unlinking a
/// person takes effect within this; deactivating the professional at once.
const SUBJECT_KEPT_FOR: Duration = Duration::from_secs(60);

/// The trusted-issuers file (`KYKY_TRUSTED_ISSUERS_FILE`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedIssuersFile {
    pub issuers: Vec<IssuerSettings>,
}

/// One organisation's identity provider.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerSettings {
    /// A short name for logs: `espoo-entra`.
    pub name: String,
    /// The `iss` its tokens carry, exactly.
    pub issuer: String,
    /// The `aud` its tokens for Kyky carry.
    pub audience: String,
    /// Where its keys are published (https; http only on this machine).
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Or a file holding them, read again when a token names a new key.
    #[serde(default)]
    pub jwks_file: Option<PathBuf>,
    /// The organisation whose people it signs in.
    pub organisation_id: Uuid,
    /// The claim that identifies a person.
    #[serde(default)]
    pub subject_claim: SubjectClaim,
    /// Make a person unknown to Kyky a professional on first sign-in.
    #[serde(default)]
    pub create_professionals: Option<Provisioning>,
    /// A claim listing Kyky role codes (Entra's app roles: `roles`; or a
    /// space-separated `scp`/`scope`): the roles in effect are then those
    /// both it and the record grant, so an integration's client-credentials
    /// token does no more than its scopes allow. Without it, the record's.
    #[serde(default)]
    pub roles_claim: Option<String>,
}

/// The claim that identifies a person at their provider.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectClaim {
    #[default]
    Sub,
    /// Entra ID's object id: stable across applications, unlike `sub`.
    Oid,
    Email,
}

impl SubjectClaim {
    fn name(self) -> &'static str {
        match self {
            Self::Sub => "sub",
            Self::Oid => "oid",
            Self::Email => "email",
        }
    }
}

/// What a professional created on first sign-in is.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provisioning {
    /// The organisation's default role codes (`professional`).
    pub roles: Vec<String>,
    /// A title code (`other` unless the provider's people share one).
    pub title: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IssuerConfigError {
    #[error("the trusted-issuers file: {0}")]
    File(String),
    #[error("issuer {name}: {problem}")]
    Issuer { name: String, problem: String },
}

fn problem(settings: &IssuerSettings, problem: impl Into<String>) -> IssuerConfigError {
    IssuerConfigError::Issuer {
        name: settings.name.clone(),
        problem: problem.into(),
    }
}

/// A key an issuer publishes, and the one algorithm it verifies.
#[derive(Clone)]
struct PublishedKey {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

enum KeySource {
    Url(url::Url),
    File(PathBuf),
}

/// A trusted issuer with its keys.
pub struct TrustedIssuer {
    pub settings: IssuerSettings,
    /// Parsed from `create_professionals`.
    provisioning: Option<(BTreeSet<Role>, ProfessionalTitle)>,
    source: KeySource,
    keys: RwLock<Arc<Vec<PublishedKey>>>,
    /// Moves at every fetch: a request that waited for another's fetch
    /// does not fetch again.
    generation: AtomicU64,
    fetching: tokio::sync::Mutex<()>,
    fetches: DefaultDirectRateLimiter,
    http: reqwest::Client,
    /// The professional each person was last found to be, and when.
    subjects: quick_cache::sync::Cache<Uuid, (Uuid, Instant)>,
}

impl std::fmt::Debug for TrustedIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustedIssuer")
            .field("name", &self.settings.name)
            .field("issuer", &self.settings.issuer)
            .finish_non_exhaustive()
    }
}

/// A person a trusted issuer vouches for, as its token says.
#[derive(Debug, Clone)]
pub struct Person {
    pub issuer: Arc<TrustedIssuer>,
    pub subject: String,
    pub claims: Map<String, Value>,
}

impl Person {
    /// A stable id for what is kept per caller (idempotency keys, cursors)
    /// before the person is mapped to a professional.
    pub fn key(&self) -> Uuid {
        person_key(&self.issuer.settings.issuer, &self.subject)
    }

    fn text(&self, claim: &str) -> Option<String> {
        self.claims
            .get(claim)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    /// The roles the token grants, when its issuer has a `roles_claim`:
    /// the codes it lists (an array, or a space-separated string), unknown
    /// ones left out; none when the claim is missing.
    pub fn granted_roles(&self) -> Option<BTreeSet<Role>> {
        let claim = self.issuer.settings.roles_claim.as_deref()?;
        let codes: Vec<&str> = match self.claims.get(claim) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(text)) => text.split_whitespace().collect(),
            _ => Vec::new(),
        };
        Some(codes.into_iter().filter_map(Role::from_code).collect())
    }

    /// The professional to create on first sign-in, when the issuer does
    /// so: names from `given_name` and `family_name` (or `name`), the email
    /// if given, the configured roles and title.
    pub fn new_professional(&self) -> Option<ApiResult<ProfessionalFields>> {
        let (roles, title) = self.issuer.provisioning.clone()?;
        let names = match (self.text("given_name"), self.text("family_name")) {
            (Some(first), Some(last)) => Some((first, last)),
            _ => self.text("name").and_then(|name| {
                name.rsplit_once(' ')
                    .map(|(first, last)| (first.trim().to_owned(), last.trim().to_owned()))
            }),
        };
        let Some((first_name, last_name)) = names else {
            return Some(Err(ApiError::unauthorized(
                "the token names no person (given_name and family_name, or name)",
            )));
        };
        let email = self
            .text("email")
            .or_else(|| self.text("preferred_username"))
            .filter(|e| e.contains('@'));
        Some(Ok(ProfessionalFields {
            first_name,
            last_name,
            title,
            email,
            phone: None,
            roles,
        }))
    }
}

impl TrustedIssuer {
    fn new(settings: IssuerSettings, http: reqwest::Client) -> Result<Self, IssuerConfigError> {
        if !crate::inputs::valid_system(&settings.name) {
            return Err(problem(
                &settings,
                "name: lower-case letters, digits, '.', '_' and '-', at most 64",
            ));
        }
        if settings.audience.trim().is_empty() {
            return Err(problem(&settings, "audience is empty"));
        }
        let source = match (&settings.jwks_uri, &settings.jwks_file) {
            (Some(uri), None) => KeySource::Url(key_url(uri).map_err(|p| problem(&settings, p))?),
            (None, Some(path)) => KeySource::File(path.clone()),
            _ => return Err(problem(&settings, "give one of jwks_uri and jwks_file")),
        };
        let provisioning = settings
            .create_professionals
            .as_ref()
            .map(|p| {
                let roles = p
                    .roles
                    .iter()
                    .map(|code| {
                        Role::from_code(code).ok_or_else(|| {
                            problem(&settings, format!("unknown role {code} to create with"))
                        })
                    })
                    .collect::<Result<BTreeSet<_>, _>>()?;
                let title = ProfessionalTitle::from_code(&p.title)
                    .ok_or_else(|| problem(&settings, format!("unknown title {}", p.title)))?;
                Ok::<_, IssuerConfigError>((roles, title))
            })
            .transpose()?;
        let issuer = Self {
            provisioning,
            source,
            keys: RwLock::default(),
            generation: AtomicU64::new(0),
            fetching: tokio::sync::Mutex::new(()),
            fetches: RateLimiter::direct(Quota::per_minute(
                NonZeroU32::new(KEY_FETCHES_PER_MINUTE).unwrap_or(NonZeroU32::MIN),
            )),
            http,
            subjects: quick_cache::sync::Cache::new(10_000),
            settings,
        };
        // A key file is read at start: a wrong one stops the start.
        if let KeySource::File(path) = &issuer.source {
            let keys = read_key_file(path).map_err(|p| problem(&issuer.settings, p))?;
            issuer.replace_keys(keys);
        }
        Ok(issuer)
    }

    fn replace_keys(&self, keys: Vec<PublishedKey>) {
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The key that verifies a token with this header: the one with its
    /// `kid` and algorithm, or the only key of its algorithm when it names
    /// no `kid`.
    fn key_for(&self, header: &Header) -> Option<DecodingKey> {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut fitting = keys.iter().filter(|k| k.algorithm == header.alg);
        match &header.kid {
            Some(kid) => fitting
                .find(|k| k.kid.as_deref() == Some(kid))
                .map(|k| k.key.clone()),
            None => match (fitting.next(), fitting.next()) {
                (Some(only), None) => Some(only.key.clone()),
                _ => None,
            },
        }
    }

    /// Fetches the keys again, unless another request just did or the
    /// bound is spent. Fails only when no key could ever be had.
    async fn refresh(&self) -> ApiResult<()> {
        let seen = self.generation.load(Ordering::SeqCst);
        let _one_at_a_time = self.fetching.lock().await;
        if self.generation.load(Ordering::SeqCst) != seen || self.fetches.check().is_err() {
            return Ok(());
        }
        let fetched = match &self.source {
            KeySource::Url(url) => self.fetch(url.clone()).await,
            KeySource::File(path) => read_key_file(path),
        };
        match fetched {
            Ok(keys) => {
                self.replace_keys(keys);
                Ok(())
            }
            Err(error) => {
                tracing::warn!(issuer = %self.settings.name, %error, "cannot fetch the issuer's keys");
                let none_yet = self
                    .keys
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .is_empty();
                if none_yet {
                    Err(ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "unavailable",
                        "Service unavailable",
                        "the identity provider's keys cannot be fetched; try again shortly",
                    ))
                } else {
                    Ok(())
                }
            }
        }
    }

    async fn fetch(&self, url: url::Url) -> Result<Vec<PublishedKey>, String> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| e.to_string())?;
        let set: JwkSet = response.json().await.map_err(|e| e.to_string())?;
        Ok(published(&set))
    }

    /// Verifies `token` (whose `iss` names this issuer): algorithm, key,
    /// signature, `iss`, `aud`, `exp`, `nbf`; returns its claims.
    pub async fn verify(&self, token: &str, header: &Header) -> ApiResult<Map<String, Value>> {
        if !matches!(
            header.alg,
            Algorithm::RS256 | Algorithm::ES256 | Algorithm::EdDSA
        ) {
            return Err(ApiError::unauthorized(
                "the token's algorithm is not accepted (RS256, ES256 or EdDSA)",
            ));
        }
        let key = if let Some(key) = self.key_for(header) {
            key
        } else {
            self.refresh().await?;
            self.key_for(header).ok_or_else(|| {
                ApiError::unauthorized("the token's key (kid) is not one its issuer publishes")
            })?
        };
        let mut validation = Validation::new(header.alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| crate::auth::rejection(&e))
    }

    /// The professional `person` was last found to be, if within a minute.
    pub fn known(&self, person: &Person) -> Option<Uuid> {
        self.subjects
            .get(&person.key())
            .filter(|(_, at)| at.elapsed() < SUBJECT_KEPT_FOR)
            .map(|(id, _)| id)
    }

    pub fn remember(&self, person: &Person, professional: Uuid) {
        self.subjects
            .insert(person.key(), (professional, Instant::now()));
    }

    /// Forgets the professional `subject` was found to be (on unlinking in
    /// this process; other processes within `SUBJECT_KEPT_FOR`).
    pub fn forget(&self, subject: &str) {
        self.subjects
            .remove(&person_key(&self.settings.issuer, subject));
    }

    /// The person the verified `claims` name.
    pub fn person(self: &Arc<Self>, claims: Map<String, Value>) -> ApiResult<Person> {
        let claim = self.settings.subject_claim.name();
        let subject = claims
            .get(claim)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::unauthorized(format!("the token lacks the {claim} claim")))?;
        Ok(Person {
            issuer: self.clone(),
            subject: subject.to_owned(),
            claims,
        })
    }
}

fn person_key(issuer: &str, subject: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("{issuer}\n{subject}").as_bytes(),
    )
}

/// https, or http to this machine (a test's provider).
fn key_url(uri: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(uri).map_err(|e| format!("jwks_uri: {e}"))?;
    let local = matches!(url.host(), Some(url::Host::Domain("localhost")))
        || matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || matches!(url.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback());
    match url.scheme() {
        "https" => Ok(url),
        "http" if local => Ok(url),
        _ => Err("jwks_uri must be https".to_owned()),
    }
}

fn read_key_file(path: &PathBuf) -> Result<Vec<PublishedKey>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let set: JwkSet =
        serde_json::from_str(&text).map_err(|e| format!("{}: not a JWKS: {e}", path.display()))?;
    Ok(published(&set))
}

/// The signing keys of a key set, each with the algorithm it verifies.
/// Shared-secret (`oct`) keys and encryption keys are left out: a token
/// signed with a secret is never an issuer's.
fn published(set: &JwkSet) -> Vec<PublishedKey> {
    set.keys
        .iter()
        .filter(|jwk| !matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)))
        .filter_map(|jwk| {
            let algorithm = match &jwk.algorithm {
                AlgorithmParameters::RSA(_) => Algorithm::RS256,
                AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
                    Algorithm::ES256
                }
                AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
                _ => return None,
            };
            Some(PublishedKey {
                kid: jwk.common.key_id.clone(),
                algorithm,
                key: DecodingKey::from_jwk(jwk).ok()?,
            })
        })
        .collect()
}

/// The issuers Kyky trusts, and the professionals their people map to.
pub struct TrustedIssuers {
    issuers: Vec<Arc<TrustedIssuer>>,
    /// Whether tokens signed with Kyky's own key (`KYKY_JWT_SECRET`, the
    /// demo's) are accepted beside the issuers'.
    pub accept_own_tokens: bool,
}

impl std::fmt::Debug for TrustedIssuers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.issuers).finish()
    }
}

impl TrustedIssuers {
    pub fn new(
        file: TrustedIssuersFile,
        accept_own_tokens: bool,
    ) -> Result<Self, IssuerConfigError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| IssuerConfigError::File(e.to_string()))?;
        let issuers = file
            .issuers
            .into_iter()
            .map(|settings| TrustedIssuer::new(settings, http.clone()).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        let mut seen = BTreeSet::new();
        if let Some(twice) = issuers.iter().find(|i| !seen.insert(&i.settings.issuer)) {
            return Err(IssuerConfigError::File(format!(
                "issuer {} is listed twice",
                twice.settings.issuer
            )));
        }
        Ok(Self {
            issuers,
            accept_own_tokens,
        })
    }

    pub fn read(
        path: &std::path::Path,
        accept_own_tokens: bool,
    ) -> Result<Self, IssuerConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| IssuerConfigError::File(format!("{}: {e}", path.display())))?;
        let file: TrustedIssuersFile = serde_json::from_str(&text)
            .map_err(|e| IssuerConfigError::File(format!("{}: {e}", path.display())))?;
        Self::new(file, accept_own_tokens)
    }

    pub fn find(&self, iss: &str) -> Option<&Arc<TrustedIssuer>> {
        self.issuers.iter().find(|i| i.settings.issuer == iss)
    }

    /// The issuer configured under `name`.
    pub fn named(&self, name: &str) -> Option<&Arc<TrustedIssuer>> {
        self.issuers.iter().find(|i| i.settings.name == name)
    }
}

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
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, Header, Validation};
use kyky_domain::entities::ProfessionalFields;
use kyky_domain::{CodeSet, ProfessionalTitle, Role};
use serde::Deserialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

mod keys;
use keys::KeySet;

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

/// A trusted issuer with its keys.
pub struct TrustedIssuer {
    pub settings: IssuerSettings,
    /// Parsed from `create_professionals`.
    provisioning: Option<(BTreeSet<Role>, ProfessionalTitle)>,
    keys: KeySet,
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
                format!("name: {}", crate::inputs::SYSTEM_NAME_RULE),
            ));
        }
        if settings.audience.trim().is_empty() {
            return Err(problem(&settings, "audience is empty"));
        }
        let keys = KeySet::new(
            settings.jwks_uri.as_deref(),
            settings.jwks_file.as_ref(),
            http,
        )
        .map_err(|p| problem(&settings, p))?;
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
        Ok(Self {
            provisioning,
            keys,
            subjects: quick_cache::sync::Cache::new(10_000),
            settings,
        })
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
        let key = if let Some(key) = self.keys.key_for(header) {
            key
        } else {
            self.keys.refresh(&self.settings.name).await?;
            self.keys.key_for(header).ok_or_else(|| {
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
            .map_err(|e| ApiError::rejected_token(&e))
    }

    /// The professional the person with this `Person::key` was last found
    /// to be, if within a minute.
    pub fn known(&self, person: Uuid) -> Option<Uuid> {
        self.subjects
            .get(&person)
            .filter(|(_, at)| at.elapsed() < SUBJECT_KEPT_FOR)
            .map(|(id, _)| id)
    }

    pub fn remember(&self, person: Uuid, professional: Uuid) {
        self.subjects.insert(person, (professional, Instant::now()));
    }

    /// Forgets the professional `subject` was found to be (on unlinking in
    /// this process; other processes within `SUBJECT_KEPT_FOR`).
    pub fn forget(&self, subject: &str) {
        self.subjects
            .remove(&person_key(&self.settings.issuer, subject));
    }

    /// A subject as stored and compared: an address is the same person
    /// whatever its case.
    pub fn subject(&self, claimed: &str) -> String {
        if self.settings.subject_claim == SubjectClaim::Email {
            claimed.trim().to_lowercase()
        } else {
            claimed.trim().to_owned()
        }
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
            subject: self.subject(subject),
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

//! Verifying bearer tokens: Kyky's own (HS256 with a shared secret, or
//! RS256/ES256 with one PEM key; `sub` = professional id), and, when
//! organisations' identity providers are trusted, theirs
//! (`trusted_issuers`). Which professional a token is for is decided
//! later, on the request's connection (`auth::Bearer`).

use std::collections::BTreeSet;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use kyky_domain::{CodeSet, Role};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::trusted_issuers::{Person, TrustedIssuers};

/// Shortest HS256 secret accepted: 256 bits, as RFC 7518 requires for HS256.
pub const MIN_SECRET_BYTES: usize = 32;

/// How far a token's `exp` and `nbf` may be off the clock (seconds).
const LEEWAY_SECONDS: i64 = 30;

/// How many of Kyky's own tokens a process remembers as verified.
const VERIFIED_KEPT: usize = 4_096;

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
    /// Kyky's own tokens verified lately, by their text. The same text has
    /// the same signature and claims, so a token seen again needs only its
    /// time window checked: a request spends no signature check and no
    /// claims parsing on a token it has met.
    verified: Arc<quick_cache::sync::Cache<String, Arc<VerifiedToken>>>,
}

/// An own token as verified: who it says calls, and when it is valid.
#[derive(Debug)]
struct VerifiedToken {
    principal: Principal,
    expires: i64,
    not_before: Option<i64>,
}

impl VerifiedToken {
    /// The window `verify` accepts, with the same leeway.
    fn valid_at(&self, now: i64) -> bool {
        self.expires >= now - LEEWAY_SECONDS
            && self
                .not_before
                .is_none_or(|nbf| nbf <= now + LEEWAY_SECONDS)
    }
}

fn verified_cache() -> Arc<quick_cache::sync::Cache<String, Arc<VerifiedToken>>> {
    Arc::new(quick_cache::sync::Cache::new(VERIFIED_KEPT))
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
            verified: verified_cache(),
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
            verified: verified_cache(),
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
        let now = Utc::now().timestamp();
        if let Some(known) = self.verified.get(token).filter(|known| known.valid_at(now)) {
            return Ok(known.principal.clone());
        }
        let claims = self.verify(token)?;
        let professional_id = Uuid::parse_str(&claims.sub)
            .map_err(|_| ApiError::unauthorized("the token's subject is not a professional id"))?;
        let principal = Principal::Professional {
            id: professional_id,
            roles: claims
                .roles
                .iter()
                .filter_map(|r| Role::from_str(r).ok())
                .collect(),
        };
        if let Some(expires) = claims.exp {
            let verified = VerifiedToken {
                principal: principal.clone(),
                expires,
                not_before: claims.nbf,
            };
            self.verified.insert(token.to_owned(), Arc::new(verified));
        }
        Ok(principal)
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
        validation.leeway = LEEWAY_SECONDS.unsigned_abs();
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
            .map_err(|error| ApiError::rejected_token(&error))
    }
}

/// Who a verified token says is calling.
#[derive(Debug, Clone)]
pub enum Principal {
    /// Kyky's own token: a professional id and the roles it claims.
    Professional { id: Uuid, roles: BTreeSet<Role> },
    /// A person a trusted issuer vouches for.
    Person(Person),
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a test secret of at least thirty-two bytes";

    fn token(auth: &Auth, expires: i64, not_before: Option<i64>) -> String {
        let claims = Claims {
            sub: Uuid::now_v7().to_string(),
            iat: Some(Utc::now().timestamp()),
            exp: Some(expires),
            nbf: not_before,
            roles: vec!["professional".to_owned()],
            iss: None,
            aud: None,
        };
        jsonwebtoken::encode(
            &Header::new(auth.algorithm),
            &claims,
            auth.encoding.as_ref().expect("a secret signs"),
        )
        .expect("signed")
    }

    #[test]
    fn a_token_met_again_is_accepted_from_memory_only_inside_its_window() {
        let auth = Auth::hs256(SECRET).expect("secret");
        let now = Utc::now().timestamp();
        let valid = token(&auth, now + 600, None);
        let first = auth.own_token(&valid).expect("valid");
        assert_eq!(auth.verified.len(), 1);
        let again = auth.own_token(&valid).expect("remembered");
        assert_eq!(format!("{first:?}"), format!("{again:?}"));

        // Remembered, but its time has passed: verified afresh, and refused.
        let expired = token(&auth, now - 600, None);
        let Principal::Professional { id, roles } = first else {
            panic!("an own token");
        };
        let remembered = VerifiedToken {
            principal: Principal::Professional { id, roles },
            expires: now - 600,
            not_before: None,
        };
        auth.verified.insert(expired.clone(), Arc::new(remembered));
        assert!(auth.own_token(&expired).is_err());

        // Another text (here the signature altered) is never the remembered one.
        let at = valid.len() - 5;
        let altered = if &valid[at..=at] == "A" { "B" } else { "A" };
        let forged = format!("{}{altered}{}", &valid[..at], &valid[at + 1..]);
        assert!(auth.own_token(&forged).is_err());
    }

    #[test]
    fn the_remembered_window_is_the_window_verify_accepts() {
        let at = |expires, not_before| VerifiedToken {
            principal: Principal::Professional {
                id: Uuid::nil(),
                roles: BTreeSet::new(),
            },
            expires,
            not_before,
        };
        let now = 1_000_000;
        assert!(at(now - LEEWAY_SECONDS, None).valid_at(now));
        assert!(!at(now - LEEWAY_SECONDS - 1, None).valid_at(now));
        assert!(at(now + 60, Some(now + LEEWAY_SECONDS)).valid_at(now));
        assert!(!at(now + 60, Some(now + LEEWAY_SECONDS + 1)).valid_at(now));
    }
}

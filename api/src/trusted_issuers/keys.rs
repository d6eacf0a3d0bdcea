//! The keys one issuer publishes (a JWKS at a URL or in a file): kept, and
//! fetched again when a token names a key not among them, at most a few
//! times a minute and one fetch at a time.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use actix_web::http::StatusCode;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Header};

use crate::error::{ApiError, ApiResult};

/// Fetches of one issuer's keys a minute, at most (and in a burst).
const KEY_FETCHES_PER_MINUTE: u32 = 5;

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

/// One issuer's keys.
pub(super) struct KeySet {
    source: KeySource,
    keys: RwLock<Arc<Vec<PublishedKey>>>,
    /// Moves at every fetch: a request that waited for another's fetch
    /// does not fetch again.
    generation: AtomicU64,
    fetching: tokio::sync::Mutex<()>,
    fetches: DefaultDirectRateLimiter,
    http: reqwest::Client,
}

impl KeySet {
    /// Keys at `jwks_uri` (fetched when first needed) or in `jwks_file`
    /// (read now: a wrong one stops the start).
    pub(super) fn new(
        jwks_uri: Option<&str>,
        jwks_file: Option<&PathBuf>,
        http: reqwest::Client,
    ) -> Result<Self, String> {
        let source = match (jwks_uri, jwks_file) {
            (Some(uri), None) => KeySource::Url(key_url(uri)?),
            (None, Some(path)) => KeySource::File(path.clone()),
            _ => return Err("give one of jwks_uri and jwks_file".to_owned()),
        };
        let set = Self {
            source,
            keys: RwLock::default(),
            generation: AtomicU64::new(0),
            fetching: tokio::sync::Mutex::new(()),
            fetches: RateLimiter::direct(Quota::per_minute(
                NonZeroU32::new(KEY_FETCHES_PER_MINUTE).unwrap_or(NonZeroU32::MIN),
            )),
            http,
        };
        if let KeySource::File(path) = &set.source {
            set.replace(read_key_file(path)?);
        }
        Ok(set)
    }

    fn replace(&self, keys: Vec<PublishedKey>) {
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn current(&self) -> Arc<Vec<PublishedKey>> {
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The key that verifies a token with this header: the one with its
    /// `kid` and algorithm, or the only key of its algorithm when it names
    /// no `kid`.
    pub(super) fn key_for(&self, header: &Header) -> Option<DecodingKey> {
        let keys = self.current();
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
    pub(super) async fn refresh(&self, issuer: &str) -> ApiResult<()> {
        let seen = self.generation.load(Ordering::SeqCst);
        let _one_at_a_time = self.fetching.lock().await;
        if self.generation.load(Ordering::SeqCst) != seen || self.fetches.check().is_err() {
            return Ok(());
        }
        let fetched = match &self.source {
            KeySource::Url(url) => self.fetch(url.clone()).await,
            KeySource::File(path) => read_key_file(path),
        };
        let outcome = if fetched.is_ok() { "fetched" } else { "failed" };
        metrics::counter!("kyky_issuer_key_fetches_total", "issuer" => issuer.to_owned(), "outcome" => outcome)
            .increment(1);
        match fetched {
            Ok(keys) => {
                self.replace(keys);
                Ok(())
            }
            Err(error) => {
                tracing::warn!(issuer, %error, "cannot fetch the issuer's keys");
                if self.current().is_empty() {
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

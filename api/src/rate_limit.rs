//! A limit per bearer token, so that one misbehaving caller cannot take all
//! of the service's capacity.
//!
//! Keyed by the token itself (a keyed hash of it), not by the subject it
//! claims: a forged token naming someone else only spends its own budget.
//! Which budget applies (professional or integration) is read from the
//! token's unverified `roles` claim; a forged claim gets the larger budget
//! and then 401 for every request. The counters live in this process: with
//! several processes the limit is per process (README says so).
//!
//! Responses carry the IETF draft `RateLimit` and `RateLimit-Policy` fields
//! (draft-ietf-httpapi-ratelimit-headers-07 syntax); a refusal is 429
//! problem+json with `Retry-After`.

use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use crate::error::ApiError;

type Limiter =
    RateLimiter<u64, DefaultKeyedStateStore<u64>, DefaultClock, StateInformationMiddleware>;

const RATE_LIMIT: HeaderName = HeaderName::from_static("ratelimit");
const RATE_LIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// Requests per minute per token; 0 turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitConfig {
    pub professional_per_minute: u32,
    pub integration_per_minute: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            professional_per_minute: 600,
            integration_per_minute: 3000,
        }
    }
}

/// The per-token limiters of one process.
pub struct RateLimits {
    professional: Option<(Limiter, u32)>,
    integration: Option<(Limiter, u32)>,
    hasher: RandomState,
    clock: DefaultClock,
    checks: AtomicU64,
}

/// Forget idle tokens every this many requests.
const FORGET_EVERY: u64 = 4096;

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

/// What the limiter decided for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// No token, or no limit for its kind.
    Unlimited,
    Allowed {
        limit: u32,
        remaining: u32,
        reset_seconds: u64,
    },
    Refused {
        limit: u32,
        retry_after_seconds: u64,
    },
}

fn limiter(per_minute: u32) -> Option<(Limiter, u32)> {
    let n = NonZeroU32::new(per_minute)?;
    Some((
        RateLimiter::keyed(Quota::per_minute(n)).with_middleware::<StateInformationMiddleware>(),
        per_minute,
    ))
}

fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

/// Whether the token claims the integration role (unverified: it only picks a budget).
fn claims_integration(token: &str) -> bool {
    let Some(payload) = token.split('.').nth(1) else {
        return false;
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|claims| {
            claims["roles"]
                .as_array()
                .map(|roles| roles.iter().any(|r| r == "integration"))
        })
        .unwrap_or(false)
}

impl RateLimits {
    pub fn new(config: RateLimitConfig) -> Self {
        Self {
            professional: limiter(config.professional_per_minute),
            integration: limiter(config.integration_per_minute),
            hasher: RandomState::new(),
            clock: DefaultClock::default(),
            checks: AtomicU64::new(0),
        }
    }

    /// Spends one request of `token`'s budget.
    pub fn check(&self, token: &str) -> Decision {
        let chosen = if claims_integration(token) {
            &self.integration
        } else {
            &self.professional
        };
        let Some((limiter, limit)) = chosen else {
            return Decision::Unlimited;
        };
        if self.checks.fetch_add(1, Ordering::Relaxed) % FORGET_EVERY == FORGET_EVERY - 1 {
            self.forget_idle();
        }
        let key = self.hasher.hash_one(token);
        match limiter.check_key(&key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let interval = snapshot.quota().replenish_interval();
                Decision::Allowed {
                    limit: *limit,
                    remaining,
                    reset_seconds: whole_seconds(interval * (*limit - remaining)),
                }
            }
            Err(not_until) => Decision::Refused {
                limit: *limit,
                retry_after_seconds: whole_seconds(not_until.wait_time_from(self.clock.now()))
                    .max(1),
            },
        }
    }

    /// Forgets tokens whose budget is whole again, so memory follows the
    /// number of recently active tokens.
    pub fn forget_idle(&self) {
        for (limiter, _) in [&self.professional, &self.integration]
            .into_iter()
            .flatten()
        {
            limiter.retain_recent();
        }
    }
}

fn insert(headers: &mut HeaderMap, name: HeaderName, value: String) {
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(name, value);
    }
}

fn bearer(request: &ServiceRequest) -> Option<String> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

/// The middleware: spends the token's budget, or answers 429.
pub async fn rate_limit(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let decision = match (
        request.app_data::<web::Data<RateLimits>>(),
        bearer(&request),
    ) {
        (Some(limits), Some(token)) => limits.check(&token),
        _ => Decision::Unlimited,
    };
    match decision {
        Decision::Unlimited => Ok(next.call(request).await?.map_into_left_body()),
        Decision::Allowed {
            limit,
            remaining,
            reset_seconds,
        } => {
            let mut response = next.call(request).await?;
            let headers = response.headers_mut();
            insert(headers, RATE_LIMIT_POLICY, format!("{limit};w=60"));
            insert(
                headers,
                RATE_LIMIT,
                format!("limit={limit}, remaining={remaining}, reset={reset_seconds}"),
            );
            Ok(response.map_into_left_body())
        }
        Decision::Refused {
            limit,
            retry_after_seconds,
        } => {
            let error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!(
                    "this token may make {limit} requests a minute; try again in {retry_after_seconds} s"
                ),
            );
            let mut response = error.error_response();
            let headers = response.headers_mut();
            insert(
                headers,
                header::RETRY_AFTER,
                retry_after_seconds.to_string(),
            );
            insert(headers, RATE_LIMIT_POLICY, format!("{limit};w=60"));
            insert(
                headers,
                RATE_LIMIT,
                format!("limit={limit}, remaining=0, reset={retry_after_seconds}"),
            );
            Ok(request.into_response(response).map_into_right_body())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(roles: &str) -> String {
        let payload = URL_SAFE_NO_PAD.encode(format!(r#"{{"sub":"x","roles":{roles}}}"#));
        format!("eyJhbGciOiJIUzI1NiJ9.{payload}.c2ln")
    }

    #[test]
    fn each_token_has_its_own_budget_and_the_refusal_says_when_to_retry() {
        let limits = RateLimits::new(RateLimitConfig {
            professional_per_minute: 2,
            integration_per_minute: 0,
        });
        let (a, b) = (
            token(r#"["professional"]"#),
            token(r#"["professional","x"]"#),
        );
        assert!(matches!(
            limits.check(&a),
            Decision::Allowed { remaining: 1, .. }
        ));
        assert!(matches!(
            limits.check(&a),
            Decision::Allowed { remaining: 0, .. }
        ));
        match limits.check(&a) {
            Decision::Refused {
                limit,
                retry_after_seconds,
            } => {
                assert_eq!(limit, 2);
                assert!((1..=30).contains(&retry_after_seconds));
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(matches!(limits.check(&b), Decision::Allowed { .. }));
        // Integrations are unlimited in this configuration.
        let integration = token(r#"["integration"]"#);
        for _ in 0..5 {
            assert_eq!(limits.check(&integration), Decision::Unlimited);
        }
    }
}

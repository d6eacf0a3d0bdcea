//! Sends webhook deliveries (Standard Webhooks 1.0) from inside `kyky serve`.
//!
//! Each tick: every subscription is given its new deliveries, due
//! deliveries are claimed in the database (with several processes on one
//! PostgreSQL each is claimed by one), sent signed, and settled by the retry
//! schedule. Time comes from the injected clock, so tests move it instead of
//! sleeping.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use kyky_domain::clock::Clock;
use kyky_domain::webhook::{self, RetrySchedule};
use kyky_persistence::Db;
use kyky_persistence::webhook_deliveries::{AttemptOutcome, DueDelivery};
use rand::Rng;
use sha2::Sha256;

use crate::views::events::EventView;

/// How the dispatcher runs.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Whether this process sends deliveries at all.
    pub dispatch: bool,
    /// How often it looks for work.
    pub tick: Duration,
    pub schedule: RetrySchedule,
    /// Allow http and loopback, private and link-local targets (development
    /// and tests only).
    pub allow_private_targets: bool,
    /// How long a target may take to answer.
    pub timeout: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            dispatch: true,
            tick: Duration::from_secs(1),
            schedule: RetrySchedule::standard(),
            allow_private_targets: false,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Deliveries claimed per tick, and events given per subscription per tick.
const BATCH: i64 = 50;

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under `secret`;
/// `None` for a secret not of that form.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// Whether a subscription may name `url`, by what it says: an https URL
/// whose host is not an address or name of a private network. (Where the
/// name leads is checked again at each delivery, `target_allowed`.)
pub fn url_allowed(url: &str, allow_private: bool) -> Result<url::Url, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return Err("must be an https URL".to_owned());
    }
    let host = parsed.host_str().ok_or("a URL without a host")?.to_owned();
    if allow_private {
        return Ok(parsed);
    }
    let addresses: Vec<IpAddr> = match host.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(address) => vec![address],
        Err(_) if host == "localhost" || host.ends_with(".localhost") => {
            vec![IpAddr::from([127, 0, 0, 1])]
        }
        Err(_) => Vec::new(),
    };
    webhook::check_target(parsed.scheme(), &addresses, false).map_err(|e| e.to_string())?;
    Ok(parsed)
}

/// A host name and the addresses it was checked on: the request goes to
/// these, not to whatever the name resolves to a moment later.
type Pinned = Option<(String, Vec<SocketAddr>)>;

/// Whether `url` may be delivered to now: `url_allowed`, and every address
/// its host resolves to is public. A name's addresses are answered, so that
/// the request is sent to them (a name that resolves again to a private
/// address in between gets nowhere).
pub async fn target_allowed(url: &str, allow_private: bool) -> Result<Pinned, String> {
    let parsed = url_allowed(url, allow_private)?;
    if allow_private
        || parsed
            .host_str()
            .is_some_and(|h| h.trim_matches(['[', ']']).parse::<IpAddr>().is_ok())
    {
        return Ok(None);
    }
    let host = parsed.host_str().ok_or("a URL without a host")?;
    let port = parsed.port_or_known_default().unwrap_or(443);
    let addresses: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|e| format!("{host} does not resolve: {e}"))?
        .collect();
    let ips: Vec<IpAddr> = addresses.iter().map(SocketAddr::ip).collect();
    webhook::check_target(parsed.scheme(), &ips, false).map_err(|e| e.to_string())?;
    Ok(Some((host.to_owned(), addresses)))
}

/// How every delivery request is made.
fn client_builder(settings: &WebhookSettings) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        // A redirect could lead anywhere, a private address too.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(settings.timeout)
        .user_agent(concat!("Kyky-Webhooks/", env!("CARGO_PKG_VERSION")))
}

pub struct Dispatcher {
    db: Db,
    clock: Arc<dyn Clock>,
    settings: WebhookSettings,
    http: reqwest::Client,
    ready: Arc<AtomicBool>,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dispatcher")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl Dispatcher {
    pub fn new(
        db: Db,
        clock: Arc<dyn Clock>,
        settings: WebhookSettings,
        ready: Arc<AtomicBool>,
    ) -> Result<Self, reqwest::Error> {
        let http = client_builder(&settings).build()?;
        Ok(Self {
            db,
            clock,
            settings,
            http,
            ready,
        })
    }

    /// Runs until the process stops. Once a minute it also deletes the
    /// idempotency keys past their 24 hours (the responses they keep hold
    /// client data): any process may, the delete is the same.
    pub async fn run(self) {
        let mut last_purge: Option<Instant> = None;
        loop {
            actix_web::rt::time::sleep(self.settings.tick).await;
            if !self.ready.load(Ordering::Acquire) {
                continue;
            }
            if let Err(error) = self.tick().await {
                tracing::warn!(%error, "webhook dispatch: will try again");
            }
            if last_purge.is_none_or(|at| at.elapsed() >= Duration::from_secs(60)) {
                last_purge = Some(Instant::now());
                let (db, now) = (self.db.clone(), self.clock.now());
                let purged = actix_web::rt::task::spawn_blocking(move || {
                    db.transaction(|conn| kyky_persistence::idempotency::purge_expired(conn, now))
                })
                .await;
                if let Ok(Err(error)) = purged {
                    tracing::warn!(%error, "idempotency keys: purge failed, will try again");
                }
            }
        }
    }

    /// One round: new deliveries, then the due ones sent and settled.
    async fn tick(&self) -> Result<(), String> {
        let (db, now) = (self.db.clone(), self.clock.now());
        // A claim outlasts the attempts it covers (sent together, each
        // within the timeout), so that no other process takes one over.
        let lease = chrono::Duration::from_std(self.settings.timeout * 3)
            .unwrap_or(chrono::Duration::minutes(1));
        let (due, pending) = actix_web::rt::task::spawn_blocking(move || {
            let active = db.fan_out_webhooks(now, BATCH)?;
            // Nothing can be due without an active subscription: no write.
            let due = if active == 0 {
                Vec::new()
            } else {
                db.claim_webhook_deliveries(now, lease, BATCH)?
            };
            let pending = db.run(kyky_persistence::webhook_deliveries::pending_count)?;
            Ok::<_, kyky_persistence::StoreError>((due, pending))
        })
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
        #[expect(clippy::cast_precision_loss, reason = "a gauge of a queue's length")]
        metrics::gauge!("kyky_webhook_deliveries_pending").set(pending as f64);
        let sent =
            futures::future::join_all(due.into_iter().map(|delivery| self.send(delivery))).await;
        for (delivery, outcome) in sent {
            let (db, schedule) = (self.db.clone(), self.settings.schedule.clone());
            let jitter: u16 = rand::rng().random_range(0..=1000);
            if !outcome.succeeded() {
                metrics::counter!("kyky_webhook_attempts_failed_total").increment(1);
            }
            actix_web::rt::task::spawn_blocking(move || {
                db.settle_webhook_delivery(&delivery, &outcome, &schedule, jitter)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// One attempt: the body, signed with every secret that signs now.
    async fn send(&self, delivery: DueDelivery) -> (DueDelivery, AttemptOutcome) {
        let at = self.clock.now();
        let started = Instant::now();
        let result = self.post(&delivery, at).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let (response_status, error) = match result {
            Ok(status) => (Some(status), None),
            Err(error) => (None, Some(error)),
        };
        let outcome = AttemptOutcome {
            at,
            response_status,
            error,
            duration_ms,
        };
        (delivery, outcome)
    }

    async fn post(
        &self,
        delivery: &DueDelivery,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<u16, String> {
        let pinned = target_allowed(&delivery.url, self.settings.allow_private_targets).await?;
        let http = match pinned {
            None => self.http.clone(),
            Some((host, addresses)) => client_builder(&self.settings)
                .resolve_to_addrs(&host, &addresses)
                .build()
                .map_err(|e| without_url(&e))?,
        };
        let kind = delivery.event.kind;
        let timestamp = delivery.event.occurred_at;
        let data = EventView::of(delivery.event.clone(), delivery.external_ids.clone())
            .ok_or("an event about no client")?;
        let body =
            serde_json::json!({"type": kind, "timestamp": timestamp, "data": data}).to_string();
        let id = delivery.id.to_string();
        let sent_at = at.timestamp();
        let signatures: Vec<String> = delivery
            .secrets
            .iter()
            .filter_map(|secret| signature(secret, &id, sent_at, &body))
            .collect();
        let response = http
            .post(&delivery.url)
            .header("content-type", "application/json")
            .header("webhook-id", &id)
            .header("webhook-timestamp", sent_at.to_string())
            .header("webhook-signature", signatures.join(" "))
            .body(body)
            .send()
            .await
            .map_err(|e| without_url(&e))?;
        Ok(response.status().as_u16())
    }
}

/// reqwest's error without the URL (it may carry a token in its query).
fn without_url(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    format!(
        "{kind}: {}",
        std::error::Error::source(error).map_or_else(String::new, ToString::to_string)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Standard Webhooks' own example: this secret, id, timestamp and body
    /// sign to this signature.
    #[test]
    fn signs_as_the_standard_webhooks_reference_does() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1_614_265_330, body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(signature("not-a-secret", "id", 1, body), None);
    }

    #[tokio::test]
    async fn private_and_loopback_targets_are_refused_unless_allowed() {
        for url in [
            "https://127.0.0.1/hooks",
            "https://localhost/hooks",
            "https://[fd00::1]/hooks",
            "http://crm.espoo.fi/hooks",
        ] {
            assert!(target_allowed(url, false).await.is_err(), "{url}");
        }
        assert_eq!(
            target_allowed("http://127.0.0.1:9/hooks", true).await,
            Ok(None)
        );
        assert!(url_allowed("ftp://crm.espoo.fi/", true).is_err());
    }

    #[test]
    fn secrets_are_new_each_time_and_of_the_standard_form() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(signature(&a, "id", 1, "{}").is_some());
    }
}

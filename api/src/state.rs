//! What every handler shares.

use crate::webhook_dispatcher::{Dispatcher, WebhookSettings};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use actix_web::web;
use kyky_domain::clock::Clock;
use kyky_persistence::fact_cache::FactCache;
use kyky_persistence::{AuditContext, ClientScope, Db, StampAt};
use uuid::Uuid;

use crate::auth::{Auth, Bearer, Caller};
use crate::cursor::{CursorKey, CursorSeal};
use crate::error::{ApiError, ApiResult};
use crate::rate_limit::{RateLimitConfig, RateLimits};

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub auth: Arc<Auth>,
    pub clock: Arc<dyn Clock>,
    /// Seals list cursors; the key is the deployment's, kept in the database.
    cursor_key: Arc<OnceLock<CursorKey>>,
    pub rate_limits: Arc<RateLimits>,
    /// Origins whose pages may call the API from a browser (CORS).
    pub cors_allowed_origins: Arc<[String]>,
    /// Whether the database's schema is this binary's: until then (the
    /// database not yet reachable at start) every request is answered 503.
    schema_ready: Arc<AtomicBool>,
    /// Whether requests are counted and timed for `/metrics`.
    pub metrics: bool,
    /// How webhooks are sent, and which targets a subscription may name.
    pub webhooks: Arc<WebhookSettings>,
    /// The access facts this process has read, with their stamps
    /// (`request_facts::current`).
    pub facts: Arc<FactCache>,
}

impl AppState {
    pub fn new(db: Db, auth: Auth, clock: Arc<dyn Clock>, rate_limits: RateLimitConfig) -> Self {
        Self {
            db,
            auth: Arc::new(auth),
            clock,
            cursor_key: Arc::default(),
            facts: Arc::default(),
            rate_limits: Arc::new(RateLimits::new(rate_limits)),
            cors_allowed_origins: Arc::new([]),
            schema_ready: Arc::new(AtomicBool::new(true)),
            metrics: false,
            webhooks: Arc::new(WebhookSettings::default()),
        }
    }

    #[must_use]
    pub fn with_webhooks(mut self, settings: WebhookSettings) -> Self {
        self.webhooks = Arc::new(settings);
        self
    }

    /// The webhook dispatcher for this process, when it dispatches: it
    /// waits, as requests do, until the schema is ready.
    pub fn dispatcher(&self) -> Option<Dispatcher> {
        if !self.webhooks.dispatch {
            return None;
        }
        Dispatcher::new(
            self.db.clone(),
            self.clock.clone(),
            (*self.webhooks).clone(),
            self.schema_ready.clone(),
        )
        .inspect_err(|error| tracing::error!(%error, "webhooks: no HTTP client"))
        .ok()
    }

    /// Counts and times every request for `/metrics`.
    #[must_use]
    pub fn with_metrics(mut self) -> Self {
        self.metrics = true;
        self
    }

    /// Serves 503 until `ready` is set (by whoever migrates at start).
    #[must_use]
    pub fn ready_when(mut self, ready: Arc<AtomicBool>) -> Self {
        self.schema_ready = ready;
        self
    }

    /// Allows browser pages on these origins to call the API.
    #[must_use]
    pub fn with_cors_allowed_origins(mut self, origins: Vec<String>) -> Self {
        self.cors_allowed_origins = origins.into();
        self
    }

    /// Seals and opens the cursors of `list` for this caller. The key is
    /// read from the database once per process (made by the first process).
    pub async fn cursors(&self, list: &'static str, bearer: &Bearer) -> ApiResult<CursorSeal> {
        let key = if let Some(key) = self.cursor_key.get() {
            *key
        } else {
            let now = self.now();
            let key = self
                .blocking(move |db| Ok(load_cursor_key(db, now)?))
                .await?;
            *self.cursor_key.get_or_init(|| key)
        };
        Ok(key.seal(list, bearer.caller_key))
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Runs blocking database work off the async workers (diesel is
    /// synchronous), in one hop on one connection (`Db::pinned`).
    pub async fn blocking<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&kyky_persistence::Db) -> ApiResult<T> + Send + 'static,
    {
        if !self.schema_ready.load(Ordering::Acquire) {
            return Err(ApiError::unavailable());
        }
        let db = self.db.clone();
        let (done, receipts) = web::block(move || db.pinned(work))
            .await
            .map_err(ApiError::from)??;
        // Nothing is answered, not even a refusal, before its access-log
        // entries are committed.
        receipts.committed().await?;
        done
    }

    /// Runs a caller's request in one blocking hop on one connection: the
    /// caller is loaded (the professional with their organisation and teams,
    /// one query), then `work` runs as them.
    pub async fn as_caller<T, F>(&self, bearer: Bearer, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&kyky_persistence::Db, &Caller) -> ApiResult<T> + Send + 'static,
    {
        let (facts, now) = (self.facts.clone(), self.now());
        self.blocking(move |db| {
            let caller = bearer.resolve(db, &facts, now)?;
            work(db, &caller)
        })
        .await
    }

    /// A read of `client` answered from the facts this process keeps, when
    /// it keeps both the caller and the client: no blocking hop and no
    /// connection of its own. `answer` makes the answer from the scope the
    /// kept facts give, with the stamps of anything else kept it used (or
    /// `None` when it needs the database). The log writer stores the read's
    /// entry only if no stamp the answer rests on has moved, and the answer
    /// waits for that. `None` sends the read the usual way: facts not kept,
    /// moved meanwhile, or not letting the caller read the client (the
    /// usual way reads them afresh and logs the refusal).
    pub async fn read_kept<T, F>(
        &self,
        bearer: &Bearer,
        client: Uuid,
        operation: &'static str,
        answer: F,
    ) -> ApiResult<Option<T>>
    where
        F: FnOnce(&Caller, ClientScope) -> Option<(T, Vec<StampAt>)>,
    {
        if !self.schema_ready.load(Ordering::Acquire) {
            return Err(ApiError::unavailable());
        }
        let Some(kept) = bearer
            .known_professional_id()
            .and_then(|professional| self.facts.kept(professional, client))
        else {
            return Ok(None);
        };
        let record = kept.caller.record.clone();
        let teams = kept.caller.teams.clone();
        // Refused as the kept record stands (deactivated, say): the usual
        // way decides on the record as it stands now.
        let Ok(caller) = bearer.clone().caller(record, teams, Some(kept.preloaded())) else {
            return Ok(None);
        };
        let ctx = caller.audit(self.now());
        let read = self
            .db
            .read_client_kept(&ctx, &kept, operation, |scope| answer(&caller, scope))?;
        let Some((value, confirmed)) = read else {
            return Ok(None);
        };
        Ok(confirmed.stored().await?.then_some(value))
    }

    /// `as_caller_view` for work that needs only the access log's context.
    pub async fn audited_view<R, V, W, F>(&self, bearer: Bearer, work: W, view: F) -> ApiResult<V>
    where
        R: Send + 'static,
        V: Send + 'static,
        W: FnOnce(&kyky_persistence::Db, &AuditContext) -> ApiResult<R> + Send + 'static,
        F: FnOnce(&mut kyky_persistence::DbConnection, R) -> kyky_persistence::StoreResult<V>
            + Send
            + 'static,
    {
        let now = self.now();
        self.as_caller_view(bearer, move |db, caller| work(db, &caller.audit(now)), view)
            .await
    }

    /// `as_caller` for a use case whose record is then turned into its view
    /// on the same connection: the shape of every "change something, answer
    /// with it" handler.
    pub async fn as_caller_view<R, V, W, F>(&self, bearer: Bearer, work: W, view: F) -> ApiResult<V>
    where
        R: Send + 'static,
        V: Send + 'static,
        W: FnOnce(&kyky_persistence::Db, &Caller) -> ApiResult<R> + Send + 'static,
        F: FnOnce(&mut kyky_persistence::DbConnection, R) -> kyky_persistence::StoreResult<V>
            + Send
            + 'static,
    {
        self.as_caller(bearer, move |db, caller| {
            let record = work(db, caller)?;
            Ok(db.run(|conn| view(conn, record))?)
        })
        .await
    }
}

/// The deployment's cursor key: stored by the first process that asks.
fn load_cursor_key(
    db: &Db,
    now: chrono::DateTime<chrono::Utc>,
) -> kyky_persistence::StoreResult<CursorKey> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let candidate: [u8; 32] = rand::random();
    let stored = db.instance_secret("cursor", &URL_SAFE_NO_PAD.encode(candidate), now)?;
    let key: [u8; 32] = URL_SAFE_NO_PAD
        .decode(stored)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or_else(|| {
            kyky_persistence::StoreError::Corrupt(
                "the stored cursor key is not 32 bytes".to_owned(),
            )
        })?;
    Ok(CursorKey::new(key))
}

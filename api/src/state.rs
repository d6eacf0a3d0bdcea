//! What every handler shares.

use std::sync::Arc;

use actix_web::web;
use kyky_domain::clock::Clock;
use kyky_persistence::Db;

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};

#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub auth: Arc<Auth>,
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// Runs blocking database work off the async workers (diesel is synchronous).
    pub async fn blocking<T, F>(&self, work: F) -> ApiResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&kyky_persistence::Db) -> ApiResult<T> + Send + 'static,
    {
        let db = self.db.clone();
        web::block(move || work(&db))
            .await
            .map_err(ApiError::from)?
    }

    /// Runs a use case off the async workers, then builds its view on a read
    /// connection: the shape of every "change something, answer with it" handler.
    pub async fn blocking_view<R, V, W, F>(&self, work: W, view: F) -> ApiResult<V>
    where
        R: Send + 'static,
        V: Send + 'static,
        W: FnOnce(&kyky_persistence::Db) -> ApiResult<R> + Send + 'static,
        F: FnOnce(&mut kyky_persistence::DbConnection, R) -> kyky_persistence::StoreResult<V>
            + Send
            + 'static,
    {
        self.blocking(move |db| {
            let record = work(db)?;
            Ok(db.run(|conn| view(conn, record))?)
        })
        .await
    }
}

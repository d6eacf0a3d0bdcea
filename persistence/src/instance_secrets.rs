//! Secrets the processes of one deployment share (e.g. the key that seals
//! list cursors). The first process to start stores its candidate; every
//! process then uses the stored one, so no setting has to be copied around.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::sql_types::Time;

use crate::convert::naive;
use crate::db::Db;
use crate::error::{StoreError, StoreResult};
use crate::schema::instance_secrets;

impl Db {
    /// The secret `name`, stored now as `candidate` if none is stored yet.
    pub fn instance_secret(
        &self,
        name: &str,
        candidate: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<String> {
        self.transaction(|conn| {
            // Both backends speak this upsert; concurrent starts keep one row.
            diesel::sql_query(
                "INSERT INTO instance_secrets (name, secret, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind::<Text, _>(name)
            .bind::<Text, _>(candidate)
            .bind::<Time, _>(naive(now))
            .execute(conn)?;
            instance_secrets::table
                .find(name)
                .select(instance_secrets::secret)
                .first::<String>(conn)
                .map_err(StoreError::from)
        })
    }
}

//! The stamps that say whether facts read earlier are still current: one
//! per client, professional and organisation, moved by trigger in the
//! transaction of any change to a row those facts come from (`fact_cache`,
//! and the log writer's check of the reads decided on kept facts).

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::schema::fact_stamps;
use crate::sql_types::{DbId, PreparedOnce};

/// A subject's stamp as some facts were read at.
pub type StampAt = (Uuid, i64);

/// Stamps as read, by subject; a subject without a row has stamp 0.
#[derive(Debug, Default)]
pub(crate) struct Stamps(HashMap<Uuid, i64>);

impl Stamps {
    pub fn of(&self, subject: Uuid) -> i64 {
        self.0.get(&subject).copied().unwrap_or(0)
    }

    pub fn add(&mut self, subject: Uuid, stamp: i64) {
        self.0.insert(subject, stamp);
    }

    /// Whether each subject's stamp is still the one `read_at` says.
    pub fn unmoved(&self, read_at: &[StampAt]) -> bool {
        read_at
            .iter()
            .all(|&(subject, stamp)| self.of(subject) == stamp)
    }

    fn of_rows(rows: Vec<(DbId, i64)>) -> Self {
        Self(rows.into_iter().map(|(s, stamp)| (s.0, stamp)).collect())
    }
}

/// The current stamps of `subjects`, in one statement.
pub(crate) fn read_current(conn: &mut DbConnection, subjects: &[Uuid]) -> StoreResult<Stamps> {
    let mut subjects: Vec<DbId> = subjects.iter().copied().map(DbId).collect();
    subjects.sort_unstable_by_key(|subject| subject.0);
    subjects.dedup();
    let rows: Vec<(DbId, i64)> = match conn {
        // `= ANY($1)`: one prepared statement for any number of subjects.
        DbConnection::Postgresql(pg) => fact_stamps::table
            .filter(fact_stamps::subject.eq_any(&subjects))
            .select((fact_stamps::subject, fact_stamps::stamp))
            .load(pg)?,
        // SQLite's `IN (?, ?, …)` would be parsed anew for every count (and
        // this runs for every batch of the access log): the subjects go as
        // one JSON array instead, and the statement is prepared once.
        DbConnection::Sqlite(lite) => {
            let listed: Vec<String> = subjects.iter().map(|s| format!("\"{}\"", s.0)).collect();
            PreparedOnce(
                diesel::sql_query(
                    "SELECT subject, stamp FROM fact_stamps \
                     WHERE subject IN (SELECT value FROM json_each(?))",
                )
                .bind::<diesel::sql_types::Text, _>(format!("[{}]", listed.join(","))),
            )
            .load::<StampRow>(lite)?
            .into_iter()
            .map(|row| (row.subject, row.stamp))
            .collect()
        }
    };
    Ok(Stamps::of_rows(rows))
}

#[derive(diesel::QueryableByName)]
struct StampRow {
    #[diesel(sql_type = crate::sql_types::Id)]
    subject: DbId,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    stamp: i64,
}

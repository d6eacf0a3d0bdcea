//! Connections: which database a URL names, the connection of either
//! backend, how a pool opens them and what it counts.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};

use crate::error::StoreError;

/// Every SQLite connection: write-ahead log so readers never block the writer,
/// enforced foreign keys, and a wait instead of an immediate SQLITE_BUSY.
/// Temporary storage in memory: the savepoints of writes committed together
/// (`sqlite_writer`) keep their pages' earlier contents there, which past
/// 64 KiB SQLite would otherwise write to a temporary file.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;";

#[derive(diesel::MultiConnection)]
#[expect(
    missing_debug_implementations,
    reason = "diesel connections do not implement Debug"
)]
pub enum DbConnection {
    Postgresql(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which database a URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    /// A file path.
    Sqlite(String),
}

impl DatabaseUrl {
    /// `postgres://…` / `postgresql://…`, or `sqlite://path`, `sqlite:path`, or a bare path.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(StoreError::Configuration(
                "the database URL must be postgres://… or sqlite://path".to_owned(),
            ));
        }
        Ok(Self::Sqlite(path.to_owned()))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgresql",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

/// Inserts every row of a slice into a table in one statement. A multi-row
/// insert is not on the `MultiConnection` enum, so each backend is named.
/// The row type must write None as NULL
/// (`#[diesel(treat_none_as_default_value = false)]`): SQLite has no DEFAULT
/// in a VALUES list, and diesel would fall back to one insert per row.
/// Evaluates to `StoreResult<()>`.
macro_rules! insert_all {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl as _;
        use $crate::connection::FEW_ROWS;
        let rows = $rows;
        match $conn {
            // No rows, no statement (an empty `VALUES` list is not SQL).
            _ if rows.is_empty() => Ok(()),
            // One row: a single-row insert, whose text is prepared once (a
            // batch's is prepared anew each time), on the backend's own
            // connection (see `on_backend!`).
            $crate::connection::DbConnection::Postgresql(pg) if rows.len() == 1 => {
                diesel::insert_into($table).values(&rows[0]).execute(pg).map(|_| ())
            }
            $crate::connection::DbConnection::Sqlite(lite) if rows.len() == 1 => {
                diesel::insert_into($table).values(&rows[0]).execute(lite).map(|_| ())
            }
            // A few rows: a text of few shapes, prepared once for each.
            $crate::connection::DbConnection::Postgresql(pg) if rows.len() <= FEW_ROWS => {
                $crate::sql_types::PreparedOnce(diesel::insert_into($table).values(rows))
                    .execute(pg)
                    .map(|_| ())
            }
            $crate::connection::DbConnection::Postgresql(pg) => diesel::insert_into($table)
                .values(rows)
                .execute(pg)
                .map(|_| ()),
            $crate::connection::DbConnection::Sqlite(lite) => {
                $crate::connection::insert_as_array!(lite, $table, rows, 2 3 4 5 6 7 8)
                    .map(|_| ())
            }
        }
        .map_err($crate::error::StoreError::from)
    }};
}
pub(crate) use insert_all;

/// `insert_all!` of a few rows on SQLite: as an array of their count, whose
/// statement diesel keeps prepared (one text per count; a batch from a
/// slice it prepares anew every time, through a wrapper of its own).
macro_rules! insert_as_array {
    ($lite:expr, $table:expr, $rows:expr, $($count:literal)*) => {
        match $rows.len() {
            $($count => diesel::insert_into($table)
                .values(<&[_; $count]>::try_from(&$rows[..]).expect("counted"))
                .execute($lite),)*
            _ => diesel::insert_into($table).values($rows).execute($lite),
        }
    };
}
pub(crate) use insert_as_array;

/// Up to how many rows `insert_all!` keeps a statement prepared for each
/// count (more, and the texts would be as many as the counts). SQLite's
/// arrays in `insert_all!` name each count up to it.
pub(crate) const FEW_ROWS: usize = 8;

/// Runs `$body` with `$c` bound to the backend's own connection. Through
/// the `MultiConnection` enum, diesel writes a query's whole SQL text on
/// every execution (to decide whether its prepared statement may be cached);
/// on the backend's connection a query of a fixed shape finds its prepared
/// statement by type. For the statements every request makes; the body is
/// compiled once per backend.
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::connection::DbConnection::Postgresql($c) => $body,
            $crate::connection::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// What a pool has asked of its database: statements run (every one a round
/// trip) and connections checked out. Benchmarks print it and tests hold
/// the line with it.
#[derive(Debug, Default)]
pub struct Traffic {
    pub(crate) statements: AtomicU64,
    pub(crate) checkouts: AtomicU64,
    /// Statements that found their connection gone: when this moves, the
    /// database may have dropped every connection the pool holds.
    pub(crate) losses: AtomicU64,
}

/// A reading of `Traffic`; subtract two to get what happened between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TrafficCount {
    pub statements: u64,
    pub checkouts: u64,
}

impl std::ops::Sub for TrafficCount {
    type Output = Self;
    fn sub(self, earlier: Self) -> Self {
        Self {
            statements: self.statements - earlier.statements,
            checkouts: self.checkouts - earlier.checkouts,
        }
    }
}

thread_local! {
    /// Set when a statement on this thread found its connection gone. A
    /// connection is used by one thread at a time and handed back to the pool
    /// on that thread, which then drops it instead of lending it out again.
    pub(crate) static CONNECTION_LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Counts every statement a connection starts, and notes a lost connection
/// (diesel's instrumentation).
fn counting(traffic: Arc<Traffic>) -> impl FnMut(InstrumentationEvent<'_>) + Send + 'static {
    use diesel::result::{DatabaseErrorKind, Error};
    move |event| match event {
        InstrumentationEvent::StartQuery { .. } => {
            traffic.statements.fetch_add(1, Ordering::Relaxed);
        }
        InstrumentationEvent::FinishQuery {
            error:
                Some(Error::DatabaseError(
                    DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                    _,
                )),
            ..
        } => {
            CONNECTION_LOST.set(true);
            traffic.losses.fetch_add(1, Ordering::Relaxed);
            metrics::counter!("kyky_db_connections_lost_total").increment(1);
        }
        _ => {}
    }
}

/// The write-ahead log's size (in pages) past which a committing SQLite
/// connection copies it back itself; below it the checkpoint thread does
/// (`checkpointer`).
pub(crate) const CHECKPOINT_BACKSTOP_PAGES: u32 = 10_000;

/// r2d2 manager that picks the backend itself: diesel's multi-connection
/// `establish` tries each backend in turn and hides the real error.
#[derive(Debug, Clone)]
pub struct Manager {
    pub(crate) url: DatabaseUrl,
    pub(crate) traffic: Arc<Traffic>,
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectionError;

    fn connect(&self) -> Result<DbConnection, ConnectionError> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.set_instrumentation(counting(self.traffic.clone()));
                Ok(DbConnection::Postgresql(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .and_then(|()| {
                        // Checkpoints are the checkpoint thread's; a commit
                        // makes one only past this backstop.
                        conn.batch_execute(&format!(
                            "PRAGMA wal_autocheckpoint = {CHECKPOINT_BACKSTOP_PAGES};"
                        ))
                    })
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                conn.set_instrumentation(counting(self.traffic.clone()));
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    /// Checked when a connection goes back to the pool. Connections in steady
    /// use are not tested on checkout (a `SELECT 1` round trip before every
    /// request; see `Db::checkout`); instead one whose statement found the
    /// server gone, or that comes back inside a transaction, is dropped here
    /// and the pool opens a new one.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        use diesel::r2d2::R2D2Connection;
        let lost = CONNECTION_LOST.replace(false);
        lost || match conn {
            DbConnection::Postgresql(pg) => pg.is_broken(),
            DbConnection::Sqlite(lite) => lite.is_broken(),
        }
    }
}

pub type PooledConnection = r2d2::PooledConnection<Manager>;

#[cfg(test)]
mod tests {
    use diesel::connection::{Connection, InstrumentationEvent, SimpleConnection};
    use diesel::prelude::*;
    use diesel::sqlite::SqliteConnection;
    use std::sync::{Arc, Mutex};

    diesel::table! {
        marks (id) {
            id -> Integer,
        }
    }

    #[derive(Insertable)]
    #[diesel(table_name = marks)]
    // As every row type `insert_all!` takes (else diesel inserts row by row).
    #[diesel(treat_none_as_default_value = false)]
    struct Mark {
        id: i32,
    }

    /// A few rows on SQLite go as an array of their count: one prepared
    /// statement per count, kept, and every row stored.
    #[test]
    fn few_sqlite_rows_are_inserted_by_a_statement_prepared_once_per_count() {
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        conn.batch_execute("CREATE TABLE marks (id INTEGER PRIMARY KEY)")
            .unwrap();
        let cached = Arc::new(Mutex::new(0));
        let seen = cached.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::CacheQuery { .. } = event {
                *seen.lock().unwrap() += 1;
            }
        });
        let mut next = 0;
        for count in [3, 3, 3, 5, 5] {
            let rows: Vec<Mark> = (0..count)
                .map(|_| {
                    next += 1;
                    Mark { id: next }
                })
                .collect();
            super::insert_as_array!(&mut conn, marks::table, &rows, 2 3 4 5 6 7 8).unwrap();
        }
        assert_eq!(
            *cached.lock().unwrap(),
            2,
            "one statement for 3 rows, one for 5"
        );
        let stored: i64 = marks::table.count().get_result(&mut conn).unwrap();
        assert_eq!(stored, 19);
    }
}

//! Connections and pools. One code path for SQLite (the embedded default) and
//! PostgreSQL (production), chosen from the URL's scheme.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use diesel::connection::{InstrumentationEvent, SimpleConnection};
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::{StoreError, StoreResult};
use crate::log_writer::LogWriter;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

/// Every SQLite connection: write-ahead log so readers never block the writer,
/// enforced foreign keys, and a wait instead of an immediate SQLITE_BUSY.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;";

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
        let rows = $rows;
        match $conn {
            $crate::db::DbConnection::Postgresql(pg) => diesel::insert_into($table)
                .values(rows)
                .execute(pg)
                .map(|_| ()),
            $crate::db::DbConnection::Sqlite(lite) => diesel::insert_into($table)
                .values(rows)
                .execute(lite)
                .map(|_| ()),
        }
        .map_err($crate::error::StoreError::from)
    }};
}
pub(crate) use insert_all;

/// What a pool has asked of its database: statements run (every one a round
/// trip) and connections checked out. Benchmarks print it and tests hold
/// the line with it.
#[derive(Debug, Default)]
pub struct Traffic {
    statements: AtomicU64,
    checkouts: AtomicU64,
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
    static CONNECTION_LOST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
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
        } => CONNECTION_LOST.set(true),
        _ => {}
    }
}

/// r2d2 manager that picks the backend itself: diesel's multi-connection
/// `establish` tries each backend in turn and hides the real error.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    traffic: Arc<Traffic>,
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

/// When a connection was last handed out.
struct LastCheckout(Instant);

/// How long a connection may lie idle and still be lent without a check.
const IDLE_BEFORE_CHECK: Duration = Duration::from_secs(2);

/// Stale connections to drop before a checkout gives up.
const MAX_STALE_CONNECTIONS: u32 = 8;

/// A connection for one piece of work: the one pinned for the whole request
/// (`Db::pinned`), or one from the pool.
pub enum Lease<'a> {
    Pool(PooledConnection),
    Pinned(MutexGuard<'a, PooledConnection>),
}

impl std::fmt::Debug for Lease<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Pool(_) => "Lease::Pool",
            Self::Pinned(_) => "Lease::Pinned",
        })
    }
}

impl std::ops::Deref for Lease<'_> {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        match self {
            Self::Pool(conn) => conn,
            Self::Pinned(conn) => conn,
        }
    }
}

impl std::ops::DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        match self {
            Self::Pool(conn) => conn,
            Self::Pinned(conn) => conn,
        }
    }
}

/// The connection a request holds from start to end.
#[derive(Clone)]
struct Pinned(Arc<Mutex<PooledConnection>>);

impl std::fmt::Debug for Pinned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pinned")
    }
}

/// The database: a pool, plus a lock that queues SQLite write transactions in
/// this process so that a transaction that reads first never fails with
/// SQLITE_BUSY when it starts to write (PostgreSQL needs no such lock).
#[derive(Clone, Debug)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    url: Arc<DatabaseUrl>,
    sqlite_writer: Arc<Mutex<()>>,
    traffic: Arc<Traffic>,
    /// Stores the access-log entries of reads in batches.
    log_writer: Arc<LogWriter>,
    /// Set inside `pinned`: every step uses this one connection.
    pinned: Option<Pinned>,
}

impl Db {
    /// Opens a pool lazily: connections are made on demand, so a server can
    /// start (and report not-ready) while its database is down. `migrate`
    /// fails fast when it cannot connect.
    pub fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let url = DatabaseUrl::parse(url)?;
        let traffic = Arc::new(Traffic::default());
        let sqlite_writer = Arc::new(Mutex::new(()));
        let manager = Manager {
            url: url.clone(),
            traffic: traffic.clone(),
        };
        let log_writer = Arc::new(LogWriter::start(
            manager.clone(),
            matches!(url, DatabaseUrl::Sqlite(_)).then(|| sqlite_writer.clone()),
        )?);
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(5))
            .build_unchecked(manager);
        Ok(Self {
            pool,
            url: Arc::new(url),
            sqlite_writer,
            traffic,
            log_writer,
            pinned: None,
        })
    }

    /// Runs `work` with one connection for everything it asks of the
    /// returned `Db`: a request's access check, log entry, work and view
    /// share one checkout. A step that asks while an outer one holds the
    /// connection gets its own from the pool rather than waiting on itself.
    pub fn pinned<T>(&self, work: impl FnOnce(&Db) -> T) -> Result<T, StoreError> {
        let conn = self.checkout()?;
        let db = Self {
            pinned: Some(Pinned(Arc::new(Mutex::new(conn)))),
            ..self.clone()
        };
        Ok(work(&db))
    }

    /// Statements run and connections checked out so far by this pool.
    pub fn traffic(&self) -> TrafficCount {
        TrafficCount {
            statements: self.traffic.statements.load(Ordering::Relaxed),
            checkouts: self.traffic.checkouts.load(Ordering::Relaxed),
        }
    }

    pub fn backend_name(&self) -> &'static str {
        self.url.backend_name()
    }

    /// A connection: the pinned one when it is free, else one from the pool.
    pub fn conn(&self) -> Result<Lease<'_>, StoreError> {
        if let Some(Pinned(pinned)) = &self.pinned {
            match pinned.try_lock() {
                Ok(guard) => return Ok(Lease::Pinned(guard)),
                Err(TryLockError::Poisoned(poisoned)) => {
                    return Ok(Lease::Pinned(poisoned.into_inner()));
                }
                Err(TryLockError::WouldBlock) => {}
            }
        }
        self.checkout().map(Lease::Pool)
    }

    fn checkout(&self) -> Result<PooledConnection, StoreError> {
        self.traffic.checkouts.fetch_add(1, Ordering::Relaxed);
        // A loss noted on this thread belongs to a connection already handed back.
        CONNECTION_LOST.set(false);
        let mut attempts = 0;
        loop {
            let mut conn = self
                .pool
                .get()
                .map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let now = Instant::now();
            let idle = PooledConnection::extensions(&conn)
                .get::<LastCheckout>()
                .is_none_or(|last| now.duration_since(last.0) > IDLE_BEFORE_CHECK);
            // A connection in steady use is trusted (its failure is noticed
            // and it is dropped); one that lay idle, or was opened ahead of
            // need and never lent, may have been closed by the server
            // meanwhile, so it answers a `SELECT 1` first.
            if idle && conn.batch_execute("SELECT 1").is_err() {
                CONNECTION_LOST.set(true);
                drop(conn);
                attempts += 1;
                if attempts < MAX_STALE_CONNECTIONS {
                    continue;
                }
                return Err(StoreError::Unavailable(
                    "the database closed its connections".to_owned(),
                ));
            }
            PooledConnection::extensions_mut(&mut conn).insert(LastCheckout(now));
            return Ok(conn);
        }
    }

    /// How many migrations this binary knows that the database has not run.
    pub fn pending_migrations(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let pending = match &mut *conn {
            DbConnection::Postgresql(pg) => {
                pg.pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len())
            }
            DbConnection::Sqlite(lite) => {
                lite.pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len())
            }
        };
        pending.map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Runs pending migrations; returns how many ran.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        let ran = match &mut *conn {
            DbConnection::Postgresql(pg) => pg
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len()),
            DbConnection::Sqlite(lite) => lite
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.len()),
        };
        ran.map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// Runs `work` without a transaction: reads only (writes go through
    /// `transaction`, which queues SQLite writers).
    pub fn run<T, E>(&self, work: impl FnOnce(&mut DbConnection) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut conn = self.conn()?;
        work(&mut conn)
    }

    /// Runs `work` in one transaction: everything it writes lands, or nothing.
    pub fn transaction<T, E>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + From<diesel::result::Error>,
    {
        let mut conn = self.conn()?;
        self.transaction_on(&mut conn, work)
    }

    /// Runs `work` in one transaction on a connection the caller holds.
    ///
    /// Every write goes through here: on SQLite, writers queue on one lock, so
    /// a transaction that read first never meets another writer's commit
    /// (which SQLite answers with an immediate SQLITE_BUSY, busy timeout or not).
    pub fn transaction_on<T, E>(
        &self,
        conn: &mut DbConnection,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + From<diesel::result::Error>,
    {
        let _queued = self.queue_sqlite_writer();
        conn.transaction(work)
    }

    fn queue_sqlite_writer(&self) -> Option<MutexGuard<'_, ()>> {
        matches!(*self.url, DatabaseUrl::Sqlite(_)).then(|| {
            self.sqlite_writer
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        })
    }

    /// Stores the access-log entries of a read with the next batch (see
    /// `log_writer`); returns once they are committed.
    pub(crate) fn log(&self, entries: Vec<crate::access_log::NewEntry>) -> StoreResult<()> {
        self.log_writer.store(entries)
    }

    /// Is the database answering?
    pub fn ping(&self) -> Result<(), StoreError> {
        self.conn()?
            .batch_execute("SELECT 1")
            .map_err(StoreError::from)
    }
}

#[cfg(test)]
mod tests {
    use diesel::sql_types::Text;
    use diesel::{QueryableByName, RunQueryDsl};

    use super::*;

    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = Text)]
        value: String,
    }

    fn pragma(conn: &mut DbConnection, name: &str, column: &str) -> String {
        diesel::sql_query(format!(
            "SELECT CAST({column} AS TEXT) AS value FROM pragma_{name}"
        ))
        .get_result::<Setting>(conn)
        .unwrap()
        .value
    }

    #[test]
    fn every_sqlite_connection_uses_wal_foreign_keys_and_a_busy_timeout() {
        let path = std::env::temp_dir().join(format!("kyky-pragma-{}.db", std::process::id()));
        let db = Db::connect(&format!("sqlite://{}", path.display()), 2).unwrap();
        let mut conn = db.conn().unwrap();
        assert_eq!(pragma(&mut conn, "journal_mode", "journal_mode"), "wal");
        assert_eq!(pragma(&mut conn, "foreign_keys", "foreign_keys"), "1");
        assert_eq!(pragma(&mut conn, "busy_timeout", "timeout"), "5000");
        drop(conn);
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn urls_choose_the_backend() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://kyky.db").unwrap(),
            DatabaseUrl::Sqlite("kyky.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:/tmp/k.db").unwrap(),
            DatabaseUrl::Sqlite("/tmp/k.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("kyky.db").unwrap(),
            DatabaseUrl::Sqlite("kyky.db".into())
        );
        assert!(matches!(
            DatabaseUrl::parse("postgres://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(matches!(
            DatabaseUrl::parse("postgresql://u@h/db").unwrap(),
            DatabaseUrl::Postgres(_)
        ));
        assert!(DatabaseUrl::parse("mysql://h/db").is_err());
        assert!(DatabaseUrl::parse("").is_err());
    }
}

//! Connections and pools. One code path for SQLite (the embedded default) and
//! PostgreSQL (production), chosen from the URL's scheme.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

use diesel::Connection;
use diesel::connection::SimpleConnection;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::checkpointer::Checkpointer;
use crate::error::{StoreError, StoreResult};
use crate::log_writer::{LogWriter, Stored};
use crate::sqlite_writer::SqliteWriter;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

use crate::connection::CONNECTION_LOST;
pub use crate::connection::{
    DatabaseUrl, DbConnection, Manager, PooledConnection, Traffic, TrafficCount,
};

/// When a connection was last handed out, and how many lost connections
/// the pool had seen by then (`Traffic::losses`).
struct LastCheckout {
    at: Instant,
    losses: u64,
}

/// How long a connection may lie idle and still be lent without a check.
const IDLE_BEFORE_CHECK: Duration = Duration::from_secs(2);

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

/// The database: a pool, plus on SQLite the writers' turn (`SqliteWriter`;
/// PostgreSQL needs none).
#[derive(Clone, Debug)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    url: Arc<DatabaseUrl>,
    sqlite_writer: Arc<SqliteWriter>,
    /// Opens the SQLite writers' connection.
    manager: Manager,
    traffic: Arc<Traffic>,
    /// Checkouts waiting for a free connection now.
    waiting: Arc<std::sync::atomic::AtomicU64>,
    /// Stores the access-log entries of reads in batches.
    log_writer: Arc<LogWriter>,
    /// On SQLite, copies the write-ahead log back off the writers' turns.
    _checkpointer: Option<Arc<Checkpointer>>,
    /// Set inside `pinned`: every step uses this one connection.
    pinned: Option<Pinned>,
    /// Set inside `pinned`: the receipts of the access-log entries handed
    /// to the writer, which the request awaits before it answers.
    receipts: Option<Arc<Mutex<Vec<Stored>>>>,
}

/// The pool as it stands: connections lent out, lying idle, and requests
/// waiting for one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    pub in_use: u32,
    pub idle: u32,
    pub waiting: u64,
    pub max_size: u32,
}

/// The access-log entries a piece of work handed to the writer: nothing may
/// be answered from that work before `committed` returns.
#[derive(Debug)]
#[must_use = "answer only once the access log holds the entries"]
pub struct LogReceipts(Vec<Stored>);

impl LogReceipts {
    /// Waits, without blocking a thread, until every entry is committed.
    pub async fn committed(self) -> StoreResult<()> {
        for stored in self.0 {
            stored.committed().await?;
        }
        Ok(())
    }
}

impl Db {
    /// Opens a pool lazily: connections are made on demand, so a server can
    /// start (and report not-ready) while its database is down. `migrate`
    /// fails fast when it cannot connect.
    pub fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let url = DatabaseUrl::parse(url)?;
        let traffic = Arc::new(Traffic::default());
        let manager = Manager {
            url: url.clone(),
            traffic: traffic.clone(),
        };
        let sqlite_writer = Arc::new(match url {
            // The write-ahead log is a mode of the file, switched to under an
            // exclusive lock: once here, before the pool opens connections
            // in the background that would meet the migrations' lock. This
            // first connection is the writers'.
            DatabaseUrl::Sqlite(_) => SqliteWriter::open(&manager)?,
            DatabaseUrl::Postgres(_) => SqliteWriter::default(),
        });
        let checkpointer = match url {
            DatabaseUrl::Sqlite(_) => Some(Arc::new(Checkpointer::start(Manager {
                url: url.clone(),
                traffic: Arc::default(),
            })?)),
            DatabaseUrl::Postgres(_) => None,
        };
        let log_writer = Arc::new(LogWriter::start(
            manager.clone(),
            matches!(url, DatabaseUrl::Sqlite(_)).then(|| sqlite_writer.clone()),
        )?);
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            .test_on_check_out(false)
            // Fail fast: with the database down a request answers 503
            // within a second instead of waiting; so does one that waited
            // that long for a free connection (back-pressure).
            .connection_timeout(Duration::from_secs(1))
            .build_unchecked(manager.clone());
        Ok(Self {
            pool,
            url: Arc::new(url),
            sqlite_writer,
            manager,
            traffic,
            waiting: Arc::default(),
            log_writer,
            _checkpointer: checkpointer,
            pinned: None,
            receipts: None,
        })
    }

    /// Runs `work` with one connection for everything it asks of the
    /// returned `Db`: a request's access check, log entry, work and view
    /// share one checkout. A step that asks while an outer one holds the
    /// connection gets its own from the pool rather than waiting on itself.
    ///
    /// The access-log entries of reads are handed to the log writer without
    /// waiting: the connection and thread are free as soon as `work` ends,
    /// and the caller awaits the receipts before it answers.
    pub fn pinned<T>(&self, work: impl FnOnce(&Db) -> T) -> Result<(T, LogReceipts), StoreError> {
        let conn = self.checkout()?;
        let receipts = Arc::new(Mutex::new(Vec::new()));
        let db = Self {
            pinned: Some(Pinned(Arc::new(Mutex::new(conn)))),
            receipts: Some(receipts.clone()),
            ..self.clone()
        };
        let done = work(&db);
        drop(db);
        let stored = std::mem::take(&mut *receipts.lock().unwrap_or_else(PoisonError::into_inner));
        Ok((done, LogReceipts(stored)))
    }

    /// Statements run and connections checked out so far by this pool.
    pub fn traffic(&self) -> TrafficCount {
        TrafficCount {
            statements: self.traffic.statements.load(Ordering::Relaxed),
            checkouts: self.traffic.checkouts.load(Ordering::Relaxed),
        }
    }

    pub fn pool_status(&self) -> PoolStatus {
        let state = self.pool.state();
        PoolStatus {
            in_use: state.connections - state.idle_connections,
            idle: state.idle_connections,
            waiting: self.waiting.load(Ordering::Relaxed),
            max_size: self.pool.max_size(),
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
        let mut stale = 0;
        loop {
            self.waiting.fetch_add(1, Ordering::Relaxed);
            let lent = self.pool.get();
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            let mut conn = lent.map_err(|e| StoreError::Unavailable(e.to_string()))?;
            let now = Instant::now();
            let losses = self.traffic.losses.load(Ordering::Relaxed);
            let unchecked = PooledConnection::extensions(&conn)
                .get::<LastCheckout>()
                .is_none_or(|last| {
                    now.duration_since(last.at) > IDLE_BEFORE_CHECK || last.losses != losses
                });
            // A connection in steady use is trusted (its failure is noticed
            // and it is dropped). One that lay idle, or was opened ahead of
            // need and never lent, may have been closed by the server
            // meanwhile; so may every one lent before another connection
            // was found gone (a restarted database drops them all, and
            // each would cost a request its 503). Those answer a
            // `SELECT 1` first.
            if unchecked && conn.batch_execute("SELECT 1").is_err() {
                CONNECTION_LOST.set(true);
                drop(conn);
                stale += 1;
                // Past as many as the pool holds, the next is a new one.
                if stale <= self.pool.max_size() {
                    continue;
                }
                return Err(StoreError::Unavailable(
                    "the database closed its connections".to_owned(),
                ));
            }
            // The count read before the check: a loss noted since then
            // has this connection checked on its next checkout.
            PooledConnection::extensions_mut(&mut conn).insert(LastCheckout { at: now, losses });
            return Ok(conn);
        }
    }

    /// How many migrations this binary knows that the database has not run.
    /// A database migrated by a newer Kyky is an error.
    pub fn pending_migrations(&self) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        refuse_newer_schema(&mut conn)?;
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

    /// Runs pending migrations; returns how many ran. A database migrated
    /// by a newer Kyky is refused.
    pub fn migrate(&self) -> Result<usize, StoreError> {
        /// The PostgreSQL advisory lock migrations hold: "kyky" in ASCII.
        const MIGRATION_LOCK: i64 = 0x6b79_6b79;
        use diesel::RunQueryDsl;
        let mut conn = self.conn()?;
        // Several processes may start at once on one database: each waits
        // for the one migrating, then finds nothing pending. (SQLite is one
        // process.)
        let postgres = matches!(*conn, DbConnection::Postgresql(_));
        if postgres {
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .execute(&mut *conn)?;
        }
        let ran = refuse_newer_schema(&mut conn).and_then(|()| run_pending(&mut conn));
        if postgres {
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
                .execute(&mut *conn)?;
        }
        ran
    }

    /// Migrates only up to and including version `last` (e.g.
    /// `20261201000018`): a migration's test keeps data made by the ones
    /// before it, then runs the rest with `migrate`.
    pub fn migrate_through(&self, last: &str) -> Result<usize, StoreError> {
        let mut conn = self.conn()?;
        run_through(&mut conn, last)
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
    /// On SQLite it runs on the writers' connection, in their turn, and may
    /// commit with the writes queued behind it (`sqlite_writer`).
    pub fn transaction<T, E>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + From<diesel::result::Error>,
    {
        if self.is_sqlite() {
            return self.sqlite_writer.write(&self.manager, work);
        }
        let mut conn = self.conn()?;
        conn.transaction(work)
    }

    /// Runs `work` in one transaction on a connection the caller holds
    /// (PostgreSQL), or on SQLite, like every write, as `transaction` does.
    pub fn transaction_on<T, E>(
        &self,
        conn: &mut DbConnection,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + From<diesel::result::Error>,
    {
        if self.is_sqlite() {
            return self.sqlite_writer.write(&self.manager, work);
        }
        conn.transaction(work)
    }

    fn is_sqlite(&self) -> bool {
        matches!(*self.url, DatabaseUrl::Sqlite(_))
    }

    /// Stores the access-log entries of a read with the next batch (see
    /// `log_writer`). Inside `pinned` it returns once they are handed over
    /// (the request awaits their receipt); elsewhere once they are committed.
    pub(crate) fn log(&self, entries: Vec<crate::access_log::NewEntry>) -> StoreResult<()> {
        let stored = self.log_writer.submit(entries)?;
        match &self.receipts {
            Some(receipts) => {
                receipts
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(stored);
                Ok(())
            }
            None => stored.wait(),
        }
    }

    /// Hands the entries of a read decided on kept facts to the log writer,
    /// to be stored only if none of the stamps `rests_on` has moved.
    pub(crate) fn log_unless_moved(
        &self,
        entries: Vec<crate::access_log::NewEntry>,
        rests_on: Vec<crate::stamps::StampAt>,
    ) -> StoreResult<crate::log_writer::Confirmed> {
        self.log_writer.submit_unless_moved(entries, rests_on)
    }

    /// Is the database answering?
    pub fn ping(&self) -> Result<(), StoreError> {
        self.conn()?
            .batch_execute("SELECT 1")
            .map_err(StoreError::from)
    }
}

/// Runs the pending migrations whose version is `last` or older.
fn run_through(conn: &mut DbConnection, last: &str) -> Result<usize, StoreError> {
    use diesel::backend::Backend;
    use diesel::migration::MigrationSource;
    fn through<DB: Backend>(
        harness: &mut impl MigrationHarness<DB>,
        source: impl MigrationSource<DB>,
        last: &str,
    ) -> diesel::migration::Result<usize> {
        let mut ran = 0;
        for migration in harness.pending_migrations(source)? {
            if migration.name().version().to_string().as_str() > last {
                break;
            }
            harness.run_migration(&*migration)?;
            ran += 1;
        }
        Ok(ran)
    }
    match conn {
        DbConnection::Postgresql(pg) => through(pg, POSTGRES_MIGRATIONS, last),
        DbConnection::Sqlite(lite) => through(lite, SQLITE_MIGRATIONS, last),
    }
    .map_err(|e| StoreError::Migration(e.to_string()))
}

fn run_pending(conn: &mut DbConnection) -> Result<usize, StoreError> {
    match conn {
        DbConnection::Postgresql(pg) => pg
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
        DbConnection::Sqlite(lite) => lite
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len()),
    }
    .map_err(|e| StoreError::Migration(e.to_string()))
}

/// Refuses a database whose schema a newer Kyky migrated: this binary would
/// misread what it does not know.
fn refuse_newer_schema(conn: &mut DbConnection) -> Result<(), StoreError> {
    use diesel::backend::Backend;
    use diesel::migration::MigrationSource;
    fn versions<DB: Backend>(
        harness: &mut impl MigrationHarness<DB>,
        source: &impl MigrationSource<DB>,
    ) -> diesel::migration::Result<(Vec<String>, Vec<String>)> {
        let known: Vec<String> = source
            .migrations()?
            .iter()
            .map(|m| m.name().version().to_string())
            .collect();
        let applied = harness
            .applied_migrations()?
            .iter()
            .map(ToString::to_string)
            .collect();
        Ok((known, applied))
    }
    let (known, applied) = match conn {
        DbConnection::Postgresql(pg) => versions(pg, &POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(lite) => versions(lite, &SQLITE_MIGRATIONS),
    }
    .map_err(|e| StoreError::Migration(e.to_string()))?;
    match applied.iter().filter(|v| !known.contains(v)).max() {
        None => Ok(()),
        Some(theirs) => Err(StoreError::Migration(format!(
            "the database was migrated by a newer Kyky: its schema is at {theirs}, this binary knows up to {}; run the newer Kyky",
            known.iter().max().map_or("none", String::as_str)
        ))),
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

    #[derive(QueryableByName)]
    struct Backstop {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        wal_autocheckpoint: i64,
    }

    #[test]
    fn every_sqlite_connection_has_the_settings_kyky_relies_on() {
        // A directory of its own, removed whole: WAL mode adds -wal and -shm files.
        let dir = std::env::temp_dir().join(format!("kyky-pragma-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.join("k.db").display()), 2).unwrap();
        let mut conn = db.conn().unwrap();
        let settings = [
            pragma(&mut conn, "journal_mode", "journal_mode"),
            pragma(&mut conn, "foreign_keys", "foreign_keys"),
            pragma(&mut conn, "busy_timeout", "timeout"),
            pragma(&mut conn, "temp_store", "temp_store"),
        ];
        let backstop = diesel::sql_query("PRAGMA wal_autocheckpoint")
            .get_result::<Backstop>(&mut *conn)
            .unwrap()
            .wal_autocheckpoint;
        drop(conn);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(settings, ["wal", "1", "5000", "2"]);
        assert_eq!(backstop, 10_000);
    }

    /// Commits leave their pages in the write-ahead log (far below the
    /// backstop); the checkpoint thread copies them into the database file
    /// within moments, on no request's time.
    #[test]
    fn the_checkpoint_thread_copies_the_log_into_the_database_file() {
        let dir = std::env::temp_dir().join(format!("kyky-checkpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("k.db");
        let db = Db::connect(&format!("sqlite://{}", file.display()), 2).unwrap();
        let before = std::fs::metadata(&file).unwrap().len();
        db.transaction(|conn| {
            conn.batch_execute(
                "CREATE TABLE scratch (body BLOB); \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) \
                 INSERT INTO scratch SELECT zeroblob(2000) FROM n;",
            )
            .map_err(StoreError::from)
        })
        .unwrap();
        let grown = (0..40).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            std::fs::metadata(&file).unwrap().len() > before + 200 * 2000
        });
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(grown, "the database file did not take the log's pages");
    }

    /// Every SQLite write runs on the writer's one connection, whichever
    /// pooled connection the caller holds: a temporary table, which only the
    /// connection that made it sees, made in one write is there in the next.
    #[test]
    fn sqlite_writes_run_on_the_writers_one_connection() {
        let dir = std::env::temp_dir().join(format!("kyky-writer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.join("k.db").display()), 3).unwrap();
        let write = |sql: &'static str| {
            move |conn: &mut DbConnection| conn.batch_execute(sql).map_err(StoreError::from)
        };
        db.transaction(write("CREATE TEMP TABLE mine (n INTEGER)"))
            .unwrap();
        let mut held = db.conn().unwrap();
        let again = db.transaction(write("INSERT INTO temp.mine VALUES (1)"));
        let on_held = db.transaction_on(&mut held, write("INSERT INTO temp.mine VALUES (2)"));
        let pooled_sees_it = held.batch_execute("SELECT n FROM temp.mine").is_ok();
        drop(held);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(again.is_ok() && on_held.is_ok(), "{again:?} {on_held:?}");
        assert!(!pooled_sees_it, "a pooled connection made the table");
    }

    /// Built with SQLite's query planner stability guarantee
    /// (`.cargo/config.toml`); and a statement naming a written code still
    /// finds the partial index of that code.
    #[test]
    fn sqlite_plans_do_not_depend_on_bound_values_and_written_codes_find_partial_indexes() {
        use crate::schema::{follow_ups, handovers};
        use crate::sql_types::{DbId, among, written};
        use diesel::prelude::*;
        use kyky_domain::follow_up::FollowUpStatus;
        use kyky_domain::handover::HandoverStatus;

        #[derive(QueryableByName)]
        struct Plan {
            #[diesel(sql_type = Text)]
            detail: String,
        }
        let dir = std::env::temp_dir().join(format!("kyky-qpsg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::connect(&format!("sqlite://{}", dir.join("k.db").display()), 2).unwrap();
        db.migrate().unwrap();
        let mut conn = db.conn().unwrap();
        let options: Vec<Setting> =
            diesel::sql_query("SELECT compile_options AS value FROM pragma_compile_options")
                .load(&mut *conn)
                .unwrap();
        // The plan of a statement as SQLite makes it before any value is bound.
        let mut plan_of = |query: String, bound: &str| {
            let statement = query.split(" -- ").next().unwrap().replace('?', bound);
            let plan: Vec<Plan> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {statement}"))
                .load(&mut *conn)
                .unwrap();
            (
                statement,
                plan.into_iter().map(|p| p.detail).collect::<Vec<_>>(),
            )
        };
        let pending = handovers::table
            .filter(handovers::client_id.eq(DbId(uuid::Uuid::nil())))
            .filter(handovers::status.eq(written(HandoverStatus::Pending)))
            .select(handovers::id);
        let pending = plan_of(
            diesel::debug_query::<diesel::sqlite::Sqlite, _>(&pending).to_string(),
            "''",
        );
        // `among` writes the ids as one JSON array: the index on the column
        // still serves (and the partial one of the written code).
        let open = follow_ups::table
            .filter(among(follow_ups::client_id, [uuid::Uuid::nil()]))
            .filter(follow_ups::status.eq(written(FollowUpStatus::Open)))
            .select(follow_ups::id);
        let open = plan_of(
            diesel::debug_query::<diesel::sqlite::Sqlite, _>(&open).to_string(),
            "'[\"00000000-0000-0000-0000-000000000000\"]'",
        );
        drop(conn);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            options.iter().any(|o| o.value == "ENABLE_QPSG"),
            "SQLite is built without ENABLE_QPSG"
        );
        for ((statement, plan), index) in [
            (pending, "handovers_one_pending_key"),
            (open, "follow_ups_open_idx"),
        ] {
            assert!(
                plan.iter()
                    .any(|detail| detail.starts_with("SEARCH") && detail.contains(index)),
                "{statement}: {plan:?}"
            );
        }
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

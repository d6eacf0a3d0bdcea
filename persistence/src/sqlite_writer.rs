//! SQLite's writers in this process: one turn, one connection, and writes
//! committed together when they queue.
//!
//! SQLite takes one writer at a time, so this process's writers queue for a
//! turn (a transaction that reads first then never meets another writer's
//! commit, which SQLite answers with SQLITE_BUSY, busy timeout or not), and
//! every write runs on the turn's one connection, whose page cache survives
//! between writes (SQLite drops a connection's cache whenever another
//! connection has committed; a write on whichever pooled connection was free
//! read a fifth of its pages again, inside the turn).
//!
//! Group commit: a write whose work is done while others wait for the turn
//! leaves its transaction open for them, and the last of them, or the one
//! that makes the batch full, commits it for all. Each joins under a
//! savepoint, so a write whose work fails takes back only its own changes.
//! Nobody returns before the batch holding their write is committed, and a
//! batch whose commit fails fails for every write in it: nothing is answered
//! that is not stored. A commit costs the same for one write or eight, and
//! the pages the writes share (the tables' and indexes' newest leaves) go to
//! the write-ahead log once.
//!
//! The log writer takes the same turn on a connection of its own (see
//! `stamps`); it commits an open batch before its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::Duration;

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use r2d2::ManageConnection;

use crate::connection::{CONNECTION_LOST, DbConnection, Manager};
use crate::error::StoreError;

type Transactions = <DbConnection as Connection>::TransactionManager;

/// Writes one commit may hold: the first of them waits for the others' work.
const MOST_IN_A_BATCH: usize = 8;

/// How long a write waits for its batch's commit before it looks whether the
/// turn lies free with the batch still open (its holder panicked).
const LOOK_AFTER: Duration = Duration::from_millis(200);

#[derive(Default)]
pub(crate) struct SqliteWriter {
    turn: Mutex<Turn>,
    /// Threads waiting for the turn.
    queued: AtomicUsize,
    settled: Mutex<Settled>,
    settled_now: Condvar,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteWriter")
    }
}

/// Held by whoever writes now.
#[derive(Default)]
pub(crate) struct Turn {
    /// The writers' connection: opened at the first write, dropped if it breaks.
    conn: Option<DbConnection>,
    /// Writes done and not yet committed, on `conn`.
    open: Option<Batch>,
    /// Batches begun so far: each one's number.
    batches: u64,
}

struct Batch {
    number: u64,
    writes: usize,
}

/// What became of the batches.
#[derive(Default)]
struct Settled {
    /// Every batch up to this number is committed or failed.
    through: u64,
    /// Failed batches: how many of their writes are yet to hear it, and why.
    failed: HashMap<u64, (usize, StoreError)>,
}

impl SqliteWriter {
    /// The writers' turn, its connection opened now.
    pub(crate) fn open(manager: &Manager) -> Result<Self, StoreError> {
        let writer = Self::default();
        writer
            .turn
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .conn = Some(connect(manager)?);
        Ok(writer)
    }

    /// Waits for the turn with no batch open: the log writer's, which
    /// commits on a connection of its own.
    pub(crate) fn turn(&self) -> MutexGuard<'_, Turn> {
        let mut turn = self.wait_for_turn();
        self.commit_open(&mut turn, 0);
        turn
    }

    fn wait_for_turn(&self) -> MutexGuard<'_, Turn> {
        self.queued.fetch_add(1, Ordering::SeqCst);
        let taken = self.turn.lock();
        self.queued.fetch_sub(1, Ordering::SeqCst);
        taken.unwrap_or_else(|poisoned| self.recovered(poisoned.into_inner()))
    }

    /// The turn a write panicked in: its connection may be mid-transaction,
    /// so the open batch fails and the connection goes.
    fn recovered<'a>(&self, mut turn: MutexGuard<'a, Turn>) -> MutexGuard<'a, Turn> {
        self.turn.clear_poison();
        if let Some(batch) = turn.open.take() {
            let why = StoreError::Unavailable("a write failed".into());
            self.settle(batch.number, batch.writes, Some(&why));
        }
        turn.conn = None;
        turn
    }

    /// Runs `work` in a transaction in the turn, committed alone or with the
    /// writes that queue behind it; returns once it is committed.
    pub(crate) fn write<T, E>(
        &self,
        manager: &Manager,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
    ) -> Result<T, E>
    where
        E: From<StoreError> + From<diesel::result::Error>,
    {
        let mut turn = self.wait_for_turn();
        let Turn {
            conn: slot,
            open,
            batches,
        } = &mut *turn;
        let conn = if let Some(conn) = slot {
            conn
        } else {
            slot.insert(connect(manager)?)
        };
        // A loss noted on this thread belongs to an earlier connection.
        CONNECTION_LOST.set(false);
        let result = match open {
            // The first write of a batch is its transaction: no savepoint.
            None => {
                Transactions::begin_transaction(conn)?;
                let done = work(conn);
                if done.is_ok() {
                    *batches += 1;
                    *open = Some(Batch {
                        number: *batches,
                        writes: 1,
                    });
                } else if Transactions::rollback_transaction(conn).is_err() {
                    CONNECTION_LOST.set(true);
                }
                done
            }
            Some(batch) => {
                let done = conn.transaction(work);
                batch.writes += usize::from(done.is_ok());
                done
            }
        };
        let mine = usize::from(result.is_ok());
        if unusable(conn) {
            *slot = None;
            if let Some(batch) = open.take() {
                let why = StoreError::Unavailable("the database connection broke".into());
                self.settle(batch.number, batch.writes - mine, Some(&why));
                return result.and_then(|_| Err(why.into()));
            }
            return result;
        }
        let Some(batch) = open else {
            return result;
        };
        let number = batch.number;
        if batch.writes < MOST_IN_A_BATCH && self.queued.load(Ordering::SeqCst) > 0 {
            // Whoever is next commits this batch, with their write or without.
            drop(turn);
            return match result {
                Ok(value) => self.committed(number).map(|()| value).map_err(E::from),
                Err(error) => Err(error),
            };
        }
        let failure = self.commit_open(&mut turn, mine);
        drop(turn);
        match (result, failure) {
            (Ok(_), Some(why)) => Err(why.into()),
            (result, _) => result,
        }
    }

    /// Commits the open batch, if any, and tells its writes, `own` of which
    /// are the caller's (who hears it here); the reason when it failed.
    fn commit_open(&self, turn: &mut Turn, own: usize) -> Option<StoreError> {
        let batch = turn.open.take()?;
        // Every path that drops the connection settles its batch first;
        // should one not, its writes still hear of it rather than wait.
        let failure = match turn.conn.as_mut() {
            Some(conn) => Transactions::commit_transaction(conn)
                .err()
                .map(StoreError::from),
            None => Some(StoreError::Unavailable(
                "the database connection broke".into(),
            )),
        };
        if failure.is_some() {
            // Whatever state the failed commit left, a new connection starts clean.
            turn.conn = None;
        }
        self.settle(batch.number, batch.writes - own, failure.as_ref());
        failure
    }

    fn settle(&self, number: u64, waiting: usize, failure: Option<&StoreError>) {
        let mut settled = self.settled.lock().unwrap_or_else(PoisonError::into_inner);
        settled.through = settled.through.max(number);
        if let Some(why) = failure.filter(|_| waiting > 0) {
            settled.failed.insert(number, (waiting, told(why)));
        }
        drop(settled);
        self.settled_now.notify_all();
    }

    /// Waits until batch `number` is settled: `Ok` once committed.
    fn committed(&self, number: u64) -> Result<(), StoreError> {
        let mut settled = self.settled.lock().unwrap_or_else(PoisonError::into_inner);
        while settled.through < number {
            let (now, waited) = self
                .settled_now
                .wait_timeout(settled, LOOK_AFTER)
                .unwrap_or_else(PoisonError::into_inner);
            settled = now;
            if waited.timed_out() && settled.through < number {
                // Nobody came for the turn: commit the batch here.
                drop(settled);
                match self.turn.try_lock() {
                    Ok(mut turn) => {
                        self.commit_open(&mut turn, 0);
                    }
                    Err(TryLockError::Poisoned(poisoned)) => {
                        drop(self.recovered(poisoned.into_inner()));
                    }
                    Err(TryLockError::WouldBlock) => {}
                }
                settled = self.settled.lock().unwrap_or_else(PoisonError::into_inner);
            }
        }
        let Some((waiting, why)) = settled.failed.get_mut(&number) else {
            return Ok(());
        };
        let why = told(why);
        *waiting -= 1;
        if *waiting == 0 {
            settled.failed.remove(&number);
        }
        Err(why)
    }
}

fn connect(manager: &Manager) -> Result<DbConnection, StoreError> {
    manager
        .connect()
        .map_err(|e| StoreError::Unavailable(format!("cannot open the database: {e}")))
}

/// Whether the writers' connection must go: a statement found it lost, or
/// its transactions are in a state diesel gave up on. (An open transaction
/// is the batch, not a fault.)
fn unusable(conn: &mut DbConnection) -> bool {
    let lost = CONNECTION_LOST.replace(false);
    lost || match conn {
        DbConnection::Sqlite(lite) => AnsiTransactionManager::transaction_manager_status_mut(lite)
            .transaction_depth()
            .is_err(),
        DbConnection::Postgresql(_) => false,
    }
}

/// A batch's failure as each of its writes is told it: a database that
/// cannot write says so; anything else is the database being unavailable.
fn told(failure: &StoreError) -> StoreError {
    match failure {
        StoreError::StorageFailed(why) => StoreError::StorageFailed(why.clone()),
        other => StoreError::Unavailable(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, mpsc};

    use diesel::connection::SimpleConnection;
    use diesel::sql_types::BigInt;
    use diesel::{QueryableByName, RunQueryDsl};

    use super::*;
    use crate::connection::DatabaseUrl;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn marked(conn: &mut DbConnection, n: i64) -> bool {
        diesel::sql_query(format!("SELECT count(*) AS n FROM marks WHERE n = {n}"))
            .get_result::<Count>(conn)
            .unwrap()
            .n
            == 1
    }

    /// A writer on a new file with a table `marks`, and its directory.
    fn new_writer(name: &str) -> (std::path::PathBuf, Manager, Arc<SqliteWriter>) {
        let dir = std::env::temp_dir().join(format!("kyky-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("k.db").display());
        let manager = Manager {
            url: DatabaseUrl::parse(&url).unwrap(),
            traffic: Arc::default(),
        };
        let writer = Arc::new(SqliteWriter::open(&manager).unwrap());
        writer
            .write(&manager, |conn| {
                conn.batch_execute("CREATE TABLE marks (n INTEGER)")
                    .map_err(StoreError::from)
            })
            .unwrap();
        (dir, manager, writer)
    }

    /// A write that panics in its turn stores nothing, and the next one
    /// finds the turn and a connection in order.
    #[test]
    fn a_write_that_panics_leaves_the_writer_in_order() {
        let (dir, manager, writer) = new_writer("panic");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            writer.write(&manager, |conn| -> Result<(), StoreError> {
                conn.batch_execute("INSERT INTO marks VALUES (1)")?;
                panic!("a bug in a write");
            })
        }));
        let next = writer.write(&manager, |conn| {
            conn.batch_execute("INSERT INTO marks VALUES (2)")
                .map_err(StoreError::from)
        });
        let mut other = manager.connect().unwrap();
        let stored = (marked(&mut other, 1), marked(&mut other, 2));
        drop((other, writer));
        let _ = std::fs::remove_dir_all(&dir);
        assert!(panicked.is_err());
        assert!(next.is_ok(), "{next:?}");
        assert_eq!(stored, (false, true));
    }

    /// Writes that queue behind one commit with it, and each returns only
    /// once its write is visible to other connections; one whose work fails
    /// takes back its own changes and no one else's.
    #[test]
    fn queued_writes_commit_together_and_a_failed_one_takes_back_only_its_own() {
        const FAILING: i64 = 3;
        let (dir, manager, writer) = new_writer("group");
        let before = writer.turn().batches;

        let (working, first_is_working) = mpsc::channel();
        let write = |n: i64, working: Option<mpsc::Sender<()>>| {
            let (writer, manager) = (writer.clone(), manager.clone());
            std::thread::spawn(move || {
                let result = writer.write(&manager, |conn| {
                    conn.batch_execute(&format!("INSERT INTO marks VALUES ({n})"))?;
                    if let Some(working) = working {
                        // The others queue meanwhile.
                        working.send(()).unwrap();
                        std::thread::sleep(Duration::from_millis(300));
                    }
                    if n == FAILING {
                        return Err(StoreError::Corrupt("this one fails".into()));
                    }
                    Ok(())
                });
                let seen_elsewhere = marked(&mut manager.connect().unwrap(), n);
                (n, result.is_ok(), seen_elsewhere)
            })
        };
        let first = write(0, Some(working));
        first_is_working.recv().unwrap();
        let queued: Vec<_> = (1..=6).map(|n| write(n, None)).collect();
        let mut outcomes: Vec<_> = std::iter::once(first)
            .chain(queued)
            .map(|thread| thread.join().unwrap())
            .collect();
        outcomes.sort_unstable();
        let batches = writer.turn().batches - before;
        drop(writer);
        let _ = std::fs::remove_dir_all(&dir);

        for (n, ok, seen) in outcomes {
            assert_eq!(ok, n != FAILING, "write {n}");
            assert_eq!(seen, ok, "write {n} visible to others when it returned");
        }
        assert!(batches < 6, "seven writes in {batches} commits");
    }
}

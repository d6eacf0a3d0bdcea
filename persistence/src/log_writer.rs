//! Group commit of the access-log entries of reads. A read is answered only
//! once its entry is stored; storing each entry on its own would make every
//! read a write of its own (a commit, and on SQLite a turn at the one
//! writer). Instead one thread stores the entries of all reads waiting at
//! that moment in one statement, and each read waits for the commit of the
//! batch that holds its entry: nothing is answered without its entry, also
//! if the process is killed right after.
//!
//! A request does not wait for its entries on its blocking thread holding
//! its connection: inside `Db::pinned` they are only handed over, and the
//! request awaits the returned `Stored` receipts before it answers. The
//! connection goes back to the pool at once, so more requests run meanwhile
//! and their entries share a commit.
//!
//! A read decided on the facts a process keeps (`fact_cache`) hands over
//! its entry with the stamps those facts were read at: the writer reads the
//! batch's stamps in one statement before it stores the batch, stores the
//! entry only if none has moved, and tells the read which (`Confirmed`), so
//! that such a read needs no connection of its own.
//!
//! Writes keep their entries in their own transaction (`Db::write_client`).

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use futures::channel::oneshot;

use r2d2::ManageConnection;

use uuid::Uuid;

use crate::access_log::{self, NewEntry};
use crate::connection::{DbConnection, Manager};
use crate::error::{StoreError, StoreResult};
use crate::sqlite_writer::SqliteWriter;
use crate::stamps::{StampAt, StampMemory};

/// Most entries one statement stores (each entry binds 12 values).
const MOST_PER_BATCH: usize = 1000;

/// Entries waiting to be stored, and who waits for them.
struct Pending {
    entries: Vec<NewEntry>,
    /// The entries are stored only if every one of these stamps is current.
    unless_moved: Vec<StampAt>,
    /// `false` when a stamp had moved and nothing was stored.
    stored: oneshot::Sender<Result<bool, String>>,
}

/// A receipt for entries handed to the writer: resolves once they are
/// committed, or with the error that kept them from it.
#[derive(Debug)]
#[must_use = "the entries are stored only once the receipt says so"]
pub struct Stored(oneshot::Receiver<Result<bool, String>>);

impl Stored {
    /// Waits for the commit without blocking a thread.
    pub async fn committed(self) -> StoreResult<()> {
        self.outcome().await.map(|_| ())
    }

    async fn outcome(self) -> StoreResult<bool> {
        self.0
            .await
            .map_err(|_| not_written())?
            .map_err(StoreError::Unavailable)
    }

    /// Waits for the commit on this thread.
    pub fn wait(self) -> StoreResult<()> {
        futures::executor::block_on(self.committed())
    }
}

/// A receipt for entries handed over with the stamps their read was
/// decided at (`LogWriter::submit_unless_moved`).
#[derive(Debug)]
#[must_use = "the read may be answered only once the receipt confirms it"]
pub struct Confirmed(Stored);

impl Confirmed {
    /// `true` once the entries are committed; `false` when a stamp had
    /// moved, so that nothing was stored and the read must decide afresh.
    pub async fn stored(self) -> StoreResult<bool> {
        self.0.outcome().await
    }
}

fn not_written() -> StoreError {
    StoreError::Unavailable("the access log is not being written".into())
}

/// Hands entries to the writer thread and waits until they are stored.
#[derive(Debug)]
pub(crate) struct LogWriter {
    queue: Mutex<Sender<Pending>>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pending({} entries)", self.entries.len())
    }
}

impl LogWriter {
    /// Starts the writer thread; it ends when the last `Db` is dropped.
    /// `sqlite_writer` is the queue SQLite writers take turns on.
    pub(crate) fn start(
        manager: Manager,
        sqlite_writer: Option<Arc<SqliteWriter>>,
    ) -> StoreResult<Self> {
        let (queue, waiting) = mpsc::channel();
        std::thread::Builder::new()
            .name("kyky-access-log".to_owned())
            .spawn(move || write_batches(&manager, sqlite_writer.as_deref(), &waiting))
            .map_err(|e| StoreError::Configuration(format!("the access-log writer: {e}")))?;
        Ok(Self {
            queue: Mutex::new(queue),
        })
    }

    /// Hands `entries` to the next batch; the receipt resolves once they
    /// are committed.
    pub(crate) fn submit(&self, entries: Vec<NewEntry>) -> StoreResult<Stored> {
        self.hand_over(entries, Vec::new())
    }

    /// Hands `entries` to the next batch, to be stored only if each of
    /// `unless_moved`'s stamps is still current when the batch is.
    pub(crate) fn submit_unless_moved(
        &self,
        entries: Vec<NewEntry>,
        unless_moved: Vec<StampAt>,
    ) -> StoreResult<Confirmed> {
        self.hand_over(entries, unless_moved).map(Confirmed)
    }

    fn hand_over(&self, entries: Vec<NewEntry>, unless_moved: Vec<StampAt>) -> StoreResult<Stored> {
        let (stored, receipt) = oneshot::channel();
        if entries.is_empty() && unless_moved.is_empty() {
            let _ = stored.send(Ok(true));
        } else {
            self.queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .send(Pending {
                    entries,
                    unless_moved,
                    stored,
                })
                .map_err(|_| not_written())?;
        }
        Ok(Stored(receipt))
    }
}

/// The writer thread: waits for the first entry, takes every other one
/// already waiting, stores them in one statement and tells each waiter.
fn write_batches(
    manager: &Manager,
    sqlite_writer: Option<&SqliteWriter>,
    waiting: &Receiver<Pending>,
) {
    let mut link: Option<Link> = None;
    while let Ok(first) = waiting.recv() {
        // Give way to the threads that are ready to run: on a busy machine
        // they are the requests being answered, which hand over their
        // entries meanwhile and share this batch's commit; on an idle one
        // this returns at once. Measured, 16 connections on 2 cores: on
        // SQLite, whose commit is the writer's own work (its pages), twice
        // served a tenth more reads than once and a fifth more than never
        // (3.5 → 6 entries a commit for once); on PostgreSQL, where a
        // commit mostly waits for the log's flush and batches gather
        // meanwhile, once served best.
        let turns = if sqlite_writer.is_some() { 2 } else { 1 };
        for _ in 0..turns {
            std::thread::yield_now();
        }
        let mut batch = vec![first];
        let mut count = batch[0].entries.len();
        while count < MOST_PER_BATCH {
            match waiting.try_recv() {
                Ok(more) => {
                    count += more.entries.len();
                    batch.push(more);
                }
                Err(_) => break,
            }
        }
        #[expect(clippy::cast_precision_loss, reason = "a batch holds at most 1000")]
        metrics::histogram!("kyky_access_log_batch_entries").record(count as f64);
        let mut entries = Entries::default();
        for (i, pending) in batch.iter_mut().enumerate() {
            for entry in std::mem::take(&mut pending.entries) {
                entries.rows.push(entry);
                entries.owners.push(i);
            }
        }
        let mut result = store(manager, sqlite_writer, &mut link, &batch, &mut entries);
        if result.is_err() && link.take().is_some() {
            // The connection kept from an earlier batch may have been closed
            // by the server meanwhile: once more, on a fresh one. (Had the
            // insert been stored after all, the entries' ids refuse a second
            // copy.)
            result = store(manager, sqlite_writer, &mut link, &batch, &mut entries);
            if result.is_err() {
                link = None;
            }
        }
        if result.is_err() {
            metrics::counter!("kyky_access_log_batch_failures_total").increment(1);
        }
        for (i, pending) in batch.into_iter().enumerate() {
            let outcome = match &result {
                Ok(current) => Ok(current[i]),
                Err(error) => Err(error.clone()),
            };
            let _ = pending.stored.send(outcome);
        }
    }
}

/// The writer's connection, with the stamps it remembers (which stand on
/// that connection's data version, and go with it).
struct Link {
    conn: DbConnection,
    stamps: StampMemory,
}

/// A batch's entries, each with the index of the hand-over it came with.
#[derive(Default)]
struct Entries {
    rows: Vec<NewEntry>,
    owners: Vec<usize>,
}

/// Stores the entries of every hand-over in `batch` whose stamps are all
/// current (read first, in one statement, when any has stamps), and says
/// which were; `entries` keeps only those.
fn store(
    manager: &Manager,
    sqlite_writer: Option<&SqliteWriter>,
    link: &mut Option<Link>,
    batch: &[Pending],
    entries: &mut Entries,
) -> Result<Vec<bool>, String> {
    if link.is_none() {
        let conn = manager.connect().map_err(|e| e.to_string())?;
        *link = Some(Link {
            conn,
            stamps: StampMemory::default(),
        });
    }
    let Link { conn, stamps } = link.as_mut().ok_or("no connection")?;
    let subjects: Vec<Uuid> = batch
        .iter()
        .flat_map(|pending| pending.unless_moved.iter().map(|&(subject, _)| subject))
        .collect();
    let current = if subjects.is_empty() {
        vec![true; batch.len()]
    } else {
        let stamps = stamps.current(conn, &subjects).map_err(|e| e.to_string())?;
        batch
            .iter()
            .map(|pending| stamps.unmoved(&pending.unless_moved))
            .collect()
    };
    if current.contains(&false) {
        let mut owners = entries.owners.iter();
        entries
            .rows
            .retain(|_| owners.next().is_some_and(|&owner| current[owner]));
        entries.owners.retain(|&owner| current[owner]);
    }
    if !entries.rows.is_empty() {
        let _turn = sqlite_writer.map(SqliteWriter::turn);
        access_log::insert_entries(conn, &entries.rows).map_err(|e| e.to_string())?;
    }
    Ok(current)
}

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
//! Writes keep their entries in their own transaction (`Db::write_client`).

use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use futures::channel::oneshot;

use r2d2::ManageConnection;

use crate::access_log::{self, NewEntry};
use crate::connection::{DbConnection, Manager};
use crate::error::{StoreError, StoreResult};

/// Most entries one statement stores (each entry binds 12 values).
const MOST_PER_BATCH: usize = 1000;

/// Entries waiting to be stored, and who waits for them.
struct Pending {
    entries: Vec<NewEntry>,
    stored: oneshot::Sender<Result<(), String>>,
}

/// A receipt for entries handed to the writer: resolves once they are
/// committed, or with the error that kept them from it.
#[derive(Debug)]
#[must_use = "the entries are stored only once the receipt says so"]
pub struct Stored(oneshot::Receiver<Result<(), String>>);

impl Stored {
    /// Waits for the commit without blocking a thread.
    pub async fn committed(self) -> StoreResult<()> {
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
        sqlite_writer: Option<Arc<Mutex<()>>>,
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
        let (stored, receipt) = oneshot::channel();
        if entries.is_empty() {
            let _ = stored.send(Ok(()));
        } else {
            self.queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .send(Pending { entries, stored })
                .map_err(|_| not_written())?;
        }
        Ok(Stored(receipt))
    }
}

/// The writer thread: waits for the first entry, takes every other one
/// already waiting, stores them in one statement and tells each waiter.
fn write_batches(
    manager: &Manager,
    sqlite_writer: Option<&Mutex<()>>,
    waiting: &Receiver<Pending>,
) {
    let mut conn: Option<DbConnection> = None;
    while let Ok(first) = waiting.recv() {
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
        let entries: Vec<NewEntry> = batch
            .iter_mut()
            .flat_map(|pending| std::mem::take(&mut pending.entries))
            .collect();
        #[expect(clippy::cast_precision_loss, reason = "a batch holds at most 1000")]
        metrics::histogram!("kyky_access_log_batch_entries").record(entries.len() as f64);
        let mut result = store(manager, sqlite_writer, &mut conn, &entries);
        if result.is_err() && conn.take().is_some() {
            // The connection kept from an earlier batch may have been closed
            // by the server meanwhile: once more, on a fresh one. (Had the
            // insert been stored after all, the entries' ids refuse a second
            // copy.)
            result = store(manager, sqlite_writer, &mut conn, &entries);
            if result.is_err() {
                conn = None;
            }
        }
        if result.is_err() {
            metrics::counter!("kyky_access_log_batch_failures_total").increment(1);
        }
        for pending in batch {
            let _ = pending.stored.send(result.clone());
        }
    }
}

fn store(
    manager: &Manager,
    sqlite_writer: Option<&Mutex<()>>,
    conn: &mut Option<DbConnection>,
    entries: &[NewEntry],
) -> Result<(), String> {
    if conn.is_none() {
        *conn = Some(manager.connect().map_err(|e| e.to_string())?);
    }
    let conn = conn.as_mut().ok_or("no connection")?;
    let _turn = sqlite_writer.map(|queue| queue.lock().unwrap_or_else(PoisonError::into_inner));
    access_log::insert_entries(conn, entries).map_err(|e| e.to_string())
}

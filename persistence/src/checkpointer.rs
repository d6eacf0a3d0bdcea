//! SQLite copies its write-ahead log back into the database file now and
//! then (a checkpoint). By default the connection whose commit takes the log
//! past 1000 pages does it, inside its turn as the one writer: every writer
//! queued behind it waits for the copying and its `fsync`s. Here a thread
//! of its own does it every `EVERY`, `PASSIVE`ly (beside the writers, never
//! holding them up); a committing connection does it only as a backstop,
//! once the log has grown past `connection::CHECKPOINT_BACKSTOP_PAGES` (the
//! thread stopped, say).

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use r2d2::ManageConnection;

use crate::connection::{DbConnection, Manager};
use crate::error::{StoreError, StoreResult};

/// How often the log is copied back.
const EVERY: Duration = Duration::from_millis(100);

/// Runs checkpoints until the last `Db` is dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    _running: Sender<()>,
}

impl Checkpointer {
    /// `manager` opens the thread's connection: its statements are not the
    /// pool's traffic (they belong to no request).
    pub(crate) fn start(manager: Manager) -> StoreResult<Self> {
        let (running, stopped) = mpsc::channel::<()>();
        std::thread::Builder::new()
            .name("kyky-sqlite-checkpoint".to_owned())
            .spawn(move || {
                let mut conn: Option<DbConnection> = None;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    if conn.is_none() {
                        conn = manager.connect().ok();
                    }
                    if let Some(open) = conn.as_mut()
                        && open
                            .batch_execute("PRAGMA wal_checkpoint(PASSIVE)")
                            .is_err()
                    {
                        conn = None;
                    }
                }
            })
            .map_err(|e| StoreError::Configuration(format!("the checkpoint thread: {e}")))?;
        Ok(Self { _running: running })
    }
}

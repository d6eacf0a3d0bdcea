//! The access facts a process has read, kept with the stamps they were read
//! at. A stamp per client, professional and organisation moves (by trigger,
//! in the writing transaction) whenever a row the facts come from changes,
//! so a request checks the three stamps with one primary-key read and uses
//! the kept facts only when none has moved. Every request still asks the
//! database: a consent withdrawn or a professional deactivated by any
//! process counts on the very next request.
//!
//! Facts are kept with the stamps read *before* them or in the same
//! statement, never after: kept facts are then at least as new as their
//! stamps, and a change between the two reads shows as a moved stamp on the
//! next request.

use std::sync::Arc;

use quick_cache::sync::Cache;
use uuid::Uuid;

use crate::client_facts::{ClientFacts, PreloadedClient};
use crate::connection::DbConnection;
use crate::error::StoreResult;
use crate::professionals::WithOrganisation;
pub(crate) use crate::stamps::Stamps;
use crate::stamps::{self, StampAt};

/// How many callers and clients a process keeps facts of. A client's facts
/// are a few kilobytes: the bound keeps a busy process's memory flat.
const CALLERS_KEPT: usize = 2_000;
const CLIENTS_KEPT: usize = 10_000;

/// The facts of callers and clients this process has read, with their stamps.
pub struct FactCache {
    callers: Cache<Uuid, Arc<KeptCaller>>,
    clients: Cache<Uuid, Arc<KeptClient>>,
}

impl std::fmt::Debug for FactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FactCache")
            .field("callers", &self.callers.len())
            .field("clients", &self.clients.len())
            .finish()
    }
}

impl Default for FactCache {
    fn default() -> Self {
        Self {
            callers: Cache::new(CALLERS_KEPT),
            clients: Cache::new(CLIENTS_KEPT),
        }
    }
}

/// A caller as read: their record with organisation, and their teams.
#[derive(Debug)]
pub struct KeptCaller {
    pub record: WithOrganisation,
    pub teams: Vec<Uuid>,
    pub stamp: i64,
    pub organisation_stamp: i64,
}

impl KeptCaller {
    /// The stamps the record was read at: the professional's and their
    /// organisation's.
    pub fn stamps(&self) -> [StampAt; 2] {
        let professional = &self.record.professional;
        [
            (professional.id, self.stamp),
            (professional.organisation_id, self.organisation_stamp),
        ]
    }
}

#[derive(Debug)]
pub struct KeptClient {
    pub facts: Arc<ClientFacts>,
    pub stamp: i64,
}

/// A caller and a client as this process keeps them. Whether they are
/// still current only the database can say: by their stamps, in the
/// statement that checks them (`current`) or in the access log's next
/// batch (`Db::read_client_kept`).
#[derive(Debug, Clone)]
pub struct Kept {
    pub caller: Arc<KeptCaller>,
    pub client: Arc<KeptClient>,
}

impl Kept {
    /// The stamps the caller and the client were read at.
    pub fn stamps(&self) -> Vec<StampAt> {
        let mut stamps = self.caller.stamps().to_vec();
        stamps.push((self.client.facts.client.id, self.client.stamp));
        stamps
    }

    /// The client as a request that read it with its caller carries it.
    pub fn preloaded(&self) -> PreloadedClient {
        PreloadedClient {
            client_id: self.client.facts.client.id,
            facts: Some(self.client.facts.clone()),
            stamp: self.client.stamp,
        }
    }
}

impl FactCache {
    /// The caller and the client, if both are kept: as they were read, with
    /// no word on whether they are still current.
    pub fn kept(&self, professional: Uuid, client: Uuid) -> Option<Kept> {
        Some(Kept {
            caller: self.callers.get(&professional)?,
            client: self.clients.get(&client)?,
        })
    }

    /// A professional as kept when they called (not necessarily current).
    pub fn kept_caller(&self, professional: Uuid) -> Option<Arc<KeptCaller>> {
        self.callers.get(&professional)
    }

    /// The kept caller and client, if both are kept and no stamp has moved
    /// since they were read (one statement when both are kept).
    pub(crate) fn current(
        &self,
        conn: &mut DbConnection,
        professional: Uuid,
        client: Uuid,
    ) -> StoreResult<Option<Kept>> {
        let Some(kept) = self.kept(professional, client) else {
            return Ok(None);
        };
        let organisation = kept.caller.record.professional.organisation_id;
        let current = stamps::read_current(conn, &[professional, organisation, client])?;
        Ok(current.unmoved(&kept.stamps()).then_some(kept))
    }

    /// Keeps what was read together with `stamps`.
    pub(crate) fn keep(
        &self,
        stamps: &Stamps,
        record: &WithOrganisation,
        teams: &[Uuid],
        client: Option<&Arc<ClientFacts>>,
    ) {
        let professional = record.professional.id;
        self.callers.insert(
            professional,
            Arc::new(KeptCaller {
                record: record.clone(),
                teams: teams.to_vec(),
                stamp: stamps.of(professional),
                organisation_stamp: stamps.of(record.professional.organisation_id),
            }),
        );
        if let Some(facts) = client {
            self.clients.insert(
                facts.client.id,
                Arc::new(KeptClient {
                    facts: facts.clone(),
                    stamp: stamps.of(facts.client.id),
                }),
            );
        }
    }
}

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

use diesel::prelude::*;
use quick_cache::sync::Cache;
use uuid::Uuid;

use crate::client_facts::ClientFacts;
use crate::connection::on_backend;
use crate::db::DbConnection;
use crate::error::StoreResult;
use crate::professionals::WithOrganisation;
use crate::schema::fact_stamps;
use crate::sql_types::DbId;

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
pub(crate) struct KeptCaller {
    pub record: WithOrganisation,
    pub teams: Vec<Uuid>,
    pub stamp: i64,
    pub organisation_stamp: i64,
}

#[derive(Debug)]
pub(crate) struct KeptClient {
    pub facts: Arc<ClientFacts>,
    pub stamp: i64,
}

/// Stamps as read, by subject; a subject without a row has stamp 0.
#[derive(Debug, Default)]
pub(crate) struct Stamps(Vec<(Uuid, i64)>);

impl Stamps {
    pub fn of(&self, subject: Uuid) -> i64 {
        self.0
            .iter()
            .find(|(s, _)| *s == subject)
            .map_or(0, |&(_, stamp)| stamp)
    }

    pub fn add(&mut self, subject: Uuid, stamp: i64) {
        self.0.push((subject, stamp));
    }
}

impl FactCache {
    /// The kept caller and client, if both are kept and no stamp has moved
    /// since they were read (one statement when both are kept).
    pub(crate) fn current(
        &self,
        conn: &mut DbConnection,
        professional: Uuid,
        client: Uuid,
    ) -> StoreResult<Option<(Arc<KeptCaller>, Arc<KeptClient>)>> {
        let (Some(caller), Some(kept)) =
            (self.callers.get(&professional), self.clients.get(&client))
        else {
            return Ok(None);
        };
        let organisation = caller.record.professional.organisation_id;
        let stamps = read(conn, [professional, organisation, client])?;
        let unmoved = stamps.of(professional) == caller.stamp
            && stamps.of(organisation) == caller.organisation_stamp
            && stamps.of(client) == kept.stamp;
        Ok(unmoved.then_some((caller, kept)))
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

/// The stamps of three subjects in one statement of fixed shape.
fn read(conn: &mut DbConnection, [a, b, c]: [Uuid; 3]) -> StoreResult<Stamps> {
    let (a, b, c) = (DbId(a), DbId(b), DbId(c));
    let rows: Vec<(DbId, i64)> = on_backend!(conn, |db| fact_stamps::table
        .filter(
            fact_stamps::subject
                .eq(a)
                .or(fact_stamps::subject.eq(b))
                .or(fact_stamps::subject.eq(c)),
        )
        .select((fact_stamps::subject, fact_stamps::stamp))
        .load(db))?;
    Ok(Stamps(
        rows.into_iter().map(|(s, stamp)| (s.0, stamp)).collect(),
    ))
}

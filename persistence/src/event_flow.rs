//! The event feed: each caller reads the events about the clients it may
//! see, decided when it reads (a consent withdrawn since hides them), in
//! feed order, resuming from where it left off.

use std::collections::{BTreeSet, HashMap};

use kyky_domain::AccessBasis;

use kyky_domain::event::EventType;
use uuid::Uuid;

use crate::access_log::{self, AuditContext};
use crate::client_scope::authorize_many;
use crate::db::{Db, DbConnection};
use crate::error::StoreResult;
use crate::events::{self, FeedPosition, StoredEvent};
use crate::external_ids::{self, ExternalId, SubjectKind};

/// One page of the feed as a caller sees it.
#[derive(Debug)]
pub struct FeedPage {
    /// The events the caller may see, in feed order.
    pub events: Vec<StoredEvent>,
    /// Where the next page starts: after the last event read, shown or not.
    pub next: FeedPosition,
    /// Whether more events were there to read at once.
    pub more: bool,
    /// The shown clients' identifiers in the caller's organisation's systems.
    pub external_ids: HashMap<Uuid, Vec<ExternalId>>,
}

impl Db {
    /// Up to `limit` events after `after` (of `kinds`, all when empty); those
    /// about clients the caller may not read are left out, and every client
    /// whose events are shown gets an access-log entry. Six statements for
    /// any page: the events, the clients' access facts (three), their
    /// identifiers in the caller's systems, the log.
    pub fn event_feed(
        &self,
        ctx: &AuditContext,
        after: FeedPosition,
        kinds: &[EventType],
        limit: i64,
    ) -> StoreResult<FeedPage> {
        let mut conn = self.conn()?;
        let mut read = events::after(&mut conn, after, kinds, limit + 1)?;
        let more = read.len() > usize::try_from(limit).unwrap_or(0);
        read.truncate(usize::try_from(limit).unwrap_or(0));
        let next = read.last().map_or(after, |event| event.position);
        let Readable { events, clients } = readable(&mut conn, ctx, read)?;
        let shown: Vec<Uuid> = clients.iter().map(|(client, _)| *client).collect();
        let external_ids = external_ids::for_subjects(
            &mut conn,
            ctx.actor.organisation_id,
            SubjectKind::Client,
            &shown,
        )?;
        drop(conn);
        if !clients.is_empty() {
            self.log(access_log::allowed_many(ctx, "event.list", &clients))?;
        }
        Ok(FeedPage {
            events,
            next,
            more,
            external_ids,
        })
    }
}

/// Events as a caller may read them now, by the access rules.
pub(crate) struct Readable {
    /// Those about clients the caller may read, in the order given.
    pub events: Vec<StoredEvent>,
    /// Each client they are about, with the basis of the caller's access:
    /// what the access log records.
    pub clients: Vec<(Uuid, AccessBasis)>,
}

/// Of `events`, those the caller may read now: the feed and webhook
/// deliveries decide alike. Three statements (none for no events).
pub(crate) fn readable(
    conn: &mut DbConnection,
    ctx: &AuditContext,
    events: Vec<StoredEvent>,
) -> StoreResult<Readable> {
    let clients: Vec<Uuid> = events
        .iter()
        .filter_map(|event| event.client_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if clients.is_empty() {
        return Ok(Readable {
            events: Vec::new(),
            clients: Vec::new(),
        });
    }
    let scopes = authorize_many(conn, ctx, &clients)?;
    Ok(Readable {
        events: events
            .into_iter()
            .filter(|event| event.client_id.is_some_and(|id| scopes.contains_key(&id)))
            .collect(),
        clients: scopes
            .iter()
            .map(|(&client, scope)| (client, scope.basis))
            .collect(),
    })
}

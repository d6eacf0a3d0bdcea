//! The event feed: each caller reads the events about the clients it may
//! see, decided when it reads (a consent withdrawn since hides them), in
//! feed order, resuming from where it left off.

use std::collections::{BTreeSet, HashMap};

use kyky_domain::event::EventType;
use uuid::Uuid;

use crate::access_log::{self, AuditContext};
use crate::client_scope::authorize_many;
use crate::db::Db;
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
        let clients: Vec<Uuid> = read
            .iter()
            .filter_map(|event| event.client_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let scopes = if clients.is_empty() {
            HashMap::default()
        } else {
            authorize_many(&mut conn, ctx, &clients)?
        };
        let shown_clients: Vec<Uuid> = scopes.keys().copied().collect();
        let external_ids = external_ids::for_subjects(
            &mut conn,
            ctx.actor.organisation_id,
            SubjectKind::Client,
            &shown_clients,
        )?;
        drop(conn);
        let shown: Vec<_> = scopes
            .iter()
            .map(|(&client_id, scope)| (client_id, scope.basis))
            .collect();
        if !shown.is_empty() {
            self.log(access_log::allowed_many(ctx, "event.list", &shown))?;
        }
        let events = read
            .into_iter()
            .filter(|event| event.client_id.is_some_and(|id| scopes.contains_key(&id)))
            .collect();
        Ok(FeedPage {
            events,
            next,
            more,
            external_ids,
        })
    }
}

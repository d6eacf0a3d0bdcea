//! What the API answers about domain events: the feed's pages (and, with
//! webhooks, each delivery's body).

use chrono::{DateTime, Utc};
use kyky_domain::event::EventType;
use kyky_persistence::events::StoredEvent;
use kyky_persistence::external_ids::ExternalId;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::views::external_ids::ExternalIdView;

/// A change another organisation's system may follow.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// The event's own id: the same event is never told twice with two ids.
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub occurred_at: DateTime<Utc>,
    pub client_id: Uuid,
    /// What the event is about: the handover, consent, referral, plan,
    /// follow-up or relationship; the client itself for `client.*` events.
    pub subject_id: Uuid,
    /// The professional (or integration account) who made the change.
    pub actor_id: Uuid,
    /// What changed, by type: ids, states and dates; never a henkilötunnus,
    /// never what the change wrote about the client.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// The client's identifiers in your organisation's own systems (set by
    /// your integration account), so that your system finds its record.
    pub client_external_ids: Vec<ExternalIdView>,
}

impl EventView {
    /// `None` for an event about no client (none is published).
    pub fn of(event: StoredEvent, client_external_ids: Vec<ExternalId>) -> Option<Self> {
        Some(Self {
            client_external_ids: client_external_ids
                .into_iter()
                .map(ExternalIdView::from)
                .collect(),
            id: event.id,
            kind: event.kind,
            occurred_at: event.occurred_at,
            client_id: event.client_id?,
            subject_id: event.subject_id,
            actor_id: event.actor_id,
            data: event.payload,
        })
    }
}

/// A page of the event feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    /// In feed order; only events about clients you may read now.
    pub items: Vec<EventView>,
    /// Pass as `after` to read on, now or after a pause: it is given on
    /// every page, the last too, and stays valid (store it with what you
    /// processed). Events you may not see do not appear, yet the cursor
    /// moves past them.
    pub next_cursor: String,
    /// Whether more events could be read at once; when false you are caught
    /// up, and asking again later with `next_cursor` gives what has happened
    /// since.
    pub more: bool,
}

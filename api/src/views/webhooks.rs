//! What the API answers about webhook subscriptions and their deliveries.

use chrono::{DateTime, Utc};
use kyky_domain::event::EventType;
use kyky_domain::webhook::{DeliveryStatus, SubscriptionStatus};
use kyky_persistence::webhook_deliveries::{Attempt, Delivery};
use kyky_persistence::webhooks::Subscription;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// Where an organisation's system is sent events (Standard Webhooks 1.0).
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub organisation_id: Uuid,
    /// The integration account the events are delivered as: only events
    /// about clients it may read are sent.
    pub integration_account_id: Uuid,
    pub url: String,
    /// The types delivered; empty: every type.
    pub event_types: Vec<EventType>,
    pub description: Option<String>,
    pub status: SubscriptionStatus,
    /// Why it was disabled (a delivery that failed for its whole schedule).
    pub disabled_reason: Option<String>,
    /// Until when the secret before the last rotation also signs.
    pub previous_secret_valid_until: Option<DateTime<Utc>>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Subscription> for SubscriptionView {
    fn from(s: Subscription) -> Self {
        Self {
            id: s.id,
            organisation_id: s.organisation_id,
            integration_account_id: s.account_id,
            url: s.url,
            event_types: s.event_types,
            description: s.description,
            status: s.status,
            disabled_reason: s.disabled_reason,
            previous_secret_valid_until: s.previous_secret_until,
            created_by: s.created_by,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A subscription with its signing secret: shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionWithSecret {
    #[serde(flatten)]
    pub subscription: SubscriptionView,
    /// The signing secret (`whsec_` and base64): verify each delivery's
    /// `webhook-signature` with it. Shown only now; rotate to get a new one.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionView>,
}

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempted_at: DateTime<Utc>,
    /// The target's HTTP status; absent when it did not answer.
    pub response_status: Option<i32>,
    /// Why there was no answer (refused, timed out, a target not allowed).
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl From<Attempt> for AttemptView {
    fn from(a: Attempt) -> Self {
        Self {
            attempted_at: a.at,
            response_status: a.response_status,
            error: a.error,
            duration_ms: a.duration_ms,
        }
    }
}

/// One event's delivery to the subscription (its `webhook-id`).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Sent as `webhook-id`: the same on every attempt.
    pub id: Uuid,
    pub event_id: Uuid,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    /// Oldest first.
    pub attempts: Vec<AttemptView>,
    /// When it is tried next, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        Self {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type,
            status: d.status,
            attempts: d.attempts.into_iter().map(AttemptView::from).collect(),
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
        }
    }
}

/// The delivery log, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A rotated secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct RotatedSecret {
    /// The new signing secret, shown only now.
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
    /// Until then deliveries carry a signature by the old secret too.
    pub previous_secret_valid_until: DateTime<Utc>,
}

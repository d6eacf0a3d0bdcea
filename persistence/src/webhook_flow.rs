//! The webhook dispatcher's steps, each safe with several processes on one
//! database: giving each subscription its deliveries (a subscription is
//! locked by one process at a time), claiming due deliveries (each row
//! claimed by one), and settling an attempt.

use chrono::{DateTime, Duration, Utc};
use kyky_domain::Actor;
use kyky_domain::webhook::{DeliveryStatus, RetrySchedule, SubscriptionStatus};
use uuid::Uuid;

use crate::access_log::{self, AuditContext};
use crate::db::Db;
use crate::error::StoreResult;
use crate::event_flow::{Readable, readable};
use crate::events;
use crate::professionals;
use crate::webhook_deliveries::{self, AttemptOutcome, DueDelivery};
use crate::webhooks::{self, Subscription};

impl Db {
    /// Gives every active subscription a delivery of each event after its
    /// position that its integration account may read now (up to `batch`
    /// events each), and moves its position past them: the events and the
    /// position in one transaction, so that none is given twice or lost.
    /// Each client whose events are given gets an access-log entry of the
    /// account. Returns how many subscriptions are active (none: nothing
    /// can be due either).
    pub fn fan_out_webhooks(&self, now: DateTime<Utc>, batch: i64) -> StoreResult<usize> {
        let ids = self.run(webhooks::active_ids)?;
        let active = ids.len();
        for id in ids {
            self.transaction(|conn| -> StoreResult<()> {
                let Some(subscription) = webhooks::lock_active(conn, id)? else {
                    return Ok(());
                };
                let Some(ctx) = account_context(conn, &subscription, now)? else {
                    let reason = "its integration account was deactivated";
                    webhooks::set_status(
                        conn,
                        id,
                        SubscriptionStatus::Disabled,
                        Some(reason),
                        now,
                    )?;
                    return Ok(());
                };
                let read = events::after(
                    conn,
                    subscription.position,
                    &subscription.event_types,
                    batch,
                )?;
                let Some(last) = read.last().map(|event| event.position) else {
                    return Ok(());
                };
                let Readable { events, clients } = readable(conn, &ctx, read)?;
                let given: Vec<Uuid> = events.iter().map(|event| event.id).collect();
                webhook_deliveries::insert_deliveries(conn, id, &given, now)?;
                webhooks::advance(conn, id, last)?;
                if !clients.is_empty() {
                    access_log::insert_entries(
                        conn,
                        &access_log::allowed_many(&ctx, "webhook.deliver", &clients),
                    )?;
                }
                Ok(())
            })?;
        }
        Ok(active)
    }

    /// Claims up to `limit` due deliveries for `lease` (another process
    /// takes one over only after that) and loads what sending them takes.
    pub fn claim_webhook_deliveries(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: i64,
    ) -> StoreResult<Vec<DueDelivery>> {
        // A write: through `transaction`, so that on SQLite it queues
        // behind the writers that read first.
        self.transaction(|conn| {
            let ids = webhook_deliveries::claim_due(conn, now, now + lease, limit)?;
            webhook_deliveries::due_deliveries(conn, &ids, now)
        })
    }

    /// Stores an attempt: delivered; due again by the schedule (`jitter`,
    /// 0–1000, spreads the retries); or, the schedule spent, failed, and
    /// then its subscription is disabled, saying why.
    pub fn settle_webhook_delivery(
        &self,
        due: &DueDelivery,
        outcome: &AttemptOutcome,
        schedule: &RetrySchedule,
        jitter: u16,
    ) -> StoreResult<DeliveryStatus> {
        self.transaction(|conn| {
            let (failures, next) = if outcome.succeeded() {
                (0, None)
            } else {
                let failures = due.failures_in_row + 1;
                let made = usize::try_from(failures).unwrap_or(usize::MAX);
                (failures, schedule.next_attempt(made, outcome.at, jitter))
            };
            let status = webhook_deliveries::record_attempt(conn, due.id, outcome, failures, next)?;
            if status == DeliveryStatus::Failed {
                let reason = format!(
                    "delivery {} of event {} failed {} times in a row over {} h; deliveries resume when the subscription is enabled",
                    due.id,
                    due.event.id,
                    failures,
                    schedule.span().num_hours()
                );
                webhooks::set_status(
                    conn,
                    due.subscription_id,
                    SubscriptionStatus::Disabled,
                    Some(&reason),
                    outcome.at,
                )?;
            }
            Ok(status)
        })
    }
}

/// The subscription's integration account as an actor (roles as its record
/// grants them); `None` when it has been deactivated.
fn account_context(
    conn: &mut crate::db::DbConnection,
    subscription: &Subscription,
    now: DateTime<Utc>,
) -> StoreResult<Option<AuditContext>> {
    let (record, teams) = professionals::get_with_teams(conn, subscription.account_id)?;
    let account = record.professional;
    if !account.active {
        return Ok(None);
    }
    Ok(Some(AuditContext {
        actor: Actor {
            professional_id: account.id,
            organisation_id: account.organisation_id,
            roles: account.fields.roles,
            teams: teams.into_iter().collect(),
        },
        request_id: None,
        at: now,
        resource: Some(subscription.id),
        preloaded: None,
    }))
}

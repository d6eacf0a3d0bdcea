//! Webhooks (Standard Webhooks 1.0): where an organisation's system wants
//! events pushed, when a failed delivery is tried again, and which targets
//! Kyky may call at all.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use crate::codes::code_set;

code_set! {
    /// Whether a subscription is delivered to.
    SubscriptionStatus, "webhook-subscription-statuses", "States of a webhook subscription" {
        Active = "active": "Käytössä", "Aktiv", "Active";
        /// Stopped, by hand or after a delivery failed for its whole retry
        /// schedule; events are kept and delivered once it is enabled again.
        Disabled = "disabled": "Pois käytöstä", "Inaktiverad", "Disabled";
    }
}

code_set! {
    /// Where one event's delivery to one subscription stands.
    DeliveryStatus, "webhook-delivery-statuses", "States of a webhook delivery" {
        Pending = "pending": "Odottaa", "Väntar", "Pending";
        Succeeded = "succeeded": "Toimitettu", "Levererad", "Delivered";
        /// Every attempt of the retry schedule failed.
        Failed = "failed": "Epäonnistui", "Misslyckades", "Failed";
    }
}

/// How long after each failed attempt the next is made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

/// A retry schedule that cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("a retry schedule needs at least one delay")]
    Empty,
    #[error("every delay of a retry schedule must be longer than zero")]
    NotPositive,
}

impl RetrySchedule {
    /// Standard Webhooks' schedule: after 5 s, 5 min, 30 min, 2 h, 5 h,
    /// 10 h and 10 h, so that a target down for a day still gets its events.
    pub fn standard() -> Self {
        Self {
            delays: vec![
                Duration::seconds(5),
                Duration::minutes(5),
                Duration::minutes(30),
                Duration::hours(2),
                Duration::hours(5),
                Duration::hours(10),
                Duration::hours(10),
            ],
        }
    }

    pub fn new(delays: Vec<Duration>) -> Result<Self, ScheduleError> {
        if delays.is_empty() {
            return Err(ScheduleError::Empty);
        }
        if delays.iter().any(|d| *d <= Duration::zero()) {
            return Err(ScheduleError::NotPositive);
        }
        Ok(Self { delays })
    }

    /// Attempts in all: the first and one after each delay.
    pub fn attempts(&self) -> usize {
        self.delays.len() + 1
    }

    /// How long the schedule keeps trying.
    pub fn span(&self) -> Duration {
        self.delays
            .iter()
            .fold(Duration::zero(), |sum, delay| sum + *delay)
    }

    /// When to try again after `failed` attempts in a row ended with the
    /// last at `at`; `None` once the schedule is spent. `jitter`, 0–1000,
    /// moves the delay by −10 % (0) to +10 % (1000), so that a target coming
    /// back is not hit by every waiting delivery at once.
    pub fn next_attempt(
        &self,
        failed: usize,
        at: DateTime<Utc>,
        jitter: u16,
    ) -> Option<DateTime<Utc>> {
        let delay = self.delays.get(failed.checked_sub(1)?)?.num_milliseconds();
        let offset = delay.saturating_mul(i64::from(jitter.min(1000)) - 500) / 5000;
        Some(at + Duration::milliseconds(delay.saturating_add(offset)))
    }
}

/// Why Kyky will not deliver to a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("must be an https URL")]
    NotHttps,
    #[error("must not be a loopback, link-local, private or otherwise non-public address")]
    NotPublic,
}

/// Whether Kyky may deliver to a target with this scheme on these
/// addresses (a host name's, all of them: one private one is enough to
/// refuse). Unless `allow_private` (development and tests), only https to
/// public addresses: a subscription must never become a way to reach the
/// hosting network from inside.
pub fn check_target(
    scheme: &str,
    addresses: &[IpAddr],
    allow_private: bool,
) -> Result<(), TargetError> {
    if allow_private {
        return Ok(());
    }
    if scheme != "https" {
        return Err(TargetError::NotHttps);
    }
    if addresses.iter().all(|address| is_public(*address)) {
        Ok(())
    } else {
        Err(TargetError::NotPublic)
    }
}

/// A public unicast address: not loopback, private, link-local, shared
/// (carrier-grade NAT), documentation, multicast or unspecified.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_schedule_keeps_trying_for_over_a_day_then_gives_up() {
        let schedule = RetrySchedule::standard();
        assert_eq!(schedule.attempts(), 8);
        assert!(schedule.span() >= Duration::hours(24));
        let at = Utc::now();
        assert_eq!(
            schedule.next_attempt(1, at, 500),
            Some(at + Duration::seconds(5))
        );
        assert_eq!(
            schedule.next_attempt(7, at, 500),
            Some(at + Duration::hours(10))
        );
        assert_eq!(schedule.next_attempt(8, at, 500), None);
        assert_eq!(schedule.next_attempt(0, at, 500), None);
    }

    #[test]
    fn jitter_moves_a_retry_by_at_most_a_tenth() {
        let schedule = RetrySchedule::new(vec![Duration::seconds(100)]).unwrap();
        let at = Utc::now();
        assert_eq!(
            schedule.next_attempt(1, at, 0),
            Some(at + Duration::seconds(90))
        );
        assert_eq!(
            schedule.next_attempt(1, at, 1000),
            Some(at + Duration::seconds(110))
        );
    }

    #[test]
    fn a_schedule_needs_positive_delays() {
        assert_eq!(RetrySchedule::new(vec![]), Err(ScheduleError::Empty));
        assert_eq!(
            RetrySchedule::new(vec![Duration::zero()]),
            Err(ScheduleError::NotPositive)
        );
    }

    #[test]
    fn only_https_to_public_addresses_unless_allowed() {
        let public: IpAddr = "194.136.0.1".parse().unwrap();
        assert_eq!(check_target("https", &[public], false), Ok(()));
        assert_eq!(
            check_target("http", &[public], false),
            Err(TargetError::NotHttps)
        );
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            let address: IpAddr = private.parse().unwrap();
            assert_eq!(
                check_target("https", &[public, address], false),
                Err(TargetError::NotPublic),
                "{private}"
            );
            assert_eq!(check_target("http", &[address], true), Ok(()));
        }
    }
}

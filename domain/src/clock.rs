//! "Now" is injected so that rules about time are testable without sleeping.

use chrono::{DateTime, SubsecRound, Utc};

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    /// Microsecond precision: what PostgreSQL keeps, so a stored time reads back equal.
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// The system clock moved forward by a settable amount: lets tests (and
/// demonstrations) see what happens "next month" without sleeping.
#[derive(Debug, Default)]
pub struct ShiftedClock {
    shift_seconds: std::sync::atomic::AtomicI64,
}

impl ShiftedClock {
    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: chrono::Duration) {
        self.shift_seconds
            .fetch_add(by.num_seconds(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        let shift = self.shift_seconds.load(std::sync::atomic::Ordering::SeqCst);
        SystemClock.now() + chrono::Duration::seconds(shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_runs_ahead_by_what_it_was_advanced() {
        let clock = ShiftedClock::default();
        clock.advance(chrono::Duration::days(15));
        let ahead = clock.now() - SystemClock.now();
        assert!(ahead > chrono::Duration::days(14) && ahead <= chrono::Duration::days(15));
    }
}

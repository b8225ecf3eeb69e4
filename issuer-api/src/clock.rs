//! The time the issuer judges by: issuance dates, "in the future" checks,
//! token and bootstrap-token expiry, suspension ends, citizen retrieval
//! windows, key validity, the timestamps of status changes.
//!
//! The service reads the system clock ([`SystemClock`]); tests pass a
//! [`FixedClock`] so that nothing they assert depends on today's date.
//! The outbox schedules deliveries by the system clock (`ids::now_ms`):
//! retry delays are real waits, and webhook receivers check timestamps
//! against their own clocks. Certificate ids are random, not time-based.

use std::sync::atomic::{AtomicI64, Ordering};

/// Where "now" comes from, in Unix milliseconds.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Now, Unix milliseconds.
    fn now_ms(&self) -> i64;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        jiff::Timestamp::now().as_millisecond()
    }
}

/// A clock that says what it was set to (tests).
#[derive(Debug)]
pub struct FixedClock(AtomicI64);

impl FixedClock {
    /// A clock stopped at `ms` (Unix milliseconds).
    pub fn new(ms: i64) -> Self {
        Self(AtomicI64::new(ms))
    }

    /// A clock stopped at an RFC 3339 instant, e.g. `2021-06-01T10:00:00Z`.
    ///
    /// # Panics
    ///
    /// If `instant` is not RFC 3339: the callers are tests with literals.
    #[expect(clippy::expect_used, reason = "test fixtures pass literals")]
    pub fn at(instant: &str) -> Self {
        let ts: jiff::Timestamp = instant.parse().expect("an RFC 3339 instant");
        Self::new(ts.as_millisecond())
    }

    /// Set the time.
    pub fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }

    /// Move the time on by `ms`.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let clock = FixedClock::at("2021-06-01T10:00:00Z");
        assert_eq!(clock.now_ms(), 1_622_541_600_000);
        assert_eq!(clock.now_ms(), 1_622_541_600_000);
        clock.advance(1_000);
        assert_eq!(clock.now_ms(), 1_622_541_601_000);
        clock.set(0);
        assert_eq!(clock.now_ms(), 0);
    }

    #[test]
    fn the_system_clock_is_after_the_fixed_one() {
        assert!(SystemClock.now_ms() > FixedClock::at("2021-06-01T10:00:00Z").now_ms());
    }
}

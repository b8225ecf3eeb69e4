//! Reading credential dates and checking them against the clock.
//!
//! Credentials carry `xsd:dateTime`s (`2021-07-04T19:24:29.183Z`) and, in
//! DIVOC's `effectiveStart`/`effectiveUntil`, plain dates (`2022-07-04`). A
//! plain date has no time zone, so it is read generously: a start date
//! counts from its first moment anywhere on Earth (UTC-12), an end date
//! until its last moment anywhere (UTC+14). A small clock skew is allowed
//! on top, because phones' clocks drift.

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};

/// Clock skew tolerated between issuer and verifier.
pub const CLOCK_SKEW: SignedDuration = SignedDuration::from_secs(5 * 60);

const EARLIEST_OFFSET: SignedDuration = SignedDuration::from_hours(12);
const LATEST_OFFSET: SignedDuration = SignedDuration::from_hours(14);

/// Which end of a plain date counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// A start date: its earliest moment anywhere.
    Start,
    /// An end date: its latest moment anywhere.
    End,
}

/// Read a date-time, or a plain date taken at the given edge.
pub fn parse(text: &str, edge: Edge) -> Option<Timestamp> {
    let text = text.trim();
    if text.len() == 10 {
        let date: Date = text.parse().ok()?;
        let midnight = jiff::tz::Offset::UTC
            .to_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .ok()?;
        return match edge {
            Edge::Start => midnight.checked_sub(EARLIEST_OFFSET).ok(),
            Edge::End => midnight
                .checked_add(SignedDuration::from_hours(24) + LATEST_OFFSET)
                .ok(),
        };
    }
    text.parse().ok()
}

/// `now` is before `start`, beyond the skew.
pub fn before(now: Timestamp, start: Timestamp) -> bool {
    now.checked_add(CLOCK_SKEW).is_ok_and(|n| n < start)
}

/// `now` is after `end`, beyond the skew.
pub fn after(now: Timestamp, end: Timestamp) -> bool {
    now.checked_sub(CLOCK_SKEW).is_ok_and(|n| n > end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn plain_dates_are_read_generously() {
        let end = parse("2022-07-04", Edge::End).unwrap();
        assert_eq!(end, ts("2022-07-05T14:00:00Z"));
        let start = parse("2022-07-04", Edge::Start).unwrap();
        assert_eq!(start, ts("2022-07-03T12:00:00Z"));
        assert_eq!(
            parse("2021-07-04T19:24:29.183Z", Edge::End),
            Some(ts("2021-07-04T19:24:29.183Z"))
        );
        assert_eq!(
            parse("2021-07-04T19:24:29+05:30", Edge::End),
            Some(ts("2021-07-04T13:54:29Z"))
        );
        assert_eq!(parse("yesterday", Edge::End), None);
        assert_eq!(parse("2021-13-04", Edge::End), None);
        assert_eq!(parse("", Edge::Start), None);
    }

    #[test]
    fn skew_is_allowed_both_ways() {
        let t = ts("2026-01-01T00:00:00Z");
        assert!(!before(ts("2025-12-31T23:56:00Z"), t));
        assert!(before(ts("2025-12-31T23:54:00Z"), t));
        assert!(!after(ts("2026-01-01T00:04:00Z"), t));
        assert!(after(ts("2026-01-01T00:06:00Z"), t));
    }
}

//! The server clock: real time plus an offset that the admin API can move.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, FixedOffset, Utc};

/// The simulator's notion of "now": wall-clock time shifted by an adjustable offset.
///
/// Moving the clock forward lets tests expire tokens, age CDC windows and age
/// tombstones without sleeping.
#[derive(Debug, Default)]
pub struct SimClock {
    offset_ms: AtomicI64,
}

impl SimClock {
    /// A clock that starts at `start` (or at the real time when `None`).
    pub fn starting_at(start: Option<DateTime<Utc>>) -> Self {
        let clock = Self::default();
        if let Some(start) = start {
            clock.set(start);
        }
        clock
    }

    /// The current simulated instant.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    /// Moves the clock by `by` (negative moves it back).
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }

    /// Sets the clock so that "now" is `to`.
    pub fn set(&self, to: DateTime<Utc>) {
        let offset = to.signed_duration_since(Utc::now()).num_milliseconds();
        self.offset_ms.store(offset, Ordering::Relaxed);
    }
}

/// Formats an instant as QBO writes `MetaData` times: `2026-03-04T10:15:00-08:00`.
pub fn meta_time(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset).format("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// Formats an instant as QBO writes an envelope's `time`: `2026-11-22T08:00:00.000-08:00`.
pub fn envelope_time(t: DateTime<Utc>, offset: FixedOffset) -> String {
    t.with_timezone(&offset).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string()
}

/// Parses a time as clients send it: RFC 3339 with offset or `Z`, a local
/// date-time without offset (read in the company's offset), or a bare date
/// (midnight in the company's offset).
pub fn parse_client_time(text: &str, offset: FixedOffset) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(text, fmt) {
            return naive.and_local_timezone(offset).single().map(|t| t.with_timezone(&Utc));
        }
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date
            .and_hms_opt(0, 0, 0)
            .and_then(|naive| naive.and_local_timezone(offset).single())
            .map(|t| t.with_timezone(&Utc));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_company_offset() {
        let off = FixedOffset::west_opt(8 * 3600).unwrap();
        let t = DateTime::parse_from_rfc3339("2026-11-22T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(meta_time(t, off), "2026-11-22T08:00:00-08:00");
        assert_eq!(envelope_time(t, off), "2026-11-22T08:00:00.000-08:00");
    }

    #[test]
    fn parses_the_shapes_clients_send() {
        let off = FixedOffset::west_opt(8 * 3600).unwrap();
        let expect = DateTime::parse_from_rfc3339("2026-01-01T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_client_time("2026-01-01T00:00:00-08:00", off), Some(expect));
        assert_eq!(parse_client_time("2026-01-01T00:00:00", off), Some(expect));
        assert_eq!(parse_client_time("2026-01-01", off), Some(expect));
        assert_eq!(parse_client_time("yesterday", off), None);
    }

    #[test]
    fn moves() {
        let clock = SimClock::default();
        let before = clock.now();
        clock.advance(Duration::days(2));
        assert!(clock.now() - before >= Duration::days(2));
    }
}

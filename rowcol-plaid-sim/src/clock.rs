//! The look-alike's clock. It drives everything that ages: public tokens
//! expire after 30 minutes of it, pending bank lines post and held amounts
//! vanish as its date moves on, the balance limit counts a minute of it, and
//! webhook JWTs carry its `iat`. Tests move it instead of sleeping.

use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// A movable clock: a simulated instant that runs at real speed from where
/// it was last set.
#[derive(Debug)]
pub struct SimClock {
    anchor: Mutex<(Instant, DateTime<Utc>)>,
}

impl SimClock {
    /// A clock reading `start` now (the real time when `None`).
    pub fn new(start: Option<DateTime<Utc>>) -> Self {
        Self {
            anchor: Mutex::new((Instant::now(), start.unwrap_or_else(Utc::now))),
        }
    }

    /// The simulated instant.
    pub fn now(&self) -> DateTime<Utc> {
        match self.anchor.lock() {
            Ok(anchor) => {
                let elapsed = Duration::from_std(anchor.0.elapsed()).unwrap_or_default();
                anchor.1 + elapsed
            }
            Err(_) => Utc::now(),
        }
    }

    /// The bank's business date: the simulated instant's UTC date.
    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }

    /// Makes the clock read `to` from now on.
    pub fn set(&self, to: DateTime<Utc>) {
        if let Ok(mut anchor) = self.anchor.lock() {
            *anchor = (Instant::now(), to);
        }
    }

    /// Moves the clock by `by` (negative moves it back).
    pub fn advance(&self, by: Duration) {
        self.set(self.now() + by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_where_told_and_moves_by_days() {
        let start = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = SimClock::new(Some(start));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        clock.advance(Duration::days(3));
        assert_eq!(clock.today(), NaiveDate::from_ymd_opt(2026, 12, 3).unwrap());
        assert!(clock.now() - start >= Duration::days(3));
    }
}

//! The schedule: every client syncs once per interval at its own fixed
//! offset, so a portfolio's syncs spread over the interval instead of firing
//! together.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// The first slot strictly after `after`, where slots fall at
/// `offset + k * interval` from the Unix epoch. An interval of zero is taken
/// as one second.
pub fn next_slot(interval: Duration, offset: Duration, after: DateTime<Utc>) -> DateTime<Utc> {
    let interval_us = i64::try_from(interval.as_micros()).unwrap_or(i64::MAX).max(1_000_000);
    let offset_us = i64::try_from(offset.as_micros()).unwrap_or(0).rem_euclid(interval_us);
    let now_us = after.timestamp_micros();
    let k = (now_us - offset_us).div_euclid(interval_us) + 1;
    let slot = offset_us.saturating_add(k.saturating_mul(interval_us));
    DateTime::from_timestamp_micros(slot).unwrap_or(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn slots_repeat_every_interval_at_the_offset() {
        let fifteen = Duration::from_secs(15 * 60);
        let offset = Duration::from_secs(7 * 60 + 30);
        assert_eq!(
            next_slot(fifteen, offset, at("2026-11-23T10:00:00Z")),
            at("2026-11-23T10:07:30Z")
        );
        assert_eq!(
            next_slot(fifteen, offset, at("2026-11-23T10:07:30Z")),
            at("2026-11-23T10:22:30Z")
        );
        assert_eq!(
            next_slot(fifteen, offset, at("2026-11-23T10:07:29Z")),
            at("2026-11-23T10:07:30Z")
        );
    }

    proptest::proptest! {
        #[test]
        fn the_next_slot_is_ahead_by_at_most_one_interval(secs in 0i64..4_000_000_000, offset in 0u64..900) {
            let after = DateTime::from_timestamp(secs, 0).unwrap();
            let interval = Duration::from_secs(900);
            let slot = next_slot(interval, Duration::from_secs(offset), after);
            proptest::prop_assert!(slot > after);
            proptest::prop_assert!(slot - after <= chrono::Duration::seconds(900));
            proptest::prop_assert_eq!((slot.timestamp() - offset as i64).rem_euclid(900), 0);
        }
    }
}

//! Date windows the calculators share.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// A span of days, `start` included, `end` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// First day in the window.
    pub start: NaiveDate,
    /// First day after the window.
    pub end: NaiveDate,
    /// Whole calendar months the window spans.
    pub months: u32,
}

impl Window {
    /// The `months` full calendar months before the month of `as_of` (the
    /// current, partial month is left out). A window of 0 months is taken
    /// as 1: a burn over no time means nothing.
    pub fn trailing_full_months(as_of: NaiveDate, months: u32) -> Window {
        let months = months.max(1);
        let end = as_of.with_day(1).unwrap_or(as_of);
        let start = end.checked_sub_months(Months::new(months)).unwrap_or(NaiveDate::MIN);
        Window { start, end, months }
    }

    /// True when `date` falls in the window.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.start <= date && date < self.end
    }

    /// Number of days in the window.
    pub fn days(&self) -> i64 {
        (self.end - self.start).num_days()
    }
}

/// `date` moved by `days` (negative: earlier), saturating at the ends of the
/// calendar instead of panicking on absurd inputs (a threshold of 10^15 days).
pub(crate) fn shift(date: NaiveDate, days: i64) -> NaiveDate {
    chrono::Duration::try_days(days)
        .and_then(|d| date.checked_add_signed(d))
        .unwrap_or(if days < 0 { NaiveDate::MIN } else { NaiveDate::MAX })
}

/// Whole days from `from` to `to` (negative when `to` is earlier): the
/// difference of day numbers, cheaper than a `TimeDelta`.
pub(crate) fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    i64::from(to.num_days_from_ce()) - i64::from(from.num_days_from_ce())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowcol_testkit::fixtures::date;

    #[test]
    fn trailing_window_leaves_out_the_current_month() {
        // As of 15 April 2026, 3 full months = January, February, March:
        // 31 + 28 + 31 = 90 days.
        let w = Window::trailing_full_months(date("2026-04-15"), 3);
        assert_eq!((w.start, w.end), (date("2026-01-01"), date("2026-04-01")));
        assert_eq!(w.days(), 90);
        assert!(w.contains(date("2026-03-31")) && !w.contains(date("2026-04-01")));
        assert_eq!(Window::trailing_full_months(date("2026-04-15"), 0).months, 1);
    }

    #[test]
    fn days_between_counts_calendar_days_either_way() {
        // 2024 is a leap year: 1 March is 60 days after 1 January (31 + 29).
        assert_eq!(days_between(date("2024-01-01"), date("2024-03-01")), 60);
        assert_eq!(days_between(date("2024-03-01"), date("2024-01-01")), -60);
        assert_eq!(days_between(date("2025-12-31"), date("2026-01-01")), 1);
        assert_eq!(
            days_between(NaiveDate::MIN, NaiveDate::MAX),
            (NaiveDate::MAX - NaiveDate::MIN).num_days()
        );
    }
}

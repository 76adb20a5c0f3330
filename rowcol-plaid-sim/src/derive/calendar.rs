//! Bank days: clearing lags count Monday to Friday (no holidays).

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Whether the bank works on `day`.
pub fn is_business_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The first business day on or after `day`.
pub fn on_or_after(mut day: NaiveDate) -> NaiveDate {
    while !is_business_day(day) {
        day = next(day);
    }
    day
}

/// `n` business days after `day` (a weekend day first rolls to Monday).
pub fn add_business_days(day: NaiveDate, n: u32) -> NaiveDate {
    let mut day = on_or_after(day);
    for _ in 0..n {
        day = on_or_after(next(day));
    }
    day
}

/// The last business day of `day`'s month.
pub fn last_business_day_of_month(day: NaiveDate) -> NaiveDate {
    let mut last = first_of_next_month(day).pred_opt().unwrap_or(day);
    while !is_business_day(last) {
        last = last.pred_opt().unwrap_or(last);
    }
    last
}

/// The first day of the month after `day`'s.
pub fn first_of_next_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day)
}

/// The first day of `day`'s month.
pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// `n` calendar days after `day`.
pub fn plus_days(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_add_days(Days::new(n)).unwrap_or(day)
}

/// `n` calendar days before `day`.
pub fn minus_days(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(n)).unwrap_or(day)
}

fn next(day: NaiveDate) -> NaiveDate {
    plus_days(day, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap()
    }

    #[test]
    fn lags_skip_weekends() {
        // 2026-12-04 is a Friday.
        assert_eq!(add_business_days(d(12, 4), 0), d(12, 4));
        assert_eq!(add_business_days(d(12, 4), 1), d(12, 7));
        assert_eq!(add_business_days(d(12, 5), 0), d(12, 7), "Saturday rolls to Monday");
        assert_eq!(add_business_days(d(12, 4), 3), d(12, 9));
        assert_eq!(
            last_business_day_of_month(d(1, 10)),
            d(1, 30),
            "31 January 2026 is a Saturday"
        );
        assert_eq!(
            first_of_next_month(d(12, 9)),
            NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
        );
    }
}

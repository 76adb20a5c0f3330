//! The company's `Preferences`: one object per realm, with the books'
//! close date (`AccountingInfoPrefs.BookCloseDate`).
//!
//! Four realms in five have closed their books through the end of a recent
//! month (one or two months before the clock's month, chosen by the realm's
//! seed), closed a few days after that month ended, as a bookkeeper closes
//! a month once it is reconciled; the fifth never closed them and its
//! preferences carry no `BookCloseDate`.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde_json::json;

use crate::store::{Kind, RealmData};

/// Inserts the realm's preferences.
pub(super) fn insert(realm: &mut RealmData, seed: u64, multi_currency: bool, now: DateTime<Utc>) {
    let created = now - Duration::days(760);
    let today = now.with_timezone(&realm.offset).date_naive();
    let close = close_date(seed, today);
    let mut accounting = json!({
        "TrackDepartments": true,
        "DepartmentTerminology": "Location",
        "ClassTrackingPerTxn": false,
        "ClassTrackingPerTxnLine": true,
        "CustomerTerminology": "Customers",
        "FirstMonthOfFiscalYear": "January",
    });
    // Closed five days after the close date, never after the clock.
    let mut updated = created;
    if let Some(close) = close {
        accounting["BookCloseDate"] = json!(close.to_string());
        let closed_at = close
            .checked_add_signed(Duration::days(5))
            .and_then(|d| d.and_hms_opt(17, 0, 0))
            .and_then(|t| t.and_local_timezone(realm.offset).single())
            .map(|t| t.with_timezone(&Utc));
        updated = closed_at.filter(|t| *t <= now && *t > created).unwrap_or(now);
    }
    let home = realm.home_currency.clone();
    realm.insert(
        Kind::Preferences,
        json!({
            "AccountingInfoPrefs": accounting,
            "CurrencyPrefs": { "MultiCurrencyEnabled": multi_currency, "HomeCurrency": { "value": home } },
            "ReportPrefs": { "ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": false },
            "SalesFormsPrefs": { "AllowDiscount": true, "AllowDeposit": true },
        }),
        created,
        updated,
    );
}

/// The last day of the month one or two months before `today`'s month, or
/// `None` for one seed in five.
fn close_date(seed: u64, today: NaiveDate) -> Option<NaiveDate> {
    if seed.is_multiple_of(5) {
        return None;
    }
    let back = 1 + (seed / 5) % 2;
    let first = today.with_day(1)?;
    first
        .checked_sub_months(Months::new(u32::try_from(back).ok()? - 1))?
        .pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn most_seeds_close_the_books_at_a_recent_month_end() {
        let today = day("2026-11-14");
        assert_eq!(close_date(0, today), None);
        assert_eq!(close_date(1, today), Some(day("2026-10-31")));
        assert_eq!(close_date(6, today), Some(day("2026-09-30")));
        let closed = (0..100).filter(|s| close_date(*s, today).is_some()).count();
        assert_eq!(closed, 80);
    }
}

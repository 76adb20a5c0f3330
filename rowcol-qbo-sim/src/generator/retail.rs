//! A seasonal retailer's own entries: the day's takings as a sales receipt
//! deposited to Checking, the card processor's fees each month (Bank
//! Charges), and a line of credit drawn before the peak and repaid after it.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use rand::Rng;
use rust_decimal::Decimal;
use serde_json::json;

use super::books::{Books, HISTORY_DAYS, HOME, id_of, reference};
use super::profile::season_pct;
use crate::money::num;
use crate::store::Kind;

/// A typical retailer's average month of takings, in cents.
const MONTHLY_SALES: i64 = 4_000_000;
/// The card processor's fee, in basis points of the month's takings.
const CARD_FEE_BPS: i64 = 260;
/// What a typical retailer draws on its line of credit in September, in
/// cents (half as much again in October).
const CREDIT_LINE_DRAW: i64 = 3_000_000;

impl Books {
    /// Daily (`weekly`: Saturday only) takings, the processor's monthly
    /// fees, and the line of credit.
    pub(crate) fn retail_entries(&mut self, weekly: bool) {
        let today = self.realm_today();
        let start = today - Duration::days(HISTORY_DAYS);
        let per_year: i64 = if weekly { 52 } else { 313 };
        let base = MONTHLY_SALES * 12 * self.scale_pct / 100 / per_year;
        let mut months: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
        let item = self.item_ref("Hardware");
        let mut day = start;
        while day < today {
            let open = if weekly {
                day.weekday() == Weekday::Sat
            } else {
                day.weekday() != Weekday::Sun
            };
            if open {
                let cents = base * season_pct(day.month()) / 100 * self.rng.random_range(70..130) / 100;
                let amount = Decimal::new(cents.max(100), 2);
                self.post("Checking", amount);
                self.post("Sales of Product Income", amount);
                *months.entry(day.with_day(1).unwrap_or(day)).or_default() += amount;
                let when = self.at(day) + Duration::hours(8);
                self.realm.insert(
                    Kind::SalesReceipt,
                    json!({
                        "TxnDate": day.to_string(), "TotalAmt": num(amount), "Balance": 0,
                        "PrivateNote": "Daily takings",
                        "DepositToAccountRef": self.chart.r("Checking"),
                        "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                        "Line": [{ "Id": "1", "Amount": num(amount), "DetailType": "SalesItemLineDetail",
                                   "SalesItemLineDetail": { "ItemRef": item.clone() } }],
                    }),
                    when,
                    when,
                );
            }
            day += Duration::days(1);
        }
        self.card_fees(&months);
        self.line_of_credit();
    }

    /// The processor's fees of each month's takings, taken from Checking on
    /// the 2nd of the next month.
    fn card_fees(&mut self, months: &BTreeMap<NaiveDate, Decimal>) {
        let created = self.now - Duration::days(HISTORY_DAYS + 5);
        let row = self.realm.insert(
            Kind::Vendor,
            json!({
                "DisplayName": "Square Payments", "CompanyName": "Square Payments",
                "PrintOnCheckName": "Square Payments", "Active": true, "Balance": 0,
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                "TermRef": self.term_ref(0), "Vendor1099": false,
            }),
            created,
            created,
        );
        let processor = reference(id_of(&row), "Square Payments");
        let today = self.realm_today();
        for (month, takings) in months {
            let Some(on) = month
                .checked_add_months(chrono::Months::new(1))
                .and_then(|next| next.with_day(2))
            else {
                continue;
            };
            if on > today {
                continue;
            }
            let fee = (*takings * Decimal::new(CARD_FEE_BPS, 4)).round_dp(2);
            self.post("Checking", -fee);
            self.post("Bank Charges", fee);
            let when = self.at(on);
            let mut body = json!({
                "PaymentType": "Cash", "AccountRef": self.chart.r("Checking"),
                "TxnDate": on.to_string(), "TotalAmt": num(fee),
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                "PrivateNote": format!("Card processing fees {}", month.format("%B %Y")),
                "Line": [{
                    "Id": "1", "Amount": num(fee), "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": { "AccountRef": self.chart.r("Bank Charges"), "BillableStatus": "NotBillable" },
                }],
            });
            body["EntityRef"] = json!({ "value": processor["value"], "name": "Square Payments", "type": "Vendor" });
            self.realm.insert(Kind::Purchase, body, when, when);
        }
    }

    /// Draws on the line of credit on 5 September and 5 October to stock up
    /// for the peak, and repays what is owed on 20 January, by journal
    /// entries between Checking and "Line of Credit".
    fn line_of_credit(&mut self) {
        let today = self.realm_today();
        let mut owed = Decimal::ZERO;
        for month in self.month_starts() {
            let (day, draw) = match month.month() {
                9 => (5, CREDIT_LINE_DRAW),
                10 => (5, CREDIT_LINE_DRAW / 2),
                1 => (20, 0),
                _ => continue,
            };
            let Some(date) = month.with_day(day).filter(|d| *d <= today) else {
                continue;
            };
            if draw > 0 {
                let amount = self.amount_pct(draw * 8 / 10, draw * 12 / 10, self.scale_pct);
                owed += amount;
                self.journal(
                    date,
                    "Line of credit draw",
                    &[("Checking", "Debit", amount), ("Line of Credit", "Credit", amount)],
                );
            } else if owed > Decimal::ZERO {
                self.journal(
                    date,
                    "Line of credit repayment",
                    &[("Line of Credit", "Debit", owed), ("Checking", "Credit", owed)],
                );
                owed = Decimal::ZERO;
            }
        }
    }
}

//! Bills a client may never leave unpaid: the payroll provider's monthly
//! fees (posting to Payroll Expenses) and the state's payroll tax (posting
//! to Payroll Liabilities, the share of the withheld taxes the federal
//! remittance leaves). Both are dated the month's last day, fall due 15
//! days later and are paid by check on their due date, so last month's
//! stand open in the first half of a month.

use chrono::{Datelike, Duration, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::books::{Books, HISTORY_DAYS, HOME, PaidBill, id_of, reference};
use crate::money::num;
use crate::store::Kind;

/// The payroll provider, as its bills name it.
pub(crate) const PAYROLL_PROVIDER: &str = "Gusto";
/// The state agency billing payroll taxes.
pub(crate) const STATE_TAX_AGENCY: &str = "Employment Development Department";
/// The provider's fee: a monthly base, in cents ...
const FEE_BASE_CENTS: i64 = 4_000;
/// ... plus this share of the month's gross wages.
const FEE_SHARE: Decimal = Decimal::from_parts(5, 0, 0, false, 3);
/// Days from a bill's date to its due date (the vendors' "Net 15").
const DUE_DAYS: i64 = 15;
/// Index of "Net 15" in the generator's terms.
const NET_15: usize = 1;

impl Books {
    /// True for books of typical size or larger. Small books (fast tests)
    /// keep the shape they had without these bills: a crash-loop test pages
    /// them five rows at a time and is timed to their size.
    pub(crate) fn bills_payroll_obligations(&self) -> bool {
        self.scale_pct >= 100
    }

    /// The provider's and the state's bills for every past month with a
    /// payroll, each paid on its due date when that has passed (none in
    /// small books).
    pub(crate) fn payroll_bills(&mut self) {
        if self.payroll_months.is_empty() || !self.bills_payroll_obligations() {
            return;
        }
        let provider = self.obligation_vendor(PAYROLL_PROVIDER);
        let state = self.obligation_vendor(STATE_TAX_AGENCY);
        let today = self.realm_today();
        // The month under way is billed at its end, not yet.
        for month in self.payroll_months.clone().into_iter().filter(|m| m.last_day <= today) {
            let fee = Decimal::new(FEE_BASE_CENTS, 2) + (month.gross * FEE_SHARE).round_dp(2);
            self.obligation_bill(&provider, month.last_day, &[("Payroll Expenses", fee)]);
            self.obligation_bill(&state, month.last_day, &[("Payroll Liabilities", month.state_tax)]);
        }
    }

    /// A home-currency vendor on "Net 15", created with the books.
    pub(crate) fn obligation_vendor(&mut self, name: &str) -> Value {
        let created = self.now - Duration::days(HISTORY_DAYS + 5);
        let row = self.realm.insert(
            Kind::Vendor,
            json!({
                "DisplayName": name, "CompanyName": name, "PrintOnCheckName": name,
                "Active": true, "Balance": 0,
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                "TermRef": self.term_ref(NET_15), "Vendor1099": false,
            }),
            created,
            created,
        );
        reference(id_of(&row), name)
    }

    /// One bill with a line of each amount to its account, dated `date`,
    /// paid by check on its due date if that has passed (no bill when the
    /// lines come to nothing).
    pub(crate) fn obligation_bill(&mut self, vendor: &Value, date: NaiveDate, lines: &[(&'static str, Decimal)]) {
        let amount: Decimal = lines.iter().map(|(_, a)| *a).sum();
        if amount <= Decimal::ZERO {
            return;
        }
        let due = date + Duration::days(DUE_DAYS);
        let prefix: String = vendor["name"].as_str().unwrap_or_default().chars().take(3).collect();
        let body_lines: Vec<Value> = lines
            .iter()
            .enumerate()
            .map(|(i, (account, line_amount))| {
                json!({
                    "Id": (i + 1).to_string(), "LineNum": i + 1, "Amount": num(*line_amount),
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": { "AccountRef": self.chart.r(account), "BillableStatus": "NotBillable" },
                })
            })
            .collect();
        let body = json!({
            "VendorRef": vendor,
            "APAccountRef": self.chart.r("Accounts Payable (A/P)"),
            "TxnDate": date.to_string(),
            "DueDate": due.to_string(),
            "SalesTermRef": self.term_ref(NET_15),
            "DocNumber": format!("{}-{}{:02}", prefix.to_uppercase(), date.year(), date.month()),
            "TotalAmt": num(amount),
            "Balance": num(amount),
            "CurrencyRef": { "value": HOME.code, "name": HOME.name },
            "Line": body_lines,
        });
        for (account, line_amount) in lines {
            // A debit to a liability lowers what the ledger keeps for it.
            let delta = if self.chart.credit_normal(account) {
                -*line_amount
            } else {
                *line_amount
            };
            self.post(account, delta);
        }
        self.post("Accounts Payable (A/P)", amount);
        let vendor_id: u64 = vendor["value"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
        *self.party_balance.entry(vendor_id).or_default() += amount;
        let created = self.at(date);
        let row = self.realm.insert(Kind::Bill, body, created, created);
        if due < self.realm_today() {
            let paid = PaidBill {
                bill_id: id_of(&row),
                vendor: vendor.clone(),
                amount,
                currency: HOME,
                by_card: false,
            };
            self.pay_bill(&paid, self.at(due));
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset, Utc};

    use super::*;
    use crate::generator::{Profile, Size, generate_realm};
    use crate::money::field;

    #[test]
    fn last_months_payroll_and_tax_bills_stand_open_and_older_ones_are_paid() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T18:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let offset = FixedOffset::west_opt(5 * 3600).unwrap();
        for profile in Profile::ALL {
            let r = generate_realm("7", 7, Size::Typical, profile, false, offset, now);
            for (vendor, account) in [
                (PAYROLL_PROVIDER, "Payroll Expenses"),
                (STATE_TAX_AGENCY, "Payroll Liabilities"),
            ] {
                let bills: Vec<&Value> = r
                    .kind_rows(Kind::Bill)
                    .filter(|b| b["VendorRef"]["name"] == vendor)
                    .collect();
                assert_eq!(bills.len(), 23, "{profile:?} {vendor}: one a past month");
                let open: Vec<&&Value> = bills.iter().filter(|b| field(b, "Balance") > Decimal::ZERO).collect();
                assert_eq!(open.len(), 1, "{profile:?} {vendor}: last month's only");
                assert_eq!(open[0]["TxnDate"], "2026-11-30");
                assert_eq!(open[0]["DueDate"], "2026-12-15");
                for b in &bills {
                    assert_eq!(
                        b["Line"][0]["AccountBasedExpenseLineDetail"]["AccountRef"]["name"],
                        account
                    );
                    assert!(field(b, "TotalAmt") > Decimal::ZERO);
                    let paid = b["LinkedTxn"].as_array().map_or(0, Vec::len);
                    assert_eq!(paid, usize::from(field(b, "Balance").is_zero()), "{profile:?} {vendor}");
                }
            }
        }
        let small = generate_realm("7", 7, Size::Small, Profile::Startup, false, offset, now);
        assert!(
            small
                .kind_rows(Kind::Bill)
                .all(|b| b["VendorRef"]["name"] != PAYROLL_PROVIDER && b["VendorRef"]["name"] != STATE_TAX_AGENCY),
            "small books keep their shape"
        );
    }
}

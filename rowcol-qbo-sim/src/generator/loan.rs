//! An equipment loan, for the profiles whose parameters give one: a bank
//! lent the price of equipment 30 months before the books end, repaid over
//! 60 months in equal installments of principal and interest. The lender
//! bills each installment like the payroll obligations (dated the month's
//! last day, due 15 days later, paid by check on the due date, so last
//! month's stands open in the first half of a month): the principal posts
//! to "Equipment Loan" (Long Term Liability, `NotesPayable`), the interest
//! to "Interest Paid" (Expense, `InterestPaid`). The installments before the
//! history are in the opening balances: the equipment at cost ("Machinery &
//! Equipment", Fixed Asset), the loan's balance then, and Opening Balance
//! Equity for the difference.

use chrono::{Datelike, Months, NaiveDate};
use rust_decimal::Decimal;

use super::books::Books;

/// The lender, as its bills name it.
pub(crate) const LENDER: &str = "First Commerce Equipment Finance";
/// The loan's account (credit normal: a liability).
pub(crate) const LOAN_ACCOUNT: &str = "Equipment Loan";
/// Where the interest posts.
pub(crate) const INTEREST_ACCOUNT: &str = "Interest Paid";
/// The equipment bought with it.
const EQUIPMENT_ACCOUNT: &str = "Machinery & Equipment";
/// Months from the loan to the month the books end.
const MONTHS_AGO: u32 = 30;
/// Installments.
const TERM_MONTHS: u32 = 60;
/// Interest per month: 7.2% a year.
const MONTHLY_RATE: Decimal = Decimal::from_parts(6, 0, 0, false, 3);

/// One installment: the day it is billed, its principal and interest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Installment {
    pub billed: NaiveDate,
    pub principal: Decimal,
    pub interest: Decimal,
}

/// The equal installment repaying `amount` over [`TERM_MONTHS`] at
/// [`MONTHLY_RATE`]: `amount * r / (1 - (1 + r)^-n)`, to the cent.
fn installment(amount: Decimal) -> Decimal {
    let growth = (0..TERM_MONTHS).fold(Decimal::ONE, |f, _| f * (Decimal::ONE + MONTHLY_RATE));
    (amount * MONTHLY_RATE * growth / (growth - Decimal::ONE)).round_dp(2)
}

/// The schedule of a loan of `amount` drawn on `drawn` (a month's last
/// day): installment `k` is billed on the last day of the `k`th month
/// after, interest on the balance to the cent, the last one clearing it.
pub(crate) fn schedule(amount: Decimal, drawn: NaiveDate) -> Vec<Installment> {
    let payment = installment(amount);
    let mut balance = amount;
    (1..=TERM_MONTHS)
        .filter_map(|k| {
            let interest = (balance * MONTHLY_RATE).round_dp(2);
            let principal = if k == TERM_MONTHS { balance } else { payment - interest };
            balance -= principal;
            let billed = month_end(drawn.checked_add_months(Months::new(k))?);
            Some(Installment {
                billed,
                principal,
                interest,
            })
        })
        .collect()
}

/// The last day of `day`'s month.
fn month_end(day: NaiveDate) -> NaiveDate {
    day.with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(1)))
        .and_then(|d| d.pred_opt())
        .unwrap_or(day)
}

impl Books {
    /// The loan's accounts, opening balances and the lender's bills for
    /// every past month (none in small books, as for the payroll bills).
    pub(crate) fn loan_bills(&mut self) {
        let Some(cents) = self.params.equipment_loan_cents else {
            return;
        };
        if !self.bills_payroll_obligations() {
            return;
        }
        let amount = Decimal::new(cents * self.scale_pct / 100, 2);
        let today = self.realm_today();
        let drawn = month_end(today.checked_sub_months(Months::new(MONTHS_AGO)).unwrap_or(today));
        let created = self.now - chrono::Duration::days(750);
        self.add_account(
            (EQUIPMENT_ACCOUNT, "Fixed Asset", "MachineryAndEquipment", "Asset"),
            created,
        );
        self.add_account(
            (LOAN_ACCOUNT, "Long Term Liability", "NotesPayable", "Liability"),
            created,
        );
        self.add_account((INTEREST_ACCOUNT, "Expense", "InterestPaid", "Expense"), created);
        let start = self.month_starts().first().copied().unwrap_or(today);
        let opening_day = start.pred_opt().unwrap_or(start);
        let schedule = schedule(amount, drawn);
        let repaid: Decimal = schedule
            .iter()
            .filter(|i| i.billed <= opening_day)
            .map(|i| i.principal)
            .sum();
        self.journal(
            opening_day,
            "Opening balance",
            &[
                (EQUIPMENT_ACCOUNT, "Debit", amount),
                (LOAN_ACCOUNT, "Credit", amount - repaid),
                ("Opening Balance Equity", "Credit", repaid),
            ],
        );
        let lender = self.obligation_vendor(LENDER);
        for i in schedule.iter().filter(|i| i.billed > opening_day && i.billed <= today) {
            self.obligation_bill(
                &lender,
                i.billed,
                &[(LOAN_ACCOUNT, i.principal), (INTEREST_ACCOUNT, i.interest)],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset, Utc};
    use serde_json::Value;

    use super::*;
    use crate::generator::{Profile, Size, generate_realm};
    use crate::money::field;
    use crate::store::Kind;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// USD 60,000 at 0.6% a month over 60 months: 60,000 x 0.006 x
    /// 1.006^60 / (1.006^60 - 1) = 1,193.74; the first month's interest is
    /// 360.00, so 833.74 of principal.
    #[test]
    fn the_schedule_repays_the_loan_in_equal_installments() {
        let s = schedule(Decimal::new(60_000, 0), day("2024-06-30"));
        assert_eq!(s.len(), 60);
        assert_eq!(s[0].billed, day("2024-07-31"));
        assert_eq!(s[7].billed, day("2025-02-28"));
        assert_eq!(
            (s[0].principal, s[0].interest),
            (Decimal::new(83_374, 2), Decimal::new(36_000, 2))
        );
        let total: Decimal = s.iter().map(|i| i.principal).sum();
        assert_eq!(total, Decimal::new(60_000, 0));
        for i in &s[..59] {
            assert_eq!(i.principal + i.interest, Decimal::new(119_374, 2));
        }
        assert!((s[59].principal + s[59].interest - Decimal::new(119_374, 2)).abs() < Decimal::ONE);
    }

    #[test]
    fn an_importer_owes_the_lender_last_months_installment_and_paid_the_others() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T18:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let offset = FixedOffset::west_opt(5 * 3600).unwrap();
        let r = generate_realm("7", 7, Size::Typical, Profile::Importer, false, offset, now);
        let bills: Vec<&Value> = r
            .kind_rows(Kind::Bill)
            .filter(|b| b["VendorRef"]["name"] == LENDER)
            .collect();
        assert_eq!(bills.len(), 23, "one a past month of the history");
        let open: Vec<&&Value> = bills.iter().filter(|b| field(b, "Balance") > Decimal::ZERO).collect();
        assert_eq!(open.len(), 1);
        assert_eq!(
            (open[0]["TxnDate"].as_str(), open[0]["DueDate"].as_str()),
            (Some("2026-11-30"), Some("2026-12-15"))
        );
        for b in &bills {
            let lines = b["Line"].as_array().unwrap();
            let accounts: Vec<&str> = lines
                .iter()
                .map(|l| {
                    l["AccountBasedExpenseLineDetail"]["AccountRef"]["name"]
                        .as_str()
                        .unwrap()
                })
                .collect();
            assert_eq!(accounts, [LOAN_ACCOUNT, INTEREST_ACCOUNT]);
            let sum: Decimal = lines.iter().map(|l| field(l, "Amount")).sum();
            assert_eq!(sum, field(b, "TotalAmt"));
        }
        // The loan's balance is what the schedule leaves after last month's
        // installment: the opening balance less the principal billed since.
        let account = |name: &str| {
            field(
                r.kind_rows(Kind::Account).find(|a| a["Name"] == name).unwrap(),
                "CurrentBalance",
            )
        };
        let s = schedule(Decimal::new(60_000, 0), day("2024-06-30"));
        let owed: Decimal = s
            .iter()
            .filter(|i| i.billed > day("2026-11-30"))
            .map(|i| i.principal)
            .sum();
        assert_eq!(account(LOAN_ACCOUNT), owed);
        assert_eq!(account(EQUIPMENT_ACCOUNT), Decimal::new(60_000, 0));
        let healthy = generate_realm("7", 7, Size::Typical, Profile::Healthy, false, offset, now);
        assert!(healthy.kind_rows(Kind::Bill).all(|b| b["VendorRef"]["name"] != LENDER));
    }
}

//! A startup's funding: opening balances and an equity raise some months
//! back, sized so that its runway (cash in bank over the net monthly burn
//! of the trailing three full months) is what its profile states.

use chrono::{Datelike, Duration, Months, NaiveDate};
use rand::Rng;
use rust_decimal::Decimal;
use serde_json::Value;

use super::books::Books;
use crate::books::postings::{Basis, Posting, postings};
use crate::books::{AccountKey, Chart};
use crate::books::{home, rate, ref_name, txn_date};
use crate::money::field;
use crate::store::{Kind, RealmData};

/// Journal entries touching these accounts are financing, not burn.
const FINANCING: &[&str] = &[
    "Opening Balance Equity",
    "Preferred Stock",
    "Owner's Draw",
    "Line of Credit",
];
/// The accounts whose balances are cash in bank.
const BANKS: &[&str] = &["Checking", "Savings", "Checking EUR"];

/// Cash out less cash in over `[from, to)`, in home currency, counted as an
/// advisor counts burn: bill payments, purchases, refunds and bank credits of
/// operating journal entries out; customer payments, cash sales, deposits of
/// new money and bank debits of operating journal entries in; transfers,
/// card statements and financing left out.
pub(crate) fn net_cash_out(realm: &RealmData, from: NaiveDate, to: NaiveDate) -> Decimal {
    let within = |row: &&Value| txn_date(row).is_some_and(|d| d >= from && d < to);
    let total = |row: &Value| home(field(row, "TotalAmt"), rate(row));
    let sum = |kind: Kind| -> Decimal { realm.kind_rows(kind).filter(within).map(total).sum() };
    let out = sum(Kind::BillPayment) + sum(Kind::Purchase) + sum(Kind::RefundReceipt);
    let mut cash_in = sum(Kind::Payment) + sum(Kind::SalesReceipt);
    for deposit in realm.kind_rows(Kind::Deposit).filter(within) {
        let lines = deposit["Line"].as_array().map(Vec::as_slice).unwrap_or_default();
        cash_in += lines
            .iter()
            .filter(|l| l.get("LinkedTxn").is_none())
            .map(|l| home(field(l, "Amount"), rate(deposit)))
            .sum::<Decimal>();
    }
    let mut journal = Decimal::ZERO;
    for je in realm.kind_rows(Kind::JournalEntry).filter(within) {
        let lines = je["Line"].as_array().map(Vec::as_slice).unwrap_or_default();
        let account = |l: &Value| ref_name(&l["JournalEntryLineDetail"]["AccountRef"]).to_owned();
        if lines.iter().any(|l| FINANCING.contains(&account(l).as_str())) {
            continue;
        }
        for line in lines.iter().filter(|l| BANKS.contains(&account(l).as_str())) {
            let amount = field(line, "Amount");
            if line["JournalEntryLineDetail"]["PostingType"] == "Debit" {
                journal -= amount;
            } else {
                journal += amount;
            }
        }
    }
    out - cash_in + journal
}

impl Books {
    /// Opening balances of Checking and Savings for a startup, and its raise:
    /// the opening cash covers what it burned before the raise, and the
    /// raise (dated 5 to 8 months back, before the burn's window) brings
    /// cash today to `runway` (tenths of a month, drawn in range) times the
    /// net monthly burn. Returns (checking, savings) opening balances.
    pub(crate) fn fund_startup(&mut self, runway: (i64, i64)) -> (Decimal, Decimal) {
        let today = self.realm_today();
        let this_month = today.with_day(1).unwrap_or(today);
        let window_start = this_month - Months::new(3);
        let monthly = net_cash_out(&self.realm, window_start, this_month) / Decimal::from(3);
        let back = self.rng.random_range(5..=8);
        let raise_on = this_month - Months::new(back) + Duration::days(self.rng.random_range(2..25));
        let history_start = self.month_starts().first().copied().unwrap_or(this_month);
        let before_raise = net_cash_out(&self.realm, history_start - Duration::days(1), raise_on);
        let savings = self.amount_pct(500_000, 2_000_000, self.scale_pct);
        let cushion = self.amount_pct(2_000_000, 4_000_000, self.scale_pct);
        let checking = (before_raise.max(Decimal::ZERO) * Decimal::new(11, 1)).round_dp(2) + cushion;
        let months = Decimal::new(self.rng.random_range(runway.0..=runway.1), 1);
        let flows: Decimal = BANKS
            .iter()
            .map(|b| self.ledger.get(b).copied().unwrap_or_default())
            .sum();
        let target = months * monthly.max(Decimal::ONE);
        // Rounded to the thousand, as a round is.
        let raise = ((target - checking - savings - flows) / Decimal::from(1000)).round() * Decimal::from(1000);
        let raise = raise.max(Decimal::from(1000));
        self.journal(
            raise_on,
            "Series A preferred stock, net of costs",
            &[("Checking", "Debit", raise), ("Preferred Stock", "Credit", raise)],
        );
        (checking, savings)
    }

    /// Owner's draws on each month's last day for profiles with a
    /// `cash_cushion` (tenths of a month of spending, drawn in range): what
    /// the bank accounts hold above the cushion goes to the owner, as a
    /// profitable small firm's owner pays themselves, so cash stays near
    /// the cushion instead of piling up over two years. Draws come out of
    /// Checking, which messy books may overdraw; other books keep six
    /// weeks of spending in it, and their owner puts money back in when a
    /// month ends under a small floor. `opening` is what Checking and Savings open with.
    pub(crate) fn owner_draws(&mut self, cushion: (i64, i64), opening: (Decimal, Decimal)) {
        let months = Decimal::new(self.rng.random_range(cushion.0..=cushion.1), 1);
        let chart = Chart::of(&self.realm);
        let id = |name: &str| self.chart.by_name.get(name).map(|id| AccountKey::Id(*id));
        let (checking, savings) = (id("Checking"), id("Savings"));
        let all = postings(&self.realm, &chart, Basis::Accrual);
        let bank: Vec<&Posting> = all
            .iter()
            .filter(|p| Some(p.account) == checking || Some(p.account) == savings)
            .collect();
        let today = self.realm_today();
        let floor = Decimal::new(500_000 * self.scale_pct / 100, 2);
        let mut drawn = Decimal::ZERO;
        for month in self.month_starts() {
            let Some(last) = month.checked_add_months(Months::new(1)).and_then(|n| n.pred_opt()) else {
                continue;
            };
            if last >= today {
                break;
            }
            let held = |account: Option<AccountKey>| -> Decimal {
                bank.iter()
                    .filter(|p| Some(p.account) == account && p.date <= last)
                    .map(|p| p.amount)
                    .sum()
            };
            let in_checking = opening.0 + held(checking) - drawn;
            let cash = in_checking + opening.1 + held(savings);
            // Spending: money out of the banks over the last three months,
            // transfers between them left out.
            let since = month - Months::new(2);
            let spent: Decimal = -bank
                .iter()
                .filter(|p| p.kind != Kind::Transfer && p.amount < Decimal::ZERO && p.date >= since && p.date <= last)
                .map(|p| p.amount)
                .sum::<Decimal>();
            let target = months * spent / Decimal::from(3);
            let mut draw = cash - target;
            if !self.params.messy {
                // Checking keeps six weeks of spending, so payroll never overdraws it.
                draw = draw.min(in_checking - floor.max(spent / Decimal::from(2)));
            }
            let draw = (draw / Decimal::from(100)).floor() * Decimal::from(100);
            if draw <= Decimal::ZERO {
                if !self.params.messy && in_checking < floor {
                    // A lean month: the owner puts money back in.
                    let put = ((floor - in_checking) / Decimal::from(100)).ceil() * Decimal::from(100);
                    drawn -= put;
                    self.journal(
                        last,
                        "Owner's contribution",
                        &[("Checking", "Debit", put), ("Owner's Draw", "Credit", put)],
                    );
                }
                continue;
            }
            drawn += draw;
            self.journal(
                last,
                "Owner's draw",
                &[("Owner's Draw", "Debit", draw), ("Checking", "Credit", draw)],
            );
        }
    }
}

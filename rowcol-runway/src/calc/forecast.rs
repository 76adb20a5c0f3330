//! The 13-week cash forecast: what is owed either way today, plus what
//! the client's own recent behaviour says will keep happening.
//!
//! Definition, weeks of 7 days from the as-of date, starting from net cash
//! (banks less cards owed):
//! - **open invoices** at the customer's expected pay date (due date plus its
//!   habitual lateness, else the client's); one already later than that is
//!   spread over weeks 1 to 4; more than 90 days past due is doubtful and
//!   left out;
//! - **open bills** at their due date (date + 30 days without one), overdue
//!   ones in week 1;
//! - **new invoicing**: the trailing window's invoicing per day, issued from
//!   the as-of date on and collected after the client's usual days from
//!   invoice to payment (30 without history);
//! - **new bills**: the window's bills per day, paid after the client's usual
//!   days from bill to payment (30 without history);
//! - **payroll**: operating journal entries out of the bank (payroll, its
//!   remittance) on the days of the month they fell in the window, each
//!   day's window average per month (month-end entries on each month's last
//!   day);
//! - **other receipts**: cash sales, deposits not carrying payments, bank
//!   debits of operating journal entries, per day of the window;
//! - **direct spend**: purchases and card charges less card refunds, refunds
//!   paid, sales tax, per day of the window.
//!
//! Rates and payroll are learned only when the snapshot's history reaches
//! back to the window's start. Run-rate lines are rounded to the minor unit
//! (half away from zero), so the weeks add up exactly. Every week lists its lines with their source.

use rustc_hash::FxHashMap;

use chrono::{Datelike, NaiveDate};
use rowcol_core::entity::Bill;
use rowcol_core::{ClientSnapshot, Currency, EntityKind, ExternalId, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::habits::PaymentHabits;
use super::rollforward::{Class, Movement, operating_in_home};
use crate::home::HomeRates;
use crate::perf::sign::positive;
use crate::period::{Window, days_between, shift};

/// Weeks in the forecast.
pub const WEEKS: usize = 13;

/// Invoices further past due than this are left out of inflows as doubtful.
pub const DOUBTFUL_AFTER_DAYS: i64 = 90;

/// Days from document to payment assumed without any history.
const DEFAULT_DELAY_DAYS: i64 = 30;

/// Weeks an invoice already later than its payer's habit is spread over.
const LATE_SPREAD_WEEKS: usize = 4;

/// Where a forecast line comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum ForecastSource {
    /// An open invoice, at its customer's expected pay date.
    OpenInvoice {
        /// The invoice.
        id: ExternalId,
    },
    /// An open bill, at its due date.
    OpenBill {
        /// The bill.
        id: ExternalId,
    },
    /// Invoicing at the window's rate, collected after the usual delay.
    NewInvoicing,
    /// Bills at the window's rate, paid after the usual delay.
    NewBills,
    /// Payroll and other operating journal entries on their usual day.
    Payroll {
        /// Day of the month, 0 for the month's last day.
        day_of_month: u32,
    },
    /// Cash sales and other receipts not through invoices, at the window's rate.
    OtherReceipts,
    /// Spending not through bills, at the window's rate.
    DirectSpend,
    /// A scenario's new hire, on its paydays (see [`crate::scenario`]).
    NewHire,
    /// A scenario's loan or equity raise, on its date (see [`crate::scenario`]).
    Financing {
        /// Loan or equity.
        kind: crate::scenario::FinancingKind,
    },
}

/// One amount of a forecast week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastLine {
    /// Why it is there.
    #[serde(flatten)]
    pub source: ForecastSource,
    /// Money in positive, money out negative.
    pub amount: Money,
}

/// One forecast week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastWeek {
    /// 1 to 13.
    pub week: u32,
    /// First day.
    pub start: NaiveDate,
    /// Last day (included).
    pub end: NaiveDate,
    /// Balance at the start.
    pub opening: Money,
    /// Money in: open invoices, new invoicing, other receipts.
    pub inflows: Money,
    /// Open bills falling due and new bills paid.
    pub bill_outflows: Money,
    /// Payroll and direct spend.
    pub recurring_outflows: Money,
    /// `opening + inflows - bill_outflows - recurring_outflows`.
    pub closing: Money,
    /// The week's amounts with their sources.
    pub lines: Vec<ForecastLine>,
}

/// The 13-week forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    /// Week 1 starts on this date.
    pub as_of: NaiveDate,
    /// Net cash at the start (banks less cards owed).
    pub starting_cash: Money,
    /// The weeks, in order.
    pub weeks: Vec<ForecastWeek>,
    /// Sum of weekly inflows.
    pub total_inflows: Money,
    /// Sum of weekly outflows (bills and recurring).
    pub total_outflows: Money,
    /// Open invoices left out as doubtful (more than 90 days past due).
    pub doubtful_receivables: Money,
    /// The buffer compared against, if known.
    pub guardrail: Option<Money>,
    /// First week whose closing balance is under the buffer.
    pub first_week_below_guardrail: Option<u32>,
    /// How the figure was computed.
    pub method: String,
}

/// The index of the week (0-based) that `date` falls in; dates before
/// `as_of` (already due) fall in the first week; `None` past the horizon.
pub(crate) fn week_index(as_of: NaiveDate, date: NaiveDate) -> Option<usize> {
    let days = days_between(as_of, date).max(0);
    let w = usize::try_from(days / 7).unwrap_or(usize::MAX);
    (w < WEEKS).then_some(w)
}

/// When an open bill is expected to be paid: its due date, or 30 days after
/// its date when it has none.
pub(crate) fn bill_pay_date(bill: &Bill) -> NaiveDate {
    bill.due_date.unwrap_or_else(|| shift(bill.txn.txn_date, 30))
}

/// Inputs the forecast takes beside the snapshot.
pub(crate) struct ForecastInputs<'r, 'm> {
    pub(crate) as_of: NaiveDate,
    pub(crate) starting_cash: Money,
    /// The trailing window rates are learned over.
    pub(crate) window: Window,
    /// The roll-forward's movements of the snapshot.
    pub(crate) movements: &'r [Movement<'m>],
    pub(crate) guardrail: Option<Money>,
    pub(crate) rates: &'r HomeRates<'r>,
    /// A scenario's changes; none for the base forecast.
    pub(crate) adjust: &'r Adjustments,
}

/// The hook a scenario ([`crate::scenario`]) changes the forecast through;
/// the default changes nothing.
#[derive(Debug, Default)]
pub(crate) struct Adjustments {
    /// Days later than in the base forecast each customer's open invoices are
    /// collected.
    pub(crate) customer_days: FxHashMap<ExternalId, i64>,
    /// Days later than in the base forecast each vendor's open bills and new
    /// bills are paid.
    pub(crate) vendor_days: FxHashMap<ExternalId, i64>,
    /// Extra amounts in home units (money in positive) on their dates; a date
    /// before the as-of date falls in week 1.
    pub(crate) dated: Vec<(NaiveDate, ForecastSource, Decimal)>,
}

impl Adjustments {
    fn vendor_days(&self, bill: &Bill) -> i64 {
        bill.vendor
            .as_ref()
            .and_then(|v| self.vendor_days.get(&v.id))
            .copied()
            .unwrap_or(0)
    }
}

/// What the window says keeps happening, in home units.
struct Trailing {
    invoicing_per_day: Decimal,
    bills_per_day: Decimal,
    /// Of the bills, those of vendors a scenario delays: (extra days, per day).
    delayed_bills: Vec<(i64, Decimal)>,
    other_receipts_per_day: Decimal,
    direct_spend_per_day: Decimal,
    /// Monthly amount out per payroll day (0: the month's last day).
    payroll: Vec<(u32, Decimal)>,
    bill_delay: i64,
}

/// The payroll slot of a date: its day of the month, 0 for the last day.
fn slot(date: NaiveDate) -> u32 {
    if shift(date, 1).month() != date.month() {
        0
    } else {
        date.day()
    }
}

impl Trailing {
    /// No recurring flows: too little history to learn any.
    fn none() -> Trailing {
        Trailing {
            invoicing_per_day: Decimal::ZERO,
            bills_per_day: Decimal::ZERO,
            delayed_bills: Vec::new(),
            other_receipts_per_day: Decimal::ZERO,
            direct_spend_per_day: Decimal::ZERO,
            payroll: Vec::new(),
            bill_delay: DEFAULT_DELAY_DAYS,
        }
    }

    fn learn(s: &ClientSnapshot, inp: &ForecastInputs<'_, '_>) -> Trailing {
        let (rates, window) = (inp.rates, inp.window);
        let days = Decimal::from(window.days().max(1));
        let dated = |t: &rowcol_core::entity::TxnCommon| window.contains(t.txn_date);
        let invoiced: Decimal = s
            .invoices
            .iter()
            .filter(|i| !i.meta.deleted && dated(&i.txn))
            .filter_map(|i| rates.total(&i.txn))
            .sum();
        let mut billed = Decimal::ZERO;
        let mut delayed: FxHashMap<i64, Decimal> = FxHashMap::default();
        for b in s.bills.iter().filter(|b| !b.meta.deleted && dated(&b.txn)) {
            let Some(total) = rates.total(&b.txn) else { continue };
            match inp.adjust.vendor_days(b) {
                0 => billed += total,
                days => *delayed.entry(days).or_default() += total,
            }
        }
        let mut delayed: Vec<(i64, Decimal)> = delayed.into_iter().map(|(d, a)| (d, a / days)).collect();
        delayed.sort_by_key(|(d, _)| *d);
        // Receipts that are not collections of invoices: cash sales wherever
        // deposited, and the part of deposits that carries no payment or sale.
        let sales: Decimal = s
            .sales_receipts
            .iter()
            .filter(|r| !r.meta.deleted && dated(&r.txn))
            .filter_map(|r| rates.total(&r.txn))
            .sum();
        let deposits: Decimal = s
            .deposits
            .iter()
            .filter(|d| !d.meta.deleted && dated(&d.txn))
            .filter_map(|d| {
                let carried = d
                    .linked
                    .iter()
                    .filter(|l| matches!(l.kind, EntityKind::Payment | EntityKind::SalesReceipt))
                    .map(|l| l.amount.and_then(|a| rates.on_txn(&d.txn, a)))
                    .sum::<Option<Decimal>>()?;
                rates.total(&d.txn).map(|t| (t - carried).max(Decimal::ZERO))
            })
            .sum();
        let (mut journal_in, mut direct) = (Decimal::ZERO, Decimal::ZERO);
        let mut payroll: FxHashMap<u32, Decimal> = FxHashMap::default();
        for (m, home) in operating_in_home(s, rates, inp.movements, window) {
            match (m.source, m.class) {
                (EntityKind::JournalEntry, Class::In) => journal_in += home,
                (EntityKind::JournalEntry, _) => *payroll.entry(slot(m.date)).or_default() -= home,
                (EntityKind::Purchase | EntityKind::RefundReceipt | EntityKind::TaxPayment, _) => direct -= home,
                _ => {}
            }
        }
        let months = Decimal::from(window.months.max(1));
        let mut payroll: Vec<(u32, Decimal)> = payroll.into_iter().map(|(d, a)| (d, a / months)).collect();
        payroll.sort_by_key(|(d, _)| *d);
        Trailing {
            invoicing_per_day: invoiced / days,
            bills_per_day: billed / days,
            delayed_bills: delayed,
            other_receipts_per_day: (sales + deposits + journal_in) / days,
            direct_spend_per_day: direct / days,
            payroll,
            bill_delay: bill_delay(s).unwrap_or(DEFAULT_DELAY_DAYS),
        }
    }
}

/// Average days from a bill's date to the bill payments applied to it.
fn bill_delay(s: &ClientSnapshot) -> Option<i64> {
    let dates: FxHashMap<&ExternalId, NaiveDate> =
        s.bills.iter().map(|b| (&b.meta.external_id, b.txn.txn_date)).collect();
    let (mut total, mut n) = (0i64, 0i64);
    for p in s.bill_payments.iter().filter(|p| !p.meta.deleted) {
        for link in p.applied_to.iter().filter(|l| l.kind == EntityKind::Bill) {
            if let Some(d) = dates.get(&link.id) {
                total += days_between(*d, p.txn.txn_date).max(0);
                n += 1;
            }
        }
    }
    (n > 0).then(|| total / n)
}

/// Days of week `w` (0-based) on which a document issued on a day from the
/// as-of date on, and paid `delay` days later, is paid.
fn issue_days_paid_in_week(w: usize, delay: i64) -> i64 {
    let first = i64::try_from(w).unwrap_or(i64::MAX).saturating_mul(7);
    let (from, to) = ((first - delay).max(0), first + 7 - delay);
    (to - from).max(0)
}

/// The forecast's weeks, filled line by line.
struct Weeks {
    lines: Vec<Vec<ForecastLine>>,
    currency: Currency,
}

impl Weeks {
    fn add(&mut self, w: usize, source: ForecastSource, amount: Decimal) {
        if amount.is_zero() {
            return;
        }
        if let Some(week) = self.lines.get_mut(w) {
            week.push(ForecastLine {
                source,
                amount: Money::new(amount, self.currency),
            });
        }
    }

    /// A run-rate amount, rounded to the minor unit.
    fn add_rate(&mut self, w: usize, source: ForecastSource, amount: Decimal) {
        let rounded = Money::new(amount, self.currency).round_to_minor_units().amount();
        self.add(w, source, rounded);
    }
}

pub(crate) fn forecast_with<'a>(
    s: &'a ClientSnapshot,
    habits: &PaymentHabits<'a>,
    inp: &ForecastInputs<'_, '_>,
) -> Forecast {
    let rates = inp.rates;
    let mut weeks = Weeks {
        lines: vec![Vec::new(); WEEKS],
        currency: rates.home(),
    };
    let mut doubtful = Decimal::ZERO;
    for inv in s.invoices.iter().filter(|i| !i.meta.deleted && positive(i.balance)) {
        let Some(amount) = rates.on_txn(&inv.txn, inv.balance) else {
            continue;
        };
        let due = inv.due_date.unwrap_or(inv.txn.txn_date);
        if days_between(due, inp.as_of) > DOUBTFUL_AFTER_DAYS {
            doubtful += amount;
            continue;
        }
        let source = || ForecastSource::OpenInvoice {
            id: inv.meta.external_id.clone(),
        };
        let customer = inv.customer.as_ref().map(|c| &c.id);
        let expected = habits.expected_date(due, customer);
        // A scenario's lateness moves each part that many days past where
        // the base forecast puts it.
        let late = customer
            .and_then(|c| inp.adjust.customer_days.get(c))
            .copied()
            .unwrap_or(0);
        if expected < inp.as_of {
            // Later than even this payer's habit: spread, not all in week 1.
            let share = Money::new(amount / Decimal::from(LATE_SPREAD_WEEKS as u32), weeks.currency)
                .round_to_minor_units()
                .amount();
            for w in 0..LATE_SPREAD_WEEKS {
                let part = if w + 1 == LATE_SPREAD_WEEKS {
                    amount - share * Decimal::from(LATE_SPREAD_WEEKS as u32 - 1)
                } else {
                    share
                };
                let at = shift(inp.as_of, i64::try_from(7 * w).unwrap_or(0).saturating_add(late));
                if let Some(w) = week_index(inp.as_of, at) {
                    weeks.add(w, source(), part);
                }
            }
        } else if let Some(w) = week_index(inp.as_of, shift(expected, late)) {
            weeks.add(w, source(), amount);
        }
    }
    for bill in s.bills.iter().filter(|b| !b.meta.deleted && positive(b.balance)) {
        let Some(amount) = rates.on_txn(&bill.txn, bill.balance) else {
            continue;
        };
        // A delayed vendor is paid that many days after the base forecast
        // would pay it (an overdue bill: after week 1's first day).
        let pay = match inp.adjust.vendor_days(bill) {
            0 => bill_pay_date(bill),
            days => shift(bill_pay_date(bill).max(inp.as_of), days),
        };
        if let Some(w) = week_index(inp.as_of, pay) {
            let id = bill.meta.external_id.clone();
            weeks.add(w, ForecastSource::OpenBill { id }, Decimal::ZERO - amount);
        }
    }
    // No rate is learned from a window the history does not reach back to.
    let t = if s.history_start <= inp.window.start {
        Trailing::learn(s, inp)
    } else {
        Trailing::none()
    };
    let collection = habits.collection_days.unwrap_or(DEFAULT_DELAY_DAYS);
    for w in 0..WEEKS {
        let new_in = t.invoicing_per_day * Decimal::from(issue_days_paid_in_week(w, collection));
        weeks.add_rate(w, ForecastSource::NewInvoicing, new_in);
        let new_out = t.bills_per_day * Decimal::from(issue_days_paid_in_week(w, t.bill_delay));
        weeks.add_rate(w, ForecastSource::NewBills, Decimal::ZERO - new_out);
        for (days, per_day) in &t.delayed_bills {
            let late = *per_day * Decimal::from(issue_days_paid_in_week(w, t.bill_delay + days));
            weeks.add_rate(w, ForecastSource::NewBills, Decimal::ZERO - late);
        }
        weeks.add_rate(
            w,
            ForecastSource::OtherReceipts,
            t.other_receipts_per_day * Decimal::from(7),
        );
        weeks.add_rate(
            w,
            ForecastSource::DirectSpend,
            Decimal::ZERO - t.direct_spend_per_day * Decimal::from(7),
        );
    }
    for day in (0..i64::try_from(WEEKS * 7).unwrap_or(0)).map(|d| shift(inp.as_of, d)) {
        let here = slot(day);
        for (_, monthly) in t.payroll.iter().filter(|(d, _)| *d == here) {
            if let Some(w) = week_index(inp.as_of, day) {
                weeks.add_rate(
                    w,
                    ForecastSource::Payroll { day_of_month: here },
                    Decimal::ZERO - *monthly,
                );
            }
        }
    }
    for (date, source, amount) in &inp.adjust.dated {
        if let Some(w) = week_index(inp.as_of, *date) {
            weeks.add(w, source.clone(), *amount);
        }
    }
    let mut out = Vec::with_capacity(WEEKS);
    let mut balance = inp.starting_cash.amount();
    let mut first_below = None;
    let (mut total_in, mut total_out) = (Decimal::ZERO, Decimal::ZERO);
    for (w, lines) in weeks.lines.into_iter().enumerate() {
        let (mut inflows, mut bills, mut recurring) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for line in &lines {
            let a = line.amount.amount();
            match line.source {
                ForecastSource::OpenBill { .. } | ForecastSource::NewBills => bills -= a,
                ForecastSource::Payroll { .. } | ForecastSource::DirectSpend | ForecastSource::NewHire => {
                    recurring -= a
                }
                _ => inflows += a,
            }
        }
        let opening = balance;
        balance = opening + inflows - bills - recurring;
        total_in += inflows;
        total_out += bills + recurring;
        let week = u32::try_from(w + 1).unwrap_or(u32::MAX);
        if first_below.is_none() && inp.guardrail.is_some_and(|g| balance < g.amount()) {
            first_below = Some(week);
        }
        let start = shift(inp.as_of, 7 * (i64::from(week) - 1));
        out.push(ForecastWeek {
            week,
            start,
            end: shift(start, 6),
            opening: rates.money(opening),
            inflows: rates.money(inflows),
            bill_outflows: rates.money(bills),
            recurring_outflows: rates.money(recurring),
            closing: rates.money(balance),
            lines,
        });
    }
    Forecast {
        as_of: inp.as_of,
        starting_cash: inp.starting_cash,
        weeks: out,
        total_inflows: rates.money(total_in),
        total_outflows: rates.money(total_out),
        doubtful_receivables: rates.money(doubtful),
        guardrail: inp.guardrail,
        first_week_below_guardrail: first_below,
        method: format!(
            "weeks of 7 days from the as-of date, from net cash (banks less cards owed); in: open invoices at the \
             due date plus the customer's average lateness (else the client's), later than that spread over weeks \
             1-4, more than 90 days past due left out as doubtful; new invoicing at the {m}-month window's daily \
             rate collected after {c} days (the client's average from invoice to payment); cash sales and other \
             receipts at the window's rate. Out: open bills at their due date (date + 30 days when none), overdue \
             ones in week 1; new bills at the window's rate paid after {b} days; payroll on the days of the month \
             it fell in the window, at its monthly average; purchases, card charges, refunds and tax at the \
             window's rate (rates only when the history covers the window). Run-rate lines rounded to the \
             minor unit",
            m = inp.window.months,
            c = collection,
            b = t.bill_delay,
        ),
    }
}

//! The 13-week cash forecast.

use chrono::NaiveDate;
use rowcol_core::entity::Bill;
use rowcol_core::{ClientSnapshot, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::habits::PaymentHabits;
use crate::home::HomeRates;
use crate::period::{days_between, shift};
use crate::sign::positive;

/// Weeks in the forecast.
pub const WEEKS: usize = 13;

/// Invoices further past due than this are left out of inflows as doubtful.
pub const DOUBTFUL_AFTER_DAYS: i64 = 90;

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
    /// Expected collections of open invoices.
    pub inflows: Money,
    /// Open bills falling due.
    pub bill_outflows: Money,
    /// Spending not captured by bills (recent purchases, as a weekly rate).
    pub recurring_outflows: Money,
    /// `opening + inflows - bill_outflows - recurring_outflows`.
    pub closing: Money,
}

/// The 13-week forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    /// Week 1 starts on this date.
    pub as_of: NaiveDate,
    /// Available cash at the start.
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
pub(crate) struct ForecastInputs<'r> {
    pub(crate) as_of: NaiveDate,
    pub(crate) starting_cash: Money,
    /// Purchases in the burn window and the window's length in days.
    pub(crate) direct_spend: (Decimal, i64),
    pub(crate) guardrail: Option<Money>,
    pub(crate) rates: &'r HomeRates<'r>,
}

pub(crate) fn forecast_with<'a>(
    s: &'a ClientSnapshot,
    habits: &PaymentHabits<'a>,
    inp: &ForecastInputs<'_>,
) -> Forecast {
    let rates = inp.rates;
    let mut inflows = [Decimal::ZERO; WEEKS];
    let mut bills = [Decimal::ZERO; WEEKS];
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
        let expected = habits.expected_date(due, inv.customer.as_ref().map(|c| &c.id));
        if let Some(w) = week_index(inp.as_of, expected) {
            inflows[w] += amount;
        }
    }
    for bill in s.bills.iter().filter(|b| !b.meta.deleted && positive(b.balance)) {
        let Some(amount) = rates.on_txn(&bill.txn, bill.balance) else {
            continue;
        };
        if let Some(w) = week_index(inp.as_of, bill_pay_date(bill)) {
            bills[w] += amount;
        }
    }
    let (spend, days) = inp.direct_spend;
    // A projected weekly payment, so rounded to the minor unit (half away
    // from zero): the weeks then add up exactly to the totals.
    let recurring = if days > 0 {
        rates
            .money(spend * Decimal::from(7) / Decimal::from(days))
            .round_to_minor_units()
            .amount()
    } else {
        Decimal::ZERO
    };
    let mut weeks = Vec::with_capacity(WEEKS);
    let mut balance = inp.starting_cash.amount();
    let mut first_below = None;
    for w in 0..WEEKS {
        let opening = balance;
        balance = opening + inflows[w] - bills[w] - recurring;
        let week = u32::try_from(w + 1).unwrap_or(u32::MAX);
        if first_below.is_none() && inp.guardrail.is_some_and(|g| balance < g.amount()) {
            first_below = Some(week);
        }
        let start = shift(inp.as_of, 7 * (i64::from(week) - 1));
        weeks.push(ForecastWeek {
            week,
            start,
            end: shift(start, 6),
            opening: rates.money(opening),
            inflows: rates.money(inflows[w]),
            bill_outflows: rates.money(bills[w]),
            recurring_outflows: rates.money(recurring),
            closing: rates.money(balance),
        });
    }
    let total_in: Decimal = inflows.iter().sum();
    let total_out: Decimal = bills.iter().sum::<Decimal>() + recurring * Decimal::from(WEEKS);
    Forecast {
        as_of: inp.as_of,
        starting_cash: inp.starting_cash,
        weeks,
        total_inflows: rates.money(total_in),
        total_outflows: rates.money(total_out),
        doubtful_receivables: rates.money(doubtful),
        guardrail: inp.guardrail,
        first_week_below_guardrail: first_below,
        method: "weeks of 7 days from the as-of date; inflows: open invoices at the due date plus the customer's \
                 average lateness (else the client's, else none), overdue ones in week 1, more than 90 days past due \
                 left out as doubtful; outflows: open bills at their due date (date + 30 days when none), overdue ones \
                 in week 1, plus purchases over the burn window as a weekly rate rounded to the minor unit"
            .to_owned(),
    }
}

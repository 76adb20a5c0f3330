//! Days sales outstanding (DSO) and days payables outstanding (DPO).

use rowcol_core::{ClientSnapshot, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::aging::{Side, open_items};
use super::runway::round_ratio;
use crate::home::HomeRates;
use crate::perf::sum::sum_present;
use crate::period::Window;

/// DSO or DPO with the amounts it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DaysOutstanding {
    /// Receivable (DSO) or payable (DPO).
    pub side: Side,
    /// Days, rounded half away from zero to 2 decimals; `None` when nothing
    /// was invoiced (or billed) in the window.
    pub days: Option<Decimal>,
    /// Open balance now (home currency).
    pub open_balance: Money,
    /// Invoiced (or billed) in the window (home currency).
    pub period_amount: Money,
    /// The window.
    pub window: Window,
    /// How the figure was computed.
    pub method: String,
}

/// DSO (receivable side) or DPO (payable side) over `window`.
pub fn days_outstanding(s: &ClientSnapshot, side: Side, window: Window) -> DaysOutstanding {
    let rates = HomeRates::from_snapshot(s);
    let open = open_items(s, side, &rates).iter().map(|i| i.balance).sum();
    days_outstanding_with(s, side, window, open, &rates)
}

pub(crate) fn days_outstanding_with(
    s: &ClientSnapshot,
    side: Side,
    window: Window,
    open: Decimal,
    rates: &HomeRates,
) -> DaysOutstanding {
    // `None` outside the window: the sum leaves those out.
    let in_window = |txn: &rowcol_core::entity::TxnCommon| {
        if window.contains(txn.txn_date) {
            rates.total(txn)
        } else {
            None
        }
    };
    let period = match side {
        Side::Receivable => sum_present(s.invoices.iter().filter(|i| !i.meta.deleted).map(|i| in_window(&i.txn))),
        Side::Payable => sum_present(s.bills.iter().filter(|b| !b.meta.deleted).map(|b| in_window(&b.txn))),
    };
    let days = (period > Decimal::ZERO).then(|| round_ratio(open / period * Decimal::from(window.days())));
    let (name, docs) = match side {
        Side::Receivable => ("DSO", "invoiced"),
        Side::Payable => ("DPO", "billed"),
    };
    DaysOutstanding {
        side,
        days,
        open_balance: rates.money(open),
        period_amount: rates.money(period),
        window,
        method: format!(
            "{name} = open balance / amount {docs} in {}..{} (end excluded) x {} days",
            window.start,
            window.end,
            window.days()
        ),
    }
}

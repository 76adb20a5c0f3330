//! Gross and net burn over trailing full months, as a monthly figure.

use rowcol_core::{ClientSnapshot, EntityKind, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::home::HomeRates;
use crate::index::SnapshotIndex;
use crate::period::Window;
use crate::sum::sum_present;

/// Cash out and cash in over a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Burn {
    /// The trailing full months used.
    pub window: Window,
    /// Cash out over the window: bill payments plus purchases.
    pub cash_out: Money,
    /// Of `cash_out`, the purchases (spending not captured by bills).
    pub direct_spend: Money,
    /// Cash in over the window: customer payments plus deposits not carrying
    /// those payments.
    pub cash_in: Money,
    /// `cash_out / months`.
    pub gross_monthly: Money,
    /// `(cash_out - cash_in) / months`; zero or less means not burning.
    pub net_monthly: Money,
    /// Money movements counted.
    pub transactions: u32,
    /// True when the snapshot's history reaches back to the window's start.
    pub history_covers_window: bool,
    /// How the figure was computed.
    pub method: String,
}

impl Burn {
    /// True when the figure rests on too little data to quote: the history
    /// does not reach the window's start, or nothing moved in the window.
    pub fn too_thin(&self) -> bool {
        !self.history_covers_window || self.transactions == 0
    }
}

/// Computes burn over the `months` full months before `as_of`'s month.
pub fn burn(s: &ClientSnapshot, as_of: chrono::NaiveDate, months: u32) -> Burn {
    let ix = SnapshotIndex::new(s);
    burn_with(
        s,
        &HomeRates::from_snapshot(s),
        &ix,
        Window::trailing_full_months(as_of, months),
    )
}

pub(crate) fn burn_with(s: &ClientSnapshot, rates: &HomeRates, ix: &SnapshotIndex<'_>, window: Window) -> Burn {
    let mut n = 0u32;
    // A transaction's home amount when it falls in the window (counted);
    // `None` for the rest, which the sums leave out.
    let mut sum = |txn: &rowcol_core::entity::TxnCommon| -> Option<Decimal> {
        if window.contains(txn.txn_date) {
            n += 1;
            rates.total(txn)
        } else {
            None
        }
    };
    let bill_payments = sum_present(s.bill_payments.iter().filter(|p| !p.meta.deleted).map(|p| sum(&p.txn)));
    let purchases = sum_present(s.purchases.iter().filter(|p| !p.meta.deleted).map(|p| sum(&p.txn)));
    let payments = sum_present(s.payments.iter().filter(|p| !p.meta.deleted).map(|p| sum(&p.txn)));
    // A deposit that carries payments out of Undeposited Funds holds money
    // already counted as those payments: only the rest is new cash in.
    let deposits: Decimal = s
        .deposits
        .iter()
        .filter(|d| !d.meta.deleted)
        .map(|d| {
            let gross = sum(&d.txn).unwrap_or_default();
            let carried: Decimal = d
                .linked
                .iter()
                .filter(|l| l.kind == EntityKind::Payment)
                .filter_map(|l| match l.amount {
                    Some(a) => rates.on_txn(&d.txn, a),
                    None => ix.payment(&l.id).and_then(|p| rates.total(&p.txn)),
                })
                .sum();
            (gross - carried).max(Decimal::ZERO)
        })
        .sum();
    let cash_out = bill_payments + purchases;
    let cash_in = payments + deposits;
    let months = Decimal::from(window.months);
    Burn {
        window,
        cash_out: rates.money(cash_out),
        direct_spend: rates.money(purchases),
        cash_in: rates.money(cash_in),
        gross_monthly: rates.money(cash_out / months),
        net_monthly: rates.money((cash_out - cash_in) / months),
        transactions: n,
        history_covers_window: s.history_start <= window.start,
        method: format!(
            "trailing {} full months {}..{} (end excluded): gross = (bill payments + purchases) / {m}; \
             net = (gross cash out - customer payments - deposits not carrying payments) / {m}",
            window.months,
            window.start,
            window.end,
            m = window.months
        ),
    }
}

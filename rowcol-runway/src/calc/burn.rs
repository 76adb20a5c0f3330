//! Operating burn over trailing full months, as a monthly figure, from the
//! same movements as the cash roll-forward.

use rowcol_core::{ClientSnapshot, EntityKind, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::rollforward::{AccountTypes, Class, Movement, movements, operating_in_home};
use crate::home::HomeRates;
use crate::period::Window;

/// Operating cash out and cash in over a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Burn {
    /// The trailing full months used.
    pub window: Window,
    /// Operating cash out over the window, as the roll-forward classes it:
    /// bill payments, purchases and card charges (less card refunds), bank
    /// credits of operating journal entries (payroll), refunds paid and
    /// sales tax paid.
    pub cash_out: Money,
    /// Of `cash_out`, what did not go through a bill (purchases, card
    /// charges, payroll, refunds, tax): spending the forecast spreads evenly.
    pub direct_spend: Money,
    /// Operating cash in over the window: customer payments and deposits
    /// reaching a bank account, cash sales, card refunds, bank debits of
    /// operating journal entries.
    pub cash_in: Money,
    /// `cash_out / months`.
    pub gross_monthly: Money,
    /// `(cash_out - cash_in) / months`; zero or less means not burning.
    pub net_monthly: Money,
    /// Operating money movements counted.
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
    burn_with(
        s,
        &HomeRates::from_snapshot(s),
        Window::trailing_full_months(as_of, months),
        &movements(s, &AccountTypes::of(s)),
    )
}

/// Burn over `window` from the snapshot's roll-forward `moves`.
pub(crate) fn burn_with(s: &ClientSnapshot, rates: &HomeRates, window: Window, moves: &[Movement<'_>]) -> Burn {
    let (mut cash_out, mut cash_in, mut direct, mut n) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO, 0u32);
    for (m, home) in operating_in_home(s, rates, moves, window) {
        n += 1;
        match m.class {
            Class::In => cash_in += home,
            _ => {
                cash_out -= home;
                if m.source != EntityKind::BillPayment {
                    direct -= home;
                }
            }
        }
    }
    let months = Decimal::from(window.months);
    Burn {
        window,
        cash_out: rates.money(cash_out),
        direct_spend: rates.money(direct),
        cash_in: rates.money(cash_in),
        gross_monthly: rates.money(cash_out / months),
        net_monthly: rates.money((cash_out - cash_in) / months),
        transactions: n,
        history_covers_window: s.history_start <= window.start,
        method: format!(
            "trailing {} full months {}..{} (end excluded), from the cash roll-forward's operating movements of \
             the bank and card accounts: gross = cash out (bill payments, purchases and card charges less card \
             refunds, bank credits of operating journal entries such as payroll, refunds paid, sales tax paid) \
             / {m}; net = (cash out - cash in: customer payments and deposits reaching a bank, cash sales, bank \
             debits of operating journal entries) / {m}; transfers between own accounts, card statements paid \
             (their charges count when made) and journal entries against equity or debt (opening \
             balances, owner money, loans) are left out",
            window.months,
            window.start,
            window.end,
            m = window.months
        ),
    }
}

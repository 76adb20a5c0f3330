//! Gross and net burn over trailing full months, as a monthly figure.

use rowcol_core::entity::{JournalEntry, Posting};
use rowcol_core::{ClientSnapshot, EntityKind, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::rollforward::{AccountTypes, JournalKind};
use crate::home::HomeRates;
use crate::index::SnapshotIndex;
use crate::period::Window;
use crate::sum::sum_present;

/// Cash out and cash in over a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Burn {
    /// The trailing full months used.
    pub window: Window,
    /// Cash out over the window: bill payments, purchases (less card
    /// refunds), bank credits of operating journal entries (payroll),
    /// refunds paid and sales tax paid.
    pub cash_out: Money,
    /// Of `cash_out`, the purchases (spending not captured by bills).
    pub direct_spend: Money,
    /// Cash in over the window: customer payments, deposits not carrying
    /// payments or cash sales, cash sales into a bank account, and bank
    /// debits of operating journal entries.
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
    // A card refund (QBO `Purchase.Credit`) is money back, not spending.
    let purchases = sum_present(
        s.purchases
            .iter()
            .filter(|p| !p.meta.deleted)
            .map(|p| sum(&p.txn).map(|a| if p.credit { -a } else { a })),
    );
    let payments = sum_present(s.payments.iter().filter(|p| !p.meta.deleted).map(|p| sum(&p.txn)));
    let accounts = AccountTypes::of(s);
    // Journal entries that move a bank account against operating accounts
    // (payroll, its tax remittance): out when they credit the bank, in when
    // they debit it. Entries against equity or long-term debt only (opening
    // balances, owner money, loans) are financing, not burn.
    let (journal_out, journal_in) = s
        .journal_entries
        .iter()
        .filter(|je| !je.meta.deleted && sum(&je.txn).is_some())
        .filter_map(|je| operating_bank_delta(&accounts, je, rates))
        .fold((Decimal::ZERO, Decimal::ZERO), |(out, inn), delta| {
            if delta < Decimal::ZERO {
                (out - delta, inn)
            } else {
                (out, inn + delta)
            }
        });
    let to_bank = |r: &Option<rowcol_core::entity::Reference>| r.as_ref().is_some_and(|r| accounts.is_bank(&r.id));
    // Cash sales straight into a bank account (into Undeposited Funds they
    // count when deposited); refunds and sales tax paid from one.
    let cash_sales = sum_present(
        s.sales_receipts
            .iter()
            .filter(|r| !r.meta.deleted && to_bank(&r.deposit_to))
            .map(|r| sum(&r.txn)),
    );
    let refunds = sum_present(
        s.refund_receipts
            .iter()
            .filter(|r| !r.meta.deleted && to_bank(&r.paid_from))
            .map(|r| sum(&r.txn)),
    );
    let tax = sum_present(
        s.tax_payments
            .iter()
            .filter(|t| !t.meta.deleted)
            .map(|t| sum(&t.txn).map(|a| if t.refund { -a } else { a })),
    );
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
                .filter(|l| matches!(l.kind, EntityKind::Payment | EntityKind::SalesReceipt))
                .filter_map(|l| match l.amount {
                    Some(a) => rates.on_txn(&d.txn, a),
                    None if l.kind == EntityKind::Payment => ix.payment(&l.id).and_then(|p| rates.total(&p.txn)),
                    None => s
                        .sales_receipts
                        .iter()
                        .find(|r| r.meta.external_id == l.id)
                        .and_then(|r| rates.total(&r.txn)),
                })
                .sum();
            (gross - carried).max(Decimal::ZERO)
        })
        .sum();
    let cash_out = bill_payments + purchases + journal_out + refunds + tax;
    let cash_in = payments + deposits + journal_in + cash_sales;
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
            "trailing {} full months {}..{} (end excluded): gross = (bill payments + purchases less card refunds \
             + bank credits of operating journal entries such as payroll + refunds paid + sales tax paid) / {m}; \
             net = (gross cash out - customer payments - deposits not carrying payments or cash sales - cash \
             sales into a bank account - bank debits of operating journal entries) / {m}; transfers between own \
             accounts, card statements paid (their charges count when made) and journal entries against equity \
             or long-term debt (opening balances, owner money, loans) are left out",
            window.months,
            window.start,
            window.end,
            m = window.months
        ),
    }
}

/// The home-unit change an operating journal entry makes to the bank
/// accounts (debits in, credits out); `None` for entries that are financing,
/// move money only between banks, or leave the banks as they were.
fn operating_bank_delta(types: &AccountTypes<'_>, je: &JournalEntry, rates: &HomeRates) -> Option<Decimal> {
    if types.journal_kind(&je.txn.lines) != JournalKind::Operating {
        return None;
    }
    let mut delta = Decimal::ZERO;
    for line in &je.txn.lines {
        if !line.account.as_ref().is_some_and(|a| types.is_bank(&a.id)) {
            continue;
        }
        let amount = rates.on_txn(&je.txn, line.amount)?;
        match line.posting {
            Some(Posting::Debit) => delta += amount,
            Some(Posting::Credit) => delta -= amount,
            None => {}
        }
    }
    (!delta.is_zero()).then_some(delta)
}

//! Cash position: bank balances are available cash, credit-card balances are
//! short-term liabilities, both by currency and in the home currency.

use std::collections::BTreeMap;

use rowcol_core::entity::AccountType;
use rowcol_core::{ClientSnapshot, Currency, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::home::HomeRates;

/// Bank and card balances in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrencyBalance {
    /// The accounts' currency.
    pub currency: Currency,
    /// Sum of bank balances in this currency.
    pub cash: Money,
    /// Sum of credit-card balances (what is owed) in this currency.
    pub card_debt: Money,
    /// Home units per unit used to convert, `None` when no rate is known
    /// (these balances are then left out of the home totals).
    pub rate_to_home: Option<Decimal>,
}

/// Where a client's cash stands, from the balances the rail reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashPosition {
    /// Available cash: bank balances in the home currency.
    pub cash: Money,
    /// Credit-card balances owed, in the home currency.
    pub card_debt: Money,
    /// `cash - card_debt`.
    pub net: Money,
    /// Per currency, in currency order.
    pub by_currency: Vec<CurrencyBalance>,
    /// Currencies left out of the home totals for want of a rate.
    pub unconverted: Vec<Currency>,
    /// Bank accounts counted.
    pub bank_accounts: u32,
    /// How the figure was computed.
    pub method: String,
}

/// Computes the cash position of a snapshot at the end of its `as_of` day
/// (balances as the mirror holds them, less what is dated later: see
/// [`crate::history`]; every non-deleted bank and card account, active or
/// not, since an inactive account with a balance still holds or owes money).
pub fn cash_position(s: &ClientSnapshot) -> CashPosition {
    let s = &*crate::history::as_it_stood(s, s.as_of);
    cash_position_with(s, &HomeRates::from_snapshot(s))
}

pub(crate) fn cash_position_with(s: &ClientSnapshot, rates: &HomeRates) -> CashPosition {
    let mut per: BTreeMap<Currency, (Decimal, Decimal)> = BTreeMap::new();
    let mut bank_accounts = 0;
    for a in s.accounts.iter().filter(|a| !a.meta.deleted) {
        let entry = per.entry(a.current_balance.currency()).or_default();
        match a.account_type {
            AccountType::Bank => {
                entry.0 += a.current_balance.amount();
                bank_accounts += 1;
            }
            AccountType::CreditCard => entry.1 += a.current_balance.amount(),
            _ => {}
        }
    }
    let (mut cash, mut debt) = (Decimal::ZERO, Decimal::ZERO);
    let mut unconverted = Vec::new();
    let mut by_currency = Vec::new();
    for (currency, (c, d)) in per {
        if c.is_zero() && d.is_zero() && currency != rates.home() {
            continue;
        }
        let rate = rates.balance_rate(currency);
        match rate {
            Some(r) => {
                cash += c * r;
                debt += d * r;
            }
            None => unconverted.push(currency),
        }
        by_currency.push(CurrencyBalance {
            currency,
            cash: Money::new(c, currency),
            card_debt: Money::new(d, currency),
            rate_to_home: rate,
        });
    }
    CashPosition {
        cash: rates.money(cash),
        card_debt: rates.money(debt),
        net: rates.money(cash - debt),
        by_currency,
        unconverted,
        bank_accounts,
        method: "bank account balances as available cash; credit card balances as short-term liabilities; \
                 other currencies converted at the latest exchange rate on the client's transactions"
            .to_owned(),
    }
}

//! Cash position: bank balances are available cash, credit-card balances are
//! short-term liabilities, both by currency and in the home currency.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rowcol_core::entity::AccountType;
use rowcol_core::{ClientSnapshot, Currency, EntityKind, Money};
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
    /// Which balances it used and how old they are (empty when the JSON
    /// read holds none).
    #[serde(default)]
    pub balances: BalanceBasis,
}

/// Which balances a cash figure used and how old they were when the
/// snapshot was loaded: the books' bank and card balances as last synced
/// from the ledger rail (the mirror), never a live read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceBasis {
    /// Where the balances came from: `mirror` (the ledger's account
    /// balances as the last sync read them).
    pub source: String,
    /// When the ledger's accounts were last synced (`None`: never).
    pub synced_at: Option<DateTime<Utc>>,
    /// How old that was when the snapshot was loaded, in whole seconds.
    pub age_seconds: Option<i64>,
    /// Set when the figure is for a day before the load: the synced
    /// balances were rolled back to the end of this day by the movements
    /// dated after it (see [`crate::history`]).
    pub rolled_back_to: Option<NaiveDate>,
    /// When the client has a bank rail: the oldest time the bank stated
    /// for its mirrored balances (what a comparison with the bank rests on).
    pub bank_as_of: Option<DateTime<Utc>>,
}

impl BalanceBasis {
    /// The basis of figures computed from `s`: its health's last success of
    /// the ledger's accounts against its `loaded_at`, and its bank
    /// accounts' `balance_as_of` (falling back to their last sync).
    pub fn of(s: &ClientSnapshot) -> BalanceBasis {
        let synced = |kind: EntityKind| {
            s.health
                .kinds
                .iter()
                .find(|k| k.kind == kind)
                .and_then(|k| k.last_success)
        };
        let synced_at = synced(EntityKind::Account);
        let bank_synced = synced(EntityKind::BankAccount);
        let bank_as_of = s
            .bank_accounts
            .iter()
            .filter(|a| !a.meta.deleted)
            .filter_map(|a| a.balance_as_of.or(bank_synced))
            .min();
        BalanceBasis {
            source: "mirror".to_owned(),
            synced_at,
            age_seconds: synced_at.map(|t| (s.loaded_at - t).num_seconds().max(0)),
            rolled_back_to: (s.as_of < s.loaded_at.date_naive()).then_some(s.as_of),
            bank_as_of,
        }
    }

    /// One line for a table: the source and the age.
    pub fn describe(&self) -> String {
        let age = match (self.synced_at, self.age_seconds) {
            (Some(at), Some(age)) => format!("synced {} ({} old)", at.format("%Y-%m-%d %H:%M UTC"), age_text(age)),
            _ => "never synced".to_owned(),
        };
        let rolled = self
            .rolled_back_to
            .map(|d| format!(", rolled back to the end of {d}"))
            .unwrap_or_default();
        format!(
            "balances: the books' bank and card accounts from the {}, {age}{rolled}",
            self.source
        )
    }
}

/// An age in the largest whole unit: `45 s`, `12 min`, `3 h`, `2 d`.
pub fn age_text(seconds: i64) -> String {
    match seconds {
        s if s < 60 => format!("{s} s"),
        s if s < 3_600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3_600),
        s => format!("{} d", s / 86_400),
    }
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
        balances: BalanceBasis::of(s),
    }
}

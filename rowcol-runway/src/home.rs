//! Home-currency conversion with the rates carried on the data.
//!
//! A transaction converts with its own `exchange_rate` (home units per
//! foreign unit, as QBO records it). A balance carries no rate of its own
//! (accounts, open balances of parties), so it converts with the latest rate
//! seen on any transaction in that currency. Amounts in a currency with no
//! known rate are left out of home-currency totals and reported as such; they
//! are never added across currencies.

use std::cell::OnceCell;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use rowcol_core::entity::TxnCommon;
use rowcol_core::{ClientSnapshot, Currency, Money};
use rust_decimal::Decimal;

/// Rates into one client's home currency, learned from its transactions.
///
/// The table of latest rates is built on first need (a balance in a foreign
/// currency): most clients keep every account in the home currency, and a
/// pass over every transaction is the costliest thing a calculator does.
#[derive(Debug, Clone)]
pub(crate) struct HomeRates<'a> {
    home: Currency,
    snapshot: Option<&'a ClientSnapshot>,
    latest: OnceCell<Latest>,
}

type Latest = BTreeMap<Currency, (NaiveDate, Decimal)>;

impl<'a> HomeRates<'a> {
    /// Rates for `s`, learned when first needed.
    pub(crate) fn from_snapshot(s: &'a ClientSnapshot) -> Self {
        HomeRates {
            home: s.home_currency,
            snapshot: Some(s),
            latest: OnceCell::new(),
        }
    }

    /// Learns the latest rate per foreign currency from every transaction in
    /// the snapshot (latest by transaction date; on a tie, the later id in the
    /// snapshot's id order wins, so the choice is stable).
    fn learn_all(home: Currency, s: &ClientSnapshot) -> Latest {
        let mut latest = Latest::new();
        let mut learn = |txn: &TxnCommon| learn(home, &mut latest, txn);
        s.bills.iter().for_each(|b| learn(&b.txn));
        s.invoices.iter().for_each(|i| learn(&i.txn));
        s.payments.iter().for_each(|p| learn(&p.txn));
        s.bill_payments.iter().for_each(|p| learn(&p.txn));
        s.purchases.iter().for_each(|p| learn(&p.txn));
        s.deposits.iter().for_each(|d| learn(&d.txn));
        latest
    }

    fn latest(&self) -> &Latest {
        self.latest.get_or_init(|| match self.snapshot {
            Some(s) => Self::learn_all(self.home, s),
            None => Latest::new(),
        })
    }

    /// The home currency.
    pub(crate) fn home(&self) -> Currency {
        self.home
    }

    /// The rate used for balances in `currency` (1 for the home currency).
    pub(crate) fn balance_rate(&self, currency: Currency) -> Option<Decimal> {
        if currency == self.home {
            Some(Decimal::ONE)
        } else {
            self.latest().get(&currency).map(|(_, r)| *r)
        }
    }

    /// A balance (no rate of its own) in home units, `None` without a rate.
    pub(crate) fn balance(&self, m: Money) -> Option<Decimal> {
        self.balance_rate(m.currency()).map(|r| m.amount() * r)
    }

    /// An amount recorded on `txn` in home units: the transaction's own rate
    /// first, the latest known rate second.
    #[inline]
    pub(crate) fn on_txn(&self, txn: &TxnCommon, m: Money) -> Option<Decimal> {
        if m.currency() == self.home {
            return Some(m.amount());
        }
        match txn.exchange_rate {
            Some(rate) if rate > Decimal::ZERO => Some(m.amount() * rate),
            _ => self.balance(m),
        }
    }

    /// A transaction's total in home units.
    #[inline]
    pub(crate) fn total(&self, txn: &TxnCommon) -> Option<Decimal> {
        self.on_txn(txn, txn.total)
    }

    /// Home-currency money from a home-unit amount.
    #[inline]
    pub(crate) fn money(&self, amount: Decimal) -> Money {
        Money::new(amount, self.home)
    }
}

/// Keeps `txn`'s rate when it is the latest seen for its currency.
fn learn(home: Currency, latest: &mut Latest, txn: &TxnCommon) {
    let currency = txn.total.currency();
    let Some(rate) = txn.exchange_rate else { return };
    if currency == home || rate <= Decimal::ZERO {
        return;
    }
    if latest.get(&currency).is_none_or(|(d, _)| txn.txn_date >= *d) {
        latest.insert(currency, (txn.txn_date, rate));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowcol_testkit::fixtures;
    use rust_decimal_macros::dec;

    #[test]
    fn own_rate_first_then_latest_rate_then_nothing() {
        let mut older = fixtures::txn(dec!(100));
        older.total = Money::new(dec!(100), Currency::CAD);
        older.exchange_rate = Some(dec!(0.70));
        let mut newer = older.clone();
        newer.txn_date = fixtures::date("2026-02-01");
        newer.exchange_rate = Some(dec!(0.75));
        let mut latest = Latest::new();
        learn(Currency::USD, &mut latest, &newer);
        learn(Currency::USD, &mut latest, &older);
        let rates = HomeRates {
            home: Currency::USD,
            snapshot: None,
            latest: OnceCell::from(latest),
        };
        // CAD 100 at its own 0.70 = USD 70; a CAD balance uses the latest (Feb) 0.75.
        assert_eq!(rates.total(&older), Some(dec!(70.00)));
        assert_eq!(rates.balance(Money::new(dec!(10), Currency::CAD)), Some(dec!(7.50)));
        assert_eq!(rates.balance(Money::new(dec!(10), Currency::EUR)), None);
        assert_eq!(rates.balance(fixtures::usd(dec!(10))), Some(dec!(10)));
    }
}

//! Money totals per kind, per currency: the sum of transaction totals and
//! the sum of balances (open amounts of bills and invoices, party balances,
//! account balances). Two mirrors with equal ids and versions have equal
//! totals; totals that differ anyway point at records whose content drifted.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use rowcol_core::{Currency, Entity, Money};

/// Money sums of one kind, per currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindTotals {
    /// Sum of transaction totals (QBO `TotalAmt`); empty for name lists.
    pub amounts: BTreeMap<Currency, Decimal>,
    /// Sum of balances (QBO `Balance`, `CurrentBalance` for accounts); empty
    /// for kinds without one (payments, purchases, deposits, terms).
    pub balances: BTreeMap<Currency, Decimal>,
}

impl KindTotals {
    /// Adds one record's money.
    pub fn add(&mut self, entity: &Entity) {
        if let Some(txn) = entity.txn() {
            add(&mut self.amounts, txn.total);
        }
        let balance = match entity {
            Entity::Account(a) => Some(a.current_balance),
            Entity::Vendor(v) => Some(v.party.balance),
            Entity::Customer(c) => Some(c.party.balance),
            Entity::Bill(b) => Some(b.balance),
            Entity::Invoice(i) => Some(i.balance),
            _ => None,
        };
        if let Some(balance) = balance {
            add(&mut self.balances, balance);
        }
    }
}

fn add(sums: &mut BTreeMap<Currency, Decimal>, money: Money) {
    *sums.entry(money.currency()).or_default() += money.amount();
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use rowcol_testkit::fixtures;

    #[test]
    fn sums_totals_and_balances_per_currency() {
        let mut totals = KindTotals::default();
        let mut paid = fixtures::bill("acme", "1", dec!(100.10));
        paid.balance = fixtures::usd(dec!(0));
        totals.add(&Entity::Bill(paid));
        totals.add(&Entity::Bill(fixtures::bill("acme", "2", dec!(50.05))));
        let mut euro = fixtures::bill("acme", "3", dec!(7));
        euro.txn.total = Money::new(dec!(7), Currency::EUR);
        euro.balance = Money::new(dec!(7), Currency::EUR);
        totals.add(&Entity::Bill(euro));
        assert_eq!(totals.amounts[&Currency::USD], dec!(150.15));
        assert_eq!(totals.balances[&Currency::USD], dec!(50.05));
        assert_eq!(totals.amounts[&Currency::EUR], dec!(7));

        let mut names = KindTotals::default();
        names.add(&Entity::Term(fixtures::term("acme", "4", "Net 30", 30, None)));
        assert_eq!(names, KindTotals::default());
    }
}

//! What a bill's terms and the vendor's payment method say about timing:
//! lead time, early-payment discount.

use chrono::NaiveDate;
use rowcol_core::entity::{Bill, PaymentMethod, Term};
use rowcol_core::{ClientSnapshot, ExternalId, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::perf::id_table::IdTable;
use crate::perf::index::SnapshotIndex;
use crate::period::shift;

/// Days a payment by `method` takes to reach the vendor: cash 0, card 1,
/// bank transfer 2 (ACH settles in 1-2 business days), cheque 7 (post and
/// clearing), anything else 3.
pub fn lead_days(method: PaymentMethod) -> i64 {
    match method {
        PaymentMethod::Cash => 0,
        PaymentMethod::CreditCard => 1,
        PaymentMethod::BankTransfer => 2,
        PaymentMethod::Check => 7,
        PaymentMethod::Other => 3,
    }
}

/// Every payment method, in the order `UsualMethods` counts them.
const METHODS: [PaymentMethod; 5] = [
    PaymentMethod::Cash,
    PaymentMethod::Check,
    PaymentMethod::CreditCard,
    PaymentMethod::BankTransfer,
    PaymentMethod::Other,
];

/// The method each vendor is usually paid by: the most frequent in its bill
/// payments (ties to the faster method); vendors never paid default to cheque.
pub(crate) struct UsualMethods<'a>(IdTable<'a, [u32; METHODS.len()]>);

impl<'a> UsualMethods<'a> {
    pub(crate) fn learn(s: &'a ClientSnapshot) -> Self {
        // Counts per method, indexed like `METHODS`: five counters per vendor
        // instead of a map per vendor.
        let mut counts: IdTable<'a, [u32; METHODS.len()]> = IdTable::with_capacity(s.vendors.len());
        for p in s.bill_payments.iter().filter(|p| !p.meta.deleted) {
            if let Some(v) = &p.vendor {
                let slot = METHODS.iter().position(|m| *m == p.method).unwrap_or(0);
                counts.get_or_insert_with(&v.id, Default::default)[slot] += 1;
            }
        }
        UsualMethods(counts)
    }

    /// The vendor's usual method, picked from its counts when asked (there
    /// are about as many bills asked about as vendors counted).
    pub(crate) fn of(&self, vendor: Option<&ExternalId>) -> PaymentMethod {
        let per = vendor.and_then(|v| self.0.get(v));
        let best = per.and_then(|per| {
            METHODS
                .iter()
                .zip(per)
                .filter(|(_, n)| **n > 0)
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| lead_days(*b.0).cmp(&lead_days(*a.0))))
        });
        best.map_or(PaymentMethod::Check, |(m, _)| *m)
    }
}

/// An early-payment discount on a bill's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EarlyDiscount {
    /// Percent off, e.g. 2.
    pub percent: Decimal,
    /// Days from the bill date the discount lasts.
    pub discount_days: u32,
    /// Days from the bill date the bill is due.
    pub due_days: u32,
    /// Last day the payment must arrive by to earn it.
    pub deadline: NaiveDate,
    /// Money saved by taking it (bill currency, exact).
    pub saving: Money,
    /// Annualised return of paying early: `p / (100 - p) x 365 / (due_days - discount_days)`,
    /// 4 decimals half away from zero (2/10 net 30 is 0.3724, about 37 % a year).
    pub annualised_rate: Decimal,
    /// The client's annual cost of money it is weighed against.
    pub cost_of_money: Decimal,
    /// True when the annualised rate beats the cost of money.
    pub worth_taking: bool,
}

/// The annualised value of `percent` off for paying `due_days - discount_days`
/// early, unrounded; `None` when the terms make no sense (no days gained,
/// 100 % or more off).
pub fn annualised_discount(percent: Decimal, discount_days: u32, due_days: u32) -> Option<Decimal> {
    let gained = i64::from(due_days) - i64::from(discount_days);
    let hundred = Decimal::ONE_HUNDRED;
    (gained > 0 && percent > Decimal::ZERO && percent < hundred)
        .then(|| percent / (hundred - percent) * Decimal::from(365) / Decimal::from(gained))
}

/// The terms on the bill, or the vendor's default terms.
fn terms_of<'a>(bill: &Bill, ix: &SnapshotIndex<'a>) -> Option<&'a Term> {
    let from_bill = bill.terms.as_ref().and_then(|t| ix.terms.get(&t.id));
    let from_vendor = || {
        let v = bill.vendor.as_ref().and_then(|v| ix.vendors.get(&v.id))?;
        v.party.terms.as_ref().and_then(|t| ix.terms.get(&t.id)).copied()
    };
    from_bill.copied().or_else(from_vendor)
}

/// Each term's annualised discount rate, and that rate as shown (4
/// decimals), worked out once per console: a client's bills share a handful
/// of terms. Past [`CACHED_TERMS`] terms, rates are worked out per bill.
pub(crate) struct TermRates<'a>(Vec<(&'a Term, Option<TermRate>)>);

/// A term's annualised discount rate, exact and rounded for output.
type TermRate = (Decimal, Decimal);

/// Terms a [`TermRates`] holds: more are searched slower than worked out.
const CACHED_TERMS: usize = 16;

impl<'a> TermRates<'a> {
    /// The rates of a snapshot's terms.
    pub(crate) fn new(ix: &SnapshotIndex<'a>) -> Self {
        if ix.terms.len() > CACHED_TERMS {
            return TermRates(Vec::new());
        }
        TermRates(ix.terms.values().map(|t| (*t, term_rate(t))).collect())
    }

    fn of(&self, t: &Term) -> Option<TermRate> {
        match self.0.iter().find(|(cached, _)| std::ptr::eq(*cached, t)) {
            Some((_, rate)) => *rate,
            None => term_rate(t),
        }
    }
}

fn term_rate(t: &Term) -> Option<TermRate> {
    let rate = annualised_discount(t.discount_percent?, t.discount_days?, t.due_days?)?;
    Some((
        rate,
        rate.round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
    ))
}

/// The discount a bill's terms offer, if it can still be earned: a payment
/// sent on `as_of` by a method taking `lead` days must arrive by the
/// discount's deadline. A discount whose deadline less the lead time has
/// passed is no saving any more, so it is not offered at all.
pub(crate) fn discount(
    bill: &Bill,
    (ix, rates): (&SnapshotIndex<'_>, &TermRates<'_>),
    cost_of_money: Decimal,
    (as_of, lead): (NaiveDate, i64),
) -> Option<EarlyDiscount> {
    let t = terms_of(bill, ix)?;
    let (percent, discount_days, due_days) = (t.discount_percent?, t.discount_days?, t.due_days?);
    let deadline = shift(bill.txn.txn_date, i64::from(discount_days));
    if shift(deadline, -lead) < as_of {
        return None;
    }
    let (rate, shown) = rates.of(t)?;
    Some(EarlyDiscount {
        percent,
        discount_days,
        due_days,
        deadline,
        saving: Money::new(
            bill.balance.amount() * percent / Decimal::ONE_HUNDRED,
            bill.balance.currency(),
        ),
        annualised_rate: shown,
        cost_of_money,
        worth_taking: rate > cost_of_money,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn two_ten_net_thirty_is_about_37_percent_a_year() {
        // 2 / 98 = 0.0204081632...; x 365 / 20 = x 18.25 = 0.3724489795...
        let r = annualised_discount(dec!(2), 10, 30).unwrap();
        assert_eq!(r.round_dp(4), dec!(0.3724));
        // 1/10 net 30: 1 / 99 x 365 / 20 = 0.1843...
        assert_eq!(annualised_discount(dec!(1), 10, 30).unwrap().round_dp(4), dec!(0.1843));
        assert_eq!(annualised_discount(dec!(2), 30, 30), None, "no days gained");
    }
}

//! Invoices: overdue, and ranked for chasing.

use chrono::NaiveDate;
use rowcol_core::entity::Invoice;
use rowcol_core::{ClientSnapshot, EntityKind, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calc::habits::{CollectionBasis, PaymentHabits};
use crate::calc::runway::round_ratio;
use crate::home::HomeRates;
use crate::hygiene::EntityRef;
use crate::perf::index::SnapshotIndex;
use crate::perf::sign::positive;
use crate::period::days_between;

/// How the chase ranking scores an invoice.
pub const CHASE_METHOD: &str = "score = open amount (home currency) x overdue weight x history weight; overdue weight: \
     1-29 days 0.5, 30-44 days 0.8, 45-75 days 1.0, 76-90 days 1.2, over 90 days 1.5 (the older the debt, the \
     likelier it is never paid unless chased); \
     history weight: 1.0 when the invoice is more than 7 days past the customer's usual lateness, 0.6 when within it, \
     0.8 without the customer's own history; ties by amount, then invoice id";

/// An overdue invoice with why it ranks where it does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChaseItem {
    /// The invoice.
    pub invoice: EntityRef,
    /// The customer's display name, when known.
    pub customer: Option<String>,
    /// Open balance in the home currency.
    pub amount: Money,
    /// Days past the due date.
    pub days_overdue: i64,
    /// The customer's payment habit.
    pub history: CollectionBasis,
    /// The ranking score (see [`CHASE_METHOD`]), 2 decimals.
    pub score: Decimal,
    /// Why, in plain words.
    pub reasons: Vec<String>,
}

/// Filters over a snapshot's invoices.
#[derive(Debug, Clone, Copy)]
pub struct InvoiceService<'a> {
    s: &'a ClientSnapshot,
}

/// The weight of lateness: it rises with age, since an old debt is the one
/// most at risk of never being paid and a fresh one often pays itself.
fn overdue_weight(days: i64) -> (Decimal, &'static str) {
    match days {
        i64::MIN..=29 => (Decimal::new(5, 1), "recently overdue"),
        30..=44 => (Decimal::new(8, 1), "a month overdue"),
        45..=75 => (Decimal::ONE, "45-75 days overdue: chase before it goes stale"),
        76..=90 => (
            Decimal::new(12, 1),
            "nearly 3 months overdue: at risk of never being paid",
        ),
        _ => (
            Decimal::new(15, 1),
            "over 90 days overdue: chase hardest, or agree a plan before it must be written off",
        ),
    }
}

fn history_weight(days: i64, history: &CollectionBasis) -> Decimal {
    match history {
        CollectionBasis::CustomerHistory { average_days_late, .. } if later_than_habit(days, *average_days_late) => {
            Decimal::ONE
        }
        CollectionBasis::CustomerHistory { .. } => Decimal::new(6, 1),
        _ => Decimal::new(8, 1),
    }
}

fn later_than_habit(days: i64, average_days_late: Decimal) -> bool {
    Decimal::from(days) > average_days_late + Decimal::from(7)
}

/// The history weight's reason, in words.
fn history_reason(days: i64, history: &CollectionBasis) -> String {
    match history {
        CollectionBasis::CustomerHistory { average_days_late, .. } if later_than_habit(days, *average_days_late) => {
            format!("later than this customer's usual {average_days_late} days")
        }
        CollectionBasis::CustomerHistory { average_days_late, .. } => {
            format!("within this customer's usual {average_days_late} days late")
        }
        _ => "no payment history for this customer".to_owned(),
    }
}

impl<'a> InvoiceService<'a> {
    /// Over one snapshot.
    pub fn new(s: &'a ClientSnapshot) -> Self {
        InvoiceService { s }
    }

    /// Open invoices due before `as_of`, by due date then id.
    pub fn overdue(&self, as_of: NaiveDate) -> Vec<&'a Invoice> {
        // Sized for every invoice: one allocation, not a series of doublings.
        let mut v: Vec<&Invoice> = Vec::with_capacity(self.s.invoices.len());
        v.extend(
            self.s
                .invoices
                .iter()
                .filter(|i| !i.meta.deleted && positive(i.balance) && i.due_date.is_some_and(|d| d < as_of)),
        );
        v.sort_by(|a, b| (a.due_date, &a.meta.external_id).cmp(&(b.due_date, &b.meta.external_id)));
        v
    }

    /// Overdue invoices, best to chase first (see [`CHASE_METHOD`]).
    pub fn ranked_to_chase(&self, as_of: NaiveDate) -> Vec<ChaseItem> {
        let ix = SnapshotIndex::new(self.s);
        let habits = PaymentHabits::learn(self.s, &ix);
        let rates = HomeRates::from_snapshot(self.s);
        self.ranked_with(as_of, &habits, &rates)
            .iter()
            .map(|c| c.item(&ix, &rates))
            .collect()
    }

    /// Overdue invoices ranked for chasing, borrowed: each one's
    /// [`ChaseItem`] is written only when shown (the digest shows three).
    pub(crate) fn ranked_with(
        &self,
        as_of: NaiveDate,
        habits: &PaymentHabits<'a>,
        rates: &HomeRates,
    ) -> Vec<Chase<'a>> {
        let mut ranked: Vec<Chase<'a>> = self
            .overdue(as_of)
            .into_iter()
            .filter_map(|inv| {
                let amount = rates.on_txn(&inv.txn, inv.balance)?;
                let days = days_between(inv.due_date?, as_of);
                let history = habits.basis_for(inv.customer.as_ref().map(|c| &c.id));
                let (ow, _) = overdue_weight(days);
                let hw = history_weight(days, &history);
                let score = round_ratio(amount * ow * hw);
                Some(Chase {
                    invoice: inv,
                    amount,
                    days,
                    history,
                    rank: hundredths(score),
                    score,
                })
            })
            .collect();
        ranked.sort_by(|a, b| {
            b.rank
                .cmp(&a.rank)
                .then_with(|| b.amount.cmp(&a.amount))
                .then_with(|| a.invoice.meta.external_id.cmp(&b.invoice.meta.external_id))
        });
        ranked
    }
}

/// An overdue invoice ranked for chasing, before its [`ChaseItem`] is
/// written.
pub(crate) struct Chase<'a> {
    invoice: &'a Invoice,
    /// Open amount in home units.
    amount: Decimal,
    days: i64,
    history: CollectionBasis,
    score: Decimal,
    /// The score in hundredths, which order as the scores do.
    rank: i128,
}

/// A score (at most 2 decimals, as [`round_ratio`] leaves it) in whole
/// hundredths: integers compare in a few instructions where `Decimal`
/// comparison calls out.
fn hundredths(score: Decimal) -> i128 {
    score.mantissa() * 10i128.pow(2u32.saturating_sub(score.scale()))
}

impl Chase<'_> {
    /// The item written out: invoice and customer named, with its reasons.
    pub(crate) fn item(&self, ix: &SnapshotIndex<'_>, rates: &HomeRates) -> ChaseItem {
        let mut item = ChaseItem {
            invoice: EntityRef::new(EntityKind::Invoice, &self.invoice.meta),
            customer: self.invoice.customer.as_ref().and_then(|c| {
                ix.customers
                    .get(&c.id)
                    .map(|k| k.party.display_name.clone())
                    .or_else(|| c.name.clone())
            }),
            amount: rates.money(self.amount),
            days_overdue: self.days,
            history: self.history.clone(),
            score: self.score,
            reasons: Vec::new(),
        };
        item.reasons = reasons(&item);
        item
    }
}

/// Why an invoice ranks where it does: amount, lateness, the customer's habit.
fn reasons(item: &ChaseItem) -> Vec<String> {
    let days = item.days_overdue;
    let (_, why_overdue) = overdue_weight(days);
    vec![
        format!("{} open", item.amount.round_to_minor_units()),
        format!("{days} days overdue: {why_overdue}"),
        history_reason(days, &item.history),
    ]
}

#[cfg(test)]
mod tests {
    #[test]
    fn hundredths_order_as_rounded_scores_do() {
        use super::{hundredths, round_ratio};
        use rust_decimal_macros::dec;
        let scores = [
            dec!(480),
            dec!(480.00),
            dec!(479.99),
            dec!(0.5),
            dec!(-3.10),
            dec!(-3.1),
            dec!(0),
            dec!(12.345),
            dec!(7922816251426433759354395033.5),
        ];
        for a in scores.map(round_ratio) {
            for b in scores.map(round_ratio) {
                assert_eq!(hundredths(a).cmp(&hundredths(b)), a.cmp(&b), "{a} {b}");
            }
        }
    }

    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::test_snapshot::snapshot;

    #[test]
    fn the_45_to_75_day_window_outranks_a_larger_fresh_one() {
        let mut s = snapshot();
        // A: 1,000 due 2026-01-25, 7 days overdue on 2026-02-01: 1000 x 0.5 x 0.8 = 400.
        let mut a = fixtures::invoice("acme", "1", dec!(1000));
        a.due_date = Some(date("2026-01-25"));
        // B: 600 due 2025-12-03, 60 days overdue: 600 x 1.0 x 0.8 = 480.
        let mut b = fixtures::invoice("acme", "2", dec!(600));
        b.due_date = Some(date("2025-12-03"));
        // C: not due yet: not chased.
        let c = fixtures::invoice("acme", "3", dec!(5000));
        *s.invoices = vec![a, b, c];
        let ranked = InvoiceService::new(&s).ranked_to_chase(date("2026-02-01"));
        let got: Vec<(&str, Decimal)> = ranked.iter().map(|r| (r.invoice.id.as_str(), r.score)).collect();
        assert_eq!(got, [("2", dec!(480)), ("1", dec!(400))]);
    }

    #[test]
    fn the_overdue_weight_rises_with_age() {
        let ages = [1, 29, 30, 44, 45, 75, 76, 90, 91, 180, 699];
        for pair in ages.windows(2) {
            let (younger, older) = (overdue_weight(pair[0]).0, overdue_weight(pair[1]).0);
            assert!(
                older >= younger,
                "{} days weighs {older}, {} days {younger}",
                pair[1],
                pair[0]
            );
        }
        assert!(overdue_weight(91).0 > overdue_weight(60).0);
    }

    #[test]
    fn an_invoice_90_days_overdue_outranks_a_fresh_one_of_the_same_amount() {
        let mut s = snapshot();
        // Fresh: 1,000 due 2026-01-25, 7 days overdue: 1000 x 0.5 x 0.8 = 400.
        let mut fresh = fixtures::invoice("acme", "1", dec!(1000));
        fresh.due_date = Some(date("2026-01-25"));
        // Old: 1,000 due 2025-10-01, 123 days overdue: 1000 x 1.5 x 0.8 = 1,200.
        let mut old = fixtures::invoice("acme", "2", dec!(1000));
        old.due_date = Some(date("2025-10-01"));
        *s.invoices = vec![fresh, old];
        let ranked = InvoiceService::new(&s).ranked_to_chase(date("2026-02-01"));
        let got: Vec<(&str, Decimal)> = ranked.iter().map(|r| (r.invoice.id.as_str(), r.score)).collect();
        assert_eq!(got, [("2", dec!(1200)), ("1", dec!(400))]);
    }

    #[test]
    fn a_customer_late_by_habit_is_chased_less() {
        let mut s = snapshot();
        // History: invoice 9 due 2025-11-01 paid 2025-12-11, 40 days late.
        let mut old = fixtures::invoice("acme", "9", dec!(100));
        old.due_date = Some(date("2025-11-01"));
        old.balance = fixtures::usd(dec!(0));
        let mut paid = fixtures::payment("acme", "p", dec!(100), "9");
        paid.txn.txn_date = date("2025-12-11");
        // Open: 1,000 due 2026-01-02, 30 days overdue: within the habit of 40:
        // 1000 x 0.8 x 0.6 = 480.
        let mut open = fixtures::invoice("acme", "1", dec!(1000));
        open.due_date = Some(date("2026-01-02"));
        *s.invoices = vec![old, open];
        *s.payments = vec![paid];
        let ranked = InvoiceService::new(&s).ranked_to_chase(date("2026-02-01"));
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].score, dec!(480));
        assert!(matches!(
            ranked[0].history,
            CollectionBasis::CustomerHistory { observations: 1, .. }
        ));
    }
}

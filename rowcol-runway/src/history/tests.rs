//! Hand-worked cases of a snapshot rewound to a past day.

use rowcol_core::{ClientSnapshot, EntityKind};
use rowcol_testkit::fixtures::{self, date, usd};
use rust_decimal_macros::dec;

use super::as_it_stood;
use crate::calc::aging::{Side, aging};
use crate::test_snapshot::snapshot;

/// Today (2026-04-15): invoice I1 (1,000, dated 03-01, due 03-31) paid in
/// full by P1 on 04-10 into Checking; bill B1 (400, dated 03-05) paid by
/// BP1 on 04-02 from Checking; a 999 card charge on 04-05; invoice I2 (250)
/// dated 04-12, still open; P0 of 300 on 03-20 applied on 04-12 to I2.
/// Checking holds 10,000 and Visa owes 999 today; customer 58 owes 250 - 0.
fn today() -> ClientSnapshot {
    let mut s = snapshot();
    s.as_of = date("2026-04-15");
    s.history_start = date("2025-10-15");
    s.accounts[1].current_balance = usd(dec!(999));
    let mut i1 = fixtures::invoice("acme", "I1", dec!(1000));
    i1.txn.txn_date = date("2026-03-01");
    i1.due_date = Some(date("2026-03-31"));
    i1.balance = usd(dec!(0));
    i1.linked.push(rowcol_core::entity::TxnLink {
        kind: EntityKind::Payment,
        id: fixtures::id("P1"),
        amount: None,
    });
    let mut i2 = fixtures::invoice("acme", "I2", dec!(550));
    i2.txn.txn_date = date("2026-04-12");
    i2.due_date = Some(date("2026-05-12"));
    i2.balance = usd(dec!(250));
    s.invoices = vec![i1, i2].into();
    let mut p1 = fixtures::payment("acme", "P1", dec!(1000), "I1");
    p1.txn.txn_date = date("2026-04-10");
    let mut p0 = fixtures::payment("acme", "P0", dec!(300), "I2");
    p0.txn.txn_date = date("2026-03-20");
    s.payments = vec![p0, p1].into();
    let mut b1 = fixtures::bill("acme", "B1", dec!(400));
    b1.txn.txn_date = date("2026-03-05");
    b1.due_date = Some(date("2026-04-04"));
    b1.balance = usd(dec!(0));
    s.bills = vec![b1].into();
    let mut bp1 = fixtures::bill_payment("acme", "BP1", dec!(400), "B1");
    bp1.txn.txn_date = date("2026-04-02");
    s.bill_payments = vec![bp1].into();
    let mut charge = fixtures::purchase("acme", "C1", dec!(999));
    charge.txn.txn_date = date("2026-04-05");
    s.purchases = vec![charge].into();
    s.customers[0].party.balance = usd(dec!(250));
    s
}

#[test]
fn nothing_after_the_day_borrows_the_snapshot_as_is() {
    let s = today();
    assert!(matches!(
        as_it_stood(&s, date("2026-04-15")),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn documents_balances_and_cash_stand_as_they_did_at_the_days_end() {
    let s = today();
    let then = as_it_stood(&s, date("2026-03-31"));
    assert_eq!(then.as_of, date("2026-03-31"));
    // I1 was open in full, and P1's link is gone; I2 did not exist yet.
    assert_eq!(then.invoices.len(), 1);
    assert_eq!(then.invoices[0].balance, usd(dec!(1000)));
    assert!(then.invoices[0].linked.is_empty());
    // B1 was open; BP1 and the card charge had not happened.
    assert_eq!(then.bills[0].balance, usd(dec!(400)));
    assert!(then.bill_payments.is_empty() && then.purchases.is_empty());
    // P0 was received on 03-20 and applied to nothing yet: a credit of 300.
    assert_eq!(then.payments.len(), 1);
    assert_eq!(then.payments[0].unapplied, usd(dec!(300)));
    assert!(then.payments[0].applied_to.is_empty());
    // Checking: 10,000 - 1,000 in (P1) + 400 out (BP1) = 9,400. Visa owed
    // nothing before the 999 charge.
    assert_eq!(then.accounts[0].current_balance, usd(dec!(9400)));
    assert_eq!(then.accounts[1].current_balance, usd(dec!(0)));
    // Customer 58 owed I1 1,000 less P0's 300 credit; today 250.
    assert_eq!(then.customers[0].party.balance, usd(dec!(700)));
    // Aging as of that day sees I1 open and the credit, not today's books.
    let ar = aging(&then, Side::Receivable, date("2026-03-31"));
    assert_eq!(ar.total, usd(dec!(700)));
    // The entry points rewind by themselves: aging of today's snapshot as of
    // the day is the same.
    assert_eq!(aging(&s, Side::Receivable, date("2026-03-31")), ar);
    let o = crate::outlook(&s, date("2026-03-31"));
    assert_eq!(o.cash.cash, usd(dec!(9400)));
    assert_eq!(o.cash.card_debt, usd(dec!(0)));
}

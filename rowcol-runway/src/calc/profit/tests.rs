//! Hand-worked cash-basis cases, the arithmetic in the comments.

use rowcol_core::entity::{AccountType, Line, LineDetail, TxnCommon, TxnLink};
use rowcol_core::{ClientSnapshot, Currency, EntityKind, Money};
use rowcol_testkit::fixtures::{self, date, id, reference, usd};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::test_snapshot::{account, snapshot};

/// The test client with income account 40 "Services", expense account 61
/// "Wages", savings 36, and item 7 selling into 40.
fn books() -> ClientSnapshot {
    let mut s = snapshot();
    s.history_start = date("2025-01-01");
    s.accounts.push(account("40", "Services", AccountType::Income, dec!(0)));
    s.accounts.push(account("61", "Wages", AccountType::Expense, dec!(0)));
    s.accounts.push(account("36", "Savings", AccountType::Bank, dec!(0)));
    s.items.push(fixtures::item("acme", "7", "Consulting"));
    s
}

/// A sales line of item 7 (no account of its own).
fn item_line(amount: Decimal) -> Line {
    Line {
        amount: usd(amount),
        account: None,
        description: None,
        posting: None,
        party: None,
        detail: Some(LineDetail::SalesItem),
        item: Some(reference("7", "Consulting")),
    }
}

/// An expense line coded to `account`.
fn expense_line(amount: Decimal, account: &str) -> Line {
    Line {
        amount: usd(amount),
        account: Some(reference(account, "")),
        description: None,
        posting: None,
        party: None,
        detail: Some(LineDetail::AccountExpense),
        item: None,
    }
}

fn txn(d: &str, total: Decimal, lines: Vec<Line>) -> TxnCommon {
    TxnCommon {
        txn_date: date(d),
        lines,
        ..fixtures::txn(total)
    }
}

fn link(kind: EntityKind, target: &str, amount: Decimal) -> TxnLink {
    TxnLink {
        kind,
        id: id(target),
        amount: Some(usd(amount)),
    }
}

fn payment(s: &mut ClientSnapshot, id: &str, d: &str, total: Decimal, links: Vec<TxnLink>) {
    let mut p = fixtures::payment("acme", id, total, "none");
    p.txn = txn(d, total, vec![]);
    p.applied_to = links;
    s.payments.push(p);
}

fn net(s: &ClientSnapshot, start: &str, end: &str) -> Decimal {
    cash_basis_net_income(s, date(start), date(end)).amount()
}

#[test]
fn a_half_paid_invoice_recognises_half_on_the_payment_date() {
    let mut s = books();
    let mut inv = fixtures::invoice("acme", "I1", dec!(1000));
    inv.txn = txn(
        "2026-01-15",
        dec!(1000),
        vec![item_line(dec!(600)), item_line(dec!(400))],
    );
    s.invoices.push(inv);
    payment(
        &mut s,
        "P1",
        "2026-02-10",
        dec!(500),
        vec![link(EntityKind::Invoice, "I1", dec!(500))],
    );
    // Invoiced in January: nothing then. Half paid in February: 300 + 200.
    assert_eq!(net(&s, "2026-01-01", "2026-01-31"), dec!(0));
    let feb = cash_basis(&s, date("2026-02-01"), date("2026-02-28"));
    assert_eq!(feb.income.amount(), dec!(500));
    assert_eq!(feb.expenses.amount(), dec!(0));
    assert_eq!(feb.net_income.amount(), dec!(500));
    assert_eq!((feb.transactions, feb.assumed), (1, 0));
}

#[test]
fn tax_and_unapplied_money_are_not_income() {
    let mut s = books();
    // Lines 100, total 108: tax 8.
    let mut inv = fixtures::invoice("acme", "I1", dec!(108));
    inv.txn = txn("2026-01-15", dec!(108), vec![item_line(dec!(100))]);
    s.invoices.push(inv);
    // 54 of a 60 payment applied (half the invoice): income 50, tax 4, and
    // 6 left unapplied on A/R.
    payment(
        &mut s,
        "P1",
        "2026-02-10",
        dec!(60),
        vec![link(EntityKind::Invoice, "I1", dec!(54))],
    );
    assert_eq!(net(&s, "2026-02-01", "2026-02-28"), dec!(50));
}

#[test]
fn thirds_round_each_line_and_a_settled_invoice_recognises_exactly_its_lines() {
    let mut s = books();
    // Lines 10 + 80, tax 10, total 100; paid 33.33, 33.33, 33.34 in three
    // months.
    let mut inv = fixtures::invoice("acme", "I1", dec!(100));
    inv.txn = txn("2026-01-05", dec!(100), vec![item_line(dec!(10)), item_line(dec!(80))]);
    s.invoices.push(inv);
    for (p, d, a) in [
        ("P1", "2026-01-10", dec!(33.33)),
        ("P2", "2026-02-10", dec!(33.33)),
        ("P3", "2026-03-10", dec!(33.34)),
    ] {
        payment(&mut s, p, d, a, vec![link(EntityKind::Invoice, "I1", a)]);
    }
    // After P1 (a third, 0.3333): 10 -> 3.33, tax 10 -> 3.33, and the
    // largest line takes the rest of round(100 x 0.3333) = 33.33: 26.67.
    // Income 3.33 + 26.67 = 30.00.
    assert_eq!(net(&s, "2026-01-01", "2026-01-31"), dec!(30.00));
    // After P2 (0.6666): 6.67, tax 6.67, 66.66 - 13.34 = 53.32: income so
    // far 59.99, this month 29.99.
    assert_eq!(net(&s, "2026-02-01", "2026-02-28"), dec!(29.99));
    // Settled: 10 + 80 = 90 in all, this month 90 - 59.99 = 30.01.
    assert_eq!(net(&s, "2026-03-01", "2026-03-31"), dec!(30.01));
    assert_eq!(net(&s, "2026-01-01", "2026-03-31"), dec!(90));
}

#[test]
fn credits_applied_in_a_payment_lower_what_it_recognises() {
    let mut s = books();
    let mut inv = fixtures::invoice("acme", "I1", dec!(100));
    inv.txn = txn("2026-01-05", dec!(100), vec![item_line(dec!(100))]);
    s.invoices.push(inv);
    let mut memo = fixtures::credit_memo("acme", "C1", dec!(30), dec!(0));
    memo.txn = txn("2026-01-06", dec!(30), vec![item_line(dec!(30))]);
    s.credit_memos.push(memo);
    // 70 of cash settles the 100 invoice with the 30 credit: income 100 - 30.
    payment(
        &mut s,
        "P1",
        "2026-02-10",
        dec!(70),
        vec![
            link(EntityKind::Invoice, "I1", dec!(100)),
            link(EntityKind::CreditMemo, "C1", dec!(30)),
        ],
    );
    // A bill of 200 (supplies) paid with a 50 vendor credit: expense 150.
    let mut bill = fixtures::bill("acme", "B1", dec!(200));
    bill.txn = txn("2026-01-07", dec!(200), vec![expense_line(dec!(200), "60")]);
    s.bills.push(bill);
    let mut credit = fixtures::vendor_credit("acme", "V1", dec!(50), dec!(0));
    credit.txn = txn("2026-01-08", dec!(50), vec![expense_line(dec!(50), "60")]);
    s.vendor_credits.push(credit);
    let mut bp = fixtures::bill_payment("acme", "BP1", dec!(150), "B1");
    bp.txn = txn("2026-02-12", dec!(150), vec![]);
    bp.applied_to = vec![
        link(EntityKind::Bill, "B1", dec!(200)),
        link(EntityKind::VendorCredit, "V1", dec!(50)),
    ];
    s.bill_payments.push(bp);
    assert_eq!(net(&s, "2026-01-01", "2026-01-31"), dec!(0));
    let feb = cash_basis(&s, date("2026-02-01"), date("2026-02-28"));
    assert_eq!((feb.income.amount(), feb.expenses.amount()), (dec!(70), dec!(150)));
    assert_eq!(feb.net_income.amount(), dec!(-80));
}

#[test]
fn cash_documents_post_on_their_own_date_and_moves_between_own_accounts_do_not_count() {
    let mut s = books();
    let d = "2026-03-03";
    let mut sale = fixtures::sales_receipt("acme", "S1", dec!(500));
    sale.txn = txn(d, dec!(500), vec![item_line(dec!(500))]);
    s.sales_receipts.push(sale);
    let mut refund = fixtures::refund_receipt("acme", "R1", dec!(40));
    refund.txn = txn(d, dec!(40), vec![item_line(dec!(40))]);
    s.refund_receipts.push(refund);
    let mut spend = fixtures::purchase("acme", "U1", dec!(120));
    spend.txn = txn(d, dec!(120), vec![expense_line(dec!(120), "60")]);
    s.purchases.push(spend);
    // A card refund of 20 reverses spending.
    let mut back = fixtures::purchase("acme", "U2", dec!(20));
    back.txn = txn(d, dec!(20), vec![expense_line(dec!(20), "60")]);
    back.credit = true;
    s.purchases.push(back);
    // A deposit of 75 coded to income 40.
    let mut dep = fixtures::deposit("acme", "D1", dec!(75));
    dep.txn = txn(
        d,
        dec!(75),
        vec![Line {
            detail: Some(LineDetail::Deposit),
            ..expense_line(dec!(75), "40")
        }],
    );
    s.deposits.push(dep);
    // Payroll of 300 by journal entry (wages 61 against checking).
    s.journal_entries.push(fixtures::journal_entry("acme", "J1", dec!(300)));
    s.journal_entries[0].txn.txn_date = date(d);
    // A transfer and a card payment move nothing on the P&L.
    let mut t = fixtures::transfer("acme", "T1", dec!(1000));
    t.txn.txn_date = date(d);
    s.transfers.push(t);
    let mut c = fixtures::card_payment("acme", "CC1", dec!(250));
    c.txn.txn_date = date(d);
    s.card_payments.push(c);
    let m = cash_basis(&s, date("2026-03-01"), date("2026-03-31"));
    // Income 500 - 40 + 75 = 535; expenses 120 - 20 + 300 = 400.
    assert_eq!((m.income.amount(), m.expenses.amount()), (dec!(535), dec!(400)));
    assert_eq!(m.net_income.amount(), dec!(135));
    assert_eq!(m.transactions, 6);
}

#[test]
fn a_foreign_invoice_paid_at_another_rate_leaves_an_exchange_difference() {
    let mut s = books();
    let eur = |t: &mut TxnCommon, amount: Decimal, rate: Decimal| {
        t.total = Money::new(amount, Currency::EUR);
        t.exchange_rate = Some(rate);
        for line in &mut t.lines {
            line.amount = Money::new(line.amount.amount(), Currency::EUR);
        }
    };
    // EUR 100 invoiced at 1.10 (USD 110), paid at 1.20 (USD 120).
    let mut inv = fixtures::invoice("acme", "I1", dec!(100));
    inv.txn = txn("2026-01-15", dec!(100), vec![item_line(dec!(100))]);
    eur(&mut inv.txn, dec!(100), dec!(1.10));
    s.invoices.push(inv);
    payment(&mut s, "P1", "2026-02-10", dec!(100), vec![]);
    let p = &mut s.payments[0];
    eur(&mut p.txn, dec!(100), dec!(1.20));
    p.applied_to = vec![TxnLink {
        kind: EntityKind::Invoice,
        id: id("I1"),
        amount: Some(Money::new(dec!(100), Currency::EUR)),
    }];
    let feb = cash_basis(&s, date("2026-02-01"), date("2026-02-28"));
    assert_eq!(
        (feb.income.amount(), feb.exchange.amount()),
        (dec!(110.00), dec!(10.00))
    );
    assert_eq!(feb.net_income, Money::new(dec!(120.00), Currency::USD));
}

#[test]
fn a_payment_for_an_invoice_older_than_the_snapshot_is_recognised_whole_and_counted() {
    let mut s = books();
    payment(
        &mut s,
        "P1",
        "2026-02-10",
        dec!(80),
        vec![link(EntityKind::Invoice, "gone", dec!(80))],
    );
    let feb = cash_basis(&s, date("2026-02-01"), date("2026-02-28"));
    assert_eq!((feb.net_income.amount(), feb.assumed), (dec!(80), 1));
}

#[test]
fn months_follow_the_roll_forward_and_state_the_definition() {
    let mut s = books();
    let mut sale = fixtures::sales_receipt("acme", "S1", dec!(10));
    sale.txn = txn("2026-04-20", dec!(10), vec![item_line(dec!(10))]);
    s.sales_receipts.push(sale);
    let p = cash_basis_by_month(&s, date("2026-04-15"), 3);
    let bounds: Vec<(NaiveDate, NaiveDate)> = p.months.iter().map(|m| (m.start, m.end)).collect();
    assert_eq!(
        bounds,
        vec![
            (date("2026-02-01"), date("2026-02-28")),
            (date("2026-03-01"), date("2026-03-31")),
            (date("2026-04-01"), date("2026-04-15")),
        ]
    );
    // The sale after as_of is not in April's figure.
    assert!(p.months.iter().all(|m| m.net_income.is_zero()));
    assert!(p.history_covers);
    assert!(p.definition.contains("in proportion to the amount applied"));
}

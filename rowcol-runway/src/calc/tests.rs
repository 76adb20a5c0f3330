//! Hand-worked cases for every calculator, with the arithmetic written out,
//! and the property tests.

use proptest::prelude::*;
use rowcol_core::entity::{AccountType, TxnLink};
use rowcol_core::{ClientSnapshot, Currency, EntityKind, Guardrail, Money};
use rowcol_testkit::fixtures::{self, date, usd};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::aging::{AgingBucket, Side, aging};
use super::runway::{RunwayState, runway};
use super::*;
use crate::test_snapshot::{account, snapshot};
use chrono::NaiveDate;

const AS_OF: &str = "2026-04-15";

fn dated<T>(mut t: T, d: &str, txn: impl Fn(&mut T) -> &mut rowcol_core::entity::TxnCommon) -> T {
    txn(&mut t).txn_date = date(d);
    t
}

/// The worked client, as of 2026-04-15 (burn window: January to March 2026,
/// 31 + 28 + 31 = 90 days).
///
/// Balances: Checking USD 10,000; a EUR account holding EUR 1,000; Visa owes
/// USD 1,500. The only EUR rate on the data is 1.10 (bill B2), so the EUR
/// account is USD 1,100 and cash is 10,000 + 1,100 = USD 11,100.
///
/// In the window: bill payments 3 x 3,000 = 9,000 from Checking; card
/// charges 3 x 600 = 1,800 on Visa; customer payments P2, P3 of 1,500 into
/// Checking, P1 into Undeposited Funds and carried to Checking by a deposit
/// of 2,000; a plain deposit of 700. Outside it: a card charge in December
/// and one in April.
///
/// Open bills: B1 USD 1,000 due 04-20; B2 EUR 500 at 1.10 = USD 550 due
/// 04-01; B3 USD 2,000 due 01-05. Open invoices: I1 4,000 due 04-30; I2 1,000
/// due 02-20; I3 300 due 2025-12-31. Paid invoices PI1-PI3 were each paid 10
/// days after their due date by customer 58.
fn worked() -> ClientSnapshot {
    let mut s = snapshot();
    s.as_of = date(AS_OF);
    s.history_start = date("2025-10-15");
    s.accounts
        .push(account("36", "Euro account", AccountType::Bank, dec!(0)));
    s.accounts.last_mut().unwrap().current_balance = Money::new(dec!(1000), Currency::EUR);
    s.accounts[1].current_balance = usd(dec!(1500));
    s.accounts.push(account(
        "42",
        "Undeposited Funds",
        AccountType::OtherCurrentAsset,
        dec!(0),
    ));

    for (i, d) in ["2026-01-10", "2026-02-10", "2026-03-10"].iter().enumerate() {
        let bp = fixtures::bill_payment("acme", &format!("bp{i}"), dec!(3000), &format!("90{i}"));
        s.bill_payments.push(dated(bp, d, |t| &mut t.txn));
    }
    for (i, d) in ["2025-12-20", "2026-01-20", "2026-02-20", "2026-03-20", "2026-04-05"]
        .iter()
        .enumerate()
    {
        let amount = if i == 0 || i == 4 { dec!(999) } else { dec!(600) };
        s.purchases
            .push(dated(fixtures::purchase("acme", &format!("pu{i}"), amount), d, |t| {
                &mut t.txn
            }));
    }
    let paid = [
        ("2026-01-05", "2026-01-15", "2025-12-06"),
        ("2026-02-05", "2026-02-15", "2026-01-06"),
        ("2026-03-05", "2026-03-15", "2026-02-03"),
    ];
    for (i, (due, paid_on, dated_on)) in paid.iter().enumerate() {
        let mut inv = fixtures::invoice("acme", &format!("PI{}", i + 1), dec!(1500));
        inv.txn.txn_date = date(dated_on);
        inv.due_date = Some(date(due));
        inv.balance = usd(dec!(0));
        s.invoices.push(inv);
        let mut p = fixtures::payment("acme", &format!("P{}", i + 1), dec!(1500), &format!("PI{}", i + 1));
        if i == 0 {
            p.deposit_to = Some(fixtures::reference("42", "Undeposited Funds"));
        }
        s.payments.push(dated(p, paid_on, |t| &mut t.txn));
    }
    let mut carrying = dated(fixtures::deposit("acme", "D1", dec!(2000)), "2026-02-16", |t| {
        &mut t.txn
    });
    carrying.linked.push(TxnLink {
        kind: EntityKind::Payment,
        id: fixtures::id("P1"),
        amount: None,
    });
    s.deposits.push(carrying);
    s.deposits
        .push(dated(fixtures::deposit("acme", "D2", dec!(700)), "2026-03-03", |t| {
            &mut t.txn
        }));

    let mut b1 = dated(fixtures::bill("acme", "B1", dec!(1000)), "2026-03-21", |t| &mut t.txn);
    b1.due_date = Some(date("2026-04-20"));
    let mut b2 = dated(fixtures::bill("acme", "B2", dec!(500)), "2026-03-02", |t| &mut t.txn);
    b2.txn.total = Money::new(dec!(500), Currency::EUR);
    b2.txn.lines[0].amount = b2.txn.total;
    b2.txn.exchange_rate = Some(dec!(1.10));
    b2.balance = b2.txn.total;
    b2.due_date = Some(date("2026-04-01"));
    let mut b3 = dated(fixtures::bill("acme", "B3", dec!(2000)), "2025-12-06", |t| &mut t.txn);
    b3.due_date = Some(date("2026-01-05"));
    *s.bills = vec![b1, b2, b3];
    for (id, amount, dated_on, due) in [
        ("I1", dec!(4000), "2026-03-31", "2026-04-30"),
        ("I2", dec!(1000), "2026-01-21", "2026-02-20"),
        ("I3", dec!(300), "2025-12-01", "2025-12-31"),
    ] {
        let mut inv = dated(fixtures::invoice("acme", id, amount), dated_on, |t| &mut t.txn);
        inv.due_date = Some(date(due));
        s.invoices.push(inv);
    }
    s
}

#[test]
fn cash_position_by_currency_and_in_home_currency() {
    let o = outlook(&worked(), date(AS_OF));
    // 10,000 + EUR 1,000 x 1.10 = 11,100; card 1,500; net 9,600.
    assert_eq!(o.cash.cash, usd(dec!(11100.00)));
    assert_eq!(o.cash.card_debt, usd(dec!(1500)));
    assert_eq!(o.cash.net, usd(dec!(9600.00)));
    assert_eq!(
        o.cash.by_currency.iter().map(|c| c.currency).collect::<Vec<_>>(),
        [Currency::EUR, Currency::USD]
    );
    assert_eq!(o.cash.by_currency[0].rate_to_home, Some(dec!(1.10)));
    assert!(o.cash.unconverted.is_empty());
}

#[test]
fn a_currency_without_a_rate_is_left_out_not_added() {
    let mut s = worked();
    s.accounts.push(account("37", "Loonie", AccountType::Bank, dec!(0)));
    s.accounts.last_mut().unwrap().current_balance = Money::new(dec!(5000), Currency::CAD);
    let cash = cash::cash_position(&s);
    assert_eq!(cash.cash, usd(dec!(11100.00)));
    assert_eq!(cash.unconverted, [Currency::CAD]);
}

#[test]
fn burn_over_three_full_months() {
    let o = outlook(&worked(), date(AS_OF));
    let b = &o.burn;
    assert_eq!((b.window.start, b.window.end), (date("2026-01-01"), date("2026-04-01")));
    // Out: 9,000 + 1,800 = 10,800; gross 10,800 / 3 = 3,600 a month.
    assert_eq!(b.cash_out, usd(dec!(10800)));
    assert_eq!(b.gross_monthly, usd(dec!(3600)));
    // In, as it reached a bank: 2 x 1,500 + 2,000 + 700 = 5,700 (P1 counts
    // when deposited); net (10,800 - 5,700) / 3 = 1,700.
    assert_eq!(b.cash_in, usd(dec!(5700)));
    assert_eq!(b.net_monthly, usd(dec!(1700)));
    assert!(!b.too_thin());
}

#[test]
fn burn_counts_payroll_and_cash_sales_and_leaves_out_financing_transfers_and_card_statements() {
    let mut s = worked();
    s.accounts
        .push(account("30", "Opening Balance Equity", AccountType::Equity, dec!(0)));
    let on = |d: &str, txn: &mut rowcol_core::entity::TxnCommon| txn.txn_date = date(d);
    // Payroll in February: wages 2,000 debited, checking (35) credited the
    // net 1,600 and the payroll liability (24) the 400 withheld.
    let mut payroll = fixtures::journal_entry("acme", "J1", dec!(2000));
    on("2026-02-15", &mut payroll.txn);
    payroll.txn.lines[1].amount = usd(dec!(1600));
    let mut withheld = payroll.txn.lines[1].clone();
    withheld.amount = usd(dec!(400));
    withheld.account = Some(fixtures::reference("24", "Payroll liabilities"));
    payroll.txn.lines.push(withheld);
    s.journal_entries.push(payroll);
    // An opening balance in January, checking against equity: financing.
    let mut opening = fixtures::journal_entry("acme", "J2", dec!(5000));
    on("2026-01-02", &mut opening.txn);
    opening.txn.lines[0].account = Some(fixtures::reference("35", "Checking"));
    opening.txn.lines[1].account = Some(fixtures::reference("30", "Opening Balance Equity"));
    s.journal_entries.push(opening);
    // A transfer and a card statement paid: neither is burn.
    let mut transfer = fixtures::transfer("acme", "T1", dec!(3000));
    on("2026-03-01", &mut transfer.txn);
    s.transfers.push(transfer);
    let mut statement = fixtures::card_payment("acme", "C1", dec!(1500));
    on("2026-03-15", &mut statement.txn);
    s.card_payments.push(statement);
    // A card refund of 100 in March, and a cash sale of 250 into checking.
    let mut refund = fixtures::purchase("acme", "R1", dec!(100));
    refund.credit = true;
    on("2026-03-20", &mut refund.txn);
    s.purchases.push(refund);
    let mut sale = fixtures::sales_receipt("acme", "S1", dec!(250));
    on("2026-02-02", &mut sale.txn);
    s.sales_receipts.push(sale);

    let b = outlook(&s, date(AS_OF)).burn;
    // Out: 10,800 + 1,600 payroll = 12,400.
    assert_eq!(b.cash_out, usd(dec!(12400)));
    // In: 5,700 + 250 cash sale + 100 card refund = 6,050; the opening
    // balance is not income.
    assert_eq!(b.cash_in, usd(dec!(6050)));
    // Net: (12,300 - 5,950) / 3 = 2,116.67 once rounded.
    assert_eq!(b.net_monthly.round_to_minor_units(), usd(dec!(2116.67)));
    assert!(b.method.contains("financing") || b.method.contains("equity"));
}

#[test]
fn the_roll_forward_closes_each_month_on_the_balance_its_postings_give() {
    let mut s = worked();
    s.accounts
        .push(account("30", "Opening Balance Equity", AccountType::Equity, dec!(0)));
    let mut payroll = fixtures::journal_entry("acme", "J1", dec!(1600));
    payroll.txn.txn_date = date("2026-03-15");
    s.journal_entries.push(payroll);
    let mut loan = fixtures::journal_entry("acme", "J2", dec!(5000));
    loan.txn.txn_date = date("2026-02-02");
    loan.txn.lines[0].account = Some(fixtures::reference("35", "Checking"));
    loan.txn.lines[1].account = Some(fixtures::reference("30", "Opening Balance Equity"));
    s.journal_entries.push(loan);
    let mut statement = fixtures::card_payment("acme", "C1", dec!(400));
    statement.txn.txn_date = date("2026-03-10");
    s.card_payments.push(statement);
    let r = rollforward::rollforward(&s, date(AS_OF), 3);
    assert!(r.history_covers);
    let checking = &r.accounts[0];
    assert_eq!(checking.name, "Checking");
    let months: Vec<NaiveDate> = checking.months.iter().map(|m| m.month).collect();
    assert_eq!(months, [date("2026-02-01"), date("2026-03-01"), date("2026-04-01")]);
    // April to the 15th: the 999 purchase on the 5th is a card charge (no
    // bank movement), so April closes and opens on the current 10,000.
    let april = &checking.months[2];
    assert_eq!(
        (april.opening.amount(), april.closing.amount()),
        (dec!(10000), dec!(10000))
    );
    // March: the 400 card statement is a transfer, not cash out; the
    // month's opening is its closing less its movements.
    let march = &checking.months[1];
    assert_eq!(march.transfers.amount(), dec!(-400));
    assert_eq!(march.closing, april.opening);
    assert_eq!(
        march.opening.amount(),
        march.closing.amount() - march.cash_in.amount() + march.cash_out.amount()
            - march.transfers.amount()
            - march.financing.amount()
    );
    // February: the 5,000 against equity is financing, not cash in.
    let february = &checking.months[0];
    assert_eq!(february.financing.amount(), dec!(5000));
    assert_eq!(february.closing, march.opening);
    assert!(r.definition.contains("financing"));
    // Visa is followed as negative cash: it owes 1,500 now, 501 at March's
    // end (April's 999 charge came later); March's 600 charge is cash out
    // and the 400 statement a transfer in, so March opened owing 301.
    let visa = &r.accounts[1];
    assert_eq!(visa.kind, rollforward::CashAccountKind::Card);
    let visa_march = &visa.months[1];
    assert_eq!(
        (visa_march.opening.amount(), visa_march.closing.amount()),
        (dec!(-301), dec!(-501))
    );
    assert_eq!(
        (visa_march.cash_out.amount(), visa_march.transfers.amount()),
        (dec!(600), dec!(400))
    );
    // The EUR account is left out of the USD total, which is net cash:
    // Checking less what Visa owes; the statement nets to no transfer.
    assert_eq!(r.left_out_of_total.len(), 1);
    assert_eq!(r.total[1].closing.amount(), dec!(10000) - dec!(501));
    assert_eq!(r.total[1].cash_out.amount(), dec!(4600) + dec!(600));
    assert!(r.total[1].transfers.is_zero());
}

#[test]
fn runway_in_months_and_weeks() {
    let o = outlook(&worked(), date(AS_OF));
    // Net cash 11,100 - 1,500 owed on Visa = 9,600; 9,600 / 1,700 =
    // 5.6470...; weeks 5.6470... x 52 / 12 = 24.4705...
    assert_eq!(o.runway.cash, usd(dec!(9600.00)));
    assert_eq!(
        o.runway.state,
        RunwayState::Months {
            months: dec!(5.65),
            weeks: dec!(24.47)
        }
    );
    assert!(o.runway.definition.contains("net operating burn"));
}

#[test]
fn runway_not_burning_and_insufficient_data() {
    let mut s = worked();
    // A 20,000 deposit in March: net burn (10,800 - 25,700) / 3 < 0.
    s.deposits
        .push(dated(fixtures::deposit("acme", "D3", dec!(20000)), "2026-03-05", |t| {
            &mut t.txn
        }));
    assert_eq!(outlook(&s, date(AS_OF)).runway.state, RunwayState::NotBurning);
    let mut thin = worked();
    thin.history_start = date("2026-02-01"); // history starts after the window does
    assert!(matches!(
        outlook(&thin, date(AS_OF)).runway.state,
        RunwayState::InsufficientData { .. }
    ));
}

#[test]
fn aging_buckets_as_of_a_date() {
    let s = worked();
    let ap = aging(&s, Side::Payable, date(AS_OF));
    // B1 not due: current 1,000; B2 14 days: 1-30 550; B3 100 days: 90+ 2,000.
    let amounts: Vec<Decimal> = ap.buckets.iter().map(|b| b.amount.amount()).collect();
    assert_eq!(amounts, [dec!(1000), dec!(550.00), dec!(0), dec!(0), dec!(2000)]);
    assert_eq!(ap.total, usd(dec!(3550.00)));
    let ar = aging(&s, Side::Receivable, date(AS_OF));
    // I1 current 4,000; I2 54 days: 31-60 1,000; I3 105 days: 90+ 300.
    let amounts: Vec<Decimal> = ar.buckets.iter().map(|b| b.amount.amount()).collect();
    assert_eq!(amounts, [dec!(4000), dec!(0), dec!(1000), dec!(0), dec!(300)]);
    assert_eq!(AgingBucket::for_days_past_due(30), AgingBucket::Days1To30);
    assert_eq!(AgingBucket::for_days_past_due(31), AgingBucket::Days31To60);
    assert_eq!(AgingBucket::for_days_past_due(91), AgingBucket::Over90);
}

#[test]
fn dso_and_dpo_over_the_window() {
    let o = outlook(&worked(), date(AS_OF));
    // Invoiced in the window: PI2 1,500 + PI3 1,500 + I1 4,000 + I2 1,000 = 8,000.
    // DSO = 5,300 / 8,000 x 90 = 59.625 -> 59.63.
    assert_eq!(o.dso.period_amount, usd(dec!(8000)));
    assert_eq!(o.dso.days, Some(dec!(59.63)));
    // Billed in the window: B1 1,000 + B2 550 = 1,550. DPO = 3,550 / 1,550 x 90 = 206.129... -> 206.13.
    assert_eq!(o.dpo.days, Some(dec!(206.13)));
}

#[test]
fn thirteen_week_forecast() {
    let o = outlook(&worked(), date(AS_OF));
    let f = &o.forecast;
    let closing: Vec<Decimal> = f.weeks.iter().map(|w| w.closing.amount()).collect();
    // Start: net cash 11,100 - 1,500 owed on Visa = 9,600.
    // Open documents: I2 (due 02-20, customer 58 pays 10 days late: expected
    // 03-02, already past) spread as 250 over weeks 1-4; I1 due 04-30 + 10
    // = 05-10, week 4; I3 105 days overdue is doubtful; bills 3,550 in week 1.
    // Window rates (January-March, 90 days): card charges 1,800 -> 140 a
    // week; other receipts: D2's 700 (D1 carries a payment) -> 54.44 a week;
    // invoicing 8,000 -> collected 40 days after issue (PI1-PI3 were each
    // paid 40 days after their date): 2 days' worth in week 6 (177.78), 7
    // days' (622.22) from week 7; bills 1,550 -> paid after 30 days (no
    // bill payment names a bill in the snapshot): 5 days' in week 5
    // (86.11), 7 days' (120.56) from week 6.
    // Week 1: 9,600 + 250 + 54.44 - 3,550 - 140 = 6,214.44; weeks 2-3:
    // +164.44 each; week 4: + 4,000 more.
    assert_eq!(
        closing[..4],
        [dec!(6214.44), dec!(6378.88), dec!(6543.32), dec!(10707.76)]
    );
    // Week 5: 54.44 - 140 - 86.11; week 6: 177.78 + 54.44 - 140 - 120.56;
    // weeks 7-13: 622.22 + 54.44 - 140 - 120.56 = 416.10 each.
    assert_eq!(closing[4], dec!(10536.09));
    assert_eq!(closing[5], dec!(10507.75));
    assert_eq!(closing[12], dec!(13420.45));
    assert_eq!(f.doubtful_receivables, usd(dec!(300)));
    assert_eq!(f.weeks[3].start, date("2026-05-06"));
    // Every week's lines are its amounts, with their sources.
    for w in &f.weeks {
        let sum: Decimal = w.lines.iter().map(|l| l.amount.amount()).sum();
        assert_eq!(w.closing.amount() - w.opening.amount(), sum, "week {}", w.week);
    }
    assert!(f.weeks[3].lines.iter().any(|l| l.source
        == forecast::ForecastSource::OpenInvoice { id: fixtures::id("I1") }
        && l.amount == usd(dec!(4000))));
    assert_eq!(f.total_inflows.amount(), dec!(10241.04));
    assert_eq!(f.total_outflows.amount(), dec!(6420.59));
}

#[test]
fn guardrail_default_and_fixed() {
    let o = outlook(&worked(), date(AS_OF));
    // 4 weeks of gross burn: 3,600 x 12 / 52 x 4 = 3,323.0769...
    let g = o.guardrail.level.amount.unwrap();
    assert_eq!(g.round_to_minor_units(), usd(dec!(3323.08)));
    assert!(!o.guardrail.breached_within_forecast());
    let mut s = worked();
    // Fixed 6,300: net cash 9,600 is above it now; week 1 closes at 6,214.44, under it.
    s.settings.guardrail = Guardrail::Fixed(usd(dec!(6300)));
    let o = outlook(&s, date(AS_OF));
    assert!(!o.guardrail.breached_now);
    assert_eq!(o.guardrail.first_week_below, Some(1));
    s.settings.guardrail = Guardrail::Fixed(usd(dec!(12000)));
    assert!(outlook(&s, date(AS_OF)).guardrail.breached_now);
}

#[test]
fn outputs_are_stable_and_serialisable() {
    let s = worked();
    let a = outlook(&s, date(AS_OF));
    assert_eq!(a, outlook(&s, date(AS_OF)));
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<CashOutlook>(&json).unwrap(), a);
    assert!(!json.contains("e-"), "no float notation: {json}");
}

/// Open documents from generated (amount in cents, days from as-of to due).
fn with_open(invoices: &[(i64, i64)], bills: &[(i64, i64)]) -> ClientSnapshot {
    let mut s = snapshot();
    let as_of = date(AS_OF);
    for (i, (cents, due)) in invoices.iter().enumerate() {
        let mut inv = fixtures::invoice("acme", &format!("i{i}"), Decimal::new(*cents, 2));
        inv.due_date = Some(as_of + chrono::Duration::days(*due));
        s.invoices.push(inv);
    }
    for (i, (cents, due)) in bills.iter().enumerate() {
        let mut b = fixtures::bill("acme", &format!("b{i}"), Decimal::new(*cents, 2));
        b.due_date = Some(as_of + chrono::Duration::days(*due));
        s.bills.push(b);
    }
    s
}

proptest! {
    /// Aging buckets sum to the open balance, on both sides.
    #[test]
    fn aging_buckets_sum_to_open_balance(
        docs in proptest::collection::vec((-1_000_000i64..100_000_000, -400i64..120), 0..40)
    ) {
        let s = with_open(&docs, &docs);
        let open: Decimal = docs.iter().map(|(c, _)| Decimal::new(*c, 2)).sum();
        for side in [Side::Receivable, Side::Payable] {
            let a = aging(&s, side, date(AS_OF));
            let sum: Decimal = a.buckets.iter().map(|b| b.amount.amount()).sum();
            prop_assert_eq!(sum, a.total.amount());
            prop_assert_eq!(a.total.amount(), open);
            prop_assert_eq!(a.buckets.iter().map(|b| b.count as usize).sum::<usize>(), docs.iter().filter(|(c, _)| *c != 0).count());
        }
    }

    /// More net burn never means more runway.
    #[test]
    fn runway_falls_as_burn_rises(cash in 0i64..10_000_000, b1 in 1i64..1_000_000, extra in 0i64..1_000_000) {
        let o = outlook(&worked(), date(AS_OF));
        let mut c = o.cash.clone();
        c.cash = usd(Decimal::new(cash, 2));
        let with = |net: i64| {
            let mut b = o.burn.clone();
            b.net_monthly = usd(Decimal::new(net, 2));
            runway(&c, &b).months()
        };
        let (low, high) = (with(b1), with(b1 + extra));
        prop_assert!(low.is_some() && high.is_some());
        prop_assert!(high <= low, "burn {} -> {:?}, burn {} -> {:?}", b1, low, b1 + extra, high);
    }

    /// Week 13 closes at start + inflows - outflows, and every week at
    /// opening + inflows - outflows.
    #[test]
    fn forecast_closes_at_start_plus_inflows_minus_outflows(
        invoices in proptest::collection::vec((1i64..10_000_000, -200i64..120), 0..30),
        bills in proptest::collection::vec((1i64..10_000_000, -200i64..120), 0..30),
        purchases in proptest::collection::vec((1i64..1_000_000, 0i64..90), 0..20),
    ) {
        let mut s = with_open(&invoices, &bills);
        for (i, (cents, day)) in purchases.iter().enumerate() {
            let p = fixtures::purchase("acme", &format!("p{i}"), Decimal::new(*cents, 2));
            s.purchases.push(dated(p, &(date("2026-01-01") + chrono::Duration::days(*day)).to_string(), |t| &mut t.txn));
        }
        let f = outlook(&s, date(AS_OF)).forecast;
        prop_assert_eq!(f.weeks.len(), 13);
        for w in &f.weeks {
            prop_assert_eq!(w.closing.amount(), w.opening.amount() + w.inflows.amount() - w.bill_outflows.amount() - w.recurring_outflows.amount());
        }
        prop_assert_eq!(
            f.weeks[12].closing.amount(),
            f.starting_cash.amount() + f.total_inflows.amount() - f.total_outflows.amount()
        );
    }
}

/// A steady client: each week since December it invoices 7,000 on Net 30
/// (paid on the due date), receives a 4,000 bill on Net 30 (paid on the due
/// date) and spends 3,000 from checking: cash neither grows nor falls.
fn steady() -> ClientSnapshot {
    let mut s = snapshot();
    s.as_of = date(AS_OF);
    s.history_start = date("2025-10-15");
    let as_of = date(AS_OF);
    let mut day = date("2025-12-01");
    let mut n = 0;
    while day < as_of {
        let due = day + chrono::Duration::days(30);
        let paid = due < as_of;
        let mut inv = dated(
            fixtures::invoice("acme", &format!("I{n}"), dec!(7000)),
            &day.to_string(),
            |t| &mut t.txn,
        );
        inv.due_date = Some(due);
        let mut bill = dated(
            fixtures::bill("acme", &format!("B{n}"), dec!(4000)),
            &day.to_string(),
            |t| &mut t.txn,
        );
        bill.due_date = Some(due);
        if paid {
            inv.balance = usd(dec!(0));
            bill.balance = usd(dec!(0));
            let p = fixtures::payment("acme", &format!("P{n}"), dec!(7000), &format!("I{n}"));
            s.payments.push(dated(p, &due.to_string(), |t| &mut t.txn));
            let bp = fixtures::bill_payment("acme", &format!("BP{n}"), dec!(4000), &format!("B{n}"));
            s.bill_payments.push(dated(bp, &due.to_string(), |t| &mut t.txn));
        }
        s.invoices.push(inv);
        s.bills.push(bill);
        let mut spend = dated(
            fixtures::purchase("acme", &format!("S{n}"), dec!(3000)),
            &day.to_string(),
            |t| &mut t.txn,
        );
        spend.paid_from = Some(fixtures::reference("35", "Checking"));
        s.purchases.push(spend);
        day += chrono::Duration::days(7);
        n += 1;
    }
    s.accounts[0].current_balance = usd(dec!(50000));
    s
}

#[test]
fn a_steady_clients_forecast_stays_flat() {
    let s = steady();
    let f = outlook(&s, date(AS_OF)).forecast;
    // Open receivables and payables, then new invoicing and bills at the
    // window's rate after 30 days, and spending at its rate: no week drifts
    // more than 5 % from the 50,000 the client steadily holds. (Open
    // documents alone and spending at its rate fall 3,000 a week once the
    // open documents run out.)
    for w in &f.weeks {
        let drift = (w.closing.amount() - dec!(50000)).abs();
        assert!(drift <= dec!(2500), "week {} closes at {}", w.week, w.closing);
    }
    assert!(
        f.weeks[12]
            .lines
            .iter()
            .any(|l| l.source == forecast::ForecastSource::NewInvoicing)
    );
}

#[test]
fn a_line_of_credit_drawn_and_repaid_is_financing_not_burn() {
    let mut s = worked();
    let mut line = account("45", "Line of Credit", AccountType::OtherCurrentLiability, dec!(0));
    line.sub_type = Some("LineOfCredit".to_owned());
    s.accounts.push(line);
    let before = outlook(&s, date(AS_OF)).burn;
    // 8,000 drawn into checking in February by journal entry, 3,000 repaid
    // in March by transfer.
    let mut draw = fixtures::journal_entry("acme", "J9", dec!(8000));
    draw.txn.txn_date = date("2026-02-05");
    draw.txn.lines[0].account = Some(fixtures::reference("35", "Checking"));
    draw.txn.lines[1].account = Some(fixtures::reference("45", "Line of Credit"));
    s.journal_entries.push(draw);
    let mut repay = fixtures::transfer("acme", "T9", dec!(3000));
    repay.txn.txn_date = date("2026-03-05");
    repay.to = Some(fixtures::reference("45", "Line of Credit"));
    s.transfers.push(repay);
    assert_eq!(outlook(&s, date(AS_OF)).burn, before, "neither is operating cash");
    let r = rollforward::rollforward(&s, date(AS_OF), 3);
    assert_eq!(r.accounts[0].months[0].financing.amount(), dec!(8000));
    assert_eq!(r.accounts[0].months[1].financing.amount(), dec!(-3000));
}

#[test]
fn cash_and_runway_say_which_balances_they_used_and_how_old_they_are() {
    // Synced 2026-02-01T00:00Z, loaded 3 h 20 min later: 12,000 s old.
    let mut s = snapshot();
    s.loaded_at = crate::test_snapshot::synced_at() + chrono::Duration::seconds(12_000);
    let mut bank = fixtures::bank_feed_account("acme", "plaid-1", dec!(9000));
    let stated = fixtures::time("2026-01-31T18:00:00+00:00").with_timezone(&chrono::Utc);
    bank.balance_as_of = Some(stated);
    s.bank_accounts.push(bank);
    let o = outlook(&s, date("2026-02-01"));
    let basis = &o.cash.balances;
    assert_eq!(basis.source, "mirror");
    assert_eq!(basis.synced_at, Some(crate::test_snapshot::synced_at()));
    assert_eq!(basis.age_seconds, Some(12_000));
    assert_eq!(basis.rolled_back_to, None, "as of the day it was loaded");
    assert_eq!(basis.bank_as_of, Some(stated), "the bank's own date, not the sync's");
    assert_eq!(&o.runway.balances, basis, "runway carries the cash figure's basis");
    assert!(basis.describe().contains("(3 h old)"), "{}", basis.describe());

    s.as_of = date("2026-01-15");
    let earlier = cash::cash_position(&s);
    assert_eq!(earlier.balances.rolled_back_to, Some(date("2026-01-15")));
}

//! Hand-worked scenarios on the small test client (Checking USD 10,000, as of
//! 2026-02-01, burn window November to January: 30 + 31 + 31 = 92 days),
//! each with its arithmetic.

use rowcol_core::{ClientSnapshot, Currency, Guardrail, Money};
use rowcol_testkit::fixtures::{self, date, id, usd};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::test_snapshot::snapshot;

const AS_OF: &str = "2026-02-01";

fn base() -> ClientSnapshot {
    let mut s = snapshot();
    s.settings.guardrail = Guardrail::Fixed(usd(dec!(8000)));
    s
}

/// Burning USD 3,000 a month: one card charge of 3,000 in each window month.
fn burning() -> ClientSnapshot {
    let mut s = base();
    for (i, d) in ["2025-11-10", "2025-12-10", "2026-01-10"].iter().enumerate() {
        let mut p = fixtures::purchase("acme", &format!("pu{i}"), dec!(3000));
        p.txn.txn_date = date(d);
        s.purchases.push(p);
    }
    s
}

/// Dates the open documents before the window (October 2025), so that
/// no run rate is learned from them and only they move.
fn undated_in_window(s: &mut ClientSnapshot) {
    for b in s.bills.iter_mut() {
        b.txn.txn_date = date("2025-10-20");
    }
    for i in s.invoices.iter_mut() {
        i.txn.txn_date = date("2025-10-20");
    }
}

fn closings(p: &Projection) -> Vec<Decimal> {
    p.forecast.weeks.iter().map(|w| w.closing.amount()).collect()
}

fn run(s: &ClientSnapshot, adjustments: Vec<Adjustment>) -> ScenarioComparison {
    compare(s, date(AS_OF), &Scenario { adjustments }).unwrap()
}

fn delay(vendor: &str, days: i64) -> Adjustment {
    Adjustment::DelayVendor {
        vendor: id(vendor),
        days,
    }
}

#[test]
fn an_empty_scenario_is_the_outlook() {
    let s = burning();
    let c = run(&s, vec![]);
    let outlook = crate::outlook(&s, date(AS_OF));
    assert_eq!(c.base.forecast, outlook.forecast);
    assert_eq!(c.base.runway, outlook.runway);
    assert_eq!(c.scenario.forecast, c.base.forecast);
    assert_eq!(c.scenario.runway.state, c.base.runway.state);
    assert!(c.weeks.iter().all(|w| w.difference.amount().is_zero()));
}

#[test]
fn a_delayed_vendor_is_paid_n_days_after_the_base_and_other_vendors_are_not() {
    let mut s = base();
    s.vendors.push(fixtures::vendor("acme", "57", "Other Vendor"));
    // B1 4,000 due 02-14 (day 13: week 2); B2 1,000 due 01-10 (overdue:
    // week 1); B3 500 to vendor 57 due 02-14 (week 2).
    let mut b2 = fixtures::bill("acme", "B2", dec!(1000));
    b2.due_date = Some(date("2026-01-10"));
    let mut b3 = fixtures::bill("acme", "B3", dec!(500));
    b3.vendor = Some(fixtures::reference("57", "Other Vendor"));
    s.bills = vec![fixtures::bill("acme", "B1", dec!(4000)), b2, b3].into();
    undated_in_window(&mut s);

    let c = run(&s, vec![delay("56", 30)]);
    // Base: week 1 10,000 - 1,000 = 9,000; week 2 9,000 - 4,500 = 4,500.
    assert_eq!(closings(&c.base)[..2], [dec!(9000), dec!(4500)]);
    // Delayed 30 days: B1 to 03-16 (day 43: week 7), B2 to 02-01 + 30 =
    // 03-03 (day 30: week 5); B3 stays in week 2.
    let sc = closings(&c.scenario);
    assert_eq!(
        sc[..7],
        [
            dec!(10000),
            dec!(9500),
            dec!(9500),
            dec!(9500),
            dec!(8500),
            dec!(8500),
            dec!(4500)
        ]
    );
    assert_eq!(c.weeks[1].difference.amount(), dec!(5000));
    // Under the 8,000 buffer: week 2 in the base, week 7 in the scenario.
    assert_eq!(c.base.forecast.first_week_below_guardrail, Some(2));
    assert_eq!(c.scenario.forecast.first_week_below_guardrail, Some(7));
    // No burn in the window: runway unknown both ways, not invented.
    assert_eq!(c.scenario.runway.state, c.base.runway.state);
}

#[test]
fn a_delayed_vendor_s_new_bills_are_paid_later_too() {
    let mut s = base();
    // Paid bills of vendor 56 dated in the window: 9,200 over 92 days =
    // 100 a day, paid 30 days after their date (no bill payment history).
    for (i, d) in ["2025-11-15", "2025-12-15", "2026-01-15"].iter().enumerate() {
        let mut b = fixtures::bill("acme", &format!("W{i}"), dec!(3000));
        b.txn.txn_date = date(d);
        b.balance = usd(dec!(0));
        if i == 0 {
            b.txn.total = usd(dec!(3200));
        }
        s.bills.push(b);
    }
    let c = run(&s, vec![delay("56", 14)]);
    // Base: issued from 02-01, paid from day 30 on: week 5 (days 28-34)
    // pays 5 days = 500; by week 13 (day 90) 61 days = 6,100.
    assert_eq!(closings(&c.base)[4], dec!(9500));
    assert_eq!(closings(&c.base)[12], dec!(3900));
    // Delayed 14 days: paid from day 44 on: nothing in week 5; by week 13
    // 47 days = 4,700.
    assert_eq!(closings(&c.scenario)[4], dec!(10000));
    assert_eq!(closings(&c.scenario)[12], dec!(5300));
    assert_eq!(c.weeks[12].difference.amount(), dec!(1400));
}

#[test]
fn a_late_customer_s_invoices_are_collected_n_days_after_the_base() {
    let mut s = base();
    // I1 2,000 due 02-14 (no history: collected on its due date, week 2);
    // I2 800 due 01-20, already late: 200 in each of weeks 1 to 4.
    let mut i2 = fixtures::invoice("acme", "I2", dec!(800));
    i2.due_date = Some(date("2026-01-20"));
    s.invoices = vec![fixtures::invoice("acme", "I1", dec!(2000)), i2].into();
    undated_in_window(&mut s);
    let c = run(
        &s,
        vec![Adjustment::CustomerLate {
            customer: id("58"),
            days: 21,
        }],
    );
    assert_eq!(
        closings(&c.base)[..5],
        [dec!(10200), dec!(12400), dec!(12600), dec!(12800), dec!(12800)]
    );
    // 21 days later: I1 on 03-07 (day 34: week 5); I2's parts from days
    // 0, 7, 14, 21 to days 21, 28, 35, 42: weeks 4, 5, 6, 7.
    assert_eq!(
        closings(&c.scenario)[..7],
        [
            dec!(10000),
            dec!(10000),
            dec!(10000),
            dec!(10200),
            dec!(12400),
            dec!(12600),
            dec!(12800)
        ]
    );
}

#[test]
fn a_new_hire_is_paid_half_on_the_15th_and_the_rest_at_month_end_and_raises_burn() {
    let s = burning();
    let hire = |from: &str| Adjustment::NewHire {
        monthly_cost: usd(dec!(5000.01)),
        from: date(from),
    };
    let c = run(&s, vec![hire("2026-02-20")]);
    // Half of 5,000.01 = 2,500.005, rounded 2,500.01 on the 15th; the rest,
    // 2,500.00, on the month's last day. From 02-20 to the horizon's last
    // day 05-02: 02-28, 03-15, 03-31, 04-15, 04-30 = 12,500.02.
    let hired: Vec<(u32, Decimal)> = c
        .scenario
        .forecast
        .weeks
        .iter()
        .flat_map(|w| w.lines.iter().map(move |l| (w.week, l)))
        .filter(|(_, l)| l.source == ForecastSource::NewHire)
        .map(|(w, l)| (w, l.amount.amount()))
        .collect();
    assert_eq!(
        hired,
        [
            (4, dec!(-2500.00)),
            (7, dec!(-2500.01)),
            (9, dec!(-2500.00)),
            (11, dec!(-2500.01)),
            (13, dec!(-2500.00))
        ]
    );
    assert_eq!(c.weeks[2].difference.amount(), dec!(0));
    assert_eq!(c.weeks[12].difference.amount(), dec!(-12500.02));
    // Runway: 10,000 / 3,000 = 3.33 months in the base.
    assert_eq!(c.base.runway.months(), Some(dec!(3.33)));
    // Hired from 03-03, 30 days = 30 x 12 / 364 = 0.989011 months on:
    // cash then 10,000 - 3,000 x 0.989011 = 7,032.97, at 8,000.01 a month
    // lasting 0.879120 more: 1.868131 = 1.87 months.
    let later = run(&s, vec![hire("2026-03-03")]);
    assert_eq!(later.scenario.runway.months(), Some(dec!(1.87)));
    assert_eq!(later.scenario.runway.net_burn_monthly.amount(), dec!(8000.01));
    // Hired from today: 10,000 / 8,000.01 = 1.25 months.
    let now = run(&s, vec![hire(AS_OF)]);
    assert_eq!(now.scenario.runway.months(), Some(dec!(1.25)));
}

#[test]
fn a_raise_adds_cash_on_its_date_and_leaves_burn_alone() {
    let s = burning();
    let raise = |on: &str, financing| Adjustment::Financing {
        amount: usd(dec!(6000)),
        on: date(on),
        financing,
    };
    // Equity today: (10,000 + 6,000) / 3,000 = 5.33 months.
    let c = run(&s, vec![raise(AS_OF, FinancingKind::Equity)]);
    assert_eq!(c.scenario.runway.months(), Some(dec!(5.33)));
    assert_eq!(c.scenario.runway.net_burn_monthly, c.base.runway.net_burn_monthly);
    assert_eq!(c.weeks[0].difference.amount(), dec!(6000));
    // A loan on 03-03 (day 30: week 5), before cash runs out: the same
    // 5.33 months; week 4 unchanged, week 5 up 6,000.
    let c = run(&s, vec![raise("2026-03-03", FinancingKind::Loan)]);
    assert_eq!(c.scenario.runway.months(), Some(dec!(5.33)));
    assert_eq!(c.weeks[3].difference.amount(), dec!(0));
    assert_eq!(c.weeks[4].difference.amount(), dec!(6000));
    assert!(c.scenario.forecast.weeks[4].lines.iter().any(|l| l.source
        == ForecastSource::Financing {
            kind: FinancingKind::Loan
        }));
    // A loan on 06-01 (120 days = 3.96 months) comes after the cash runs
    // out at 3.33 months: runway unchanged.
    let c = run(&s, vec![raise("2026-06-01", FinancingKind::Loan)]);
    assert_eq!(c.scenario.runway.months(), Some(dec!(3.33)));
    // Dated before today: counted in week 1.
    let c = run(&s, vec![raise("2026-01-15", FinancingKind::Equity)]);
    assert_eq!(c.weeks[0].difference.amount(), dec!(6000));
}

#[test]
fn bad_scenarios_are_refused_with_what_is_wrong() {
    let s = base();
    let refused = |a: Adjustment| compare(&s, date(AS_OF), &Scenario { adjustments: vec![a] }).unwrap_err();
    let euro = refused(Adjustment::Financing {
        amount: Money::new(dec!(100), Currency::EUR),
        on: date(AS_OF),
        financing: FinancingKind::Loan,
    });
    assert_eq!(
        euro.to_string(),
        "a raise's amount is in EUR but the client's home currency is USD: give it in USD"
    );
    assert_eq!(refused(delay("999", 10)), ScenarioError::UnknownVendor(id("999")));
    assert!(matches!(
        refused(delay("56", -1)),
        ScenarioError::NegativeDays { days: -1, .. }
    ));
    assert!(matches!(
        refused(Adjustment::NewHire {
            monthly_cost: usd(dec!(0)),
            from: date(AS_OF)
        }),
        ScenarioError::NotPositive { .. }
    ));
    assert_eq!(
        refused(Adjustment::CustomerLate {
            customer: id("1"),
            days: 3
        }),
        ScenarioError::UnknownCustomer(id("1"))
    );
}

#[test]
fn a_scenario_round_trips_through_json() {
    let sc = Scenario {
        adjustments: vec![
            delay("56", 10),
            Adjustment::Financing {
                amount: usd(dec!(1.10)),
                on: date(AS_OF),
                financing: FinancingKind::Equity,
            },
        ],
    };
    let text = serde_json::to_string(&sc).unwrap();
    assert!(text.contains(r#""kind":"delay_vendor""#), "{text}");
    assert_eq!(serde_json::from_str::<Scenario>(&text).unwrap(), sc);
}

//! Hand-worked decision console.

use rowcol_core::{ClientSnapshot, Guardrail, VendorTier};
use rowcol_testkit::fixtures::{self, date, usd};
use rust_decimal_macros::dec;

use super::*;
use crate::hygiene::tray;
use crate::test_snapshot::snapshot;

const AS_OF: &str = "2026-02-02";

fn bill(id: &str, vendor: &str, amount: rust_decimal::Decimal, due: &str) -> Bill {
    let mut b = fixtures::bill("acme", id, amount);
    b.vendor = Some(fixtures::reference(vendor, vendor));
    b.due_date = Some(date(due));
    b
}

/// Cash USD 10,000, a fixed guardrail of USD 5,000, a new client: history
/// from 2026-01-20 only, so no payment history (every vendor is assumed
/// paid by cheque: 7 days' lead time) and no run-rate in the forecast.
///
/// - T: tax vendor 70, 3,000 due 02-05: send by 01-29, already late.
/// - R: vendor 56, 2,500 due 02-06: send by 01-30.
/// - D: deferrable vendor 71, 1,000 due 02-08: send by 02-01.
/// - L: vendor 56, 800 due 03-20: send by 03-13, can wait.
/// - S: vendor 56 on 2/10 net 30, 1,000 dated 01-30 due 03-01: the discount
///   ends 02-09, so send by 02-02 to earn it: worth 37 %/yr against 10 %.
fn scenario() -> ClientSnapshot {
    let mut s = snapshot();
    s.as_of = date(AS_OF);
    s.history_start = date("2026-01-20");
    s.settings.guardrail = Guardrail::Fixed(usd(dec!(5000)));
    s.vendors.push(fixtures::vendor("acme", "70", "Tax office"));
    s.vendors.push(fixtures::vendor("acme", "71", "Nice-to-have Ltd"));
    s.settings.vendor_tiers.insert(fixtures::id("70"), VendorTier::Taxes);
    s.settings
        .vendor_tiers
        .insert(fixtures::id("71"), VendorTier::Deferrable);
    s.terms
        .push(fixtures::term("acme", "3", "2% 10 Net 30", 30, Some((dec!(2), 10))));
    let mut disc = bill("S", "56", dec!(1000), "2026-03-01");
    disc.txn.txn_date = date("2026-01-30");
    disc.terms = Some(fixtures::reference("3", "2% 10 Net 30"));
    *s.bills = vec![
        bill("T", "70", dec!(3000), "2026-02-05"),
        bill("R", "56", dec!(2500), "2026-02-06"),
        bill("D", "71", dec!(1000), "2026-02-08"),
        bill("L", "56", dec!(800), "2026-03-20"),
        disc,
    ];
    s
}

fn ids(v: &[BillDecision]) -> Vec<&str> {
    v.iter().map(|d| d.bill.id.as_str()).collect()
}

#[test]
fn pay_now_can_wait_and_at_risk() {
    let s = scenario();
    let c = console(&s, date(AS_OF), &tray(&s, date(AS_OF)));
    // Forecast with this week's candidates (T, R, D, S) left out: 10,000 until
    // L's 800 leaves in week 7 (03-16..03-22): lowest 9,200. Room above the
    // 5,000 guardrail: 4,200. Priority: T (taxes), S (discount), R, D
    // (deferrable). T 3,000 is always in (room 1,200); S costs 980 once its
    // 2 % discount is taken (room 220); R 2,500 does not fit: at risk; D
    // 1,000 does not: deferrable, can wait.
    assert_eq!(ids(&c.pay_now), ["T", "S"]);
    assert_eq!(ids(&c.at_risk), ["R"]);
    assert_eq!(ids(&c.can_wait), ["D", "L"]);
    assert_eq!(c.pay_now[1].pay_amount, usd(dec!(980)));
    assert_eq!(c.payment_set.total, usd(dec!(3980)));
    assert_eq!(c.payment_set.lowest_week, Some(7));
    assert_eq!(c.payment_set.lowest_balance, Some(usd(dec!(5220))));
    assert!(
        c.payment_set.explanation.contains("2 of 4"),
        "{}",
        c.payment_set.explanation
    );
    // Each decision says what it does to the lowest forecast week.
    assert!(
        c.pay_now[0].reasons.last().unwrap().contains("week 7 at USD 5220"),
        "{:?}",
        c.pay_now[0].reasons
    );
    assert!(
        c.at_risk[0].reasons.last().unwrap().contains("week 7 to USD 2720"),
        "{:?}",
        c.at_risk[0].reasons
    );
}

#[test]
fn tax_and_payroll_are_paid_even_under_the_guardrail() {
    let mut s = scenario();
    // A guardrail of 9,000: room above it is only 200, yet T (taxes) is paid.
    s.settings.guardrail = Guardrail::Fixed(usd(dec!(9000)));
    let c = console(&s, date(AS_OF), &tray(&s, date(AS_OF)));
    assert_eq!(ids(&c.pay_now), ["T"]);
    assert!(
        c.payment_set.explanation.contains("paid whatever the guardrail"),
        "{}",
        c.payment_set.explanation
    );
    assert!(c.pay_now[0].reasons.last().unwrap().contains("under the floor"));
}

#[test]
fn open_vendor_credits_lower_what_a_bill_takes_from_the_bank() {
    let mut s = scenario();
    // Vendor 56 holds a 1,500 credit, applied in priority order: S (980
    // after its discount) takes nothing from the bank, R (2,500) 1,980.
    let mut credit = fixtures::vendor_credit("acme", "VC1", dec!(1500), dec!(1500));
    credit.vendor = Some(fixtures::reference("56", "56"));
    s.vendor_credits.push(credit);
    let c = console(&s, date(AS_OF), &tray(&s, date(AS_OF)));
    let find = |id: &str| {
        c.pay_now
            .iter()
            .chain(&c.at_risk)
            .find(|d| d.bill.id.as_str() == id)
            .unwrap()
    };
    assert_eq!(find("S").pay_amount, usd(dec!(0)));
    let r = find("R");
    assert_eq!(r.pay_amount, usd(dec!(1980)));
    assert!(
        r.reasons.iter().any(|x| x.contains("USD 520 of open vendor credits")),
        "{:?}",
        r.reasons
    );
}

#[test]
fn reasons_carry_lead_time_late_fees_and_the_discount() {
    let s = scenario();
    let c = console(&s, date(AS_OF), &tray(&s, date(AS_OF)));
    let t = &c.pay_now[0];
    assert_eq!(
        (t.method, t.lead_days, t.send_by),
        (PaymentMethod::Check, 7, date("2026-01-29"))
    );
    assert!(t.late_fee_risk);
    let d = c.pay_now[1].discount.as_ref().unwrap();
    // 2 / 98 x 365 / 20 = 0.37244... ; saving 2 % of 1,000 = 20.
    assert_eq!(d.annualised_rate, dec!(0.3724));
    assert!(d.worth_taking);
    assert_eq!(d.saving, usd(dec!(20)));
    assert!(
        c.pay_now[1].reasons.iter().any(|r| r.contains("37.24% a year")),
        "{:?}",
        c.pay_now[1].reasons
    );
}

#[test]
fn runway_effect_when_burning() {
    let mut s = scenario();
    s.history_start = date("2025-08-01");
    // Purchases of 3,000 in each of Nov, Dec, Jan: net burn 3,000 a month.
    for (i, d) in ["2025-11-10", "2025-12-10", "2026-01-10"].iter().enumerate() {
        let mut p = fixtures::purchase("acme", &format!("p{i}"), dec!(3000));
        p.txn.txn_date = date(d);
        s.purchases.push(p);
    }
    let c = console(&s, date(AS_OF), &tray(&s, date(AS_OF)));
    // Paying T (3,000) costs 3,000 / 3,000 = 1 month of runway.
    let t = c
        .pay_now
        .iter()
        .chain(&c.at_risk)
        .find(|d| d.bill.id.as_str() == "T")
        .unwrap();
    assert_eq!(t.runway_effect_months, Some(dec!(-1)));
    // Before: 10,000 / 3,000 = 3.33 months.
    assert_eq!(c.payment_set.runway_months_before, Some(dec!(3.33)));
}

#[test]
fn bills_with_hygiene_issues_are_held() {
    let mut s = scenario();
    s.bills[3].vendor = None; // L: no vendor
    let c = console(&s, date(AS_OF), &tray(&s, date(AS_OF)));
    assert_eq!(
        c.held_for_hygiene.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["L"]
    );
    assert!(!ids(&c.can_wait).contains(&"L"));
}

#[test]
fn a_discount_is_offered_only_while_it_can_still_be_earned() {
    // S's discount ends 02-09 and a cheque takes 7 days: sent by 02-02 it is
    // earned; from 02-03 it no longer can be, so it is no saving anywhere.
    let s = scenario();
    let find = |c: &DecisionConsole| -> BillDecision {
        let all = c.pay_now.iter().chain(&c.at_risk).chain(&c.can_wait);
        all.into_iter().find(|d| d.bill.id.as_str() == "S").cloned().unwrap()
    };
    let on_time = find(&console(&s, date(AS_OF), &tray(&s, date(AS_OF))));
    assert!(on_time.discount.as_ref().is_some_and(|d| d.worth_taking));
    let late = find(&console(&s, date("2026-02-03"), &tray(&s, date("2026-02-03"))));
    assert_eq!(late.discount, None);
    assert!(late.reasons.iter().all(|r| !r.contains("% off")), "{:?}", late.reasons);
    // Not chosen for the discount any more: S is not needed before its send-by date.
    assert_eq!(late.decision, Decision::CanWait);
    // The digest writes the same reasons: the saving shows while it can be
    // earned, and not after.
    let digest_text = |as_of: &str| {
        let clock = crate::digest::DigestClock {
            as_of: date(as_of),
            now: crate::test_snapshot::synced_at(),
            freshness_target: std::time::Duration::from_secs(24 * 3600),
        };
        serde_json::to_string(&crate::digest::client_digest(&s, clock)).unwrap()
    };
    assert!(digest_text(AS_OF).contains("2% off if paid by 2026-02-09"));
    assert!(!digest_text("2026-02-03").contains("% off"));
}

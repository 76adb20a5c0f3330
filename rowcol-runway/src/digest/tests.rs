use std::time::Duration;

use rowcol_core::ClientSnapshot;
use rowcol_core::entity::AccountType;
use rowcol_testkit::fixtures::{date, usd};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::bank_check::check;
use crate::test_snapshot::{bank_feed, bank_line, paid_from_checking, snapshot, synced_at};

fn clock() -> DigestClock {
    DigestClock {
        as_of: date("2026-02-01"),
        now: synced_at() + chrono::Duration::minutes(5),
        freshness_target: Duration::from_secs(30 * 60),
    }
}

/// Checking (35) at 10,000.00 in the books, fed by the bank's "Checking":
/// a purchase of 30.00 on 01-03 on both sides, a 12.00 fee only on the
/// bank, and the bank's balance `bank`.
fn fed(bank: Decimal) -> ClientSnapshot {
    let mut s = snapshot();
    s.purchases = vec![paid_from_checking("hw", "2026-01-03", dec!(30))].into();
    s.bank_accounts = vec![bank_feed("chk", "Checking", AccountType::Bank, bank)].into();
    s.bank_transactions = vec![
        bank_line("l-hw", "2026-01-03", dec!(-30), "HARDWARE STORE"),
        bank_line("l-fee", "2026-01-31", dec!(-12), "MONTHLY SERVICE FEE"),
    ]
    .into();
    s
}

fn composed(s: &ClientSnapshot) -> ClientDigest {
    let t = crate::tray(s, clock().as_of);
    let c = crate::console(s, clock().as_of, &t);
    compose(s, &t, &c, clock())
}

#[test]
fn a_client_without_a_bank_feed_has_no_bank_line() {
    let s = snapshot();
    let line = client_digest(&s, clock());
    assert_eq!(line.bank, None);
    assert_eq!(line, composed(&s));
}

#[test]
fn the_bank_line_is_the_bank_checks_summary_and_composes_the_same() {
    // The bank holds 10,000 - 12 (the fee): everything is explained.
    let s = fed(dec!(9988));
    let line = client_digest(&s, clock());
    let bank = line.bank.as_ref().unwrap();
    assert_eq!(bank.value, check(&s, &MatchSettings::default()).summary);
    assert_eq!(bank.value.unexplained, usd(Decimal::ZERO));
    assert_eq!(bank.value.unrecorded, 1);
    assert_eq!(bank.freshness, line.hygiene.freshness);
    assert_eq!(line, composed(&s));
    // The fee is in the tray's counts, as info.
    assert_eq!(line.hygiene.value.counts.info, 1);
    assert!(line.urgency_reasons.iter().all(|r| !r.contains("bank")));
}

#[test]
fn an_unexplained_difference_moves_urgency_by_its_share_of_cash() {
    // The bank holds 9,388: 600.00 no line explains, 6 % of the books'
    // 10,000 cash: watched.
    let s = fed(dec!(9388.00));
    let line = client_digest(&s, clock());
    assert_eq!(line.bank.as_ref().unwrap().value.unexplained, usd(dec!(600)));
    assert_eq!(line.urgency, Urgency::Watch);
    assert!(
        line.urgency_reasons
            .contains(&"bank and books differ by USD 600.00 that no line explains".to_owned()),
        "{:?}",
        line.urgency_reasons
    );
    assert_eq!(line, composed(&s));
    // 1,200.00 unexplained is 12 %: urgent.
    assert_eq!(client_digest(&fed(dec!(8788.00)), clock()).urgency, Urgency::High);
}

#[test]
fn bank_urgency_thresholds() {
    let summary = |u: Decimal| BankCheckSummary {
        unexplained: usd(u),
        to_review: 4,
        unrecorded: 9,
        overdue_uncleared: 2,
        linked_accounts: 1,
    };
    let level = |u: Decimal, cash: Decimal| bank_urgency(&summary(u), usd(cash)).map(|(l, _)| l);
    // 50 units or less is noise, whatever the cash.
    assert_eq!(level(dec!(50), dec!(0)), None);
    assert_eq!(level(dec!(50.01), dec!(0)), Some(Urgency::High));
    // Over 1 % of cash: watch; over 10 %: high; negative cash counts by size.
    assert_eq!(level(dec!(100), dec!(10000)), None);
    assert_eq!(level(dec!(100.01), dec!(10000)), Some(Urgency::Watch));
    assert_eq!(level(dec!(1000), dec!(-10000)), Some(Urgency::Watch));
    assert_eq!(level(dec!(1000.01), dec!(-10000)), Some(Urgency::High));
    // Lines to review and lines missing move nothing on their own.
    assert_eq!(level(Decimal::ZERO, dec!(10)), None);
}

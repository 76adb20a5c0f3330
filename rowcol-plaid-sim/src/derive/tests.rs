use super::*;
use crate::bank::LineState;

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// Six months of a small client's books up to 1 December 2026.
fn books(diligence: f64) -> ClientBank {
    sample::small_business("c1", 3, diligence, 6, day(12, 1))
}

#[test]
fn diligent_books_have_every_line_linked_and_nothing_missing() {
    let bank = books(1.0);
    let derived = derive(&bank, day(12, 1)).unwrap();
    assert!(derived.never_clears.is_empty());
    let mut linked: Vec<&str> = derived
        .lines
        .iter()
        .flat_map(|l| l.book.iter().map(String::as_str))
        .collect();
    linked.sort_unstable();
    let mut all: Vec<&str> = bank.postings.iter().map(|p| p.txn_id.as_str()).collect();
    all.sort_unstable();
    assert_eq!(linked, all, "each posting cleared exactly once");
    for line in &derived.lines {
        let book: Decimal = bank
            .postings
            .iter()
            .filter(|p| line.book.contains(&p.txn_id))
            .map(|p| p.amount)
            .sum();
        match line.kind {
            LineKind::Hold => assert!(line.book.is_empty()),
            _ => assert_eq!(line.amount, -book, "{line:?}"),
        }
        assert!(
            line.kind == LineKind::Hold || !line.book.is_empty(),
            "nothing missing: {line:?}"
        );
    }
    assert!(derived.lines.iter().any(|l| l.kind == LineKind::AggregatedDeposit));
    let lag_ok = derived.lines.iter().filter(|l| l.kind == LineKind::Cleared).all(|l| {
        let posted = l.posts_on.unwrap();
        posted >= l.authorized && posted <= calendar::plus_days(l.authorized, 7)
    });
    assert!(lag_ok, "clearing within 3 business days");
}

#[test]
fn sloppy_books_miss_lines_of_every_kind_and_the_same_seed_gives_the_same_bank() {
    let bank = books(0.2);
    let derived = derive(&bank, day(12, 1)).unwrap();
    let kinds: HashSet<LineKind> = derived.lines.iter().map(|l| l.kind).collect();
    for kind in [
        LineKind::BankFee,
        LineKind::Subscription,
        LineKind::UnrecordedDeposit,
        LineKind::IdenticalPurchase,
        LineKind::RoundAmount,
        LineKind::Hold,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
    }
    assert_eq!(derive(&bank, day(12, 1)).unwrap(), derived);
    let other = ClientBank { seed: 4, ..bank };
    assert_ne!(derive(&other, day(12, 1)).unwrap(), derived);
}

#[test]
fn a_hold_is_pending_today_and_gone_within_a_week() {
    let derived = derive(&books(1.0), day(12, 1)).unwrap();
    let hold = derived.lines.iter().find(|l| l.kind == LineKind::Hold).unwrap();
    assert_eq!(hold.state_on(day(12, 1)), LineState::Pending);
    assert_eq!(hold.state_on(day(12, 8)), LineState::Absent);
}

#[test]
fn an_unknown_account_is_refused() {
    let mut bank = books(1.0);
    bank.postings[0].account = "Petty Cash".into();
    assert!(matches!(
        derive(&bank, day(12, 1)),
        Err(DeriveError::UnknownAccount { .. })
    ));
}

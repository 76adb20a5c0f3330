use rowcol_core::entity::AccountType;
use rowcol_core::{BankReview, BankReviewAction, ClientSnapshot, EntityKind, PostingRef};
use rowcol_testkit::fixtures::{self, date, id, usd};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::bank_match::MatchPass;
use crate::test_snapshot::{bank_feed, bank_line, deposited_to_checking, paid_from_checking, snapshot};

fn decision(line: &str, action: BankReviewAction) -> BankReview {
    BankReview {
        client: id("acme"),
        line: id(line),
        action,
        by: id("jane-cfo"),
        at: fixtures::time("2026-01-31T09:00:00Z").to_utc(),
    }
}

/// Ledger Checking at 1,000.00 as of 2026-02-01 and the bank's view of it.
///
/// Books: purchase hw -30.00 on 01-03, deposit d1 +212.40 on 01-15,
/// purchase old -80.00 on 01-05 (never on the bank: 27 days old, past the
/// 10-day clearing window). Bank: -30.00 on 01-03, +212.40 on 01-15 and a
/// -12.00 service fee on 01-31 the books miss.
fn checked() -> ClientSnapshot {
    let mut s = snapshot();
    s.accounts[0].current_balance = usd(dec!(1000));
    s.purchases = vec![
        paid_from_checking("hw", "2026-01-03", dec!(30)),
        paid_from_checking("old", "2026-01-05", dec!(80)),
    ]
    .into();
    s.deposits = vec![deposited_to_checking("d1", "2026-01-15", dec!(212.40))].into();
    s.bank_accounts = vec![bank_feed("chk", "Checking", AccountType::Bank, dec!(1070.50))].into();
    s.bank_transactions = vec![
        bank_line("l-hw", "2026-01-03", dec!(-30), "HARDWARE STORE"),
        bank_line("l-d1", "2026-01-15", dec!(212.40), "DEPOSIT"),
        bank_line("l-fee", "2026-01-31", dec!(-12), "MONTHLY SERVICE FEE"),
    ]
    .into();
    s
}

fn link(bank: &str, ledger: &str) -> AccountLink {
    AccountLink {
        bank_account: id(bank),
        ledger_account: id(ledger),
    }
}

#[test]
fn the_summary_reconciles_to_the_hand_worked_walk() {
    let c = check(&checked(), &MatchSettings::default());
    assert_eq!(c.as_of, date("2026-02-01"));
    assert_eq!(c.links, vec![link("chk", "35")]);
    // ledger 1,000.00 + unrecorded (-12.00) - uncleared (-80.00) = 1,068.00;
    // the bank says 1,070.50: 2.50 is unexplained.
    assert_eq!(
        c.summary,
        BankCheckSummary {
            unexplained: usd(dec!(2.50)),
            to_review: 0,
            unrecorded: 1,
            overdue_uncleared: 1,
            linked_accounts: 1,
        }
    );
    let a = &c.result.accounts[0];
    assert_eq!(a.explanation.residual, Some(dec!(2.50)));
    assert_eq!(a.unrecorded[0].line, id("l-fee"));
    assert_eq!(a.uncleared[0].posting.document, id("old"));
}

#[test]
fn differences_of_two_accounts_add_up_and_never_cancel() {
    let mut s = checked();
    // A card at the bank owing 100.00 while the books owe nothing: the walk
    // leaves -100.00 on it (as cash), against +2.50 on checking.
    s.bank_accounts
        .push(bank_feed("visa", "VISA", AccountType::CreditCard, dec!(100)));
    let c = check(&s, &MatchSettings::default());
    assert_eq!(c.links, vec![link("chk", "35"), link("visa", "41")]);
    let residuals: Vec<Option<Decimal>> = c.result.accounts.iter().map(|a| a.explanation.residual).collect();
    assert_eq!(residuals, vec![Some(dec!(2.50)), Some(dec!(-100))]);
    assert_eq!(c.summary.unexplained, usd(dec!(102.50)));
    assert_eq!(c.summary.linked_accounts, 2);
}

#[test]
fn links_are_automatic_by_name_and_family_unless_ambiguous_or_set_by_hand() {
    let mut s = checked();
    // A card named like the ledger's bank account is another family.
    s.bank_accounts
        .push(bank_feed("card", "checking", AccountType::CreditCard, dec!(0)));
    // A loan never links by itself.
    s.bank_accounts
        .push(bank_feed("loan", "Visa", AccountType::LongTermLiability, dec!(0)));
    assert_eq!(links(&s), vec![link("chk", "35")]);

    // Two ledger accounts named Checking: which is meant is not known.
    s.accounts
        .push(fixtures::bank_account("acme", "36", "CHECKING", dec!(5)));
    assert!(links(&s).is_empty());
    assert!(check_linked(&s, &MatchSettings::default(), s.as_of).is_none());
    let c = check(&s, &MatchSettings::default());
    assert!(c.result.accounts.is_empty());
    assert_eq!(c.result.unlinked, vec![id("chk")]);
    assert_eq!(c.summary.unexplained, usd(Decimal::ZERO));

    // The advisor says which: the hand-made link wins, and the ledger
    // account it names is no longer free for another bank account.
    s.settings.bank_links.insert(id("chk"), id("36"));
    s.bank_accounts
        .push(bank_feed("chk2", "Checking", AccountType::Bank, dec!(0)));
    s.accounts.retain(|a| a.meta.external_id != id("35"));
    assert_eq!(links(&s), vec![link("chk", "36")]);

    // Two bank accounts named alike claim one ledger account: neither links.
    let mut s = checked();
    s.bank_accounts
        .push(bank_feed("chk2", "Checking", AccountType::Bank, dec!(0)));
    assert!(links(&s).is_empty());
}

#[test]
fn a_client_without_bank_data_has_nothing_to_check() {
    let s = snapshot();
    assert!(check_linked(&s, &MatchSettings::default(), s.as_of).is_none());
    let c = check(&s, &MatchSettings::default());
    assert!(c.links.is_empty() && c.result.accounts.is_empty() && c.result.unlinked.is_empty());
    assert_eq!(c.summary.unexplained, usd(Decimal::ZERO));
    assert_eq!(c.summary.linked_accounts, 0);
}

#[test]
fn decisions_survive_a_new_sync_that_adds_lines() {
    let mut s = checked();
    s.bank_transactions
        .push(bank_line("l-dup", "2026-01-20", dec!(-9.99), "NETFLIX"));
    s.bank_transactions
        .push(bank_line("l-paper", "2026-01-09", dec!(-45.10), "PAPER CO"));
    s.purchases.push(paid_from_checking("chosen", "2026-01-08", dec!(45)));
    s.bank_reviews = vec![
        decision(
            "l-paper",
            BankReviewAction::Approve {
                postings: vec![PostingRef {
                    kind: EntityKind::Purchase,
                    document: id("chosen"),
                }],
            },
        ),
        decision("l-dup", BankReviewAction::Exclude),
        decision("l-fee", BankReviewAction::FixedAtSource),
    ];
    let decided = |c: &BankCheck| {
        let a = &c.result.accounts[0];
        let paper = a.matched.iter().find(|m| m.line == id("l-paper")).cloned();
        let fee = a
            .unrecorded
            .iter()
            .find(|u| u.line == id("l-fee"))
            .map(|u| u.fix.clone());
        (paper, a.excluded.clone(), fee)
    };
    let before = check(&s, &MatchSettings::default());
    let (paper, excluded, fee) = decided(&before);
    let paper = paper.unwrap();
    assert_eq!(
        (paper.pass, paper.postings[0].document.clone()),
        (MatchPass::Decision, id("chosen"))
    );
    assert_eq!(excluded, vec![id("l-dup")]);
    assert_eq!(fee, Some(SuggestedFix::AwaitingSource));
    assert_eq!(before.summary.unrecorded, 0, "fixed at source is not counted");

    // A sync brings a posting that matches "l-paper" exactly (amount, date,
    // payee) and new lines, one of them a twin of the excluded one.
    let mut later = s.clone();
    later
        .purchases
        .push(paid_from_checking("exact", "2026-01-09", dec!(45.10)));
    later
        .bank_transactions
        .push(bank_line("l-new", "2026-01-25", dec!(-9.99), "NETFLIX"));
    later
        .bank_transactions
        .push(bank_line("l-tea", "2026-01-26", dec!(-4.50), "TEA HOUSE"));
    let after = check(&later, &MatchSettings::default());
    assert_eq!(decided(&after), decided(&before), "a rematch keeps every decision");
    let a = &after.result.accounts[0];
    let unrecorded: Vec<&str> = a.unrecorded.iter().map(|u| u.line.as_str()).collect();
    assert_eq!(unrecorded, vec!["l-new", "l-tea", "l-fee"]);
    assert_eq!(after.summary.unrecorded, 2);
    assert!(a.uncleared.iter().any(|u| u.posting.document == id("exact")));
}

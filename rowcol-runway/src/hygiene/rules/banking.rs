//! Rules about bank accounts: negative balances, money waiting in
//! Undeposited Funds, and the books against the bank feed (lines the books
//! miss, postings the bank never showed), read from the client's bank check
//! ([`crate::bank_check`]): a client without a linked bank account gets no
//! finding of these two.

use rowcol_core::entity::{Account, AccountType, SourceMeta};
use rowcol_core::{ClientSnapshot, EntityKind, ExternalId, Money};
use rust_decimal::prelude::ToPrimitive;
use rustc_hash::FxHashMap;

use super::{RuleSpec, threshold};
use crate::bank_match::{SuggestedFix, UnclearedPosting, UnrecordedLine};
use crate::hygiene::Severity;
use crate::hygiene::pending::Seen;
use crate::perf::id_map::FewIds;
use crate::perf::id_table::IdTable;
use crate::perf::sign::{negative, positive};
use crate::period::shift;

/// True for the account QBO uses to hold payments not yet banked.
pub(crate) fn is_undeposited_funds(a: &Account) -> bool {
    a.sub_type.as_deref() == Some("UndepositedFunds") || a.name.eq_ignore_ascii_case("Undeposited Funds")
}

/// `negative_bank_balance`.
pub(super) const NEGATIVE_BANK_BALANCE: RuleSpec = RuleSpec {
    id: "negative_bank_balance",
    family: "banking",
    severity: Severity::Error,
    summary: "a bank account shows a negative balance",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        let banks = ctx
            .s
            .accounts
            .iter()
            .filter(|a| !a.meta.deleted && a.account_type == AccountType::Bank);
        for a in banks.filter(|a| negative(a.current_balance)) {
            emit.flag(
                vec![Seen::new(EntityKind::Account, &a.meta)],
                move || format!("Bank account {} shows {}.", a.name, a.current_balance),
                "Reconcile the account: look for unrecorded deposits or payments recorded twice.",
                Some(a.current_balance),
            );
        }
    },
};

/// `undeposited_funds_aging`: threshold = days money may wait.
pub(super) const UNDEPOSITED_FUNDS: RuleSpec = RuleSpec {
    id: "undeposited_funds_aging",
    family: "banking",
    severity: Severity::Warning,
    summary: "a payment has waited in Undeposited Funds longer than the threshold",
    default_threshold: threshold(7, 0),
    threshold_meaning: Some("days a payment may wait before being deposited"),
    check: |ctx, days, emit| {
        let uf: FewIds<'_> = ctx
            .s
            .accounts
            .iter()
            .filter(|a| !a.meta.deleted && is_undeposited_funds(a))
            .map(|a| &a.meta.external_id)
            .collect();
        if uf.is_empty() {
            return;
        }
        let deposited: IdTable<'_, ()> = ctx
            .s
            .deposits
            .iter()
            .filter(|d| !d.meta.deleted)
            .flat_map(|d| d.linked.iter().filter(|l| l.kind == EntityKind::Payment).map(|l| &l.id))
            .collect();
        let cutoff = shift(ctx.as_of, days.to_i64().unwrap_or(7).saturating_neg());
        // A payment of zero only applies a credit memo to an invoice: no
        // money moved, so none waits to be banked.
        for p in ctx
            .s
            .payments
            .iter()
            .filter(|p| !p.meta.deleted && positive(p.txn.total))
        {
            let in_uf = p.deposit_to.as_ref().is_some_and(|r| uf.contains(&r.id));
            if in_uf && !deposited.contains_key(&p.meta.external_id) && p.txn.txn_date < cutoff {
                emit.flag(
                    vec![Seen::new(EntityKind::Payment, &p.meta)],
                    move || {
                        format!(
                            "Payment {} of {} received {} is still in Undeposited Funds.",
                            p.meta.external_id, p.txn.total, p.txn.txn_date
                        )
                    },
                    "Record the bank deposit that carried this payment, or find the missing deposit.",
                    Some(p.txn.total),
                );
            }
        }
    },
};

/// `bank_line_unrecorded`: a posted bank line of a linked account that the
/// books do not have (no posting matched it, no human approved or excluded
/// it, nor said it was fixed at source). The explanation carries the
/// suggested fix. A bank fee is Info (small, recurring, recorded in bulk),
/// any other line a Warning.
pub(super) const BANK_LINE_UNRECORDED: RuleSpec = RuleSpec {
    id: "bank_line_unrecorded",
    family: "banking",
    severity: Severity::Warning,
    summary: "a posted bank line is missing from the books (a bank fee is info)",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        let Some(bank) = ctx.bank else { return };
        let missing: FxHashMap<&ExternalId, (&UnrecordedLine, Money)> = bank
            .result
            .accounts
            .iter()
            .flat_map(|a| {
                a.unrecorded
                    .iter()
                    .filter(|u| u.fix != SuggestedFix::AwaitingSource)
                    .map(|u| (&u.line, (u, Money::new(u.amount, a.currency))))
            })
            .collect();
        if missing.is_empty() {
            return;
        }
        for line in ctx.s.bank_transactions.iter().filter(|l| !l.meta.deleted) {
            let Some((u, amount)) = missing.get(&line.meta.external_id) else {
                continue;
            };
            let severity = match u.fix {
                SuggestedFix::RecordBankFee { .. } => Severity::Info,
                _ => Severity::Warning,
            };
            let fix = u.fix.describe();
            let amount = *amount;
            emit.flag_as(
                severity,
                vec![Seen::new(EntityKind::BankTransaction, &line.meta)],
                move || {
                    format!(
                        "Bank line \"{}\" of {} on {} is not in the books: {fix}.",
                        line.name, amount, line.date
                    )
                },
                "Record it in the books as suggested, or exclude the line in the bank check if it is noise.",
                Some(amount),
            );
        }
    },
};

/// `book_posting_uncleared`: threshold = days a posting may wait. A posting
/// of the books to a linked bank or card account, dated since the feed
/// began, that no bank line matched within the threshold: a payment that
/// never left, a deposit never made, or a posting to the wrong account.
pub(super) const BOOK_POSTING_UNCLEARED: RuleSpec = RuleSpec {
    id: "book_posting_uncleared",
    family: "banking",
    severity: Severity::Warning,
    summary: "a book posting to a bank account never showed on the bank past the clearing window",
    default_threshold: threshold(10, 0),
    threshold_meaning: Some("days a posting may wait to clear the bank"),
    check: |ctx, days, emit| {
        let Some(bank) = ctx.bank else { return };
        let days = days.to_i64().unwrap_or(10);
        let late: FxHashMap<(EntityKind, &ExternalId), (&UnclearedPosting, Money)> = bank
            .result
            .accounts
            .iter()
            .flat_map(|a| {
                a.uncleared.iter().filter(|p| p.days_outstanding > days).map(|p| {
                    (
                        (p.posting.kind, &p.posting.document),
                        (p, Money::new(p.amount, a.currency)),
                    )
                })
            })
            .collect();
        if late.is_empty() {
            return;
        }
        for (kind, meta) in documents(ctx.s) {
            let Some((p, amount)) = late.get(&(kind, &meta.external_id)) else {
                continue;
            };
            let (amount, date, outstanding) = (*amount, p.date, p.days_outstanding);
            emit.flag(
                vec![Seen::new(kind, meta)],
                move || {
                    format!(
                        "{} {} of {} dated {} has not shown on the bank after {} days.",
                        kind.as_str(),
                        meta.external_id,
                        amount,
                        date,
                        outstanding
                    )
                },
                "Check that the payment or deposit happened and is posted to the right account; void it if not.",
                Some(amount),
            );
        }
    },
};

/// Every live document that can move a bank or card account, with its kind.
fn documents(s: &ClientSnapshot) -> impl Iterator<Item = (EntityKind, &SourceMeta)> {
    fn of<T>(
        kind: EntityKind,
        list: &[T],
        meta: fn(&T) -> &SourceMeta,
    ) -> impl Iterator<Item = (EntityKind, &SourceMeta)> {
        list.iter().map(move |r| (kind, meta(r))).filter(|(_, m)| !m.deleted)
    }
    of(EntityKind::Payment, &s.payments, |r| &r.meta)
        .chain(of(EntityKind::BillPayment, &s.bill_payments, |r| &r.meta))
        .chain(of(EntityKind::Purchase, &s.purchases, |r| &r.meta))
        .chain(of(EntityKind::Deposit, &s.deposits, |r| &r.meta))
        .chain(of(EntityKind::JournalEntry, &s.journal_entries, |r| &r.meta))
        .chain(of(EntityKind::Transfer, &s.transfers, |r| &r.meta))
        .chain(of(EntityKind::SalesReceipt, &s.sales_receipts, |r| &r.meta))
        .chain(of(EntityKind::RefundReceipt, &s.refund_receipts, |r| &r.meta))
        .chain(of(EntityKind::CreditCardPayment, &s.card_payments, |r| &r.meta))
        .chain(of(EntityKind::TaxPayment, &s.tax_payments, |r| &r.meta))
}

#[cfg(test)]
mod tests {
    use rowcol_core::EntityKind;
    use rowcol_core::entity::{AccountType, TxnLink};
    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    use crate::hygiene::rules::test_support::run;
    use crate::hygiene::{Severity, tray};
    use crate::test_snapshot::{account, bank_feed, bank_line, deposited_to_checking, paid_from_checking, snapshot};
    use rowcol_core::{BankReview, BankReviewAction, ClientSnapshot, ReviewDecision, ReviewState, VersionToken};

    #[test]
    fn negative_bank_balance() {
        let mut s = snapshot();
        assert!(run("negative_bank_balance", &s, date("2026-02-01")).is_empty());
        s.accounts[0].current_balance = fixtures::usd(dec!(-1));
        assert_eq!(run("negative_bank_balance", &s, date("2026-02-01")).len(), 1);
    }

    #[test]
    fn undeposited_funds_older_than_seven_days() {
        let mut s = snapshot();
        s.accounts.push(account(
            "4",
            "Undeposited Funds",
            AccountType::OtherCurrentAsset,
            dec!(100),
        ));
        let mut p = fixtures::payment("acme", "1", dec!(100), "9"); // dated 2026-01-15
        p.deposit_to = Some(fixtures::reference("4", "Undeposited Funds"));
        s.payments.push(p);
        // 2026-01-20 is 5 days on: within the 7 allowed.
        assert!(run("undeposited_funds_aging", &s, date("2026-01-20")).is_empty());
        assert_eq!(run("undeposited_funds_aging", &s, date("2026-01-25")).len(), 1);
        let mut d = fixtures::deposit("acme", "2", dec!(100));
        d.linked.push(TxnLink {
            kind: EntityKind::Payment,
            id: fixtures::id("1"),
            amount: None,
        });
        s.deposits.push(d);
        assert!(
            run("undeposited_funds_aging", &s, date("2026-01-25")).is_empty(),
            "deposited"
        );
    }

    #[test]
    fn a_zero_payment_applying_a_credit_has_nothing_to_deposit() {
        let mut s = snapshot();
        s.accounts.push(account(
            "4",
            "Undeposited Funds",
            AccountType::OtherCurrentAsset,
            dec!(100),
        ));
        // Payment 1 of 0 applies credit memo 7 to invoice 9 (QBO records the
        // application as a zero payment, deposited to Undeposited Funds).
        let mut p = fixtures::payment("acme", "1", dec!(0), "9");
        p.deposit_to = Some(fixtures::reference("4", "Undeposited Funds"));
        p.applied_to.push(TxnLink {
            kind: EntityKind::CreditMemo,
            id: fixtures::id("7"),
            amount: Some(fixtures::usd(dec!(40))),
        });
        s.payments.push(p);
        assert!(run("undeposited_funds_aging", &s, date("2026-01-25")).is_empty());
        // The same payment carrying 40 of money waits to be banked.
        let mut money = s.payments[0].clone();
        money.meta.external_id = fixtures::id("2");
        money.txn.total = fixtures::usd(dec!(40));
        s.payments.push(money);
        assert_eq!(run("undeposited_funds_aging", &s, date("2026-01-25")).len(), 1);
    }

    /// Ledger Checking (35) fed by the bank's "Checking" (chk): a purchase
    /// of 30.00 on 01-03 and a deposit of 212.40 on 01-15, both on the bank
    /// the same day, so the books are diligent.
    fn fed() -> ClientSnapshot {
        let mut s = snapshot();
        s.purchases = vec![paid_from_checking("hw", "2026-01-03", dec!(30))].into();
        s.deposits = vec![deposited_to_checking("d1", "2026-01-15", dec!(212.40))].into();
        s.bank_accounts = vec![bank_feed("chk", "Checking", AccountType::Bank, dec!(10000))].into();
        s.bank_transactions = vec![
            bank_line("l-hw", "2026-01-03", dec!(-30), "HARDWARE STORE"),
            bank_line("l-d1", "2026-01-15", dec!(212.40), "DEPOSIT"),
        ]
        .into();
        s
    }

    fn decided(line: &str, action: BankReviewAction) -> BankReview {
        BankReview {
            client: fixtures::id("acme"),
            line: fixtures::id(line),
            action,
            by: fixtures::id("jane-cfo"),
            at: fixtures::time("2026-01-31T09:00:00Z").to_utc(),
        }
    }

    const AS_OF: &str = "2026-02-01";

    #[test]
    fn bank_line_unrecorded_is_quiet_on_diligent_books_and_without_a_linked_account() {
        assert!(run("bank_line_unrecorded", &fed(), date(AS_OF)).is_empty());
        // Lines the books miss, but on a bank account nothing links to the
        // books (no ledger account of that name): no bank check, no noise.
        let mut s = fed();
        s.bank_accounts[0].name = "Premier Savings".into();
        s.bank_transactions
            .push(bank_line("l-x", "2026-01-20", dec!(-75.25), "HARDWARE STORE"));
        assert!(run("bank_line_unrecorded", &s, date(AS_OF)).is_empty());
        // No Plaid at all.
        assert!(run("bank_line_unrecorded", &snapshot(), date(AS_OF)).is_empty());
    }

    #[test]
    fn bank_line_unrecorded_names_the_line_and_its_fix_a_fee_as_info() {
        let mut s = fed();
        s.bank_transactions
            .push(bank_line("l-fee", "2026-01-31", dec!(-12), "MONTHLY SERVICE FEE"));
        s.bank_transactions
            .push(bank_line("l-cafe", "2026-01-20", dec!(180.25), "BRIGHT CAFE"));
        s.bank_transactions
            .push(bank_line("l-dup", "2026-01-21", dec!(-9.99), "NETFLIX"));
        s.bank_transactions
            .push(bank_line("l-soft", "2026-01-22", dec!(-19.99), "SOFTWARE CO"));
        s.bank_reviews = vec![
            decided("l-dup", BankReviewAction::Exclude),
            decided("l-soft", BankReviewAction::FixedAtSource),
        ];
        let mut found = run("bank_line_unrecorded", &s, date(AS_OF));
        found.sort_by(|a, b| a.entities.cmp(&b.entities));
        let got: Vec<(&str, Severity)> = found.iter().map(|f| (f.entities[0].id.as_str(), f.severity)).collect();
        assert_eq!(
            got,
            vec![("l-cafe", Severity::Warning), ("l-fee", Severity::Info)],
            "excluded and fixed-at-source lines are not findings"
        );
        assert_eq!(found[0].entities[0].kind, EntityKind::BankTransaction);
        assert!(
            found[0]
                .explanation
                .contains("record a deposit of 180.25 from BRIGHT CAFE on 2026-01-20"),
            "{}",
            found[0].explanation
        );
        assert!(found[1].explanation.contains("record a bank fee expense of 12"));
        assert_eq!(found[1].amount, Some(fixtures::usd(dec!(-12))));
    }

    #[test]
    fn book_posting_uncleared_waits_out_the_clearing_window() {
        let mut s = fed();
        // Paid on the 25th: 7 days by 1 February, within the 10 allowed.
        s.purchases.push(paid_from_checking("late", "2026-01-25", dec!(64.20)));
        assert!(run("book_posting_uncleared", &s, date(AS_OF)).is_empty());
        // Without a linked bank account nothing is said.
        let mut unfed = s.clone();
        unfed.bank_accounts.clear();
        assert!(run("book_posting_uncleared", &unfed, date("2026-02-20")).is_empty());
    }

    #[test]
    fn book_posting_uncleared_names_the_posting_past_the_window() {
        let mut s = fed();
        let mut p = paid_from_checking("late", "2026-01-20", dec!(64.20));
        p.meta.version = VersionToken::new("3");
        s.purchases.push(p);
        let found = run("book_posting_uncleared", &s, date(AS_OF));
        assert_eq!(found.len(), 1);
        let f = &found[0];
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(
            (
                f.entities[0].kind,
                f.entities[0].id.as_str(),
                f.entities[0].version.as_str()
            ),
            (EntityKind::Purchase, "late", "3")
        );
        assert!(f.explanation.contains("after 12 days"), "{}", f.explanation);
        assert_eq!(f.amount, Some(fixtures::usd(dec!(-64.20))));
    }

    #[test]
    fn reviews_of_bank_findings_keep_working() {
        let mut s = fed();
        s.bank_transactions
            .push(bank_line("l-cafe", "2026-01-20", dec!(180.25), "BRIGHT CAFE"));
        let open = |s: &ClientSnapshot| {
            tray(s, date(AS_OF))
                .findings
                .iter()
                .filter(|f| f.rule_id == "bank_line_unrecorded")
                .count()
        };
        assert_eq!(open(&s), 1);
        s.reviews.push(ReviewState {
            client: fixtures::id("acme"),
            rule_id: "bank_line_unrecorded".into(),
            kind: EntityKind::BankTransaction,
            external_id: fixtures::id("l-cafe"),
            version: VersionToken::new("0"),
            decision: ReviewDecision::Approved,
            by: fixtures::id("jane-cfo"),
            at: fixtures::time("2026-01-31T09:00:00Z").to_utc(),
        });
        let t = tray(&s, date(AS_OF));
        assert_eq!((open(&s), t.quiet_approved), (0, 1));
        // The bank changes the line: the approval lapses.
        s.bank_transactions[2].meta.version = VersionToken::new("1");
        assert_eq!(open(&s), 1);
    }
}

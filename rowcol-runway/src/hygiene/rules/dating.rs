//! Rules about when and where transactions sit: future dates, inactive
//! accounts, changes to closed periods.

use std::borrow::Cow;
use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};
use rowcol_core::entity::{Reference, SourceMeta, TxnCommon};
use rowcol_core::{ClientSnapshot, EntityKind, ExternalId, LateChange, VersionToken};
use rust_decimal::prelude::ToPrimitive;

use super::{RuleSpec, threshold};
use crate::hygiene::Severity;
use crate::hygiene::pending::Seen;
use crate::perf::id_map::{FewIds, IdMap};
use crate::period::shift;

/// A transaction with the accounts it names outside its lines.
struct Txn<'a> {
    kind: EntityKind,
    meta: &'a SourceMeta,
    txn: &'a TxnCommon,
    accounts: Option<&'a Reference>,
}

fn txn<'a>(kind: EntityKind, meta: &'a SourceMeta, txn: &'a TxnCommon, accounts: Option<&'a Reference>) -> Txn<'a> {
    Txn {
        kind,
        meta,
        txn,
        accounts,
    }
}

/// Bills and invoices, live or deleted.
fn documents(s: &ClientSnapshot) -> impl Iterator<Item = Txn<'_>> {
    s.bills
        .iter()
        .map(|b| txn(EntityKind::Bill, &b.meta, &b.txn, b.ap_account.as_ref()))
        .chain(
            s.invoices
                .iter()
                .map(|i| txn(EntityKind::Invoice, &i.meta, &i.txn, None)),
        )
}

/// Money movements (payments, bill payments, purchases, deposits), live or
/// deleted.
fn movements(s: &ClientSnapshot) -> impl Iterator<Item = Txn<'_>> {
    s.payments
        .iter()
        .map(|p| txn(EntityKind::Payment, &p.meta, &p.txn, p.deposit_to.as_ref()))
        .chain(
            s.bill_payments
                .iter()
                .map(|p| txn(EntityKind::BillPayment, &p.meta, &p.txn, p.paid_from.as_ref())),
        )
        .chain(
            s.purchases
                .iter()
                .map(|p| txn(EntityKind::Purchase, &p.meta, &p.txn, p.paid_from.as_ref())),
        )
        .chain(
            s.deposits
                .iter()
                .map(|d| txn(EntityKind::Deposit, &d.meta, &d.txn, d.deposit_to.as_ref())),
        )
}

/// Every live transaction: documents, then movements.
fn transactions(s: &ClientSnapshot) -> impl Iterator<Item = Txn<'_>> {
    documents(s).chain(movements(s)).filter(|t| !t.meta.deleted)
}

/// `future_dated_transaction`: threshold = days ahead tolerated.
pub(super) const FUTURE_DATED: RuleSpec = RuleSpec {
    id: "future_dated_transaction",
    family: "dating",
    severity: Severity::Warning,
    summary: "a transaction is dated in the future",
    default_threshold: threshold(0, 0),
    threshold_meaning: Some("days after the as-of date tolerated"),
    check: |ctx, days, emit| {
        let as_of = ctx.as_of;
        let limit = shift(as_of, days.to_i64().unwrap_or(0));
        // Invoices and bills are legitimately raised ahead; money movements are not.
        for t in movements(ctx.s).filter(|t| !t.meta.deleted) {
            if t.txn.txn_date > limit {
                let (kind, meta, txn) = (t.kind, t.meta, t.txn);
                emit.flag(
                    vec![Seen::new(kind, meta)],
                    move || {
                        format!(
                            "The {kind} {} is dated {}, after {as_of}.",
                            meta.external_id, txn.txn_date
                        )
                    },
                    "Correct the date; a future-dated movement distorts cash and burn.",
                    Some(t.txn.total),
                );
            }
        }
    },
};

/// `inactive_account_transaction`.
///
/// The mirror does not keep the day an account was made inactive; its last
/// change is the best date there is (making it inactive is a change, and an
/// inactive account is seldom edited again). Only postings dated after that
/// day are flagged: history from while the account was in use is not wrong.
pub(super) const INACTIVE_ACCOUNT: RuleSpec = RuleSpec {
    id: "inactive_account_transaction",
    family: "dating",
    severity: Severity::Warning,
    summary: "a transaction dated after an account was made inactive posts to it",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        // Usually none or one: each reference is compared with the few
        // inactive ids rather than hashed, and looked up only on a match.
        let inactive: FewIds<'_> = ctx
            .ix
            .accounts
            .iter()
            .filter(|(_, a)| !a.active)
            .map(|(id, _)| id)
            .collect();
        if inactive.is_empty() {
            return;
        }
        for t in transactions(ctx.s) {
            let refs = t.txn.lines.iter().filter_map(|l| l.account.as_ref()).chain(t.accounts);
            let date = t.txn.txn_date;
            let inactive = refs
                .filter(|r| inactive.contains(&r.id))
                .filter_map(|r| ctx.ix.accounts.get(&r.id).copied())
                .find(|a| date > a.meta.updated_at.date_naive());
            if let Some(a) = inactive {
                let (kind, meta, txn) = (t.kind, t.meta, t.txn);
                emit.flag(
                    vec![Seen::new(kind, meta), Seen::new(EntityKind::Account, &a.meta)],
                    move || {
                        format!(
                            "The {kind} {} dated {} posts to the account \"{}\", inactive since {}.",
                            meta.external_id,
                            txn.txn_date,
                            a.name,
                            a.meta.updated_at.date_naive()
                        )
                    },
                    "Recode it to an active account, or reactivate the account if it is still used.",
                    Some(t.txn.total),
                );
            }
        }
    },
};

/// The current version of a record in the snapshot, if it is there.
fn version_of<'a>(s: &'a ClientSnapshot, kind: EntityKind, id: &ExternalId) -> Option<&'a VersionToken> {
    transactions(s)
        .find(|t| t.kind == kind && &t.meta.external_id == id)
        .map(|t| &t.meta.version)
}

/// How far apart a movement's save and a document's change may be and still
/// be one save. QBO stamps a document's `LastUpdatedTime` when a payment,
/// bill payment or deposit that links it is saved, in the same request as
/// the movement's own time; a minute covers clocks that tick between the two.
const SAME_SAVE_SECONDS: i64 = 60;

/// When movements that apply to a record were saved, per record: customer
/// payments and bill payments (applying money or credits to invoices,
/// bills, credit memos and vendor credits) and deposits (carrying payments
/// out of Undeposited Funds).
fn application_times(s: &ClientSnapshot) -> IdMap<(EntityKind, &ExternalId), Vec<DateTime<FixedOffset>>> {
    let links = s
        .payments
        .iter()
        .map(|p| (&p.meta, &p.applied_to))
        .chain(s.bill_payments.iter().map(|p| (&p.meta, &p.applied_to)))
        .chain(s.deposits.iter().map(|d| (&d.meta, &d.linked)));
    let mut times: IdMap<(EntityKind, &ExternalId), Vec<DateTime<FixedOffset>>> = IdMap::default();
    for (meta, linked) in links {
        for l in linked {
            times
                .entry((l.kind, &l.id))
                .or_default()
                .extend([meta.created_at, meta.updated_at]);
        }
    }
    times
}

/// True when the change is a movement applied to the record, saved at the
/// same time: its balance moved, not its amounts, dates, lines or accounts.
fn is_application(c: &LateChange, times: &IdMap<(EntityKind, &ExternalId), Vec<DateTime<FixedOffset>>>) -> bool {
    times.get(&(c.kind, &c.external_id)).is_some_and(|ts| {
        ts.iter()
            .any(|t| (*t - c.changed_at).num_seconds().abs() <= SAME_SAVE_SECONDS)
    })
}

/// What a late change did to the closed period, as far as the mirror can
/// tell.
enum Verdict {
    /// Its dates, amounts, lines, accounts or party changed.
    Edited,
    /// Only what posts nothing changed (a payment applied, an e-mail sent).
    Unchanged,
    /// No version before it to compare with: a record first seen after the
    /// close, or audit entries recorded before the mirror kept content
    /// fingerprints.
    Unknown,
}

/// Compares the change's content fingerprint with the version's before it.
fn verdict(c: &LateChange) -> Verdict {
    match (&c.fingerprint, &c.previous_fingerprint) {
        (Some(now), Some(before)) if now == before => Verdict::Unchanged,
        (Some(_), Some(_)) => Verdict::Edited,
        _ => Verdict::Unknown,
    }
}

/// `closed_period_changed`.
///
/// A payment applied to a closed-period document bumps its version and
/// time though only its balance moved. The mirror's audit log keeps each
/// version's content fingerprint (dates, amounts, lines, accounts, party;
/// not the balance), so a change is flagged only when its fingerprint
/// differs from the version's before it.
///
/// When there is no version to compare with (the record was first seen
/// after the close, as on a first sync, or the entries were recorded before
/// the mirror kept fingerprints) the change is flagged unless a payment,
/// bill payment or deposit linking the record was saved at the same moment,
/// which explains it as an application.
pub(super) const CLOSED_PERIOD_CHANGED: RuleSpec = RuleSpec {
    id: "closed_period_changed",
    family: "dating",
    severity: Severity::Error,
    summary: "a transaction dated on or before the close date had its amounts, dates, lines or accounts changed after it",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        let Some(close) = ctx.s.settings.close_date else { return };
        let mut late = ctx
            .s
            .late_changes
            .iter()
            .filter(|c| c.txn_date <= close && c.changed_at.date_naive() > close)
            .peekable();
        if late.peek().is_none() {
            return;
        }
        // Built only when some change cannot be compared.
        let mut times = None;
        let edited_or_unexplained = |c: &&LateChange| match verdict(c) {
            Verdict::Edited => true,
            Verdict::Unchanged => false,
            Verdict::Unknown => !is_application(c, times.get_or_insert_with(|| application_times(ctx.s))),
        };
        // One finding per record, citing its latest change that was more
        // than a payment applied.
        let mut edited: BTreeMap<(EntityKind, &ExternalId), &LateChange> = BTreeMap::new();
        for c in late.filter(edited_or_unexplained) {
            let latest = edited.entry((c.kind, &c.external_id)).or_insert(c);
            if c.changed_at > latest.changed_at {
                *latest = c;
            }
        }
        for c in edited.into_values() {
            // A record no longer in the snapshot is keyed by its change
            // time, so an approval covers exactly that change.
            let version = match version_of(ctx.s, c.kind, &c.external_id) {
                Some(v) => Cow::Borrowed(v),
                None => Cow::Owned(VersionToken::new(c.changed_at.to_rfc3339())),
            };
            emit.flag(
                vec![Seen {
                    kind: c.kind,
                    id: &c.external_id,
                    version,
                }],
                move || {
                    format!(
                        "The {} {} dated {} changed on {}, after the books were closed through {close}.",
                        c.kind,
                        c.external_id,
                        c.txn_date,
                        c.changed_at.date_naive()
                    )
                },
                "Confirm the change with the client; reverse it or reopen the period and re-file.",
                None,
            );
        }
    },
};

#[cfg(test)]
mod tests {
    use rowcol_core::entity::{AccountType, Bill};
    use rowcol_core::{Entity, EntityKind, LateChange};
    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    use crate::hygiene::rules::test_support::run;
    use crate::test_snapshot::{account, snapshot};

    #[test]
    fn future_dated_movement() {
        let mut s = snapshot();
        s.purchases.push(fixtures::purchase("acme", "1", dec!(40))); // 2026-01-15
        assert!(run("future_dated_transaction", &s, date("2026-02-01")).is_empty());
        assert_eq!(run("future_dated_transaction", &s, date("2026-01-10")).len(), 1);
    }

    #[test]
    fn posting_to_an_inactive_account() {
        let mut s = snapshot();
        s.purchases.push(fixtures::purchase("acme", "1", dec!(40)));
        assert!(run("inactive_account_transaction", &s, date("2026-02-01")).is_empty());
        s.accounts
            .push(account("41", "Old Visa", AccountType::CreditCard, dec!(0)));
        s.accounts.retain(|a| a.name != "Visa");
        s.accounts.iter_mut().for_each(|a| a.active = a.name != "Old Visa");
        // Made inactive (last changed) 2026-01-20, after the purchase of
        // 2026-01-15: history from while it was in use, not flagged.
        let retire = |s: &mut rowcol_core::ClientSnapshot, at: &str| {
            for a in s.accounts.iter_mut().filter(|a| a.name == "Old Visa") {
                a.meta.updated_at = fixtures::time(at);
            }
        };
        retire(&mut s, "2026-01-20T10:00:00-08:00");
        assert!(run("inactive_account_transaction", &s, date("2026-02-01")).is_empty());
        // Made inactive 2026-01-10: the purchase of 2026-01-15 came after.
        retire(&mut s, "2026-01-10T10:00:00-08:00");
        assert_eq!(run("inactive_account_transaction", &s, date("2026-02-01")).len(), 1);
        // Dated the very day it was made inactive: given the benefit of the doubt.
        retire(&mut s, "2026-01-15T17:00:00-08:00");
        assert!(run("inactive_account_transaction", &s, date("2026-02-01")).is_empty());
    }

    #[test]
    fn change_after_close() {
        let mut s = snapshot();
        s.late_changes.push(LateChange {
            kind: EntityKind::Bill,
            external_id: fixtures::id("1"),
            txn_date: date("2025-12-20"),
            changed_at: fixtures::time("2026-01-20T10:00:00-08:00"),
            fingerprint: None,
            previous_fingerprint: None,
        });
        assert!(
            run("closed_period_changed", &s, date("2026-02-01")).is_empty(),
            "no close date"
        );
        s.settings.close_date = Some(date("2025-12-31"));
        assert_eq!(run("closed_period_changed", &s, date("2026-02-01")).len(), 1);
        s.settings.close_date = Some(date("2026-01-31"));
        assert!(
            run("closed_period_changed", &s, date("2026-02-01")).is_empty(),
            "change inside the open period"
        );
    }

    /// An edit, named.
    type Edit = (&'static str, fn(&mut Bill));

    /// A late change from `before` to `after` (two versions of one bill)
    /// on 2026-01-20, with both versions' fingerprints as the mirror
    /// records them.
    fn bill_changed(before: &Bill, after: &Bill) -> LateChange {
        LateChange {
            kind: EntityKind::Bill,
            external_id: after.meta.external_id.clone(),
            txn_date: after.txn.txn_date,
            changed_at: fixtures::time("2026-01-20T10:00:00-08:00"),
            fingerprint: Entity::Bill(after.clone()).content_fingerprint(),
            previous_fingerprint: Entity::Bill(before.clone()).content_fingerprint(),
        }
    }

    #[test]
    fn a_change_to_a_closed_bill_is_flagged_only_when_its_postings_moved() {
        let mut before = fixtures::bill("acme", "1", dec!(100));
        before.txn.txn_date = date("2025-12-20");
        let mut s = snapshot();
        s.settings.close_date = Some(date("2025-12-31"));
        let findings = |s: &mut rowcol_core::ClientSnapshot, after: Bill| {
            s.late_changes = vec![bill_changed(&before, &after)];
            *s.bills = vec![after];
            run("closed_period_changed", s, date("2026-02-01"))
        };
        // Paid in full on the 20th, with no payment in the snapshot to
        // explain it: the balance and links moved, nothing that posts.
        let mut paid = before.clone();
        paid.balance = rowcol_core::Money::new(dec!(0), paid.balance.currency());
        paid.linked.push(rowcol_core::entity::TxnLink {
            kind: EntityKind::BillPayment,
            id: fixtures::id("p"),
            amount: Some(before.txn.total),
        });
        paid.meta.version = rowcol_core::VersionToken::new("1");
        assert!(findings(&mut s, paid).is_empty());
        let edits: [Edit; 4] = [
            ("amount", |b| {
                b.txn.total = rowcol_core::Money::new(dec!(120), b.txn.total.currency());
                b.txn.lines[0].amount = b.txn.total;
            }),
            ("date", |b| b.txn.txn_date = date("2025-12-10")),
            ("line", |b| {
                let mut extra = b.txn.lines[0].clone();
                extra.amount = rowcol_core::Money::new(dec!(0), extra.amount.currency());
                b.txn.lines.push(extra);
            }),
            ("account", |b| {
                b.txn.lines[0].account = Some(fixtures::reference("61", "Other expense"));
            }),
        ];
        for (what, edit) in edits {
            let mut after = before.clone();
            edit(&mut after);
            // A payment saved at the same moment does not hide an edit.
            let mut pay = fixtures::bill_payment("acme", "p", dec!(100), "1");
            pay.meta.created_at = fixtures::time("2026-01-20T10:00:00-08:00");
            s.bill_payments.push(pay);
            let f = findings(&mut s, after);
            assert_eq!(f.len(), 1, "{what}");
            assert!(f[0].explanation.contains("changed on 2026-01-20"), "{what}");
        }
    }

    /// Bill 1 dated 2025-12-20, books closed through 2025-12-31, and a late
    /// change to it on 2026-01-20 at 10:00 that cannot be compared with a
    /// version before (first seen then, or recorded before fingerprints).
    fn closed_bill_changed_on_the_20th() -> rowcol_core::ClientSnapshot {
        let mut s = snapshot();
        s.settings.close_date = Some(date("2025-12-31"));
        let mut b = fixtures::bill("acme", "1", dec!(100));
        b.txn.txn_date = date("2025-12-20");
        s.bills.push(b);
        s.late_changes.push(LateChange {
            kind: EntityKind::Bill,
            external_id: fixtures::id("1"),
            txn_date: date("2025-12-20"),
            changed_at: fixtures::time("2026-01-20T10:00:00-08:00"),
            fingerprint: None,
            previous_fingerprint: None,
        });
        s
    }

    #[test]
    fn without_a_version_to_compare_a_payment_saved_at_the_same_moment_explains_the_change() {
        let mut s = closed_bill_changed_on_the_20th();
        // A bill payment saved at 10:00:01 applies to bill 1: the bill's
        // change is its balance moving, nothing else.
        let mut paid = fixtures::bill_payment("acme", "p", dec!(100), "1");
        paid.txn.txn_date = date("2026-01-20");
        paid.meta.created_at = fixtures::time("2026-01-20T10:00:01-08:00");
        paid.meta.updated_at = paid.meta.created_at;
        s.bill_payments.push(paid);
        assert!(run("closed_period_changed", &s, date("2026-02-01")).is_empty());
        // The same for a customer payment applied to a closed invoice, and a
        // deposit carrying a closed payment out of Undeposited Funds.
        let mut s = snapshot();
        s.settings.close_date = Some(date("2025-12-31"));
        for kind in [EntityKind::Invoice, EntityKind::Payment] {
            s.late_changes.push(LateChange {
                kind,
                external_id: fixtures::id("9"),
                txn_date: date("2025-12-20"),
                changed_at: fixtures::time("2026-01-20T10:00:00-08:00"),
                fingerprint: None,
                previous_fingerprint: None,
            });
        }
        let mut pay = fixtures::payment("acme", "9", dec!(100), "9");
        pay.meta.created_at = fixtures::time("2026-01-20T10:00:00-08:00");
        pay.meta.updated_at = pay.meta.created_at;
        s.payments.push(pay);
        let mut dep = fixtures::deposit("acme", "d", dec!(100));
        dep.linked.push(rowcol_core::entity::TxnLink {
            kind: EntityKind::Payment,
            id: fixtures::id("9"),
            amount: None,
        });
        dep.meta.updated_at = fixtures::time("2026-01-20T10:00:30-08:00");
        s.deposits.push(dep);
        assert!(run("closed_period_changed", &s, date("2026-02-01")).is_empty());
    }

    #[test]
    fn without_a_version_to_compare_an_edit_is_flagged_even_when_the_record_was_paid_later() {
        let mut s = closed_bill_changed_on_the_20th();
        // A bill payment saved on the 25th applies to bill 1: it explains a
        // change on the 25th, not the edit of the 20th.
        let mut paid = fixtures::bill_payment("acme", "p", dec!(100), "1");
        paid.meta.created_at = fixtures::time("2026-01-25T10:00:00-08:00");
        paid.meta.updated_at = paid.meta.created_at;
        s.bill_payments.push(paid);
        s.late_changes.push(LateChange {
            kind: EntityKind::Bill,
            external_id: fixtures::id("1"),
            txn_date: date("2025-12-20"),
            changed_at: fixtures::time("2026-01-25T10:00:00-08:00"),
            fingerprint: None,
            previous_fingerprint: None,
        });
        let f = run("closed_period_changed", &s, date("2026-02-01"));
        assert_eq!(f.len(), 1, "one finding per record");
        assert!(
            f[0].explanation.contains("changed on 2026-01-20"),
            "{}",
            f[0].explanation
        );
        // A payment to another bill saved at the same moment explains nothing.
        let mut s = closed_bill_changed_on_the_20th();
        let mut other = fixtures::bill_payment("acme", "p", dec!(100), "2");
        other.meta.created_at = fixtures::time("2026-01-20T10:00:00-08:00");
        s.bill_payments.push(other);
        assert_eq!(run("closed_period_changed", &s, date("2026-02-01")).len(), 1);
    }
}

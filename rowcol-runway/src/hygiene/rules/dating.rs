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

/// `closed_period_changed`.
///
/// The mirror's audit log keeps each change's version token and time, not
/// the record's contents, so versions cannot be compared field by field. A
/// payment applied to a closed-period document bumps its version and time
/// though only its balance moved; such a change is recognised by a payment,
/// bill payment or deposit linking the record saved at the same moment, and
/// is not flagged. Any other change after the close is.
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
        let times = application_times(ctx.s);
        // One finding per record, citing its latest change that was more
        // than a payment applied.
        let mut edited: BTreeMap<(EntityKind, &ExternalId), &LateChange> = BTreeMap::new();
        for c in late.filter(|c| !is_application(c, &times)) {
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
    use rowcol_core::entity::AccountType;
    use rowcol_core::{EntityKind, LateChange};
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

    /// Bill 1 dated 2025-12-20, books closed through 2025-12-31, and a late
    /// change to it on 2026-01-20 at 10:00.
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
        });
        s
    }

    #[test]
    fn a_payment_applied_after_the_close_is_not_a_change_to_the_closed_period() {
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
    fn an_edit_after_the_close_is_flagged_even_when_the_record_was_paid_later() {
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

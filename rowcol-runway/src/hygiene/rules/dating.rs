//! Rules about when and where transactions sit: future dates, inactive
//! accounts, changes to closed periods.

use std::borrow::Cow;

use rowcol_core::entity::{Reference, SourceMeta, TxnCommon};
use rowcol_core::{ClientSnapshot, EntityKind, VersionToken};
use rust_decimal::prelude::ToPrimitive;

use super::{RuleSpec, threshold};
use crate::hygiene::Severity;
use crate::hygiene::pending::Seen;
use crate::id_map::FewIds;
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
pub(super) const INACTIVE_ACCOUNT: RuleSpec = RuleSpec {
    id: "inactive_account_transaction",
    family: "dating",
    severity: Severity::Warning,
    summary: "a transaction posts to an inactive account",
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
            let inactive = refs
                .filter(|r| inactive.contains(&r.id))
                .find_map(|r| ctx.ix.accounts.get(&r.id).copied());
            if let Some(a) = inactive {
                let (kind, meta) = (t.kind, t.meta);
                emit.flag(
                    vec![Seen::new(kind, meta), Seen::new(EntityKind::Account, &a.meta)],
                    move || {
                        format!(
                            "The {kind} {} posts to the inactive account \"{}\".",
                            meta.external_id, a.name
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
fn version_of<'a>(s: &'a ClientSnapshot, kind: EntityKind, id: &rowcol_core::ExternalId) -> Option<&'a VersionToken> {
    transactions(s)
        .find(|t| t.kind == kind && &t.meta.external_id == id)
        .map(|t| &t.meta.version)
}

/// `closed_period_changed`.
pub(super) const CLOSED_PERIOD_CHANGED: RuleSpec = RuleSpec {
    id: "closed_period_changed",
    family: "dating",
    severity: Severity::Error,
    summary: "a transaction dated on or before the close date changed after it",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        let Some(close) = ctx.s.settings.close_date else { return };
        for c in &ctx.s.late_changes {
            if c.txn_date <= close && c.changed_at.date_naive() > close {
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
        }
    },
};

#[cfg(test)]
mod tests {
    use rowcol_core::entity::AccountType;
    use rowcol_core::fixtures::{self, date};
    use rowcol_core::{EntityKind, LateChange};
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
        assert_eq!(run("inactive_account_transaction", &s, date("2026-02-01")).len(), 1);
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
}

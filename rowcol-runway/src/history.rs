//! A snapshot as it stood at the end of a past day, so that every figure
//! computed as of that day is a true historical view rather than today's
//! balances read against an old date.
//!
//! Definition. From the snapshot as the mirror holds it today:
//! - every dated document after the day is left out (bills, invoices,
//!   payments, credits, purchases, deposits, journal entries, transfers,
//!   receipts, card and tax payments);
//! - an invoice's, bill's, credit memo's or vendor credit's balance is its
//!   balance today plus what the left-out payments and bill payments applied
//!   to it; links to left-out payments are dropped;
//! - a kept payment applied to a left-out invoice holds that amount as
//!   unapplied (a credit on the day);
//! - a bank or card account's balance is today's less the movements the
//!   cash roll-forward reads after the day; other accounts keep today's;
//! - a customer's or vendor's balance moves by as much as its open
//!   documents and credits moved.
//!
//! What the snapshot does not hold cannot be added back: a document the
//! mirror deleted, or a payment applied to a document outside the
//! snapshot's history (the mirror loads the documents a later payment names
//! for that reason).

use rustc_hash::{FxHashMap, FxHashSet};
use std::borrow::Cow;

use chrono::NaiveDate;
use rowcol_core::entity::{SourceMeta, TxnCommon, TxnLink};
use rowcol_core::{ClientSnapshot, EntityKind, ExternalId, Money, SharedVec};
use rust_decimal::Decimal;

use crate::calc::rollforward::{AccountTypes, cash_accounts, cash_on, movements};

/// `s` as it stood at the end of `day`: borrowed as is when nothing in it is
/// dated after `day`.
pub fn as_it_stood(s: &ClientSnapshot, day: NaiveDate) -> Cow<'_, ClientSnapshot> {
    let later = |txn: &TxnCommon| txn.txn_date > day;
    let any_later = s.bills.iter().any(|r| later(&r.txn))
        || s.invoices.iter().any(|r| later(&r.txn))
        || s.payments.iter().any(|r| later(&r.txn))
        || s.bill_payments.iter().any(|r| later(&r.txn))
        || s.purchases.iter().any(|r| later(&r.txn))
        || s.deposits.iter().any(|r| later(&r.txn))
        || s.journal_entries.iter().any(|r| later(&r.txn))
        || s.transfers.iter().any(|r| later(&r.txn))
        || s.sales_receipts.iter().any(|r| later(&r.txn))
        || s.refund_receipts.iter().any(|r| later(&r.txn))
        || s.credit_memos.iter().any(|r| later(&r.txn))
        || s.vendor_credits.iter().any(|r| later(&r.txn))
        || s.card_payments.iter().any(|r| later(&r.txn))
        || s.tax_payments.iter().any(|r| later(&r.txn));
    if !any_later {
        return Cow::Borrowed(s);
    }
    let mut r = s.clone();
    r.as_of = day;
    rewind_documents(s, &mut r, day);
    rewind_accounts(s, &mut r, day);
    rewind_parties(s, &mut r);
    Cow::Owned(r)
}

/// The amount a link applies: its own when the source gave one, else the
/// whole `fallback` when it is the document's only link.
fn applied(link: &TxnLink, links: usize, fallback: Decimal) -> Option<Decimal> {
    match link.amount {
        Some(m) => Some(m.amount()),
        None => (links == 1).then_some(fallback),
    }
}

/// Keeps the records dated on or before `day`.
fn keep_until<T: Clone>(list: &mut SharedVec<T>, day: NaiveDate, txn: impl Fn(&T) -> &TxnCommon) {
    if list.iter().any(|t| txn(t).txn_date > day) {
        list.retain(|t| txn(t).txn_date <= day);
    }
}

fn rewind_documents(s: &ClientSnapshot, r: &mut ClientSnapshot, day: NaiveDate) {
    let live = |meta: &SourceMeta, txn: &TxnCommon| !meta.deleted && txn.txn_date > day;
    // What later payments applied, per document, in its currency.
    let mut back: FxHashMap<(EntityKind, &ExternalId), Decimal> = FxHashMap::default();
    let mut later_payments: FxHashSet<&ExternalId> = FxHashSet::default();
    for p in s.payments.iter().filter(|p| live(&p.meta, &p.txn)) {
        later_payments.insert(&p.meta.external_id);
        let whole = p.txn.total.amount() - p.unapplied.amount();
        for link in &p.applied_to {
            if let Some(a) = applied(link, p.applied_to.len(), whole) {
                *back.entry((link.kind, &link.id)).or_default() += a;
            }
        }
    }
    for p in s.bill_payments.iter().filter(|p| live(&p.meta, &p.txn)) {
        later_payments.insert(&p.meta.external_id);
        for link in &p.applied_to {
            if let Some(a) = applied(link, p.applied_to.len(), p.txn.total.amount()) {
                *back.entry((link.kind, &link.id)).or_default() += a;
            }
        }
    }
    let later_invoices: FxHashSet<&ExternalId> = s
        .invoices
        .iter()
        .filter(|i| i.txn.txn_date > day)
        .map(|i| &i.meta.external_id)
        .collect();
    let add = |m: &mut Money, kind: EntityKind, id: &ExternalId| {
        if let Some(a) = back.get(&(kind, id)) {
            *m = Money::new(m.amount() + *a, m.currency());
        }
    };

    keep_until(&mut r.invoices, day, |i| &i.txn);
    for i in r.invoices.iter_mut() {
        add(&mut i.balance, EntityKind::Invoice, &i.meta.external_id);
        i.linked.retain(|l| !later_payments.contains(&l.id));
    }
    keep_until(&mut r.bills, day, |b| &b.txn);
    for b in r.bills.iter_mut() {
        add(&mut b.balance, EntityKind::Bill, &b.meta.external_id);
        b.linked.retain(|l| !later_payments.contains(&l.id));
    }
    keep_until(&mut r.credit_memos, day, |m| &m.txn);
    for m in r.credit_memos.iter_mut() {
        add(&mut m.remaining_credit, EntityKind::CreditMemo, &m.meta.external_id);
    }
    keep_until(&mut r.vendor_credits, day, |c| &c.txn);
    for c in r.vendor_credits.iter_mut() {
        add(&mut c.balance, EntityKind::VendorCredit, &c.meta.external_id);
    }
    keep_until(&mut r.payments, day, |p| &p.txn);
    if r.payments
        .iter()
        .any(|p| p.applied_to.iter().any(|l| later_invoices.contains(&l.id)))
    {
        for p in r.payments.iter_mut() {
            let whole = p.txn.total.amount() - p.unapplied.amount();
            let links = p.applied_to.len();
            let held: Decimal = p
                .applied_to
                .iter()
                .filter(|l| l.kind == EntityKind::Invoice && later_invoices.contains(&l.id))
                .filter_map(|l| applied(l, links, whole))
                .sum();
            p.unapplied = Money::new(p.unapplied.amount() + held, p.unapplied.currency());
            p.applied_to
                .retain(|l| !(l.kind == EntityKind::Invoice && later_invoices.contains(&l.id)));
        }
    }
    keep_until(&mut r.bill_payments, day, |p| &p.txn);
    keep_until(&mut r.purchases, day, |p| &p.txn);
    keep_until(&mut r.deposits, day, |d| &d.txn);
    keep_until(&mut r.journal_entries, day, |j| &j.txn);
    keep_until(&mut r.transfers, day, |t| &t.txn);
    keep_until(&mut r.sales_receipts, day, |t| &t.txn);
    keep_until(&mut r.refund_receipts, day, |t| &t.txn);
    keep_until(&mut r.card_payments, day, |t| &t.txn);
    keep_until(&mut r.tax_payments, day, |t| &t.txn);
}

/// Bank and card balances at the end of `day`, worked back from today's by
/// the roll-forward's movements.
fn rewind_accounts(s: &ClientSnapshot, r: &mut ClientSnapshot, day: NaiveDate) {
    let all = movements(s, &AccountTypes::of(s));
    let then: FxHashMap<ExternalId, Decimal> = cash_accounts(s)
        .map(|(a, kind)| {
            let mine: Vec<_> = all.iter().filter(|m| m.account == &a.meta.external_id).collect();
            let cash = cash_on(kind.as_cash(a.current_balance.amount()), &mine, day);
            (a.meta.external_id.clone(), kind.as_cash(cash))
        })
        .collect();
    for a in r.accounts.iter_mut() {
        if let Some(balance) = then.get(&a.meta.external_id) {
            a.current_balance = Money::new(*balance, a.current_balance.currency());
        }
    }
}

/// What each party's open documents add to its balance: invoices less
/// credit memos and unapplied payments for customers, bills less vendor
/// credits for vendors.
fn exposure(s: &ClientSnapshot) -> FxHashMap<&ExternalId, Decimal> {
    fn party(r: &Option<rowcol_core::entity::Reference>) -> Option<&ExternalId> {
        r.as_ref().map(|r| &r.id)
    }
    let open = s
        .invoices
        .iter()
        .filter(|i| !i.meta.deleted)
        .map(|i| (party(&i.customer), i.balance.amount()))
        .chain(
            s.credit_memos
                .iter()
                .filter(|m| !m.meta.deleted)
                .map(|m| (party(&m.customer), Decimal::ZERO - m.remaining_credit.amount())),
        )
        .chain(
            s.payments
                .iter()
                .filter(|p| !p.meta.deleted)
                .map(|p| (party(&p.customer), Decimal::ZERO - p.unapplied.amount())),
        )
        .chain(
            s.bills
                .iter()
                .filter(|b| !b.meta.deleted)
                .map(|b| (party(&b.vendor), b.balance.amount())),
        )
        .chain(
            s.vendor_credits
                .iter()
                .filter(|c| !c.meta.deleted)
                .map(|c| (party(&c.vendor), Decimal::ZERO - c.balance.amount())),
        );
    let mut out: FxHashMap<&ExternalId, Decimal> = FxHashMap::default();
    for (p, amount) in open {
        if let Some(p) = p {
            *out.entry(p).or_default() += amount;
        }
    }
    out
}

/// Moves each party's balance by what its documents moved.
fn rewind_parties(s: &ClientSnapshot, r: &mut ClientSnapshot) {
    let (now, then) = (exposure(s), exposure(r));
    let moved: FxHashMap<ExternalId, Decimal> = now
        .keys()
        .chain(then.keys())
        .map(|p| {
            let delta = then.get(p).copied().unwrap_or_default() - now.get(p).copied().unwrap_or_default();
            ((*p).clone(), delta)
        })
        .filter(|(_, d)| !d.is_zero())
        .collect();
    if moved.is_empty() {
        return;
    }
    let shift = |party: &mut rowcol_core::entity::Party| {
        if let Some(d) = moved.get(&party.meta.external_id) {
            party.balance = Money::new(party.balance.amount() + *d, party.balance.currency());
        }
    };
    for c in r.customers.iter_mut() {
        shift(&mut c.party);
    }
    for v in r.vendors.iter_mut() {
        shift(&mut v.party);
    }
}

#[cfg(test)]
mod tests;

//! Lookups by external id over one snapshot, built once per computation.

use std::cell::OnceCell;

use rowcol_core::entity::{Account, Customer, Invoice, Payment, Term, Vendor};
use rowcol_core::{ClientSnapshot, ExternalId};

use crate::id_map::IdMap;

/// Records of one snapshot by external id (deleted records left out).
pub(crate) struct SnapshotIndex<'a> {
    /// Chart of accounts.
    pub(crate) accounts: IdMap<&'a ExternalId, &'a Account>,
    /// Vendors.
    pub(crate) vendors: IdMap<&'a ExternalId, &'a Vendor>,
    /// Customers.
    pub(crate) customers: IdMap<&'a ExternalId, &'a Customer>,
    /// Payment terms.
    pub(crate) terms: IdMap<&'a ExternalId, &'a Term>,
    /// Invoices.
    pub(crate) invoices: IdMap<&'a ExternalId, &'a Invoice>,
    /// Customer payments, built on first use: only a deposit link without
    /// an amount needs them.
    payments: OnceCell<IdMap<&'a ExternalId, &'a Payment>>,
    snapshot: &'a ClientSnapshot,
}

fn by_id<'a, T>(
    items: &'a [T],
    meta: impl Fn(&'a T) -> &'a rowcol_core::entity::SourceMeta,
) -> IdMap<&'a ExternalId, &'a T> {
    let mut map = IdMap::with_capacity_and_hasher(items.len(), Default::default());
    map.extend(
        items
            .iter()
            .filter(|t| !meta(t).deleted)
            .map(|t| (&meta(t).external_id, t)),
    );
    map
}

impl<'a> SnapshotIndex<'a> {
    /// A customer payment by id.
    pub(crate) fn payment(&self, id: &ExternalId) -> Option<&'a Payment> {
        self.payments
            .get_or_init(|| by_id(&self.snapshot.payments, |p| &p.meta))
            .get(id)
            .copied()
    }

    /// Indexes a snapshot.
    pub(crate) fn new(s: &'a ClientSnapshot) -> Self {
        SnapshotIndex {
            accounts: by_id(&s.accounts, |a| &a.meta),
            vendors: by_id(&s.vendors, |v| &v.party.meta),
            customers: by_id(&s.customers, |c| &c.party.meta),
            terms: by_id(&s.terms, |t| &t.meta),
            invoices: by_id(&s.invoices, |i| &i.meta),
            payments: OnceCell::new(),
            snapshot: s,
        }
    }
}

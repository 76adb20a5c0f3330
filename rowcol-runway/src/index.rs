//! Lookups by external id over one snapshot, built once per computation.

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
    /// Customer payments.
    pub(crate) payments: IdMap<&'a ExternalId, &'a Payment>,
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
    /// Indexes a snapshot.
    pub(crate) fn new(s: &'a ClientSnapshot) -> Self {
        SnapshotIndex {
            accounts: by_id(&s.accounts, |a| &a.meta),
            vendors: by_id(&s.vendors, |v| &v.party.meta),
            customers: by_id(&s.customers, |c| &c.party.meta),
            terms: by_id(&s.terms, |t| &t.meta),
            invoices: by_id(&s.invoices, |i| &i.meta),
            payments: by_id(&s.payments, |p| &p.meta),
        }
    }
}

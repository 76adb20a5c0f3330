//! Lookups by external id over one snapshot, built once per computation.

use std::cell::OnceCell;

use rowcol_core::ClientSnapshot;
use rowcol_core::entity::{Account, Customer, Invoice, Reference, Term, Vendor};

use crate::perf::id_table::IdTable;

/// Records of one snapshot by external id (deleted records left out).
pub(crate) struct SnapshotIndex<'a> {
    /// Chart of accounts.
    pub(crate) accounts: IdTable<'a, &'a Account>,
    /// Vendors.
    pub(crate) vendors: IdTable<'a, &'a Vendor>,
    /// Customers.
    pub(crate) customers: IdTable<'a, &'a Customer>,
    /// Payment terms.
    pub(crate) terms: IdTable<'a, &'a Term>,
    /// Invoices.
    pub(crate) invoices: IdTable<'a, &'a Invoice>,
    /// Vendor slots, built on first use (by the hygiene rules).
    vendor_slots: OnceCell<VendorSlots<'a>>,
    snapshot: &'a ClientSnapshot,
}

/// Dense numbers (slots) for the vendor ids that bills and purchases name,
/// whether the books know the vendor or not: each reference is hashed once
/// per snapshot instead of once per rule, and per-vendor tallies are
/// vectors indexed by slot.
#[derive(Debug)]
pub(crate) struct VendorSlots<'a> {
    /// The slot of each bill's vendor, aligned with the snapshot's bills
    /// (`None`: no vendor named, or the bill is deleted).
    pub(crate) bills: Vec<Option<usize>>,
    /// The slot of each purchase's payee, aligned with the snapshot's
    /// purchases (`None`: no payee, or the purchase is deleted).
    pub(crate) purchases: Vec<Option<usize>>,
    /// The vendor of each slot, when the books know it (not deleted).
    pub(crate) known: Vec<Option<&'a Vendor>>,
}

impl<'a> VendorSlots<'a> {
    fn new(s: &'a ClientSnapshot, vendors: &IdTable<'a, &'a Vendor>) -> Self {
        let mut slot_of: IdTable<'_, usize> = IdTable::with_capacity(vendors.len());
        let mut known = Vec::with_capacity(vendors.len());
        let mut slot = |r: Option<&'a Reference>, deleted: bool| -> Option<usize> {
            let id = &r.filter(|_| !deleted)?.id;
            Some(*slot_of.get_or_insert_with(id, || {
                known.push(vendors.get(id).copied());
                known.len() - 1
            }))
        };
        let bills = s
            .bills
            .iter()
            .map(|b| slot(b.vendor.as_ref(), b.meta.deleted))
            .collect();
        let purchases = s
            .purchases
            .iter()
            .map(|p| slot(p.payee.as_ref(), p.meta.deleted))
            .collect();
        VendorSlots {
            bills,
            purchases,
            known,
        }
    }
}

fn by_id<'a, T>(items: &'a [T], meta: impl Fn(&'a T) -> &'a rowcol_core::entity::SourceMeta) -> IdTable<'a, &'a T> {
    let mut map = IdTable::with_capacity(items.len());
    map.extend(
        items
            .iter()
            .filter(|t| !meta(t).deleted)
            .map(|t| (&meta(t).external_id, t)),
    );
    map
}

impl<'a> SnapshotIndex<'a> {
    /// The vendor slots of the snapshot's bills and purchases.
    pub(crate) fn vendor_slots(&self) -> &VendorSlots<'a> {
        self.vendor_slots
            .get_or_init(|| VendorSlots::new(self.snapshot, &self.vendors))
    }

    /// Indexes a snapshot.
    pub(crate) fn new(s: &'a ClientSnapshot) -> Self {
        SnapshotIndex {
            accounts: by_id(&s.accounts, |a| &a.meta),
            vendors: by_id(&s.vendors, |v| &v.party.meta),
            customers: by_id(&s.customers, |c| &c.party.meta),
            terms: by_id(&s.terms, |t| &t.meta),
            invoices: by_id(&s.invoices, |i| &i.meta),
            vendor_slots: OnceCell::new(),
            snapshot: s,
        }
    }
}

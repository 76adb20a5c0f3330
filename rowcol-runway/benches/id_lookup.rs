//! The id lookups the digest makes by reference, replayed over the digest
//! bench's portfolio (100 typical clients): the crate's `IdTable` beside
//! the standard library's hash map (hashbrown's SwissTable) with the Fx
//! hasher of `rustc-hash`. Each replay indexes a client's accounts,
//! vendors, customers, terms and invoices, numbers the vendors bills and
//! purchases name, and makes the lookups and tallies of the vendor tiers,
//! payment terms, usual payment methods and customer payment habits.

#![allow(missing_docs)] // criterion_group! generates an undocumented public function.

// The crate's own file: the replay uses the table's lookups, not all of it,
// and a test build of this bench leaves out the file's tests but not their imports.
#[allow(dead_code, unused_imports)]
#[path = "../src/perf/id_table.rs"]
mod id_table;

use std::hint::black_box;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use id_table::IdTable;
use rowcol_core::entity::{EntityKind, Reference, SourceMeta};
use rowcol_core::fixtures::{date, synthetic, time};
use rowcol_core::{ClientSnapshot, ExternalId};
use rustc_hash::FxHashMap;

/// What the replay asks of a table keyed by borrowed ids.
trait Lookup<'a, V> {
    fn with_capacity(n: usize) -> Self;
    fn put(&mut self, id: &'a ExternalId, value: V);
    fn find(&self, id: &ExternalId) -> Option<&V>;
    fn entry(&mut self, id: &'a ExternalId, make: impl FnOnce() -> V) -> &mut V;
}

impl<'a, V> Lookup<'a, V> for IdTable<'a, V> {
    fn with_capacity(n: usize) -> Self {
        IdTable::with_capacity(n)
    }
    fn put(&mut self, id: &'a ExternalId, value: V) {
        self.insert(id, value);
    }
    fn find(&self, id: &ExternalId) -> Option<&V> {
        self.get(id)
    }
    fn entry(&mut self, id: &'a ExternalId, make: impl FnOnce() -> V) -> &mut V {
        self.get_or_insert_with(id, make)
    }
}

impl<'a, V> Lookup<'a, V> for FxHashMap<&'a ExternalId, V> {
    fn with_capacity(n: usize) -> Self {
        FxHashMap::with_capacity_and_hasher(n, Default::default())
    }
    fn put(&mut self, id: &'a ExternalId, value: V) {
        self.insert(id, value);
    }
    fn find(&self, id: &ExternalId) -> Option<&V> {
        self.get(id)
    }
    fn entry(&mut self, id: &'a ExternalId, make: impl FnOnce() -> V) -> &mut V {
        self.entry(id).or_insert_with(make)
    }
}

/// A kind of table, for every value type the replay keeps.
trait Tables {
    type Of<'a, V: 'a>: Lookup<'a, V>;
}

struct Packed;
impl Tables for Packed {
    type Of<'a, V: 'a> = IdTable<'a, V>;
}

struct StdFx;
impl Tables for StdFx {
    type Of<'a, V: 'a> = FxHashMap<&'a ExternalId, V>;
}

fn by_id<'a, T: Tables, R>(items: &'a [R], meta: impl Fn(&'a R) -> &'a SourceMeta) -> T::Of<'a, &'a R> {
    let mut table = T::Of::<'a, &'a R>::with_capacity(items.len());
    for item in items.iter().filter(|r| !meta(r).deleted) {
        table.put(&meta(item).external_id, item);
    }
    table
}

fn id(r: Option<&Reference>) -> Option<&ExternalId> {
    r.map(|r| &r.id)
}

/// One client's lookups; answers a tally so that none is optimised away.
fn replay<T: Tables>(s: &ClientSnapshot) -> usize {
    let accounts = by_id::<T, _>(&s.accounts, |a| &a.meta);
    let vendors = by_id::<T, _>(&s.vendors, |v| &v.party.meta);
    let customers = by_id::<T, _>(&s.customers, |c| &c.party.meta);
    let terms = by_id::<T, _>(&s.terms, |t| &t.meta);
    let invoices = by_id::<T, _>(&s.invoices, |i| &i.meta);
    let mut tally = 0;

    // Vendor slots: bills' and purchases' vendors numbered densely.
    let mut slots = T::Of::<'_, usize>::with_capacity(s.vendors.len());
    let mut next = 0;
    let named = s
        .bills
        .iter()
        .filter(|b| !b.meta.deleted)
        .filter_map(|b| id(b.vendor.as_ref()))
        .chain(
            s.purchases
                .iter()
                .filter(|p| !p.meta.deleted)
                .filter_map(|p| id(p.payee.as_ref())),
        );
    for vendor in named {
        tally += *slots.entry(vendor, || {
            next += 1;
            usize::from(vendors.find(vendor).is_some())
        });
    }

    // Vendor tiers from the bills' accounts; payment terms of each bill.
    let mut tiers = T::Of::<'_, usize>::with_capacity(s.vendors.len());
    for bill in s.bills.iter().filter(|b| !b.meta.deleted) {
        let Some(vendor) = id(bill.vendor.as_ref()) else {
            continue;
        };
        let known = bill
            .txn
            .lines
            .iter()
            .filter_map(|l| id(l.account.as_ref()))
            .filter(|a| accounts.find(a).is_some())
            .count();
        *tiers.entry(vendor, || 0) += known;
        let from_bill = id(bill.terms.as_ref()).and_then(|t| terms.find(t));
        let from_vendor = || {
            let v = vendors.find(vendor)?;
            id(v.party.terms.as_ref()).and_then(|t| terms.find(t))
        };
        tally += usize::from(from_bill.or_else(from_vendor).is_some());
    }

    // Usual payment methods: bill payments counted per vendor.
    let mut methods = T::Of::<'_, u32>::with_capacity(s.vendors.len());
    for p in s.bill_payments.iter().filter(|p| !p.meta.deleted) {
        if let Some(v) = id(p.vendor.as_ref()) {
            *methods.entry(v, || 0) += 1;
        }
    }

    // Payment habits: each payment's invoices and their customers.
    let mut habits = T::Of::<'_, (i64, u32)>::with_capacity(s.customers.len());
    for p in s.payments.iter().filter(|p| !p.meta.deleted) {
        for link in p.applied_to.iter().filter(|l| l.kind == EntityKind::Invoice) {
            let Some(inv) = invoices.find(&link.id) else { continue };
            let Some(customer) = id(inv.customer.as_ref()) else {
                continue;
            };
            tally += usize::from(customers.find(customer).is_some());
            let entry = habits.entry(customer, Default::default);
            entry.0 += 1;
            entry.1 += 1;
        }
    }
    tally + next
}

fn bench_id_lookup(c: &mut Criterion) {
    let synced_at = time("2026-07-15T08:00:00+00:00").with_timezone(&Utc);
    let clients = synthetic::portfolio(100, date("2026-07-15"), synced_at);
    let (packed, std_fx): (usize, usize) = (
        clients.iter().map(replay::<Packed>).sum(),
        clients.iter().map(replay::<StdFx>).sum(),
    );
    assert_eq!(packed, std_fx, "both tables answer the same lookups");
    let mut group = c.benchmark_group("digest/100_clients/id_lookups");
    group.bench_function("id_table", |b| {
        b.iter(|| black_box(&clients).iter().map(replay::<Packed>).sum::<usize>())
    });
    group.bench_function("std_hash_map_fx", |b| {
        b.iter(|| black_box(&clients).iter().map(replay::<StdFx>).sum::<usize>())
    });
    group.finish();
}

criterion_group!(benches, bench_id_lookup);
criterion_main!(benches);

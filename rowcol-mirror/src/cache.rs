//! The decoded-records cache behind `snapshot`: an unchanged client's records
//! are not read and decoded again.
//!
//! An entry holds the records of one client for one history window, decoded,
//! and the client's *record generation* they were read at: the sequence
//! number of the client's last audit entry. Every write to a client's
//! records (insert, update, tombstone) appends an audit entry in the same
//! transaction, whichever process wrote it, so a changed generation means
//! changed records and an unchanged one means the same records. Each
//! snapshot reads the generation from the database first and uses an entry
//! only when it matches; settings, reviews, health and late changes are
//! always read fresh.
//!
//! A hit costs no copy of the records: a snapshot keeps them in
//! `SharedVec`s, so the snapshot handed out shares them with the entry (a
//! caller that writes to its snapshot copies only the list it writes).
//!
//! Memory is bounded by the number of records held across entries
//! ([`SnapshotCacheConfig::max_records`]); the least recently used entries are
//! dropped first, and a client larger than the whole budget is not cached.

use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use lru::LruCache;
use rowcol_core::{ClientId, ClientSnapshot};

/// How much the snapshot cache may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotCacheConfig {
    /// Records kept decoded across all cached snapshots; 0 turns the cache
    /// off. The default, 250,000, holds a 100-client portfolio of typical
    /// clients (about 104,000 records in a 6-month window) twice over.
    pub max_records: usize,
}

impl Default for SnapshotCacheConfig {
    fn default() -> Self {
        SnapshotCacheConfig { max_records: 250_000 }
    }
}

/// Which records an entry holds: a client's, for the history window starting
/// on a date (the only part of the request the records query depends on).
pub(crate) type CacheKey = (ClientId, NaiveDate);

/// A cached read: the records (in a snapshot whose other fields are
/// overwritten on use) and the generation they were read at.
#[derive(Debug)]
pub(crate) struct CachedRecords {
    pub generation: i64,
    pub records: ClientSnapshot,
}

/// Records held by a snapshot.
pub(crate) fn record_count(s: &ClientSnapshot) -> usize {
    usize::from(s.company.is_some())
        + s.accounts.len()
        + s.terms.len()
        + s.vendors.len()
        + s.customers.len()
        + s.bills.len()
        + s.invoices.len()
        + s.payments.len()
        + s.bill_payments.len()
        + s.purchases.len()
        + s.deposits.len()
}

struct Inner {
    entries: LruCache<CacheKey, Arc<CachedRecords>>,
    held: usize,
}

/// A least-recently-used map of decoded records, bounded by record count.
pub(crate) struct SnapshotCache {
    max_records: usize,
    inner: Mutex<Inner>,
}

impl SnapshotCache {
    pub(crate) fn new(config: SnapshotCacheConfig) -> Self {
        SnapshotCache {
            max_records: config.max_records,
            inner: Mutex::new(Inner {
                entries: LruCache::unbounded(),
                held: 0,
            }),
        }
    }

    /// The entry for `key` if it was read at `generation`; an entry of
    /// another generation is dropped (it can never match again).
    pub(crate) fn get(&self, key: &CacheKey, generation: i64) -> Option<Arc<CachedRecords>> {
        if self.max_records == 0 {
            return None;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match inner.entries.get(key) {
            Some(entry) if entry.generation == generation => Some(Arc::clone(entry)),
            Some(_) => {
                if let Some(stale) = inner.entries.pop(key) {
                    inner.held -= record_count(&stale.records);
                }
                None
            }
            None => None,
        }
    }

    /// Keeps `entry` for `key` unless a newer generation is already held,
    /// then drops least recently used entries until the budget holds.
    pub(crate) fn put(&self, key: CacheKey, entry: Arc<CachedRecords>) {
        let size = record_count(&entry.records);
        if self.max_records == 0 || size > self.max_records {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner
            .entries
            .peek(&key)
            .is_some_and(|held| held.generation > entry.generation)
        {
            return;
        }
        if let Some(old) = inner.entries.put(key, entry) {
            inner.held -= record_count(&old.records);
        }
        inner.held += size;
        while inner.held > self.max_records {
            match inner.entries.pop_lru() {
                Some((_, old)) => inner.held -= record_count(&old.records),
                None => break,
            }
        }
    }

    /// Records held now.
    #[cfg(test)]
    fn held(&self) -> usize {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowcol_core::snapshot::SnapshotRequest;
    use rowcol_core::{ClientHealth, ClientSettings, Currency};
    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    fn snapshot(client: &str, bills: usize) -> ClientSnapshot {
        let id: ClientId = fixtures::id(client);
        let mut s = ClientSnapshot::empty(
            id.clone(),
            client.to_owned(),
            Currency::USD,
            SnapshotRequest::as_of(date("2026-07-15")),
            chrono::Utc::now(),
            ClientHealth::unknown(id),
            ClientSettings::default(),
        );
        for n in 0..bills {
            s.bills.push(fixtures::bill(client, &n.to_string(), dec!(1)));
        }
        s
    }

    fn key(client: &str) -> CacheKey {
        (fixtures::id(client), date("2026-01-15"))
    }

    fn entry(client: &str, generation: i64, bills: usize) -> Arc<CachedRecords> {
        Arc::new(CachedRecords {
            generation,
            records: snapshot(client, bills),
        })
    }

    #[test]
    fn an_entry_serves_only_its_generation_client_and_window() {
        let cache = SnapshotCache::new(SnapshotCacheConfig { max_records: 100 });
        cache.put(key("a"), entry("a", 7, 3));
        let hit = cache.get(&key("a"), 7).map(|e| e.records.bills.len());
        assert_eq!(hit, Some(3));
        assert!(cache.get(&key("b"), 7).is_none(), "another client");
        assert!(
            cache.get(&(fixtures::id("a"), date("2026-02-15")), 7).is_none(),
            "another window"
        );
        assert!(cache.get(&key("a"), 8).is_none(), "another generation");
        assert!(cache.get(&key("a"), 7).is_none(), "a mismatch drops the entry");
        assert_eq!(cache.held(), 0);
    }

    #[test]
    fn an_older_read_does_not_replace_a_newer_one() {
        let cache = SnapshotCache::new(SnapshotCacheConfig { max_records: 100 });
        cache.put(key("a"), entry("a", 9, 2));
        cache.put(key("a"), entry("a", 8, 5));
        assert_eq!(cache.get(&key("a"), 9).map(|e| e.records.bills.len()), Some(2));
        assert_eq!(cache.held(), 2);
    }

    #[test]
    fn the_record_budget_evicts_the_least_recently_used() {
        let cache = SnapshotCache::new(SnapshotCacheConfig { max_records: 10 });
        cache.put(key("a"), entry("a", 1, 4));
        cache.put(key("b"), entry("b", 1, 4));
        assert!(cache.get(&key("a"), 1).is_some()); // a is now the most recent
        cache.put(key("c"), entry("c", 1, 4)); // 12 > 10: b goes
        assert!(cache.get(&key("b"), 1).is_none());
        assert!(cache.get(&key("a"), 1).is_some());
        assert!(cache.get(&key("c"), 1).is_some());
        assert_eq!(cache.held(), 8);
        cache.put(key("d"), entry("d", 1, 11)); // larger than the budget: not kept
        assert!(cache.get(&key("d"), 1).is_none());
        assert_eq!(cache.held(), 8);
    }

    #[test]
    fn a_zero_budget_turns_the_cache_off() {
        let cache = SnapshotCache::new(SnapshotCacheConfig { max_records: 0 });
        cache.put(key("a"), entry("a", 1, 0));
        assert!(cache.get(&key("a"), 1).is_none());
    }
}

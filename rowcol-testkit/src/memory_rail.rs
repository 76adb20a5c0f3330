//! `MemoryRail`: a `LedgerRail` over an in-memory source of truth that tests
//! change at will (put, delete, fail the next call), honouring the port's
//! Behaviour rules: stable paging, tombstones for deletes, a change window
//! that refuses old cursors, and a per-answer cap that costs extra calls.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};

use rowcol_core::entity::{AccountType, Entity, EntityKind};
use rowcol_core::ports::{ChangeSet, KindCounts, LiveBalance, Page, PageRequest};
use rowcol_core::sync::{ChangeCursor, PageCursor, SourceRecord, Tombstone};
use rowcol_core::{
    Clock, Connection, ErrorContext, ExternalId, LedgerRail, Rail, RailErrorKind, RailFailure, RealmId, Result,
    RowcolError, VersionToken,
};

/// One record as the source holds it.
#[derive(Debug, Clone)]
struct Stored {
    record: SourceRecord,
    changed_at: DateTime<FixedOffset>,
    deleted: bool,
}

#[derive(Debug, Default)]
struct State {
    realms: BTreeMap<RealmId, BTreeMap<(EntityKind, ExternalId), Stored>>,
    calls: u64,
    answered: u64,
    failures: BTreeMap<u64, RailErrorKind>,
}

/// An in-memory rail (tests and examples only).
pub struct MemoryRail {
    state: Mutex<State>,
    clock: Arc<dyn Clock>,
    page_size: usize,
    change_cap: usize,
    window: chrono::Duration,
}

impl MemoryRail {
    /// An empty rail reading time from `clock`: pages of 1000, 1000 changes
    /// an answer, a 30-day change window (QBO's numbers).
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        MemoryRail {
            state: Mutex::new(State::default()),
            clock,
            page_size: 1000,
            change_cap: 1000,
            window: chrono::Duration::days(30),
        }
    }

    /// Uses pages of `n` records (at least one).
    pub fn with_page_size(mut self, n: usize) -> Self {
        self.page_size = n.max(1);
        self
    }

    /// Caps one change answer at `n` records: more cost one call per `n`.
    pub fn with_change_cap(mut self, n: usize) -> Self {
        self.change_cap = n.max(1);
        self
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock has already failed.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now().fixed_offset()
    }

    /// Creates or replaces a record in `realm`, changed now.
    pub fn put(&self, realm: &RealmId, record: SourceRecord) {
        let key = (record.entity.kind(), record.entity.meta().external_id.clone());
        let changed_at = self.now();
        self.lock().realms.entry(realm.clone()).or_default().insert(
            key,
            Stored {
                record,
                changed_at,
                deleted: false,
            },
        );
    }

    /// Deletes a record from `realm` now (kept as a tombstone for the window).
    pub fn delete(&self, realm: &RealmId, kind: EntityKind, id: &ExternalId) {
        let changed_at = self.now();
        if let Some(stored) = self
            .lock()
            .realms
            .get_mut(realm)
            .and_then(|records| records.get_mut(&(kind, id.clone())))
        {
            stored.deleted = true;
            stored.changed_at = changed_at;
        }
    }

    /// Creates or replaces a record in `realm` without the change reaching
    /// any change feed: the lost webhook or CDC answer that reconciliation
    /// exists to catch.
    pub fn put_unannounced(&self, realm: &RealmId, record: SourceRecord) {
        let key = (record.entity.kind(), record.entity.meta().external_id.clone());
        self.lock().realms.entry(realm.clone()).or_default().insert(
            key,
            Stored {
                record,
                changed_at: DateTime::<FixedOffset>::MIN_UTC.fixed_offset(),
                deleted: false,
            },
        );
    }

    /// Removes a record from `realm` leaving no tombstone for the change
    /// feed (a deletion the mirror can only find by comparing).
    pub fn purge(&self, realm: &RealmId, kind: EntityKind, id: &ExternalId) {
        if let Some(records) = self.lock().realms.get_mut(realm) {
            records.remove(&(kind, id.clone()));
        }
    }

    /// The live records of `realm`: kind, id and version, sorted.
    pub fn live(&self, realm: &RealmId) -> Vec<(EntityKind, ExternalId, VersionToken)> {
        self.lock()
            .realms
            .get(realm)
            .map(|records| {
                records
                    .iter()
                    .filter(|(_, s)| !s.deleted)
                    .map(|((kind, id), s)| (*kind, id.clone(), s.record.entity.meta().version.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The live record of `realm` with this kind and id.
    pub fn get(&self, realm: &RealmId, kind: EntityKind, id: &ExternalId) -> Option<SourceRecord> {
        self.lock()
            .realms
            .get(realm)
            .and_then(|records| records.get(&(kind, id.clone())))
            .filter(|s| !s.deleted)
            .map(|s| s.record.clone())
    }

    /// API calls answered or failed so far.
    pub fn calls(&self) -> u64 {
        self.lock().calls
    }

    /// Makes the next call fail with `kind`.
    pub fn fail_next(&self, kind: RailErrorKind) {
        self.fail_next_after(0, kind);
    }

    /// Lets `skip` calls pass, then fails the one after with `kind`.
    pub fn fail_next_after(&self, skip: u64, kind: RailErrorKind) {
        let mut state = self.lock();
        let at = state.answered + skip + 1;
        state.failures.insert(at, kind);
    }

    /// Counts a call and fails it when a failure is queued.
    fn call(&self, connection: &Connection, calls: u64) -> Result<MutexGuard<'_, State>> {
        let mut state = self.lock();
        state.calls += calls;
        state.answered += 1;
        let at = state.answered;
        match state.failures.remove(&at) {
            None => Ok(state),
            Some(kind) => Err(RowcolError::rail(
                kind,
                ErrorContext::client(&connection.client).with_realm(Rail::Qbo, &connection.realm),
                RailFailure {
                    message: "injected by MemoryRail".into(),
                    api_calls: u32::try_from(calls).unwrap_or(u32::MAX),
                    ..RailFailure::default()
                },
            )),
        }
    }
}

#[async_trait]
impl LedgerRail for MemoryRail {
    fn rail(&self) -> Rail {
        Rail::Qbo
    }

    async fn list_pages(&self, connection: &Connection, requests: &[PageRequest]) -> Result<Vec<Page>> {
        let server_time = self.now();
        let state = self.call(connection, 1)?;
        let empty = BTreeMap::new();
        let records = state.realms.get(&connection.realm).unwrap_or(&empty);
        let mut pages = Vec::new();
        for request in requests {
            let start: usize = request.cursor.as_ref().and_then(|c| c.0.parse().ok()).unwrap_or(0);
            let live: Vec<&Stored> = records
                .iter()
                .filter(|((kind, _), s)| *kind == request.kind && !s.deleted)
                .map(|(_, s)| s)
                .collect();
            let end = (start + self.page_size).min(live.len());
            pages.push(Page {
                kind: request.kind,
                records: live
                    .get(start..end)
                    .unwrap_or(&[])
                    .iter()
                    .map(|s| s.record.clone())
                    .collect(),
                rejects: Vec::new(),
                next: (end < live.len()).then(|| PageCursor(end.to_string())),
                resume: None,
                server_time,
            });
        }
        Ok(pages)
    }

    async fn changes_since(
        &self,
        connection: &Connection,
        cursor: &ChangeCursor,
        kinds: &[EntityKind],
    ) -> Result<ChangeSet> {
        let now = self.now();
        let context = ErrorContext::client(&connection.client).with_realm(Rail::Qbo, &connection.realm);
        let since = match cursor.time() {
            Some(since) if since >= now - self.window => since,
            _ => {
                return Err(RowcolError::rail(
                    RailErrorKind::CursorTooOld,
                    context,
                    RailFailure {
                        message: format!("changes since {cursor} are past the change window or unreadable"),
                        ..RailFailure::default()
                    },
                ));
            }
        };
        let snapshot: Vec<((EntityKind, ExternalId), Stored)> = {
            let state = self.lock();
            let empty = BTreeMap::new();
            state
                .realms
                .get(&connection.realm)
                .unwrap_or(&empty)
                .iter()
                .filter(|((kind, _), s)| kinds.contains(kind) && s.changed_at >= since)
                .map(|(k, s)| (k.clone(), s.clone()))
                .collect()
        };
        let calls = snapshot.len().div_ceil(self.change_cap).max(1) as u64;
        drop(self.call(connection, calls)?);
        let mut set = ChangeSet {
            records: Vec::new(),
            tombstones: Vec::new(),
            rejects: Vec::new(),
            next: ChangeCursor::from_time(now),
            server_time: now,
            api_calls: u32::try_from(calls).unwrap_or(u32::MAX),
        };
        for ((kind, id), stored) in snapshot {
            if stored.deleted {
                set.tombstones.push(Tombstone {
                    kind,
                    external_id: id,
                    deleted_at: stored.changed_at,
                    merged_into: None,
                });
            } else {
                set.records.push(stored.record);
            }
        }
        Ok(set)
    }

    async fn count_live(&self, connection: &Connection, kinds: &[EntityKind]) -> Result<KindCounts> {
        let state = self.call(connection, 1)?;
        let mut counts: BTreeMap<EntityKind, u64> = kinds.iter().map(|kind| (*kind, 0)).collect();
        for (kind, _) in state
            .realms
            .get(&connection.realm)
            .into_iter()
            .flat_map(|records| records.iter())
            .filter(|(_, s)| !s.deleted)
            .map(|(key, _)| key)
        {
            if let Some(n) = counts.get_mut(kind) {
                *n += 1;
            }
        }
        Ok(KindCounts { counts, api_calls: 1 })
    }

    async fn fetch_one(
        &self,
        connection: &Connection,
        kind: EntityKind,
        id: &ExternalId,
    ) -> Result<Option<SourceRecord>> {
        drop(self.call(connection, 1)?);
        Ok(self.get(&connection.realm, kind, id))
    }

    async fn live_balances(&self, connection: &Connection) -> Result<Vec<LiveBalance>> {
        drop(self.call(connection, 1)?);
        let as_of = self.clock.now();
        Ok(self
            .lock()
            .realms
            .get(&connection.realm)
            .into_iter()
            .flat_map(|records| records.values())
            .filter(|s| !s.deleted)
            .filter_map(|s| match &s.record.entity {
                Entity::Account(a) if matches!(a.account_type, AccountType::Bank | AccountType::CreditCard) => {
                    Some(LiveBalance {
                        account: a.meta.external_id.clone(),
                        name: a.name.clone(),
                        account_type: a.account_type,
                        balance: a.current_balance,
                        as_of,
                    })
                }
                _ => None,
            })
            .collect())
    }
}

//! The `LedgerRail` contract: the port's Behaviour rules, checked through
//! the port alone, so every rail runs the same suite: QBO against its
//! look-alike (`rowcol-qbo/tests/contract.rs`), [`MemoryRail`](crate::MemoryRail)
//! (`rowcol-testkit/tests/rail_contract.rs`) and the JSON example rail
//! (`examples/tests/json_rail_contract.rs`).
//!
//! A rail's test gives the suite a [`ContractSource`]: the rail, a
//! connection, and a way to change that connection's books at the source
//! ([`EditedBooks`] is one for books a test edits directly).
//! [`run_all`] runs every check in order on one source; each check leaves
//! the books as it found them apart from the records it made.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failed check is a failed test

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use rowcol_core::ports::PageRequest;
use rowcol_core::{
    ChangeCursor, Clock, Connection, Entity, EntityKind, ExternalId, LedgerRail, ManualClock, RailErrorKind, RealmId,
    VersionToken,
};
use rust_decimal::Decimal;

/// What a rail's test gives the contract suite.
#[async_trait]
pub trait ContractSource: Send + Sync {
    /// The rail under test.
    fn rail(&self) -> Arc<dyn LedgerRail>;

    /// A connection whose books hold at least one record of
    /// [`ContractSource::kind`] and which [`ContractSource::create`] and the
    /// others change.
    fn connection(&self) -> Connection;

    /// The kind the suite creates, changes and deletes records of: one the
    /// rail can delete (for QBO a transaction kind; name lists are made
    /// inactive, not deleted).
    fn kind(&self) -> EntityKind;

    /// Every kind the rail mirrors for this connection (what a full sync lists).
    fn kinds(&self) -> Vec<EntityKind>;

    /// How long a rail whose change feed is read by time keeps changes;
    /// `None` when it keeps them forever or its cursors are not times.
    fn change_window(&self) -> Option<chrono::Duration>;

    /// The source's clock now: where a change feed read may start.
    fn now(&self) -> DateTime<FixedOffset>;

    /// Lets the source's clock move on by `by` (a look-alike's own clock; a
    /// source on the system clock waits).
    async fn advance(&self, by: chrono::Duration);

    /// Creates a record of the kind, returning its id.
    async fn create(&self) -> ExternalId;

    /// Changes the record (a new version).
    async fn change(&self, id: &ExternalId);

    /// Deletes the record.
    async fn delete(&self, id: &ExternalId);
}

/// Runs every check of the contract on `source`, in order.
pub async fn run_all(source: &dyn ContractSource) {
    paging_lists_every_record_once_and_answers_in_request_order(source).await;
    counts_equal_what_a_full_listing_returns(source).await;
    changes_carry_creations_changes_and_deletions_as_tombstones(source).await;
    the_next_cursor_never_passes_a_change(source).await;
    fetch_one_reads_live_records_and_none_once_deleted(source).await;
    a_cursor_the_rail_cannot_read_is_cursor_too_old(source).await;
}

/// Pages through every kind: one page per request, in request order; no
/// record listed twice; an exhausted kind ends with `next: None`.
pub async fn paging_lists_every_record_once_and_answers_in_request_order(source: &dyn ContractSource) {
    let (rail, connection) = (source.rail(), source.connection());
    let mut kinds = source.kinds();
    kinds.reverse(); // an order the rail did not choose
    let mut pending: Vec<PageRequest> = kinds
        .iter()
        .map(|kind| PageRequest {
            kind: *kind,
            cursor: None,
        })
        .collect();
    let mut seen: BTreeSet<(EntityKind, ExternalId)> = BTreeSet::new();
    while !pending.is_empty() {
        let pages = rail.list_pages(&connection, &pending).await.unwrap();
        assert_eq!(
            pages.iter().map(|p| p.kind).collect::<Vec<_>>(),
            pending.iter().map(|r| r.kind).collect::<Vec<_>>(),
            "one page per request, in request order"
        );
        let mut next = Vec::new();
        for page in pages {
            for record in &page.records {
                assert_eq!(record.entity.kind(), page.kind, "a page holds its own kind");
                let key = (page.kind, record.entity.meta().external_id.clone());
                assert!(seen.insert(key.clone()), "{key:?} listed twice");
            }
            if let Some(cursor) = page.next {
                next.push(PageRequest {
                    kind: page.kind,
                    cursor: Some(cursor),
                });
            }
        }
        pending = next;
    }
    assert!(
        seen.iter().any(|(kind, _)| *kind == source.kind()),
        "the books hold records of {}",
        source.kind()
    );
}

/// `count_live` counts what a full listing returns, kind by kind.
pub async fn counts_equal_what_a_full_listing_returns(source: &dyn ContractSource) {
    let (rail, connection) = (source.rail(), source.connection());
    let kinds = source.kinds();
    let counts = rail.count_live(&connection, &kinds).await.unwrap();
    for kind in kinds {
        let listed = list_ids(source, kind).await.len() as u64;
        assert_eq!(
            counts.counts.get(&kind).copied().unwrap_or(0),
            listed,
            "{kind}: counted as listed"
        );
    }
}

/// After a record is created, another changed and a third deleted, the
/// change feed from a cursor taken before holds the first two at their new
/// versions and a tombstone for the third.
pub async fn changes_carry_creations_changes_and_deletions_as_tombstones(source: &dyn ContractSource) {
    let (rail, connection, kind) = (source.rail(), source.connection(), source.kind());
    let changed = source.create().await;
    let deleted = source.create().await;
    let since = cursor_after_listing(source).await;
    source.advance(chrono::Duration::seconds(2)).await;
    let created = source.create().await;
    source.change(&changed).await;
    source.delete(&deleted).await;
    source.advance(chrono::Duration::seconds(2)).await;
    let set = rail.changes_since(&connection, &since, &[kind]).await.unwrap();
    let ids: BTreeSet<ExternalId> = set
        .records
        .iter()
        .map(|r| r.entity.meta().external_id.clone())
        .collect();
    assert!(ids.contains(&created), "a creation is a change");
    assert!(ids.contains(&changed), "a change is a change");
    assert!(!ids.contains(&deleted), "a deleted record is not answered as live");
    assert!(
        set.tombstones
            .iter()
            .any(|t| t.kind == kind && t.external_id == deleted),
        "a deletion is a tombstone"
    );
    let fetched = rail.fetch_one(&connection, kind, &changed).await.unwrap().unwrap();
    let answered = set
        .records
        .iter()
        .rev()
        .find(|r| r.entity.meta().external_id == changed)
        .unwrap();
    assert_eq!(
        answered.entity.meta().version,
        fetched.entity.meta().version,
        "the change feed answers the latest version last"
    );
}

/// A change made after an answer is in the next answer, read from the
/// cursor the first one gave.
pub async fn the_next_cursor_never_passes_a_change(source: &dyn ContractSource) {
    let (rail, connection, kind) = (source.rail(), source.connection(), source.kind());
    let since = cursor_after_listing(source).await;
    let first = rail.changes_since(&connection, &since, &[kind]).await.unwrap();
    let later = source.create().await;
    source.advance(chrono::Duration::seconds(2)).await;
    let second = rail.changes_since(&connection, &first.next, &[kind]).await.unwrap();
    assert!(
        second.records.iter().any(|r| r.entity.meta().external_id == later),
        "a change after the first answer is read from its cursor"
    );
}

/// `fetch_one` reads a live record, and answers `None` once it is deleted.
pub async fn fetch_one_reads_live_records_and_none_once_deleted(source: &dyn ContractSource) {
    let (rail, connection, kind) = (source.rail(), source.connection(), source.kind());
    let id = source.create().await;
    let read = rail.fetch_one(&connection, kind, &id).await.unwrap();
    assert_eq!(read.map(|r| r.entity.meta().external_id.clone()), Some(id.clone()));
    source.delete(&id).await;
    assert!(
        rail.fetch_one(&connection, kind, &id).await.unwrap().is_none(),
        "a deleted record reads as none"
    );
}

/// A cursor the rail did not write, and for a rail that keeps changes for
/// a while a time before that window, is `CursorTooOld`: the engine then
/// syncs in full.
pub async fn a_cursor_the_rail_cannot_read_is_cursor_too_old(source: &dyn ContractSource) {
    let (rail, connection, kind) = (source.rail(), source.connection(), source.kind());
    let garbled = ChangeCursor::new("not a cursor this rail wrote");
    let error = rail.changes_since(&connection, &garbled, &[kind]).await.unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::CursorTooOld), "{error}");
    if let Some(window) = source.change_window() {
        let old = rail.cursor_at(source.now() - window - chrono::Duration::days(1));
        let error = rail.changes_since(&connection, &old, &[kind]).await.unwrap_err();
        assert_eq!(error.rail_kind(), Some(&RailErrorKind::CursorTooOld), "{error}");
    }
}

/// The change cursor a full listing of the source's kind ends with, taken
/// as the engine takes it: the last page's `resume`, or the rail's cursor
/// at the first page's time.
async fn cursor_after_listing(source: &dyn ContractSource) -> ChangeCursor {
    let (rail, connection) = (source.rail(), source.connection());
    let (mut cursor, mut first_time) = (None, None);
    loop {
        let mut pages = rail
            .list_pages(
                &connection,
                &[PageRequest {
                    kind: source.kind(),
                    cursor,
                }],
            )
            .await
            .unwrap();
        let page = pages.remove(0);
        first_time.get_or_insert(page.server_time);
        match page.next {
            Some(next) => cursor = Some(next),
            None => {
                return page
                    .resume
                    .unwrap_or_else(|| rail.cursor_at(first_time.unwrap_or(page.server_time)));
            }
        }
    }
}

async fn list_ids(source: &dyn ContractSource, kind: EntityKind) -> BTreeSet<ExternalId> {
    let (rail, connection) = (source.rail(), source.connection());
    let mut ids = BTreeSet::new();
    let mut cursor = None;
    loop {
        let mut pages = rail
            .list_pages(&connection, &[PageRequest { kind, cursor }])
            .await
            .unwrap();
        let page = pages.remove(0);
        ids.extend(
            page.records
                .iter()
                .map(|r| r.entity.meta().external_id.clone())
                .chain(page.rejects.iter().filter_map(|r| r.external_id.clone())),
        );
        match page.next {
            Some(next) => cursor = Some(next),
            None => return ids,
        }
    }
}

/// A rail's books that a test edits directly (an in-memory source, files):
/// what [`EditedBooks`] needs to be a [`ContractSource`].
pub trait BookEditor: Send + Sync {
    /// Creates or replaces a record, changed now.
    fn put(&self, realm: &RealmId, entity: Entity);
    /// Deletes a record now.
    fn delete(&self, realm: &RealmId, kind: EntityKind, id: &ExternalId);
}

/// A [`ContractSource`] over books a test edits directly, on a clock the
/// test moves: `bills` bills and a vendor to start with, bills created,
/// changed and deleted by the suite.
pub struct EditedBooks<E> {
    editor: Arc<E>,
    rail: Arc<dyn LedgerRail>,
    clock: Arc<ManualClock>,
    connection: Connection,
    change_window: Option<chrono::Duration>,
    next_id: AtomicU64,
}

impl<E: BookEditor + 'static> EditedBooks<E> {
    /// Books of `bills` bills and a vendor for `connection`, edited through
    /// `editor` and read through `rail`, whose clock is `clock`.
    pub fn new(
        editor: Arc<E>,
        rail: Arc<dyn LedgerRail>,
        clock: Arc<ManualClock>,
        connection: Connection,
        change_window: Option<chrono::Duration>,
        bills: u64,
    ) -> Self {
        let books = EditedBooks {
            editor,
            rail,
            clock,
            connection,
            change_window,
            next_id: AtomicU64::new(bills + 1),
        };
        for id in 1..=bills {
            books.put_bill(&id.to_string(), "0");
        }
        let client = books.connection.client.as_str().to_owned();
        books.editor.put(
            &books.connection.realm,
            Entity::Vendor(crate::fixtures::vendor(&client, "56", "Acme Supplies")),
        );
        books
    }

    fn put_bill(&self, id: &str, version: &str) {
        let mut bill = crate::fixtures::bill(self.connection.client.as_str(), id, Decimal::TEN);
        bill.meta.version = VersionToken::new(version);
        self.editor.put(&self.connection.realm, Entity::Bill(bill));
    }
}

#[async_trait]
impl<E: BookEditor + 'static> ContractSource for EditedBooks<E> {
    fn rail(&self) -> Arc<dyn LedgerRail> {
        self.rail.clone()
    }

    fn connection(&self) -> Connection {
        self.connection.clone()
    }

    fn kind(&self) -> EntityKind {
        EntityKind::Bill
    }

    fn kinds(&self) -> Vec<EntityKind> {
        vec![EntityKind::Bill, EntityKind::Vendor, EntityKind::Invoice]
    }

    fn change_window(&self) -> Option<chrono::Duration> {
        self.change_window
    }

    fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now().fixed_offset()
    }

    async fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    async fn create(&self) -> ExternalId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).to_string();
        self.put_bill(&id, "0");
        crate::fixtures::id(&id)
    }

    async fn change(&self, id: &ExternalId) {
        self.put_bill(id.as_str(), "1");
    }

    async fn delete(&self, id: &ExternalId) {
        self.editor.delete(&self.connection.realm, EntityKind::Bill, id);
    }
}

//! The `LedgerRail` port: reading a client's books from a rail: pages of a
//! full listing, changes since the rail's own opaque cursor, counts, one
//! record by id, live balances.
//!
//! Proven by `rowcol_testkit::rail_contract`, which every rail runs: QBO
//! against its look-alike (`rowcol-qbo/tests/contract.rs`), Plaid against
//! its look-alike (`rowcol-plaid/tests/contract.rs`), `MemoryRail`
//! (`rowcol-testkit/tests/rail_contract.rs`) and the JSON example rail
//! (`examples/tests/json_rail_contract.rs`).

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::entity::{AccountType, EntityKind};
use crate::sync::{ChangeCursor, PageCursor, Rejected, SourceRecord, Tombstone};
use crate::{Connection, ExternalId, Money, Rail, Result};

/// One page to read: a kind and where to start.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// The kind to list.
    pub kind: EntityKind,
    /// Where to start (`None`: the first page).
    pub cursor: Option<PageCursor>,
}

/// One page of a full listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The kind listed.
    pub kind: EntityKind,
    /// Records mapped, in the rail's stable order.
    pub records: Vec<SourceRecord>,
    /// Records that could not be mapped.
    pub rejects: Vec<Rejected>,
    /// Where the next page starts; `None` when this was the last.
    pub next: Option<PageCursor>,
    /// On a kind's last page, for a rail whose change feed continues from
    /// where a listing ended (Plaid's `next_cursor`): the change cursor the
    /// engine stores once the full sync completes. `None` for a rail whose
    /// change feed is read by time ([`LedgerRail::cursor_at`]).
    pub resume: Option<ChangeCursor>,
    /// The rail's clock when it answered.
    pub server_time: DateTime<FixedOffset>,
}

/// Everything that changed since a cursor, across kinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSet {
    /// Records created or changed.
    pub records: Vec<SourceRecord>,
    /// Records deleted or merged away.
    pub tombstones: Vec<Tombstone>,
    /// Records that could not be mapped.
    pub rejects: Vec<Rejected>,
    /// The cursor to ask from next time, never past anything not seen
    /// (QBO: the rail's clock less a small overlap; Plaid: `next_cursor`).
    pub next: ChangeCursor,
    /// The rail's clock when it answered (the day balance points are dated).
    pub server_time: DateTime<FixedOffset>,
    /// Calls made to the rail's API to build this set.
    pub api_calls: u32,
}

/// How many live records each kind holds at the source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCounts {
    /// Live (not deleted) records per kind asked for, inactive name-list
    /// records included.
    pub counts: BTreeMap<EntityKind, u64>,
    /// Calls made to the rail's API to count them.
    pub api_calls: u32,
}

/// A bank or card balance read live from the rail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveBalance {
    /// The account.
    pub account: ExternalId,
    /// Its name.
    pub name: String,
    /// Bank or credit card.
    pub account_type: AccountType,
    /// The balance.
    pub balance: Money,
    /// When the rail reported it.
    pub as_of: DateTime<Utc>,
}

/// A source of ledger records (QBO now; Ramp, Plaid, Stripe later).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LedgerRail: Send + Sync {
    /// Which rail this is.
    fn rail(&self) -> Rail;

    /// Reads one page for each request, in as few API calls as the rail allows.
    ///
    /// Behaviour:
    /// - MUST answer one `Page` per request, in request order.
    /// - MUST list inactive name-list records too (they are kept, not deleted).
    /// - MUST order each kind by a stable key so paging neither skips nor
    ///   repeats records; an empty kind is an empty page with `next: None`.
    /// - MUST put records it cannot map into `rejects` with the raw payload
    ///   and reason, and still return the rest.
    /// - Errors: throttling, 5xx and timeouts are retryable after the rail's
    ///   own retries are spent; `NeedsReauth` is final.
    async fn list_pages(&self, connection: &Connection, requests: &[PageRequest]) -> Result<Vec<Page>>;

    /// The change cursor that reads every change made after a full listing
    /// which began at `listed_from` (the rail's clock on its first page):
    /// what the engine stores when a full sync completes and no page gave a
    /// [`Page::resume`]. The default is the time itself, for rails whose
    /// change feed is read by time.
    fn cursor_at(&self, listed_from: DateTime<FixedOffset>) -> ChangeCursor {
        ChangeCursor::from_time(listed_from)
    }

    /// Reads every change of the given kinds since `since`, a cursor this
    /// rail made (by [`LedgerRail::cursor_at`], [`Page::resume`] or an
    /// earlier [`ChangeSet::next`]); the engine stores it as it is.
    ///
    /// Behaviour:
    /// - MUST include deletions as tombstones (and merges with the survivor).
    /// - MUST NOT return a `next` past a change it did not return (a rail
    ///   with a per-answer cap splits the window until nothing is cut; a
    ///   paged feed restarts from its first cursor when a page fails).
    /// - MUST fail with `RailErrorKind::CursorTooOld` when `since` is older
    ///   than the rail keeps changes for, or is not a cursor it can read
    ///   (another Item's, garbled): the engine then re-syncs in full and
    ///   stores the cursor that listing ends with.
    async fn changes_since(
        &self,
        connection: &Connection,
        since: &ChangeCursor,
        kinds: &[EntityKind],
    ) -> Result<ChangeSet>;

    /// Counts the live records of each kind: what reconciliation compares
    /// with the mirror before it reads any id.
    ///
    /// Behaviour:
    /// - MUST count what a full listing of the kind would return (inactive
    ///   name-list records included, deleted records not).
    /// - SHOULD cost far fewer calls than listing: the default pages through
    ///   [`LedgerRail::list_pages`]; QBO answers every kind's
    ///   `SELECT COUNT(*)` in one batch call.
    async fn count_live(&self, connection: &Connection, kinds: &[EntityKind]) -> Result<KindCounts> {
        let mut counts = KindCounts::default();
        let mut pending: Vec<PageRequest> = kinds
            .iter()
            .map(|kind| PageRequest {
                kind: *kind,
                cursor: None,
            })
            .collect();
        while !pending.is_empty() {
            let pages = self.list_pages(connection, &pending).await?;
            counts.api_calls += 1;
            pending.clear();
            for page in pages {
                let listed = page.records.len() + page.rejects.len();
                *counts.counts.entry(page.kind).or_default() += u64::try_from(listed).unwrap_or(u64::MAX);
                if let Some(cursor) = page.next {
                    pending.push(PageRequest {
                        kind: page.kind,
                        cursor: Some(cursor),
                    });
                }
            }
        }
        Ok(counts)
    }

    /// Reads one record by id.
    ///
    /// Behaviour:
    /// - MUST return `Ok(None)` when the record does not exist or was deleted.
    async fn fetch_one(
        &self,
        connection: &Connection,
        kind: EntityKind,
        id: &ExternalId,
    ) -> Result<Option<SourceRecord>>;

    /// Reads current bank and credit-card balances live: the live path
    /// (`SyncEngine::balances` in `rowcol-sync`, behind `rowcol balances
    /// --live` and Python's `Mirror.balances(live=True)`).
    ///
    /// Behaviour:
    /// - SHOULD answer within a short timeout; the caller falls back to the
    ///   mirror with its "as of" when this fails.
    async fn live_balances(&self, connection: &Connection) -> Result<Vec<LiveBalance>>;
}

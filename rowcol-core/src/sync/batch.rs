//! A sync batch (one page or one CDC answer) and the checkpoint it advances.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::RunId;
use crate::{ClientId, Entity, EntityKind, ExternalId, Money, Rail};

/// A mapped record together with the exact payload the rail sent, kept in the
/// mirror for full fidelity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// The rail-neutral record.
    pub entity: Entity,
    /// The rail's payload for it, as received (JSON text for QBO).
    pub raw: String,
}

/// A deletion seen at the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// Kind of the deleted record.
    pub kind: EntityKind,
    /// Its id.
    pub external_id: ExternalId,
    /// When the source deleted it, with the source's offset.
    pub deleted_at: DateTime<FixedOffset>,
    /// For a merge, the record that survived it, so references can be followed.
    pub merged_into: Option<ExternalId>,
}

/// What the mirror holds for one record's key, live or tombstoned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordState {
    /// Kind.
    pub kind: EntityKind,
    /// Id.
    pub external_id: ExternalId,
    /// The held version token (empty for a tombstone of a record never seen).
    pub version: crate::VersionToken,
    /// The source's time of the held state (its last update, or its deletion).
    pub updated_at: DateTime<Utc>,
    /// True when the held state is a deletion.
    pub deleted: bool,
}

/// A record the rail sent that could not be mapped: it becomes a dead letter
/// and the rest of its batch still lands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The kind it claimed to be.
    pub kind: EntityKind,
    /// Its id, when one could be read.
    pub external_id: Option<ExternalId>,
    /// The payload as received.
    pub raw: String,
    /// Why mapping failed (names the field; never a secret).
    pub reason: String,
}

/// A dead letter as stored: a rejected record plus when and how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// Store-assigned id, for replay.
    pub id: i64,
    /// The client.
    pub client: ClientId,
    /// The rail.
    pub rail: Rail,
    /// What was rejected and why.
    pub rejected: Rejected,
    /// First time this record was rejected.
    pub first_seen: DateTime<Utc>,
    /// Latest time.
    pub last_seen: DateTime<Utc>,
    /// How many times it was rejected.
    pub attempts: u32,
}

/// One account's balance on one day (RowCol-owned history).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalancePoint {
    /// The account.
    pub account: ExternalId,
    /// The day (one point per account per day; a later point that day replaces it).
    pub on: NaiveDate,
    /// The balance.
    pub balance: Money,
}

/// An opaque position in a rail's paged listing (QBO: the next start position).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PageCursor(pub String);

/// Where a rail's change feed resumes, as the rail wrote it: opaque to the
/// engine and the mirror, which store it as it is (QBO: a time, read back
/// with an overlap; Plaid: `next_cursor`; Stripe: an event id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChangeCursor(String);

impl ChangeCursor {
    /// A cursor the rail wrote.
    pub fn new(text: impl Into<String>) -> Self {
        ChangeCursor(text.into())
    }

    /// The cursor of a rail whose change feed is read by time: the time in
    /// RFC 3339, with its offset and every digit of its fraction.
    pub fn from_time(at: DateTime<FixedOffset>) -> Self {
        ChangeCursor(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false))
    }

    /// The time a time-based cursor holds; `None` when it is not one.
    pub fn time(&self) -> Option<DateTime<FixedOffset>> {
        DateTime::parse_from_rfc3339(&self.0).ok()
    }

    /// The cursor's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ChangeCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a client's sync stands on one rail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPosition {
    /// A full listing is under way.
    FullSync {
        /// Server time when the full sync began: the change cursor once it
        /// ends, unless a page gave `resume`.
        started_at: DateTime<FixedOffset>,
        /// Kinds still to list, each with the cursor of its next page
        /// (`None`: start from the first page).
        pending: BTreeMap<EntityKind, Option<PageCursor>>,
        /// The change cursor a finished kind's last page gave (a rail whose
        /// feed continues from its listing), kept until the sync completes.
        #[serde(default)]
        resume: Option<ChangeCursor>,
    },
    /// Incremental: changes since this cursor are still to be read.
    Incremental {
        /// The rail's change cursor, stored as the rail wrote it. Mirrors
        /// written before cursors were opaque stored a time as `since`; it
        /// reads as the same time-based cursor.
        #[serde(alias = "since")]
        cursor: ChangeCursor,
    },
}

/// The committed sync position of one client on one rail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The client.
    pub client: ClientId,
    /// The rail.
    pub rail: Rail,
    /// Where the sync stands.
    pub position: SyncPosition,
    /// When this position was committed.
    pub committed_at: DateTime<Utc>,
}

/// Everything one step of a sync writes, applied by the mirror as one
/// transaction: records, tombstones, dead letters, balance points and the
/// checkpoint land together or not at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncBatch {
    /// The client every item belongs to.
    pub client: ClientId,
    /// The rail they came from.
    pub rail: Rail,
    /// The run this batch belongs to, for counts and the audit log.
    pub run: Option<RunId>,
    /// Upserts.
    pub records: Vec<SourceRecord>,
    /// Deletions.
    pub tombstones: Vec<Tombstone>,
    /// Records that could not be mapped.
    pub rejects: Vec<Rejected>,
    /// Balance history points.
    pub balance_points: Vec<BalancePoint>,
    /// The position to commit with the batch; `None` leaves it unmoved.
    pub checkpoint: Option<SyncPosition>,
    /// True when every record and tombstone was read from the source by id
    /// just now (a repair): they state what the source holds, so each
    /// replaces whatever the mirror holds for its key, a tombstone or a
    /// state stamped later included. False for listings and change feeds,
    /// whose items may be older news than what the mirror holds.
    #[serde(default)]
    pub source_confirmed: bool,
}

impl SyncBatch {
    /// An empty batch for a client and rail.
    pub fn new(client: ClientId, rail: Rail) -> Self {
        SyncBatch {
            client,
            rail,
            run: None,
            records: Vec::new(),
            tombstones: Vec::new(),
            rejects: Vec::new(),
            balance_points: Vec::new(),
            checkpoint: None,
            source_confirmed: false,
        }
    }

    /// Number of items (records, tombstones, rejects) in the batch.
    pub fn len(&self) -> usize {
        self.records.len() + self.tombstones.len() + self.rejects.len()
    }

    /// True when the batch carries no items (it may still move the checkpoint).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What an `apply` did, counted per item.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyOutcome {
    /// Records new to the mirror.
    pub inserted: u32,
    /// Records that replaced an older version.
    pub updated: u32,
    /// Records identical to what the mirror held (no audit entry written).
    pub unchanged: u32,
    /// Records older than what the mirror held (ignored).
    pub stale: u32,
    /// Tombstones that deleted a live record.
    pub deleted: u32,
    /// Rejects stored as dead letters.
    pub dead_lettered: u32,
}

#[cfg(test)]
mod cursor_tests {
    use super::*;
    use crate::test_text::time;

    #[test]
    fn a_time_cursor_keeps_every_digit_and_reads_back() {
        let at = time("2026-02-28T16:00:00.123456-08:00");
        let cursor = ChangeCursor::from_time(at);
        assert_eq!(cursor.time(), Some(at));
        assert_eq!(cursor.time().map(|t| t.offset().local_minus_utc()), Some(-8 * 3600));
        assert_eq!(
            ChangeCursor::new("CAESJ0tqd2").time(),
            None,
            "an opaque cursor is no time"
        );
    }

    #[test]
    fn a_checkpoint_stored_with_a_time_reads_as_a_time_cursor() {
        let old = r#"{"incremental":{"since":"2026-03-01T12:00:00-08:00"}}"#;
        let position: SyncPosition = serde_json::from_str(old).unwrap();
        let SyncPosition::Incremental { cursor } = position else {
            panic!("{position:?}");
        };
        assert_eq!(cursor.time(), Some(time("2026-03-01T12:00:00-08:00")));
        let old_full = r#"{"full_sync":{"started_at":"2026-03-01T12:00:00Z","pending":{}}}"#;
        let position: SyncPosition = serde_json::from_str(old_full).unwrap();
        assert!(matches!(position, SyncPosition::FullSync { resume: None, .. }));
    }
}

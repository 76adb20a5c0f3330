//! Deciding what an `apply` writes, before any SQL runs: which records are
//! new, newer, unchanged or stale, which tombstones delete something, and
//! the audit entries that follow. Pure, so the rule is tested without a
//! database and shared by both backends.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rowcol_core::entity::{EntityKind, state_order};
use rowcol_core::sync::{ApplyOutcome, AuditAction, SourceRecord, SyncBatch, Tombstone};
use rowcol_core::{ErrorContext, ExternalId, RowcolError, VersionToken};

use crate::codec::{self, RecordColumns};

/// A record's identity within one client and rail.
pub(crate) type Key = (EntityKind, ExternalId);

/// What the mirror holds for a record, as far as ordering is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Held {
    pub version: VersionToken,
    pub updated_us: i64,
    pub deleted: bool,
}

/// A full row to upsert.
#[derive(Debug, Clone)]
pub(crate) struct RecordWrite<'a> {
    /// The record with its typed columns and doc.
    pub encoded: Encoded<'a>,
    pub updated_us: i64,
    /// The mirror holds no row for this key (not even a tombstone), so a
    /// plain insert serves: the client's row lock keeps other writers out
    /// until the batch commits.
    pub new: bool,
}

/// A tombstone to write (deleting a held row, or remembering a deletion of
/// a record never seen).
#[derive(Debug, Clone)]
pub(crate) struct TombstoneWrite<'a> {
    pub tombstone: &'a Tombstone,
    pub deleted_us: i64,
}

/// An audit entry before it is chained (seq and hashes come at write time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuditDraft {
    pub action: AuditAction,
    pub kind: EntityKind,
    pub external_id: ExternalId,
    pub version: VersionToken,
    pub source_updated_at: chrono::DateTime<chrono::FixedOffset>,
    pub txn_date: Option<chrono::NaiveDate>,
    /// The record's content fingerprint (`None` for deletions and lists).
    pub fingerprint: Option<String>,
}

/// Everything one apply writes.
#[derive(Debug, Default)]
pub(crate) struct Plan<'a> {
    pub records: Vec<RecordWrite<'a>>,
    pub tombstones: Vec<TombstoneWrite<'a>>,
    pub audit: Vec<AuditDraft>,
    pub outcome: ApplyOutcome,
}

/// Refuses a batch holding a record of another client or rail: nothing of
/// it is written.
pub(crate) fn check_batch(batch: &SyncBatch) -> Result<(), RowcolError> {
    for record in &batch.records {
        let meta = record.entity.meta();
        if meta.client != batch.client || meta.rail != batch.rail {
            return Err(RowcolError::InvalidInput {
                context: ErrorContext::client(&batch.client)
                    .with_kind(record.entity.kind())
                    .with_id(&meta.external_id),
                reason: format!(
                    "record belongs to client {} on {}, not to the batch's client on {}",
                    meta.client, meta.rail, batch.rail
                ),
            });
        }
    }
    Ok(())
}

/// A record with its typed columns and `doc`: what it would write, whatever
/// the mirror holds (so it is computed while the held states are read).
#[derive(Debug, Clone)]
pub(crate) struct Encoded<'a> {
    pub record: &'a SourceRecord,
    pub columns: RecordColumns,
    pub doc: Vec<u8>,
    /// The record's content fingerprint, for its audit entry.
    pub fingerprint: Option<String>,
}

/// Encodes records, in order.
pub(crate) fn encode(records: &[SourceRecord]) -> Result<Vec<Encoded<'_>>, RowcolError> {
    records
        .iter()
        .map(|record| {
            Ok(Encoded {
                record,
                columns: codec::columns(&record.entity),
                doc: codec::encode(&record.entity)?,
                fingerprint: record.entity.content_fingerprint(),
            })
        })
        .collect()
}

/// Decides the batch's records (`encoded`, from [`encode`]) and tombstones
/// against what the mirror `held` (updated in place as the batch is walked,
/// so duplicates inside one batch resolve the same way as across batches).
pub(crate) fn plan<'a>(batch: &'a SyncBatch, encoded: Vec<Encoded<'a>>, held: &mut HashMap<Key, Held>) -> Plan<'a> {
    let mut plan = Plan::default();
    // Later duplicates of a key replace earlier planned writes.
    let mut record_slot: HashMap<Key, usize> = HashMap::new();
    for mut encoded in encoded {
        let record = encoded.record;
        let meta = record.entity.meta();
        let key = (record.entity.kind(), meta.external_id.clone());
        let incoming_us = meta.updated_at.timestamp_micros();
        let held_before = held.get(&key);
        let new = held_before.is_none();
        let action = match held_before {
            None => AuditAction::Insert,
            // A state read from the source just now revives whatever the
            // mirror believed deleted, whenever that deletion was stamped.
            Some(h) if h.deleted && batch.source_confirmed => AuditAction::Insert,
            Some(h) if h.deleted => {
                // A deletion wins ties: only a strictly later state revives a record.
                if incoming_us <= h.updated_us {
                    plan.outcome.stale += 1;
                    continue;
                }
                AuditAction::Insert
            }
            Some(h) => {
                let held_at = DateTime::<Utc>::from_timestamp_micros(h.updated_us).unwrap_or_default();
                match state_order(meta.updated_at, &meta.version, held_at, &h.version) {
                    std::cmp::Ordering::Greater => AuditAction::Update,
                    std::cmp::Ordering::Equal => {
                        plan.outcome.unchanged += 1;
                        continue;
                    }
                    // The source's current state replaces a held one stamped
                    // later (a clock gone wrong, a forged time).
                    std::cmp::Ordering::Less if batch.source_confirmed => AuditAction::Update,
                    std::cmp::Ordering::Less => {
                        plan.outcome.stale += 1;
                        continue;
                    }
                }
            }
        };
        match action {
            AuditAction::Update => plan.outcome.updated += 1,
            _ => plan.outcome.inserted += 1,
        }
        held.insert(
            key.clone(),
            Held {
                version: meta.version.clone(),
                updated_us: incoming_us,
                deleted: false,
            },
        );
        let fingerprint = encoded.fingerprint.take();
        let write = RecordWrite {
            encoded,
            updated_us: incoming_us,
            new,
        };
        match record_slot.get(&key) {
            // A later state of a key this batch inserts: still no row yet.
            Some(&i) => {
                let new = plan.records[i].new;
                plan.records[i] = RecordWrite { new, ..write };
            }
            None => {
                record_slot.insert(key, plan.records.len());
                plan.records.push(write);
            }
        }
        plan.audit.push(AuditDraft {
            action,
            kind: record.entity.kind(),
            external_id: meta.external_id.clone(),
            version: meta.version.clone(),
            source_updated_at: meta.updated_at,
            txn_date: record.entity.txn().map(|t| t.txn_date),
            fingerprint,
        });
    }
    for tombstone in &batch.tombstones {
        let key = (tombstone.kind, tombstone.external_id.clone());
        let deleted_us = tombstone.deleted_at.timestamp_micros();
        let version = match held.get(&key) {
            Some(h) if h.deleted => {
                plan.outcome.unchanged += 1;
                continue;
            }
            Some(h) if h.updated_us > deleted_us && !batch.source_confirmed => {
                // The record changed after this deletion was reported: the
                // deletion is older news.
                plan.outcome.stale += 1;
                continue;
            }
            Some(h) => h.version.clone(),
            None => VersionToken::new(""),
        };
        held.insert(
            key,
            Held {
                version: version.clone(),
                updated_us: deleted_us,
                deleted: true,
            },
        );
        plan.outcome.deleted += 1;
        plan.tombstones.push(TombstoneWrite { tombstone, deleted_us });
        plan.audit.push(AuditDraft {
            action: AuditAction::Delete,
            kind: tombstone.kind,
            external_id: tombstone.external_id.clone(),
            version,
            source_updated_at: tombstone.deleted_at,
            txn_date: None,
            fingerprint: None,
        });
    }
    plan.outcome.dead_lettered = u32::try_from(batch.rejects.len()).unwrap_or(u32::MAX);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowcol_core::sync::SourceRecord;
    use rowcol_core::{Entity, Rail};
    use rowcol_testkit::fixtures;
    use rust_decimal_macros::dec;

    fn record(id: &str, version: &str, updated: &str) -> SourceRecord {
        let mut bill = fixtures::bill("acme", id, dec!(10));
        bill.meta.version = VersionToken::new(version);
        bill.meta.updated_at = fixtures::time(updated);
        SourceRecord {
            entity: Entity::Bill(bill),
            raw: "{}".into(),
        }
    }

    fn batch(records: Vec<SourceRecord>, tombstones: Vec<Tombstone>) -> SyncBatch {
        let mut b = SyncBatch::new(fixtures::id("acme"), Rail::Qbo);
        b.records = records;
        b.tombstones = tombstones;
        b
    }

    fn decide<'a>(b: &'a SyncBatch, held: &mut HashMap<Key, Held>) -> Result<Plan<'a>, RowcolError> {
        Ok(plan(b, encode(&b.records)?, held))
    }

    fn tombstone(id: &str, at: &str) -> Tombstone {
        Tombstone {
            kind: EntityKind::Bill,
            external_id: fixtures::id(id),
            deleted_at: fixtures::time(at),
            merged_into: None,
        }
    }

    #[test]
    fn new_newer_same_and_older_states() {
        let b = batch(
            vec![
                record("1", "0", "2026-01-01T10:00:00-08:00"),
                record("1", "1", "2026-01-01T11:00:00-08:00"),
                record("1", "1", "2026-01-01T19:00:00+00:00"), // same instant as above
                record("1", "0", "2026-01-01T10:00:00-08:00"), // older: stale
            ],
            vec![],
        );
        let mut held = HashMap::new();
        let p = decide(&b, &mut held).unwrap();
        assert_eq!(
            (
                p.outcome.inserted,
                p.outcome.updated,
                p.outcome.unchanged,
                p.outcome.stale
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(p.records.len(), 1, "one row per key, the newest");
        assert_eq!(p.records[0].encoded.record.entity.meta().version.as_str(), "1");
        assert!(p.records[0].new, "a key first seen in this batch stays a plain insert");
        assert_eq!(
            p.audit.iter().map(|a| a.action).collect::<Vec<_>>(),
            vec![AuditAction::Insert, AuditAction::Update]
        );
    }

    #[test]
    fn replaying_a_planned_batch_changes_nothing() {
        let b = batch(
            vec![record("1", "0", "2026-01-01T10:00:00-08:00")],
            vec![tombstone("2", "2026-01-02T00:00:00Z")],
        );
        let mut held = HashMap::new();
        let first = decide(&b, &mut held).unwrap();
        assert_eq!((first.outcome.inserted, first.outcome.deleted), (1, 1));
        let again = decide(&b, &mut held).unwrap();
        assert_eq!(again.outcome.unchanged, 2);
        assert!(again.records.is_empty() && again.tombstones.is_empty() && again.audit.is_empty());
    }

    #[test]
    fn only_keys_the_mirror_has_no_row_for_are_new() {
        let mut held = HashMap::new();
        decide(
            &batch(
                vec![record("1", "0", "2026-01-01T10:00:00Z")],
                vec![tombstone("2", "2026-01-01T10:00:00Z")],
            ),
            &mut held,
        )
        .unwrap();
        let b = batch(
            vec![
                record("1", "1", "2026-01-02T10:00:00Z"), // held: an update
                record("2", "1", "2026-01-02T10:00:00Z"), // held as a tombstone: revived
                record("3", "0", "2026-01-02T10:00:00Z"), // never seen
            ],
            vec![],
        );
        let p = decide(&b, &mut held).unwrap();
        let new: Vec<(&str, bool)> = p
            .records
            .iter()
            .map(|w| (w.encoded.record.entity.meta().external_id.as_str(), w.new))
            .collect();
        assert_eq!(new, vec![("1", false), ("2", false), ("3", true)]);
    }

    #[test]
    fn a_deletion_is_not_undone_by_an_older_or_equal_state() {
        let mut held = HashMap::new();
        decide(&batch(vec![], vec![tombstone("1", "2026-01-02T00:00:00Z")]), &mut held).unwrap();
        let late = batch(vec![record("1", "5", "2026-01-01T00:00:00Z")], vec![]);
        assert_eq!(decide(&late, &mut held).unwrap().outcome.stale, 1);
        let tie = batch(vec![record("1", "6", "2026-01-02T00:00:00Z")], vec![]);
        assert_eq!(decide(&tie, &mut held).unwrap().outcome.stale, 1);
    }

    #[test]
    fn a_deletion_older_than_the_held_state_is_stale() {
        let mut held = HashMap::new();
        decide(
            &batch(vec![record("1", "3", "2026-01-05T00:00:00Z")], vec![]),
            &mut held,
        )
        .unwrap();
        let old_delete = batch(vec![], vec![tombstone("1", "2026-01-01T00:00:00Z")]);
        let p = decide(&old_delete, &mut held).unwrap();
        assert_eq!((p.outcome.stale, p.outcome.deleted), (1, 0));
    }

    #[test]
    fn states_confirmed_by_the_source_replace_what_the_mirror_believes() {
        let mut held = HashMap::new();
        // A deletion stamped far ahead (a forged notice time) and a live
        // record stamped far ahead (a source clock that jumped).
        decide(
            &batch(
                vec![record("2", "9", "2099-01-01T00:00:00Z")],
                vec![tombstone("1", "2099-01-01T00:00:00Z")],
            ),
            &mut held,
        )
        .unwrap();
        let listed = batch(
            vec![
                record("1", "3", "2026-01-05T00:00:00Z"),
                record("2", "4", "2026-01-05T00:00:00Z"),
            ],
            vec![],
        );
        assert_eq!(
            decide(&listed, &mut held).unwrap().outcome.stale,
            2,
            "a listing is not proof"
        );
        let mut confirmed = listed.clone();
        confirmed.source_confirmed = true;
        let p = decide(&confirmed, &mut held).unwrap();
        assert_eq!((p.outcome.inserted, p.outcome.updated, p.outcome.stale), (1, 1, 0));
        assert_eq!(
            p.audit.iter().map(|a| a.action).collect::<Vec<_>>(),
            vec![AuditAction::Insert, AuditAction::Update]
        );
        let mut gone = batch(vec![], vec![tombstone("2", "2026-01-06T00:00:00Z")]);
        gone.source_confirmed = true;
        held.insert(
            (EntityKind::Bill, fixtures::id("2")),
            Held {
                version: VersionToken::new("9"),
                updated_us: fixtures::time("2099-01-01T00:00:00Z").timestamp_micros(),
                deleted: false,
            },
        );
        assert_eq!(decide(&gone, &mut held).unwrap().outcome.deleted, 1);
    }

    #[test]
    fn records_of_another_client_are_refused() {
        let mut b = batch(vec![record("1", "0", "2026-01-01T10:00:00-08:00")], vec![]);
        b.client = fixtures::id("other");
        assert!(matches!(check_batch(&b), Err(RowcolError::InvalidInput { .. })));
    }
}

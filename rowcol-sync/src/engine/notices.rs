//! Webhook intake: duplicate notices collapse on their key, and a burst of
//! notices for one realm coalesces into one targeted sync.

use std::collections::{BTreeMap, HashSet, VecDeque};

use rowcol_core::sync::{ChangeNotice, NoticeOperation, RecordState, Tombstone};
use rowcol_core::{Connection, EntityKind, ExternalId, Rail, RealmId, Result};

use super::SyncEngine;

/// Remembers the keys of recent notices (bounded) and gathers new ones by
/// realm until they are drained into syncs.
#[derive(Debug)]
pub struct NoticeInbox {
    capacity: usize,
    seen: HashSet<String>,
    order: VecDeque<String>,
    pending: BTreeMap<(Rail, RealmId), Vec<ChangeNotice>>,
}

impl NoticeInbox {
    /// An inbox remembering the last `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        NoticeInbox {
            capacity: capacity.max(1),
            seen: HashSet::new(),
            order: VecDeque::new(),
            pending: BTreeMap::new(),
        }
    }

    /// Takes notices in; answers how many were new (not seen before).
    pub fn accept(&mut self, notices: impl IntoIterator<Item = ChangeNotice>) -> usize {
        let mut fresh = 0;
        for notice in notices {
            if !self.seen.insert(notice.dedup_key.clone()) {
                continue;
            }
            self.order.push_back(notice.dedup_key.clone());
            if self.order.len() > self.capacity
                && let Some(oldest) = self.order.pop_front()
            {
                self.seen.remove(&oldest);
            }
            fresh += 1;
            self.pending
                .entry((notice.rail, notice.realm.clone()))
                .or_default()
                .push(notice);
        }
        fresh
    }

    /// Realms with new notices, each once with its notices, in realm order.
    pub fn drain(&mut self) -> Vec<(Rail, RealmId, Vec<ChangeNotice>)> {
        std::mem::take(&mut self.pending)
            .into_iter()
            .map(|((rail, realm), notices)| (rail, realm, notices))
            .collect()
    }

    /// True when no realm waits for a sync.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

impl Default for NoticeInbox {
    /// Remembers the last 100,000 keys: hours of deliveries for 100 realms.
    fn default() -> Self {
        NoticeInbox::new(100_000)
    }
}

impl SyncEngine {
    /// The notices that tell the mirror something it does not hold yet:
    /// what a webhook sync must read. A replayed or late notice whose change
    /// the mirror already holds costs no call.
    ///
    /// A notice is news unless the mirror holds its record:
    /// - for a create, update, void or other change: at a state stamped at
    ///   or after the notice's time (live or deleted);
    /// - for a delete: deleted, or never seen (nothing to delete);
    /// - for a merge: the merged-away record deleted.
    ///
    /// A notice for a kind RowCol does not mirror is never news: no sync
    /// would read it.
    pub async fn fresh_notices(&self, connection: &Connection, notices: &[ChangeNotice]) -> Result<Vec<ChangeNotice>> {
        let keys: Vec<(EntityKind, ExternalId)> = notices
            .iter()
            .filter_map(|n| Some((n.kind?, watched_id(n).clone())))
            .collect();
        let held: std::collections::HashMap<(EntityKind, ExternalId), RecordState> = self
            .mirror
            .record_states(&connection.client, connection.rail, &keys)
            .await?
            .into_iter()
            .map(|state| ((state.kind, state.external_id.clone()), state))
            .collect();
        Ok(notices
            .iter()
            .filter(|n| {
                let Some(kind) = n.kind else {
                    return false;
                };
                is_news(n, held.get(&(kind, watched_id(n).clone())))
            })
            .cloned()
            .collect())
    }
}

/// The record whose held state tells whether a notice is news: the merged-
/// away one for a merge, else the one named.
fn watched_id(notice: &ChangeNotice) -> &ExternalId {
    match (&notice.operation, &notice.merged_from) {
        (NoticeOperation::Merge, Some(loser)) => loser,
        _ => &notice.id,
    }
}

/// True when the mirror's `held` state (if any) does not yet reflect `notice`.
fn is_news(notice: &ChangeNotice, held: Option<&RecordState>) -> bool {
    match (notice.operation, held) {
        (NoticeOperation::Delete, None) => false,
        (NoticeOperation::Delete, Some(state)) => !state.deleted,
        (NoticeOperation::Merge, Some(state)) if notice.merged_from.is_some() => !state.deleted,
        (_, None) => true,
        (_, Some(state)) => state.updated_at < notice.occurred_at,
    }
}

/// Names the survivor on deletions the source confirmed (a change feed's
/// tombstone, or deletion by difference) that merge notices explain.
///
/// Notices are hints, never proof: a notice alone deletes nothing, and its
/// time (anyone holding the verifier token can sign any time) never becomes
/// a record's. A merge at the source deletes the merged-away record, so the
/// next change feed or listing confirms it; only then is the tombstone
/// written, with the source's deletion time and, from the notice, the
/// record that survived.
pub(super) fn name_survivors(tombstones: &mut [Tombstone], notices: &[ChangeNotice]) {
    for notice in notices.iter().filter(|n| n.operation == NoticeOperation::Merge) {
        let (Some(kind), Some(loser)) = (notice.kind, notice.merged_from.as_ref()) else {
            continue;
        };
        for tombstone in tombstones
            .iter_mut()
            .filter(|t| t.kind == kind && &t.external_id == loser && t.merged_into.is_none())
        {
            tombstone.merged_into = Some(notice.id.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowcol_testkit::fixtures::{id, time};

    fn notice(realm: &str, record: &str, key: &str, operation: NoticeOperation) -> ChangeNotice {
        ChangeNotice {
            rail: Rail::Qbo,
            realm: id(realm),
            kind: Some(EntityKind::Vendor),
            id: id(record),
            operation,
            merged_from: (operation == NoticeOperation::Merge).then(|| id("99")),
            occurred_at: time("2026-11-23T10:00:00-08:00"),
            dedup_key: key.into(),
        }
    }

    #[test]
    fn duplicates_collapse_and_a_burst_becomes_one_sync_per_realm() {
        let mut inbox = NoticeInbox::new(100);
        let burst = vec![
            notice("1", "5", "a", NoticeOperation::Update),
            notice("1", "6", "b", NoticeOperation::Update),
            notice("2", "5", "c", NoticeOperation::Create),
            notice("1", "5", "a", NoticeOperation::Update),
        ];
        assert_eq!(inbox.accept(burst), 3);
        assert_eq!(
            inbox.accept(vec![notice("1", "5", "a", NoticeOperation::Update)]),
            0,
            "a redelivery"
        );
        let drained = inbox.drain();
        assert_eq!(drained.len(), 2);
        assert_eq!(drained[0].1, id::<RealmId>("1"));
        assert_eq!(drained[0].2.len(), 2);
        assert!(inbox.is_empty());
        assert_eq!(
            inbox.accept(vec![notice("1", "5", "a", NoticeOperation::Update)]),
            0,
            "still remembered"
        );
    }

    #[test]
    fn the_oldest_keys_are_forgotten_past_capacity() {
        let mut inbox = NoticeInbox::new(2);
        inbox.accept(vec![
            notice("1", "5", "a", NoticeOperation::Update),
            notice("1", "5", "b", NoticeOperation::Update),
            notice("1", "5", "c", NoticeOperation::Update),
        ]);
        assert_eq!(inbox.accept(vec![notice("1", "5", "a", NoticeOperation::Update)]), 1);
        assert_eq!(inbox.accept(vec![notice("1", "5", "c", NoticeOperation::Update)]), 0);
    }

    #[test]
    fn a_notice_is_news_only_when_the_mirror_does_not_hold_its_change() {
        let held = |updated: &str, deleted: bool| RecordState {
            kind: EntityKind::Vendor,
            external_id: id("5"),
            version: rowcol_core::VersionToken::new("3"),
            updated_at: time(updated).with_timezone(&chrono::Utc),
            deleted,
        };
        let update = notice("1", "5", "a", NoticeOperation::Update); // at 10:00 -08:00
        assert!(is_news(&update, None), "a record never seen");
        assert!(is_news(&update, Some(&held("2026-11-23T09:59:59-08:00", false))));
        assert!(
            !is_news(&update, Some(&held("2026-11-23T10:00:00-08:00", false))),
            "a replay"
        );
        assert!(
            !is_news(&update, Some(&held("2026-11-23T11:00:00-08:00", true))),
            "deleted since"
        );
        let delete = notice("1", "5", "b", NoticeOperation::Delete);
        assert!(is_news(&delete, Some(&held("2026-11-23T11:00:00-08:00", false))));
        assert!(!is_news(&delete, Some(&held("2026-11-23T09:00:00-08:00", true))));
        assert!(!is_news(&delete, None), "nothing to delete");
        let merge = notice("1", "5", "c", NoticeOperation::Merge);
        assert_eq!(watched_id(&merge), &id::<ExternalId>("99"), "the merged-away record");
        assert!(is_news(&merge, Some(&held("2026-11-23T11:00:00-08:00", false))));
        assert!(!is_news(&merge, Some(&held("2026-11-23T09:00:00-08:00", true))));
    }

    #[test]
    fn merges_name_the_survivor_only_on_deletions_the_source_confirmed() {
        let notices = [
            notice("1", "5", "a", NoticeOperation::Merge),
            notice("1", "6", "b", NoticeOperation::Delete),
        ];
        let confirmed = |id_: &str| Tombstone {
            kind: EntityKind::Vendor,
            external_id: id(id_),
            deleted_at: time("2026-11-23T10:05:00-08:00"),
            merged_into: None,
        };
        let mut none: Vec<Tombstone> = Vec::new();
        name_survivors(&mut none, &notices);
        assert!(none.is_empty(), "a notice alone deletes nothing");
        let mut tombstones = vec![confirmed("99"), confirmed("7")];
        name_survivors(&mut tombstones, &notices);
        assert_eq!(tombstones[0].merged_into, Some(id("5")));
        assert_eq!(
            tombstones[0].deleted_at,
            time("2026-11-23T10:05:00-08:00"),
            "the source's time"
        );
        assert_eq!(tombstones[1].merged_into, None);
    }
}

//! Webhook intake: duplicate notices collapse on their key, and a burst of
//! notices for one realm coalesces into one targeted sync.

use std::collections::{BTreeMap, HashSet, VecDeque};

use crate::sync::{ChangeNotice, NoticeOperation, Tombstone};
use crate::{Rail, RealmId};

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

/// Tombstones for records merged away, from merge notices that name both
/// sides (the survivor keeps syncing; references can follow `merged_into`).
pub(super) fn merge_tombstones(notices: &[ChangeNotice]) -> Vec<Tombstone> {
    notices
        .iter()
        .filter(|n| n.operation == NoticeOperation::Merge)
        .filter_map(|n| {
            Some(Tombstone {
                kind: n.kind?,
                external_id: n.merged_from.clone()?,
                deleted_at: n.occurred_at,
                merged_into: Some(n.id.clone()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EntityKind;
    use crate::fixtures::{id, time};

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
    fn merges_tombstone_the_loser_with_the_survivor_named() {
        let notices = [
            notice("1", "5", "a", NoticeOperation::Merge),
            notice("1", "6", "b", NoticeOperation::Delete),
        ];
        let tombstones = merge_tombstones(&notices);
        assert_eq!(tombstones.len(), 1);
        assert_eq!(tombstones[0].external_id, id::<crate::ExternalId>("99"));
        assert_eq!(tombstones[0].merged_into, Some(id("5")));
    }
}

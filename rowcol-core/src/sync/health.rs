//! Sync health per client and entity kind.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::sync::RunStatus;
use crate::{ClientId, ConnectionStatus, EntityKind};

/// How fresh one kind of one client's mirror is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindHealth {
    /// The kind.
    pub kind: EntityKind,
    /// Last time a sync of this kind committed.
    pub last_success: Option<DateTime<Utc>>,
    /// Last time a sync of this kind was attempted.
    pub last_attempt: Option<DateTime<Utc>>,
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
    /// Dead letters waiting for this kind.
    pub dead_letters: u32,
}

impl KindHealth {
    /// How far behind the source this kind may be at `now`: the time since
    /// its last success (`None`: never synced).
    pub fn lag(&self, now: DateTime<Utc>) -> Option<Duration> {
        self.last_success.map(|t| (now - t).to_std().unwrap_or(Duration::ZERO))
    }
}

/// The last reconciliation of a client's mirror with its source: when it
/// ran, how it ended and how much drift it found and repaired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReconcileHealth {
    /// When it started.
    pub checked_at: DateTime<Utc>,
    /// Succeeded, failed, or still running.
    pub status: RunStatus,
    /// Differences found between the mirror and the source.
    pub drift: u32,
    /// Records the repair upserted or deleted.
    pub repaired: u32,
}

/// Sync health of one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientHealth {
    /// The client.
    pub client: ClientId,
    /// The state of its connection, if it has one.
    pub connection: Option<ConnectionStatus>,
    /// Per kind its connections' rails mirror (`Rail::kinds`, in the order
    /// of the rails' names): the ledger's for QBO, the bank's for Plaid.
    pub kinds: Vec<KindHealth>,
    /// The last reconciliation, if one ran (reconcile runs do not count as
    /// syncs for freshness: a cheap check that counts agree is not a sync).
    #[serde(default)]
    pub last_reconcile: Option<ReconcileHealth>,
}

impl ClientHealth {
    /// Health of a client nothing is known of yet: no connection, no kind
    /// synced, never reconciled.
    pub fn unknown(client: ClientId) -> Self {
        ClientHealth {
            client,
            connection: None,
            kinds: Vec::new(),
            last_reconcile: None,
        }
    }

    /// The oldest last success across kinds (`None` if any kind never synced).
    pub fn last_full_success(&self) -> Option<DateTime<Utc>> {
        self.kinds
            .iter()
            .map(|k| k.last_success)
            .try_fold(None::<DateTime<Utc>>, |oldest, t| {
                t.map(|t| Some(oldest.map_or(t, |o| o.min(t))))
            })
            .flatten()
    }

    /// True when every kind synced within `target` of `now` and the
    /// connection is active: figures built on this client's data are current.
    pub fn is_fresh(&self, now: DateTime<Utc>, target: Duration) -> bool {
        let connected = matches!(self.connection, Some(ConnectionStatus::Active));
        connected && !self.kinds.is_empty() && self.kinds.iter().all(|k| k.lag(now).is_some_and(|lag| lag <= target))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(kind: EntityKind, mins_ago: Option<i64>, now: DateTime<Utc>) -> KindHealth {
        KindHealth {
            kind,
            last_success: mins_ago.map(|m| now - chrono::Duration::minutes(m)),
            last_attempt: None,
            consecutive_failures: 0,
            dead_letters: 0,
        }
    }

    #[test]
    fn fresh_needs_every_kind_within_target_and_an_active_connection() {
        let now = Utc::now();
        let target = Duration::from_secs(30 * 60);
        let mut health = ClientHealth {
            client: "acme".parse().unwrap(),
            connection: Some(ConnectionStatus::Active),
            kinds: vec![
                kind(EntityKind::Bill, Some(10), now),
                kind(EntityKind::Invoice, Some(20), now),
            ],
            last_reconcile: None,
        };
        assert!(health.is_fresh(now, target));
        assert_eq!(health.last_full_success(), Some(now - chrono::Duration::minutes(20)));
        health.kinds.push(kind(EntityKind::Vendor, Some(45), now));
        assert!(!health.is_fresh(now, target));
        health.kinds.push(kind(EntityKind::Account, None, now));
        assert_eq!(health.last_full_success(), None);
        health.kinds.truncate(2);
        health.connection = Some(ConnectionStatus::NeedsReauth);
        assert!(!health.is_fresh(now, target));
    }
}

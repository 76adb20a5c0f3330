//! Sync runs: one record per attempt to sync a client on a rail.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ClientId, Rail};

/// Store-assigned id of a sync run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RunId(pub i64);

/// What started a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncTrigger {
    /// The periodic schedule.
    Schedule,
    /// A webhook from the rail.
    Webhook,
    /// A person or API call asked for it.
    OnDemand,
    /// The reconciliation job found drift.
    Reconcile,
}

/// Full listing or changes since the checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Page through every kind.
    Full,
    /// Changes since the checkpoint (QBO CDC).
    Incremental,
}

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Queued.
    Pending,
    /// In progress.
    Running,
    /// Finished and committed.
    Succeeded,
    /// Stopped with an error; what was committed before stays.
    Failed,
}

/// Counts a run reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    /// Records read from the rail.
    pub fetched: u32,
    /// Records inserted or updated in the mirror.
    pub applied: u32,
    /// Records identical to the mirror's copy.
    pub unchanged: u32,
    /// Records deleted.
    pub deleted: u32,
    /// Records dead-lettered.
    pub dead_lettered: u32,
    /// Calls made to the rail's API.
    pub api_calls: u32,
    /// Differences between the mirror and its source that a reconcile run
    /// found (zero for every other run).
    #[serde(default)]
    pub drift: u32,
}

/// One attempt to sync one client on one rail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRun {
    /// Id.
    pub id: RunId,
    /// The client.
    pub client: ClientId,
    /// The rail.
    pub rail: Rail,
    /// What started it.
    pub trigger: SyncTrigger,
    /// Full or incremental.
    pub mode: SyncMode,
    /// Where it is.
    pub status: RunStatus,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// What it did.
    pub counts: RunCounts,
    /// Why it failed (never holds a secret).
    pub error: Option<String>,
}

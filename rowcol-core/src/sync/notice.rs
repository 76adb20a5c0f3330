//! Change notices: a rail's "something changed here" hint (a QBO webhook
//! event), in rail-neutral words. The engine treats a notice as a reason to
//! read the realm's current state, never as the state itself.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::{EntityKind, ExternalId, Rail, RealmId};

/// What the rail says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeOperation {
    /// Created.
    Create,
    /// Changed.
    Update,
    /// Deleted.
    Delete,
    /// Merged into another record (`ChangeNotice::merged_from` names the loser).
    Merge,
    /// Voided (the record stays with zero amounts).
    Void,
    /// Anything else the rail reports (e.g. emailed); still a reason to look.
    Other,
}

/// One change hint for one record of one company on a rail.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChangeNotice {
    /// The rail that sent it.
    pub rail: Rail,
    /// The company it concerns.
    pub realm: RealmId,
    /// The record's kind, when RowCol mirrors that kind (`None`: a kind not
    /// mirrored, which still tells the realm changed).
    pub kind: Option<EntityKind>,
    /// The record's id.
    pub id: ExternalId,
    /// What happened.
    pub operation: NoticeOperation,
    /// For a merge: the record merged away (it is tombstoned, `id` survives).
    pub merged_from: Option<ExternalId>,
    /// When the rail says it happened, with the rail's offset.
    pub occurred_at: DateTime<FixedOffset>,
    /// Same value for the same event however often it is delivered:
    /// duplicates collapse on it.
    pub dedup_key: String,
}

//! What reconciliation found and what repair did.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use rowcol_core::sync::RunId;
use rowcol_core::{AdvisorId, ClientId, EntityKind, ExternalId, Rail, RealmId, VersionToken};

use super::KindTotals;

/// How thoroughly to compare.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReconcileMode {
    /// Counts per kind (one rail call on QBO); id and version sets only for
    /// the kinds whose counts differ. Misses drift that keeps counts equal
    /// (one missed create plus one missed delete of the same kind).
    Cheap,
    /// Id and version sets of every kind (a full listing's calls); with
    /// `totals_as`, also each kind's money totals, read from the mirror as
    /// that advisor (the client must be in their portfolio).
    Full {
        /// The advisor to read the mirror's records as, for totals.
        totals_as: Option<AdvisorId>,
    },
}

/// One difference between the mirror and the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "drift", rename_all = "snake_case")]
pub enum Drift {
    /// The source has a live record the mirror lacks.
    MissingInMirror {
        /// Kind.
        kind: EntityKind,
        /// Id.
        id: ExternalId,
        /// The source's version.
        source_version: VersionToken,
    },
    /// The mirror holds a live record the source no longer has: it should be
    /// deleted.
    ExtraInMirror {
        /// Kind.
        kind: EntityKind,
        /// Id.
        id: ExternalId,
        /// The mirror's version.
        mirror_version: VersionToken,
    },
    /// Both hold the record, at different versions.
    StaleVersion {
        /// Kind.
        kind: EntityKind,
        /// Id.
        id: ExternalId,
        /// The mirror's version.
        mirror_version: VersionToken,
        /// The source's version.
        source_version: VersionToken,
    },
    /// The kind's money totals differ.
    TotalsDiffer {
        /// Kind.
        kind: EntityKind,
        /// The mirror's totals.
        mirror: KindTotals,
        /// The source's totals.
        source: KindTotals,
    },
}

impl Drift {
    /// The kind drifted.
    pub fn kind(&self) -> EntityKind {
        match self {
            Drift::MissingInMirror { kind, .. }
            | Drift::ExtraInMirror { kind, .. }
            | Drift::StaleVersion { kind, .. }
            | Drift::TotalsDiffer { kind, .. } => *kind,
        }
    }

    /// The record drifted, when the drift is about one record.
    pub fn id(&self) -> Option<&ExternalId> {
        match self {
            Drift::MissingInMirror { id, .. } | Drift::ExtraInMirror { id, .. } | Drift::StaleVersion { id, .. } => {
                Some(id)
            }
            Drift::TotalsDiffer { .. } => None,
        }
    }
}

impl fmt::Display for Drift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Drift::MissingInMirror {
                kind,
                id,
                source_version,
            } => {
                write!(
                    f,
                    "{kind} {id}: missing in the mirror (source version {source_version})"
                )
            }
            Drift::ExtraInMirror {
                kind,
                id,
                mirror_version,
            } => write!(
                f,
                "{kind} {id}: in the mirror (version {mirror_version}) but gone at the source"
            ),
            Drift::StaleVersion {
                kind,
                id,
                mirror_version,
                source_version,
            } => write!(
                f,
                "{kind} {id}: mirror version {mirror_version}, source version {source_version}"
            ),
            Drift::TotalsDiffer { kind, mirror, source } => {
                write!(f, "{kind}: totals differ (mirror {mirror:?}, source {source:?})")
            }
        }
    }
}

/// What was compared for one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCheck {
    /// Kind.
    pub kind: EntityKind,
    /// Live records at the source.
    pub source_count: u64,
    /// Live records in the mirror.
    pub mirror_count: u64,
    /// Whether id and version sets were compared (always in full mode; in
    /// cheap mode only when the counts differ).
    pub ids_compared: bool,
    /// Whether money totals were compared.
    pub totals_compared: bool,
}

/// Everything one reconciliation of one client on one rail found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftReport {
    /// The client.
    pub client: ClientId,
    /// The rail.
    pub rail: Rail,
    /// The company on the rail.
    pub realm: RealmId,
    /// The mode it ran in.
    pub mode: ReconcileMode,
    /// When it compared.
    pub checked_at: DateTime<Utc>,
    /// Per kind the rail mirrors, in its `Rail::kinds` order.
    pub kinds: Vec<KindCheck>,
    /// Every difference found, by kind then id.
    pub drift: Vec<Drift>,
    /// Calls made to the rail's API.
    pub api_calls: u32,
}

impl DriftReport {
    /// True when the mirror equals the source as far as this mode looked.
    pub fn is_clean(&self) -> bool {
        self.drift.is_empty()
    }

    /// Number of drifts per kind.
    pub fn drift_by_kind(&self) -> BTreeMap<EntityKind, usize> {
        let mut by_kind = BTreeMap::new();
        for drift in &self.drift {
            *by_kind.entry(drift.kind()).or_default() += 1;
        }
        by_kind
    }
}

/// What a repair did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairReport {
    /// The run recorded for it (trigger `Reconcile`): always for
    /// `reconcile_and_repair`, only when there was drift for `repair`.
    pub run: Option<RunId>,
    /// Records read again from the source.
    pub refetched: u32,
    /// Records inserted or updated in the mirror.
    pub applied: u32,
    /// Records tombstoned (gone at the source).
    pub deleted: u32,
    /// Drifts repair cannot fix by id (totals that differ with equal versions).
    pub unrepairable: u32,
    /// Drifts still there after the repair, checked against the mirror: a
    /// repaired record not held as the source said, or totals still
    /// differing. Non-zero means the repair did not repair (its run is
    /// recorded as failed).
    #[serde(default)]
    pub remaining: u32,
    /// Calls made to the rail's API.
    pub api_calls: u32,
}

//! What a sync did: the report a caller gets and the counts a run records.

use std::collections::BTreeSet;
use std::time::Duration;

use rowcol_core::ports::LeaseHold;
use rowcol_core::sync::{ApplyOutcome, RunCounts, RunId, SyncBatch, SyncMode, SyncTrigger};
use rowcol_core::{ClientId, Connection, ConnectionStatus, EntityKind, ExternalId, Rail, RowcolError};

use super::ChangeEvent;

/// How a sync call ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncOutcome {
    /// The mirror was brought up to date.
    Synced,
    /// Another process holds the realm's lease and is syncing it now.
    Busy,
    /// The connection is not active (needs re-auth or disabled): no call made.
    NotActive(ConnectionStatus),
}

/// What one call of `sync_connection` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// The client.
    pub client: ClientId,
    /// The rail.
    pub rail: Rail,
    /// What asked for the sync.
    pub trigger: SyncTrigger,
    /// How it ended.
    pub outcome: SyncOutcome,
    /// The runs recorded, with their modes, in order (an incremental run whose
    /// cursor was too old is followed by a full one).
    pub runs: Vec<(RunId, SyncMode)>,
    /// Counts over every run of this call.
    pub counts: RunCounts,
    /// Wall time.
    pub duration: Duration,
    /// Records inserted, updated or deleted in the mirror, by kind and id.
    pub changed: BTreeSet<(EntityKind, ExternalId)>,
    /// With `SyncOutcome::Busy`: who holds the realm, and until when unless
    /// renewed (when the lease store can tell).
    pub held_by: Option<LeaseHold>,
}

impl SyncReport {
    pub(crate) fn new(connection: &Connection, trigger: SyncTrigger) -> Self {
        SyncReport {
            client: connection.client.clone(),
            rail: connection.rail,
            trigger,
            outcome: SyncOutcome::Synced,
            runs: Vec::new(),
            counts: RunCounts::default(),
            duration: Duration::ZERO,
            changed: BTreeSet::new(),
            held_by: None,
        }
    }

    pub(super) fn skipped(connection: &Connection, trigger: SyncTrigger, outcome: SyncOutcome) -> Self {
        SyncReport {
            outcome,
            ..SyncReport::new(connection, trigger)
        }
    }

    /// Adds a finished run's progress.
    pub(super) fn absorb(&mut self, progress: Progress) {
        self.runs.push((progress.run, progress.mode));
        let (a, b) = (&mut self.counts, progress.counts);
        a.fetched += b.fetched;
        a.applied += b.applied;
        a.unchanged += b.unchanged;
        a.deleted += b.deleted;
        a.dead_lettered += b.dead_lettered;
        a.api_calls += b.api_calls;
        a.drift += b.drift;
        self.changed.extend(progress.changed);
    }

    /// The event to tell subscribers, when the mirror changed.
    pub(super) fn change_event(&self) -> Option<ChangeEvent> {
        if self.changed.is_empty() {
            return None;
        }
        Some(ChangeEvent {
            client: self.client.clone(),
            rail: self.rail,
            kinds: self.changed.iter().map(|(kind, _)| *kind).collect(),
            ids: self.changed.iter().cloned().collect(),
        })
    }
}

/// A run in progress: its id and what it has done so far.
#[derive(Debug)]
pub(crate) struct Progress {
    pub(crate) run: RunId,
    pub(super) mode: SyncMode,
    pub(super) counts: RunCounts,
    changed: BTreeSet<(EntityKind, ExternalId)>,
}

impl Progress {
    pub(super) fn new(run: RunId, mode: SyncMode) -> Self {
        Progress {
            run,
            mode,
            counts: RunCounts::default(),
            changed: BTreeSet::new(),
        }
    }

    /// Counts API calls made to the rail.
    pub(crate) fn called(&mut self, calls: u32) {
        self.counts.api_calls += calls;
    }

    /// Counts the calls a failed rail operation made (see
    /// `RowcolError::api_calls`) and passes the result on: failed work
    /// spends the budget too.
    pub(crate) fn count<T>(&mut self, result: Result<T, RowcolError>) -> Result<T, RowcolError> {
        if let Err(error) = &result {
            self.called(error.api_calls());
        }
        result
    }

    /// Notes the differences a reconcile found between mirror and source.
    pub(crate) fn found_drift(&mut self, drift: usize) {
        self.counts.drift = u32::try_from(drift).unwrap_or(u32::MAX);
    }

    /// Adds an applied batch. The ids of a batch that changed something are
    /// all noted as changed (the mirror counts changes, it does not name
    /// them), so subscribers may see a few unchanged ids, never miss one.
    pub(super) fn record(&mut self, batch: &SyncBatch, outcome: ApplyOutcome) {
        let c = &mut self.counts;
        c.fetched += u32::try_from(batch.records.len() + batch.rejects.len()).unwrap_or(u32::MAX);
        c.applied += outcome.inserted + outcome.updated;
        c.unchanged += outcome.unchanged + outcome.stale;
        c.deleted += outcome.deleted;
        c.dead_lettered += outcome.dead_lettered;
        if outcome.inserted + outcome.updated + outcome.deleted > 0 {
            self.changed.extend(
                batch
                    .records
                    .iter()
                    .map(|r| (r.entity.kind(), r.entity.meta().external_id.clone())),
            );
            self.changed
                .extend(batch.tombstones.iter().map(|t| (t.kind, t.external_id.clone())));
        }
    }
}

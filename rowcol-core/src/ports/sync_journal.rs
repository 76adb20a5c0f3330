//! The `SyncJournal` port: what the sync engine writes and reads back about
//! one client's mirror on one rail: atomic batches, checkpoints, runs, dead
//! letters and the audit log.
//!
//! Proven by `rowcol_testkit::mirror_suite::journal`, which `rowcol-mirror`
//! runs on SQLite and PostgreSQL.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::sync::{
    ApplyOutcome, AuditEntry, AuditVerification, Checkpoint, DeadLetter, RecordState, RunCounts, RunId, RunStatus,
    SyncBatch, SyncMode, SyncRun, SyncTrigger,
};
use crate::{ClientId, EntityKind, ExternalId, Rail, Result, VersionToken};

/// The engine's side of the mirror, keyed by client (and rail): no advisor
/// scope, for the engine and operators only.
#[async_trait]
pub trait SyncJournal: Send + Sync {
    /// Applies one sync batch as a single transaction.
    ///
    /// Behaviour:
    /// - MUST commit records, tombstones, dead letters, balance points, audit
    ///   entries and the checkpoint together or not at all; on error nothing
    ///   of the batch is visible and the checkpoint is unmoved.
    /// - MUST be idempotent: applying the same batch twice changes nothing the
    ///   second time and writes no audit entry.
    /// - MUST NOT let an older version replace a newer one
    ///   (`SourceMeta::is_newer_than` decides); such records count as `stale`.
    /// - MUST write one audit entry per insert, update and delete, chained to
    ///   the client's previous entry; unchanged and stale records write none.
    /// - A tombstone for a record never seen MUST still be kept, so a late
    ///   older upsert cannot resurrect it.
    async fn apply(&self, batch: &SyncBatch) -> Result<ApplyOutcome>;

    /// Ids and versions of the client's live (not deleted) records of one
    /// kind on a rail, ordered by id: what a full re-sync compares with the
    /// source to find deletions, and what reconciliation checks.
    ///
    /// Behaviour:
    /// - MUST leave out tombstoned records.
    async fn live_versions(
        &self,
        client: &ClientId,
        rail: Rail,
        kind: EntityKind,
    ) -> Result<Vec<(ExternalId, VersionToken)>>;

    /// What the mirror holds for each of `keys`, live or tombstoned, in no
    /// particular order: what webhook notices are checked against before a
    /// sync is spent on them.
    ///
    /// Behaviour:
    /// - MUST leave out keys the mirror has no row for (not an error).
    /// - MUST answer tombstones with `deleted: true` and their deletion time.
    async fn record_states(
        &self,
        client: &ClientId,
        rail: Rail,
        keys: &[(EntityKind, ExternalId)],
    ) -> Result<Vec<RecordState>>;

    /// The client's committed checkpoint on a rail.
    ///
    /// Behaviour:
    /// - MUST return `Ok(None)` before the first committed batch with a checkpoint.
    async fn checkpoint(&self, client: &ClientId, rail: Rail) -> Result<Option<Checkpoint>>;

    /// Records the start of a sync run and returns its id.
    async fn start_run(&self, client: &ClientId, rail: Rail, trigger: SyncTrigger, mode: SyncMode) -> Result<RunId>;

    /// Marks the client's runs on `rail` still recorded as running as
    /// failed with `reason`, and returns how many: runs whose process died
    /// before it could record their end. The engine calls it only while it
    /// holds the realm's lease, when no run of the realm can be in progress.
    ///
    /// Behaviour:
    /// - MUST change only runs of that client and rail whose status is
    ///   `Running`, setting their end time to now.
    async fn abandon_runs(&self, client: &ClientId, rail: Rail, reason: &str) -> Result<u32>;

    /// Records how a run ended.
    ///
    /// Behaviour:
    /// - MUST fail with `StoreErrorKind::NotFound` for an unknown run.
    /// - `error` MUST NOT contain secrets (callers pass error text built from
    ///   `RowcolError`, which never holds one).
    async fn finish_run(&self, run: RunId, status: RunStatus, counts: RunCounts, error: Option<String>) -> Result<()>;

    /// The client's latest runs, newest first.
    async fn runs(&self, client: &ClientId, limit: u32) -> Result<Vec<SyncRun>>;

    /// API calls recorded by runs on `rail` (every client) that started at or
    /// after `since`: what the app spent of a metered monthly budget, as seen
    /// by every worker sharing this store.
    async fn api_calls_since(&self, rail: Rail, since: DateTime<Utc>) -> Result<u64>;

    /// The client's dead letters, oldest first.
    async fn dead_letters(&self, client: &ClientId) -> Result<Vec<DeadLetter>>;

    /// Removes a dead letter once its record was replayed successfully.
    ///
    /// Behaviour:
    /// - MUST fail with `StoreErrorKind::NotFound` for an unknown id.
    async fn resolve_dead_letter(&self, client: &ClientId, id: i64) -> Result<()>;

    /// Audit entries of a client after sequence number `after`, oldest first.
    async fn audit_entries(&self, client: &ClientId, after: i64, limit: u32) -> Result<Vec<AuditEntry>>;

    /// Walks the client's whole audit chain and reports the first broken link.
    async fn verify_audit(&self, client: &ClientId) -> Result<AuditVerification>;
}

/// An `Arc` of a SyncJournal is one: a store shared between the engine and the
/// views is passed as it is.
#[async_trait]
impl<T: SyncJournal + ?Sized> SyncJournal for Arc<T> {
    async fn apply(&self, batch: &SyncBatch) -> Result<ApplyOutcome> {
        (**self).apply(batch).await
    }

    async fn live_versions(
        &self,
        client: &ClientId,
        rail: Rail,
        kind: EntityKind,
    ) -> Result<Vec<(ExternalId, VersionToken)>> {
        (**self).live_versions(client, rail, kind).await
    }

    async fn record_states(
        &self,
        client: &ClientId,
        rail: Rail,
        keys: &[(EntityKind, ExternalId)],
    ) -> Result<Vec<RecordState>> {
        (**self).record_states(client, rail, keys).await
    }

    async fn checkpoint(&self, client: &ClientId, rail: Rail) -> Result<Option<Checkpoint>> {
        (**self).checkpoint(client, rail).await
    }

    async fn start_run(&self, client: &ClientId, rail: Rail, trigger: SyncTrigger, mode: SyncMode) -> Result<RunId> {
        (**self).start_run(client, rail, trigger, mode).await
    }

    async fn abandon_runs(&self, client: &ClientId, rail: Rail, reason: &str) -> Result<u32> {
        (**self).abandon_runs(client, rail, reason).await
    }

    async fn finish_run(&self, run: RunId, status: RunStatus, counts: RunCounts, error: Option<String>) -> Result<()> {
        (**self).finish_run(run, status, counts, error).await
    }

    async fn runs(&self, client: &ClientId, limit: u32) -> Result<Vec<SyncRun>> {
        (**self).runs(client, limit).await
    }

    async fn api_calls_since(&self, rail: Rail, since: DateTime<Utc>) -> Result<u64> {
        (**self).api_calls_since(rail, since).await
    }

    async fn dead_letters(&self, client: &ClientId) -> Result<Vec<DeadLetter>> {
        (**self).dead_letters(client).await
    }

    async fn resolve_dead_letter(&self, client: &ClientId, id: i64) -> Result<()> {
        (**self).resolve_dead_letter(client, id).await
    }

    async fn audit_entries(&self, client: &ClientId, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
        (**self).audit_entries(client, after, limit).await
    }

    async fn verify_audit(&self, client: &ClientId) -> Result<AuditVerification> {
        (**self).verify_audit(client).await
    }
}

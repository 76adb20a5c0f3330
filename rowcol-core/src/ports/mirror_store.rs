//! The `MirrorStore` port: the local mirror of every client's books plus the
//! records RowCol owns.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::entity::{Bill, Invoice};
use crate::snapshot::{ClientSnapshot, SnapshotRequest};
use crate::sync::{
    ApplyOutcome, AuditEntry, AuditVerification, BalancePoint, Checkpoint, DeadLetter, RecordState, RunCounts, RunId,
    RunStatus, SyncBatch, SyncMode, SyncRun, SyncTrigger,
};
use crate::{
    Advisor, AdvisorId, Client, ClientHealth, ClientId, ClientSettings, Connection, ConnectionStatus, EntityKind,
    ExternalId, Rail, Result, ReviewState, VersionToken,
};

/// The mirror: written by the sync engine, read by the views.
///
/// Methods that take an `AdvisorId` are the read side a person reaches: they
/// are scoped to that advisor's portfolio. Methods keyed by client alone are
/// for the engine and operators.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MirrorStore: Send + Sync {
    // ----- RowCol-owned registry

    /// Creates or renames an advisor.
    ///
    /// Behaviour:
    /// - MUST be idempotent.
    async fn upsert_advisor(&self, advisor: &Advisor) -> Result<()>;

    /// Creates or updates a client and its connections.
    ///
    /// Behaviour:
    /// - MUST be idempotent; connections not listed are left as they are.
    /// - MUST refuse (`InvalidInput` or `StoreErrorKind::Invalid`) a client
    ///   whose advisor does not exist, writing nothing.
    async fn upsert_client(&self, client: &Client) -> Result<()>;

    /// Sets a connection's status (e.g. needs-reauth after `invalid_grant`).
    ///
    /// Behaviour:
    /// - MUST fail with `StoreErrorKind::NotFound` for an unknown connection.
    async fn set_connection_status(&self, client: &ClientId, rail: Rail, status: ConnectionStatus) -> Result<()>;

    /// The advisor's clients with their connections, ordered by client id.
    ///
    /// Behaviour:
    /// - MUST fail with `StoreErrorKind::NotFound` for an unknown advisor.
    async fn portfolio(&self, advisor: &AdvisorId) -> Result<Vec<Client>>;

    /// Every connection of every advisor, ordered by client then rail: what
    /// a scheduler walks.
    async fn connections(&self) -> Result<Vec<Connection>>;

    // ----- sync write side

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

    // ----- advisor-facing: settings, reviews, reads

    /// The client's settings (defaults when never saved).
    ///
    /// Behaviour (all advisor-facing methods):
    /// - MUST fail with `StoreErrorKind::OutsidePortfolio` when the client is
    ///   not in the advisor's portfolio, never answer empty.
    async fn settings(&self, advisor: &AdvisorId, client: &ClientId) -> Result<ClientSettings>;

    /// Saves the client's settings.
    async fn save_settings(&self, advisor: &AdvisorId, client: &ClientId, settings: &ClientSettings) -> Result<()>;

    /// Records a review of a hygiene item, replacing an earlier one for the
    /// same rule and entity. Reviews survive every re-sync.
    async fn save_review(&self, advisor: &AdvisorId, review: &ReviewState) -> Result<()>;

    /// Loads everything the calculators need about one client (see
    /// [`ClientSnapshot`] for what it holds).
    async fn snapshot(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        request: SnapshotRequest,
    ) -> Result<ClientSnapshot>;

    /// Open bills due between `from` and `to` inclusive, by due date then id.
    async fn bills_due(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Bill>>;

    /// Open invoices whose due date is before `as_of`, oldest due first.
    async fn overdue_invoices(&self, advisor: &AdvisorId, client: &ClientId, as_of: NaiveDate) -> Result<Vec<Invoice>>;

    /// Balance history points between `from` and `to` inclusive, by account then day.
    async fn balance_history(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<BalancePoint>>;

    /// Sync health of the client, per kind in `EntityKind::ALL` order.
    async fn health(&self, advisor: &AdvisorId, client: &ClientId) -> Result<ClientHealth>;
}

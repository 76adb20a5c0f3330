//! The sync engine: what to sync, in what order, how to apply it and when to
//! give up, written only against the ports. Running it as durable jobs is
//! `rowcol-worker`'s business; this module knows no job engine, HTTP or SQL.
//!
//! One call of [`SyncEngine::sync_connection`] brings one client's mirror on
//! one rail up to date:
//! - no checkpoint yet: a **full sync** pages through every mirrored kind;
//! - a checkpoint inside a full sync (a crash interrupted it): the full sync
//!   resumes, and a CDC cycle from its start follows in the same call (the
//!   kinds listed before the crash are as old as that start);
//! - an incremental checkpoint: one **CDC** read of every kind since it;
//!   when the rail says the cursor is older than its change window, a full
//!   **re-sync** follows, which also finds deletions by difference.
//!
//! Every rail answer is applied as one atomic batch together with the next
//! checkpoint, so a crash anywhere loses nothing and the next call starts
//! from the last committed checkpoint.

mod budget;
mod events;
mod full;
mod health;
mod incremental;
mod lease;
mod notices;
mod replay;
mod report;
mod schedule;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use futures::StreamExt;
use rand::{RngCore, SeedableRng};
use tokio::sync::broadcast;

use rowcol_core::ports::{LeaseHold, RetryDecision};
use rowcol_core::sync::{
    BalancePoint, ChangeNotice, RunStatus, SourceRecord, SyncBatch, SyncMode, SyncPosition, SyncTrigger,
};
use rowcol_core::{
    Clock, Connection, ConnectionStatus, Entity, ErrorContext, LeaseStore, LedgerRail, MirrorStore, Rail, RailDisabled,
    RailErrorKind, RailFailure, Result, RowcolError, SyncPolicy, SystemClock,
};

pub use budget::{BudgetPlan, MAX_STRETCH, is_quiet, month_start, monthly_calls};
pub use events::ChangeEvent;
pub use health::PortfolioHealth;
use lease::LeaseConfig;
pub(crate) use lease::RealmLease;
pub use lease::SYNC_LEASE_TTL;
pub use notices::NoticeInbox;
pub use replay::ReplayReport;
pub(crate) use report::Progress;
pub use report::{SyncOutcome, SyncReport};
pub use schedule::next_slot;

/// Change events kept for slow subscribers before the oldest are dropped.
const EVENT_BUFFER: usize = 1024;

/// The error recorded on a run its process never finished (killed, crashed).
pub const INTERRUPTED_RUN: &str =
    "interrupted: the process ended before the run did; the next run resumed from the last committed checkpoint";

/// The sync engine. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct SyncEngine {
    mirror: Arc<dyn MirrorStore>,
    rails: BTreeMap<Rail, Arc<dyn LedgerRail>>,
    policy: Arc<dyn SyncPolicy>,
    clock: Arc<dyn Clock>,
    leases: Option<LeaseConfig>,
    lease_ttl: Duration,
    events: broadcast::Sender<ChangeEvent>,
}

impl SyncEngine {
    /// An engine over a mirror and a policy, with no rail yet, the system
    /// clock and no cross-process leases.
    pub fn new(mirror: Arc<dyn MirrorStore>, policy: Arc<dyn SyncPolicy>) -> Self {
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        SyncEngine {
            mirror,
            rails: BTreeMap::new(),
            policy,
            clock: Arc::new(SystemClock),
            leases: None,
            lease_ttl: SYNC_LEASE_TTL,
            events,
        }
    }

    /// Adds a rail (replacing one of the same `Rail`).
    pub fn with_rail(mut self, rail: Arc<dyn LedgerRail>) -> Self {
        self.rails.insert(rail.rail(), rail);
        self
    }

    /// Uses `clock` for run times and budget months.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Guards each realm's sync with a lease named `sync:<client>:<rail>`,
    /// so that no two syncs of one realm ever overlap: not in two processes
    /// sharing `leases`, not side by side in one. Each sync attempt holds it
    /// under its own holder name, `<holder>#<n>`; `holder` must be unique per
    /// process (host and pid, say). The lease lives [`SYNC_LEASE_TTL`] unless
    /// [`SyncEngine::with_lease_ttl`] says otherwise, and is renewed while
    /// the sync runs.
    pub fn with_leases(mut self, leases: Arc<dyn LeaseStore>, holder: impl Into<String>) -> Self {
        self.leases = Some(LeaseConfig::new(leases, holder.into()));
        self
    }

    /// Sets how long a realm lease lives without renewal (how soon a killed
    /// worker's realm is free again); renewals come every third of it.
    /// Applies to leases set with [`SyncEngine::with_leases`], before or after.
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// The mirror the engine writes.
    pub fn mirror(&self) -> &Arc<dyn MirrorStore> {
        &self.mirror
    }

    /// The policy the engine follows.
    pub fn policy(&self) -> &Arc<dyn SyncPolicy> {
        &self.policy
    }

    /// The engine's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Subscribes to change events: one per sync that changed the mirror.
    pub fn subscribe(&self) -> broadcast::Receiver<ChangeEvent> {
        self.events.subscribe()
    }

    /// Syncs one connection once: full, resumed or incremental as its
    /// checkpoint says (see the module docs). `notices` are the webhook hints
    /// that asked for this sync (may be empty): hints only, never applied as
    /// data; a merge among them names the survivor on the merged-away
    /// record's tombstone once the source confirms the deletion.
    ///
    /// Answers `SyncOutcome::Skipped` without calling the rail when the
    /// connection is not active or another process holds the realm's lease.
    /// On a rail or store error the run is recorded as failed (with what was
    /// committed before it kept) and the error is returned; `NeedsReauth`
    /// also marks the connection so that no later sync spends calls on it.
    pub async fn sync_connection(
        &self,
        connection: &Connection,
        trigger: SyncTrigger,
        notices: &[ChangeNotice],
    ) -> Result<SyncReport> {
        if connection.status != ConnectionStatus::Active {
            return Ok(SyncReport::skipped(
                connection,
                trigger,
                SyncOutcome::NotActive(connection.status),
            ));
        }
        let rail = self.rail_for(connection)?;
        let lease = match self.acquire_lease(connection).await? {
            Ok(lease) => lease,
            Err(held_by) => {
                let mut report = SyncReport::skipped(connection, trigger, SyncOutcome::Busy);
                report.held_by = held_by;
                return Ok(report);
            }
        };
        let deadline = self.policy.run_deadline();
        let result = tokio::time::timeout(
            deadline,
            self.sync_held(connection, rail.as_ref(), trigger, notices, lease.as_ref()),
        )
        .await;
        let result = match result {
            Ok(result) => result,
            Err(_) => Err(self.past_deadline(connection, deadline).await),
        };
        if let Some(lease) = lease {
            lease.release().await;
        }
        result
    }

    /// Closes the run a sync left open when it hit its deadline (its future
    /// was dropped; the realm's lease is still held, so no other run of the
    /// realm is in progress) and answers the error that says so.
    async fn past_deadline(&self, connection: &Connection, deadline: Duration) -> RowcolError {
        let why = format!(
            "the sync did not finish within its deadline of {} s; what it committed is kept and the next sync resumes from there",
            deadline.as_secs()
        );
        if let Err(e) = self
            .mirror
            .abandon_runs(&connection.client, connection.rail, &why)
            .await
        {
            tracing::warn!(client = %connection.client, error = %e, "could not close the run past its deadline");
        }
        tracing::warn!(client = %connection.client, ?deadline, "sync stopped at its deadline");
        RowcolError::rail(
            RailErrorKind::Timeout,
            ErrorContext::client(&connection.client).with_realm(connection.rail, &connection.realm),
            RailFailure {
                message: why,
                ..RailFailure::default()
            },
        )
    }

    /// Like [`SyncEngine::sync_connection`], retrying failed attempts as the
    /// policy says (waiting between them) until one succeeds or the policy
    /// gives up. `rng` draws the jitter.
    ///
    /// Only the store's errors are retried here: a rail's error has already
    /// been through the policy's retries inside the rail (the `LedgerRail`
    /// contract), so one failing realm spends one retry budget, not the
    /// product of two.
    pub async fn sync_with_retries(
        &self,
        connection: &Connection,
        trigger: SyncTrigger,
        notices: &[ChangeNotice],
        rng: &mut (dyn RngCore + Send),
    ) -> Result<SyncReport> {
        let mut attempt = 1;
        loop {
            match self.sync_connection(connection, trigger, notices).await {
                Ok(report) => return Ok(report),
                Err(error) if error.rail_kind().is_some() => return Err(error),
                Err(error) => match self.policy.retry(&error, attempt, rng) {
                    RetryDecision::RetryAfter(wait) => {
                        tracing::info!(client = %connection.client, attempt, ?wait, error = %error, "sync failed; retrying");
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                    }
                    RetryDecision::GiveUp(_) => return Err(error),
                },
            }
        }
    }

    /// Syncs every connection once, at most `concurrency` at a time, with
    /// retries as the policy says; `on_done` hears each result as it
    /// arrives (for progress). Answers the results in completion order.
    pub async fn sync_all(
        &self,
        connections: &[Connection],
        trigger: SyncTrigger,
        concurrency: usize,
        on_done: impl Fn(&Connection, &Result<SyncReport>),
    ) -> Vec<(Connection, Result<SyncReport>)> {
        let on_done = &on_done;
        let syncs = connections.iter().map(|connection| async move {
            let mut rng = rand::rngs::StdRng::from_os_rng();
            let result = self.sync_with_retries(connection, trigger, &[], &mut rng).await;
            on_done(connection, &result);
            (connection.clone(), result)
        });
        futures::stream::iter(syncs)
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await
    }

    /// Takes the realm's lease for one attempt: `Ok(None)` when the engine
    /// has no lease store, `Err(holder)` when another attempt holds it (who,
    /// and until when, if the store can tell). Holding the lease, no other
    /// run of the realm can be in progress, so runs still marked running
    /// were cut off (a killed process): they are recorded as failed.
    pub(crate) async fn acquire_lease(
        &self,
        connection: &Connection,
    ) -> Result<std::result::Result<Option<RealmLease>, Option<LeaseHold>>> {
        let Some(leases) = &self.leases else {
            return Ok(Ok(None));
        };
        let Some(lease) = leases.acquire(connection, self.lease_ttl).await? else {
            return Ok(Err(leases.holder_of(connection).await));
        };
        match self
            .mirror
            .abandon_runs(&connection.client, connection.rail, INTERRUPTED_RUN)
            .await
        {
            Ok(0) => {}
            Ok(closed) => {
                tracing::warn!(client = %connection.client, closed, "runs cut off before they ended are recorded as failed")
            }
            Err(error) => {
                lease.release().await;
                return Err(error);
            }
        }
        Ok(Ok(Some(lease)))
    }

    /// Tells subscribers what a sync changed, if anything.
    pub(crate) fn announce(&self, report: &SyncReport) {
        if let Some(event) = report.change_event() {
            // No subscriber is fine: events are a convenience, the mirror is the truth.
            let _ = self.events.send(event);
        }
    }

    pub(crate) fn rail_for(&self, connection: &Connection) -> Result<Arc<dyn LedgerRail>> {
        self.rails.get(&connection.rail).cloned().ok_or_else(|| {
            RowcolError::RailDisabled(RailDisabled {
                rail: connection.rail,
                enabled: self.rails.keys().map(Rail::as_str).collect::<Vec<_>>().join(", "),
            })
        })
    }

    async fn sync_held(
        &self,
        connection: &Connection,
        rail: &dyn LedgerRail,
        trigger: SyncTrigger,
        notices: &[ChangeNotice],
        lease: Option<&RealmLease>,
    ) -> Result<SyncReport> {
        let checkpoint = self.mirror.checkpoint(&connection.client, connection.rail).await?;
        let started = Instant::now();
        let mut report = SyncReport::new(connection, trigger);
        let mut position = checkpoint.map(|c| c.position);
        loop {
            match position {
                Some(SyncPosition::Incremental { cursor }) => {
                    let mut progress = self.begin(connection, trigger, SyncMode::Incremental).await?;
                    let outcome = incremental::run(self, connection, rail, &cursor, notices, &mut progress).await;
                    match self.end(connection, progress, outcome, &mut report).await {
                        Ok(()) => break,
                        Err(e) if is_cursor_too_old(&e) => {
                            tracing::info!(client = %connection.client, "change cursor too old; full re-sync");
                            position = None;
                        }
                        Err(e) => return Err(e),
                    }
                }
                resume => {
                    // A resumed full sync reaches the source as of the start
                    // of the attempt that began it, which may be long past (a
                    // killed worker, a restart): kinds listed before the
                    // crash are that old. A change-feed cycle from that start
                    // follows at once, so a synced realm is up to date
                    // however its sync began.
                    let resumed = matches!(resume, Some(SyncPosition::FullSync { .. }));
                    let mut progress = self.begin(connection, trigger, SyncMode::Full).await?;
                    let outcome = full::run(self, connection, rail, resume, notices, lease, &mut progress).await;
                    match self.end(connection, progress, outcome, &mut report).await? {
                        Some(cursor) if resumed => position = Some(SyncPosition::Incremental { cursor }),
                        _ => break,
                    }
                }
            }
        }
        report.duration = started.elapsed();
        self.announce(&report);
        Ok(report)
    }

    /// Records the start of a run.
    pub(crate) async fn begin(
        &self,
        connection: &Connection,
        trigger: SyncTrigger,
        mode: SyncMode,
    ) -> Result<Progress> {
        let run = self
            .mirror
            .start_run(&connection.client, connection.rail, trigger, mode)
            .await?;
        Ok(Progress::new(run, mode))
    }

    /// Records how a run ended: succeeded with its counts, or failed with the
    /// error's text (never a secret: errors carry none). `NeedsReauth` also
    /// marks the connection.
    pub(crate) async fn end<T>(
        &self,
        connection: &Connection,
        progress: Progress,
        outcome: Result<T>,
        report: &mut SyncReport,
    ) -> Result<T> {
        let (status, error) = match &outcome {
            Ok(_) => (RunStatus::Succeeded, None),
            Err(e) => (RunStatus::Failed, Some(e.to_string())),
        };
        self.mirror
            .finish_run(progress.run, status, progress.counts, error)
            .await?;
        if let Err(RowcolError::Rail {
            kind: RailErrorKind::NeedsReauth,
            ..
        }) = &outcome
        {
            self.mirror
                .set_connection_status(&connection.client, connection.rail, ConnectionStatus::NeedsReauth)
                .await?;
        }
        report.absorb(progress);
        outcome
    }

    /// Records a run that did its work but did not reach its goal (a repair
    /// that left drift) as failed with `why`, and still answers `outcome`.
    pub(crate) async fn end_failed<T>(
        &self,
        progress: Progress,
        outcome: Result<T>,
        why: String,
        report: &mut SyncReport,
    ) -> Result<T> {
        self.mirror
            .finish_run(progress.run, RunStatus::Failed, progress.counts, Some(why))
            .await?;
        report.absorb(progress);
        outcome
    }

    /// Applies one batch and adds its outcome to the run's counts.
    pub(crate) async fn apply(&self, mut batch: SyncBatch, progress: &mut Progress) -> Result<()> {
        batch.run = Some(progress.run);
        let outcome = self.mirror.apply(&batch).await?;
        progress.record(&batch, outcome);
        Ok(())
    }
}

/// One balance-history point per account in `records`, on the rail's day.
pub(crate) fn balance_points(records: &[SourceRecord], on: NaiveDate) -> Vec<BalancePoint> {
    records
        .iter()
        .filter_map(|record| match &record.entity {
            Entity::Account(account) => Some(BalancePoint {
                account: account.meta.external_id.clone(),
                on,
                balance: account.current_balance,
            }),
            _ => None,
        })
        .collect()
}

fn is_cursor_too_old(error: &RowcolError) -> bool {
    matches!(
        error,
        RowcolError::Rail {
            kind: RailErrorKind::CursorTooOld,
            ..
        }
    )
}

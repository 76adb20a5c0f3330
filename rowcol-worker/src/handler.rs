//! Running one sync job: find the connection, skip work a later sync already
//! did, sync once (a reconciliation job reconciles and repairs instead), and on failure let the policy choose between a delayed
//! retry (a new job) and giving up (the job stays dead for replay).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use apalis::prelude::{AbortError, BoxDynError, Data};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rowcol_core::sync::{RunStatus, SyncTrigger};
use rowcol_core::{Connection, ConnectionStatus, RetryDecision, RowcolError, StoreErrorKind};
use rowcol_sync::engine::BudgetPlan;
use rowcol_sync::reconcile::ReconcileMode;
use rowcol_sync::{SyncEngine, SyncOutcome};

use crate::error::{Result, WorkerError};
use crate::job::{JobOutcome, SyncJob, connection_of};
use crate::queue::JobQueue;

/// What every job of a worker shares.
pub(crate) struct JobContext {
    engine: Arc<SyncEngine>,
    queue: JobQueue,
    busy_delay: Duration,
    rng: Mutex<StdRng>,
}

impl JobContext {
    pub(crate) fn new(engine: Arc<SyncEngine>, queue: JobQueue, busy_delay: Duration) -> Self {
        JobContext {
            engine,
            queue,
            busy_delay,
            rng: Mutex::new(StdRng::from_os_rng()),
        }
    }

    /// Runs one job. An error means the job is dead.
    pub(crate) async fn run(&self, job: &SyncJob) -> Result<JobOutcome> {
        let connection = connection_of(&self.engine, &job.client, job.rail).await?;
        // Overlap on a realm, across processes and within this one, is kept
        // off by the engine's per-attempt realm lease: a held realm answers Busy.
        if job.trigger == SyncTrigger::Reconcile {
            return self.reconcile(job, &connection).await;
        }
        if self.already_synced(job).await? {
            tracing::debug!(client = %job.client, rail = %job.rail, "a later sync covered this job");
            return Ok(JobOutcome::Coalesced);
        }
        let mut notices = job.notices.clone();
        if job.trigger == SyncTrigger::Webhook {
            if self.budget_spent(job.rail).await? {
                tracing::warn!(client = %job.client, rail = %job.rail, "monthly call budget spent; webhook sync not run");
                return Ok(JobOutcome::OverBudget);
            }
            if !notices.is_empty() {
                notices = self.engine.fresh_notices(&connection, &notices).await?;
                if notices.is_empty() {
                    tracing::debug!(client = %job.client, rail = %job.rail, "the mirror already holds every notified change");
                    return Ok(JobOutcome::Coalesced);
                }
            }
        }
        match self.engine.sync_connection(&connection, job.trigger, &notices).await {
            Ok(report) => match report.outcome {
                SyncOutcome::Synced => Ok(JobOutcome::Synced {
                    fetched: report.counts.fetched,
                    api_calls: report.counts.api_calls,
                }),
                SyncOutcome::NotActive(status) => Ok(JobOutcome::NotActive {
                    status: status.as_str().to_owned(),
                }),
                SyncOutcome::Busy => self.requeue(job).await,
            },
            Err(error) => self.failed(job, error).await,
        }
    }

    /// Runs a reconciliation job: a cheap check, then the repair of its drift.
    async fn reconcile(&self, job: &SyncJob, connection: &Connection) -> Result<JobOutcome> {
        if connection.status != ConnectionStatus::Active {
            return Ok(JobOutcome::NotActive {
                status: connection.status.as_str().to_owned(),
            });
        }
        match self.engine.reconcile_and_repair(connection, ReconcileMode::Cheap).await {
            Ok((found, repaired)) => Ok(JobOutcome::Reconciled {
                drift: u32::try_from(found.drift.len()).unwrap_or(u32::MAX),
                repaired: repaired.applied + repaired.deleted,
                api_calls: found.api_calls + repaired.api_calls,
            }),
            Err(error) if error.store_kind() == Some(StoreErrorKind::Busy) => self.requeue(job).await,
            Err(error) => self.failed(job, error).await,
        }
    }

    /// A failed attempt: a delayed retry when the policy says so, else the
    /// job is dead.
    async fn failed(&self, job: &SyncJob, error: RowcolError) -> Result<JobOutcome> {
        let decision = {
            let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
            self.engine.policy().retry(&error, job.attempt, &mut *rng)
        };
        match decision {
            RetryDecision::RetryAfter(wait) => {
                tracing::info!(client = %job.client, attempt = job.attempt, ?wait, %error, "sync failed; retry queued");
                self.queue.push(&job.next_attempt(), wait, None).await?;
                Ok(JobOutcome::Retrying {
                    attempt: job.attempt,
                    after: wait,
                    error: error.to_string(),
                })
            }
            RetryDecision::GiveUp(reason) => Err(WorkerError::GaveUp {
                client: job.client.clone(),
                rail: job.rail,
                reason,
            }),
        }
    }

    /// True when `rail`'s monthly call budget is spent: the rail stops
    /// answering reads, so webhook work waits like scheduled work does.
    async fn budget_spent(&self, rail: rowcol_core::Rail) -> Result<bool> {
        let Some(budget) = self.engine.policy().monthly_call_budget(rail) else {
            return Ok(false);
        };
        let now = self.engine.clock().now();
        let spent = self
            .engine
            .mirror()
            .api_calls_since(rail, rowcol_sync::engine::month_start(now))
            .await?;
        Ok(BudgetPlan::new(Some(budget), spent, now).exhausted())
    }

    /// Someone syncs the realm now: run the job again shortly rather than
    /// drop it.
    async fn requeue(&self, job: &SyncJob) -> Result<JobOutcome> {
        self.queue.push(job, self.busy_delay, None).await?;
        Ok(JobOutcome::Requeued { after: self.busy_delay })
    }

    /// True when a sync of the job's realm started after the job was asked
    /// for and succeeded: it read everything the job would (a burst of
    /// webhooks thus costs one sync). A reconcile run does not count: it
    /// checks the mirror, it does not read the changes.
    async fn already_synced(&self, job: &SyncJob) -> Result<bool> {
        let runs = self.engine.mirror().runs(&job.client, 8).await?;
        Ok(runs.iter().any(|r| {
            r.rail == job.rail
                && r.trigger != SyncTrigger::Reconcile
                && r.status == RunStatus::Succeeded
                && r.started_at >= job.requested_at
        }))
    }
}

/// The apalis job function. A dead job ends `Killed` (apalis' "do not retry"):
/// retries are separate jobs queued with the policy's backoff.
pub(crate) async fn sync_job(job: SyncJob, context: Data<Arc<JobContext>>) -> Result<JobOutcome, BoxDynError> {
    match context.run(&job).await {
        Ok(outcome) => {
            tracing::info!(client = %job.client, rail = %job.rail, trigger = ?job.trigger, ?outcome, "sync job done");
            Ok(outcome)
        }
        Err(error) => {
            tracing::warn!(client = %job.client, rail = %job.rail, %error, "sync job dead");
            Err(Box::new(AbortError::new(error)))
        }
    }
}

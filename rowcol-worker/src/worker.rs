//! The worker process: an apalis worker running sync jobs from the queue
//! and, optionally, an `apalis-cron` worker ticking the [`Scheduler`].

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apalis::prelude::{BackendExt, BoxDynError, Data, WorkerBuilder as ApalisWorker, WorkerBuilderExt};
use apalis_cron::{CronScheduler, Schedule, Tick};
use futures::FutureExt;
use rowcol_sync::SyncEngine;

use crate::error::{Result, WorkerError};
use crate::handler::{JobContext, sync_job};
use crate::queue::{Heartbeat, JobQueue, Storage};
use crate::scheduler::{Scheduler, TickReport};

/// Entry point: `Worker::builder(engine, queue)...run(shutdown)`.
#[derive(Debug)]
pub struct Worker;

impl Worker {
    /// A worker running `engine`'s syncs from `queue`: named after the
    /// process, two jobs at a time, polling every second, ticking the
    /// schedule every minute.
    pub fn builder(engine: Arc<SyncEngine>, queue: JobQueue) -> WorkerBuilder {
        WorkerBuilder {
            engine,
            queue,
            name: format!("rowcol-worker-{}", std::process::id()),
            concurrency: 2,
            heartbeat: Heartbeat::default(),
            busy_delay: Duration::from_secs(5),
            poll_every: Duration::from_secs(1),
            tick_every: Some(Duration::from_secs(60)),
        }
    }
}

/// Settings of a worker before it runs.
pub struct WorkerBuilder {
    engine: Arc<SyncEngine>,
    queue: JobQueue,
    name: String,
    concurrency: usize,
    heartbeat: Heartbeat,
    busy_delay: Duration,
    poll_every: Duration,
    tick_every: Option<Duration>,
}

impl WorkerBuilder {
    /// The worker's name in the queue: unique among live workers (use the
    /// engine's lease holder name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Jobs run at once (at least one); also how many a fetch takes, so
    /// that several workers share the queue instead of one hoarding it.
    pub fn concurrency(mut self, jobs: usize) -> Self {
        self.concurrency = jobs.max(1);
        self
    }

    /// How this worker beats and when a silent peer counts as dead (its
    /// jobs are then queued again).
    pub fn heartbeat(mut self, heartbeat: Heartbeat) -> Self {
        self.heartbeat = heartbeat;
        self
    }

    /// Delay before a job whose realm another worker is syncing runs again.
    pub fn busy_delay(mut self, delay: Duration) -> Self {
        self.busy_delay = delay;
        self
    }

    /// How often an idle worker looks for new jobs (default: every second).
    pub fn poll_every(mut self, period: Duration) -> Self {
        self.poll_every = period;
        self
    }

    /// Ticks the schedule every `period` (whole seconds, at least one), or
    /// never with `None` (another process schedules).
    pub fn tick_every(mut self, period: Option<Duration>) -> Self {
        self.tick_every = period;
        self
    }

    /// Runs until `shutdown` completes, then lets running jobs finish.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<()> {
        let shutdown = shutdown.shared();
        let signal = || shutdown.clone().map(Ok::<(), std::io::Error>);
        let stopped = |worker: &str, e: apalis::prelude::WorkerError| WorkerError::Stopped {
            worker: worker.to_owned(),
            message: e.to_string(),
        };
        let context = Arc::new(JobContext::new(
            Arc::clone(&self.engine),
            self.queue.clone(),
            self.busy_delay,
        ));
        let name = self.name.clone();
        let storage = self.queue.worker_storage(self.heartbeat, self.concurrency);

        // The two storages are different types behind the same builder calls.
        macro_rules! sync_worker {
            ($storage:expr) => {
                ApalisWorker::new(name.as_str())
                    .backend($storage.poll_with_interval(self.poll_every))
                    .concurrency(self.concurrency)
                    .data(context)
                    .build(sync_job)
                    .run_until(signal())
                    .await
            };
        }
        let jobs = async {
            match storage {
                Storage::Sqlite(s) => sync_worker!(s),
                Storage::Postgres(s) => sync_worker!(s),
            }
            .map_err(|e| stopped(&name, e))
        };

        let tick_name = format!("{}-schedule", self.name);
        let ticks = async {
            let Some(period) = self.tick_every else {
                return Ok(());
            };
            let scheduler = Arc::new(Scheduler::new(Arc::clone(&self.engine), self.queue.clone()));
            ApalisWorker::new(tick_name.as_str())
                .backend(CronScheduler::new(Every(period)))
                .data(scheduler)
                .build(tick_job)
                .run_until(signal())
                .await
                .map_err(|e| stopped(&tick_name, e))
        };
        futures::try_join!(jobs, ticks).map(|_| ())
    }
}

/// The apalis-cron job: one schedule tick at the engine's clock.
async fn tick_job(_tick: Tick, scheduler: Data<Arc<Scheduler>>) -> Result<TickReport, BoxDynError> {
    let now = scheduler.now();
    let mut report = scheduler.tick(now).await?;
    let reconciles = scheduler.tick_reconcile(now).await?;
    report.queued.extend(reconciles.queued);
    report.already_queued += reconciles.already_queued;
    Ok(report)
}

/// A cron schedule firing on every multiple of a period since the epoch.
#[derive(Debug, Clone, Copy)]
struct Every(Duration);

impl Schedule<chrono::Utc> for Every {
    fn next_tick(&mut self, _: &chrono::Utc) -> Option<Tick> {
        let period = self.0.as_secs().max(1);
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        Some(Tick::new((now / period + 1) * period))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_fall_on_multiples_of_the_period_in_the_future() {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let tick = Every(Duration::from_secs(60)).next_tick(&chrono::Utc).unwrap();
        let at = tick.get_timestamp();
        assert_eq!(at % 60, 0);
        assert!(at > now && at <= now + 60);
    }
}

//! # rowcol-worker
//!
//! RowCol's sync engine run as durable jobs on [apalis](https://docs.rs/apalis):
//! PostgreSQL for several workers on several machines, SQLite embedded.
//!
//! - [`JobQueue`]: the durable queue (`JobQueue::connect(url)`); dead jobs
//!   ([`JobQueue::dead_jobs`]) and [`JobQueue::replay`].
//! - [`Worker`]: `Worker::builder(engine, queue).concurrency(n).run(shutdown)`
//!   runs sync jobs and ticks the schedule with `apalis-cron`.
//! - [`Scheduler::tick`]: queues the clients whose slot passed.
//! - [`Intake`]: webhook notices and on-demand requests become urgent jobs.
//! - [`metrics_text`] / [`portfolio_metrics`]: health for Prometheus.
//!
//! One realm is never synced by two workers at once: the engine's lease
//! answers `Busy` to the second, whose job is queued again after a short
//! delay. A killed worker's jobs are queued again once its heartbeat stops
//! (apalis' orphan recovery) and its realm lease expires.

mod error;
mod handler;
pub mod http;
mod intake;
mod job;
mod metrics;
mod queue;
mod scheduler;
mod worker;

pub use error::{Result, WorkerError};
pub use intake::{DEFAULT_COALESCE, Intake, IntakeReport};
pub use job::{JobOutcome, RECONCILE_PRIORITY, SCHEDULED_PRIORITY, SyncJob, URGENT_PRIORITY};
pub use metrics::{metrics_text, portfolio_metrics};
pub use queue::{Heartbeat, JobQueue, JobRecord, JobState, Pushed, QUEUE_NAME, QueueStats};
pub use scheduler::{RECONCILE_EVERY, Scheduler, TickReport};
pub use worker::{Worker, WorkerBuilder};

/// The README's snippets, compiled and run as doc tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

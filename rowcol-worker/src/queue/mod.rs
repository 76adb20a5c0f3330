//! The durable job queue: apalis' SQLite storage (embedded default) or its
//! PostgreSQL storage (several workers on several machines), behind one
//! type. Pushing goes through apalis' own sink; inspecting and replaying
//! dead jobs reads apalis' job table with one small query per backend.

mod postgres;
mod sqlite;

use std::time::Duration;

use apalis::prelude::{TaskBuilder, TaskSink};
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use serde::{Deserialize, Serialize};

use crate::error::{Result, WorkerError};
use crate::job::SyncJob;

/// The apalis queue (its `job_type`) every sync job lives in.
pub const QUEUE_NAME: &str = "rowcol-sync";

/// How a worker notices a dead peer: it beats every `interval`; a peer
/// silent for `interval * missed` is dead and its jobs are queued again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    /// Time between beats.
    pub interval: Duration,
    /// Beats missed before a worker counts as dead.
    pub missed: usize,
}

impl Default for Heartbeat {
    /// Beats every second; dead after 30 s of silence.
    ///
    /// The beat is short for latency, not liveness: apalis 1.0's poller can
    /// miss its interval wake-up after acknowledging a job and then sleeps
    /// until the next heartbeat (stalls of 5.5 s were measured with a 10 s
    /// beat, holding back every queued webhook job). A beat is one small
    /// write per worker.
    fn default() -> Self {
        Heartbeat {
            interval: Duration::from_secs(1),
            missed: 30,
        }
    }
}

/// Which apalis storage holds the jobs.
#[derive(Clone)]
pub(crate) enum Storage {
    Sqlite(SqliteStorage<SyncJob>),
    Postgres(PostgresStorage<SyncJob>),
}

/// The durable queue of sync jobs. Cheap to clone.
#[derive(Clone)]
pub struct JobQueue {
    storage: Storage,
}

impl std::fmt::Debug for JobQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's options hold the URL and its password: show the backend only.
        f.debug_struct("JobQueue").field("backend", &self.backend()).finish()
    }
}

/// Where a job stands in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its time or a free worker.
    Pending,
    /// Taken by a worker (fetched or running).
    Running,
    /// Finished (successfully, or handed on to a retry or a re-queue).
    Done,
    /// Gave up: kept for inspection and [`JobQueue::replay`].
    Dead,
}

impl JobState {
    /// The state of an apalis status string.
    fn from_apalis(status: &str) -> Self {
        match status {
            "Queued" | "Running" => JobState::Running,
            "Done" => JobState::Done,
            "Failed" | "Killed" => JobState::Dead,
            _ => JobState::Pending,
        }
    }

    /// The apalis statuses in this state, as a pair (one repeated when the
    /// state has one) so that the backend queries stay static SQL.
    fn apalis_statuses(self) -> [&'static str; 2] {
        match self {
            JobState::Pending => ["Pending", "Pending"],
            JobState::Running => ["Queued", "Running"],
            JobState::Done => ["Done", "Done"],
            JobState::Dead => ["Failed", "Killed"],
        }
    }
}

/// One job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    /// apalis' task id (a ULID).
    pub id: String,
    /// What it asks for.
    pub job: SyncJob,
    /// Where it stands.
    pub state: JobState,
    /// Its priority (higher first).
    pub priority: i64,
    /// Unix seconds before which it does not run.
    pub run_at: i64,
    /// apalis' record of the last result (the error of a dead job).
    pub last_result: Option<String>,
}

/// A job's row as the backend query returns it, before decoding.
pub(crate) struct RawJob {
    pub(crate) id: String,
    pub(crate) args: Vec<u8>,
    pub(crate) status: String,
    pub(crate) priority: i64,
    pub(crate) run_at: i64,
    pub(crate) last_result: Option<String>,
}

impl RawJob {
    fn decode(self) -> Result<JobRecord> {
        let job = serde_json::from_slice(&self.args).map_err(|e| WorkerError::Corrupt {
            id: self.id.clone(),
            message: e.to_string(),
        })?;
        Ok(JobRecord {
            state: JobState::from_apalis(&self.status),
            id: self.id,
            job,
            priority: self.priority,
            run_at: self.run_at,
            last_result: self.last_result,
        })
    }
}

/// Whether a push added a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// A new job was queued.
    Queued,
    /// A job with the same idempotency key already exists; nothing was added.
    AlreadyQueued,
}

impl JobQueue {
    /// Opens the queue a URL names (`postgres://`, `postgresql://`, or
    /// `sqlite:` with a file path) and brings apalis' tables up to date.
    /// Several processes may share a PostgreSQL queue; a SQLite queue is for
    /// the processes of one machine.
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = postgres::connect(url).await?;
            let storage = PostgresStorage::new(&pool).with_config(postgres::config(Heartbeat::default(), 1));
            Ok(JobQueue::from_storage(Storage::Postgres(storage)))
        } else if url.starts_with("sqlite:") {
            let pool = sqlite::connect(url).await?;
            let storage = SqliteStorage::new(&pool).with_config(sqlite::config(Heartbeat::default(), 1));
            Ok(JobQueue::from_storage(Storage::Sqlite(storage)))
        } else {
            let scheme = url.split(':').next().unwrap_or_default().chars().take(20).collect();
            Err(WorkerError::UnsupportedQueue { scheme })
        }
    }

    fn from_storage(storage: Storage) -> Self {
        JobQueue { storage }
    }

    /// The storage a worker polls: fetching `batch` jobs at a time and
    /// beating as `heartbeat` says.
    pub(crate) fn worker_storage(&self, heartbeat: Heartbeat, batch: usize) -> Storage {
        match &self.storage {
            Storage::Sqlite(s) => Storage::Sqlite(s.clone().with_config(sqlite::config(heartbeat, batch))),
            Storage::Postgres(s) => Storage::Postgres(s.clone().with_config(postgres::config(heartbeat, batch))),
        }
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.storage {
            Storage::Sqlite(_) => sqlite::NAME,
            Storage::Postgres(_) => postgres::NAME,
        }
    }

    /// Queues `job` to run after `delay`, at the job's priority. With a `key`,
    /// a second push of the same key adds nothing, across processes (a
    /// lookup answers most; the key's unique index settles races).
    ///
    /// Every job gets one apalis attempt: retries are new jobs that the
    /// handler queues with the policy's backoff, so a job that fails for
    /// good stays dead instead of being re-run at once by apalis.
    pub async fn push(&self, job: &SyncJob, delay: Duration, key: Option<&str>) -> Result<Pushed> {
        let mut task = TaskBuilder::new(job.clone())
            .priority(job.priority())
            .max_attempts(1)
            .run_after(delay);
        if let Some(key) = key {
            let exists = match &self.storage {
                Storage::Sqlite(s) => sqlite::key_exists(s.pool(), key).await?,
                Storage::Postgres(s) => postgres::key_exists(s.pool(), key).await?,
            };
            if exists {
                return Ok(Pushed::AlreadyQueued);
            }
            task = task.idempotency_key(key);
        }
        let task = task.build();
        let backend = self.backend();
        let pushed = match &self.storage {
            Storage::Sqlite(s) => s.clone().push_task(task).await.map_err(|e| (e.to_string(), false)),
            Storage::Postgres(s) => s
                .clone()
                .push_task(task)
                .await
                .map_err(|e| (e.to_string(), postgres::is_duplicate(&e))),
        };
        match pushed {
            Ok(()) => Ok(Pushed::Queued),
            Err((_, true)) => Ok(Pushed::AlreadyQueued),
            Err((message, false)) => Err(WorkerError::queue(backend, "push a job", message)),
        }
    }

    /// Jobs in `state`, highest priority first, then by run time.
    pub async fn jobs(&self, state: JobState) -> Result<Vec<JobRecord>> {
        let statuses = state.apalis_statuses();
        let raw = match &self.storage {
            Storage::Sqlite(s) => sqlite::list(s.pool(), statuses).await?,
            Storage::Postgres(s) => postgres::list(s.pool(), statuses).await?,
        };
        raw.into_iter().map(RawJob::decode).collect()
    }

    /// Jobs that gave up (the policy's retries ran out, or the job could not
    /// run at all), kept for inspection and [`JobQueue::replay`].
    pub async fn dead_jobs(&self) -> Result<Vec<JobRecord>> {
        self.jobs(JobState::Dead).await
    }

    /// Queues a dead job again as a first attempt, in place (same id).
    ///
    /// Fails with [`WorkerError::NotDead`] when no dead job has this id.
    pub async fn replay(&self, id: &str) -> Result<()> {
        let dead = self.dead_jobs().await?;
        let record = dead
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| WorkerError::NotDead { id: id.to_owned() })?;
        let args = serde_json::to_vec(&record.job.first_attempt()).map_err(|e| WorkerError::Corrupt {
            id: id.to_owned(),
            message: e.to_string(),
        })?;
        let dead_statuses = JobState::Dead.apalis_statuses();
        let replayed = match &self.storage {
            Storage::Sqlite(s) => sqlite::requeue(s.pool(), id, args, dead_statuses).await?,
            Storage::Postgres(s) => postgres::requeue(s.pool(), id, args, dead_statuses).await?,
        };
        if replayed {
            Ok(())
        } else {
            Err(WorkerError::NotDead { id: id.to_owned() })
        }
    }

    /// Counts of waiting and dead jobs.
    pub async fn stats(&self) -> Result<QueueStats> {
        Ok(QueueStats {
            pending: self.jobs(JobState::Pending).await?.len(),
            running: self.jobs(JobState::Running).await?.len(),
            dead: self.dead_jobs().await?.len(),
        })
    }
}

/// How many jobs are in each live state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStats {
    /// Waiting.
    pub pending: usize,
    /// Taken by a worker.
    pub running: usize,
    /// Dead, waiting for a person.
    pub dead: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apalis_statuses_map_onto_states_and_back() {
        for state in [JobState::Pending, JobState::Running, JobState::Done, JobState::Dead] {
            for status in state.apalis_statuses() {
                assert_eq!(JobState::from_apalis(status), state);
            }
        }
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused_without_echoing_the_url() {
        let err = JobQueue::connect("mysql://root:hunter2@db/x").await.unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(!err.retryable());
    }
}

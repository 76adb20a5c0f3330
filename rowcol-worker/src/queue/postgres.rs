//! The PostgreSQL side of the queue: apalis' `apalis.jobs` table.

use apalis::prelude::TaskSinkError;
use apalis_postgres::{Config, PostgresStorage};
use sqlx::Row;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};

use super::{Heartbeat, QUEUE_NAME, RawJob};
use crate::error::{Result, WorkerError};

pub(super) const NAME: &str = "postgres";

/// Connects and runs apalis' migrations (safe to run from several
/// processes at once: sqlx serialises migrations with an advisory lock).
pub(super) async fn connect(url: &str) -> Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(8)
        .connect(url)
        .await
        .map_err(|e| WorkerError::queue(NAME, "connect to the queue", e))?;
    PostgresStorage::setup(&pool)
        .await
        .map_err(|e| WorkerError::queue(NAME, "migrate the queue", e))?;
    Ok(pool)
}

/// apalis' settings for the sync queue.
pub(super) fn config(heartbeat: Heartbeat, batch: usize) -> Config {
    Config::default()
        .queue(QUEUE_NAME)
        .heartbeat_interval(heartbeat.interval)
        .missed_heartbeats(heartbeat.missed)
        .batch_size(batch.max(1))
}

/// True when a push failed only because its idempotency key exists (apalis'
/// PostgreSQL sink inserts without `ON CONFLICT`, unlike its SQLite one).
pub(super) fn is_duplicate(error: &TaskSinkError<apalis_postgres::Error>) -> bool {
    matches!(
        error,
        TaskSinkError::PushError(apalis_postgres::Error::Database(e))
            if e.as_database_error().is_some_and(|d| d.is_unique_violation())
    )
}

/// True when a job with idempotency key `key` exists (in any state).
pub(super) async fn key_exists(pool: &PgPool, key: &str) -> Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM apalis.jobs WHERE job_type = $1 AND idempotency_key = $2)")
        .bind(QUEUE_NAME)
        .bind(key)
        .fetch_one(pool)
        .await
        .map_err(|e| WorkerError::queue(NAME, "look up an idempotency key", e))
}

/// Jobs whose status is one of `statuses` (one or two of them).
pub(super) async fn list(pool: &PgPool, [first, second]: [&str; 2]) -> Result<Vec<RawJob>> {
    sqlx::query(
        "SELECT id, job, status, priority::bigint AS priority, \
         EXTRACT(EPOCH FROM run_at)::bigint AS run_at, last_result::text AS last_result \
         FROM apalis.jobs WHERE job_type = $1 AND status IN ($2, $3) ORDER BY priority DESC, run_at, id",
    )
    .bind(QUEUE_NAME)
    .bind(first)
    .bind(second)
    .fetch_all(pool)
    .await
    .and_then(|rows| rows.iter().map(raw).collect())
    .map_err(|e| WorkerError::queue(NAME, "list jobs", e))
}

fn raw(row: &PgRow) -> sqlx::Result<RawJob> {
    Ok(RawJob {
        id: row.try_get("id")?,
        args: row.try_get("job")?,
        status: row.try_get("status")?,
        priority: row.try_get::<Option<i64>, _>("priority")?.unwrap_or_default(),
        run_at: row.try_get("run_at")?,
        last_result: row.try_get("last_result")?,
    })
}

/// Puts a job in one of `statuses` back to pending with new arguments;
/// answers whether one was.
pub(super) async fn requeue(pool: &PgPool, id: &str, args: Vec<u8>, [first, second]: [&str; 2]) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE apalis.jobs SET job = $1, status = 'Pending', attempts = 0, run_at = now(), \
         lock_by = NULL, lock_at = NULL, done_at = NULL, last_result = NULL \
         WHERE id = $2 AND job_type = $3 AND status IN ($4, $5)",
    )
    .bind(args)
    .bind(id)
    .bind(QUEUE_NAME)
    .bind(first)
    .bind(second)
    .execute(pool)
    .await
    .map_err(|e| WorkerError::queue(NAME, "replay a job", e))?;
    Ok(done.rows_affected() == 1)
}

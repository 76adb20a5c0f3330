//! The SQLite side of the queue: apalis' `Jobs` table.

use std::str::FromStr;

use apalis_sqlite::{Config, SqliteStorage};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteRow};

use super::{Heartbeat, QUEUE_NAME, RawJob};
use crate::error::{Result, WorkerError};

pub(super) const NAME: &str = "sqlite";

/// Opens (creating) the database file and runs apalis' migrations. A file
/// it creates is readable by its owner only (0600, whatever the umask); SQLite
/// gives its `-wal` and `-shm` the same mode.
pub(super) async fn connect(url: &str) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| WorkerError::queue(NAME, "parse the queue URL", e))?
        .create_if_missing(true);
    let memory = url.contains(":memory:") || url.contains("mode=memory");
    if !memory {
        rowcol_mirror::create_private(options.get_filename())
            .map_err(|e| WorkerError::queue(NAME, "create the queue file", e))?;
    }
    let pool = SqlitePoolOptions::new()
        .connect_with(options)
        .await
        .map_err(|e| WorkerError::queue(NAME, "open the queue", e))?;
    SqliteStorage::setup(&pool)
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

/// True when a job with idempotency key `key` exists (in any state).
pub(super) async fn key_exists(pool: &SqlitePool, key: &str) -> Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM Jobs WHERE job_type = ?1 AND idempotency_key = ?2)")
        .bind(QUEUE_NAME)
        .bind(key)
        .fetch_one(pool)
        .await
        .map_err(|e| WorkerError::queue(NAME, "look up an idempotency key", e))
}

/// Jobs whose status is one of `statuses` (one or two of them).
pub(super) async fn list(pool: &SqlitePool, [first, second]: [&str; 2]) -> Result<Vec<RawJob>> {
    sqlx::query(
        "SELECT id, job, status, priority, run_at, last_result FROM Jobs \
         WHERE job_type = ?1 AND status IN (?2, ?3) ORDER BY priority DESC, run_at, id",
    )
    .bind(QUEUE_NAME)
    .bind(first)
    .bind(second)
    .fetch_all(pool)
    .await
    .and_then(|rows| rows.iter().map(raw).collect())
    .map_err(|e| WorkerError::queue(NAME, "list jobs", e))
}

fn raw(row: &SqliteRow) -> sqlx::Result<RawJob> {
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
pub(super) async fn requeue(pool: &SqlitePool, id: &str, args: Vec<u8>, [first, second]: [&str; 2]) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE Jobs SET job = ?1, status = 'Pending', attempts = 0, run_at = strftime('%s', 'now'), \
         lock_by = NULL, lock_at = NULL, done_at = NULL, last_result = NULL \
         WHERE id = ?2 AND job_type = ?3 AND status IN (?4, ?5)",
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

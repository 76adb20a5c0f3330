//! `SqlMirror`: the store, generic over the backend, and how to open one.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use rowcol_core::{AdvisorId, ClientId, Clock, ErrorContext, RowcolError, StoreErrorKind, SystemClock};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Postgres, QueryBuilder, Sqlite};

use crate::backend::{Backend, Val};
use crate::cache::{SnapshotCache, SnapshotCacheConfig};
use crate::crypto::CredentialKey;
use crate::error::store_error;
use crate::upkeep::Upkeep;

/// The mirror on a SQL database. Use [`SqliteMirror`] or [`PostgresMirror`].
pub struct SqlMirror<DB: Backend> {
    pub(crate) pool: Pool<DB>,
    pub(crate) key: CredentialKey,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) cache: SnapshotCache,
    pub(crate) upkeep: Upkeep,
}

/// The embedded default: a SQLite file (or memory).
pub type SqliteMirror = SqlMirror<Sqlite>;

/// Production: PostgreSQL, shared by several workers.
pub type PostgresMirror = SqlMirror<Postgres>;

impl<DB: Backend> std::fmt::Debug for SqlMirror<DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlMirror")
            .field("backend", &DB::LABEL)
            .finish_non_exhaustive()
    }
}

impl<DB: Backend> SqlMirror<DB> {
    /// Wraps a pool, applying any pending migrations.
    pub async fn from_pool(pool: Pool<DB>, key: CredentialKey) -> Result<Self, RowcolError> {
        DB::migrate(&pool).await.map_err(|e| {
            RowcolError::store_with_source(
                crate::error::migrate_kind(&e),
                ErrorContext::default(),
                format!("migrating the {} mirror failed", DB::LABEL),
                e,
            )
        })?;
        Ok(SqlMirror {
            pool,
            key,
            clock: Arc::new(SystemClock),
            cache: SnapshotCache::new(SnapshotCacheConfig::default()),
            upkeep: Upkeep::default(),
        })
    }

    /// The same store with a snapshot cache of another size (`max_records:
    /// 0` turns it off, so every snapshot reads and decodes every record).
    pub fn with_snapshot_cache(mut self, config: SnapshotCacheConfig) -> Self {
        self.cache = SnapshotCache::new(config);
        self
    }

    /// The same store reading "now" from `clock` (for tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The underlying pool (for operators and tests).
    pub fn pool(&self) -> &Pool<DB> {
        &self.pool
    }

    pub(crate) async fn conn(&self, ctx: &ErrorContext) -> Result<sqlx::pool::PoolConnection<DB>, RowcolError> {
        self.pool
            .acquire()
            .await
            .map_err(|e| store_error(e, ctx.clone(), &format!("connecting to the {} mirror", DB::LABEL)))
    }

    pub(crate) fn now_us(&self) -> i64 {
        self.clock.now().timestamp_micros()
    }

    /// Fails with `OutsidePortfolio` unless `client` belongs to `advisor`
    /// (an unknown client too: the answer never says whether it exists).
    pub(crate) async fn check_scope(
        &self,
        conn: &mut DB::Connection,
        advisor: &AdvisorId,
        client: &ClientId,
    ) -> Result<(), RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut q = sql::<DB>("SELECT 1 FROM clients WHERE id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND advisor_id = ");
        bind_text(&mut q, advisor.as_str());
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "checking the portfolio"))?;
        if rows.is_empty() {
            return Err(outside_portfolio(advisor, client));
        }
        Ok(())
    }
}

/// WAL pages after which a commit copies the log back into the database
/// itself: the bound on the log should the background checkpoint
/// (`upkeep.rs`) fall behind, about 40 MB. (SQLite's default is 1,000
/// pages, two 1,000-record batches: every other `apply` paid for a
/// checkpoint and its fsyncs.) Committed transactions are as durable either
/// way.
const WAL_AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// Creates the database file `path` readable and writable by its owner
/// only (0600), whatever the umask, unless it exists already. It holds the
/// books and sealed tokens; SQLite gives the `-wal` and `-shm` files it
/// creates beside it the same mode.
fn create_private(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl SqliteMirror {
    /// Opens (creating if missing) a SQLite mirror: `sqlite://path/to/file.db`,
    /// a plain path, or `sqlite::memory:`. WAL journal, foreign keys on, a
    /// 10 s busy timeout so writers queue instead of failing. A file it
    /// creates (and its `-wal` and `-shm`) is readable by its owner only.
    pub async fn open(url: &str, key: CredentialKey) -> Result<Self, RowcolError> {
        let ctx = ErrorContext::default();
        let memory = url.contains(":memory:") || url.contains("mode=memory");
        let text = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let options = SqliteConnectOptions::from_str(&text)
            .map_err(|e| store_error(e, ctx.clone(), "parsing the SQLite URL"))?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(if memory {
                SqliteJournalMode::Memory
            } else {
                SqliteJournalMode::Wal
            })
            .synchronous(SqliteSynchronous::Normal)
            .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES.to_string())
            .busy_timeout(Duration::from_secs(10));
        if !memory {
            let path = options.get_filename();
            create_private(path).map_err(|e| {
                RowcolError::store_with_source(
                    StoreErrorKind::Unavailable,
                    ctx.clone(),
                    format!("creating the SQLite mirror file {}", path.display()),
                    e,
                )
            })?;
        }
        // One connection for an in-memory database: each connection would
        // otherwise see its own empty database.
        let pool = SqlitePoolOptions::new()
            .max_connections(if memory { 1 } else { 4 })
            .connect_with(options)
            .await
            .map_err(|e| store_error(e, ctx, "opening the SQLite mirror"))?;
        SqlMirror::from_pool(pool, key).await
    }
}

impl PostgresMirror {
    /// Connects to a PostgreSQL mirror (`postgres://...`).
    pub async fn connect(url: &str, key: CredentialKey) -> Result<Self, RowcolError> {
        let ctx = ErrorContext::default();
        let options =
            PgConnectOptions::from_str(url).map_err(|e| store_error(e, ctx.clone(), "parsing the PostgreSQL URL"))?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| store_error(e, ctx, "connecting to the PostgreSQL mirror"))?;
        SqlMirror::from_pool(pool, key).await
    }
}

/// The answer for a client outside the advisor's portfolio (or unknown: the
/// answer never says whether it exists).
pub(crate) fn outside_portfolio(advisor: &AdvisorId, client: &ClientId) -> RowcolError {
    RowcolError::store(
        StoreErrorKind::OutsidePortfolio,
        ErrorContext::client(client),
        format!("advisor {advisor} has no such client"),
    )
}

/// A query builder starting with `init`.
pub(crate) fn sql<DB: Backend>(init: &str) -> QueryBuilder<DB> {
    QueryBuilder::new(init)
}

/// Binds text.
pub(crate) fn bind_text<DB: Backend>(q: &mut QueryBuilder<DB>, v: &str) {
    DB::bind(q, Val::Text(v.to_owned()));
}

/// Binds an integer.
pub(crate) fn bind_int<DB: Backend>(q: &mut QueryBuilder<DB>, v: i64) {
    DB::bind(q, Val::Int(v));
}

/// Binds exact money text as the backend's money type.
pub(crate) fn bind_money<DB: Backend>(q: &mut QueryBuilder<DB>, v: Option<String>) {
    q.push(DB::MONEY_IN.0);
    DB::bind(q, Val::OptText(v));
    q.push(DB::MONEY_IN.1);
}

/// Column `i` as text that must be present.
pub(crate) fn need_text<DB: Backend>(row: &DB::Row, i: usize) -> Result<String, RowcolError> {
    opt_str::<DB>(row, i)?
        .map(str::to_owned)
        .ok_or_else(|| crate::codec::corrupt(format!("column {i} is unexpectedly empty")))
}

/// Column `i` as optional text.
pub(crate) fn opt_text<DB: Backend>(row: &DB::Row, i: usize) -> Result<Option<String>, RowcolError> {
    Ok(opt_str::<DB>(row, i)?.map(str::to_owned))
}

/// Column `i` as optional text borrowed from the row (no copy: a cold
/// snapshot's aggregated records are a megabyte a client).
pub(crate) fn opt_str<DB: Backend>(row: &DB::Row, i: usize) -> Result<Option<&str>, RowcolError> {
    DB::text(row, i).map_err(|e| store_error(e, ErrorContext::default(), "reading a column"))
}

/// Column `i` as optional bytes borrowed from the row.
pub(crate) fn opt_bytes<DB: Backend>(row: &DB::Row, i: usize) -> Result<Option<&[u8]>, RowcolError> {
    DB::bytes(row, i).map_err(|e| store_error(e, ErrorContext::default(), "reading a column"))
}

/// Column `i` as an integer that must be present.
pub(crate) fn need_int<DB: Backend>(row: &DB::Row, i: usize) -> Result<i64, RowcolError> {
    opt_int::<DB>(row, i)?.ok_or_else(|| crate::codec::corrupt(format!("column {i} is unexpectedly empty")))
}

/// Column `i` as an optional integer.
pub(crate) fn opt_int<DB: Backend>(row: &DB::Row, i: usize) -> Result<Option<i64>, RowcolError> {
    DB::int(row, i).map_err(|e| store_error(e, ErrorContext::default(), "reading a column"))
}

/// A count column as `u32`, saturating.
pub(crate) fn count<DB: Backend>(row: &DB::Row, i: usize) -> Result<u32, RowcolError> {
    Ok(u32::try_from(need_int::<DB>(row, i)?.max(0)).unwrap_or(u32::MAX))
}

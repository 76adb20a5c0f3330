//! `SqlMirror`: the store, generic over the backend, and how to open one.

use std::path::Path;
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
use crate::error::{open_error, store_error};
use crate::upkeep::Upkeep;
use crate::url::{MirrorUrl, PostgresUrl};

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
        Self::from_pool_at(pool, key, &format!("the {} mirror", DB::LABEL)).await
    }

    /// [`Self::from_pool`], naming the database as `at` in errors.
    async fn from_pool_at(pool: Pool<DB>, key: CredentialKey, at: &str) -> Result<Self, RowcolError> {
        DB::migrate(&pool).await.map_err(|e| {
            let message = format!("{at}: migrating the schema: {e}");
            RowcolError::store_with_source(crate::error::migrate_kind(&e), ErrorContext::default(), message, e)
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
/// only (0600), whatever the umask, unless it exists already: the mirror
/// holds the books and sealed tokens, the job queue their work. SQLite gives
/// the `-wal` and `-shm` files it creates beside it the same mode.
pub fn create_private(path: &std::path::Path) -> std::io::Result<()> {
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
    /// Opens (creating if missing) a SQLite mirror: a `sqlite:` URL as
    /// [`MirrorUrl::parse`] reads it (`sqlite:///absolute/path.db`,
    /// `sqlite://relative/path.db`, `sqlite::memory:`), or a plain file
    /// path (this constructor is SQLite's own, so a path is unambiguous).
    pub async fn open(url_or_path: &str, key: CredentialKey) -> Result<Self, RowcolError> {
        let text = url_or_path.trim();
        let is_url = text == ":memory:" || text.get(..7).is_some_and(|s| s.eq_ignore_ascii_case("sqlite:"));
        if !is_url {
            return Self::open_file(Path::new(text), key).await;
        }
        match MirrorUrl::parse(text) {
            Ok(MirrorUrl::SqliteFile(path)) => Self::open_file(&path, key).await,
            Ok(MirrorUrl::SqliteMemory) => Self::open_memory(key).await,
            Ok(MirrorUrl::Postgres(_)) => Err(url_refused("a PostgreSQL URL, not a SQLite one".to_owned())),
            Err(e) => Err(url_refused(e.to_string())),
        }
    }

    /// Opens (creating if missing) the SQLite file at `path`. WAL journal,
    /// foreign keys on, a 10 s busy timeout so writers queue instead of
    /// failing. A missing directory, a file that cannot be opened or
    /// written (read-only, disk full) is `Unavailable`, naming the file and
    /// the cause; the directory is never created. A file it creates (and its
    /// `-wal` and `-shm`) is readable by its owner only.
    pub async fn open_file(path: &Path, key: CredentialKey) -> Result<Self, RowcolError> {
        let at = format!("SQLite file {}", path.display());
        let dir = match path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        match std::fs::metadata(dir) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(unavailable(format!("{at}: {} is not a directory", dir.display()))),
            Err(e) => return Err(unavailable(format!("{at}: directory {}: {e}", dir.display()))),
        }
        create_private(path).map_err(|e| unavailable(format!("{at}: creating: {e}")))?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal);
        Self::open_with(options, 4, key, &at).await
    }

    /// Opens a private, empty SQLite database in memory (for tests and
    /// computations that need no file).
    pub async fn open_memory(key: CredentialKey) -> Result<Self, RowcolError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(|e| open_error(e, "SQLite in memory", "setting up"))?
            .journal_mode(SqliteJournalMode::Memory);
        // One connection: each connection would otherwise see its own
        // empty database.
        Self::open_with(options, 1, key, "SQLite in memory").await
    }

    async fn open_with(
        options: SqliteConnectOptions,
        connections: u32,
        key: CredentialKey,
        at: &str,
    ) -> Result<Self, RowcolError> {
        let options = options
            .foreign_keys(true)
            .synchronous(SqliteSynchronous::Normal)
            .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES.to_string())
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            .connect_with(options)
            .await
            .map_err(|e| open_error(e, at, "opening"))?;
        SqlMirror::from_pool_at(pool, key, at).await
    }
}

impl PostgresMirror {
    /// Connects to a PostgreSQL mirror (`postgres://...`, read by
    /// [`MirrorUrl::parse`]).
    pub async fn connect(url: &str, key: CredentialKey) -> Result<Self, RowcolError> {
        match MirrorUrl::parse(url) {
            Ok(MirrorUrl::Postgres(pg)) => Self::connect_url(&pg, key).await,
            Ok(_) => Err(url_refused("a SQLite URL, not a PostgreSQL one".to_owned())),
            Err(e) => Err(url_refused(e.to_string())),
        }
    }

    /// Connects to the PostgreSQL mirror at a parsed URL. Errors name the
    /// database and server, never the credentials.
    pub async fn connect_url(url: &PostgresUrl, key: CredentialKey) -> Result<Self, RowcolError> {
        let at = url.to_string();
        let options = PgConnectOptions::from_str(url.expose()).map_err(|e| open_error(e, &at, "reading the URL"))?;
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| open_error(e, &at, "connecting"))?;
        SqlMirror::from_pool_at(pool, key, &at).await
    }
}

/// A URL this constructor cannot open: refused input, never retryable.
fn url_refused(reason: String) -> RowcolError {
    RowcolError::InvalidInput {
        context: ErrorContext::default(),
        reason: format!("database URL {reason}"),
    }
}

/// The database cannot be opened (retry once the cause is fixed).
fn unavailable(message: String) -> RowcolError {
    RowcolError::store(StoreErrorKind::Unavailable, ErrorContext::default(), message)
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

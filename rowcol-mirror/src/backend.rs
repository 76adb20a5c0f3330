//! The two SQL backends behind one generic store.
//!
//! `Backend` is the small dialect the generic code needs: how to open a write
//! transaction, how money is bound and read, the migrations, and typed
//! bind/get/execute primitives with concrete types (so the generic code needs
//! no sqlx trait bounds). Everything else is shared.

use async_trait::async_trait;
use sqlx::migrate::{MigrateError, Migrator};
use sqlx::{Database, Pool, Postgres, QueryBuilder, Row, Sqlite};

mod sealed {
    /// Only this crate implements `Backend`.
    pub trait Sealed {}
    impl Sealed for sqlx::Sqlite {}
    impl Sealed for sqlx::Postgres {}
}

/// A value to bind into a statement.
#[derive(Debug, Clone)]
pub enum Val {
    /// Text (ids, JSON, dates).
    Text(String),
    /// Optional text.
    OptText(Option<String>),
    /// An integer (instants in microseconds, counts).
    Int(i64),
    /// An optional integer.
    OptInt(Option<i64>),
    /// A flag.
    Bool(bool),
    /// An optional flag.
    OptBool(Option<bool>),
    /// Bytes (sealed credentials).
    Bytes(Vec<u8>),
}

/// One column of a bulk insert: its value in every row.
#[derive(Debug, Clone)]
pub enum Column {
    /// Text.
    Text(Vec<String>),
    /// Optional text.
    OptText(Vec<Option<String>>),
    /// Exact money text, stored as the backend's money type.
    Money(Vec<Option<String>>),
    /// Integers.
    Int(Vec<i64>),
    /// Optional integers.
    OptInt(Vec<Option<i64>>),
    /// Bytes (stored records).
    Bytes(Vec<Vec<u8>>),
    /// Flags.
    Bool(Vec<bool>),
    /// Optional flags.
    OptBool(Vec<Option<bool>>),
    /// One value for every row (the batch's client, the write instant),
    /// bound once per statement instead of once a row.
    Same(Val),
}

impl Column {
    /// The row count of a column of values; `None` for [`Column::Same`].
    fn len(&self) -> Option<usize> {
        Some(match self {
            Column::Text(v) => v.len(),
            Column::OptText(v) | Column::Money(v) => v.len(),
            Column::Int(v) => v.len(),
            Column::OptInt(v) => v.len(),
            Column::Bytes(v) => v.len(),
            Column::Bool(v) => v.len(),
            Column::OptBool(v) => v.len(),
            Column::Same(_) => return None,
        })
    }

    /// The values row by row, for backends that bind one value at a time
    /// (none for [`Column::Same`]).
    fn into_values(self) -> std::vec::IntoIter<Val> {
        let values: Vec<Val> = match self {
            Column::Text(v) => v.into_iter().map(Val::Text).collect(),
            Column::OptText(v) | Column::Money(v) => v.into_iter().map(Val::OptText).collect(),
            Column::Int(v) => v.into_iter().map(Val::Int).collect(),
            Column::OptInt(v) => v.into_iter().map(Val::OptInt).collect(),
            Column::Bytes(v) => v.into_iter().map(Val::Bytes).collect(),
            Column::Bool(v) => v.into_iter().map(Val::Bool).collect(),
            Column::OptBool(v) => v.into_iter().map(Val::OptBool).collect(),
            Column::Same(_) => Vec::new(),
        };
        values.into_iter()
    }
}

/// The row count of a column set; an error if the columns of values
/// disagree or there is none.
fn row_count(columns: &[Column]) -> Result<usize, sqlx::Error> {
    let mut lengths = columns.iter().filter_map(Column::len);
    let rows = lengths
        .next()
        .ok_or_else(|| sqlx::Error::Encode("bulk insert without a column of values".into()))?;
    if lengths.any(|len| len != rows) {
        return Err(sqlx::Error::Encode("bulk insert columns of unequal length".into()));
    }
    Ok(rows)
}

/// Rows per multi-row statement on SQLite: under its 32,766 bound
/// parameters at 19 columns a row.
const SQLITE_ROWS_PER_STATEMENT: usize = 1_000;

/// The names a bulk insert gives its `count` source columns: `c0, c1, ...`.
fn source_names(count: usize) -> String {
    (0..count).map(|c| format!("c{c}")).collect::<Vec<_>>().join(", ")
}

/// Inserts rows given column by column on SQLite: multi-row `VALUES`
/// statements of up to 1,000 rows, as `WITH v AS (VALUES (?, ...), ...),
/// s AS (VALUES (?, ...)) INSERT ... SELECT v.c0, s.c0, ... FROM v, s`: a
/// [`Column::Same`] value is bound once, in the one-row `s` (left out when
/// there is none). A full 1,000-row statement repeats from batch to batch,
/// so its prepared form stays in the connection's cache; a shorter one (a
/// batch's remainder, a size seldom seen twice) is prepared, run and freed:
/// cached, they held about 100 MB of the first sync of 100 clients (a
/// 1,000-row statement's program is several hundred kB).
async fn sqlite_insert_rows(
    conn: &mut <Sqlite as Database>::Connection,
    insert: &str,
    columns: Vec<Column>,
    tail: &str,
) -> Result<u64, sqlx::Error> {
    let rows = row_count(&columns)?;
    let mut same = Vec::new();
    let mut values = Vec::new();
    // What each inserted column selects: a column of `v` or of `s`.
    let mut select = Vec::with_capacity(columns.len());
    for column in columns {
        match column {
            Column::Same(value) => {
                select.push(format!("s.c{}", same.len()));
                same.push(value);
            }
            column => {
                select.push(format!("v.c{}", values.len()));
                values.push(column.into_values());
            }
        }
    }
    let mut changed = 0;
    let mut from = 0;
    while from < rows {
        let to = (from + SQLITE_ROWS_PER_STATEMENT).min(rows);
        let mut qb = QueryBuilder::<Sqlite>::new(format!("WITH v ({}) AS (VALUES ", source_names(values.len())));
        for i in from..to {
            qb.push(if i == from { "(" } else { ", (" });
            for (c, column) in values.iter_mut().enumerate() {
                if c > 0 {
                    qb.push(", ");
                }
                if let Some(value) = column.next() {
                    <Sqlite as Backend>::bind(&mut qb, value);
                }
            }
            qb.push(")");
        }
        qb.push(")");
        if !same.is_empty() {
            qb.push(format_args!(", s ({}) AS (VALUES (", source_names(same.len())));
            for (k, value) in same.iter().enumerate() {
                if k > 0 {
                    qb.push(", ");
                }
                <Sqlite as Backend>::bind(&mut qb, value.clone());
            }
            qb.push("))");
        }
        let sources = if same.is_empty() { "v" } else { "v, s" };
        // `WHERE true` keeps an `ON CONFLICT` tail from parsing as a join's.
        qb.push(format_args!(
            " {insert} SELECT {} FROM {sources} WHERE true {tail}",
            select.join(", ")
        ));
        let full = to - from == SQLITE_ROWS_PER_STATEMENT;
        changed += qb.build().persistent(full).execute(&mut *conn).await?.rows_affected();
        from = to;
    }
    Ok(changed)
}

/// Inserts rows given column by column on PostgreSQL: one statement,
/// `SELECT u.c0, $n, ... FROM UNNEST(...) AS u (c0, ...)` over one array
/// parameter a column of values and one scalar parameter a
/// [`Column::Same`], so the statement is parsed once whatever the row count.
async fn postgres_insert_rows(
    conn: &mut <Postgres as Database>::Connection,
    insert: &str,
    columns: Vec<Column>,
    tail: &str,
) -> Result<u64, sqlx::Error> {
    if row_count(&columns)? == 0 {
        return Ok(0);
    }
    let mut qb = QueryBuilder::<Postgres>::new(insert);
    qb.push(" SELECT ");
    let mut arrays = Vec::with_capacity(columns.len());
    for (i, column) in columns.into_iter().enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        match column {
            Column::Same(value) => <Postgres as Backend>::bind(&mut qb, value),
            column => {
                qb.push(format_args!("u.c{}", arrays.len()));
                arrays.push(column);
            }
        }
    }
    let width = arrays.len();
    qb.push(" FROM UNNEST(");
    for (c, column) in arrays.into_iter().enumerate() {
        if c > 0 {
            qb.push(", ");
        }
        let cast = match column {
            Column::Text(v) => {
                qb.push_bind(v);
                "::text[]"
            }
            Column::OptText(v) => {
                qb.push_bind(v);
                "::text[]"
            }
            Column::Money(v) => {
                qb.push_bind(v);
                "::numeric[]"
            }
            Column::Int(v) => {
                qb.push_bind(v);
                "::bigint[]"
            }
            Column::OptInt(v) => {
                qb.push_bind(v);
                "::bigint[]"
            }
            Column::Bytes(v) => {
                qb.push_bind(v);
                "::bytea[]"
            }
            Column::Bool(v) => {
                qb.push_bind(v);
                "::boolean[]"
            }
            Column::OptBool(v) => {
                qb.push_bind(v);
                "::boolean[]"
            }
            Column::Same(_) => "",
        };
        qb.push(cast);
    }
    qb.push(format_args!(") AS u ({}) ", source_names(width)));
    qb.push(tail);
    Ok(qb.build().persistent(false).execute(&mut *conn).await?.rows_affected())
}

/// Appends ` IN (?, ?, ...)` on SQLite.
fn sqlite_push_any(qb: &mut QueryBuilder<Sqlite>, values: Vec<String>) {
    qb.push(" IN (");
    for (i, v) in values.into_iter().enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        qb.push_bind(v);
    }
    qb.push(")");
}

/// Appends ` = ANY($n)` with one array parameter on PostgreSQL.
fn postgres_push_any(qb: &mut QueryBuilder<Postgres>, values: Vec<String>) {
    qb.push(" = ANY(");
    qb.push_bind(values);
    qb.push(")");
}

/// PostgreSQL upkeep: analyses `records` when it has never been analysed
/// (`reltuples` is -1 until then) and once it has more changed rows since
/// its last analysis than it had rows then (at least 1,000), so the planner
/// never runs `apply`'s id lookups on missing statistics. Without them it
/// takes a client's records for one row and scans them all for every batch
/// (seen: 7 ms at 24,000 bills, 260 ms at 200,000), as happens during a
/// first sync before autovacuum's next round, or on a server with
/// autovacuum off. The first rule does not wait for the changed-row count,
/// which the server reports up to a second after commit. Doubling keeps the
/// cost to a few analyses over a table's growth; autovacuum's finer rule
/// still applies where it runs. `SKIP_LOCKED`: a table another session is
/// analysing is left to it.
async fn postgres_upkeep(pool: &Pool<Postgres>) -> Result<(), sqlx::Error> {
    let stale: Option<bool> = sqlx::query_scalar(
        "SELECT c.reltuples < 0 OR s.n_mod_since_analyze > GREATEST(1000, c.reltuples) FROM pg_stat_user_tables s \
         JOIN pg_class c ON c.oid = s.relid WHERE s.schemaname = current_schema() AND s.relname = 'records'",
    )
    .persistent(false)
    .fetch_optional(pool)
    .await?;
    if stale == Some(true) {
        sqlx::raw_sql("ANALYZE (SKIP_LOCKED) records").execute(pool).await?;
    }
    Ok(())
}

/// SQLite upkeep: copies the write-ahead log back into the database file
/// (a `PASSIVE` checkpoint: writers and readers carry on meanwhile). Left to
/// SQLite's automatic checkpoint, the copy ran inside the commit of every
/// 25th 1,000-record batch and held that `apply` for 150-230 ms, about a
/// quarter of a first sync's time; the automatic checkpoint stays as the
/// bound on the log's size should this one fall behind.
async fn sqlite_upkeep(pool: &Pool<Sqlite>) -> Result<(), sqlx::Error> {
    sqlx::raw_sql("PRAGMA wal_checkpoint(PASSIVE)").execute(pool).await?;
    Ok(())
}

/// A SQL database RowCol's mirror runs on: sqlx's `Sqlite` and `Postgres`
/// (sealed; the generic store needs nothing else from sqlx).
#[async_trait]
pub trait Backend: Database + Sized + sealed::Sealed {
    /// Name for logs and errors.
    const LABEL: &'static str;
    /// Statement that opens a write transaction. SQLite takes the write lock
    /// up front (`BEGIN IMMEDIATE`) so two writers queue on the busy timeout
    /// instead of failing when a read lock cannot be upgraded.
    const BEGIN_WRITE: &'static str;
    /// Appended to the statement that locks a client's row for the length of
    /// a write transaction (serialises audit-chain appends per client).
    const FOR_UPDATE: &'static str;
    /// SQL around a bound money value (`CAST(? AS NUMERIC)` on PostgreSQL).
    const MONEY_IN: (&'static str, &'static str);

    /// A money column read back as exact text.
    fn money_out(column: &str) -> String;

    /// An aggregate joining the text `column` of a query's rows with
    /// newlines (`NULL` over no rows). Several in one query follow the same
    /// row order.
    fn lines_agg(column: &str) -> String;

    /// An aggregate joining the bytes `column` of a query's rows end to end
    /// (`NULL` over no rows), in the row order of [`Backend::lines_agg`].
    fn bytes_agg(column: &str) -> String;

    /// The length in bytes of `column` (text or bytes), for
    /// [`Backend::lines_agg`] (which takes it as text).
    fn octet_length(column: &str) -> String;

    /// Applies the versioned migrations (`migrations/<backend>/`).
    async fn migrate(pool: &Pool<Self>) -> Result<(), MigrateError>;

    /// Binds a value.
    fn bind(qb: &mut QueryBuilder<Self>, value: Val);

    /// Appends a membership test of the expression before it in `values`
    /// (` IN (...)` on SQLite, ` = ANY(array)` on PostgreSQL).
    fn push_any(qb: &mut QueryBuilder<Self>, values: Vec<String>);

    /// Runs `insert` (`INSERT INTO t (a, b, ...)`) for rows given column by
    /// column, then `tail` (an `ON CONFLICT` clause or nothing), the fastest
    /// way the backend has; returns the rows changed.
    async fn insert_rows(
        conn: &mut Self::Connection,
        insert: &str,
        columns: Vec<Column>,
        tail: &str,
    ) -> Result<u64, sqlx::Error>;

    /// Least time between two upkeeps (see [`Backend::upkeep`]).
    const UPKEEP_EVERY: std::time::Duration;

    /// Upkeep after batches have committed, run in the background:
    /// PostgreSQL's planner statistics, SQLite's log checkpoint.
    async fn upkeep(pool: &Pool<Self>) -> Result<(), sqlx::Error>;

    /// Runs a statement, returning the rows it changed.
    async fn execute(conn: &mut Self::Connection, qb: &mut QueryBuilder<Self>) -> Result<u64, sqlx::Error>;

    /// Runs a query, returning its rows.
    async fn fetch_all(conn: &mut Self::Connection, qb: &mut QueryBuilder<Self>)
    -> Result<Vec<Self::Row>, sqlx::Error>;

    /// Column `i` as optional text, borrowed from the row.
    fn text(row: &Self::Row, i: usize) -> Result<Option<&str>, sqlx::Error>;
    /// Column `i` as an optional integer.
    fn int(row: &Self::Row, i: usize) -> Result<Option<i64>, sqlx::Error>;
    /// Column `i` as an optional flag.
    fn flag(row: &Self::Row, i: usize) -> Result<Option<bool>, sqlx::Error>;
    /// Column `i` as optional bytes, borrowed from the row.
    fn bytes(row: &Self::Row, i: usize) -> Result<Option<&[u8]>, sqlx::Error>;
}

/// Implements `Backend` for one sqlx database: the dialect values differ,
/// the typed primitives are the same text with other types.
macro_rules! backend {
    ($db:ty, $label:literal, $begin:literal, $for_update:literal, $money_in:expr, $money_out:literal, $lines_agg:literal, $bytes_agg:literal, $octet_length:literal, $migrator:ident, $persistent:literal, $insert_rows:ident, $push_any:ident, $upkeep:ident, $upkeep_every:expr) => {
        #[async_trait]
        impl Backend for $db {
            const LABEL: &'static str = $label;
            const BEGIN_WRITE: &'static str = $begin;
            const FOR_UPDATE: &'static str = $for_update;
            const MONEY_IN: (&'static str, &'static str) = $money_in;
            const UPKEEP_EVERY: std::time::Duration = $upkeep_every;

            fn money_out(column: &str) -> String {
                format!($money_out, column = column)
            }

            fn lines_agg(column: &str) -> String {
                format!($lines_agg, column = column)
            }

            fn bytes_agg(column: &str) -> String {
                format!($bytes_agg, column = column)
            }

            fn octet_length(column: &str) -> String {
                format!($octet_length, column = column)
            }

            async fn migrate(pool: &Pool<Self>) -> Result<(), MigrateError> {
                $migrator.run(pool).await
            }

            fn bind(qb: &mut QueryBuilder<Self>, value: Val) {
                match value {
                    Val::Text(v) => qb.push_bind(v),
                    Val::OptText(v) => qb.push_bind(v),
                    Val::Int(v) => qb.push_bind(v),
                    Val::OptInt(v) => qb.push_bind(v),
                    Val::Bool(v) => qb.push_bind(v),
                    Val::OptBool(v) => qb.push_bind(v),
                    Val::Bytes(v) => qb.push_bind(v),
                };
            }

            fn push_any(qb: &mut QueryBuilder<Self>, values: Vec<String>) {
                $push_any(qb, values)
            }

            async fn insert_rows(
                conn: &mut Self::Connection,
                insert: &str,
                columns: Vec<Column>,
                tail: &str,
            ) -> Result<u64, sqlx::Error> {
                $insert_rows(conn, insert, columns, tail).await
            }

            async fn upkeep(pool: &Pool<Self>) -> Result<(), sqlx::Error> {
                $upkeep(pool).await
            }

            async fn execute(conn: &mut Self::Connection, qb: &mut QueryBuilder<Self>) -> Result<u64, sqlx::Error> {
                Ok(qb
                    .build()
                    .persistent($persistent)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected())
            }

            async fn fetch_all(
                conn: &mut Self::Connection,
                qb: &mut QueryBuilder<Self>,
            ) -> Result<Vec<Self::Row>, sqlx::Error> {
                qb.build().persistent($persistent).fetch_all(&mut *conn).await
            }

            fn text(row: &Self::Row, i: usize) -> Result<Option<&str>, sqlx::Error> {
                row.try_get(i)
            }

            fn int(row: &Self::Row, i: usize) -> Result<Option<i64>, sqlx::Error> {
                row.try_get(i)
            }

            fn flag(row: &Self::Row, i: usize) -> Result<Option<bool>, sqlx::Error> {
                row.try_get(i)
            }

            fn bytes(row: &Self::Row, i: usize) -> Result<Option<&[u8]>, sqlx::Error> {
                row.try_get(i)
            }
        }
    };
}

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

// SQLite keeps prepared statements cached. PostgreSQL plans each statement
// afresh (unnamed statements): a cached generic plan made while a table was
// small keeps scanning it whole once it has grown (seen: 600 ms per
// 500-id lookup after 20,000 rows instead of under 1 ms).
backend!(
    Sqlite,
    "SQLite",
    "BEGIN IMMEDIATE",
    "",
    ("", ""),
    "{column}",
    "group_concat({column}, '\n')",
    // Text and blobs alike are joined byte for byte, NULs included (a blob
    // is read as text without conversion in a UTF-8 database, which is
    // what the mirror creates), then taken back as a blob. `octet_length`
    // needs SQLite 3.43: sqlx's `sqlite` feature bundles a newer one.
    "CAST(group_concat({column}, '') AS BLOB)",
    "octet_length({column})",
    SQLITE_MIGRATIONS,
    true,
    sqlite_insert_rows,
    sqlite_push_any,
    sqlite_upkeep,
    // Under a steady stream of batches the log gains about 2,000 pages
    // (8 MB) between checkpoints, well short of the automatic one's 10,000.
    std::time::Duration::from_millis(100)
);
backend!(
    Postgres,
    "PostgreSQL",
    "BEGIN",
    " FOR UPDATE",
    ("CAST(", " AS NUMERIC)"),
    "CAST({column} AS TEXT)",
    "string_agg({column}, E'\\n')",
    "string_agg({column}, ''::bytea)",
    "CAST(octet_length({column}) AS TEXT)",
    POSTGRES_MIGRATIONS,
    false,
    postgres_insert_rows,
    postgres_push_any,
    postgres_upkeep,
    // The look at the statistics is a query: once a second is enough.
    std::time::Duration::from_secs(1)
);

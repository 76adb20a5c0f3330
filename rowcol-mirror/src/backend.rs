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

    /// Applies the versioned migrations (`migrations/<backend>/`).
    async fn migrate(pool: &Pool<Self>) -> Result<(), MigrateError>;

    /// Binds a value.
    fn bind(qb: &mut QueryBuilder<Self>, value: Val);

    /// Runs a statement, returning the rows it changed.
    async fn execute(conn: &mut Self::Connection, qb: &mut QueryBuilder<Self>) -> Result<u64, sqlx::Error>;

    /// Runs a query, returning its rows.
    async fn fetch_all(conn: &mut Self::Connection, qb: &mut QueryBuilder<Self>)
    -> Result<Vec<Self::Row>, sqlx::Error>;

    /// Column `i` as optional text.
    fn text(row: &Self::Row, i: usize) -> Result<Option<String>, sqlx::Error>;
    /// Column `i` as an optional integer.
    fn int(row: &Self::Row, i: usize) -> Result<Option<i64>, sqlx::Error>;
    /// Column `i` as an optional flag.
    fn flag(row: &Self::Row, i: usize) -> Result<Option<bool>, sqlx::Error>;
    /// Column `i` as optional bytes.
    fn bytes(row: &Self::Row, i: usize) -> Result<Option<Vec<u8>>, sqlx::Error>;
}

/// Implements `Backend` for one sqlx database: the dialect values differ,
/// the typed primitives are the same text with other types.
macro_rules! backend {
    ($db:ty, $label:literal, $begin:literal, $for_update:literal, $money_in:expr, $money_out:literal, $migrator:ident, $persistent:literal) => {
        #[async_trait]
        impl Backend for $db {
            const LABEL: &'static str = $label;
            const BEGIN_WRITE: &'static str = $begin;
            const FOR_UPDATE: &'static str = $for_update;
            const MONEY_IN: (&'static str, &'static str) = $money_in;

            fn money_out(column: &str) -> String {
                format!($money_out, column = column)
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

            fn text(row: &Self::Row, i: usize) -> Result<Option<String>, sqlx::Error> {
                row.try_get(i)
            }

            fn int(row: &Self::Row, i: usize) -> Result<Option<i64>, sqlx::Error> {
                row.try_get(i)
            }

            fn flag(row: &Self::Row, i: usize) -> Result<Option<bool>, sqlx::Error> {
                row.try_get(i)
            }

            fn bytes(row: &Self::Row, i: usize) -> Result<Option<Vec<u8>>, sqlx::Error> {
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
    SQLITE_MIGRATIONS,
    true
);
backend!(
    Postgres,
    "PostgreSQL",
    "BEGIN",
    " FOR UPDATE",
    ("CAST(", " AS NUMERIC)"),
    "CAST({column} AS TEXT)",
    POSTGRES_MIGRATIONS,
    false
);

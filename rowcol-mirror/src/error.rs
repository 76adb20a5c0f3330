//! The one place where sqlx errors become RowCol store errors.

use rowcol_core::{ErrorContext, RowcolError, StoreErrorKind};

/// The store error kind for a sqlx error: connection trouble is
/// `Unavailable`, lock and serialisation conflicts are `Busy` (both
/// retryable), constraint violations `Invalid`, undecodable data `Corrupt`.
pub(crate) fn kind_of(err: &sqlx::Error) -> StoreErrorKind {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => StoreErrorKind::Unavailable,
        sqlx::Error::RowNotFound => StoreErrorKind::NotFound,
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => StoreErrorKind::Corrupt,
        sqlx::Error::Migrate(_) => StoreErrorKind::Migration,
        sqlx::Error::Database(db) => {
            let code = db.code();
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                sqlite_kind(code.as_deref().and_then(|c| c.parse().ok()))
            } else {
                sqlstate_kind(code.as_deref())
            }
        }
        _ => StoreErrorKind::Invalid,
    }
}

/// The store error kind for a failed migration run: a database that could
/// not be reached or locked is `Unavailable`/`Busy` (retry), anything else
/// (a changed or unknown migration, a failing statement) is `Migration`.
pub(crate) fn migrate_kind(err: &sqlx::migrate::MigrateError) -> StoreErrorKind {
    use sqlx::migrate::MigrateError;
    match err {
        MigrateError::Execute(inner) | MigrateError::ExecuteMigration(inner, _) => match kind_of(inner) {
            kind @ (StoreErrorKind::Unavailable | StoreErrorKind::Busy) => kind,
            _ => StoreErrorKind::Migration,
        },
        _ => StoreErrorKind::Migration,
    }
}

/// Kinds by SQLite result code: the primary code is the low byte of the
/// extended one (5 BUSY and 6 LOCKED, with extended forms such as 517 and
/// 262, are worth retrying; 3 PERM, 8 READONLY, 10 IOERR, 13 FULL and
/// 14 CANTOPEN mean the database cannot be used as it stands: unavailable,
/// worth retrying once space or permissions are back; 11 CORRUPT and
/// 26 NOTADB corrupt).
fn sqlite_kind(code: Option<i64>) -> StoreErrorKind {
    match code.map(|c| c & 0xff) {
        Some(5 | 6) => StoreErrorKind::Busy,
        Some(3 | 8 | 10 | 13 | 14) => StoreErrorKind::Unavailable,
        Some(11 | 26) => StoreErrorKind::Corrupt,
        _ => StoreErrorKind::Invalid,
    }
}

/// Kinds by PostgreSQL SQLSTATE: 40001 serialization failure, 40P01
/// deadlock and 55P03 lock not available are worth retrying; class 08
/// (connection) and 57P0x (shutdown, e.g. a restart) mean unavailable.
fn sqlstate_kind(code: Option<&str>) -> StoreErrorKind {
    match code {
        Some("40001" | "40P01" | "55P03") => StoreErrorKind::Busy,
        Some(c) if c.starts_with("08") || c.starts_with("57P") => StoreErrorKind::Unavailable,
        _ => StoreErrorKind::Invalid,
    }
}

/// A store error from opening a database: the message names the database
/// (`at`: a file path, or a PostgreSQL database and server, never
/// credentials), what was being done and the driver's cause; the driver's
/// error is kept as the source too.
pub(crate) fn open_error(err: sqlx::Error, at: &str, doing: &str) -> RowcolError {
    let kind = kind_of(&err);
    let message = format!("{at}: {doing}: {err}");
    RowcolError::store_with_source(kind, ErrorContext::default(), message, err)
}

/// Wraps a sqlx error with what was being done and for whom; the driver's
/// error is kept as the source (it holds no bound values).
pub(crate) fn store_error(err: sqlx::Error, context: ErrorContext, doing: &str) -> RowcolError {
    let kind = kind_of(&err);
    RowcolError::store_with_source(kind, context, doing.to_owned(), err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_map_to_kinds() {
        for (code, kind) in [
            (Some(5), StoreErrorKind::Busy),
            (Some(517), StoreErrorKind::Busy),
            (Some(6), StoreErrorKind::Busy),
            (Some(262), StoreErrorKind::Busy),
            (Some(14), StoreErrorKind::Unavailable),
            (Some(11), StoreErrorKind::Corrupt),
            (Some(19), StoreErrorKind::Invalid),
            (Some(2067), StoreErrorKind::Invalid),
            (None, StoreErrorKind::Invalid),
        ] {
            assert_eq!(sqlite_kind(code), kind, "{code:?}");
        }
    }

    #[test]
    fn read_only_full_and_unopenable_sqlite_databases_are_unavailable() {
        // 8 READONLY (1032 READONLY_DBMOVED), 13 FULL, 3 PERM, 14 CANTOPEN.
        for code in [8, 1032, 13, 3, 14] {
            assert_eq!(sqlite_kind(Some(code)), StoreErrorKind::Unavailable, "{code}");
        }
    }

    #[test]
    fn sqlstates_map_to_kinds() {
        for (code, kind) in [
            (Some("40001"), StoreErrorKind::Busy),
            (Some("40P01"), StoreErrorKind::Busy),
            (Some("55P03"), StoreErrorKind::Busy),
            (Some("08006"), StoreErrorKind::Unavailable),
            (Some("57P01"), StoreErrorKind::Unavailable),
            (Some("23505"), StoreErrorKind::Invalid),
            (Some("P0001"), StoreErrorKind::Invalid),
            (None, StoreErrorKind::Invalid),
        ] {
            assert_eq!(sqlstate_kind(code), kind, "{code:?}");
        }
    }

    #[test]
    fn migrations_cut_off_by_the_connection_are_unavailable_not_broken() {
        use sqlx::migrate::MigrateError;
        let cut = MigrateError::Execute(sqlx::Error::PoolTimedOut);
        assert_eq!(migrate_kind(&cut), StoreErrorKind::Unavailable);
        let during = MigrateError::ExecuteMigration(sqlx::Error::PoolClosed, 2);
        assert_eq!(migrate_kind(&during), StoreErrorKind::Unavailable);
        assert_eq!(
            migrate_kind(&MigrateError::VersionMissing(3)),
            StoreErrorKind::Migration
        );
    }

    #[test]
    fn driver_errors_map_to_kinds_and_retryability() {
        let cases = [
            (sqlx::Error::PoolTimedOut, StoreErrorKind::Unavailable, true),
            (sqlx::Error::PoolClosed, StoreErrorKind::Unavailable, true),
            (sqlx::Error::RowNotFound, StoreErrorKind::NotFound, false),
            (
                sqlx::Error::Io(std::io::Error::other("reset")),
                StoreErrorKind::Unavailable,
                true,
            ),
            (sqlx::Error::ColumnNotFound("x".into()), StoreErrorKind::Corrupt, false),
        ];
        for (err, kind, retry) in cases {
            let e = store_error(err, ErrorContext::default(), "reading");
            assert_eq!(e.store_kind(), Some(kind));
            assert_eq!(e.retryable(), retry);
        }
    }
}

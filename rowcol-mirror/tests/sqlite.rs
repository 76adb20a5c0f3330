//! The behaviour suite on SQLite: each test gets its own database file.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod behaviour;

use std::sync::Arc;

use behaviour::{Harness, Kind};
use rowcol_mirror::{CredentialKey, Mirror, SqliteMirror};
use sqlx::AssertSqlSafe;

async fn harness() -> (Harness, tempfile::TempDir) {
    harness_in(tempfile::tempdir().unwrap()).await
}

/// A harness on the mirror `mirror.db` in `dir` (created if missing).
async fn harness_in(dir: tempfile::TempDir) -> (Harness, tempfile::TempDir) {
    let path = dir.path().join("mirror.db").display().to_string();
    let store = SqliteMirror::open(&path, CredentialKey::generate()).await.unwrap();
    let pool = store.pool().clone();
    let exec_pool = pool.clone();
    let reopen_path = path.clone();
    let harness = Harness {
        kind: Kind::Sqlite,
        store: Arc::new(store),
        reopen: Box::new(move |key| {
            let path = reopen_path.clone();
            Box::pin(async move { Arc::new(SqliteMirror::open(&path, key).await.unwrap()) as Arc<dyn Mirror> })
        }),
        exec: Box::new(move |sql| {
            let pool = exec_pool.clone();
            Box::pin(async move {
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&pool)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        }),
        count: Box::new(move |sql| {
            let pool = pool.clone();
            Box::pin(async move { sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(&pool).await.unwrap() })
        }),
    };
    (harness, dir)
}

macro_rules! sqlite_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (h, _dir) = harness().await;
                behaviour::$name(h).await;
            }
        )*
    };
}

for_each_behaviour!(sqlite_tests);

macro_rules! sqlite_port_tests {
    ($($port:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (h, _dir) = harness().await;
                rowcol_testkit::mirror_suite::$port::$name(h.store).await;
            }
        )*
    };
}

rowcol_testkit::for_each_mirror_behaviour!(sqlite_port_tests);

/// A committed batch reaches the database file soon after `apply` returns:
/// the background upkeep checkpoints the log, where SQLite's automatic
/// checkpoint would wait until the log held 10,000 pages (40 MB; this batch
/// writes about 0.8 MB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_reaches_the_database_file_without_waiting_for_the_automatic_checkpoint() {
    let (h, dir) = harness().await;
    let file = dir.path().join("mirror.db");
    behaviour::register(h.store.as_ref(), "adv", &["acme"]).await;
    let before = std::fs::metadata(&file).unwrap().len();
    let bills = (0..1_000)
        .map(|i| {
            behaviour::bill(
                "acme",
                &i.to_string(),
                "0",
                "2026-01-01T10:00:00Z",
                rust_decimal::Decimal::ONE,
            )
        })
        .collect();
    h.store.apply(&behaviour::batch("acme", bills)).await.unwrap();
    for _ in 0..100 {
        if std::fs::metadata(&file).unwrap().len() > before + 400_000 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the database file stayed at {} bytes (from {before}) for 10 s after the batch",
        std::fs::metadata(&file).unwrap().len()
    );
}

/// A mirror written before records were packed and payloads moved out
/// (migrations up to 0005) opens with its records and payloads intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mirror_from_before_packed_records_upgrades_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("mirror.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    behaviour::write_legacy_mirror(&pool, "sqlite", 5).await;
    pool.close().await;
    let (h, _dir) = harness_in(dir).await;
    behaviour::legacy_rows_survive_the_upgrade(h).await;
}

/// The mirror holds the books and sealed tokens: a new file, its `-wal`
/// and `-shm` are private to their owner whatever the umask (issue 19).
#[tokio::test]
async fn a_new_mirror_file_and_its_wal_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.db");
    let store = SqliteMirror::open(&path.display().to_string(), CredentialKey::generate())
        .await
        .unwrap();
    for name in ["private.db", "private.db-wal", "private.db-shm"] {
        let file = dir.path().join(name);
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}: {mode:o}", file.display());
    }
    drop(store);
}

/// One URL is one file: `sqlite:///absolute` is that absolute file, and a
/// mistyped URL opens nothing (before, `sqlite:/x`, `foo.db` or `mysql://`
/// quietly made an empty mirror somewhere).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absolute_sqlite_url_opens_that_file_and_mistyped_urls_open_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("abs.db");
    rowcol_mirror::open(&format!("sqlite:///{}", file.display()), CredentialKey::generate())
        .await
        .unwrap();
    assert!(
        file.exists(),
        "sqlite:/// + absolute path made no file at {}",
        file.display()
    );
    for url in ["::::", "sqlite:/x", "foo.db", "mysql://x", "", "sqlite:x.db"] {
        let error = match rowcol_mirror::open(url, CredentialKey::generate()).await {
            Ok(_) => panic!("{url:?} opened a mirror"),
            Err(e) => e,
        };
        assert!(
            matches!(error, rowcol_core::RowcolError::InvalidInput { .. }),
            "{url:?}: {error:?}"
        );
        assert!(error.to_string().contains("database URL"), "{url:?}: {error}");
    }
}

/// A file that cannot be opened is `Unavailable` (retry once fixed), and
/// the message names the file and the cause: a missing directory, a
/// directory where the file should be.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unopenable_sqlite_file_is_unavailable_naming_the_path_and_cause() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir").join("mirror.db");
    let occupied = dir.path().join("a-directory");
    std::fs::create_dir(&occupied).unwrap();
    for (path, cause) in [
        (missing.clone(), "No such file or directory"),
        (occupied.clone(), "unable to open database file"),
    ] {
        let url = format!("sqlite://{}", path.display());
        let error = match rowcol_mirror::open(&url, CredentialKey::generate()).await {
            Ok(_) => panic!("{url} opened"),
            Err(e) => e,
        };
        assert_eq!(
            error.store_kind(),
            Some(rowcol_core::StoreErrorKind::Unavailable),
            "{error}"
        );
        assert!(error.retryable(), "{error}");
        let text = error.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains(cause), "{text}");
    }
    assert!(!missing.parent().unwrap().exists(), "the directory is not created");
}

//! The behaviour suite on SQLite: each test gets its own database file.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod behaviour;

use std::sync::Arc;

use behaviour::{Harness, Kind};
use rowcol_mirror::{CredentialKey, Mirror, SqliteMirror};
use sqlx::AssertSqlSafe;

async fn harness() -> (Harness, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
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

//! The behaviour suite on PostgreSQL: `#[sqlx::test]` gives each test a fresh
//! database on the server at `DATABASE_URL` and drops it afterwards. Without
//! a reachable server these tests fail (they never skip).

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod behaviour;

use std::sync::Arc;

use behaviour::{Harness, Kind};
use rowcol_mirror::{CredentialKey, Mirror, PostgresMirror};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

async fn harness(pool_options: PgPoolOptions, connect: PgConnectOptions) -> Harness {
    let pool = pool_options.clone().connect_with(connect.clone()).await.unwrap();
    let store = PostgresMirror::from_pool(pool.clone(), CredentialKey::generate())
        .await
        .unwrap();
    let exec_pool = pool.clone();
    Harness {
        kind: Kind::Postgres,
        store: Arc::new(store),
        reopen: Box::new(move |key| {
            let (options, connect) = (pool_options.clone(), connect.clone());
            Box::pin(async move {
                let pool = options.connect_with(connect).await.unwrap();
                Arc::new(PostgresMirror::from_pool(pool, key).await.unwrap()) as Arc<dyn Mirror>
            })
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
    }
}

macro_rules! postgres_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[sqlx::test(migrations = false)]
            async fn $name(pool_options: PgPoolOptions, connect: PgConnectOptions) {
                behaviour::$name(harness(pool_options, connect).await).await;
            }
        )*
    };
}

for_each_behaviour!(postgres_tests);

macro_rules! postgres_port_tests {
    ($($port:ident :: $name:ident),* $(,)?) => {
        $(
            #[sqlx::test(migrations = false)]
            async fn $name(pool_options: PgPoolOptions, connect: PgConnectOptions) {
                rowcol_testkit::mirror_suite::$port::$name(harness(pool_options, connect).await.store).await;
            }
        )*
    };
}

rowcol_testkit::for_each_mirror_behaviour!(postgres_port_tests);

/// A mirror written before records were packed and payloads moved out
/// (migrations up to 0006) opens with its records and payloads intact.
#[sqlx::test(migrations = false)]
async fn a_mirror_from_before_packed_records_upgrades_in_place(pool_options: PgPoolOptions, connect: PgConnectOptions) {
    let pool = pool_options.clone().connect_with(connect.clone()).await.unwrap();
    behaviour::write_legacy_mirror(&pool, "postgres", 6).await;
    pool.close().await;
    behaviour::legacy_rows_survive_the_upgrade(harness(pool_options, connect).await).await;
}

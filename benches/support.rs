//! Set-up shared by the benches: mirrors to measure, seeded like a first sync.

use std::sync::Arc;

use rowcol_core::sync::SyncBatch;
use rowcol_core::{Advisor, AdvisorId, Client, ClientSnapshot, Currency, Rail};
use rowcol_mirror::{CredentialKey, Mirror, PostgresMirror, SnapshotCacheConfig, SqliteMirror};
use rowcol_testkit::fixtures::{self};
use rowcol_testkit::synthetic;
use sqlx::{AssertSqlSafe, Connection};

/// A two-worker tokio runtime (the machine the figures come from has 2 cores).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// How a bench mirror caches snapshots: `Cold` turns the cache off, so
/// every snapshot reads and decodes every record as a fresh process would;
/// `Warm` keeps the default cache, so an unchanged client's records are
/// decoded once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// No cache: every load reads and decodes.
    Cold,
    /// The default cache.
    Warm,
}

impl Cache {
    fn config(self) -> SnapshotCacheConfig {
        match self {
            Cache::Cold => SnapshotCacheConfig { max_records: 0 },
            Cache::Warm => SnapshotCacheConfig::default(),
        }
    }

    /// `cold` or `warm`, for bench names.
    pub fn label(self) -> &'static str {
        match self {
            Cache::Cold => "cold",
            Cache::Warm => "warm",
        }
    }
}

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh database `name` on the PostgreSQL server at `DATABASE_URL`
/// (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped first if
/// it exists.
pub async fn fresh_postgres(name: &str) -> Arc<dyn Mirror> {
    let url = database_url();
    let mut admin = sqlx::PgConnection::connect(&url)
        .await
        .expect("PostgreSQL at DATABASE_URL");
    sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .execute(&mut admin)
        .await
        .expect("drop the bench database");
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create the bench database");
    postgres(name, Cache::Warm).await
}

/// Another mirror on the bench database `name` (as another process would
/// open it), caching as `cache` says.
pub async fn postgres(name: &str, cache: Cache) -> Arc<dyn Mirror> {
    let url = database_url();
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    Arc::new(
        PostgresMirror::connect(&format!("{base}/{name}"), CredentialKey::generate())
            .await
            .expect("open the bench database")
            .with_snapshot_cache(cache.config()),
    )
}

/// A SQLite mirror in the file `bench.db` under `dir`, caching as `cache` says.
pub async fn sqlite(dir: &tempfile::TempDir, cache: Cache) -> Arc<dyn Mirror> {
    let path = dir.path().join("bench.db").display().to_string();
    Arc::new(
        SqliteMirror::open(&path, CredentialKey::generate())
            .await
            .expect("open SQLite")
            .with_snapshot_cache(cache.config()),
    )
}

/// Registers advisor `adv` and `clients` clients named `client-000`, ... (the
/// synthetic generator's names), without connections.
pub async fn register(store: &dyn Mirror, clients: usize) -> AdvisorId {
    let advisor: AdvisorId = fixtures::id("adv");
    store
        .upsert_advisor(&Advisor {
            id: advisor.clone(),
            name: "Bench".into(),
        })
        .await
        .expect("register the advisor");
    for i in 0..clients {
        let client = Client {
            id: fixtures::id(&format!("client-{i:03}")),
            advisor: advisor.clone(),
            name: format!("Client {i}"),
            home_currency: Currency::USD,
            connections: vec![],
        };
        store.upsert_client(&client).await.expect("register a client");
    }
    advisor
}

/// Registers the portfolio's clients and applies every record, as a first
/// sync would leave the mirror. Each record carries a payload of a source's
/// size: its own JSON, 590 bytes on average (the look-alike's QBO payloads
/// average about 750).
pub async fn seed(store: &dyn Mirror, portfolio: &[ClientSnapshot]) -> AdvisorId {
    let advisor = register(store, portfolio.len()).await;
    for snap in portfolio {
        let mut batch = SyncBatch::new(snap.client.clone(), Rail::Qbo);
        batch.records = synthetic::records(snap);
        for record in &mut batch.records {
            record.raw = serde_json::to_string(&record.entity).expect("an entity encodes");
        }
        store.apply(&batch).await.expect("seed a client");
    }
    advisor
}

//! Mirror throughput on both backends: `apply` of 1000-entity batches, and
//! loading the snapshots of a 100-client portfolio of typical clients.
//!
//! `cargo bench -p rowcol-mirror --bench mirror` (PostgreSQL at
//! `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`;
//! the bench creates and drops its own database `rowcol_bench`).

#![allow(missing_docs)] // criterion_group! generates an undocumented public function.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up: a failure is a failed bench

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rowcol_core::entity::Entity;
use rowcol_core::fixtures::{self, date, time};
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::{SourceRecord, SyncBatch};
use rowcol_core::{Advisor, Client, ClientSnapshot, Currency, Rail};
use rowcol_mirror::{CredentialKey, Mirror, PostgresMirror, SqliteMirror};
use rust_decimal_macros::dec;
use sqlx::{AssertSqlSafe, Connection};

#[path = "../../rowcol-runway/tests/support/synthetic.rs"]
mod synthetic;

const BENCH_DB: &str = "rowcol_bench";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh `rowcol_bench` database on the server at `DATABASE_URL`.
async fn postgres() -> Arc<dyn Mirror> {
    let admin_url = server_url();
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PostgreSQL at DATABASE_URL");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .unwrap();
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {BENCH_DB}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
    Arc::new(
        PostgresMirror::connect(&format!("{base}/{BENCH_DB}"), CredentialKey::generate())
            .await
            .unwrap(),
    )
}

async fn sqlite(dir: &tempfile::TempDir) -> Arc<dyn Mirror> {
    let path = dir.path().join("bench.db").display().to_string();
    Arc::new(SqliteMirror::open(&path, CredentialKey::generate()).await.unwrap())
}

async fn register(store: &dyn Mirror, clients: usize) {
    store
        .upsert_advisor(&Advisor {
            id: fixtures::id("adv"),
            name: "Bench".into(),
        })
        .await
        .unwrap();
    for i in 0..clients {
        let id = fixtures::id(&format!("client-{i:03}"));
        store
            .upsert_client(&Client {
                id,
                advisor: fixtures::id("adv"),
                name: format!("Client {i}"),
                home_currency: Currency::USD,
                connections: vec![],
            })
            .await
            .unwrap();
    }
}

/// Every record of a generated snapshot, as the sync engine would apply it.
fn records(snap: &ClientSnapshot) -> Vec<SourceRecord> {
    let mut out: Vec<Entity> = Vec::new();
    out.extend(snap.accounts.iter().cloned().map(Entity::Account));
    out.extend(snap.terms.iter().cloned().map(Entity::Term));
    out.extend(snap.vendors.iter().cloned().map(Entity::Vendor));
    out.extend(snap.customers.iter().cloned().map(Entity::Customer));
    out.extend(snap.bills.iter().cloned().map(Entity::Bill));
    out.extend(snap.invoices.iter().cloned().map(Entity::Invoice));
    out.extend(snap.payments.iter().cloned().map(Entity::Payment));
    out.extend(snap.bill_payments.iter().cloned().map(Entity::BillPayment));
    out.extend(snap.purchases.iter().cloned().map(Entity::Purchase));
    out.extend(snap.deposits.iter().cloned().map(Entity::Deposit));
    out.into_iter()
        .map(|entity| SourceRecord {
            raw: "{}".into(),
            entity,
        })
        .collect()
}

/// 1000 new bills for client-000, ids from `next`.
fn thousand_bills(next: &AtomicU64) -> SyncBatch {
    let mut b = SyncBatch::new(fixtures::id("client-000"), Rail::Qbo);
    b.records = (0..1000)
        .map(|_| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let mut bill = fixtures::bill("client-000", &n.to_string(), dec!(1234.56));
            bill.meta.updated_at = time("2026-07-01T09:00:00-07:00");
            SourceRecord {
                raw: format!(r#"{{"Id":"{n}","TotalAmt":1234.56}}"#),
                entity: Entity::Bill(bill),
            }
        })
        .collect();
    b
}

fn bench_apply(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("mirror/apply_1000_entities");
    group.throughput(Throughput::Elements(1000));
    group.sample_size(20);
    for (name, store) in [
        ("sqlite", rt.block_on(sqlite(&dir))),
        ("postgres", rt.block_on(postgres())),
    ] {
        rt.block_on(register(store.as_ref(), 1));
        let next = AtomicU64::new(1);
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let batches: Vec<SyncBatch> = (0..iters).map(|_| thousand_bills(&next)).collect();
                rt.block_on(async {
                    let start = Instant::now();
                    for batch in &batches {
                        store.apply(batch).await.unwrap();
                    }
                    start.elapsed()
                })
            })
        });
    }
    group.finish();
}

fn bench_snapshots(c: &mut Criterion) {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let as_of = date("2026-07-15");
    let portfolio = synthetic::portfolio(100, as_of, Utc::now());
    let mut group = c.benchmark_group("mirror/snapshots_100_clients");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for (name, store) in [
        ("sqlite", rt.block_on(sqlite(&dir))),
        ("postgres", rt.block_on(postgres())),
    ] {
        rt.block_on(async {
            register(store.as_ref(), portfolio.len()).await;
            for snap in &portfolio {
                let mut b = SyncBatch::new(snap.client.clone(), Rail::Qbo);
                b.records = records(snap);
                store.apply(&b).await.unwrap();
            }
        });
        let advisor: rowcol_core::AdvisorId = fixtures::id("adv");
        group.bench_function(name, |b| {
            b.iter(|| {
                rt.block_on(async {
                    let loads = portfolio.iter().map(|snap| {
                        let store = Arc::clone(&store);
                        let (advisor, client) = (advisor.clone(), snap.client.clone());
                        tokio::spawn(async move {
                            store
                                .snapshot(&advisor, &client, SnapshotRequest::as_of(as_of))
                                .await
                                .unwrap()
                        })
                    });
                    let snaps: Vec<ClientSnapshot> = futures::future::join_all(loads)
                        .await
                        .into_iter()
                        .map(Result::unwrap)
                        .collect();
                    assert_eq!(snaps.len(), 100);
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_apply, bench_snapshots);
criterion_main!(benches);

//! Mirror throughput on both backends (issue "rowcol-mirror"): `apply` of 1000-entity batches, and
//! loading the snapshots of a 100-client portfolio of typical clients.
//!
//! `cargo bench -p rowcol-benches --bench mirror` (PostgreSQL at
//! `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`;
//! the bench creates and drops its own database `rowcol_bench`).

#![allow(missing_docs)] // criterion_group! generates an undocumented public function.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up: a failure is a failed bench

use std::cell::OnceCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rowcol_core::entity::Entity;
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::{SourceRecord, SyncBatch};
use rowcol_core::{AdvisorId, ClientSnapshot, Rail};
use rowcol_mirror::Mirror;
use rowcol_testkit::fixtures::{self, date, time};
use rowcol_testkit::synthetic;
use rust_decimal_macros::dec;

mod support;

use support::Cache;

const BENCH_DB: &str = "rowcol_bench";

/// 1000 new bills for client-000, ids from `next`, each with a payload of a
/// source's size (its own JSON, about 600 bytes).
fn thousand_bills(next: &AtomicU64) -> SyncBatch {
    let mut b = SyncBatch::new(fixtures::id("client-000"), Rail::Qbo);
    b.records = (0..1000)
        .map(|_| {
            let n = next.fetch_add(1, Ordering::Relaxed);
            let mut bill = fixtures::bill("client-000", &n.to_string(), dec!(1234.56));
            bill.meta.updated_at = time("2026-07-01T09:00:00-07:00");
            let entity = Entity::Bill(bill);
            SourceRecord {
                raw: serde_json::to_string(&entity).unwrap(),
                entity,
            }
        })
        .collect();
    b
}

/// Each backend's mirror is opened (and its client registered) on the
/// bench's first run, so a filter that skips it costs nothing; only `apply`
/// itself is timed, the batches are built beforehand.
fn bench_apply(c: &mut Criterion) {
    let rt = support::runtime();
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("mirror/apply_1000_entities");
    group.throughput(Throughput::Elements(1000));
    group.sample_size(20);
    for name in ["sqlite", "postgres"] {
        let store: OnceCell<Arc<dyn Mirror>> = OnceCell::new();
        let next = AtomicU64::new(1);
        group.bench_function(name, |b| {
            let store = store.get_or_init(|| {
                rt.block_on(async {
                    let store = match name {
                        "sqlite" => support::sqlite(&dir, Cache::Cold).await,
                        _ => support::fresh_postgres(BENCH_DB).await,
                    };
                    support::register(store.as_ref(), 1).await;
                    store
                })
            });
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

/// Loads the 100 snapshots concurrently, as a dashboard would.
async fn load_all(store: &Arc<dyn Mirror>, advisor: &AdvisorId, portfolio: &[ClientSnapshot], as_of: NaiveDate) {
    let loads = portfolio.iter().map(|snap| {
        let store = Arc::clone(store);
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
}

/// `cold`: the snapshot cache off, so every load reads and decodes every
/// record (what a fresh process pays). `warm`: the default cache after one
/// load, records unchanged (settings, reviews and health are still read).
fn bench_snapshots(c: &mut Criterion) {
    let rt = support::runtime();
    let dir = tempfile::tempdir().unwrap();
    let as_of = date("2026-07-15");
    let portfolio = synthetic::portfolio(100, as_of, Utc::now());
    let mut group = c.benchmark_group("mirror/snapshots_100_clients");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    // Each backend is seeded on first use, so `-- apply` does not pay for it.
    let seeded: [OnceCell<AdvisorId>; 2] = [OnceCell::new(), OnceCell::new()];
    for cache in [Cache::Cold, Cache::Warm] {
        for (backend, name) in ["sqlite", "postgres"].into_iter().enumerate() {
            let opened: OnceCell<(AdvisorId, Arc<dyn Mirror>)> = OnceCell::new();
            group.bench_function(format!("{name}_{}", cache.label()), |b| {
                let (advisor, store) = opened.get_or_init(|| {
                    rt.block_on(async {
                        if seeded[backend].get().is_none() {
                            let seeder = match name {
                                "sqlite" => support::sqlite(&dir, Cache::Cold).await,
                                _ => support::fresh_postgres(BENCH_DB).await,
                            };
                            let advisor = support::seed(seeder.as_ref(), &portfolio).await;
                            seeded[backend].get_or_init(|| advisor);
                        }
                        let advisor = seeded[backend].get().cloned().unwrap();
                        let store = match name {
                            "sqlite" => support::sqlite(&dir, cache).await,
                            _ => support::postgres(BENCH_DB, cache).await,
                        };
                        load_all(&store, &advisor, &portfolio, as_of).await;
                        (advisor, store)
                    })
                });
                b.iter(|| rt.block_on(load_all(store, advisor, &portfolio, as_of)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_apply, bench_snapshots);
criterion_main!(benches);

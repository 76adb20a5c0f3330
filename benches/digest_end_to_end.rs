//! The advisor's digest for 100 typical clients, end to end from a seeded
//! mirror: load every snapshot from the database, then compute the digest.
//! Target (issue "rowcol command, examples, benchmark"): under 100 ms from
//! SQLite.
//!
//! `cargo bench -p rowcol-benches --bench digest_end_to_end` (PostgreSQL at
//! `DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`; the
//! bench creates and drops its own database `rowcol_bench_e2e`).

#![allow(missing_docs)] // criterion_group! generates an undocumented public function.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up: a failure is a failed bench

use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::{AdvisorId, ClientSnapshot};
use rowcol_mirror::Mirror;
use rowcol_runway::{DigestClock, digest};
use rowcol_testkit::fixtures::date;
use rowcol_testkit::synthetic;

mod support;

use support::Cache;

const BENCH_DB: &str = "rowcol_bench_e2e";

/// The portfolio, its 100 snapshots loaded concurrently, and the digest.
async fn digest_all(store: &Arc<dyn Mirror>, advisor: &AdvisorId, as_of: NaiveDate) {
    let clients = store.portfolio(advisor).await.unwrap();
    let loads = clients.into_iter().map(|client| {
        let (store, advisor) = (Arc::clone(store), advisor.clone());
        tokio::spawn(async move {
            store
                .snapshot(&advisor, &client.id, SnapshotRequest::as_of(as_of))
                .await
                .unwrap()
        })
    });
    let snapshots: Vec<ClientSnapshot> = futures::future::join_all(loads)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let clock = DigestClock {
        as_of,
        now: Utc::now(),
        freshness_target: Duration::from_secs(1800),
    };
    let d = digest(&snapshots, clock);
    assert_eq!(d.clients.len(), 100);
}

/// `cold`: the mirror's snapshot cache off, so every run reads and decodes
/// every record (a fresh process). `warm`: the default cache after one run,
/// records unchanged since (the steady state of a dashboard between syncs);
/// settings, reviews and health are read from the database every time.
fn bench_digest(c: &mut Criterion) {
    let rt = support::runtime();
    let dir = tempfile::tempdir().unwrap();
    let as_of = date("2026-07-15");
    let portfolio = synthetic::portfolio(100, as_of, Utc::now());
    let sqlite = rt.block_on(support::sqlite(&dir, Cache::Cold));
    let advisor = rt.block_on(support::seed(sqlite.as_ref(), &portfolio));
    let postgres = rt.block_on(support::fresh_postgres(BENCH_DB));
    rt.block_on(support::seed(postgres.as_ref(), &portfolio));
    let mut group = c.benchmark_group("digest/100_clients");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for cache in [Cache::Cold, Cache::Warm] {
        for (name, store) in [
            ("sqlite", rt.block_on(support::sqlite(&dir, cache))),
            ("postgres", rt.block_on(support::postgres(BENCH_DB, cache))),
        ] {
            rt.block_on(digest_all(&store, &advisor, as_of));
            group.bench_function(format!("{name}_end_to_end_{}", cache.label()), |b| {
                b.iter(|| rt.block_on(digest_all(&store, &advisor, as_of)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_digest);
criterion_main!(benches);

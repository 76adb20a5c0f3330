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

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use rowcol_core::entity::Entity;
use rowcol_core::fixtures::{self, date};
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::{SourceRecord, SyncBatch};
use rowcol_core::{Advisor, AdvisorId, Client, ClientSnapshot, Currency, Rail};
use rowcol_mirror::{CredentialKey, Mirror, PostgresMirror, SqliteMirror};
use rowcol_runway::{DigestClock, digest};
use sqlx::{AssertSqlSafe, Connection};

#[path = "../rowcol-runway/tests/support/synthetic.rs"]
mod synthetic;

const BENCH_DB: &str = "rowcol_bench_e2e";

async fn postgres() -> Arc<dyn Mirror> {
    let url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut admin = sqlx::PgConnection::connect(&url)
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
    let base = url.rsplit_once('/').map_or(url.as_str(), |(b, _)| b);
    Arc::new(
        PostgresMirror::connect(&format!("{base}/{BENCH_DB}"), CredentialKey::generate())
            .await
            .unwrap(),
    )
}

/// Seeds the mirror with the portfolio, as a first sync would leave it.
async fn seed(store: &dyn Mirror, portfolio: &[ClientSnapshot]) -> AdvisorId {
    let advisor: AdvisorId = fixtures::id("adv");
    store
        .upsert_advisor(&Advisor {
            id: advisor.clone(),
            name: "Bench".into(),
        })
        .await
        .unwrap();
    for snap in portfolio {
        let client = Client {
            id: snap.client.clone(),
            advisor: advisor.clone(),
            name: snap.name.clone(),
            home_currency: Currency::USD,
            connections: vec![],
        };
        store.upsert_client(&client).await.unwrap();
        let mut batch = SyncBatch::new(snap.client.clone(), Rail::Qbo);
        batch.records = records(snap);
        store.apply(&batch).await.unwrap();
    }
    advisor
}

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

fn bench_digest(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let as_of = date("2026-07-15");
    let portfolio = synthetic::portfolio(100, as_of, Utc::now());
    let sqlite_path = dir.path().join("e2e.db").display().to_string();
    let stores: [(&str, Arc<dyn Mirror>); 2] = [
        (
            "sqlite",
            rt.block_on(async {
                Arc::new(
                    SqliteMirror::open(&sqlite_path, CredentialKey::generate())
                        .await
                        .unwrap(),
                ) as Arc<dyn Mirror>
            }),
        ),
        ("postgres", rt.block_on(postgres())),
    ];
    let mut group = c.benchmark_group("digest/100_clients");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for (name, store) in stores {
        let advisor = rt.block_on(seed(store.as_ref(), &portfolio));
        group.bench_function(format!("{name}_end_to_end"), |b| {
            b.iter(|| {
                rt.block_on(async {
                    let clients = store.portfolio(&advisor).await.unwrap();
                    let loads = clients.into_iter().map(|client| {
                        let (store, advisor) = (Arc::clone(&store), advisor.clone());
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
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_digest);
criterion_main!(benches);

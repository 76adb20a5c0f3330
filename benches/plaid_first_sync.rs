//! The first Plaid sync of 100 clients' Items: the demo portfolio's banks
//! at the Plaid look-alike (each derived from its company's books at the
//! QBO look-alike, as `rowcol demo` makes them), linked through the Plaid
//! rail and synced by the engine, 16 at once, into a fresh SQLite file.
//! Measured: the engine's `sync_all` over the 100 Plaid connections
//! (accounts and every `/transactions/sync` page over HTTP, mapping, and
//! the mirror's writes); not measured: starting the look-alikes, linking.
//!
//! `cargo bench -p rowcol-benches --bench plaid_first_sync`

#![allow(missing_docs)] // criterion_group! generates an undocumented public function.
#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up: a failure is a failed bench

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rowcol_core::sync::SyncTrigger;
use rowcol_core::{Advisor, Connection};
use rowcol_mirror::CredentialKey;
use rowcol_plaid::PlaidConfig;
use rowcol_qbo_sim::{PortfolioSpec, SimConfig, Size};
use rowcol_stack::{LookAlikeClient, Stack, link_bank_look_alike, look_alike_clients, register_look_alike};

const CLIENTS: usize = 100;
/// Items synced at once, as the demo syncs.
const CONCURRENCY: usize = 16;

struct Looks {
    qbo: rowcol_qbo_sim::SimServer,
    plaid: rowcol_plaid_sim::SimServer,
    clients: Vec<LookAlikeClient>,
    advisor: Advisor,
}

async fn looks() -> Looks {
    let qbo = rowcol_qbo_sim::start(SimConfig {
        portfolio: PortfolioSpec {
            realms: CLIENTS,
            size: Size::Typical,
            ..PortfolioSpec::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let plaid = rowcol_plaid_sim::start(rowcol_plaid_sim::SimConfig {
        start_time: Some(qbo.admin().now()),
        ..rowcol_plaid_sim::SimConfig::default()
    })
    .await
    .unwrap();
    let clients = look_alike_clients(&qbo.admin()).unwrap();
    let advisor = Advisor {
        id: "bench-advisor".parse().unwrap(),
        name: "Bench advisor".into(),
    };
    Looks {
        qbo,
        plaid,
        clients,
        advisor,
    }
}

/// A fresh mirror with every client registered and its Item linked anew;
/// answers the stack and the Plaid connections.
async fn linked(l: &Looks, dir: &tempfile::TempDir) -> (Stack, Vec<Connection>) {
    let db = dir.path().join(format!("plaid-{}.db", rand::random::<u64>()));
    let mirror = rowcol_mirror::open(&format!("sqlite://{}", db.display()), CredentialKey::generate())
        .await
        .unwrap();
    register_look_alike(mirror.as_ref(), &l.qbo.admin(), &l.advisor, &l.clients)
        .await
        .unwrap();
    let stack = Stack::builder(mirror.clone())
        .plaid(PlaidConfig::for_sim(&l.plaid.base_url()).unwrap())
        .build()
        .unwrap();
    let connections = link_bank_look_alike(
        mirror.as_ref(),
        stack.plaid.as_ref().unwrap(),
        &l.qbo.admin(),
        &l.plaid.admin(),
        &l.advisor,
        &l.clients,
    )
    .await
    .unwrap();
    (stack, connections)
}

/// The first sync of every connection; answers the records written.
async fn first_sync(stack: &Stack, connections: &[Connection]) -> u64 {
    let mut records = 0;
    for (c, result) in stack
        .engine
        .sync_all(connections, SyncTrigger::OnDemand, CONCURRENCY, |_, _| {})
        .await
    {
        let report = result.unwrap_or_else(|e| panic!("{}: {e}", c.client));
        records += u64::from(report.counts.applied);
    }
    records
}

fn plaid_first_sync(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let l = rt.block_on(looks());
    let dir = tempfile::tempdir().unwrap();
    let records = rt.block_on(async {
        let (stack, connections) = linked(&l, &dir).await;
        first_sync(&stack, &connections).await
    });
    let mut group = c.benchmark_group("plaid_first_sync");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(60));
    group.throughput(Throughput::Elements(records));
    group.bench_function("100_items/sqlite", |b| {
        b.iter_custom(|iterations| {
            let mut spent = Duration::ZERO;
            for _ in 0..iterations {
                spent += rt.block_on(async {
                    let (stack, connections) = linked(&l, &dir).await;
                    let started = Instant::now();
                    let written = first_sync(&stack, &connections).await;
                    let took = started.elapsed();
                    assert_eq!(written, records, "every first sync writes the same records");
                    took
                });
            }
            spent
        });
    });
    group.finish();
    eprintln!("plaid_first_sync/100_items/sqlite: {records} records (bank accounts and lines) per first sync");
}

criterion_group!(benches, plaid_first_sync);
criterion_main!(benches);

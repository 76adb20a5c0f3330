//! Issue 6's bench: 100 typical clients on the QBO look-alike (in process,
//! real HTTP), through the QBO rail and the sync engine into a SQLite file.
//! Prints one table:
//! - first sync: wall time and API calls;
//! - an incremental cycle after 1% of each client's records changed;
//! - a quiet cycle (target: 1 call per realm);
//! - webhook to mirror latency, p50 and p99 (target p99 < 2 s): the
//!   look-alike delivers signed webhooks to the real route
//!   (`rowcol_worker::http`), the intake queues, a worker syncs, and the time is
//!   taken when the engine's change event names the changed record;
//! - peak memory (VmHWM) of a child process that runs the first sync (the
//!   look-alike keeps its books in this process), and of this whole process;
//! - API calls a month the default schedule spends on 100 quiet clients.
//!
//! `cargo bench -p rowcol-benches --bench sync_portfolio`; environment:
//! `ROWCOL_BENCH_CONCURRENCY` (clients synced at once, 16),
//! `ROWCOL_BENCH_CHILD_WRAPPER` (a command to run the first-sync child
//! under, such as `heaptrack -o /tmp/first-sync`), `RUST_LOG` (logs on
//! stderr; a webhook sample over 2 s is logged as a warning).

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench set-up: a failure is a failed bench

#[path = "../rowcol-worker/tests/sim_portfolio/mod.rs"]
mod sim_portfolio;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rowcol_core::sync::SyncTrigger;
use rowcol_core::{Connection, EntityKind, StandardPolicy, SyncPolicy};
use rowcol_qbo_sim::{Kind, Size, WebhookConfig};
use rowcol_sync::SyncEngine;
use rowcol_sync::engine::{SYNC_LEASE_TTL, SyncOutcome, monthly_calls};
use rowcol_worker::DEFAULT_COALESCE;
use serde_json::json;

const CLIENTS: usize = 100;
/// Clients synced at once (`ROWCOL_BENCH_CONCURRENCY` overrides; the demo uses 16).
fn concurrency() -> usize {
    std::env::var("ROWCOL_BENCH_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16)
}
const WEBHOOK_SAMPLES: usize = 100;
/// One change every this long across the portfolio (2 a second: a busy
/// hour for 100 clients, well above their usual pace).
const WEBHOOK_SPACING: Duration = Duration::from_millis(500);

struct Cycle {
    wall: Duration,
    calls: u64,
    records: u64,
}

async fn cycle(l: &sim_portfolio::Lookalike, engine: &SyncEngine, connections: &[Connection]) -> Cycle {
    l.admin.reset_counters();
    let started = Instant::now();
    let results = engine
        .sync_all(connections, SyncTrigger::Schedule, concurrency(), |_, _| {})
        .await;
    let wall = started.elapsed();
    let mut records = 0;
    for (c, result) in results {
        let report = result.unwrap_or_else(|e| panic!("{}: {e}", c.client));
        assert_eq!(report.outcome, SyncOutcome::Synced);
        records += u64::from(report.counts.applied + report.counts.deleted);
    }
    let calls = l.admin.counters().values().map(|c| c.requests).sum();
    Cycle { wall, calls, records }
}

fn vm_hwm_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

/// Set in the child process that runs the first sync, so that its peak
/// memory is RowCol's alone (the look-alike's books stay in the parent).
const ENV_CHILD: &str = "ROWCOL_BENCH_FIRST_SYNC";

fn main() {
    // `RUST_LOG=info` shows the sync engine's and the worker's logs (retries,
    // re-queued jobs) on stderr, to explain a slow sample.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match std::env::var(ENV_CHILD) {
        Ok(spec) => rt.block_on(first_sync_child(&spec)),
        Err(_) => rt.block_on(run()),
    }
}

/// The child: `mirror-url key-hex sim-url`; syncs every connection once and
/// prints its peak memory.
async fn first_sync_child(spec: &str) {
    let [mirror_url, key, sim]: [&str; 3] = spec.split(' ').collect::<Vec<_>>().try_into().unwrap();
    let mirror = rowcol_mirror::open(mirror_url, rowcol_mirror::CredentialKey::from_hex(key).unwrap())
        .await
        .unwrap();
    let (_, engine) = sim_portfolio::engine(mirror.clone(), sim, "bench-child", SYNC_LEASE_TTL, 1000);
    let connections = mirror.connections().await.unwrap();
    for (c, result) in engine
        .sync_all(&connections, SyncTrigger::OnDemand, concurrency(), |_, _| {})
        .await
    {
        result.unwrap_or_else(|e| panic!("{}: {e}", c.client));
    }
    println!("{}", vm_hwm_mb().unwrap_or(0.0));
}

/// Runs the first sync in a child process: its wall time and peak memory.
fn first_sync_in_child(l: &sim_portfolio::Lookalike) -> (Duration, f64) {
    let started = Instant::now();
    let exe = std::env::current_exe().unwrap();
    // `ROWCOL_BENCH_CHILD_WRAPPER="heaptrack -o /tmp/first-sync"` runs the
    // child under a memory profiler.
    let wrapper = std::env::var("ROWCOL_BENCH_CHILD_WRAPPER").unwrap_or_default();
    let mut command = match wrapper.split_whitespace().collect::<Vec<_>>().split_first() {
        Some((program, args)) => {
            let mut c = std::process::Command::new(program);
            c.args(args).arg(&exe);
            c
        }
        None => std::process::Command::new(&exe),
    };
    let output = command
        .env(
            ENV_CHILD,
            format!("{} {} {}", l.mirror_url, l.key_hex, l.sim.base_url()),
        )
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap();
    assert!(output.status.success(), "the first-sync child failed");
    // The child's last line (a wrapper may print before it).
    let stdout = String::from_utf8_lossy(&output.stdout);
    let peak = stdout.lines().last().unwrap_or_default().trim().parse().unwrap();
    (started.elapsed(), peak)
}

async fn run() {
    let l = sim_portfolio::start(CLIENTS, Size::Typical).await;
    l.admin.reset_counters();
    let (first_wall, child_peak) = tokio::task::block_in_place(|| first_sync_in_child(&l));
    let first_calls: u64 = l.admin.counters().values().map(|c| c.requests).sum();
    let mut first_records = 0;
    for c in &l.connections {
        for kind in EntityKind::ALL {
            first_records += l.mirror.live_versions(&c.client, c.rail, kind).await.unwrap().len();
        }
    }
    let (_, engine) = sim_portfolio::engine(l.mirror.clone(), &l.sim.base_url(), "bench", SYNC_LEASE_TTL, 1000);

    // 1% of each client's records changed (creates, payments, edits, voids, deletes).
    let mut changes = 0;
    for realm in l.admin.realm_ids() {
        let truth = l.admin.ground_truth(&realm).unwrap();
        let live: usize = truth.kinds.values().map(|k| k.count).sum();
        let n = live.div_ceil(100);
        l.admin.burst(&realm, n).unwrap();
        changes += n;
    }
    let busy = cycle(&l, &engine, &l.connections).await;
    let quiet = cycle(&l, &engine, &l.connections).await;

    let (p50, p99, coalesce) = webhook_latency(&l, engine.clone()).await;

    let policy = StandardPolicy::default();
    let interval = policy.interval(&l.connections[0].client);
    let month = monthly_calls(CLIENTS as u64, interval, 1);
    let whole = vm_hwm_mb().unwrap_or(0.0);
    println!(
        "sync_portfolio: {CLIENTS} typical clients, {} at once, look-alike over HTTP, SQLite file mirror",
        concurrency()
    );
    println!("| what | figure | target |");
    println!("| --- | --- | --- |");
    println!(
        "| first sync (child process) | {:.1} s, {first_calls} API calls, {first_records} records | — |",
        first_wall.as_secs_f64(),
    );
    println!(
        "| incremental cycle, 1% changed ({changes} changes) | {:.2} s, {} API calls, {} records | — |",
        busy.wall.as_secs_f64(),
        busy.calls,
        busy.records
    );
    println!(
        "| quiet cycle | {:.2} s, {} API calls | 1 per realm ({CLIENTS}) |",
        quiet.wall.as_secs_f64(),
        quiet.calls
    );
    println!(
        "| webhook to mirror, {WEBHOOK_SAMPLES} changes one every {WEBHOOK_SPACING:?} (intake coalescing {coalesce:?}) | p50 {:.0} ms, p99 {:.0} ms | p99 < 2 s |",
        p50.as_secs_f64() * 1000.0,
        p99.as_secs_f64() * 1000.0
    );
    println!("| peak memory of the first sync (child's VmHWM) | {child_peak:.0} MB | < 200 MB |");
    println!("| peak memory of this process, look-alike's books included (VmHWM) | {whole:.0} MB | — |");
    println!(
        "| API calls a month, default schedule ({} min), 100 quiet clients | {month} | < 500,000 |",
        interval.as_secs() / 60
    );
}

/// Changes one bill at a time across the portfolio and times each from the
/// change at the look-alike to the engine's change event naming it.
async fn webhook_latency(l: &sim_portfolio::Lookalike, engine: Arc<SyncEngine>) -> (Duration, Duration, Duration) {
    let path = sim_portfolio::webhook_path(l, engine.clone(), DEFAULT_COALESCE, WebhookConfig::default()).await;
    let mut events = engine.subscribe();
    let mut sent: HashMap<(String, String), Instant> = HashMap::new();
    let mut latencies = Vec::new();
    let realms = l.admin.realm_ids();
    for i in 0..WEBHOOK_SAMPLES {
        let realm = &realms[i % realms.len()];
        let client = l.connections[i % realms.len()].client.to_string();
        let truth = l.admin.ground_truth(realm).unwrap();
        let id: u64 = truth.kinds["Bill"]
            .live
            .keys()
            .nth(i / realms.len())
            .unwrap()
            .parse()
            .unwrap();
        l.admin
            .update(realm, Kind::Bill, id, &json!({ "PrivateNote": format!("bench {i}") }))
            .unwrap();
        sent.insert((client, id.to_string()), Instant::now());
        let pause = tokio::time::sleep(WEBHOOK_SPACING);
        tokio::pin!(pause);
        loop {
            tokio::select! {
                _ = &mut pause => break,
                Ok(event) = events.recv() => collect(&event, &mut sent, &mut latencies),
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while !sent.is_empty() && Instant::now() < deadline {
        if let Ok(Ok(event)) = tokio::time::timeout(Duration::from_secs(1), events.recv()).await {
            collect(&event, &mut sent, &mut latencies);
        }
    }
    assert!(sent.is_empty(), "{} changes never reached the mirror", sent.len());
    path.stop().await;
    latencies.sort();
    (
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        DEFAULT_COALESCE,
    )
}

fn collect(
    event: &rowcol_sync::engine::ChangeEvent,
    sent: &mut HashMap<(String, String), Instant>,
    latencies: &mut Vec<Duration>,
) {
    for (kind, id) in &event.ids {
        if *kind == EntityKind::Bill
            && let Some(at) = sent.remove(&(event.client.to_string(), id.to_string()))
        {
            let latency = at.elapsed();
            if latency > Duration::from_secs(2) {
                tracing::warn!(client = %event.client, bill = %id, ?latency, "slow webhook sample");
            }
            latencies.push(latency);
        }
    }
}

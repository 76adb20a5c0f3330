//! Issue 6's crash criterion (and issue 10's crash loop): a child process
//! syncs a look-alike portfolio into a SQLite mirror over and over; the test
//! SIGKILLs it at random points more than 50 times while the source keeps
//! changing, restarting it each time, then lets one sync finish and checks
//! that the mirror equals the source (ground truth ids, versions and counts,
//! a clean full reconciliation with totals) with every audit chain intact.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod sim_portfolio;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rowcol_core::sync::{RunStatus, SyncRun, SyncTrigger};
use rowcol_mirror::CredentialKey;
use rowcol_qbo_sim::{Kind, Size};
use rowcol_sync::engine::{INTERRUPTED_RUN, SyncOutcome};
use serde_json::json;

const REALMS: usize = 6;
const KILLS: usize = 52;
/// Rows a page: small, so a full sync is many batches and kills land between them.
const PAGE_SIZE: u32 = 5;
/// A killed child's realm leases free themselves this soon.
const LEASE_TTL: Duration = Duration::from_millis(300);

const ENV_MIRROR: &str = "ROWCOL_CRASH_MIRROR";
const ENV_KEY: &str = "ROWCOL_CRASH_KEY";
const ENV_SIM: &str = "ROWCOL_CRASH_SIM";

/// The child: syncs every connection again and again until killed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the crash loop's child process; run by a_sync_killed_over_fifty_times_converges"]
async fn crash_child() {
    let (Ok(mirror_url), Ok(key), Ok(sim)) = (
        std::env::var(ENV_MIRROR),
        std::env::var(ENV_KEY),
        std::env::var(ENV_SIM),
    ) else {
        panic!("crash_child runs only as the crash loop's child ({ENV_MIRROR}, {ENV_KEY}, {ENV_SIM})");
    };
    let mirror = rowcol_mirror::open(&mirror_url, CredentialKey::from_hex(&key).unwrap())
        .await
        .unwrap();
    let holder = format!("crash-child-{}", std::process::id());
    let (_, engine) = sim_portfolio::engine(mirror.clone(), &sim, &holder, LEASE_TTL, PAGE_SIZE);
    let connections = mirror.connections().await.unwrap();
    loop {
        engine.sync_all(&connections, SyncTrigger::Schedule, 3, |_, _| {}).await;
    }
}

fn change_source(l: &sim_portfolio::Lookalike, rng: &mut StdRng) {
    let realms = l.admin.realm_ids();
    let realm = &realms[rng.random_range(0..realms.len())];
    l.admin.burst(realm, rng.random_range(1..=3)).unwrap();
    let truth = l.admin.ground_truth(realm).unwrap();
    let pick = |kind: Kind, rng: &mut StdRng| -> Option<u64> {
        let live = &truth.kinds.get(kind.name())?.live;
        live.keys().nth(rng.random_range(0..live.len().max(1)))?.parse().ok()
    };
    match rng.random_range(0..4) {
        0 => {
            if let Some(id) = pick(Kind::Bill, rng) {
                l.admin.delete(realm, Kind::Bill, id).unwrap();
            }
        }
        1 => {
            if let Some(id) = pick(Kind::Invoice, rng) {
                l.admin.void(realm, Kind::Invoice, id).unwrap();
            }
        }
        2 => {
            if let Some(id) = pick(Kind::Customer, rng) {
                l.admin
                    .update(
                        realm,
                        Kind::Customer,
                        id,
                        &json!({ "CompanyName": format!("Crash {id}") }),
                    )
                    .unwrap();
            }
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_over_fifty_times_converges() {
    let started = Instant::now();
    let l = sim_portfolio::start(REALMS, Size::Small).await;
    let exe = std::env::current_exe().unwrap();
    let mut rng = StdRng::seed_from_u64(10);
    for kill in 0..KILLS {
        change_source(&l, &mut rng);
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child",
                "--ignored",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(ENV_MIRROR, &l.mirror_url)
            .env(ENV_KEY, &l.key_hex)
            .env(ENV_SIM, l.sim.base_url())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_millis(rng.random_range(40..320))).await;
        assert!(
            child.try_wait().unwrap().is_none(),
            "kill {kill}: the child ended on its own before the kill"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }

    // A run cut short stays `running` until the next attempt takes the
    // realm's lease, which records it as failed (interrupted).
    let cut_off = |run: &SyncRun| run.status == RunStatus::Running || run.error.as_deref() == Some(INTERRUPTED_RUN);
    let mut cut_short = 0;
    let mut succeeded = 0;
    for c in &l.connections {
        for run in l.mirror.runs(&c.client, 10_000).await.unwrap() {
            cut_short += usize::from(cut_off(&run));
            succeeded += usize::from(run.status == RunStatus::Succeeded);
        }
    }
    assert!(cut_short >= 10, "only {cut_short} runs were killed mid-sync");
    assert!(succeeded >= REALMS, "only {succeeded} runs finished between kills");

    // One last sync, in this process, once the killed child's leases expired.
    let (_, engine) = sim_portfolio::engine(l.mirror.clone(), &l.sim.base_url(), "crash-final", LEASE_TTL, PAGE_SIZE);
    finish(&engine, &l.connections).await;
    for c in &l.connections {
        sim_portfolio::assert_equals_source(&l, &engine, c).await;
    }
    let mut closed = 0;
    for c in &l.connections {
        let runs = l.mirror.runs(&c.client, 10_000).await.unwrap();
        assert!(
            runs.iter().all(|r| r.status != RunStatus::Running),
            "{}: a run still shows as running",
            c.client
        );
        closed += runs
            .iter()
            .filter(|r| r.error.as_deref() == Some(INTERRUPTED_RUN))
            .count();
    }
    assert_eq!(closed, cut_short, "every cut-off run is recorded as interrupted");
    eprintln!(
        "{KILLS} kills ({cut_short} runs cut short, {succeeded} finished) and convergence in {:?}",
        started.elapsed()
    );
}

/// Syncs every connection to completion, waiting out leases a killed child left.
async fn finish(engine: &Arc<rowcol_sync::SyncEngine>, connections: &[rowcol_core::Connection]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    for c in connections {
        loop {
            let report = engine.sync_connection(c, SyncTrigger::OnDemand, &[]).await.unwrap();
            if report.outcome == SyncOutcome::Synced {
                break;
            }
            assert!(Instant::now() < deadline, "{}: still busy", c.client);
            tokio::time::sleep(LEASE_TTL).await;
        }
    }
}

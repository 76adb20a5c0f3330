//! Two `rowcol-worker-demo` processes share one PostgreSQL queue and mirror
//! (a fresh database on the server at `DATABASE_URL`; never skipped). Each
//! realm gets two jobs (a scheduled tick and an on-demand request) so that
//! both workers reach for the same realms; one worker is killed with SIGKILL
//! in the middle of a sync. The portfolio still finishes, and the run records
//! show that no two runs of one client ever overlapped in time.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use common::{Backend, Portfolio, portfolio, wait_until};
use rowcol_core::sync::RunStatus;
use rowcol_core::{Rail, StandardPolicy};
use rowcol_sync::engine::INTERRUPTED_RUN;
use rowcol_worker::{Intake, Scheduler};

/// A worker process and the lines it printed.
struct WorkerProcess {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
}

impl WorkerProcess {
    fn spawn(p: &Portfolio, name: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rowcol-worker-demo"))
            .env("ROWCOL_MIRROR_URL", &p.mirror_url)
            .env("ROWCOL_QUEUE_URL", &p.queue_url)
            .env("ROWCOL_WORKER_NAME", name)
            .env("ROWCOL_CONCURRENCY", "2")
            .env("ROWCOL_RAIL_DELAY_MS", "400")
            .env("ROWCOL_HEARTBEAT_MS", "1000")
            .env("ROWCOL_LEASE_TTL_MS", "3000")
            .env("ROWCOL_BUSY_DELAY_MS", "300")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        WorkerProcess { child, lines }
    }

    fn calls(&self) -> usize {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains(" calls "))
            .count()
    }

    /// SIGKILL: no shutdown, no lease release, no job acknowledgement.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_the_portfolio_never_overlap_and_survive_a_kill() {
    const CLIENTS: usize = 12;
    let p = portfolio(Backend::Postgres, CLIENTS, StandardPolicy::default()).await;
    let ticked = Scheduler::new(p.engine.clone(), p.queue.clone())
        .tick(Utc::now())
        .await
        .unwrap();
    assert_eq!(ticked.queued.len(), CLIENTS);
    let intake = Intake::new(p.engine.clone(), p.queue.clone());
    for connection in &p.connections {
        intake.enqueue_on_demand(&connection.client, Rail::Qbo).await.unwrap();
    }

    let mut first = WorkerProcess::spawn(&p, "w1");
    let second = WorkerProcess::spawn(&p, "w2");
    wait_until("w1 to be in its fourth sync", Duration::from_secs(30), || async {
        first.calls() >= 4
    })
    .await;
    first.kill();
    let killed_at = Utc::now();

    wait_until("every client to sync", Duration::from_secs(60), || async {
        for connection in &p.connections {
            if p.succeeded(&connection.client).await == 0 {
                return false;
            }
        }
        true
    })
    .await;
    // The killed worker's jobs are taken over (its heartbeat stopped) and done.
    wait_until("the queue to drain", Duration::from_secs(30), || p.queue_is_idle()).await;
    assert!(p.queue.dead_jobs().await.unwrap().is_empty());
    let second_calls = second.calls();
    drop(second);

    let mut interrupted = 0;
    let mut all_runs = 0;
    for connection in &p.connections {
        let runs = p.runs(&connection.client).await;
        let end = |status: RunStatus, finished: Option<DateTime<Utc>>| match (status, finished) {
            (_, Some(at)) => at,
            // A run the kill cut short: it held the realm until the kill at least.
            (RunStatus::Running, None) => killed_at,
            (other, None) => panic!("a {other:?} run without an end: {runs:?}"),
        };
        for pair in runs.windows(2) {
            assert!(
                end(pair[0].status, pair[0].finished_at) <= pair[1].started_at,
                "runs of {} overlap: {pair:?}",
                connection.client
            );
        }
        // Cut short by the kill: still `running`, or recorded as interrupted
        // when w2 took the realm's lease.
        interrupted += runs
            .iter()
            .filter(|r| r.status == RunStatus::Running || r.error.as_deref() == Some(INTERRUPTED_RUN))
            .count();
        all_runs += runs.len();
    }
    println!(
        "{CLIENTS} clients, {all_runs} runs, {interrupted} cut short by the kill; rail calls: w1 {} (killed), w2 {second_calls}",
        first.calls()
    );
    assert!(interrupted >= 1, "the kill interrupted a sync");
    assert!(first.calls() >= 4, "w1 took part");
    assert!(second_calls > 0, "w2 took part");
}

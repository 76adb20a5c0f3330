//! `rowcol-worker-demo`: one worker process over a stand-in rail whose books
//! are empty and whose every call takes a while, so that several processes
//! sharing one PostgreSQL queue can be watched (and killed) mid-sync.
//!
//! Settings come from the environment:
//! - `ROWCOL_MIRROR_URL`, `ROWCOL_QUEUE_URL` (required): the mirror and the queue;
//! - `ROWCOL_WORKER_NAME`: the worker's and lease holder's name (default `demo-<pid>`);
//! - `ROWCOL_CONCURRENCY` (default 2), `ROWCOL_RAIL_DELAY_MS` (default 300),
//!   `ROWCOL_HEARTBEAT_MS` (default 1000; dead after three missed),
//!   `ROWCOL_LEASE_TTL_MS` (default 3000: a killed worker's realms free in
//!   seconds rather than after the engine's two minutes),
//!   `ROWCOL_BUSY_DELAY_MS` (default 300), `ROWCOL_TICK_SECS` (0: no schedule ticks).
//!
//! It prints `<name> calls <client>` when a rail call starts, and stops on Ctrl-C.

use std::error::Error;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, Utc};
use rowcol_core::entity::EntityKind;
use rowcol_core::ports::{ChangeSet, LiveBalance, Page, PageRequest};
use rowcol_core::sync::{ChangeCursor, SourceRecord};
use rowcol_core::{Connection, ExternalId, LeaseStore, LedgerRail, MirrorStore, Rail, Result, StandardPolicy};
use rowcol_mirror::CredentialKey;
use rowcol_sync::SyncEngine;
use rowcol_worker::{Heartbeat, JobQueue, Worker};

/// A QBO stand-in with empty books: every call waits `delay` and says so.
struct SlowEmptyRail {
    name: String,
    delay: Duration,
}

impl SlowEmptyRail {
    async fn call(&self, connection: &Connection) -> DateTime<FixedOffset> {
        println!("{} calls {}", self.name, connection.client);
        tokio::time::sleep(self.delay).await;
        Utc::now().fixed_offset()
    }
}

#[async_trait]
impl LedgerRail for SlowEmptyRail {
    fn rail(&self) -> Rail {
        Rail::Qbo
    }

    async fn list_pages(&self, connection: &Connection, requests: &[PageRequest]) -> Result<Vec<Page>> {
        let server_time = self.call(connection).await;
        Ok(requests
            .iter()
            .map(|r| Page {
                kind: r.kind,
                records: Vec::new(),
                rejects: Vec::new(),
                next: None,
                resume: None,
                server_time,
            })
            .collect())
    }

    async fn changes_since(
        &self,
        connection: &Connection,
        _since: &ChangeCursor,
        _kinds: &[EntityKind],
    ) -> Result<ChangeSet> {
        let server_time = self.call(connection).await;
        Ok(ChangeSet {
            records: Vec::new(),
            tombstones: Vec::new(),
            rejects: Vec::new(),
            next: ChangeCursor::from_time(server_time),
            server_time,
            api_calls: 1,
        })
    }

    async fn fetch_one(&self, _: &Connection, _: EntityKind, _: &ExternalId) -> Result<Option<SourceRecord>> {
        Ok(None)
    }

    async fn live_balances(&self, _: &Connection) -> Result<Vec<LiveBalance>> {
        Ok(Vec::new())
    }
}

/// The mirror's leases with their life capped at `ttl`.
struct CappedLeases {
    inner: Arc<dyn rowcol_mirror::Mirror>,
    ttl: Duration,
}

#[async_trait]
impl LeaseStore for CappedLeases {
    async fn try_acquire(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool> {
        self.inner.try_acquire(name, holder, ttl.min(self.ttl)).await
    }

    async fn release(&self, name: &str, holder: &str) -> Result<()> {
        self.inner.release(name, holder).await
    }
}

fn setting(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn millis(name: &str, default: u64) -> std::result::Result<Duration, Box<dyn Error>> {
    Ok(Duration::from_millis(match setting(name) {
        Some(v) => v.parse().map_err(|e| format!("{name}: {e}"))?,
        None => default,
    }))
}

async fn run() -> std::result::Result<(), Box<dyn Error>> {
    let mirror_url = setting("ROWCOL_MIRROR_URL").ok_or("set ROWCOL_MIRROR_URL")?;
    let queue_url = setting("ROWCOL_QUEUE_URL").ok_or("set ROWCOL_QUEUE_URL")?;
    let name = setting("ROWCOL_WORKER_NAME").unwrap_or_else(|| format!("demo-{}", std::process::id()));
    let concurrency: usize = setting("ROWCOL_CONCURRENCY").map_or(Ok(2), |v| v.parse())?;
    let tick_secs: u64 = setting("ROWCOL_TICK_SECS").map_or(Ok(0), |v| v.parse())?;
    // The stand-in rail holds no credentials, so any key opens the mirror.
    let key = match setting("ROWCOL_CREDENTIAL_KEY") {
        Some(hex) => CredentialKey::from_hex(&hex)?,
        None => CredentialKey::generate(),
    };

    let mirror = rowcol_mirror::open(&mirror_url, key).await?;
    let leases = CappedLeases {
        inner: Arc::clone(&mirror),
        ttl: millis("ROWCOL_LEASE_TTL_MS", 3_000)?,
    };
    let rail = SlowEmptyRail {
        name: name.clone(),
        delay: millis("ROWCOL_RAIL_DELAY_MS", 300)?,
    };
    let store: Arc<dyn MirrorStore> = mirror;
    let engine = SyncEngine::new(store, Arc::new(StandardPolicy::default()))
        .with_rail(Arc::new(rail))
        .with_leases(Arc::new(leases), name.clone());
    let queue = JobQueue::connect(&queue_url).await?;
    let heartbeat = Heartbeat {
        interval: millis("ROWCOL_HEARTBEAT_MS", 1_000)?,
        missed: 3,
    };
    Worker::builder(Arc::new(engine), queue)
        .name(name)
        .concurrency(concurrency)
        .heartbeat(heartbeat)
        .busy_delay(millis("ROWCOL_BUSY_DELAY_MS", 300)?)
        .poll_every(Duration::from_millis(100))
        .tick_every((tick_secs > 0).then(|| Duration::from_secs(tick_secs)))
        .run(async {
            // An error here means no signal handler: run until killed instead.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rowcol-worker-demo: {e}");
            ExitCode::FAILURE
        }
    }
}

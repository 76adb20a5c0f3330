//! The harness every test binary shares: a portfolio of clients in a mirror,
//! an engine over an in-memory rail, a job queue, and in-process workers.
//! PostgreSQL comes from `DATABASE_URL`: without it the PostgreSQL tests fail
//! (they never skip).

#![allow(dead_code)] // each test binary uses its own part of the harness
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use rowcol_stack::Stack;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rowcol_core::sync::{ChangeNotice, NoticeOperation, RunStatus, SyncRun};
use rowcol_core::{
    Advisor, AdvisorId, Client, ClientId, Connection, ConnectionStatus, Currency, EntityKind, Rail, RealmId,
    RetrySettings, StandardPolicy, SystemClock,
};
use rowcol_mirror::{CredentialKey, Mirror};
use rowcol_sync::SyncEngine;
use rowcol_testkit::MemoryRail;
use rowcol_testkit::fixtures::{self};
use rowcol_worker::{Heartbeat, JobQueue, JobState, Worker};
use sqlx::{AssertSqlSafe, Connection as _, Executor, PgConnection};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Which queue and mirror backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh PostgreSQL database, dropped (connections and all) when this is.
pub struct FreshDatabase {
    pub url: String,
    admin_url: String,
    name: String,
}

fn admin_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "the PostgreSQL tests never skip: set DATABASE_URL to a server they may create \
             databases on, e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    })
}

impl FreshDatabase {
    pub async fn create() -> Self {
        let admin_url = admin_url();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!("rowcol_worker_{}_{nanos}", std::process::id());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at DATABASE_URL is not reachable ({e}); the tests never skip"));
        admin
            .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap();
        let (base, query) = match admin_url.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (admin_url.as_str(), String::new()),
        };
        let root = base.rsplit_once('/').map_or(base, |(root, _)| root);
        FreshDatabase {
            url: format!("{root}/{name}{query}"),
            admin_url: admin_url.clone(),
            name,
        }
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside async: a small runtime of its own on a thread.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let _ = admin
                        .execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                        .await;
                }
            });
        })
        .join();
    }
}

/// Where a portfolio's databases live, kept until the portfolio drops.
pub enum Place {
    Dir(tempfile::TempDir),
    Database(FreshDatabase),
}

/// Clients in a mirror, an engine, a rail and a queue.
pub struct Portfolio {
    pub engine: Arc<SyncEngine>,
    pub mirror: Arc<dyn Mirror>,
    pub rail: Arc<MemoryRail>,
    pub queue: JobQueue,
    pub connections: Vec<Connection>,
    pub advisor: AdvisorId,
    pub mirror_url: String,
    pub queue_url: String,
    // Last: dropped after every pool into it.
    pub place: Place,
}

/// The default policy with retries fast enough for tests: three attempts,
/// waits of at most 100 ms.
pub fn fast_policy() -> StandardPolicy {
    StandardPolicy {
        retry: RetrySettings {
            max_attempts: 3,
            base_delay: Duration::from_millis(20),
            max_delay: Duration::from_millis(100),
            throttle_wait: Duration::from_millis(100),
        },
        ..StandardPolicy::default()
    }
}

pub fn client_id(i: usize) -> ClientId {
    fixtures::id(&format!("client-{i:02}"))
}

pub fn realm_id(i: usize) -> RealmId {
    fixtures::id(&format!("{}", 9_130_000 + i))
}

/// `clients` clients of advisor `adv`, each with an active QBO connection.
pub async fn portfolio(backend: Backend, clients: usize, policy: StandardPolicy) -> Portfolio {
    let (place, mirror_url, queue_url) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let mirror = format!("sqlite://{}", dir.path().join("mirror.db").display());
            let queue = format!("sqlite:{}", dir.path().join("queue.db").display());
            (Place::Dir(dir), mirror, queue)
        }
        Backend::Postgres => {
            let db = FreshDatabase::create().await;
            let url = db.url.clone();
            (Place::Database(db), url.clone(), url)
        }
    };
    let mirror = rowcol_mirror::open(&mirror_url, CredentialKey::generate())
        .await
        .unwrap();
    let advisor: AdvisorId = fixtures::id("adv");
    mirror
        .upsert_advisor(&Advisor {
            id: advisor.clone(),
            name: "Advisor".to_owned(),
        })
        .await
        .unwrap();
    let mut connections = Vec::new();
    for i in 0..clients {
        let connection = Connection {
            client: client_id(i),
            rail: Rail::Qbo,
            realm: realm_id(i),
            status: ConnectionStatus::Active,
        };
        mirror
            .upsert_client(&Client {
                id: client_id(i),
                advisor: advisor.clone(),
                name: format!("Client {i}"),
                home_currency: Currency::USD,
                connections: vec![connection.clone()],
            })
            .await
            .unwrap();
        connections.push(connection);
    }
    let rail = Arc::new(MemoryRail::new(Arc::new(SystemClock)));
    let stack = Stack::builder(mirror.clone())
        .policy(Arc::new(policy))
        .rail(rail.clone())
        .holder("test-process")
        .build()
        .unwrap();
    let queue = JobQueue::connect(&queue_url).await.unwrap();
    Portfolio {
        engine: stack.engine,
        mirror,
        rail,
        queue,
        connections,
        advisor,
        mirror_url,
        queue_url,
        place,
    }
}

impl Portfolio {
    /// The client's runs, oldest first.
    pub async fn runs(&self, client: &ClientId) -> Vec<SyncRun> {
        let mut runs = self.mirror.runs(client, 100).await.unwrap();
        runs.reverse();
        runs
    }

    /// The client's succeeded runs.
    pub async fn succeeded(&self, client: &ClientId) -> usize {
        self.runs(client)
            .await
            .iter()
            .filter(|r| r.status == RunStatus::Succeeded)
            .count()
    }

    /// True when no job waits or runs.
    pub async fn queue_is_idle(&self) -> bool {
        self.queue.jobs(JobState::Pending).await.unwrap().is_empty()
            && self.queue.jobs(JobState::Running).await.unwrap().is_empty()
    }
}

/// A worker running in this process until stopped.
pub struct RunningWorker {
    stop: oneshot::Sender<()>,
    handle: JoinHandle<rowcol_worker::Result<()>>,
}

/// Starts a worker on the portfolio's queue: fast polling, a one-second
/// heartbeat, no schedule ticks (tests tick by hand).
pub fn start_worker(p: &Portfolio, name: &str, concurrency: usize) -> RunningWorker {
    let (stop, stopped) = oneshot::channel::<()>();
    let worker = Worker::builder(p.engine.clone(), p.queue.clone())
        .name(format!("{name}-{}", std::process::id()))
        .concurrency(concurrency)
        .busy_delay(Duration::from_millis(200))
        .poll_every(Duration::from_millis(100))
        .heartbeat(Heartbeat {
            interval: Duration::from_secs(1),
            missed: 3,
        })
        .tick_every(None);
    let handle = tokio::spawn(worker.run(async {
        let _ = stopped.await;
    }));
    RunningWorker { stop, handle }
}

impl RunningWorker {
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(20), self.handle)
            .await
            .expect("the worker stops within 20 s")
            .unwrap()
            .unwrap();
    }
}

/// Polls `check` every 100 ms until it holds; panics after `timeout`.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if check().await {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A webhook notice for a bill in `realm`.
pub fn notice(realm: &RealmId, id: &str, key: &str, at: &str, operation: NoticeOperation) -> ChangeNotice {
    ChangeNotice {
        rail: Rail::Qbo,
        realm: realm.clone(),
        kind: Some(EntityKind::Bill),
        id: fixtures::id(id),
        operation,
        merged_from: None,
        occurred_at: fixtures::time(at),
        dedup_key: key.to_owned(),
    }
}

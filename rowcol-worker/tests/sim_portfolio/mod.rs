//! A portfolio on the QBO look-alike, mirrored through the real QBO rail into
//! a SQLite file: what the look-alike integration test and the crash loop
//! share. The look-alike's `ground_truth` is the independent oracle.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test
#![allow(dead_code)] // each test binary uses its part

use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use rowcol_core::entity::EntityKind;
use rowcol_core::{
    Advisor, AdvisorId, Client, ClientId, Connection, ConnectionStatus, CredentialStore, Currency, Rail,
    RailCredentials,
};
use rowcol_mirror::{CredentialKey, Mirror};
use rowcol_qbo::{QboConfig, QboRail, WebhookVerifier, qbo_name};
use rowcol_qbo_sim::{Admin, PortfolioSpec, SimConfig, SimServer, Size, WebhookConfig};
use rowcol_stack::Stack;
use rowcol_sync::SyncEngine;
use rowcol_sync::reconcile::ReconcileMode;
use rowcol_worker::{Intake, JobQueue, JobState, Worker};
use secrecy::SecretString;

/// The advisor owning every client.
pub const ADVISOR: &str = "lookalike-advisor";

/// The look-alike, the mirror file and the registered connections.
pub struct Lookalike {
    pub sim: SimServer,
    pub admin: Admin,
    pub dir: tempfile::TempDir,
    pub mirror_url: String,
    pub key_hex: String,
    pub mirror: Arc<dyn Mirror>,
    pub advisor: AdvisorId,
    pub connections: Vec<Connection>,
}

/// Starts a look-alike with `realms` companies of `size` and registers each
/// as a client with its tokens in a fresh SQLite mirror.
pub async fn start(realms: usize, size: Size) -> Lookalike {
    start_on(realms, size, None).await
}

/// Like [`start`], with the mirror at `mirror_url` (a fresh PostgreSQL
/// database, say) instead of a SQLite file in the scratch directory.
pub async fn start_on(realms: usize, size: Size, mirror_url: Option<String>) -> Lookalike {
    let sim = rowcol_qbo_sim::start(SimConfig {
        portfolio: PortfolioSpec {
            realms,
            size,
            ..PortfolioSpec::default()
        },
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let admin = sim.admin();
    let dir = tempfile::tempdir().unwrap();
    let mirror_url = mirror_url.unwrap_or_else(|| format!("sqlite://{}", dir.path().join("mirror.db").display()));
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let key_hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    let mirror = rowcol_mirror::open(&mirror_url, CredentialKey::from_hex(&key_hex).unwrap())
        .await
        .unwrap();
    let advisor: AdvisorId = ADVISOR.parse().unwrap();
    mirror
        .upsert_advisor(&Advisor {
            id: advisor.clone(),
            name: "Look-alike advisor".into(),
        })
        .await
        .unwrap();
    let mut connections = Vec::new();
    for (i, realm) in admin.realm_ids().into_iter().enumerate() {
        let client: ClientId = format!("client-{i:03}").parse().unwrap();
        let connection = Connection {
            client: client.clone(),
            rail: Rail::Qbo,
            realm: realm.parse().unwrap(),
            status: ConnectionStatus::Active,
        };
        mirror
            .upsert_client(&Client {
                id: client.clone(),
                advisor: advisor.clone(),
                name: format!("Client {i:03}"),
                home_currency: Currency::USD,
                connections: vec![connection.clone()],
            })
            .await
            .unwrap();
        let tokens = admin.issue_tokens(&realm);
        let now = admin.now();
        let credentials = RailCredentials {
            access_token: SecretString::from(tokens.access_token),
            access_expires_at: now + chrono::Duration::seconds(tokens.expires_in),
            refresh_token: SecretString::from(tokens.refresh_token),
            refresh_expires_at: Some(now + chrono::Duration::seconds(tokens.x_refresh_token_expires_in)),
        };
        CredentialStore::save_credentials(mirror.as_ref(), &client, Rail::Qbo, &credentials)
            .await
            .unwrap();
        connections.push(connection);
    }
    Lookalike {
        sim,
        admin,
        dir,
        mirror_url,
        key_hex,
        mirror,
        advisor,
        connections,
    }
}

/// The QBO rail over the look-alike at `base_url` and an engine over it and
/// `mirror`, whose realm leases (held as `holder`) live `lease_ttl`.
/// `page_size` rows a page (QBO: 1000).
pub fn engine(
    mirror: Arc<dyn Mirror>,
    base_url: &str,
    holder: &str,
    lease_ttl: Duration,
    page_size: u32,
) -> (Arc<QboRail>, Arc<SyncEngine>) {
    let mut config = QboConfig::for_sim(base_url).unwrap();
    config.page_size = page_size;
    let stack = Stack::builder(mirror)
        .qbo(config)
        .holder(holder)
        .lease_ttl(lease_ttl)
        .build()
        .unwrap();
    (stack.qbo.unwrap(), stack.engine)
}

/// Mirror equals source for one client: every kind's live ids and versions
/// (and so counts) equal the look-alike's ground truth, and a full
/// reconciliation with money totals finds no drift.
pub async fn assert_equals_source(l: &Lookalike, engine: &SyncEngine, connection: &Connection) {
    let truth = l.admin.ground_truth(connection.realm.as_str()).unwrap();
    for kind in EntityKind::ALL {
        let expected: Vec<(String, String)> = truth
            .kinds
            .get(qbo_name(kind))
            .map(|k| k.live.iter().map(|(id, v)| (id.clone(), v.clone())).collect())
            .unwrap_or_default();
        let mut mirrored: Vec<(String, String)> = l
            .mirror
            .live_versions(&connection.client, Rail::Qbo, kind)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, v)| (id.as_str().to_owned(), v.as_str().to_owned()))
            .collect();
        mirrored.sort();
        let mut expected = expected;
        expected.sort();
        assert_eq!(
            mirrored.len(),
            expected.len(),
            "{} {kind}: mirror count differs from the source",
            connection.client
        );
        assert_eq!(
            mirrored, expected,
            "{} {kind}: mirror differs from the source",
            connection.client
        );
    }
    let report = engine
        .reconcile(
            connection,
            ReconcileMode::Full {
                totals_as: Some(l.advisor.clone()),
            },
        )
        .await
        .unwrap();
    assert!(report.is_clean(), "{}: {:?}", connection.client, report.drift);
    let audit = l.mirror.verify_audit(&connection.client).await.unwrap();
    assert!(
        audit.is_intact(),
        "{}: audit chain broken: {audit:?}",
        connection.client
    );
}

/// The webhook path running in this process: the real route
/// (`rowcol_worker::http`) on a local port, a SQLite job queue and a worker
/// without schedule ticks; the look-alike delivers its webhooks to it.
pub struct WebhookPath {
    pub queue: JobQueue,
    stop: tokio::sync::oneshot::Sender<()>,
    worker: tokio::task::JoinHandle<rowcol_worker::Result<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts the webhook path over `engine`, its intake waiting `coalesce`,
/// and points the look-alike's deliveries (shaped by `delivery`, whose URL
/// and verifier are filled in) at it.
pub async fn webhook_path(
    l: &Lookalike,
    engine: Arc<SyncEngine>,
    coalesce: Duration,
    delivery: WebhookConfig,
) -> WebhookPath {
    const VERIFIER: &str = "look-alike-verifier";
    let queue = JobQueue::connect(&format!("sqlite:{}", l.dir.path().join("queue.db").display()))
        .await
        .unwrap();
    let app = Arc::new(rowcol_worker::http::App {
        verifier: WebhookVerifier::new(VERIFIER.to_owned().into()),
        intake: Intake::new(engine.clone(), queue.clone()).coalesce_for(coalesce),
        engine: engine.clone(),
        queue: queue.clone(),
        advisor: l.advisor.clone(),
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhooks/qbo", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, rowcol_worker::http::router(app)).await });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn(
        Worker::builder(engine, queue.clone())
            .name(format!("webhook-worker-{}", std::process::id()))
            .concurrency(4)
            .poll_every(Duration::from_millis(50))
            .tick_every(None)
            .run(async {
                let _ = stopped.await;
            }),
    );
    l.admin.set_webhook(Some(WebhookConfig {
        url,
        verifier_token: VERIFIER.into(),
        ..delivery
    }));
    WebhookPath {
        queue,
        stop,
        worker,
        server,
    }
}

impl WebhookPath {
    /// True when no job waits or runs.
    pub async fn idle(&self) -> bool {
        self.queue.jobs(JobState::Pending).await.unwrap().is_empty()
            && self.queue.jobs(JobState::Running).await.unwrap().is_empty()
    }

    /// Stops the worker (it finishes its jobs) and the route.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        self.worker.await.unwrap().unwrap();
        self.server.abort();
    }
}

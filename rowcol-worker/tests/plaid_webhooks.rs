//! Plaid's webhooks through the worker's real route: the Plaid look-alike
//! delivers what `/sandbox/item/fire_webhook` fires, signed (ES256 JWT), to
//! `POST /webhooks/plaid`; the route verifies it with rowcol-plaid's
//! verifier and turns `SYNC_UPDATES_AVAILABLE` into a webhook sync job for
//! the client's Plaid connection, `ITEM_LOGIN_REQUIRED` into a connection
//! needing re-auth, and `LOGIN_REPAIRED` back into an active one with a
//! sync queued. A forged delivery is refused and queues nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::sync::Arc;
use std::time::Duration;

use rowcol_core::sync::SyncTrigger;
use rowcol_core::{Advisor, AdvisorId, Client, ClientId, ConnectionStatus, Currency, Rail, Registry, SystemClock};
use rowcol_mirror::CredentialKey;
use rowcol_plaid::{PlaidConfig, WebhookVerifier};
use rowcol_plaid_sim::derive::sample::small_business;
use rowcol_stack::Stack;
use rowcol_worker::http::{App, plaid_router, router};
use rowcol_worker::{Intake, JobQueue, JobState};
use secrecy::SecretString;
use serde_json::json;

struct Setup {
    _dir: tempfile::TempDir,
    sim: rowcol_plaid_sim::SimServer,
    stack: Stack,
    queue: JobQueue,
    route: String,
    access_token: String,
}

fn acme() -> ClientId {
    "acme".parse().unwrap()
}

/// The route on a local port over a SQLite mirror and queue, and acme's
/// Item linked through the Plaid rail with its webhook set to the route.
async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let sim = rowcol_plaid_sim::start(rowcol_plaid_sim::SimConfig::default())
        .await
        .unwrap();
    let db = format!("sqlite://{}", dir.path().join("mirror.db").display());
    let mirror = rowcol_mirror::open(&db, CredentialKey::generate()).await.unwrap();
    let stack = Stack::builder(mirror.clone())
        .plaid(PlaidConfig::for_sim(&sim.base_url()).unwrap())
        .build()
        .unwrap();
    let rail = stack.plaid.clone().unwrap();
    let queue = JobQueue::connect(&format!("sqlite:{}", dir.path().join("queue.db").display()))
        .await
        .unwrap();
    let advisor: AdvisorId = "jane".parse().unwrap();
    let app = Arc::new(App {
        verifier: rowcol_qbo::WebhookVerifier::new("unused-qbo-verifier".to_owned().into()),
        intake: Intake::new(stack.engine.clone(), queue.clone()).coalesce_for(Duration::ZERO),
        engine: stack.engine.clone(),
        queue: queue.clone(),
        advisor: advisor.clone(),
    });
    let verifier = WebhookVerifier::new(rail.client().clone(), Arc::new(SystemClock));
    let routes = router(app.clone()).merge(plaid_router(app, verifier));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let route = format!("http://{}/webhooks/plaid", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, routes).await });

    let admin = sim.admin();
    let today = admin.now().date_naive();
    admin.add_bank(small_business("acme", 3, 1.0, 2, today)).unwrap();
    let token = admin.public_token("acme", Some(route.clone()), 730).unwrap();
    mirror
        .upsert_advisor(&Advisor {
            id: advisor.clone(),
            name: "Jane".into(),
        })
        .await
        .unwrap();
    let client = |connections| Client {
        id: acme(),
        advisor: advisor.clone(),
        name: "Acme".into(),
        home_currency: Currency::USD,
        connections,
    };
    mirror.upsert_client(&client(vec![])).await.unwrap();
    let connection = rail.connect(&acme(), &SecretString::from(token)).await.unwrap();
    mirror.upsert_client(&client(vec![connection])).await.unwrap();
    let access_token = match mirror.load_credentials(&acme(), Rail::Plaid).await.unwrap() {
        Some(rowcol_core::RailCredentials::AccessToken(t)) => secrecy::ExposeSecret::expose_secret(&t).to_owned(),
        other => panic!("no access token sealed: {:?}", other.map(|c| c.scheme())),
    };
    Setup {
        _dir: dir,
        sim,
        stack,
        queue,
        route,
        access_token,
    }
}

impl Setup {
    /// Fires `code` at the look-alike, which signs and delivers it.
    async fn fire(&self, code: &str) {
        let answer = reqwest::Client::new()
            .post(format!("{}/sandbox/item/fire_webhook", self.sim.base_url()))
            .json(&json!({"client_id": "sim-client-id", "secret": "sim-secret",
                          "access_token": self.access_token, "webhook_code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200, "{}", answer.text().await.unwrap());
    }

    /// The look-alike's deliveries answered 2xx so far.
    fn delivered(&self) -> u64 {
        self.sim.admin().webhook_stats().delivered
    }

    /// Waits until the look-alike has `n` deliveries acknowledged.
    async fn wait_delivered(&self, n: u64) {
        for _ in 0..250 {
            if self.delivered() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "{} of {n} webhooks acknowledged: {:?}",
            self.delivered(),
            self.sim.admin().webhook_stats()
        );
    }

    async fn pending_plaid_jobs(&self) -> Vec<rowcol_worker::SyncJob> {
        let jobs = self.queue.jobs(JobState::Pending).await.unwrap();
        jobs.into_iter()
            .map(|r| r.job)
            .filter(|j| j.rail == Rail::Plaid)
            .collect()
    }

    async fn status(&self) -> ConnectionStatus {
        let connections = self.stack.mirror.connections().await.unwrap();
        connections.iter().find(|c| c.rail == Rail::Plaid).unwrap().status
    }
}

#[tokio::test]
async fn sync_updates_queue_a_webhook_sync_of_the_clients_plaid_connection() {
    let s = setup().await;
    let before = s.delivered();
    s.fire("SYNC_UPDATES_AVAILABLE").await;
    s.wait_delivered(before + 1).await;
    let jobs = s.pending_plaid_jobs().await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].client, acme());
    assert_eq!(jobs[0].trigger, SyncTrigger::Webhook);
    assert_eq!(s.status().await, ConnectionStatus::Active);
}

#[tokio::test]
async fn a_login_required_error_marks_the_connection_and_a_repair_reactivates_it() {
    let s = setup().await;
    let before = s.delivered();
    s.fire("ERROR").await;
    s.wait_delivered(before + 1).await;
    assert_eq!(s.status().await, ConnectionStatus::NeedsReauth);
    assert!(
        s.pending_plaid_jobs().await.is_empty(),
        "no sync for an Item needing its user"
    );

    s.fire("LOGIN_REPAIRED").await;
    s.wait_delivered(before + 2).await;
    assert_eq!(s.status().await, ConnectionStatus::Active);
    assert_eq!(
        s.pending_plaid_jobs().await.len(),
        1,
        "a sync catches up after the repair"
    );
}

#[tokio::test]
async fn a_forged_delivery_is_refused_and_queues_nothing() {
    let s = setup().await;
    let body = json!({"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE",
                      "item_id": s.stack.mirror.connections().await.unwrap()[0].realm.to_string()});
    let client = reqwest::Client::new();
    let unsigned = client.post(&s.route).json(&body).send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    let forged = client
        .post(&s.route)
        .header("Plaid-Verification", "eyJhbGciOiJub25lIn0.eyJpYXQiOjB9.")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status().as_u16(), 401, "alg none is refused");
    assert!(s.pending_plaid_jobs().await.is_empty());
}

//! Starting the look-alike: configuration, shared state, the router and the
//! running server's handle.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::admin::Admin;
use crate::clock::SimClock;
use crate::derive::{ClientBank, DeriveError};
use crate::faults::Faults;
use crate::ids::stable;
use crate::signing::{Keys, SigningError};
use crate::store::Store;
use crate::webhooks::{DeliveryConfig, Webhooks};
use crate::{admin_http, api};

/// How to start a look-alike.
#[derive(Clone)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free one. Default `127.0.0.1:0`.
    pub bind: SocketAddr,
    /// Seed of ids, request ids, the webhook key and the sample banks.
    pub seed: u64,
    /// Where the clock starts (default: now). Fix it for reproducible lines.
    pub start_time: Option<DateTime<Utc>>,
    /// The app's `client_id`.
    pub client_id: String,
    /// The app's `secret`.
    pub secret: String,
    /// `/accounts/balance/get` calls allowed per Item per minute (Plaid: 5).
    pub balance_get_per_minute: usize,
    /// Webhook retries.
    pub webhook_delivery: DeliveryConfig,
    /// Banks to serve from the start (more via the admin).
    pub banks: Vec<ClientBank>,
}

impl std::fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("bind", &self.bind)
            .field("seed", &self.seed)
            .field("start_time", &self.start_time)
            .field("client_id", &self.client_id)
            .field("secret", &"<redacted>")
            .field("balance_get_per_minute", &self.balance_get_per_minute)
            .field("banks", &self.banks.len())
            .finish_non_exhaustive()
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 0,
            start_time: None,
            client_id: "sim-client-id".to_string(),
            secret: "sim-secret".to_string(),
            balance_get_per_minute: 5,
            webhook_delivery: DeliveryConfig::default(),
            banks: Vec::new(),
        }
    }
}

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The address could not be bound or read.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The webhook key could not be made.
    #[error(transparent)]
    Signing(#[from] SigningError),
    /// A configured bank is inconsistent.
    #[error(transparent)]
    Bank(#[from] DeriveError),
}

/// State shared by every handler and the admin handle.
#[derive(Debug)]
pub struct SimState {
    /// The configuration it started with.
    pub config: SimConfig,
    /// The clock.
    pub clock: Arc<SimClock>,
    /// Banks, tokens and Items.
    pub store: Store,
    /// Faults on demand.
    pub faults: Faults,
    /// Webhook sender.
    pub webhooks: Arc<Webhooks>,
    /// Webhook signing keys.
    pub keys: Arc<Keys>,
    requests: AtomicU64,
}

impl SimState {
    /// A new `request_id` (15 characters, from the seed and a counter).
    pub fn next_request_id(&self) -> String {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        stable(self.config.seed, &format!("request-{n}"), 15)
    }
}

/// A running look-alike. Dropping it stops the server.
#[derive(Debug)]
pub struct SimServer {
    addr: SocketAddr,
    admin: Admin,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimServer {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`: Plaid's paths (`/transactions/sync`) sit right below it.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The admin handle: banks, links, clock, faults, webhooks, ground truth.
    pub fn admin(&self) -> Admin {
        self.admin.clone()
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        self.shutdown_now();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Waits until the server stops (for the binary).
    pub async fn wait(mut self) {
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}

/// Starts a look-alike: binds, adds the configured banks, serves in the background.
pub async fn start(config: SimConfig) -> Result<SimServer, StartError> {
    let bind = config.bind;
    let listener = TcpListener::bind(bind)
        .await
        .map_err(|source| StartError::Bind { addr: bind, source })?;
    let addr = listener
        .local_addr()
        .map_err(|source| StartError::Bind { addr: bind, source })?;
    let clock = Arc::new(SimClock::new(config.start_time));
    let keys = Arc::new(Keys::new(config.seed, clock.now().timestamp())?);
    let webhooks = Arc::new(Webhooks::new(config.webhook_delivery.clone()));
    webhooks.start(Arc::clone(&clock), Arc::clone(&keys));
    let store = Store::new(config.seed, Arc::clone(&webhooks));
    for bank in &config.banks {
        store.add_bank(bank.clone(), clock.now())?;
    }
    let state = Arc::new(SimState {
        config,
        clock,
        store,
        faults: Faults::default(),
        webhooks,
        keys,
        requests: AtomicU64::new(0),
    });
    let app = router(Arc::clone(&state));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "plaid-sim server stopped with an error");
        }
    });
    tracing::info!(%addr, "plaid-sim listening");
    Ok(SimServer {
        addr,
        admin: Admin::new(state),
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// The whole HTTP surface: Plaid's endpoints and `/_sim` admin.
pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .merge(api::routes())
        .merge(admin_http::routes())
        .with_state(state)
}

//! Starting the look-alike: configuration, shared state, the router and the
//! running server's handle.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use chrono::{DateTime, Utc};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::admin::Admin;
use crate::clock::SimClock;
use crate::faults::Faults;
use crate::generator::{self, PortfolioSpec};
use crate::oauth::{OAuth, OAuthConfig};
use crate::store::Store;
use crate::throttle::{Throttle, ThrottleConfig};
use crate::webhooks::Webhooks;
use crate::{admin_http, api, auth_http};

/// How to start a look-alike.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Address to listen on; port 0 picks a free one. Default `127.0.0.1:0`.
    pub bind: SocketAddr,
    /// The portfolio of companies to generate at start.
    pub portfolio: PortfolioSpec,
    /// Where the server clock starts (default: now). Fix it for reproducible data.
    pub start_time: Option<DateTime<Utc>>,
    /// The OAuth app.
    pub oauth: OAuthConfig,
    /// Throttling limits.
    pub throttle: ThrottleConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            portfolio: PortfolioSpec::default(),
            start_time: None,
            oauth: OAuthConfig::default(),
            throttle: ThrottleConfig::default(),
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
}

/// State shared by every handler and the admin handle.
#[derive(Debug)]
pub struct SimState {
    /// The books of every realm.
    pub store: Store,
    /// The server clock.
    pub clock: SimClock,
    /// The authorization server.
    pub oauth: OAuth,
    /// The limiter and its counters.
    pub throttle: Throttle,
    /// Faults per realm.
    pub faults: Faults,
    /// Webhook delivery.
    pub webhooks: Webhooks,
    /// The portfolio spec the books were generated from (burst seeds derive from it).
    pub portfolio: PortfolioSpec,
    /// Source of `intuit_tid` values.
    tid: AtomicU64,
    /// Bursts generated so far (each gets its own seed).
    pub bursts: AtomicU64,
    /// The server's own base URL (for discovery documents).
    pub base_url: String,
}

impl SimState {
    /// A new trace id for `intuit_tid`.
    pub fn next_tid(&self) -> String {
        let n = self.tid.fetch_add(1, Ordering::Relaxed);
        format!("1-{:08x}-{:016x}", self.clock.now().timestamp(), n)
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

    /// `http://127.0.0.1:PORT`: the base URL to give a client (QBO paths
    /// below it are `/v3/company/{realmId}/...`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The admin handle: change books, clock, faults, webhooks; read ground truth and counters.
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

/// Starts a look-alike: generates the portfolio, binds, serves in the background.
pub async fn start(config: SimConfig) -> Result<SimServer, StartError> {
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.bind,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.bind,
        source,
    })?;
    let clock = SimClock::starting_at(config.start_time);
    let store = Store::default();
    for realm in generator::generate_portfolio(&config.portfolio, clock.now()) {
        store.put(realm);
    }
    let base_url = format!("http://{addr}");
    let state = Arc::new(SimState {
        store,
        clock,
        oauth: OAuth::new(config.oauth.clone()),
        throttle: Throttle::new(config.throttle.clone()),
        faults: Faults::default(),
        webhooks: Webhooks::default(),
        portfolio: config.portfolio.clone(),
        tid: AtomicU64::new(1),
        bursts: AtomicU64::new(0),
        base_url,
    });
    state.webhooks.start_dispatcher();
    let app = router(Arc::clone(&state));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = rx.await;
            })
            .await;
        if let Err(error) = served {
            tracing::error!(%error, "qbo-sim server stopped with an error");
        }
    });
    tracing::info!(%addr, realms = state.store.realm_ids().len(), "qbo-sim listening");
    Ok(SimServer {
        addr,
        admin: Admin::new(state),
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// The whole HTTP surface: `/v3`, OAuth, discovery and `/_sim` admin.
pub fn router(state: Arc<SimState>) -> Router {
    Router::new()
        .merge(api::routes(Arc::clone(&state)))
        .merge(auth_http::routes())
        .merge(admin_http::routes())
        .layer(middleware::from_fn_with_state(Arc::clone(&state), add_tid))
        .with_state(state)
}

/// Every answer carries an `intuit_tid` header, as QBO's do.
async fn add_tid(State(state): State<Arc<SimState>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if !response.headers().contains_key("intuit_tid")
        && let Ok(value) = HeaderValue::from_str(&state.next_tid())
    {
        response.headers_mut().insert("intuit_tid", value);
    }
    response
}

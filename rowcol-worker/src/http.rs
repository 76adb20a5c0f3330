//! HTTP intake: `POST /webhooks/qbo` (signature checked first, answered
//! fast, the sync left to the queue) and `GET /healthz` on the public
//! listener, with `POST /webhooks/plaid` merged in where Plaid is wired
//! ([`plaid_router`]); `GET /metrics` (which names every client) on a
//! listener of its own, loopback by default. [`serve`] runs either with a
//! header-read timeout, a whole-request timeout and graceful shutdown.
//! `rowcol serve` runs these routes, and tests and benches drive the very
//! routes Intuit and Plaid call.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::{Intake, JobQueue};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use rowcol_core::{AdvisorId, ConnectionStatus, Rail, RailErrorKind};
use rowcol_plaid::PlaidWebhook;
use rowcol_qbo::{WebhookError, WebhookVerifier};
use rowcol_sync::SyncEngine;
use tokio::net::TcpListener;

/// What the HTTP handlers share.
pub struct App {
    /// Checks webhook signatures.
    pub verifier: WebhookVerifier,
    /// Turns webhook notices into queued syncs.
    pub intake: Intake,
    /// The engine, for health.
    pub engine: Arc<SyncEngine>,
    /// The job queue, for health.
    pub queue: JobQueue,
    /// Whose portfolio `/metrics` reports.
    pub advisor: AdvisorId,
}

/// How often at most a refused webhook writes a log line.
pub const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);

/// Keeps refused webhooks from flooding the log: the first refusal writes a
/// line at once, later ones at most one line per period, saying how many
/// were refused without a line since the last one.
#[derive(Debug)]
pub struct RefusalLog {
    every: Duration,
    state: Mutex<RefusalState>,
}

#[derive(Debug, Default)]
struct RefusalState {
    last_line: Option<Instant>,
    unlogged: u64,
}

impl RefusalLog {
    /// At most one line per `every`.
    pub fn new(every: Duration) -> Self {
        RefusalLog {
            every,
            state: Mutex::new(RefusalState::default()),
        }
    }

    /// Counts one refusal at `now`; answers `Some(n)` when a line is due,
    /// `n` being the refusals since the last line that wrote none.
    pub fn note(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let due = state
            .last_line
            .is_none_or(|last| now.saturating_duration_since(last) >= self.every);
        if due {
            state.last_line = Some(now);
            Some(std::mem::take(&mut state.unlogged))
        } else {
            state.unlogged += 1;
            None
        }
    }
}

/// What the webhook route shares: the app and the refusal log.
struct Hooks {
    app: Arc<App>,
    refusals: RefusalLog,
}

/// The public routes over `app`: `POST /webhooks/qbo` and `GET /healthz`.
/// `/metrics` is not among them: see [`metrics_router`].
pub fn router(app: Arc<App>) -> Router {
    router_with(app, REFUSAL_LOG_EVERY)
}

/// [`router`], writing at most one refused-webhook line per `refusal_log_every`.
pub fn router_with(app: Arc<App>, refusal_log_every: Duration) -> Router {
    Router::new()
        .route("/webhooks/qbo", post(webhook))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(Arc::new(Hooks {
            app,
            refusals: RefusalLog::new(refusal_log_every),
        }))
}

/// The metrics routes over `app`: `GET /metrics` (OpenMetrics text naming
/// every client of the portfolio) and `GET /healthz`. Serve them on an
/// address only the scraper reaches.
pub fn metrics_router(app: Arc<App>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(app)
}

/// Checks the signature before anything else, answers fast, and leaves the
/// sync to the queue. A queue failure answers 503 so that Intuit delivers again.
async fn webhook(State(hooks): State<Arc<Hooks>>, headers: HeaderMap, body: Bytes) -> Response {
    let app = &hooks.app;
    let signature = headers.get("intuit-signature").and_then(|v| v.to_str().ok());
    let notices = match app.verifier.verify_and_parse(&body, signature) {
        Ok(notices) => notices,
        Err(e) => {
            if let Some(unlogged) = hooks.refusals.note(Instant::now()) {
                tracing::warn!(error = %e, unlogged, "webhook refused ({unlogged} more refused since the last such line)");
            }
            let status = match e {
                WebhookError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                WebhookError::MissingSignature | WebhookError::BadSignature => StatusCode::UNAUTHORIZED,
                WebhookError::Malformed(_) => StatusCode::BAD_REQUEST,
            };
            return (status, e.to_string()).into_response();
        }
    };
    match app.intake.enqueue_notices(notices).await {
        Ok(report) => (StatusCode::OK, format!("queued {} syncs", report.queued.len())).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "webhook intake failed");
            (StatusCode::SERVICE_UNAVAILABLE, "queue unavailable; deliver again").into_response()
        }
    }
}

/// What the Plaid webhook route shares: the app, Plaid's verifier (its key
/// cache by `kid` lives as long as the router) and the refusal log.
struct PlaidHooks {
    app: Arc<App>,
    verifier: rowcol_plaid::WebhookVerifier,
    refusals: RefusalLog,
}

/// `POST /webhooks/plaid` over `app`, verified by `verifier` (ES256 JWT,
/// `iat` within its age limit, body hash, keys cached by `kid`). Merge it
/// into [`router`]'s routes where Plaid is wired.
pub fn plaid_router(app: Arc<App>, verifier: rowcol_plaid::WebhookVerifier) -> Router {
    Router::new()
        .route("/webhooks/plaid", post(plaid_webhook))
        .with_state(Arc::new(PlaidHooks {
            app,
            verifier,
            refusals: RefusalLog::new(REFUSAL_LOG_EVERY),
        }))
}

/// Verifies before believing anything in the body, then: updates available
/// queue a sync of the Item's connection; an item error needing the user
/// marks the connection as needing re-auth; a repaired login makes it
/// active and queues a sync; anything else is acknowledged and ignored.
/// A key that could not be fetched or a queue failure answers 503, so that
/// Plaid delivers again; a refused delivery answers 401 (400 for a body
/// that is not a webhook).
async fn plaid_webhook(State(hooks): State<Arc<PlaidHooks>>, headers: HeaderMap, body: Bytes) -> Response {
    use rowcol_plaid::WebhookError as Refused;
    let webhook = match hooks.verifier.verify_webhook(&headers, &body).await {
        Ok(webhook) => webhook,
        Err(e) => {
            if let Some(unlogged) = hooks.refusals.note(Instant::now()) {
                tracing::warn!(error = %e, unlogged, "Plaid webhook refused ({unlogged} more refused since the last such line)");
            }
            let status = match e {
                Refused::KeyUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                Refused::BadBody(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::UNAUTHORIZED,
            };
            return (status, e.to_string()).into_response();
        }
    };
    let intake = &hooks.app.intake;
    let done = match &webhook {
        PlaidWebhook::SyncUpdatesAvailable { item_id, .. } => intake
            .enqueue_realm(Rail::Plaid, item_id)
            .await
            .map(|report| format!("queued {} syncs", report.queued.len())),
        PlaidWebhook::ItemError { item_id, code, kind } if *kind == RailErrorKind::NeedsReauth => intake
            .set_realm_status(Rail::Plaid, item_id, ConnectionStatus::NeedsReauth)
            .await
            .map(|client| format!("{code}: {} marked as needing re-auth", marked(client))),
        PlaidWebhook::LoginRepaired { item_id } => intake
            .set_realm_status(Rail::Plaid, item_id, ConnectionStatus::Active)
            .await
            .map(|client| format!("login repaired: {} active, sync queued", marked(client))),
        other => {
            tracing::info!(webhook = ?other, "Plaid webhook needs no action");
            Ok("no action".to_string())
        }
    };
    match done {
        Ok(text) => (StatusCode::OK, text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "Plaid webhook intake failed");
            (StatusCode::SERVICE_UNAVAILABLE, "intake unavailable; deliver again").into_response()
        }
    }
}

/// The client a status webhook concerned, in words.
fn marked(client: Option<rowcol_core::ClientId>) -> String {
    client.map_or_else(|| "no connection".to_string(), |c| c.to_string())
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    match crate::portfolio_metrics(&app.engine, &app.queue, &app.advisor).await {
        Ok(text) => (
            StatusCode::OK,
            [(
                "content-type",
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

/// Time limits of an HTTP listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// A connection that has not sent a whole request head this long after
    /// it opened (or after its last answer) is closed.
    pub header_read: Duration,
    /// A request (its body read and its answer made) taking longer is
    /// answered 408 and its connection closed.
    pub request: Duration,
    /// After shutdown starts, how long requests in flight may take before
    /// their connections are dropped.
    pub drain: Duration,
}

impl Default for ServeLimits {
    /// 10 s for the head, 30 s for a request, 10 s to drain.
    fn default() -> Self {
        ServeLimits {
            header_read: Duration::from_secs(10),
            request: Duration::from_secs(30),
            drain: Duration::from_secs(10),
        }
    }
}

/// Serves `router` over HTTP/1.1 on `listener` under `limits` until
/// `shutdown` completes; then stops accepting, lets requests in flight end
/// (at most `limits.drain`) and returns.
pub async fn serve(listener: TcpListener, router: Router, limits: ServeLimits, shutdown: impl Future<Output = ()>) {
    let router = router.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
        within(limits.request, request, next)
    }));
    let (closing, closed) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        let service = TowerToHyperService::new(router.clone());
        let mut closed = closed.clone();
        connections.spawn(async move {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let ended = tokio::select! {
                ended = connection.as_mut() => ended,
                () = async { let _ = closed.wait_for(|closing| *closing).await; } => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = ended {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        });
    }
    drop(listener);
    let _ = closing.send(true);
    let drained = tokio::time::timeout(limits.drain, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            left = connections.len(),
            "connections still open after the drain period; dropped"
        );
        connections.abort_all();
    }
}

/// Runs `next` for at most `limit`: reading the body and answering included.
async fn within(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (StatusCode::REQUEST_TIMEOUT, "request took too long").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_write_one_line_per_period_with_the_count_left_unlogged() {
        let log = RefusalLog::new(Duration::from_secs(10));
        let start = Instant::now();
        assert_eq!(log.note(start), Some(0), "the first refusal is logged at once");
        for i in 1..=99 {
            assert_eq!(log.note(start + Duration::from_millis(i * 10)), None);
        }
        assert_eq!(log.note(start + Duration::from_secs(10)), Some(99));
        assert_eq!(log.note(start + Duration::from_secs(11)), None);
        assert_eq!(log.note(start + Duration::from_secs(25)), Some(1));
    }
}

//! The HTTP face of `rowcol serve`: `POST /webhooks/qbo` (signature checked
//! first, answered fast, the sync left to the queue), `GET /healthz` and
//! `GET /metrics`. A library module so that tests and benches drive the very
//! route Intuit calls.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rowcol_core::{AdvisorId, SyncEngine};
use rowcol_qbo::{WebhookError, WebhookVerifier};
use rowcol_worker::{Intake, JobQueue};

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

/// The routes over `app`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/webhooks/qbo", post(webhook))
        .route("/healthz", get(|| async { "ok" }))
        .route("/metrics", get(metrics))
        .with_state(app)
}

/// Checks the signature before anything else, answers fast, and leaves the
/// sync to the queue. A queue failure answers 503 so that Intuit delivers again.
async fn webhook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let signature = headers.get("intuit-signature").and_then(|v| v.to_str().ok());
    let notices = match app.verifier.verify_and_parse(&body, signature) {
        Ok(notices) => notices,
        Err(e) => {
            tracing::warn!(error = %e, "webhook refused");
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

async fn metrics(State(app): State<Arc<App>>) -> Response {
    match rowcol_worker::portfolio_metrics(&app.engine, &app.queue, &app.advisor).await {
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

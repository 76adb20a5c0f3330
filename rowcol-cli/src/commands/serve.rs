//! `rowcol serve`: the webhook endpoint, `/healthz`, `/metrics`, and the
//! scheduler and sync workers, in one process.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rowcol_core::{AdvisorId, SyncEngine};
use rowcol_qbo::{WebhookError, WebhookVerifier};
use rowcol_worker::{Intake, JobQueue, Worker};

use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::setup::{self, parse_id};

/// What the HTTP handlers share.
struct App {
    verifier: WebhookVerifier,
    intake: Intake,
    engine: Arc<SyncEngine>,
    queue: JobQueue,
    advisor: AdvisorId,
}

/// Serves until Ctrl-C.
pub async fn run(config: &Config, concurrency: usize) -> CliResult {
    let verifier = config
        .webhook_verifier
        .clone()
        .map(WebhookVerifier::new)
        .ok_or_else(|| CliError::Config("ROWCOL_WEBHOOK_VERIFIER is not set: webhooks cannot be checked".into()))?;
    let parts = setup::parts(config, &setup::holder_name("serve")).await?;
    let queue = JobQueue::connect(&config.queue_url).await?;
    let app = Arc::new(App {
        verifier,
        intake: Intake::new(parts.engine.clone(), queue.clone()),
        engine: parts.engine.clone(),
        queue: queue.clone(),
        advisor: parse_id(&config.advisor)?,
    });
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(|e| CliError::Io(format!("cannot listen on {}: {e}", config.listen)))?;
    eprintln!(
        "serving on http://{}: POST /webhooks/qbo, GET /healthz, GET /metrics",
        config.listen
    );
    let worker = Worker::builder(parts.engine.clone(), queue)
        .concurrency(concurrency)
        .run(async {
            let _ = tokio::signal::ctrl_c().await;
        });
    let server = axum::serve(listener, router(app)).with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    let (worked, served) = tokio::join!(worker, server);
    worked?;
    served.map_err(|e| CliError::Io(format!("the HTTP server failed: {e}")))
}

fn router(app: Arc<App>) -> Router {
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

//! `rowcol serve`: the webhook endpoint, `/healthz`, `/metrics`, and the
//! scheduler and sync workers, in one process.

use std::sync::Arc;

use rowcol_cli::http::{App, router};
use rowcol_qbo::WebhookVerifier;
use rowcol_worker::{Intake, JobQueue, Worker};

use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::setup::{self, parse_id};

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

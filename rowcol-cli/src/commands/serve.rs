//! `rowcol serve`: the webhook endpoint and `/healthz` on one listener,
//! `/metrics` on another (loopback by default), and the scheduler and sync
//! workers, in one process, until SIGTERM or SIGINT.

use std::sync::Arc;
use std::time::Duration;

use rowcol_qbo::WebhookVerifier;
use rowcol_worker::http::{self, App, ServeLimits, metrics_router, router};
use rowcol_worker::{Intake, JobQueue, Worker};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::setup::{self, parse_id};

/// How `serve` runs.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// Sync jobs run at once.
    pub concurrency: usize,
    /// The listeners' time limits.
    pub limits: ServeLimits,
    /// After a stop signal, how long syncs in flight may take to finish.
    pub grace: Duration,
}

/// Serves until SIGTERM or SIGINT, then stops gracefully: no new
/// connections or jobs, requests and syncs in flight finish (within their
/// limits), so runs are closed and leases released.
pub async fn run(config: &Config, options: ServeOptions) -> CliResult {
    let verifier = config
        .webhook_verifier
        .clone()
        .map(WebhookVerifier::new)
        .ok_or_else(|| CliError::Config("ROWCOL_WEBHOOK_VERIFIER is not set: webhooks cannot be checked".into()))?;
    let parts = setup::parts(config, &rowcol_stack::holder_name("serve")).await?;
    let queue = JobQueue::connect(&config.queue_url).await?;
    let app = Arc::new(App {
        verifier,
        intake: Intake::new(parts.engine.clone(), queue.clone()),
        engine: parts.engine.clone(),
        queue: queue.clone(),
        advisor: parse_id(&config.advisor)?,
    });
    let listener = bind(&config.listen).await?;
    let metrics_listener = bind(&config.metrics_listen).await?;
    let stop = stop_signal()?;
    eprintln!(
        "serving on http://{}: POST /webhooks/qbo, GET /healthz; metrics on http://{}/metrics",
        config.listen, config.metrics_listen
    );
    let stopped = || {
        let mut stop = stop.clone();
        async move {
            // An error means the sender is gone: stop as well.
            let _ = stop.wait_for(|stopping| *stopping).await;
        }
    };
    let worker = Worker::builder(parts.engine.clone(), queue)
        .concurrency(options.concurrency)
        .run(stopped());
    let worker = async {
        tokio::select! {
            worked = worker => worked.map_err(CliError::from),
            () = async { stopped().await; tokio::time::sleep(options.grace).await } => {
                tracing::warn!(grace = ?options.grace, "syncs still running after the grace period; stopping anyway (their runs are closed as interrupted by the next sync)");
                Ok(())
            }
        }
    };
    let served = http::serve(listener, router(app.clone()), options.limits, stopped());
    let metrics = http::serve(metrics_listener, metrics_router(app), options.limits, stopped());
    let (worked, (), ()) = tokio::join!(worker, served, metrics);
    worked
}

async fn bind(address: &str) -> CliResult<TcpListener> {
    TcpListener::bind(address)
        .await
        .map_err(|e| CliError::Io(format!("cannot listen on {address}: {e}")))
}

/// A flag that turns true on the first SIGTERM or SIGINT.
fn stop_signal() -> CliResult<watch::Receiver<bool>> {
    use tokio::signal::unix::{SignalKind, signal};
    let listen =
        |kind: SignalKind| signal(kind).map_err(|e| CliError::Io(format!("cannot listen for stop signals: {e}")));
    let mut terminate = listen(SignalKind::terminate())?;
    let mut interrupt = listen(SignalKind::interrupt())?;
    let (tell, flag) = watch::channel(false);
    tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        eprintln!("stopping: finishing requests and syncs in flight");
        let _ = tell.send(true);
    });
    Ok(flag)
}

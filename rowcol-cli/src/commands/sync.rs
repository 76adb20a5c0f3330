//! `rowcol sync`: every connected client once, or on the schedule.

use std::time::Duration;

use comfy_table::Table;
use rowcol_core::sync::SyncTrigger;
use rowcol_core::{ConnectionStatus, SyncOutcome};
use rowcol_worker::{JobQueue, Worker};

use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::setup;

/// Syncs once (a table of what each client did) or, with `watch` (the
/// scheduler's tick period), runs the scheduler and workers from the job
/// queue until Ctrl-C.
pub async fn run(config: &Config, watch: Option<Duration>, concurrency: usize) -> CliResult {
    let parts = setup::parts(config, &setup::holder_name("sync")).await?;
    if let Some(tick_every) = watch {
        let queue = JobQueue::connect(&config.queue_url).await?;
        eprintln!(
            "syncing on the schedule from the {} queue; Ctrl-C stops",
            queue.backend()
        );
        Worker::builder(parts.engine.clone(), queue)
            .concurrency(concurrency)
            .tick_every(Some(tick_every))
            .run(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        return Ok(());
    }
    let connections: Vec<_> = parts
        .mirror
        .connections()
        .await?
        .into_iter()
        .filter(|c| c.status == ConnectionStatus::Active)
        .collect();
    if connections.is_empty() {
        eprintln!("no active connections: add one with `rowcol connect`");
        return Ok(());
    }
    let results = parts
        .engine
        .sync_all(&connections, SyncTrigger::OnDemand, concurrency, |_, _| {})
        .await;
    let mut table = Table::new();
    table.set_header([
        "client",
        "outcome",
        "fetched",
        "applied",
        "deleted",
        "dead letters",
        "API calls",
        "error",
    ]);
    let mut failed = Vec::new();
    for (connection, result) in &results {
        match result {
            Ok(report) => table.add_row([
                connection.client.to_string(),
                match report.outcome {
                    SyncOutcome::Synced => "synced".into(),
                    SyncOutcome::Busy => "busy (another worker)".into(),
                    SyncOutcome::NotActive(status) => status.as_str().to_owned(),
                },
                report.counts.fetched.to_string(),
                report.counts.applied.to_string(),
                report.counts.deleted.to_string(),
                report.counts.dead_lettered.to_string(),
                report.counts.api_calls.to_string(),
                String::new(),
            ]),
            Err(e) => {
                failed.push(connection.client.to_string());
                table.add_row([
                    connection.client.to_string(),
                    "FAILED".into(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    e.to_string(),
                ])
            }
        };
    }
    println!("{table}");
    if failed.is_empty() {
        return Ok(());
    }
    if failed.len() == results.len() {
        // Nothing synced: exit with the first failure's own code (3 for
        // credentials, 4 for the database, 5 for QBO) so scripts can tell.
        if let Some((_, Err(first))) = results.into_iter().find(|(_, r)| r.is_err()) {
            return Err(first.into());
        }
    }
    Err(CliError::Partial(format!("sync failed for {}", failed.join(", "))))
}

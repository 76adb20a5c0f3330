//! `rowcol sync`: every connected client once, or on the schedule.

use std::time::Duration;

use comfy_table::Table;
use rowcol_core::sync::SyncTrigger;
use rowcol_core::{Connection, ConnectionStatus, Result};
use rowcol_sync::{SyncOutcome, SyncReport};
use rowcol_worker::{JobQueue, Worker};

use crate::commands::portfolio_exit::{self, NotDone};
use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::setup;

/// Syncs once (a line per client as it finishes, then a table of what each
/// client did) or, with `watch` (the scheduler's tick period), runs the
/// scheduler and workers from the job queue until Ctrl-C.
///
/// Exits as `portfolio_exit` says: a client found busy (another process
/// syncs it) was not synced by this command and counts as not done.
pub async fn run(config: &Config, watch: Option<Duration>, concurrency: usize) -> CliResult {
    let parts = setup::parts(config, &rowcol_stack::holder_name("sync")).await?;
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
    let all = parts.mirror.connections().await?;
    let (connections, inactive): (Vec<_>, Vec<_>) = all.into_iter().partition(|c| c.status == ConnectionStatus::Active);
    if connections.is_empty() {
        return Err(no_active_connection(&inactive));
    }
    for c in &inactive {
        eprintln!("{}: skipped, connection {}", c.client, c.status.as_str());
    }
    let mut results = parts
        .engine
        .sync_all(
            &connections,
            SyncTrigger::OnDemand,
            concurrency,
            |connection, result| {
                eprintln!("{}: {}", connection.client, outcome_line(result));
            },
        )
        .await;
    results.sort_by(|a, b| a.0.client.cmp(&b.0.client));
    println!("{}", table(&results));
    let mut done = 0;
    let mut not_done = Vec::new();
    for (connection, result) in results {
        match result {
            Ok(report) if report.outcome == SyncOutcome::Synced => done += 1,
            Ok(report) => not_done.push(NotDone {
                client: connection.client.to_string(),
                error: CliError::Partial(format!("{}: {}", connection.client, outcome_text(&report))),
            }),
            Err(error) => not_done.push(NotDone {
                client: connection.client.to_string(),
                error: error.into(),
            }),
        }
    }
    portfolio_exit::finish("sync", done, not_done)
}

/// Nothing to sync: no connection at all (configuration, exit 2), or every
/// one waits for its user (credentials, exit 3).
fn no_active_connection(inactive: &[Connection]) -> CliError {
    if inactive.is_empty() {
        return CliError::Config("no connections: add one with `rowcol connect`".into());
    }
    let clients: Vec<String> = inactive
        .iter()
        .map(|c| format!("{} ({})", c.client, c.status.as_str()))
        .collect();
    CliError::Credentials(format!(
        "no active connection: every one needs its user; `rowcol connect` again for {}",
        clients.join(", ")
    ))
}

/// What a sync that did not fail did, in words.
fn outcome_text(report: &SyncReport) -> String {
    match report.outcome {
        SyncOutcome::Synced => "synced".into(),
        SyncOutcome::Busy => match &report.held_by {
            Some(hold) => format!(
                "busy: synced by {} (lease until {}); not synced by this command",
                hold.holder,
                hold.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
            ),
            None => "busy: another process syncs it; not synced by this command".into(),
        },
        SyncOutcome::NotActive(status) => format!("skipped, connection {}", status.as_str()),
    }
}

/// One progress line, printed as the client finishes.
fn outcome_line(result: &Result<SyncReport>) -> String {
    match result {
        Ok(report) if report.outcome == SyncOutcome::Synced => format!(
            "synced: {} fetched, {} applied, {} deleted, {} API calls in {:.1} s",
            report.counts.fetched,
            report.counts.applied,
            report.counts.deleted,
            report.counts.api_calls,
            report.duration.as_secs_f64()
        ),
        Ok(report) => outcome_text(report),
        Err(error) => format!("FAILED: {error}"),
    }
}

fn table(results: &[(Connection, Result<SyncReport>)]) -> Table {
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
    for (connection, result) in results {
        match result {
            Ok(report) => table.add_row([
                connection.client.to_string(),
                outcome_text(report),
                report.counts.fetched.to_string(),
                report.counts.applied.to_string(),
                report.counts.deleted.to_string(),
                report.counts.dead_lettered.to_string(),
                report.counts.api_calls.to_string(),
                String::new(),
            ]),
            Err(e) => table.add_row([
                connection.client.to_string(),
                "FAILED".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                e.to_string(),
            ]),
        };
    }
    table
}

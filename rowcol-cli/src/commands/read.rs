//! The read commands: `health`, `digest`, `verify-audit` and `dead-letters`.

use std::path::Path;

use chrono::Utc;
use comfy_table::Table;
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::RunStatus;
use rowcol_core::{AdvisorId, Client, ClientId, ReconcileHealth, StandardPolicy, SyncPolicy};
use rowcol_sync::engine::PortfolioHealth;
use rowcol_sync::portfolio::load_snapshots;

use crate::cli::Format;
use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::setup::parse_id;
use crate::{output, setup};

/// `rowcol health`: per-client freshness, failures and dead letters.
pub async fn health(config: &Config, json: bool) -> CliResult {
    let mirror = setup::mirror(config).await?;
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let now = Utc::now();
    let health = PortfolioHealth::load(
        mirror.as_ref(),
        &advisor,
        StandardPolicy::default().freshness_target(),
        now,
    )
    .await?;
    if json {
        return output::emit(&output::json(&health)?, None);
    }
    let mut table = Table::new();
    table.set_header([
        "client",
        "connection",
        "fresh",
        "last success",
        "failures",
        "dead letters",
        "last reconcile",
    ]);
    for client in &health.clients {
        let fresh = client.is_fresh(now, health.freshness_target);
        let failures: u32 = client.kinds.iter().map(|k| k.consecutive_failures).max().unwrap_or(0);
        let dead: u32 = client.kinds.iter().map(|k| k.dead_letters).sum();
        table.add_row([
            client.client.to_string(),
            client.connection.map_or("none".into(), |c| c.as_str().to_owned()),
            if fresh { "yes".into() } else { "STALE".into() },
            client
                .last_full_success()
                .map_or("never".into(), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string()),
            failures.to_string(),
            dead.to_string(),
            client.last_reconcile.as_ref().map_or("never".into(), reconcile_cell),
        ]);
    }
    println!("{table}");
    println!(
        "{} of {} clients fresh (target {} min)",
        health.fresh_clients(),
        health.clients.len(),
        health.freshness_target.as_secs() / 60
    );
    Ok(())
}

/// The last reconcile as a table cell: when, and what it found.
fn reconcile_cell(last: &ReconcileHealth) -> String {
    let at = last.checked_at.format("%Y-%m-%d %H:%M UTC");
    match last.status {
        RunStatus::Succeeded => format!("{at}: {} drift, {} repaired", last.drift, last.repaired),
        RunStatus::Failed => format!("{at}: FAILED"),
        RunStatus::Pending | RunStatus::Running => format!("{at}: running"),
    }
}

/// `rowcol digest`: the portfolio digest from the mirror.
pub async fn digest(config: &Config, format: Format, out: Option<&Path>) -> CliResult {
    let mirror = setup::mirror(config).await?;
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let clock = output::digest_clock(Utc::now());
    let snapshots = load_snapshots(&mirror, &advisor, SnapshotRequest::as_of(clock.as_of)).await?;
    output::digest(&snapshots, clock, format, out)
}

/// The advisor's clients, or only `only` (which must be one of them).
pub(crate) async fn clients(
    config: &Config,
    mirror: &dyn rowcol_mirror::Mirror,
    only: Option<&str>,
) -> CliResult<Vec<Client>> {
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let all = mirror.portfolio(&advisor).await?;
    match only {
        None => Ok(all),
        Some(id) => {
            let id: ClientId = parse_id(id)?;
            let found: Vec<Client> = all.into_iter().filter(|c| c.id == id).collect();
            if found.is_empty() {
                Err(CliError::Config(format!(
                    "client {id} is not in advisor {advisor}'s portfolio"
                )))
            } else {
                Ok(found)
            }
        }
    }
}

/// `rowcol verify-audit`: walks each client's audit chain.
pub async fn verify_audit(config: &Config, only: Option<&str>) -> CliResult {
    let mirror = setup::mirror(config).await?;
    let mut broken = Vec::new();
    for client in clients(config, mirror.as_ref(), only).await? {
        let verification = mirror.verify_audit(&client.id).await?;
        if verification.is_intact() {
            println!("{}: intact", client.id);
        } else {
            println!("{}: BROKEN {verification:?}", client.id);
            broken.push(client.id.to_string());
        }
    }
    if broken.is_empty() {
        Ok(())
    } else {
        Err(CliError::Partial(format!(
            "audit chain broken for {}",
            broken.join(", ")
        )))
    }
}

/// `rowcol dead-letters list`.
pub async fn dead_letters(config: &Config, json: bool) -> CliResult {
    let mirror = setup::mirror(config).await?;
    let mut letters = Vec::new();
    for client in clients(config, mirror.as_ref(), None).await? {
        letters.extend(mirror.dead_letters(&client.id).await?);
    }
    if json {
        return output::emit(&output::json(&letters)?, None);
    }
    let mut table = Table::new();
    table.set_header(["id", "client", "kind", "record", "reason", "attempts", "last seen"]);
    for l in &letters {
        table.add_row([
            l.id.to_string(),
            l.client.to_string(),
            l.rejected.kind.to_string(),
            l.rejected.external_id.as_ref().map_or("-".into(), ToString::to_string),
            l.rejected.reason.clone(),
            l.attempts.to_string(),
            l.last_seen.format("%Y-%m-%d %H:%M").to_string(),
        ]);
    }
    println!("{table}");
    println!("{} dead letters", letters.len());
    Ok(())
}

/// `rowcol dead-letters replay`.
pub async fn replay(config: &Config) -> CliResult {
    let parts = setup::parts(config, &rowcol_stack::holder_name("replay")).await?;
    let (mut resolved, mut kept) = (0, 0);
    for client in clients(config, parts.mirror.as_ref(), None).await? {
        for connection in &client.connections {
            let report = parts.engine.replay_dead_letters(connection).await?;
            resolved += report.resolved;
            kept += report.kept;
        }
    }
    println!("{resolved} dead letters resolved, {kept} kept");
    Ok(())
}

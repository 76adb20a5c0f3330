//! `rowcol reconcile`: compare each client's mirror with QBO and report, or
//! repair, every drift.

use comfy_table::Table;
use rowcol_core::AdvisorId;
use rowcol_core::reconcile::{DriftReport, ReconcileMode, RepairReport};
use serde::Serialize;

use crate::commands::read;
use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::setup::{self, parse_id};

/// What reconciling one connection gave.
#[derive(Serialize)]
struct Outcome {
    found: DriftReport,
    repaired: Option<RepairReport>,
}

/// Reconciles every client of the advisor (or only `only`); `full` compares
/// every kind's ids, versions and totals instead of counts first; `repair`
/// re-reads and applies what drifted. Exits 6 when drift is left unrepaired.
pub async fn run(config: &Config, only: Option<&str>, full: bool, repair: bool, json: bool) -> CliResult {
    let parts = setup::parts(config, &setup::holder_name("reconcile")).await?;
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let mode = if full {
        ReconcileMode::Full {
            totals_as: Some(advisor),
        }
    } else {
        ReconcileMode::Cheap
    };
    let mut outcomes = Vec::new();
    for client in read::clients(config, parts.mirror.as_ref(), only).await? {
        for connection in &client.connections {
            let outcome = if repair {
                let (found, repaired) = parts.engine.reconcile_and_repair(connection, mode.clone()).await?;
                Outcome {
                    found,
                    repaired: Some(repaired),
                }
            } else {
                Outcome {
                    found: parts.engine.reconcile(connection, mode.clone()).await?,
                    repaired: None,
                }
            };
            outcomes.push(outcome);
        }
    }
    if json {
        output::emit(&output::json(&outcomes)?, None)?;
    } else {
        print_table(&outcomes);
    }
    let unrepaired: Vec<String> = outcomes
        .iter()
        .filter(|o| !o.found.is_clean() && o.repaired.is_none())
        .map(|o| o.found.client.to_string())
        .collect();
    if unrepaired.is_empty() {
        Ok(())
    } else {
        Err(CliError::Partial(format!(
            "drift found for {}: `rowcol reconcile --repair` repairs it",
            unrepaired.join(", ")
        )))
    }
}

fn print_table(outcomes: &[Outcome]) {
    let mut table = Table::new();
    table.set_header([
        "client",
        "kinds checked",
        "ids compared",
        "drift",
        "re-read",
        "applied",
        "deleted",
        "API calls",
    ]);
    for o in outcomes {
        let repaired = o.repaired.unwrap_or_default();
        table.add_row([
            o.found.client.to_string(),
            o.found.kinds.len().to_string(),
            o.found.kinds.iter().filter(|k| k.ids_compared).count().to_string(),
            o.found.drift.len().to_string(),
            repaired.refetched.to_string(),
            repaired.applied.to_string(),
            repaired.deleted.to_string(),
            (o.found.api_calls + repaired.api_calls).to_string(),
        ]);
    }
    println!("{table}");
    for o in outcomes {
        for drift in &o.found.drift {
            println!("{}: {drift}", o.found.client);
        }
    }
}

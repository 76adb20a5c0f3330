//! `rowcol reconcile`: compare each client's mirror with QBO and report, or
//! repair, every drift.

use comfy_table::Table;
use rowcol_core::{AdvisorId, ConnectionStatus};
use rowcol_sync::reconcile::{DriftReport, ReconcileMode, RepairReport};
use serde::Serialize;

use crate::commands::portfolio_exit::{self, NotDone};
use crate::commands::read;
use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::setup::{self, parse_id};

/// What reconciling one connection gave: its reports, or why it was not
/// checked (a failure, or a connection that is not active).
#[derive(Serialize)]
struct Outcome {
    client: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    found: Option<DriftReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repaired: Option<RepairReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Outcome {
    /// Drift left: found and not repaired, or left after a repair.
    fn drift_left(&self) -> usize {
        match (&self.found, &self.repaired) {
            (Some(_), Some(repaired)) => repaired.remaining as usize,
            (Some(found), None) => found.drift.len(),
            _ => 0,
        }
    }
}

/// Reconciles every client of the advisor (or only `only`), each recorded
/// as a reconcile run in its health; `full` compares every kind's ids,
/// versions and totals instead of counts first; `repair` re-reads and
/// applies what drifted, then checks that nothing is left.
///
/// Every client gets a row: a client that fails (or needs re-auth, and is
/// skipped without a call) does not stop the others. Exits 0 when every
/// client is clean (or repaired clean), 6 when drift is left or some
/// clients were not checked, and, when none could be checked, the most
/// severe failure's own code (see `portfolio_exit`).
pub async fn run(config: &Config, only: Option<&str>, full: bool, repair: bool, json: bool) -> CliResult {
    let parts = setup::parts(config, &rowcol_stack::holder_name("reconcile")).await?;
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let mode = if full {
        ReconcileMode::Full {
            totals_as: Some(advisor),
        }
    } else {
        ReconcileMode::Cheap
    };
    let mut outcomes = Vec::new();
    let mut not_done = Vec::new();
    for client in read::clients(config, parts.mirror.as_ref(), only).await? {
        for connection in &client.connections {
            let id = connection.client.to_string();
            if connection.status != ConnectionStatus::Active {
                let why = format!("skipped: connection {}", connection.status.as_str());
                not_done.push(NotDone {
                    client: id.clone(),
                    error: CliError::Credentials(format!("{id}: {why}")),
                });
                outcomes.push(Outcome {
                    client: id,
                    found: None,
                    repaired: None,
                    error: Some(why),
                });
                continue;
            }
            match parts.engine.reconcile_recorded(connection, mode.clone(), repair).await {
                Ok((found, repaired)) => outcomes.push(Outcome {
                    client: id,
                    found: Some(found),
                    repaired: repair.then_some(repaired),
                    error: None,
                }),
                Err(error) => {
                    outcomes.push(Outcome {
                        client: id.clone(),
                        found: None,
                        repaired: None,
                        error: Some(error.to_string()),
                    });
                    not_done.push(NotDone {
                        client: id,
                        error: error.into(),
                    });
                }
            }
        }
    }
    if json {
        output::emit(&output::json(&outcomes)?, None)?;
    } else {
        print_table(&outcomes);
    }
    let checked = outcomes.iter().filter(|o| o.found.is_some()).count();
    if !not_done.is_empty() {
        return portfolio_exit::finish("reconcile", checked, not_done);
    }
    let drifted: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.drift_left() > 0)
        .map(|o| o.client.as_str())
        .collect();
    if drifted.is_empty() {
        Ok(())
    } else if repair {
        Err(CliError::Partial(format!(
            "drift remains after the repair for {}",
            drifted.join(", ")
        )))
    } else {
        Err(CliError::Partial(format!(
            "drift found for {}: `rowcol reconcile --repair` repairs it",
            drifted.join(", ")
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
        "drift left",
        "API calls",
        "error",
    ]);
    for o in outcomes {
        let Some(found) = &o.found else {
            let mut row = vec![o.client.clone()];
            row.extend(std::iter::repeat_n(String::new(), 8));
            row.push(o.error.clone().unwrap_or_default());
            table.add_row(row);
            continue;
        };
        let repaired = o.repaired.unwrap_or_default();
        table.add_row([
            o.client.clone(),
            found.kinds.len().to_string(),
            found.kinds.iter().filter(|k| k.ids_compared).count().to_string(),
            found.drift.len().to_string(),
            repaired.refetched.to_string(),
            repaired.applied.to_string(),
            repaired.deleted.to_string(),
            o.drift_left().to_string(),
            (found.api_calls + repaired.api_calls).to_string(),
            String::new(),
        ]);
    }
    println!("{table}");
    for o in outcomes {
        for drift in o.found.iter().flat_map(|f| &f.drift) {
            println!("{}: {drift}", o.client);
        }
    }
}

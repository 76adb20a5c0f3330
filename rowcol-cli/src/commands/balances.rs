//! `rowcol balances`: one client's bank and card balances with their age,
//! from the mirror or (`--live`) from the rails now; the engine decides
//! everything (`rowcol_sync::balances`).

use comfy_table::Table;
use rowcol_core::entity::AccountType;
use rowcol_core::{AdvisorId, ClientId};
use rowcol_report::money_text;
use rowcol_runway::calc::cash::age_text;
use rowcol_stack::Stack;
use rowcol_sync::ClientBalances;
use rowcol_sync::balances::{BalanceSource, LiveOutcome};

use crate::cli::ViewFormat;
use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::setup::{self, parse_id};

/// Prints `client`'s balances; with `live`, read from its rails now. Exits
/// 6 (after printing) when a rail failed and its rows are the mirror's.
pub async fn run(config: &Config, client: &str, live: bool, format: ViewFormat) -> CliResult {
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let client: ClientId = parse_id(client)?;
    let holder = rowcol_stack::holder_name("balances");
    // From the mirror alone no rail is needed, nor its configuration.
    let stack = if live {
        setup::parts(config, &holder).await?
    } else {
        Stack::builder(setup::mirror(config).await?).holder(holder).build()?
    };
    let balances = stack.engine.balances(&advisor, &client, live).await?;
    match format {
        ViewFormat::Json => output::emit(&output::json(&balances)?, None)?,
        ViewFormat::Table => {
            println!("{}", table(&balances));
            for line in notes(&balances) {
                println!("{line}");
            }
            println!("{}", balances.definition);
        }
    }
    fell_back(&balances)
}

fn table(b: &ClientBalances) -> Table {
    let mut table = Table::new();
    table.set_header(["rail", "account", "kind", "balance", "source", "as of", "age", "stale"]);
    for a in &b.accounts {
        table.add_row([
            a.rail.to_string(),
            a.name.clone(),
            match a.account_type {
                AccountType::CreditCard => "card owed",
                _ => "bank",
            }
            .to_owned(),
            a.balance.as_ref().map_or_else(|| "not stated".to_owned(), money_text),
            match a.source {
                BalanceSource::Mirror => "mirror",
                BalanceSource::Live => "live",
            }
            .to_owned(),
            a.as_of.map_or_else(
                || "never synced".to_owned(),
                |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
            ),
            a.age_seconds.map(age_text).unwrap_or_default(),
            a.stale.clone().map_or_else(String::new, |_| "STALE".to_owned()),
        ]);
    }
    table
}

/// One line per rail read live: what it answered, or why it did not.
fn notes(b: &ClientBalances) -> Vec<String> {
    b.rails
        .iter()
        .map(|r| match &r.outcome {
            LiveOutcome::Read { accounts } => format!("{}: read live, {accounts} accounts", r.rail),
            LiveOutcome::FellBack { reason, retryable } => format!(
                "{}: STALE, answered from the mirror: {reason} ({})",
                r.rail,
                if *retryable {
                    "asking again later may succeed"
                } else {
                    "needs a person: reconnect or fix the setting"
                }
            ),
        })
        .collect()
}

/// Exit 6 when live figures were asked for and some are the mirror's.
fn fell_back(b: &ClientBalances) -> CliResult {
    if !b.fell_back() {
        return Ok(());
    }
    let rails: Vec<String> = b
        .rails
        .iter()
        .filter(|r| matches!(r.outcome, LiveOutcome::FellBack { .. }))
        .map(|r| r.rail.to_string())
        .collect();
    let rails = if rails.is_empty() {
        "some accounts".to_owned()
    } else {
        rails.join(", ")
    };
    Err(CliError::Partial(format!(
        "live balances not read from {rails}: those rows are the mirror's, flagged stale"
    )))
}

//! `rowcol cash`: one client's monthly cash roll-forward from the mirror.

use chrono::Utc;
use comfy_table::Table;
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::{AdvisorId, ClientId};
use rowcol_report::money_text;
use rowcol_runway::calc::rollforward::{CashAccountKind, MonthFlow, RollForward, rollforward};

use crate::cli::CashFormat;
use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::setup::{self, parse_id};

/// Prints the roll-forward of `client` over `months` months ending today.
pub async fn run(config: &Config, client: &str, months: u32, format: CashFormat) -> CliResult {
    let mirror = setup::mirror(config).await?;
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let client: ClientId = parse_id(client)?;
    let today = Utc::now().date_naive();
    let request = SnapshotRequest {
        as_of: today,
        history_months: months,
    };
    let snapshot = mirror.snapshot(&advisor, &client, request).await?;
    let roll = rollforward(&snapshot, today, months);
    match format {
        CashFormat::Json => output::emit(&output::json(&roll)?, None),
        CashFormat::Csv => output::emit(&csv_text(&roll)?, None),
        CashFormat::Table => {
            println!("{}", table(&roll));
            println!("{}", roll.definition);
            Ok(())
        }
    }
}

/// One row: account id, name, kind (`bank`, `card` or `net cash`), month.
type Row<'r> = (String, String, &'static str, &'r MonthFlow);

/// Every account's months, then the total's, in one list of rows.
fn rows(roll: &RollForward) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    for account in &roll.accounts {
        let kind = match account.kind {
            CashAccountKind::Bank => "bank",
            CashAccountKind::Card => "card",
        };
        for month in &account.months {
            rows.push((account.account.to_string(), account.name.clone(), kind, month));
        }
    }
    for month in &roll.total {
        rows.push((
            "TOTAL".to_owned(),
            "home-currency accounts".to_owned(),
            "net cash",
            month,
        ));
    }
    rows
}

fn table(roll: &RollForward) -> Table {
    let mut table = Table::new();
    table.set_header([
        "account",
        "kind",
        "month",
        "opening",
        "cash in",
        "cash out",
        "transfers",
        "financing",
        "closing",
    ]);
    for (_, name, kind, m) in rows(roll) {
        table.add_row([
            name,
            kind.to_owned(),
            format!("{} to {}", m.month.format("%Y-%m"), m.through),
            money_text(&m.opening),
            money_text(&m.cash_in),
            money_text(&m.cash_out),
            money_text(&m.transfers),
            money_text(&m.financing),
            money_text(&m.closing),
        ]);
    }
    table
}

/// CSV with exact amounts (no grouping, no rounding) and RFC 4180 quoting.
fn csv_text(roll: &RollForward) -> CliResult<String> {
    let fail = |e: csv::Error| CliError::Io(format!("cannot write CSV: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "account",
        "account_name",
        "kind",
        "currency",
        "month",
        "through",
        "opening",
        "cash_in",
        "cash_out",
        "transfers",
        "financing",
        "closing",
    ])
    .map_err(fail)?;
    for (id, name, kind, m) in rows(roll) {
        out.write_record([
            id,
            name,
            kind.to_owned(),
            m.closing.currency().to_string(),
            m.month.to_string(),
            m.through.to_string(),
            m.opening.amount().to_string(),
            m.cash_in.amount().to_string(),
            m.cash_out.amount().to_string(),
            m.transfers.amount().to_string(),
            m.financing.amount().to_string(),
            m.closing.amount().to_string(),
        ])
        .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| CliError::Io(format!("cannot write CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| CliError::Io(format!("cannot write CSV: {e}")))
}

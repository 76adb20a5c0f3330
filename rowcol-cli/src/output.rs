//! Writing a command's result: to the terminal or a file, as a table, JSON
//! or HTML.

use std::path::Path;

use chrono::{DateTime, Utc};
use rowcol_core::{ClientSnapshot, StandardPolicy, SyncPolicy};
use rowcol_runway::DigestClock;
use serde::Serialize;

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use rowcol_report as report;

/// The digest clock for figures as of `now`'s date, judged fresh against
/// the standard policy's target.
pub fn digest_clock(now: DateTime<Utc>) -> DigestClock {
    DigestClock {
        as_of: now.date_naive(),
        now,
        freshness_target: StandardPolicy::default().freshness_target(),
    }
}

/// Shows the digest of `snapshots` in `format`, on stdout or in `out`.
pub fn digest(snapshots: &[ClientSnapshot], clock: DigestClock, format: Format, out: Option<&Path>) -> CliResult {
    let text = match format {
        Format::Html => report::html(snapshots, clock),
        Format::Table => report::table(&rowcol_runway::digest(snapshots, clock)),
        Format::Json => json(&rowcol_runway::digest(snapshots, clock))?,
    };
    emit(&text, out)
}

/// Pretty JSON of a result.
pub fn json(value: &impl Serialize) -> CliResult<String> {
    serde_json::to_string_pretty(value).map_err(|e| CliError::Io(format!("cannot write JSON: {e}")))
}

/// Prints `text`, or writes it to `out` and says where.
pub fn emit(text: &str, out: Option<&Path>) -> CliResult {
    match out {
        None => println!("{text}"),
        Some(path) => {
            std::fs::write(path, text).map_err(|e| CliError::Io(format!("cannot write {}: {e}", path.display())))?;
            eprintln!("wrote {}", path.display());
        }
    }
    Ok(())
}

//! `rowcol bank-check`: one client's books against its bank from the
//! mirror (`rowcol_runway::bank_check`), shown by `rowcol-report`; with a
//! decision, first records it (`rowcol_stack::review_bank_line`).

use chrono::Utc;
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::{AdvisorId, BankReviewAction, ClientId, ExternalId, RowcolError};
use rowcol_runway::bank_check::check;
use rowcol_runway::bank_match::MatchSettings;

use crate::cli::ViewFormat;
use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::setup::{self, parse_id};

/// Records `decision` (a line and what was decided about it) when given,
/// then prints the bank check of `client` as of today.
pub async fn run(
    config: &Config,
    client: &str,
    decision: Option<(&str, BankReviewAction)>,
    format: ViewFormat,
) -> CliResult {
    let mirror = setup::mirror(config).await?;
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let client: ClientId = parse_id(client)?;
    let now = Utc::now();
    if let Some((line, action)) = decision {
        let line: ExternalId = line
            .parse()
            .map_err(|e| CliError::Usage(format!("{line:?} is not a bank line id: {e}")))?;
        let review = rowcol_stack::review_bank_line(mirror.as_ref(), &advisor, &client, &line, action, now)
            .await
            .map_err(|e| match e {
                // A line or posting the mirror does not hold: a bad argument.
                RowcolError::InvalidInput { .. } => CliError::Usage(e.to_string()),
                other => other.into(),
            })?;
        eprintln!(
            "recorded: {} on bank line {} by {}; audit-logged",
            review.audit_version(),
            review.line,
            review.by
        );
    }
    let snapshot = mirror
        .snapshot(&advisor, &client, SnapshotRequest::as_of(now.date_naive()))
        .await?;
    let checked = check(&snapshot, &MatchSettings::default());
    match format {
        ViewFormat::Json => output::emit(&output::json(&checked)?, None),
        ViewFormat::Table => output::emit(&rowcol_report::bank_check_text(&snapshot, &checked), None),
    }
}

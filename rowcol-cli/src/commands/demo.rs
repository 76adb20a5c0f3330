//! `rowcol demo`: a QBO look-alike with a portfolio and a Plaid look-alike
//! holding each client's bank (derived from its books), both synced into
//! SQLite, then the digest and the bank against the books.

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use rowcol_core::ClientSnapshot;
use rowcol_core::RailErrorKind;
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::SyncTrigger;
use rowcol_core::{Advisor, Connection};
use rowcol_mirror::CredentialKey;
use rowcol_plaid::PlaidConfig;
use rowcol_qbo::QboConfig;
use rowcol_qbo_sim::{PortfolioSpec, Profile, SimConfig, Size};
use rowcol_runway::bank_check::{self, BankCheckSummary};
use rowcol_runway::bank_match::MatchSettings;
use rowcol_sync::portfolio::load_snapshots;

use crate::cli::Format;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::setup::parse_id;
use rowcol_stack::{Stack, link_bank_look_alike, look_alike_clients, register_look_alike};

/// Clients synced at once: QBO's limits are per realm, so realms sync in parallel.
const CONCURRENCY: usize = 16;

/// Runs the demo.
pub async fn run(clients: usize, db: &Path, format: Format, out: Option<&Path>) -> CliResult {
    let sim = rowcol_qbo_sim::start(SimConfig {
        portfolio: PortfolioSpec {
            realms: clients,
            size: Size::Typical,
            ..PortfolioSpec::default()
        },
        ..SimConfig::default()
    })
    .await
    .map_err(|e| CliError::Io(format!("cannot start the QBO look-alike: {e}")))?;
    eprintln!("QBO look-alike with {clients} companies at {}", sim.base_url());
    let admin = sim.admin();
    let bank = rowcol_plaid_sim::start(rowcol_plaid_sim::SimConfig {
        start_time: Some(admin.now()),
        ..rowcol_plaid_sim::SimConfig::default()
    })
    .await
    .map_err(|e| CliError::Io(format!("cannot start the Plaid look-alike: {e}")))?;
    eprintln!("Plaid look-alike at {}", bank.base_url());

    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let mirror = rowcol_mirror::open(&format!("sqlite://{}", db.display()), CredentialKey::generate()).await?;
    let advisor = Advisor {
        id: parse_id("demo-advisor")?,
        name: "Demo advisor".into(),
    };
    let clients = look_alike_clients(&admin)?;
    let mut connections = register_look_alike(mirror.as_ref(), &admin, &advisor, &clients).await?;

    let qbo = QboConfig::for_sim(&sim.base_url()).map_err(|e| CliError::Config(e.to_string()))?;
    let plaid = PlaidConfig::for_sim(&bank.base_url()).map_err(|e| CliError::Config(e.to_string()))?;
    let parts = Stack::builder(mirror.clone())
        .qbo(qbo)
        .plaid(plaid)
        .holder(rowcol_stack::holder_name("demo"))
        .build()?;
    let rail = parts
        .plaid
        .as_ref()
        .ok_or_else(|| CliError::Config("the stack built no Plaid rail".into()))?;
    connections.extend(link_bank_look_alike(mirror.as_ref(), rail, &admin, &bank.admin(), &advisor, &clients).await?);
    let bar = ProgressBar::new(connections.len() as u64).with_style(
        ProgressStyle::with_template("{msg:>8} [{bar:40}] {pos}/{len} connections, {elapsed}")
            .map_err(|e| CliError::Io(e.to_string()))?
            .progress_chars("=> "),
    );
    bar.set_message("syncing");
    let results = parts
        .engine
        .sync_all(&connections, SyncTrigger::OnDemand, CONCURRENCY, |_, _| bar.inc(1))
        .await;
    bar.finish_with_message("synced");
    let mut failed: Vec<String> = results
        .iter()
        .filter_map(|(c, r)| r.as_ref().err().map(|e| format!("{}: {e}", c.client)))
        .collect();
    let calls: u32 = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(|r| r.counts.api_calls)
        .sum();
    let records: u32 = results
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .map(|r| r.counts.applied)
        .sum();
    eprintln!(
        "{records} records mirrored into {} with {calls} API calls",
        db.display()
    );
    failed.extend(disconnect(&admin, &parts.engine, &connections).await);

    let clock = output::digest_clock(admin.now());
    let snapshots = load_snapshots(&mirror, &advisor.id, SnapshotRequest::as_of(clock.as_of)).await?;
    output::digest(&snapshots, clock, format, out)?;
    let whole_feed = SnapshotRequest {
        as_of: clock.as_of,
        history_months: BANK_HISTORY_MONTHS,
    };
    bank_findings(&load_snapshots(&mirror, &advisor.id, whole_feed).await?);
    sim.stop().await;
    bank.stop().await;
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::Partial(format!(
            "{} connections failed to sync:\n{}",
            failed.len(),
            failed.join("\n")
        )))
    }
}

/// The realms whose profile is `RevokedTokens` play a user disconnecting the
/// app from their QuickBooks company after the first sync: the look-alike's
/// authorization server revokes the realm's grants, and the client's next
/// sync (the schedule's next cycle) meets the 401 and the refused refresh
/// and marks the connection as needing re-auth, so the digest shows the
/// client stale. Answers what went otherwise than that.
async fn disconnect(
    admin: &rowcol_qbo_sim::Admin,
    engine: &rowcol_sync::SyncEngine,
    connections: &[Connection],
) -> Vec<String> {
    let revoked: Vec<Connection> = connections
        .iter()
        .filter(|c| admin.profile(c.realm.as_str()) == Some(Profile::RevokedTokens))
        .cloned()
        .collect();
    for c in &revoked {
        admin.revoke_grants(c.realm.as_str());
    }
    let mut unexpected = Vec::new();
    for (c, result) in engine
        .sync_all(&revoked, SyncTrigger::Schedule, CONCURRENCY, |_, _| {})
        .await
    {
        match result {
            Err(e) if e.rail_kind() == Some(&RailErrorKind::NeedsReauth) => {
                eprintln!("{}: its user disconnected the app; it needs re-auth", c.client);
            }
            Err(e) => unexpected.push(format!("{}: {e}", c.client)),
            Ok(_) => unexpected.push(format!("{}: synced after its grant was revoked", c.client)),
        }
    }
    unexpected
}

/// Months of books the bank check reads: the look-alike Items are linked
/// with two years (730 days) of history, and the books must begin a match
/// window before the feed for its first lines to be checked (findings start
/// a window after the books' first day: `AccountMatch::findings_from`).
const BANK_HISTORY_MONTHS: u32 = 25;

/// Most clients named in the bank findings.
const BANK_FINDINGS_SHOWN: usize = 5;

/// Books against the bank, in brief: what `bank_check` finds over the
/// portfolio, then the clients with most bank lines missing from their books.
fn bank_findings(snapshots: &[ClientSnapshot]) {
    let settings = MatchSettings::default();
    let mut checks: Vec<(&ClientSnapshot, BankCheckSummary)> = snapshots
        .iter()
        .map(|s| (s, bank_check::check(s, &settings).summary))
        .filter(|(_, c)| c.linked_accounts > 0)
        .collect();
    let sum = |f: fn(&BankCheckSummary) -> usize| checks.iter().map(|(_, c)| f(c)).sum::<usize>();
    let with_missing = checks.iter().filter(|(_, c)| c.unrecorded > 0).count();
    eprintln!(
        "Bank against books ({} clients with linked bank accounts): {} bank lines not in the books at {with_missing} clients, {} to review, {} book postings overdue at the bank",
        checks.len(),
        sum(|c| c.unrecorded),
        sum(|c| c.to_review),
        sum(|c| c.overdue_uncleared),
    );
    checks.sort_by(|a, b| {
        b.1.unrecorded
            .cmp(&a.1.unrecorded)
            .then_with(|| a.0.client.cmp(&b.0.client))
    });
    for (s, c) in checks
        .iter()
        .filter(|(_, c)| c.unrecorded > 0)
        .take(BANK_FINDINGS_SHOWN)
    {
        eprintln!(
            "  {} {}: {} not in the books, {} to review, {} unexplained",
            s.client, s.name, c.unrecorded, c.to_review, c.unexplained
        );
    }
}

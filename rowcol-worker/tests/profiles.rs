//! The look-alike's client profiles (issue 20 point 2) read as their names
//! say once RowCol has mirrored them: figures computed by RowCol's own
//! calculators on the synced mirror, not by the look-alike.
//!
//! - the startup burns, with 4 to 9 months of runway;
//! - healthy firms (and the one whose tokens get revoked) are not burning;
//! - most open receivables by amount are at most 90 days past due;
//! - the messy client has more hygiene findings than any healthy one, and
//!   healthy clients have no hygiene errors;
//! - the client whose grant is revoked at the look-alike is marked as
//!   needing re-auth by its next sync, and the digest shows it stale.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod sim_portfolio;

use std::time::Duration;

use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::SyncTrigger;
use rowcol_core::{ConnectionStatus, RailErrorKind};
use rowcol_qbo_sim::{Profile, Size};
use rowcol_runway::calc::runway::RunwayState;
use rowcol_runway::{DigestClock, digest, outlook, tray};
use rust_decimal::Decimal;

/// Syncs a portfolio of `clients` realms of `size` and checks each
/// profile's claims on the mirror.
async fn profiles_read_as_named(clients: usize, size: Size) {
    let l = sim_portfolio::start(clients, size).await;
    let (_rail, engine) = sim_portfolio::sync_everything(&l, "profiles-test", 8).await;
    let today = sim_portfolio::today(&l);
    let snapshots = sim_portfolio::profiled_snapshots(&l, today).await;

    let (mut recent, mut over_90) = (Decimal::ZERO, Decimal::ZERO);
    let mut healthy_most_findings = 0;
    let mut messy_fewest_findings = usize::MAX;
    for (profile, s) in &snapshots {
        let o = outlook(s, today);
        let who = format!("{} ({profile:?})", s.client);
        match profile {
            Profile::Startup => {
                let months = o
                    .runway
                    .months()
                    .unwrap_or_else(|| panic!("{who}: {:?}", o.runway.state));
                assert!(
                    months > Decimal::from(4) && months < Decimal::from(9),
                    "{who}: runway {months} months (cash {}, net burn {})",
                    o.cash.cash,
                    o.burn.net_monthly
                );
            }
            Profile::Healthy | Profile::RevokedTokens => {
                assert_eq!(
                    o.runway.state,
                    RunwayState::NotBurning,
                    "{who}: net burn {}",
                    o.burn.net_monthly
                );
            }
            _ => {}
        }
        for (i, bucket) in o.ar_aging.buckets.iter().enumerate() {
            if i + 1 == o.ar_aging.buckets.len() {
                over_90 += bucket.amount.amount();
            } else {
                recent += bucket.amount.amount();
            }
        }
        let t = tray(s, today);
        if *profile == Profile::Healthy && size == Size::Typical {
            // The forecast does not drift by design: a steady, profitable
            // firm's week 13 lands within 10 % of its trailing trend (net
            // cash plus three months of its operating surplus). Small books
            // hold too few documents for a trend.
            let f = &o.forecast;
            let trend = f.starting_cash.amount() - o.burn.net_monthly.amount() * Decimal::from(3);
            let off = (f.weeks[12].closing.amount() - trend).abs();
            assert!(
                off * Decimal::from(10) <= trend.abs(),
                "{who}: week 13 at {} against a trend of {trend}",
                f.weeks[12].closing
            );
        }
        match profile {
            Profile::Healthy => {
                // A clean profile raises no finding at all.
                assert!(t.findings.is_empty(), "{who}: {:?}", t.findings);
                assert_eq!(t.counts.error, 0, "{who}: {:?}", t.findings);
                healthy_most_findings = healthy_most_findings.max(t.findings.len());
            }
            Profile::MessyBooks => messy_fewest_findings = messy_fewest_findings.min(t.findings.len()),
            _ => {}
        }
    }
    assert!(
        recent > over_90 * Decimal::from(2),
        "open receivables: {recent} at most 90 days past due, {over_90} beyond"
    );
    assert!(
        messy_fewest_findings > healthy_most_findings,
        "messy books: {messy_fewest_findings} findings or more; healthy: {healthy_most_findings} at most"
    );

    // The user of the disconnected client revokes the app's access: its
    // next sync meets the refused refresh and marks the connection.
    let revoked: Vec<_> = l
        .connections
        .iter()
        .filter(|c| l.admin.profile(c.realm.as_str()) == Some(Profile::RevokedTokens))
        .cloned()
        .collect();
    assert_eq!(
        revoked.len(),
        usize::from(clients > rowcol_qbo_sim::generator::REVOKED_INDEX)
    );
    for c in &revoked {
        assert_eq!(l.admin.revoke_grants(c.realm.as_str()), 1);
    }
    for (c, result) in engine.sync_all(&revoked, SyncTrigger::Schedule, 8, |_, _| {}).await {
        let error = result.expect_err("a revoked grant cannot sync");
        assert_eq!(
            error.rail_kind(),
            Some(&RailErrorKind::NeedsReauth),
            "{}: {error}",
            c.client
        );
    }
    let mut fresh = Vec::new();
    for c in &l.connections {
        let s = l
            .mirror
            .snapshot(&l.advisor, &c.client, SnapshotRequest::as_of(today))
            .await
            .unwrap();
        fresh.push(s);
    }
    let d = digest(
        &fresh,
        DigestClock {
            as_of: today,
            now: l.admin.now(),
            freshness_target: Duration::from_secs(30 * 60),
        },
    );
    for line in &d.clients {
        let is_revoked = revoked.iter().any(|c| c.client == line.client);
        assert_eq!(line.stale, is_revoked, "{}", line.client);
        if is_revoked {
            let s = fresh.iter().find(|s| s.client == line.client).unwrap();
            assert_eq!(s.health.connection, Some(ConnectionStatus::NeedsReauth));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_typical_portfolio_reads_like_its_clients_profiles() {
    profiles_read_as_named(10, Size::Typical).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_small_portfolio_reads_like_its_clients_profiles_too() {
    profiles_read_as_named(20, Size::Small).await;
}

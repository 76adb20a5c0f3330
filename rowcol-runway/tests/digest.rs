//! The digest over a synthetic portfolio: composed from its parts, sorted by
//! urgency, stale data flagged, stable and serialisable.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rowcol_runway::digest::{DigestClock, compose};
use rowcol_runway::{console, digest, tray};
use rowcol_testkit::fixtures::date;
use rowcol_testkit::synthetic::portfolio;

fn clock() -> DigestClock {
    DigestClock {
        as_of: date("2026-07-15"),
        now: synced_at() + chrono::Duration::minutes(5),
        freshness_target: Duration::from_secs(30 * 60),
    }
}

fn synced_at() -> DateTime<Utc> {
    rowcol_testkit::fixtures::time("2026-07-15T08:00:00+00:00").with_timezone(&Utc)
}

#[test]
fn digest_is_the_composition_of_tray_and_console() {
    let clients = portfolio(12, clock().as_of, synced_at());
    let d = digest(&clients, clock());
    assert_eq!(d.clients.len(), 12);
    for s in &clients {
        let t = tray(s, clock().as_of);
        let c = console(s, clock().as_of, &t);
        let expected = compose(s, &t, &c, clock());
        let got = d.clients.iter().find(|x| x.client == s.client).unwrap();
        assert_eq!(got, &expected, "client {}", s.client);
        // Figures are the console's and the tray's, not recomputed.
        assert_eq!(got.cash.value, c.outlook.cash.net);
        assert_eq!(got.runway.value, c.outlook.runway);
        assert_eq!(got.hygiene.value.counts, t.counts);
        assert_eq!(got.decisions.value.at_risk as usize, c.at_risk.len());
    }
}

#[test]
fn sorted_by_urgency_stale_flagged_and_stable() {
    let clients = portfolio(20, clock().as_of, synced_at());
    let d = digest(&clients, clock());
    assert!(d.clients.windows(2).all(|w| w[0].urgency <= w[1].urgency));
    for c in &d.clients {
        let n: usize = c.client.as_str().trim_start_matches("client-").parse().unwrap();
        assert_eq!(c.stale, n % 10 == 9, "{}", c.client);
        assert_eq!(c.cash.freshness.stale, n % 10 == 9);
    }
    assert_eq!(d.totals.stale_clients, 2);
    assert_eq!(d.totals.clients, 20);
    // Same input, same output, whatever the thread schedule.
    assert_eq!(digest(&clients, clock()), d);
    let json = serde_json::to_string(&d).unwrap();
    let back: rowcol_runway::Digest = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
}

#[test]
fn a_typical_client_exercises_every_experience() {
    let s = &portfolio(1, clock().as_of, synced_at())[0];
    let t = tray(s, clock().as_of);
    let c = console(s, clock().as_of, &t);
    assert!(!t.findings.is_empty());
    assert!(c.outlook.runway.months().is_some() || c.outlook.burn.net_monthly.amount() <= rust_decimal::Decimal::ZERO);
    assert!(!c.to_chase.is_empty());
    assert!(!(c.pay_now.is_empty() && c.at_risk.is_empty() && c.can_wait.is_empty()));
}

#[test]
#[ignore = "prints what a typical client's tray and console hold; run with --ignored --nocapture"]
fn show_a_typical_client() {
    let s = &portfolio(1, clock().as_of, synced_at())[0];
    let t = tray(s, clock().as_of);
    let mut per_rule = std::collections::BTreeMap::new();
    for f in &t.findings {
        *per_rule.entry(f.rule_id.as_str()).or_insert(0) += 1;
    }
    let c = console(s, clock().as_of, &t);
    println!("{per_rule:?}");
    println!(
        "pay_now {} at_risk {} can_wait {} held {} chase {}",
        c.pay_now.len(),
        c.at_risk.len(),
        c.can_wait.len(),
        c.held_for_hygiene.len(),
        c.to_chase.len()
    );
    println!("{}", serde_json::to_string_pretty(&c.outlook.runway).unwrap());
    println!("{}", c.payment_set.explanation);
}

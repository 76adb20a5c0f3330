//! Ground truth against the lines, and determinism by seed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use chrono::Duration;
use common::{Mirror, bank, sim};
use rowcol_plaid_sim::{ItemTruth, LineKind};
use rust_decimal::Decimal;
use serde_json::Value;

#[tokio::test]
async fn every_bank_line_is_linked_to_postings_of_its_amount_or_missing_from_the_books() {
    let s = sim().await;
    let b = bank("c1", 5, 0.5);
    let book: BTreeMap<String, Decimal> = b.postings.iter().map(|p| (p.txn_id.clone(), p.amount)).collect();
    let linked = s.link(b, None);
    let (pages, _) = s.sync_update(&linked.access_token, "", 500).await;
    let mut mirror = Mirror::default();
    pages.iter().for_each(|p| mirror.apply(p));
    // Over HTTP, as other languages read it.
    let truth: ItemTruth = s
        .http
        .get(format!("{}/_sim/items/{}/truth", s.server.base_url(), linked.item_id))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(truth, s.server.admin().ground_truth(&linked.item_id).unwrap());
    assert_eq!(
        truth
            .lines
            .iter()
            .map(|l| l.transaction_id.clone())
            .collect::<BTreeSet<_>>(),
        mirror.rows.keys().cloned().collect::<BTreeSet<_>>(),
        "the truth names exactly the lines sync shows"
    );
    let mut missing = 0;
    for line in &truth.lines {
        let row = &mirror.rows[&line.transaction_id];
        let amount = Decimal::from_str(&serde_json::to_string(&row["amount"]).unwrap()).unwrap();
        assert_eq!(amount, line.amount);
        if line.missing_from_books {
            assert!(line.book.is_empty());
            missing += 1;
        } else if !line.pending {
            let sum: Decimal = line.book.iter().map(|id| book[id]).sum();
            assert_eq!(-sum, line.amount, "{line:?}");
        } else {
            assert!(line.kind == LineKind::Hold || !line.book.is_empty());
        }
    }
    assert!(missing >= 5, "a sloppy bookkeeper misses lines: {missing}");
    assert!(
        truth
            .lines
            .iter()
            .any(|l| l.kind == LineKind::AggregatedDeposit && l.book.len() >= 2)
    );
    // Today's card purchase is pending: its posting has not cleared yet.
    let today = common::day(12, 1);
    assert!(
        truth
            .not_yet_cleared
            .iter()
            .any(|p| p.date == today && p.amount == common::dec("-129.99"))
    );
    s.server.admin().advance_clock(Duration::days(7));
    let later = s.server.admin().ground_truth(&linked.item_id).unwrap();
    assert!(later.not_yet_cleared.is_empty(), "everything clears within the lag");
}

async fn first_sync(seed: u64) -> (Vec<Value>, ItemTruth) {
    let s = common::sim_with(rowcol_plaid_sim::SimConfig {
        seed,
        ..rowcol_plaid_sim::SimConfig::default()
    })
    .await;
    let linked = s.link(bank("c1", 5, 0.5), None);
    let (mut pages, _) = s.sync_update(&linked.access_token, "", 50).await;
    for page in &mut pages {
        page.as_object_mut().unwrap().remove("request_id");
        // The time of extraction follows the running clock, not the seed.
        for account in page["accounts"].as_array_mut().unwrap() {
            account["balances"]["last_updated_datetime"] = Value::Null;
        }
    }
    (pages, s.server.admin().ground_truth(&linked.item_id).unwrap())
}

#[tokio::test]
async fn the_same_seed_gives_the_same_item_byte_for_byte() {
    let (pages_a, truth_a) = first_sync(3).await;
    let (pages_b, truth_b) = first_sync(3).await;
    assert_eq!(
        serde_json::to_string(&pages_a).unwrap(),
        serde_json::to_string(&pages_b).unwrap()
    );
    assert_eq!(truth_a, truth_b);
    let (pages_c, _) = first_sync(4).await;
    assert_ne!(pages_a, pages_c, "another seed, other ids");
}

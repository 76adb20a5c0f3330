//! The `rowcol` commands that keep a mirror going, against the QBO
//! look-alike over real HTTP: `sync --watch` syncing on the schedule until
//! Ctrl-C, and `dead-letters replay` landing a record once the source fixes it.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{World, interrupt, text};
use rowcol_core::ClientId;
use rowcol_core::sync::{RunStatus, SyncTrigger};
use rowcol_qbo_sim::Kind;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_watch_syncs_every_client_on_the_schedule_until_interrupted() {
    let world = World::start(2).await;
    let realms = world.sim.admin().realm_ids();
    world.connect("acme", &realms[0]).await;
    world.connect("zeta", &realms[1]).await;
    let child = world
        .command(&["sync", "--watch", "--tick-every", "1"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    let mirror = world.mirror().await;
    let clients: Vec<ClientId> = ["acme", "zeta"].iter().map(|c| c.parse().unwrap()).collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut synced = 0;
        for client in &clients {
            let runs = mirror.runs(client, 20).await.unwrap();
            let scheduled = runs
                .iter()
                .any(|r| r.trigger == SyncTrigger::Schedule && r.status == RunStatus::Succeeded);
            synced += usize::from(scheduled);
        }
        if synced == clients.len() {
            break;
        }
        if Instant::now() > deadline {
            let out = interrupt(child).await;
            panic!("no scheduled sync of each client within 60 s:\n{}", text(&out));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for client in &clients {
        let health = mirror.health(&"jane-cfo".parse().unwrap(), client).await.unwrap();
        assert!(health.last_full_success().is_some(), "{client}: {health:?}");
    }

    let out = interrupt(child).await;
    assert!(out.status.success(), "Ctrl-C is a clean stop:\n{}", text(&out));
    assert!(text(&out).contains("syncing on the schedule"), "{}", text(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_replay_lands_a_record_once_the_source_fixes_it() {
    let world = World::start(1).await;
    let admin = world.sim.admin();
    let realm = admin.realm_ids().remove(0);
    world.connect("acme", &realm).await;
    let vendor = admin.ground_truth(&realm).unwrap().kinds["Vendor"]
        .live
        .keys()
        .next()
        .unwrap()
        .clone();
    let bad = admin
        .create(
            &realm,
            Kind::Bill,
            json!({
                "VendorRef": { "value": vendor },
                "TxnDate": "2026-01-05",
                "TotalAmt": "lots",
                "CurrencyRef": { "value": "USD" },
            }),
        )
        .unwrap();
    let bad_id = bad["Id"].as_str().unwrap().to_owned();

    let synced = world.run(&["sync"], &[]);
    assert!(synced.status.success(), "{}", text(&synced));
    let listed = world.run(&["dead-letters", "list", "--json"], &[]);
    assert!(listed.status.success(), "{}", text(&listed));
    let letters: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let letters = letters.as_array().unwrap();
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["rejected"]["external_id"], bad_id.as_str(), "{letters:?}");
    assert!(
        letters[0]["rejected"]["reason"].as_str().unwrap().contains("TotalAmt"),
        "{letters:?}"
    );

    // Nothing changed at the source: replay keeps the letter.
    replay_says(&world, "0 dead letters resolved, 1 kept");

    // The bookkeeper fixes the amount in QBO: replay lands the bill.
    admin
        .update(
            &realm,
            Kind::Bill,
            bad_id.parse().unwrap(),
            &json!({ "TotalAmt": 120.55, "Balance": 120.55 }),
        )
        .unwrap();
    replay_says(&world, "1 dead letters resolved, 0 kept");
    let listed = world.run(&["dead-letters", "list", "--json"], &[]);
    let letters: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(letters.as_array().unwrap().len(), 0, "{letters:?}");
    let mirror = world.mirror().await;
    let bills = mirror
        .live_versions(
            &"acme".parse().unwrap(),
            rowcol_core::Rail::Qbo,
            rowcol_core::EntityKind::Bill,
        )
        .await
        .unwrap();
    assert!(
        bills.iter().any(|(id, _)| id.as_str() == bad_id),
        "the fixed bill is mirrored"
    );
}

/// Runs `dead-letters replay`; it must succeed and report `summary`.
fn replay_says(world: &World, summary: &str) {
    let out = world.run(&["dead-letters", "replay"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains(summary), "{}", text(&out));
}

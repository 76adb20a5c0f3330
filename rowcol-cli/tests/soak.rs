//! A bounded soak: `rowcol sync` cycles against the look-alike while the
//! source changes at random (creates, updates, deletes, voids) and answers
//! fail at random (500/503, dropped connections, broken and cut bodies,
//! stalls, access tokens expiring early). When the time is up the faults
//! stop, one last sync runs, and `rowcol reconcile --full` must find no
//! drift, with every audit chain intact.
//!
//! `cargo test` runs it for `ROWCOL_SOAK_SECONDS` (default 20);
//! `scripts/soak --minutes N` runs it longer and prints the figures.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use std::time::{Duration, Instant};

use common::{World, text};
use rand::rngs::StdRng;
use rand::seq::IteratorRandom;
use rand::{Rng, SeedableRng};
use rowcol_qbo_sim::{FaultConfig, Kind};

const CLIENTS: [&str; 3] = ["acme", "globex", "initech"];

/// One random change to one of `realm`'s bills or invoices; false when the
/// pick found nothing to change.
fn random_change(world: &World, realm: &str, rng: &mut StdRng) -> bool {
    let admin = world.sim.admin();
    let kind = if rng.random_bool(0.5) {
        Kind::Bill
    } else {
        Kind::Invoice
    };
    let truth = admin.ground_truth(realm).unwrap();
    let Some(id) = truth
        .kinds
        .get(kind.name())
        .and_then(|k| k.live.keys().choose(rng))
        .and_then(|id| id.parse::<u64>().ok())
    else {
        return false;
    };
    match rng.random_range(0..4) {
        0 => admin.delete(realm, kind, id).is_ok(),
        1 => admin.void(realm, kind, id).is_ok(),
        2 => admin
            .update(
                realm,
                kind,
                id,
                &serde_json::json!({ "PrivateNote": format!("soak {}", rng.random::<u32>()) }),
            )
            .is_ok(),
        _ => {
            // A copy of an existing document under a new id.
            let Some(mut copy) = admin.get(realm, kind, id) else {
                return false;
            };
            if let Some(fields) = copy.as_object_mut() {
                for field in ["Id", "SyncToken", "MetaData", "domain", "sparse"] {
                    fields.remove(field);
                }
            }
            admin.create(realm, kind, copy).is_ok()
        }
    }
}

fn random_faults(rng: &mut StdRng) -> FaultConfig {
    FaultConfig {
        seed: rng.random(),
        error_500: rng.random_range(0.0..0.08),
        error_503: rng.random_range(0.0..0.05),
        drop_connection: rng.random_range(0.0..0.05),
        malformed_json: rng.random_range(0.0..0.05),
        truncated_json: rng.random_range(0.0..0.05),
        early_token_expiry: rng.random_range(0.0..0.05),
        ..FaultConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounded_soak_ends_with_no_drift() {
    let seconds: u64 = std::env::var("ROWCOL_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let seed: u64 = std::env::var("ROWCOL_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    eprintln!("soak: {seconds} s, seed {seed} (ROWCOL_SOAK_SEED={seed} replays the same draws)");
    let mut rng = StdRng::seed_from_u64(seed);

    let world = World::start(CLIENTS.len()).await;
    let admin = world.sim.admin();
    let realms = admin.realm_ids();
    for (client, realm) in CLIENTS.iter().zip(&realms) {
        world.connect(client, realm).await;
    }

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut cycles, mut partial_cycles, mut changes) = (0u32, 0u32, 0u32);
    while Instant::now() < deadline {
        for realm in &realms {
            for _ in 0..rng.random_range(0..6) {
                changes += u32::from(random_change(&world, realm, &mut rng));
            }
            admin.set_faults(realm, random_faults(&mut rng));
        }
        let synced = world.run(&["sync"], &[]);
        match synced.status.code() {
            Some(0) => {}
            // Some clients gave up after the policy's retries: allowed under
            // faults; the next cycle picks up from the committed checkpoint.
            Some(6) => partial_cycles += 1,
            _ => panic!("a sync under faults failed outright:\n{}", text(&synced)),
        }
        cycles += 1;
    }

    for realm in &realms {
        admin.clear_faults(realm);
    }
    let last = world.run(&["sync"], &[]);
    assert!(last.status.success(), "{}", text(&last));
    let reconciled = world.run(&["reconcile", "--full", "--json"], &[]);
    let report: serde_json::Value = serde_json::from_slice(&reconciled.stdout).unwrap_or_default();
    let checked: u64 = report
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["found"]["kinds"].as_array().cloned().unwrap_or_default())
        .filter_map(|k| k["source_count"].as_u64())
        .sum();
    let drift: usize = report
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| o["found"]["drift"].as_array().map_or(0, Vec::len))
        .sum();
    println!("| soak figure | value |");
    println!("|---|---|");
    println!("| seconds | {seconds} |");
    println!("| seed | {seed} |");
    println!("| sync cycles ({} clients each) | {cycles} |", CLIENTS.len());
    println!("| cycles where a client gave up | {partial_cycles} |");
    println!("| source changes | {changes} |");
    println!("| faults injected | {} |", admin.faults_injected());
    println!("| records checked by reconcile | {checked} |");
    println!("| drift found | {drift} |");
    assert!(
        reconciled.status.success(),
        "drift after the soak:\n{}",
        text(&reconciled)
    );
    assert_eq!(drift, 0);
    assert!(checked > 0, "reconcile checked nothing: {}", text(&reconciled));
    assert!(cycles > 0 && changes > 0);
    let audit = world.run(&["verify-audit"], &[]);
    assert!(audit.status.success(), "{}", text(&audit));
}

//! What `sync` and `reconcile` say when not everything goes well, through
//! the `rowcol` binary against the look-alike: every client gets a row, a
//! failing realm does not hide the others, connections needing re-auth
//! cost no call, a busy realm names who holds it, repair repairs (and
//! checks), and exit codes do not depend on which client finished first.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use std::time::Duration;

use common::{World, text};
use rowcol_core::entity::EntityKind;
use rowcol_core::sync::{SyncBatch, Tombstone};
use rowcol_core::{ClientId, ConnectionStatus, LeaseStore, Rail};
use rowcol_qbo_sim::FaultConfig;

fn client(id: &str) -> ClientId {
    id.parse().unwrap()
}

/// Requests the look-alike admitted for `realm` so far.
fn requests(world: &World, realm: &str) -> u64 {
    world.sim.admin().counters().get(realm).map_or(0, |c| c.requests)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_realm_and_one_needing_reauth_do_not_hide_the_others() {
    let world = World::start(3).await;
    let realms = world.sim.admin().realm_ids();
    for (id, realm) in ["acme", "globex", "initech"].iter().zip(&realms) {
        world.connect(id, realm).await;
    }
    assert!(world.run(&["sync"], &[]).status.success());
    let mirror = world.mirror().await;
    mirror
        .set_connection_status(&client("initech"), Rail::Qbo, ConnectionStatus::NeedsReauth)
        .await
        .unwrap();
    world.sim.admin().set_faults(
        &realms[1],
        FaultConfig {
            error_500: 1.0,
            ..FaultConfig::default()
        },
    );
    let initech_before = requests(&world, &realms[2]);

    let reconciled = world.run(&["reconcile"], &[]);
    let out = text(&reconciled);
    assert_eq!(reconciled.status.code(), Some(6), "{out}");
    for id in ["acme", "globex", "initech"] {
        assert!(out.contains(id), "a row for {id}:\n{out}");
    }
    assert!(out.contains("needs_reauth"), "{out}");
    assert!(out.contains("reconcile not done for globex, initech"), "{out}");

    let synced = world.run(&["sync"], &[]);
    let out = text(&synced);
    assert_eq!(synced.status.code(), Some(6), "{out}");
    assert!(out.contains("acme: synced"), "printed as it finished:\n{out}");
    assert!(out.contains("initech: skipped"), "{out}");
    assert_eq!(
        requests(&world, &realms[2]),
        initech_before,
        "no call for a connection that needs re-auth"
    );

    // The plain check of acme is in its health.
    let health = world.run(&["health", "--json"], &[]);
    let health: serde_json::Value = serde_json::from_slice(&health.stdout).unwrap();
    let acme = health["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["client"] == "acme")
        .unwrap();
    assert_eq!(acme["last_reconcile"]["status"], "succeeded", "{health}");

    // Every connection needing its user: credentials, exit 3, not "done".
    for id in ["acme", "globex"] {
        mirror
            .set_connection_status(&client(id), Rail::Qbo, ConnectionStatus::NeedsReauth)
            .await
            .unwrap();
    }
    let none = world.run(&["sync"], &[]);
    assert_eq!(none.status.code(), Some(3), "{}", text(&none));
    assert!(text(&none).contains("rowcol connect"), "{}", text(&none));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_realm_names_its_holder_and_is_not_reported_as_synced() {
    let world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    world.connect("acme", &realm).await;
    let mirror = world.mirror().await;
    let leases: std::sync::Arc<dyn LeaseStore> = mirror.clone();
    assert!(
        leases
            .try_acquire("sync:acme:qbo", "serve-4242-1#3", Duration::from_secs(300))
            .await
            .unwrap()
    );
    let synced = world.run(&["sync"], &[]);
    let out = text(&synced);
    assert_eq!(synced.status.code(), Some(6), "{out}");
    assert!(out.contains("serve-4242-1#3"), "names the holder:\n{out}");
    assert!(out.contains("lease until"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repair_revives_what_the_mirror_wrongly_deleted_and_exits_clean_only_when_clean() {
    let world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    world.connect("acme", &realm).await;
    assert!(world.run(&["sync"], &[]).status.success());
    let invoice = world.sim.admin().ground_truth(&realm).unwrap().kinds["Invoice"]
        .live
        .keys()
        .next()
        .unwrap()
        .clone();
    // What a signed Merge notice used to leave: a live invoice tombstoned
    // with a time in 2099.
    let mirror = world.mirror().await;
    let mut buried = SyncBatch::new(client("acme"), Rail::Qbo);
    buried.tombstones.push(Tombstone {
        kind: EntityKind::Invoice,
        external_id: invoice.parse().unwrap(),
        deleted_at: chrono::DateTime::parse_from_rfc3339("2099-01-01T00:00:00Z").unwrap(),
        merged_into: Some("406".parse().unwrap()),
    });
    mirror.apply(&buried).await.unwrap();

    let found = world.run(&["reconcile", "--full"], &[]);
    assert_eq!(found.status.code(), Some(6), "{}", text(&found));
    let repaired = world.run(&["reconcile", "--full", "--repair"], &[]);
    assert!(repaired.status.success(), "{}", text(&repaired));
    let again = world.run(&["reconcile", "--full"], &[]);
    assert!(again.status.success(), "the repair held:\n{}", text(&again));
}

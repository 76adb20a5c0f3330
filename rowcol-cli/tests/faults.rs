//! Faults below and beside the sync, through the `rowcol` binary: SQLite
//! locked by another process, PostgreSQL dropping every connection mid-sync,
//! and a source clock that jumps back. Pass: once the fault stops, `rowcol
//! reconcile --full` finds the mirror equal to the source (ids, versions,
//! counts, totals) and the audit chain is intact.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{World, text};
use rowcol_core::ClientId;
use rowcol_qbo_sim::Kind;
use sqlx::{AssertSqlSafe, Connection, Executor};

/// `rowcol reconcile --full` finds no drift and every audit chain holds.
fn assert_converged(world: &World) {
    let reconciled = world.run(&["reconcile", "--full"], &[]);
    assert!(reconciled.status.success(), "drift remains:\n{}", text(&reconciled));
    let audit = world.run(&["verify-audit"], &[]);
    assert!(audit.status.success(), "{}", text(&audit));
}

/// Changes a few bills at the source: one updated, one created, one deleted.
fn change_some_bills(world: &World, realm: &str) {
    let admin = world.sim.admin();
    let bills: Vec<u64> = admin.ground_truth(realm).unwrap().kinds["Bill"]
        .live
        .keys()
        .take(2)
        .map(|id| id.parse().unwrap())
        .collect();
    admin
        .update(
            realm,
            Kind::Bill,
            bills[0],
            &serde_json::json!({ "PrivateNote": "changed" }),
        )
        .unwrap();
    admin.delete(realm, Kind::Bill, bills[1]).unwrap();
    let vendor = admin.ground_truth(realm).unwrap().kinds["Vendor"]
        .live
        .keys()
        .next()
        .unwrap()
        .clone();
    admin
        .create(
            realm,
            Kind::Bill,
            serde_json::json!({
                "VendorRef": { "value": vendor },
                "TxnDate": admin.now().date_naive().to_string(),
                "TotalAmt": 120.55,
                "Balance": 120.55,
                "CurrencyRef": { "value": "USD" },
                "Line": [],
            }),
        )
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_by_another_process_delays_the_sync_and_it_converges() {
    let world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    world.connect("acme", &realm).await;
    assert!(world.run(&["sync"], &[]).status.success());
    change_some_bills(&world, &realm);

    // This process write-locks the mirror past SQLite's busy timeout (5 s)
    // while `rowcol sync` runs in its own.
    let path = world.dir.path().join("mirror.db");
    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    holder.execute("BEGIN EXCLUSIVE").await.unwrap();
    let sync = world
        .command(&["sync"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_secs(8)).await;
    holder.execute("ROLLBACK").await.unwrap();
    let released = chrono::Utc::now();
    let synced = tokio::task::spawn_blocking(move || sync.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        synced.status.success(),
        "the sync did not outlast the lock:\n{}",
        text(&synced)
    );

    // It waited for the lock instead of writing around it or giving up.
    let mirror = world.mirror().await;
    let runs = mirror.runs(&"acme".parse::<ClientId>().unwrap(), 1).await.unwrap();
    assert!(
        runs[0].finished_at.is_some_and(|t| t >= released),
        "the sync committed while the mirror was locked: {runs:?}"
    );
    assert_converged(&world);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_dropping_every_connection_mid_sync_loses_nothing() {
    let mut world = World::start(2).await;
    let server = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("rowcol_cli_faults_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&server)
        .await
        .expect("PostgreSQL at DATABASE_URL: the PostgreSQL tests never skip");
    admin
        .execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .await
        .unwrap();
    admin
        .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
    world.env.insert("ROWCOL_DATABASE_URL", format!("{base}/{name}"));

    let realms = world.sim.admin().realm_ids();
    for (client, realm) in ["acme", "globex"].iter().zip(&realms) {
        world.connect(client, realm).await;
    }
    // What a server restart looks like from the client: every connection
    // of the mirror's database cut, again and again, while the sync runs.
    let sync = world
        .command(&["sync"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let kill = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    );
    for _ in 0..15 {
        admin.execute(AssertSqlSafe(kill.clone())).await.unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = tokio::task::spawn_blocking(move || sync.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    // It may finish (retries) or give up; either way nothing half-done stays.
    assert!(matches!(first.status.code(), Some(0 | 4 | 6)), "{}", text(&first));
    let again = world.run(&["sync"], &[]);
    assert!(again.status.success(), "{}", text(&again));
    assert_converged(&world);

    admin
        .execute(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_clock_that_jumps_back_is_caught_by_reconcile() {
    let world = World::start(1).await;
    let admin = world.sim.admin();
    let realm = admin.realm_ids().remove(0);
    world.connect("acme", &realm).await;
    assert!(world.run(&["sync"], &[]).status.success());

    // The source's clock jumps two hours back: what changes now carries
    // update times older than the mirror's change cursor.
    admin.set_clock(admin.now() - chrono::Duration::hours(2));
    change_some_bills(&world, &realm);
    let synced = world.run(&["sync"], &[]);
    assert!(synced.status.success(), "{}", text(&synced));

    let repaired = world.run(&["reconcile", "--full", "--repair"], &[]);
    assert!(repaired.status.success(), "{}", text(&repaired));

    // The drift found and repaired is in health, for people and for tools
    // (before the check below records a clean one).
    let health = world.run(&["health", "--json"], &[]);
    let health: serde_json::Value = serde_json::from_slice(&health.stdout).unwrap();
    let last = &health["clients"][0]["last_reconcile"];
    assert_eq!(last["status"], "succeeded", "{health}");
    // A changed bill, a deleted one and a new one: three records repaired,
    // plus the bill totals that moved (drift, but not repairable by id).
    assert_eq!(
        (last["drift"].as_u64(), last["repaired"].as_u64()),
        (Some(4), Some(3)),
        "{health}"
    );
    assert_converged(&world);
}

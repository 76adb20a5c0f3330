//! Issue 6's first "done when", against the QBO look-alike over real HTTP and
//! a SQLite mirror file: 100 clients reach "mirror equals source" (ids,
//! versions, counts, money totals) after the first sync and after every
//! later cycle with random creates, updates, deletes and voids; a quiet cycle
//! makes exactly one API call per realm; webhooks, delivered by the
//! look-alike to the real webhook route, reach the mirror through the queue
//! and the worker without any schedule, and their duplicates and reordering
//! write nothing extra.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod sim_portfolio;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rowcol_core::Connection;
use rowcol_core::sync::SyncTrigger;
use rowcol_qbo_sim::{Kind, Size, WebhookConfig, WebhookFormat};
use rowcol_sync::SyncEngine;
use rowcol_sync::engine::SyncOutcome;
use rowcol_sync::reconcile::ReconcileMode;
use serde_json::json;

use sim_portfolio::{Lookalike, assert_equals_source};

const CLIENTS: usize = 100;
const CONCURRENCY: usize = 16;

async fn sync_all(engine: &SyncEngine, connections: &[Connection]) -> BTreeMap<String, u32> {
    let results = engine
        .sync_all(connections, SyncTrigger::Schedule, CONCURRENCY, |_, _| {})
        .await;
    results
        .into_iter()
        .map(|(c, r)| {
            let report = r.unwrap_or_else(|e| panic!("{}: {e}", c.client));
            assert_eq!(report.outcome, SyncOutcome::Synced, "{}", c.client);
            (c.realm.as_str().to_owned(), report.counts.api_calls)
        })
        .collect()
}

async fn assert_all_equal(l: &Lookalike, engine: &SyncEngine) {
    for connection in &l.connections {
        assert_equals_source(l, engine, connection).await;
    }
}

/// The numeric id of the first live record of `kind` in `realm`.
fn some_id(l: &Lookalike, realm: &str, kind: Kind, skip: usize) -> Option<u64> {
    let truth = l.admin.ground_truth(realm).unwrap();
    truth.kinds.get(kind.name())?.live.keys().nth(skip)?.parse().ok()
}

/// Random changes in about a third of the realms: bursts of realistic
/// changes, plus an explicit update, void and delete.
fn change_randomly(l: &Lookalike, rng: &mut StdRng) -> usize {
    let mut changed = 0;
    for realm in l.admin.realm_ids() {
        if !rng.random_bool(0.3) {
            continue;
        }
        changed += 1;
        l.admin.burst(&realm, rng.random_range(1..=4)).unwrap();
        match rng.random_range(0..3) {
            0 => {
                if let Some(id) = some_id(l, &realm, Kind::Vendor, rng.random_range(0..3)) {
                    l.admin
                        .update(
                            &realm,
                            Kind::Vendor,
                            id,
                            &json!({ "CompanyName": format!("Renamed {id}") }),
                        )
                        .unwrap();
                }
            }
            1 => {
                if let Some(id) = some_id(l, &realm, Kind::Invoice, rng.random_range(0..5)) {
                    l.admin.void(&realm, Kind::Invoice, id).unwrap();
                }
            }
            _ => {
                if let Some(id) = some_id(l, &realm, Kind::Purchase, rng.random_range(0..5)) {
                    l.admin.delete(&realm, Kind::Purchase, id).unwrap();
                }
            }
        }
    }
    changed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_clients_stay_equal_to_the_source_through_cycles_and_webhooks() {
    let started = Instant::now();
    let l = sim_portfolio::start(CLIENTS, Size::Small).await;
    let (_, engine) = sim_portfolio::engine(
        l.mirror.clone(),
        &l.sim.base_url(),
        "lookalike-test",
        Duration::from_secs(30),
        1000,
    );

    // First sync.
    let calls = sync_all(&engine, &l.connections).await;
    assert_eq!(calls.len(), CLIENTS);
    assert_all_equal(&l, &engine).await;
    // The cheap check counts every kind with one batch of SELECT COUNT(*).
    for c in &l.connections {
        let report = engine.reconcile(c, ReconcileMode::Cheap).await.unwrap();
        assert!(report.is_clean(), "{}: {:?}", c.client, report.drift);
        assert_eq!(report.api_calls, 1, "{}", c.client);
    }

    // Cycles with random changes in between.
    let mut rng = StdRng::seed_from_u64(6);
    for cycle in 0..3 {
        let changed = change_randomly(&l, &mut rng);
        assert!(changed > 10, "cycle {cycle} changed only {changed} realms");
        sync_all(&engine, &l.connections).await;
        assert_all_equal(&l, &engine).await;
    }

    // A quiet cycle: one API call per realm, by the engine's count and the look-alike's.
    l.admin.reset_counters();
    let calls = sync_all(&engine, &l.connections).await;
    assert!(calls.values().all(|c| *c == 1), "{calls:?}");
    let counters = l.admin.counters();
    for realm in l.admin.realm_ids() {
        assert_eq!(counters.get(&realm).map(|c| c.requests), Some(1), "realm {realm}");
    }

    webhooks_reach_the_mirror_without_the_schedule(&l, engine).await;
    eprintln!("look-alike test took {:?}", started.elapsed());
}

/// The look-alike posts signed webhooks (duplicated, reordered) to the real
/// route; a worker with no schedule ticks syncs what they name.
async fn webhooks_reach_the_mirror_without_the_schedule(l: &Lookalike, engine: Arc<SyncEngine>) {
    let path = sim_portfolio::webhook_path(
        l,
        engine.clone(),
        Duration::from_millis(100),
        WebhookConfig {
            format: WebhookFormat::CloudEvents,
            batch_window: Duration::from_millis(100),
            duplicate_rate: 0.5,
            reorder: true,
            ..WebhookConfig::default()
        },
    )
    .await;

    let targets: Vec<&Connection> = l.connections.iter().step_by(10).collect();
    let mut audit_before = BTreeMap::new();
    for c in &targets {
        let entries = l.mirror.audit_entries(&c.client, 0, u32::MAX).await.unwrap().len();
        audit_before.insert(c.client.clone(), entries);
    }
    let mut expected = Vec::new();
    for c in &targets {
        let realm = c.realm.as_str();
        for skip in 0..2 {
            let id = some_id(l, realm, Kind::Bill, skip).unwrap();
            let updated = l
                .admin
                .update(
                    realm,
                    Kind::Bill,
                    id,
                    &json!({ "PrivateNote": format!("webhook {skip}") }),
                )
                .unwrap();
            expected.push((c, id.to_string(), updated["SyncToken"].as_str().unwrap().to_owned()));
        }
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    for (c, id, version) in &expected {
        loop {
            let live = l
                .mirror
                .live_versions(&c.client, rowcol_core::Rail::Qbo, rowcol_core::EntityKind::Bill)
                .await
                .unwrap();
            if live.iter().any(|(i, v)| i.as_str() == id && v.as_str() == version) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{} bill {id} never reached the mirror",
                c.client
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    // Let every delivery (duplicates, retries) and every job finish.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stats = l.admin.webhook_stats();
        if path.idle().await && stats.delivered + stats.failed == stats.deliveries {
            assert_eq!(stats.failed, 0, "{stats:?}");
            assert!(
                stats.events > expected.len() as u64,
                "some events were sent twice: {stats:?}"
            );
            break;
        }
        assert!(Instant::now() < deadline, "webhooks did not settle: {stats:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for c in &targets {
        let entries = l.mirror.audit_entries(&c.client, 0, u32::MAX).await.unwrap().len();
        assert_eq!(
            entries - audit_before[&c.client],
            2,
            "{}: exactly the two updated bills were audited",
            c.client
        );
        let runs = l.mirror.runs(&c.client, 1).await.unwrap();
        assert_eq!(runs[0].trigger, SyncTrigger::Webhook, "{}", c.client);
        assert_equals_source(l, &engine, c).await;
    }
    path.stop().await;
}

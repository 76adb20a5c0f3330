//! The sync engine against a real mirror (SQLite, through the port) and the
//! in-memory rail: first sync, quiet and busy incremental cycles, deletions,
//! re-sync past the change window, crash resume, re-auth, leases and merges.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use rowcol_core::engine::SyncOutcome;
use rowcol_core::entity::EntityKind;
use rowcol_core::fixtures::{self, MemoryRail, synthetic};
use rowcol_core::sync::{
    AuditAction, ChangeNotice, NoticeOperation, RunStatus, SourceRecord, SyncPosition, SyncTrigger,
};
use rowcol_core::{
    Advisor, AdvisorId, Client, Clock, Connection, ConnectionStatus, Currency, LeaseStore, ManualClock, Rail,
    RailErrorKind, RealmId, StandardPolicy, SyncEngine, VersionToken,
};
use rowcol_mirror::{CredentialKey, Mirror, SqliteMirror};

struct World {
    _dir: tempfile::TempDir,
    mirror: Arc<dyn Mirror>,
    rail: Arc<MemoryRail>,
    clock: Arc<ManualClock>,
    engine: SyncEngine,
    connections: Vec<Connection>,
}

fn realm(i: usize) -> RealmId {
    fixtures::id(&format!("{}", 9_130_000 + i))
}

/// `clients` typical clients in the rail and registered in a fresh mirror.
async fn world(clients: usize, page_size: usize) -> World {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirror.db").display().to_string();
    let mirror: Arc<dyn Mirror> = Arc::new(SqliteMirror::open(&path, CredentialKey::generate()).await.unwrap());
    let clock = Arc::new(ManualClock::new("2026-11-23T10:00:00Z".parse().unwrap()));
    let rail = Arc::new(MemoryRail::new(clock.clone()).with_page_size(page_size));
    let advisor: AdvisorId = fixtures::id("jane");
    mirror
        .upsert_advisor(&Advisor {
            id: advisor.clone(),
            name: "Jane".into(),
        })
        .await
        .unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut connections = Vec::new();
    for i in 0..clients {
        let snapshot = synthetic::typical_client(i, as_of, Utc::now());
        for record in synthetic::records(&snapshot) {
            rail.put(&realm(i), record);
        }
        let connection = Connection {
            client: snapshot.client.clone(),
            rail: Rail::Qbo,
            realm: realm(i),
            status: ConnectionStatus::Active,
        };
        mirror
            .upsert_client(&Client {
                id: snapshot.client.clone(),
                advisor: advisor.clone(),
                name: snapshot.name.clone(),
                home_currency: Currency::USD,
                connections: vec![connection.clone()],
            })
            .await
            .unwrap();
        connections.push(connection);
    }
    // The books were written an hour before the first sync.
    clock.advance(Duration::hours(1));
    let engine = SyncEngine::new(mirror.clone(), Arc::new(StandardPolicy::default()))
        .with_rail(rail.clone())
        .with_clock(clock.clone());
    World {
        _dir: dir,
        mirror,
        rail,
        clock,
        engine,
        connections,
    }
}

/// Mirror equals source: the same live ids and versions for every kind.
async fn assert_mirror_equals_source(w: &World, connection: &Connection) {
    let mut source: BTreeMap<EntityKind, Vec<(String, String)>> = BTreeMap::new();
    for (kind, id, version) in w.rail.live(&connection.realm) {
        source
            .entry(kind)
            .or_default()
            .push((id.as_str().into(), version.as_str().into()));
    }
    for kind in EntityKind::ALL {
        let mirrored: Vec<(String, String)> = w
            .mirror
            .live_versions(&connection.client, Rail::Qbo, kind)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, v)| (id.as_str().into(), v.as_str().into()))
            .collect();
        let mut expected = source.remove(&kind).unwrap_or_default();
        expected.sort();
        assert_eq!(
            mirrored, expected,
            "{} {kind}: mirror differs from source",
            connection.client
        );
    }
}

fn changed_bill(w: &World, connection: &Connection, version: &str) -> SourceRecord {
    let (_, id, _) = w
        .rail
        .live(&connection.realm)
        .into_iter()
        .find(|(kind, _, _)| *kind == EntityKind::Bill)
        .unwrap();
    let mut record = w.rail.get(&connection.realm, EntityKind::Bill, &id).unwrap();
    record.entity.meta_mut().version = VersionToken::new(version);
    record.entity.meta_mut().updated_at = w.clock.now().fixed_offset();
    record
}

#[tokio::test]
async fn first_sync_pages_every_kind_and_the_mirror_equals_the_source() {
    let w = world(3, 50).await;
    for connection in &w.connections {
        let report = w
            .engine
            .sync_connection(connection, SyncTrigger::OnDemand, &[])
            .await
            .unwrap();
        assert_eq!(report.outcome, SyncOutcome::Synced);
        let live = w.rail.live(&connection.realm).len() as u32;
        assert_eq!(report.counts.fetched, live);
        assert_eq!(report.counts.applied, live);
        assert!(report.counts.api_calls > 1, "several rounds of pages of 50");
        assert_mirror_equals_source(&w, connection).await;
        let checkpoint = w
            .mirror
            .checkpoint(&connection.client, Rail::Qbo)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(checkpoint.position, SyncPosition::Incremental { .. }));
        let runs = w.mirror.runs(&connection.client, 5).await.unwrap();
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].status, RunStatus::Succeeded);
        assert_eq!(runs[0].counts, report.counts);
    }
}

#[tokio::test]
async fn a_quiet_cycle_costs_one_call_and_changes_nothing() {
    let w = world(1, 1000).await;
    let c = &w.connections[0];
    w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    w.clock.advance(Duration::minutes(15));
    let mut events = w.engine.subscribe();
    let calls = w.rail.calls();
    let report = w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    assert_eq!(w.rail.calls() - calls, 1);
    assert_eq!(report.counts.api_calls, 1);
    assert_eq!(report.counts.applied, 0);
    assert!(report.changed.is_empty());
    assert!(events.try_recv().is_err(), "no change, no event");
}

#[tokio::test]
async fn changes_and_deletes_reach_the_mirror_and_are_announced() {
    let w = world(1, 1000).await;
    let c = &w.connections[0];
    w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    let mut events = w.engine.subscribe();

    w.clock.advance(Duration::minutes(5));
    let bill = changed_bill(&w, c, "7");
    let bill_id = bill.entity.meta().external_id.clone();
    w.rail.put(&c.realm, bill);
    let (_, invoice, _) = w
        .rail
        .live(&c.realm)
        .into_iter()
        .find(|(k, _, _)| *k == EntityKind::Invoice)
        .unwrap();
    w.rail.delete(&c.realm, EntityKind::Invoice, &invoice);
    w.clock.advance(Duration::minutes(10));

    let report = w.engine.sync_connection(c, SyncTrigger::Webhook, &[]).await.unwrap();
    assert_eq!(report.counts.applied, 1);
    assert_eq!(report.counts.deleted, 1);
    assert_mirror_equals_source(&w, c).await;
    let event = events.try_recv().unwrap();
    assert_eq!(event.client, c.client);
    assert!(event.ids.contains(&(EntityKind::Bill, bill_id)));
    assert!(event.ids.contains(&(EntityKind::Invoice, invoice)));
}

#[tokio::test]
async fn past_the_change_window_a_full_resync_finds_deletions_by_difference() {
    let w = world(1, 40).await;
    let c = &w.connections[0];
    w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    let (_, vendor, _) = w
        .rail
        .live(&c.realm)
        .into_iter()
        .find(|(k, _, _)| *k == EntityKind::Vendor)
        .unwrap();
    w.rail.delete(&c.realm, EntityKind::Vendor, &vendor);
    w.clock.advance(Duration::days(31));

    let report = w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    assert_eq!(
        report.runs.len(),
        2,
        "an incremental run refused, then a full one: {:?}",
        report.runs
    );
    assert_eq!(report.counts.deleted, 1);
    assert_mirror_equals_source(&w, c).await;
    let runs = w.mirror.runs(&c.client, 5).await.unwrap();
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    assert_eq!(runs[1].status, RunStatus::Failed);
}

#[tokio::test]
async fn a_full_sync_cut_off_midway_resumes_and_converges() {
    let w = world(1, 30).await;
    let c = &w.connections[0];
    // Let two rounds of pages land, then fail the third call.
    w.rail.fail_next_after(2, RailErrorKind::Transient);
    let error = w
        .engine
        .sync_connection(c, SyncTrigger::Schedule, &[])
        .await
        .unwrap_err();
    assert!(error.retryable());
    let checkpoint = w.mirror.checkpoint(&c.client, Rail::Qbo).await.unwrap().unwrap();
    assert!(
        matches!(checkpoint.position, SyncPosition::FullSync { .. }),
        "{checkpoint:?}"
    );
    assert_eq!(w.mirror.runs(&c.client, 1).await.unwrap()[0].status, RunStatus::Failed);

    let report = w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    assert_eq!(report.outcome, SyncOutcome::Synced);
    assert_mirror_equals_source(&w, c).await;
    assert!(w.mirror.verify_audit(&c.client).await.unwrap().is_intact());
}

#[tokio::test]
async fn needs_reauth_marks_the_connection_and_later_syncs_call_nothing() {
    let w = world(1, 1000).await;
    let c = &w.connections[0];
    w.rail.fail_next(RailErrorKind::NeedsReauth);
    let error = w
        .engine
        .sync_connection(c, SyncTrigger::Schedule, &[])
        .await
        .unwrap_err();
    assert!(!error.retryable());
    let stored = w.mirror.connections().await.unwrap();
    assert_eq!(stored[0].status, ConnectionStatus::NeedsReauth);

    let calls = w.rail.calls();
    let report = w
        .engine
        .sync_connection(&stored[0], SyncTrigger::Schedule, &[])
        .await
        .unwrap();
    assert_eq!(report.outcome, SyncOutcome::NotActive(ConnectionStatus::NeedsReauth));
    assert_eq!(w.rail.calls(), calls);
}

#[tokio::test]
async fn a_realm_leased_by_another_worker_is_skipped_without_calls() {
    let w = world(1, 1000).await;
    let c = &w.connections[0];
    let leases: Arc<dyn LeaseStore> = w.mirror.clone();
    let engine = SyncEngine::new(w.mirror.clone(), Arc::new(StandardPolicy::default()))
        .with_rail(w.rail.clone())
        .with_leases(leases.clone(), "worker-a");
    assert!(
        leases
            .try_acquire(
                &format!("sync:{}:qbo", c.client),
                "worker-b",
                std::time::Duration::from_secs(60)
            )
            .await
            .unwrap()
    );
    let report = engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    assert_eq!(report.outcome, SyncOutcome::Busy);
    assert_eq!(w.rail.calls(), 0);

    leases
        .release(&format!("sync:{}:qbo", c.client), "worker-b")
        .await
        .unwrap();
    let report = engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    assert_eq!(report.outcome, SyncOutcome::Synced);
    assert!(
        leases
            .try_acquire(
                &format!("sync:{}:qbo", c.client),
                "worker-b",
                std::time::Duration::from_secs(60)
            )
            .await
            .unwrap(),
        "the engine released its lease"
    );
}

#[tokio::test]
async fn a_merge_notice_tombstones_the_loser_and_names_the_survivor() {
    let w = world(1, 1000).await;
    let c = &w.connections[0];
    w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    let vendors: Vec<_> = w
        .rail
        .live(&c.realm)
        .into_iter()
        .filter(|(k, _, _)| *k == EntityKind::Vendor)
        .collect();
    let (survivor, loser) = (vendors[0].1.clone(), vendors[1].1.clone());
    w.rail.delete(&c.realm, EntityKind::Vendor, &loser);
    let notice = ChangeNotice {
        rail: Rail::Qbo,
        realm: c.realm.clone(),
        kind: Some(EntityKind::Vendor),
        id: survivor.clone(),
        operation: NoticeOperation::Merge,
        merged_from: Some(loser.clone()),
        occurred_at: w.clock.now().fixed_offset(),
        dedup_key: "merge-1".into(),
    };
    w.clock.advance(Duration::minutes(1));
    let report = w
        .engine
        .sync_connection(c, SyncTrigger::Webhook, &[notice])
        .await
        .unwrap();
    assert_eq!(report.counts.deleted, 1);
    assert_mirror_equals_source(&w, c).await;
    let audit = w.mirror.audit_entries(&c.client, 0, 10_000).await.unwrap();
    let last = audit.iter().rev().find(|e| e.external_id == loser).unwrap();
    assert_eq!(last.action, AuditAction::Delete);
    assert!(
        audit
            .iter()
            .all(|e| e.external_id != survivor || e.action != AuditAction::Delete)
    );
}

#[tokio::test]
async fn sync_all_syncs_every_connection_and_reports_each_and_the_portfolio_loads() {
    let w = world(4, 200).await;
    let heard = std::sync::atomic::AtomicUsize::new(0);
    let results = w
        .engine
        .sync_all(&w.connections, SyncTrigger::OnDemand, 2, |_, result| {
            assert!(result.is_ok());
            heard.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .await;
    assert_eq!(results.len(), 4);
    assert_eq!(heard.into_inner(), 4);
    for connection in &w.connections {
        assert_mirror_equals_source(&w, connection).await;
    }
    let request = rowcol_core::SnapshotRequest::as_of(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    let snapshots = rowcol_core::portfolio::load_snapshots(w.mirror.as_ref(), &fixtures::id("jane"), request)
        .await
        .unwrap();
    let ids: Vec<_> = snapshots.iter().map(|s| s.client.clone()).collect();
    let expected: Vec<_> = w.connections.iter().map(|c| c.client.clone()).collect();
    assert_eq!(ids, expected, "one snapshot per client, in portfolio order");
    assert!(snapshots.iter().all(|s| !s.bills.is_empty()));
}

#[tokio::test]
async fn replay_lands_dead_letters_whose_record_now_reads_and_keeps_the_rest() {
    let w = world(1, 1000).await;
    let c = &w.connections[0];
    w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    let (_, bill, _) = w
        .rail
        .live(&c.realm)
        .into_iter()
        .find(|(k, _, _)| *k == EntityKind::Bill)
        .unwrap();
    let mut batch = rowcol_core::sync::SyncBatch::new(c.client.clone(), Rail::Qbo);
    for (id, reason) in [(Some(bill.clone()), "bad date"), (None, "no id at all")] {
        batch.rejects.push(rowcol_core::sync::Rejected {
            kind: EntityKind::Bill,
            external_id: id,
            raw: "{\"TxnDate\":\"not a date\"}".into(),
            reason: reason.into(),
        });
    }
    w.mirror.apply(&batch).await.unwrap();
    assert_eq!(w.mirror.dead_letters(&c.client).await.unwrap().len(), 2);

    let report = w.engine.replay_dead_letters(c).await.unwrap();
    assert_eq!((report.resolved, report.kept), (1, 1));
    let left = w.mirror.dead_letters(&c.client).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].rejected.reason, "no id at all");
    assert_mirror_equals_source(&w, c).await;
}

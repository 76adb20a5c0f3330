//! The sync engine against a real mirror (SQLite, through the port) and the
//! in-memory rail: first sync, quiet and busy incremental cycles, deletions,
//! re-sync past the change window, crash resume, re-auth, leases and merges.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use rand::SeedableRng;
use rowcol_core::entity::EntityKind;
use rowcol_core::ports::{ChangeSet, LiveBalance, Page, PageRequest};
use rowcol_core::sync::{
    AuditAction, ChangeNotice, NoticeOperation, RunStatus, SourceRecord, SyncMode, SyncPosition, SyncTrigger,
};
use rowcol_core::{
    Clock, Connection, ConnectionStatus, ExternalId, LeaseStore, LedgerRail, Rail, RailErrorKind, StandardPolicy,
    VersionToken,
};
use rowcol_sync::SyncEngine;
use rowcol_sync::engine::SyncOutcome;
use rowcol_testkit::MemoryRail;
use rowcol_testkit::fixtures::{self};
use support::{World, assert_mirror_equals_source, world};

/// Takes `c`'s realm lease for `holder` for a minute, as another worker
/// would; true when it was free.
async fn take_realm(w: &World, c: &Connection, holder: &str) -> bool {
    let leases: Arc<dyn LeaseStore> = w.mirror.clone();
    leases
        .try_acquire(
            &format!("sync:{}:qbo", c.client),
            holder,
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap()
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
async fn a_resumed_full_sync_also_brings_what_changed_since_it_began() {
    let w = world(1, 30).await;
    let c = &w.connections[0];
    // The first round of pages lands (every kind of at most 30 rows is
    // listed in full), then the process "dies".
    w.rail.fail_next_after(1, RailErrorKind::Transient);
    w.engine
        .sync_connection(c, SyncTrigger::Schedule, &[])
        .await
        .unwrap_err();
    let checkpoint = w.mirror.checkpoint(&c.client, Rail::Qbo).await.unwrap().unwrap();
    let SyncPosition::FullSync { pending, .. } = checkpoint.position else {
        panic!("not inside a full sync: {checkpoint:?}");
    };
    // While no worker runs, a record of a kind already listed changes.
    w.clock.advance(Duration::minutes(10));
    let (kind, id, _) = w
        .rail
        .live(&c.realm)
        .into_iter()
        .find(|(kind, _, _)| !pending.contains_key(kind))
        .unwrap();
    let mut record = w.rail.get(&c.realm, kind, &id).unwrap();
    record.entity.meta_mut().version = VersionToken::new("changed-after-the-crash");
    record.entity.meta_mut().updated_at = w.clock.now().fixed_offset();
    w.rail.put(&c.realm, record);

    // One sync: the resumed full sync, then the change feed from its start.
    let report = w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    assert_eq!(report.outcome, SyncOutcome::Synced);
    assert_mirror_equals_source(&w, c).await;
    let modes: Vec<SyncMode> = report.runs.iter().map(|(_, mode)| *mode).collect();
    assert_eq!(modes, [SyncMode::Full, SyncMode::Incremental]);
    let checkpoint = w.mirror.checkpoint(&c.client, Rail::Qbo).await.unwrap().unwrap();
    assert!(
        matches!(checkpoint.position, SyncPosition::Incremental { .. }),
        "{checkpoint:?}"
    );
    // A fresh full sync needs no such cycle: it began in this call.
    let fresh = world(1, 30).await;
    let report = fresh
        .engine
        .sync_connection(&fresh.connections[0], SyncTrigger::Schedule, &[])
        .await
        .unwrap();
    let modes: Vec<SyncMode> = report.runs.iter().map(|(_, mode)| *mode).collect();
    assert_eq!(modes, [SyncMode::Full]);
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
    assert!(take_realm(&w, c, "worker-b").await);
    let report = engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    assert_eq!(report.outcome, SyncOutcome::Busy);
    assert_eq!(w.rail.calls(), 0);

    leases
        .release(&format!("sync:{}:qbo", c.client), "worker-b")
        .await
        .unwrap();
    let report = engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    assert_eq!(report.outcome, SyncOutcome::Synced);
    assert!(take_realm(&w, c, "worker-b").await, "the engine released its lease");
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
    let snapshots = rowcol_sync::portfolio::load_snapshots(&w.mirror, &fixtures::id("jane"), request)
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

#[tokio::test]
async fn two_syncs_of_one_realm_in_one_process_never_overlap() {
    let w = world(1, 20).await;
    let c = &w.connections[0];
    let engine = SyncEngine::new(w.mirror.clone(), Arc::new(StandardPolicy::default()))
        .with_rail(w.rail.clone())
        .with_leases(w.mirror.clone(), "one-process");
    let (a, b) = tokio::join!(
        engine.sync_connection(c, SyncTrigger::Schedule, &[]),
        engine.sync_connection(c, SyncTrigger::Webhook, &[]),
    );
    let mut outcomes = vec![a.unwrap().outcome, b.unwrap().outcome];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(
        outcomes,
        vec![SyncOutcome::Busy, SyncOutcome::Synced],
        "one attempt synced, the other found the realm busy"
    );
    assert_mirror_equals_source(&w, c).await;
    // Both attempts gave the lease back: a third sync runs.
    let report = engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    assert_eq!(report.outcome, SyncOutcome::Synced);
}

/// A rail whose full listings stall for a while: a long sync.
struct SlowRail {
    inner: Arc<MemoryRail>,
    stall: std::time::Duration,
}

#[async_trait::async_trait]
impl LedgerRail for SlowRail {
    fn rail(&self) -> Rail {
        self.inner.rail()
    }
    async fn list_pages(&self, connection: &Connection, requests: &[PageRequest]) -> rowcol_core::Result<Vec<Page>> {
        tokio::time::sleep(self.stall).await;
        self.inner.list_pages(connection, requests).await
    }
    async fn changes_since(
        &self,
        connection: &Connection,
        since: &rowcol_core::ChangeCursor,
        kinds: &[EntityKind],
    ) -> rowcol_core::Result<ChangeSet> {
        self.inner.changes_since(connection, since, kinds).await
    }
    async fn fetch_one(
        &self,
        connection: &Connection,
        kind: EntityKind,
        id: &ExternalId,
    ) -> rowcol_core::Result<Option<SourceRecord>> {
        self.inner.fetch_one(connection, kind, id).await
    }
    async fn live_balances(&self, connection: &Connection) -> rowcol_core::Result<Vec<LiveBalance>> {
        self.inner.live_balances(connection).await
    }
}

#[tokio::test]
async fn a_short_lease_is_renewed_while_a_long_rail_call_runs() {
    let w = world(1, 1000).await;
    let c = w.connections[0].clone();
    let ttl = std::time::Duration::from_millis(600);
    let engine = SyncEngine::new(w.mirror.clone(), Arc::new(StandardPolicy::default()))
        .with_rail(Arc::new(SlowRail {
            inner: w.rail.clone(),
            stall: ttl * 3,
        }))
        .with_leases(w.mirror.clone(), "worker-a")
        .with_lease_ttl(ttl);
    let sync = tokio::spawn(async move { engine.sync_connection(&c, SyncTrigger::Schedule, &[]).await });
    // Well past the lease's life, inside the stalled call: still held.
    tokio::time::sleep(ttl * 2).await;
    let leases: Arc<dyn LeaseStore> = w.mirror.clone();
    let name = format!("sync:{}:qbo", w.connections[0].client);
    assert!(
        !leases.try_acquire(&name, "worker-b", ttl).await.unwrap(),
        "the heartbeat kept the lease past its time-to-live"
    );
    let report = sync.await.unwrap().unwrap();
    assert_eq!(report.outcome, SyncOutcome::Synced);
    assert!(
        leases.try_acquire(&name, "worker-b", ttl).await.unwrap(),
        "released at the end"
    );
}

#[tokio::test]
async fn a_merge_notice_alone_deletes_nothing_and_its_time_is_never_a_records() {
    let w = world(1, 1000).await;
    let c = &w.connections[0];
    w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    let invoices: Vec<_> = w
        .rail
        .live(&c.realm)
        .into_iter()
        .filter(|(k, _, _)| *k == EntityKind::Invoice)
        .collect();
    let (survivor, live) = (invoices[0].1.clone(), invoices[1].1.clone());
    // Signed by whoever holds the verifier token: a merge of a record that
    // is live at the source, stamped far in the future.
    let forged = ChangeNotice {
        rail: Rail::Qbo,
        realm: c.realm.clone(),
        kind: Some(EntityKind::Invoice),
        id: survivor.clone(),
        operation: NoticeOperation::Merge,
        merged_from: Some(live.clone()),
        occurred_at: fixtures::time("2099-01-01T00:00:00Z"),
        dedup_key: "forged-merge".into(),
    };
    w.clock.advance(Duration::minutes(1));
    let report = w
        .engine
        .sync_connection(c, SyncTrigger::Webhook, std::slice::from_ref(&forged))
        .await
        .unwrap();
    assert_eq!(report.counts.deleted, 0, "the source did not confirm the merge");
    assert_mirror_equals_source(&w, c).await;

    // The next edit at the source lands as any edit does.
    w.clock.advance(Duration::minutes(1));
    let mut record = w.rail.get(&c.realm, EntityKind::Invoice, &live).unwrap();
    record.entity.meta_mut().version = VersionToken::new("41");
    record.entity.meta_mut().updated_at = w.clock.now().fixed_offset();
    w.rail.put(&c.realm, record);
    w.clock.advance(Duration::minutes(1));
    let report = w
        .engine
        .sync_connection(c, SyncTrigger::Webhook, &[forged])
        .await
        .unwrap();
    assert_eq!(report.counts.applied, 1);
    assert_mirror_equals_source(&w, c).await;
}

#[tokio::test]
async fn a_failing_realm_spends_one_retry_budget_and_its_calls_are_recorded() {
    let w = world(1, 1000).await;
    let c = &w.connections[0];
    w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    w.clock.advance(Duration::minutes(15));
    let before = w.rail.calls();
    w.rail.fail_next(RailErrorKind::Transient);
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let error = w
        .engine
        .sync_with_retries(c, SyncTrigger::Schedule, &[], &mut rng)
        .await
        .unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::Transient));
    assert_eq!(
        w.rail.calls() - before,
        1,
        "a rail error has had the rail's retries: the engine does not retry it again"
    );
    let runs = w.mirror.runs(&c.client, 1).await.unwrap();
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert_eq!(
        runs[0].counts.api_calls, 1,
        "a failed run's calls count against the budget"
    );
}

#[tokio::test]
async fn a_stalled_realm_ends_failed_at_its_deadline_and_frees_the_realm() {
    let w = world(1, 1000).await;
    let c = w.connections[0].clone();
    let policy = StandardPolicy {
        run_deadline: std::time::Duration::from_millis(300),
        ..StandardPolicy::default()
    };
    let engine = SyncEngine::new(w.mirror.clone(), Arc::new(policy))
        .with_rail(Arc::new(SlowRail {
            inner: w.rail.clone(),
            stall: std::time::Duration::from_secs(30),
        }))
        .with_leases(w.mirror.clone(), "worker-a");
    let started = std::time::Instant::now();
    let error = engine
        .sync_connection(&c, SyncTrigger::Schedule, &[])
        .await
        .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::Timeout));
    assert!(error.retryable());
    let runs = w.mirror.runs(&c.client, 1).await.unwrap();
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert!(runs[0].error.as_deref().unwrap_or_default().contains("deadline"));
    assert!(take_realm(&w, &c, "worker-b").await, "the realm is free again");
}

#[tokio::test]
async fn a_busy_realm_names_its_holder_and_when_the_lease_ends() {
    let w = world(1, 1000).await;
    let c = &w.connections[0];
    let engine = SyncEngine::new(w.mirror.clone(), Arc::new(StandardPolicy::default()))
        .with_rail(w.rail.clone())
        .with_leases(w.mirror.clone(), "worker-a");
    assert!(take_realm(&w, c, "serve-4242#7").await);
    let report = engine.sync_connection(c, SyncTrigger::OnDemand, &[]).await.unwrap();
    assert_eq!(report.outcome, SyncOutcome::Busy);
    let held = report.held_by.unwrap();
    assert_eq!(held.holder, "serve-4242#7");
    assert!(held.expires_at > w.clock.now());
}

//! Reconciliation against a real mirror (SQLite) and the in-memory rail:
//! a synced mirror is clean in both modes; changes the change feed never
//! announced are found (cheap mode where counts move, full mode always, with
//! totals) and repaired through the audited apply path.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod support;

use std::sync::Arc;

use rowcol_core::entity::{Entity, EntityKind};
use rowcol_core::sync::{RunStatus, SourceRecord, SyncBatch, SyncTrigger, Tombstone};
use rowcol_core::{
    Clock, Connection, ConnectionStatus, ExternalId, LeaseStore, Money, RailErrorKind, ReconcileHealth, StandardPolicy,
    StoreErrorKind, VersionToken,
};
use rowcol_sync::SyncEngine;
use rowcol_sync::reconcile::{Drift, ReconcileMode};
use rust_decimal_macros::dec;
use support::{World, advisor, assert_mirror_equals_source, world};

fn full_with_totals() -> ReconcileMode {
    ReconcileMode::Full {
        totals_as: Some(advisor()),
    }
}

async fn synced(clients: usize) -> World {
    let w = world(clients, 40).await;
    for c in &w.connections {
        w.engine.sync_connection(c, SyncTrigger::OnDemand, &[]).await.unwrap();
    }
    w
}

fn first(w: &World, c: &Connection, kind: EntityKind) -> SourceRecord {
    let (_, id, _) = w.rail.live(&c.realm).into_iter().find(|(k, _, _)| *k == kind).unwrap();
    w.rail.get(&c.realm, kind, &id).unwrap()
}

/// Three changes the change feed never hears of: a new bill, an invoice at
/// a new version and amount, a vendor gone.
fn drift_silently(w: &World, c: &Connection) -> (ExternalId, ExternalId, ExternalId) {
    let mut bill = first(w, c, EntityKind::Bill);
    let new_id: ExternalId = "990001".parse().unwrap();
    bill.entity.meta_mut().external_id = new_id.clone();
    w.rail.put_unannounced(&c.realm, bill);

    let mut invoice = first(w, c, EntityKind::Invoice);
    let invoice_id = invoice.entity.meta().external_id.clone();
    invoice.entity.meta_mut().version = VersionToken::new("77");
    invoice.entity.meta_mut().updated_at = w.clock.now().fixed_offset();
    if let Entity::Invoice(i) = &mut invoice.entity {
        i.txn.total = Money::new(i.txn.total.amount() + dec!(10), i.txn.total.currency());
    }
    w.rail.put_unannounced(&c.realm, invoice);

    let vendor = first(w, c, EntityKind::Vendor).entity.meta().external_id.clone();
    w.rail.purge(&c.realm, EntityKind::Vendor, &vendor);
    (new_id, invoice_id, vendor)
}

#[tokio::test]
async fn a_synced_mirror_is_clean_and_cheap_mode_costs_one_call() {
    let w = synced(2).await;
    let c = &w.connections[0];
    let before = w.rail.calls();
    let cheap = w.engine.reconcile(c, ReconcileMode::Cheap).await.unwrap();
    assert!(cheap.is_clean(), "{:?}", cheap.drift);
    assert_eq!(cheap.api_calls, 1);
    assert_eq!(w.rail.calls() - before, 1);
    assert!(
        cheap
            .kinds
            .iter()
            .all(|k| !k.ids_compared && k.source_count == k.mirror_count)
    );
    assert!(
        cheap
            .kinds
            .iter()
            .any(|k| k.kind == EntityKind::Bill && k.source_count > 0)
    );

    let full = w.engine.reconcile(c, full_with_totals()).await.unwrap();
    assert!(full.is_clean(), "{:?}", full.drift);
    assert!(full.kinds.iter().all(|k| k.ids_compared && k.totals_compared));
    assert!(full.api_calls >= 1);
}

#[tokio::test]
async fn unannounced_changes_are_found_and_repaired_with_audit_entries() {
    let w = synced(1).await;
    let c = &w.connections[0];
    let (new_bill, invoice, vendor) = drift_silently(&w, c);
    // A CDC cycle does not see them.
    w.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();

    let cheap = w.engine.reconcile(c, ReconcileMode::Cheap).await.unwrap();
    assert!(
        matches!(&cheap.drift[..], [
            Drift::ExtraInMirror { kind: EntityKind::Vendor, id: gone, .. },
            Drift::MissingInMirror { kind: EntityKind::Bill, id: added, .. },
        ] if *gone == vendor && *added == new_bill),
        "{:?}",
        cheap.drift
    );
    assert_eq!(
        cheap.drift.len(),
        2,
        "cheap mode finds what moved the counts: {:?}",
        cheap.drift
    );
    assert!(
        !cheap.drift.iter().any(|d| d.id() == Some(&invoice)),
        "an invoice at a new version keeps the counts equal"
    );

    let full = w.engine.reconcile(c, full_with_totals()).await.unwrap();
    let ids: Vec<_> = full.drift.iter().filter_map(|d| d.id().cloned()).collect();
    assert!(
        ids.contains(&new_bill) && ids.contains(&invoice) && ids.contains(&vendor),
        "{:?}",
        full.drift
    );
    assert!(
        full.drift
            .iter()
            .any(|d| matches!(d, Drift::StaleVersion { id, .. } if *id == invoice))
    );
    let totals: Vec<EntityKind> = full
        .drift
        .iter()
        .filter(|d| matches!(d, Drift::TotalsDiffer { .. }))
        .map(Drift::kind)
        .collect();
    assert!(
        totals.contains(&EntityKind::Bill) && totals.contains(&EntityKind::Invoice),
        "{totals:?}"
    );

    let audit_before = w.mirror.audit_entries(&c.client, 0, u32::MAX).await.unwrap().len();
    let mut events = w.engine.subscribe();
    let repaired = w.engine.repair(c, &full).await.unwrap();
    assert_eq!(repaired.refetched, 3);
    assert_eq!((repaired.applied, repaired.deleted), (2, 1));
    assert_eq!(repaired.unrepairable, totals.len() as u32);
    let audit_after = w.mirror.audit_entries(&c.client, 0, u32::MAX).await.unwrap().len();
    assert_eq!(audit_after - audit_before, 3, "one audit entry per repaired record");
    assert!(w.mirror.verify_audit(&c.client).await.unwrap().is_intact());
    let event = events.try_recv().unwrap();
    assert!(event.ids.contains(&(EntityKind::Vendor, vendor)));
    let runs = w.mirror.runs(&c.client, 1).await.unwrap();
    assert_eq!(runs[0].trigger, SyncTrigger::Reconcile);
    assert_eq!(Some(runs[0].id), repaired.run);

    assert_mirror_equals_source(&w, c).await;
    let again = w.engine.reconcile(c, full_with_totals()).await.unwrap();
    assert!(again.is_clean(), "{:?}", again.drift);
    // A clean report repairs nothing and records no run.
    let nothing = w.engine.repair(c, &again).await.unwrap();
    assert_eq!(nothing.run, None);
    assert_eq!(w.mirror.runs(&c.client, 1).await.unwrap()[0].id, runs[0].id);
}

#[tokio::test]
async fn equal_versions_with_other_amounts_show_as_totals_only() {
    let w = synced(1).await;
    let c = &w.connections[0];
    let mut deposit = first(&w, c, EntityKind::Deposit);
    if let Entity::Deposit(d) = &mut deposit.entity {
        d.txn.total = Money::new(d.txn.total.amount() + dec!(0.01), d.txn.total.currency());
    }
    w.rail.put_unannounced(&c.realm, deposit);
    let (found, repaired) = w.engine.reconcile_and_repair(c, full_with_totals()).await.unwrap();
    assert_eq!(found.drift.len(), 1, "{:?}", found.drift);
    assert_eq!(found.drift[0].kind(), EntityKind::Deposit);
    assert!(matches!(found.drift[0], Drift::TotalsDiffer { .. }));
    assert_eq!((repaired.unrepairable, repaired.refetched), (1, 0));
    let runs = w.mirror.runs(&c.client, 1).await.unwrap();
    assert_eq!(
        Some(runs[0].id),
        repaired.run,
        "reconcile_and_repair always records its run"
    );
    assert_eq!((runs[0].trigger, runs[0].counts.drift), (SyncTrigger::Reconcile, 1));
    assert_eq!(repaired.remaining, 1, "repair cannot fix equal versions by id");
    assert_eq!(
        runs[0].status,
        RunStatus::Failed,
        "a repair that left drift did not succeed"
    );
    assert!(runs[0].error.as_deref().unwrap_or_default().contains("unrepaired"));
}

/// The client's health's newest reconcile check (one must exist).
async fn last_reconcile(w: &World, c: &Connection) -> ReconcileHealth {
    w.mirror
        .health(&advisor(), &c.client)
        .await
        .unwrap()
        .last_reconcile
        .unwrap()
}

#[tokio::test]
async fn the_daily_check_records_its_drift_in_health_without_counting_as_a_sync() {
    let w = synced(1).await;
    let c = &w.connections[0];
    let health = w.mirror.health(&advisor(), &c.client).await.unwrap();
    assert_eq!(health.last_reconcile, None, "never reconciled yet");
    let synced_at = health.last_full_success();

    drift_silently(&w, c);
    let (found, repaired) = w.engine.reconcile_and_repair(c, ReconcileMode::Cheap).await.unwrap();
    assert_eq!((found.drift.len(), repaired.applied + repaired.deleted), (2, 2));
    assert_eq!(repaired.remaining, 0);
    let health = w.mirror.health(&advisor(), &c.client).await.unwrap();
    let last = health.last_reconcile.unwrap();
    assert_eq!((last.status, last.drift, last.repaired), (RunStatus::Succeeded, 2, 2));
    assert_eq!(
        health.last_full_success(),
        synced_at,
        "a reconcile run is not a sync: freshness stays with the last sync"
    );

    // A clean check is recorded too, and a failed one shows as failed.
    let (clean, _) = w.engine.reconcile_and_repair(c, ReconcileMode::Cheap).await.unwrap();
    assert!(clean.is_clean(), "{:?}", clean.drift);
    let first = last;
    let last = last_reconcile(&w, c).await;
    assert_eq!((last.status, last.drift), (RunStatus::Succeeded, 0));
    assert!(last.checked_at > first.checked_at, "health shows the newest check");
    w.rail.fail_next(RailErrorKind::Transient);
    w.engine
        .reconcile_and_repair(c, ReconcileMode::Cheap)
        .await
        .unwrap_err();
    let last = last_reconcile(&w, c).await;
    assert_eq!(last.status, RunStatus::Failed);
}

#[tokio::test]
async fn a_realm_being_synced_is_not_reconciled_and_a_rail_failure_is_an_error() {
    let w = synced(1).await;
    let c = &w.connections[0];
    let engine = SyncEngine::new(w.mirror.clone(), Arc::new(StandardPolicy::default()))
        .with_rail(w.rail.clone())
        .with_leases(w.mirror.clone(), "reconciler");
    let leases: Arc<dyn LeaseStore> = w.mirror.clone();
    let name = format!("sync:{}:qbo", c.client);
    assert!(
        leases
            .try_acquire(&name, "a-sync", std::time::Duration::from_secs(60))
            .await
            .unwrap()
    );
    let busy = engine.reconcile(c, ReconcileMode::Cheap).await.unwrap_err();
    assert_eq!(busy.store_kind(), Some(StoreErrorKind::Busy));
    assert!(busy.retryable());
    leases.release(&name, "a-sync").await.unwrap();

    w.rail.fail_next(RailErrorKind::Transient);
    let failed = engine.reconcile(c, ReconcileMode::Cheap).await.unwrap_err();
    assert_eq!(failed.rail_kind(), Some(&RailErrorKind::Transient));
    assert!(
        engine.reconcile(c, ReconcileMode::Cheap).await.unwrap().is_clean(),
        "the lease was released"
    );
}

#[tokio::test]
async fn repair_revives_a_record_the_mirror_wrongly_holds_as_deleted_and_checks_itself() {
    let w = synced(1).await;
    let c = &w.connections[0];
    let invoice = first(&w, c, EntityKind::Invoice).entity.meta().external_id.clone();
    // What a forged notice used to write: a tombstone stamped in 2099.
    let mut buried = SyncBatch::new(c.client.clone(), c.rail);
    buried.tombstones.push(Tombstone {
        kind: EntityKind::Invoice,
        external_id: invoice.clone(),
        deleted_at: rowcol_testkit::fixtures::time("2099-01-01T00:00:00Z"),
        merged_into: Some("1".parse().unwrap()),
    });
    w.mirror.apply(&buried).await.unwrap();

    let (found, repaired) = w.engine.reconcile_and_repair(c, full_with_totals()).await.unwrap();
    assert!(
        found
            .drift
            .iter()
            .any(|d| matches!(d, Drift::MissingInMirror { id, .. } if *id == invoice)),
        "{:?}",
        found.drift
    );
    assert_eq!((repaired.applied, repaired.remaining), (1, 0));
    assert_mirror_equals_source(&w, c).await;
    let runs = w.mirror.runs(&c.client, 1).await.unwrap();
    assert_eq!(runs[0].status, RunStatus::Succeeded);
    let again = w.engine.reconcile(c, full_with_totals()).await.unwrap();
    assert!(again.is_clean(), "{:?}", again.drift);
}

#[tokio::test]
async fn a_check_without_repair_is_recorded_in_health() {
    let w = synced(1).await;
    let c = &w.connections[0];
    drift_silently(&w, c);
    let (found, repaired) = w
        .engine
        .reconcile_recorded(c, ReconcileMode::Cheap, false)
        .await
        .unwrap();
    assert_eq!(found.drift.len(), 2);
    assert_eq!(repaired.applied + repaired.deleted, 0, "nothing repaired");
    let last = last_reconcile(&w, c).await;
    assert_eq!((last.status, last.drift, last.repaired), (RunStatus::Succeeded, 2, 0));
}

#[tokio::test]
async fn a_connection_needing_reauth_is_not_reconciled_and_costs_no_call() {
    let w = synced(1).await;
    let mut c = w.connections[0].clone();
    c.status = ConnectionStatus::NeedsReauth;
    let before = w.rail.calls();
    let error = w.engine.reconcile(&c, ReconcileMode::Cheap).await.unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::NeedsReauth));
    let error = w
        .engine
        .reconcile_and_repair(&c, ReconcileMode::Cheap)
        .await
        .unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::NeedsReauth));
    assert_eq!(w.rail.calls(), before);
}

//! The sync engine on the Plaid rail into a SQLite mirror: a first sync
//! lists the bank's kinds and stores Plaid's cursor; the next cycles read
//! changes from it, a mutation mid-update included; the mirror's snapshot
//! then holds exactly the lines the bank shows.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;
use common::{RailHarness, card_purchases, fast_policy, rail_harness};
use rowcol_core::sync::{SyncBatch, SyncMode, SyncPosition, SyncTrigger};
use rowcol_core::{
    ChangeCursor, Client, Connection, Currency, EntityKind, MirrorReader, Rail, Registry, SnapshotRequest, SyncJournal,
};
use rowcol_plaid_sim::{ErrorCode, FaultRule};
use rowcol_sync::SyncEngine;
use rowcol_sync::reconcile::ReconcileMode;
use secrecy::SecretString;

async fn mirrored(store: &rowcol_mirror::SqliteMirror, as_of: chrono::NaiveDate) -> BTreeMap<String, String> {
    let snapshot = store
        .snapshot(
            &"jane".parse().unwrap(),
            &"acme".parse().unwrap(),
            SnapshotRequest {
                as_of,
                history_months: 24,
            },
        )
        .await
        .unwrap();
    snapshot
        .bank_transactions
        .iter()
        .map(|t| {
            (
                t.meta.external_id.to_string(),
                (-t.amount.amount()).normalize().to_string(),
            )
        })
        .collect()
}

fn modes(report: &rowcol_sync::SyncReport) -> Vec<SyncMode> {
    report.runs.iter().map(|(_, mode)| *mode).collect()
}

/// Links `token`'s Item for the client `acme` of advisor `jane`.
async fn connect_acme(r: &RailHarness, token: &SecretString) -> Connection {
    let connection = r.rail.connect(&"acme".parse().unwrap(), token).await.unwrap();
    r.store
        .upsert_client(&Client {
            id: "acme".parse().unwrap(),
            advisor: "jane".parse().unwrap(),
            name: "Acme".into(),
            home_currency: Currency::USD,
            connections: vec![connection.clone()],
        })
        .await
        .unwrap();
    connection
}

#[tokio::test]
async fn the_engine_mirrors_the_bank_follows_plaids_cursor_and_reconciles_the_banks_kinds() {
    let r = rail_harness(3).await;
    let mut bank = card_purchases();
    bank.postings.extend(common::bank("c1", 5, 0.7).postings);
    let token = r.h.public_token(bank).await;
    let connection = connect_acme(&r, &token).await;
    let engine = SyncEngine::new(r.store.clone(), Arc::new(fast_policy())).with_rail(r.rail.clone());
    let today = || r.h.sim.admin().now().date_naive();
    let item = connection.realm.to_string();

    let first = engine
        .sync_connection(&connection, SyncTrigger::OnDemand, &[])
        .await
        .unwrap();
    assert_eq!(modes(&first), vec![SyncMode::Full]);
    assert_eq!(
        mirrored(&r.store, today()).await,
        r.h.truth_of(&item),
        "the first sync holds the bank"
    );

    r.h.sim.admin().advance_clock(Duration::days(7));
    r.h.sim.admin().add_fault(FaultRule {
        endpoint: Some("/transactions/sync".into()),
        item_id: Some(item.clone()),
        code: ErrorCode::TransactionsSyncMutationDuringPagination,
        times: 1,
    });
    let second = engine
        .sync_connection(&connection, SyncTrigger::Webhook, &[])
        .await
        .unwrap();
    assert_eq!(
        modes(&second),
        vec![SyncMode::Incremental],
        "read from Plaid's cursor, which a full sync would not need"
    );
    assert!(
        r.h.sim.admin().faults().is_empty(),
        "the mutation was met and the update restarted"
    );
    assert_eq!(
        mirrored(&r.store, today()).await,
        r.h.truth_of(&item),
        "pending lines posted, the hold gone, nothing twice"
    );
    let snapshot_accounts = r
        .store
        .snapshot(
            &"jane".parse().unwrap(),
            &"acme".parse().unwrap(),
            SnapshotRequest::as_of(today()),
        )
        .await
        .unwrap()
        .bank_accounts
        .len();
    assert_eq!(snapshot_accounts, 2);

    let clean = engine.reconcile(&connection, ReconcileMode::Cheap).await.unwrap();
    assert_eq!(
        clean.kinds.iter().map(|k| k.kind).collect::<Vec<_>>(),
        EntityKind::BANK.to_vec(),
        "reconciliation checks the bank's kinds"
    );
    assert!(clean.drift.is_empty(), "{:?}", clean.drift);
    // The bank takes a line back and no sync has run: the mirror holds one too many.
    let gone = mirrored(&r.store, today()).await.into_keys().next().unwrap();
    r.h.sim.admin().remove_line(&item, &gone).unwrap();
    let report = engine
        .reconcile(&connection, ReconcileMode::Full { totals_as: None })
        .await
        .unwrap();
    let drift: Vec<_> = report
        .drift
        .iter()
        .map(|d| (d.kind(), d.id().map(|i| i.to_string())))
        .collect();
    assert_eq!(drift, vec![(EntityKind::BankTransaction, Some(gone))]);
}

#[tokio::test]
async fn a_stored_cursor_plaid_refuses_makes_the_engine_resync_in_full_and_drop_what_is_gone() {
    let r = rail_harness(50).await;
    let token = r.h.public_token(common::bank("client-1", 5, 0.9)).await;
    let connection = connect_acme(&r, &token).await;
    let engine = SyncEngine::new(r.store.clone(), Arc::new(fast_policy())).with_rail(r.rail.clone());
    let today = r.h.sim.admin().now().date_naive();
    let item = connection.realm.to_string();
    engine
        .sync_connection(&connection, SyncTrigger::OnDemand, &[])
        .await
        .unwrap();
    // Another Item's cursor lands in the checkpoint (a restored backup, a
    // relinked Item), and the bank takes a line back meanwhile.
    let other = r.h.link(common::bank("client-2", 6, 0.9));
    let foreign = r.h.client.sync(&r.h.access(&other), "").await.unwrap().next_cursor;
    let mut batch = SyncBatch::new(connection.client.clone(), Rail::Plaid);
    batch.checkpoint = Some(SyncPosition::Incremental {
        cursor: ChangeCursor::new(foreign),
    });
    r.store.apply(&batch).await.unwrap();
    let gone = mirrored(&r.store, today).await.into_keys().next().unwrap();
    r.h.sim.admin().remove_line(&item, &gone).unwrap();

    let report = engine
        .sync_connection(&connection, SyncTrigger::Schedule, &[])
        .await
        .unwrap();
    assert!(modes(&report).contains(&SyncMode::Full), "{:?}", modes(&report));
    let lines = mirrored(&r.store, today).await;
    assert!(!lines.contains_key(&gone), "deletion by difference dropped the line");
    let mut expected = r.h.truth_of(&item);
    expected.remove(&gone); // remove_line moves only the look-alike's change log
    assert_eq!(lines, expected);
    let next = engine
        .sync_connection(&connection, SyncTrigger::Schedule, &[])
        .await
        .unwrap();
    assert_eq!(
        modes(&next),
        vec![SyncMode::Incremental],
        "the listing's own cursor was stored"
    );
}

//! The engine's error and lease paths, driven through mockall mocks of the
//! ports it calls (`rowcol-core`'s `mocks` feature): a rail that answers
//! wrongly or refuses, a lease store that fails. The mirror is the real
//! SQLite one, so what the engine recorded is read back as a user would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

#[allow(dead_code)] // the shared support module; this file uses its world only
mod support;

use std::sync::Arc;

use rowcol_core::ports::{MockLeaseStore, MockLedgerRail};
use rowcol_core::prelude::*;
use rowcol_core::sync::{RunStatus, SyncTrigger};
use rowcol_core::{
    ConnectionStatus, ErrorContext, Rail, RailErrorKind, RailFailure, RowcolError, StandardPolicy, StoreErrorKind,
};
use rowcol_sync::SyncEngine;

/// A mocked QBO rail: `rail()` answers, every other call is as the test sets.
fn qbo_rail() -> MockLedgerRail {
    let mut rail = MockLedgerRail::new();
    rail.expect_rail().return_const(Rail::Qbo);
    rail
}

fn engine(w: &support::World, rail: MockLedgerRail) -> SyncEngine {
    SyncEngine::new(w.mirror.clone(), Arc::new(StandardPolicy::default())).with_rail(Arc::new(rail))
}

#[tokio::test]
async fn a_rail_answering_fewer_pages_than_asked_is_refused_and_moves_no_checkpoint() {
    let w = support::world(1, 100).await;
    let connection = &w.connections[0];
    let mut rail = qbo_rail();
    rail.expect_list_pages().times(1).returning(|_, _| Ok(Vec::new()));
    let error = engine(&w, rail)
        .sync_connection(connection, SyncTrigger::OnDemand, &[])
        .await
        .unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::Invalid), "{error}");
    assert!(
        w.mirror
            .checkpoint(&connection.client, Rail::Qbo)
            .await
            .unwrap()
            .is_none(),
        "nothing was committed"
    );
    let runs = w.mirror.runs(&connection.client, 5).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert!(
        runs[0].error.as_deref().unwrap_or_default().contains("pages"),
        "{:?}",
        runs[0].error
    );
}

#[tokio::test]
async fn a_refused_grant_marks_the_connection_and_the_next_sync_calls_nothing() {
    let w = support::world(1, 100).await;
    let connection = &w.connections[0];
    let mut rail = qbo_rail();
    // `times(1)`: a second call, by a retry or by the next sync, fails the test.
    rail.expect_list_pages().times(1).returning(|connection, _| {
        Err(RowcolError::rail(
            RailErrorKind::NeedsReauth,
            ErrorContext::client(&connection.client),
            RailFailure {
                message: "invalid_grant".into(),
                api_calls: 1,
                ..RailFailure::default()
            },
        ))
    });
    let engine = engine(&w, rail);
    let first = engine.sync_connection(connection, SyncTrigger::OnDemand, &[]).await;
    assert_eq!(first.unwrap_err().rail_kind(), Some(&RailErrorKind::NeedsReauth));
    let stored = w.mirror.connections().await.unwrap();
    assert_eq!(stored[0].status, ConnectionStatus::NeedsReauth);
    let again = engine
        .sync_connection(&stored[0], SyncTrigger::Schedule, &[])
        .await
        .unwrap();
    assert_eq!(again.counts.api_calls, 0, "{again:?}");
    assert!(matches!(
        again.outcome,
        rowcol_sync::SyncOutcome::NotActive(ConnectionStatus::NeedsReauth)
    ));
}

#[tokio::test]
async fn a_failing_lease_store_stops_the_sync_before_any_rail_call() {
    let w = support::world(1, 100).await;
    let connection = &w.connections[0];
    let mut rail = qbo_rail();
    rail.expect_list_pages().never();
    rail.expect_changes_since().never();
    let mut leases = MockLeaseStore::new();
    leases.expect_try_acquire().returning(|name, _, _| {
        Err(RowcolError::store(
            StoreErrorKind::Unavailable,
            ErrorContext::default(),
            format!("lease {name}: the database is down"),
        ))
    });
    leases.expect_release().returning(|_, _| Ok(()));
    let engine = engine(&w, rail).with_leases(Arc::new(leases), "worker-1");
    let error = engine
        .sync_connection(connection, SyncTrigger::OnDemand, &[])
        .await
        .unwrap_err();
    assert_eq!(error.store_kind(), Some(StoreErrorKind::Unavailable), "{error}");
    assert!(error.retryable(), "a store that is down is worth retrying");
    assert!(
        w.mirror.runs(&connection.client, 5).await.unwrap().is_empty(),
        "no run began"
    );
}

//! The mirror's behaviour suite, split per port: each test checks a
//! "Behaviour" rule of the port's documentation through the port alone, so
//! every implementation runs the same suite. `rowcol-mirror` stamps it onto
//! SQLite and PostgreSQL with one [`for_each_mirror_behaviour!`] line each:
//! a test gets a fresh, empty store.
//!
//! - [`registry`]: advisors, clients, connections, settings, reviews (of
//!   hygiene items and of bank lines);
//! - [`journal`]: batches, versions, tombstones, runs, dead letters, audit;
//! - [`reader`]: snapshots, balance history, late changes, portfolio scope;
//! - [`lease`]: the lease store.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

pub mod journal;
pub mod lease;
pub mod reader;
pub mod registry;

use std::sync::Arc;

use rowcol_core::entity::{Entity, EntityKind};
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::{
    AuditAction, BalancePoint, ChangeCursor, Rejected, RunCounts, RunStatus, SourceRecord, SyncBatch, SyncMode,
    SyncPosition, SyncTrigger, Tombstone,
};
use rowcol_core::{
    Advisor, AdvisorId, BankReview, BankReviewAction, Client, ClientId, ClientSettings, Connection, ConnectionStatus,
    Currency, LeaseStore, MirrorStore, Money, PostingRef, Rail, ReviewDecision, ReviewState, RowcolError,
    StoreErrorKind, VersionToken,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use crate::fixtures::{self, date, time};

/// Lists every test of the suite as `port::test`, for a backend's
/// instantiation macro: `for_each_mirror_behaviour!(my_backend_tests);`.
#[macro_export]
macro_rules! for_each_mirror_behaviour {
    ($m:ident) => {
        $m!(
            registry::registry_upserts_and_connection_status,
            registry::checkpoint_settings_and_reviews_survive_resync,
            registry::bank_reviews_replace_survive_resync_and_chain_in_the_audit_log,
            journal::reapplying_a_batch_changes_nothing_and_audits_nothing,
            journal::an_older_version_never_replaces_a_newer_one,
            journal::tombstones_hide_records_and_block_late_resurrection,
            journal::concurrent_writers_to_different_clients_all_land,
            journal::runs_health_and_dead_letters,
            journal::runs_cut_off_by_a_dead_process_are_closed_as_failed,
            journal::money_keeps_its_exact_digits,
            journal::live_versions_list_live_records_of_one_kind,
            journal::api_calls_are_summed_across_clients_since_a_time,
            journal::record_states_answer_live_and_deleted_keys_and_skip_unknown_ones,
            journal::a_runs_counts_grow_with_each_committed_batch,
            journal::states_confirmed_by_the_source_revive_and_replace_what_the_mirror_believes,
            journal::unknown_clients_and_foreign_records_are_refused_whole,
            reader::snapshot_holds_open_items_and_the_history_window,
            reader::a_long_burn_window_widens_the_history_and_a_past_day_gets_what_was_open,
            reader::payment_habits_reach_back_past_the_window,
            reader::balance_history_keeps_one_point_per_account_per_day,
            reader::late_changes_to_closed_periods_come_from_the_audit_log,
            reader::reads_are_scoped_to_the_advisors_portfolio,
            reader::cached_snapshots_never_cross_clients_windows_or_portfolios,
            reader::every_posting_kind_lands_in_the_snapshot_by_its_window,
            reader::bank_accounts_and_lines_land_in_the_snapshot_by_their_window,
            reader::health_lists_the_kinds_of_the_clients_rails,
            reader::bank_reviews_are_scoped_to_the_advisors_portfolio,
            lease::leases_are_exclusive_renewable_and_expire,
        );
    };
}

/// A record as a source would send it, with an empty payload.
pub fn sourced(entity: Entity) -> SourceRecord {
    SourceRecord {
        entity,
        raw: "{}".into(),
    }
}

/// An advisor id spelled out.
pub fn advisor_id(s: &str) -> AdvisorId {
    fixtures::id(s)
}

/// A client id spelled out.
pub fn client_id(s: &str) -> ClientId {
    fixtures::id(s)
}

/// Registers `advisor` with `clients`, each with an active QBO connection.
pub async fn register(store: &dyn MirrorStore, advisor: &str, clients: &[&str]) {
    store
        .upsert_advisor(&Advisor {
            id: advisor_id(advisor),
            name: format!("Advisor {advisor}"),
        })
        .await
        .unwrap();
    for (i, c) in clients.iter().enumerate() {
        store
            .upsert_client(&Client {
                id: client_id(c),
                advisor: advisor_id(advisor),
                name: format!("Client {c}"),
                home_currency: Currency::USD,
                connections: vec![Connection {
                    client: client_id(c),
                    rail: Rail::Qbo,
                    realm: fixtures::id(&format!("{}", 9_130_000 + i)),
                    status: ConnectionStatus::Active,
                }],
            })
            .await
            .unwrap();
    }
}

/// A bill record at `version`, last updated at `updated`, with a payload naming them.
pub fn bill(client: &str, id: &str, version: &str, updated: &str, total: Decimal) -> SourceRecord {
    let mut b = fixtures::bill(client, id, total);
    b.meta.version = VersionToken::new(version);
    b.meta.updated_at = time(updated);
    SourceRecord {
        raw: format!(r#"{{"Id":"{id}","SyncToken":"{version}","TotalAmt":{total}}}"#),
        entity: Entity::Bill(b),
    }
}

/// A QBO batch of `records` for `client`, with no checkpoint.
pub fn batch(client: &str, records: Vec<SourceRecord>) -> SyncBatch {
    let mut b = SyncBatch::new(client_id(client), Rail::Qbo);
    b.records = records;
    b
}

/// An incremental position at `at`.
pub fn incremental(at: &str) -> SyncPosition {
    SyncPosition::Incremental {
        cursor: ChangeCursor::from_time(time(at)),
    }
}

/// The client's snapshot as of 2026-03-01.
pub async fn snapshot(store: &dyn MirrorStore, advisor: &str, client: &str) -> rowcol_core::ClientSnapshot {
    store
        .snapshot(
            &advisor_id(advisor),
            &client_id(client),
            SnapshotRequest::as_of(date("2026-03-01")),
        )
        .await
        .unwrap()
}

/// The store error kind of a failed result.
pub fn store_kind(r: Result<impl Sized, RowcolError>) -> Option<StoreErrorKind> {
    r.err().and_then(|e| e.store_kind())
}

/// The bills of a snapshot as (id, version, total): what cache tests compare.
pub fn bill_ids(snap: &rowcol_core::ClientSnapshot) -> Vec<(String, String, Decimal)> {
    snap.bills
        .iter()
        .map(|b| {
            (
                b.meta.external_id.to_string(),
                b.meta.version.as_str().to_owned(),
                b.txn.total.amount(),
            )
        })
        .collect()
}

//! The `MirrorStore` behaviour suite: written once against the port, stamped
//! onto each backend by `tests/sqlite.rs` and `tests/postgres.rs` with one
//! `for_each_behaviour!` line. Each test checks a "Behaviour" rule from the
//! port's documentation.

#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::NaiveDate;
use rowcol_core::entity::{Entity, EntityKind};
use rowcol_core::fixtures::{self, date, time};
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::{
    BalancePoint, Rejected, RunCounts, RunStatus, SourceRecord, SyncBatch, SyncMode, SyncPosition, SyncTrigger,
    Tombstone,
};
use rowcol_core::{
    Advisor, AdvisorId, Client, ClientId, ClientSettings, Connection, ConnectionStatus, Currency, Rail,
    RailCredentials, ReviewDecision, ReviewState, RowcolError, StoreErrorKind, VersionToken,
};
use rowcol_mirror::{CredentialKey, Mirror};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use secrecy::SecretString;

/// Which backend a harness runs on (for the few tests that need raw SQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

type BoxFut<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// What a backend gives the suite.
pub struct Harness {
    pub kind: Kind,
    pub store: Arc<dyn Mirror>,
    /// Opens the same database again with another credential key.
    pub reopen: Box<dyn Fn(CredentialKey) -> BoxFut<Arc<dyn Mirror>> + Send + Sync>,
    /// Runs raw SQL against the database (sabotage and tampering).
    pub exec: Box<dyn Fn(String) -> BoxFut<Result<(), String>> + Send + Sync>,
    /// Runs a raw `SELECT COUNT(*) ...` and returns the count.
    pub count: Box<dyn Fn(String) -> BoxFut<i64> + Send + Sync>,
}

/// Lists every behaviour test, for a backend's instantiation macro.
#[macro_export]
macro_rules! for_each_behaviour {
    ($m:ident) => {
        $m!(
            reapplying_a_batch_changes_nothing_and_audits_nothing,
            runs_cut_off_by_a_dead_process_are_closed_as_failed,
            an_older_version_never_replaces_a_newer_one,
            tombstones_hide_records_and_block_late_resurrection,
            a_batch_failing_midway_leaves_nothing_and_keeps_the_checkpoint,
            audit_chain_verifies_and_detects_tampering,
            audit_rows_cannot_be_updated_or_deleted,
            credentials_round_trip_encrypted_and_a_wrong_key_is_a_clear_error,
            reads_are_scoped_to_the_advisors_portfolio,
            concurrent_writers_to_different_clients_all_land,
            snapshot_holds_open_items_and_the_history_window,
            a_long_burn_window_widens_the_history_and_a_past_day_gets_what_was_open,
            payment_habits_reach_back_past_the_window,
            purpose_queries_filter_and_order,
            runs_health_and_dead_letters,
            checkpoint_settings_and_reviews_survive_resync,
            balance_history_keeps_one_point_per_account_per_day,
            late_changes_to_closed_periods_come_from_the_audit_log,
            money_keeps_its_exact_digits,
            unknown_clients_and_foreign_records_are_refused_whole,
            registry_upserts_and_connection_status,
            leases_are_exclusive_renewable_and_expire,
            live_versions_list_live_records_of_one_kind,
            api_calls_are_summed_across_clients_since_a_time,
            a_cached_snapshot_sees_every_change_whichever_mirror_wrote_it,
            cached_snapshots_never_cross_clients_windows_or_portfolios,
            a_growing_mirror_keeps_its_planner_statistics,
            records_an_older_mirror_stored_as_json_are_still_read,
            source_payloads_are_kept_beside_their_records,
            record_states_answer_live_and_deleted_keys_and_skip_unknown_ones,
            a_runs_counts_grow_with_each_committed_batch,
            states_confirmed_by_the_source_revive_and_replace_what_the_mirror_believes,
            every_posting_kind_lands_in_the_snapshot_by_its_window
        );
    };
}

// ------------------------------------------------------------------ helpers

fn advisor_id(s: &str) -> AdvisorId {
    fixtures::id(s)
}

fn client_id(s: &str) -> ClientId {
    fixtures::id(s)
}

pub async fn register(store: &dyn Mirror, advisor: &str, clients: &[&str]) {
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

pub fn bill(client: &str, id: &str, version: &str, updated: &str, total: Decimal) -> SourceRecord {
    let mut b = fixtures::bill(client, id, total);
    b.meta.version = VersionToken::new(version);
    b.meta.updated_at = time(updated);
    SourceRecord {
        raw: format!(r#"{{"Id":"{id}","SyncToken":"{version}","TotalAmt":{total}}}"#),
        entity: Entity::Bill(b),
    }
}

/// A record as a source would send it, with an empty payload.
fn sourced(entity: Entity) -> SourceRecord {
    SourceRecord {
        entity,
        raw: "{}".into(),
    }
}

pub fn batch(client: &str, records: Vec<SourceRecord>) -> SyncBatch {
    let mut b = SyncBatch::new(client_id(client), Rail::Qbo);
    b.records = records;
    b
}

fn incremental(at: &str) -> SyncPosition {
    SyncPosition::Incremental { since: time(at) }
}

async fn snapshot(store: &dyn Mirror, advisor: &str, client: &str) -> rowcol_core::ClientSnapshot {
    store
        .snapshot(
            &advisor_id(advisor),
            &client_id(client),
            SnapshotRequest::as_of(date("2026-03-01")),
        )
        .await
        .unwrap()
}

fn store_kind(r: Result<impl Sized, RowcolError>) -> Option<StoreErrorKind> {
    r.err().and_then(|e| e.store_kind())
}

// ------------------------------------------------------------------ tests

pub async fn reapplying_a_batch_changes_nothing_and_audits_nothing(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let b = batch(
        "acme",
        vec![
            bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(100)),
            bill("acme", "2", "0", "2026-01-10T09:00:00-08:00", dec!(200)),
        ],
    );
    let first = s.apply(&b).await.unwrap();
    assert_eq!((first.inserted, first.updated, first.unchanged), (2, 0, 0));
    let again = s.apply(&b).await.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
    let audit = s.audit_entries(&client_id("acme"), 0, 100).await.unwrap();
    assert_eq!(audit.len(), 2, "only the first apply writes audit entries");
    assert_eq!(snapshot(s, "adv", "acme").await.bills.len(), 2);
}

pub async fn an_older_version_never_replaces_a_newer_one(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let newer = bill("acme", "1", "3", "2026-01-12T09:00:00-08:00", dec!(150));
    let older = bill("acme", "1", "2", "2026-01-11T09:00:00-08:00", dec!(120));
    s.apply(&batch("acme", vec![newer])).await.unwrap();
    let outcome = s.apply(&batch("acme", vec![older])).await.unwrap();
    assert_eq!((outcome.stale, outcome.updated), (1, 0));
    let snap = snapshot(s, "adv", "acme").await;
    assert_eq!(snap.bills[0].meta.version.as_str(), "3");
    assert_eq!(snap.bills[0].txn.total.amount(), dec!(150));
    // A newer state still lands and is audited as an update.
    let newest = bill("acme", "1", "4", "2026-01-13T09:00:00-08:00", dec!(175));
    assert_eq!(s.apply(&batch("acme", vec![newest])).await.unwrap().updated, 1);
    let audit = s.audit_entries(&client_id("acme"), 0, 10).await.unwrap();
    assert_eq!(
        audit.iter().map(|a| a.version.as_str().to_owned()).collect::<Vec<_>>(),
        vec!["3", "4"]
    );
}

pub async fn tombstones_hide_records_and_block_late_resurrection(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    s.apply(&batch(
        "acme",
        vec![bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(10))],
    ))
    .await
    .unwrap();
    let mut b = batch("acme", vec![]);
    b.tombstones = vec![
        Tombstone {
            kind: EntityKind::Bill,
            external_id: fixtures::id("1"),
            deleted_at: time("2026-01-11T09:00:00-08:00"),
            merged_into: None,
        },
        Tombstone {
            kind: EntityKind::Bill,
            external_id: fixtures::id("99"),
            deleted_at: time("2026-01-11T09:00:00-08:00"),
            merged_into: Some(fixtures::id("98")),
        },
    ];
    let outcome = s.apply(&b).await.unwrap();
    assert_eq!(outcome.deleted, 2);
    assert!(snapshot(s, "adv", "acme").await.bills.is_empty());
    // Replayed deletions change nothing.
    assert_eq!(s.apply(&b).await.unwrap().unchanged, 2);
    // An older state of a record deleted before we ever saw it stays dead.
    let late = bill("acme", "99", "5", "2026-01-10T09:00:00-08:00", dec!(10));
    assert_eq!(s.apply(&batch("acme", vec![late])).await.unwrap().stale, 1);
    assert!(snapshot(s, "adv", "acme").await.bills.is_empty());
    let deletes = s
        .audit_entries(&client_id("acme"), 0, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.action == rowcol_core::sync::AuditAction::Delete)
        .count();
    assert_eq!(deletes, 2);
}

pub async fn a_batch_failing_midway_leaves_nothing_and_keeps_the_checkpoint(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let mut first = batch(
        "acme",
        vec![bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(10))],
    );
    first.checkpoint = Some(incremental("2026-01-10T10:00:00-08:00"));
    s.apply(&first).await.unwrap();

    // Make the checkpoint write (the last step of apply) fail.
    let sabotage = match h.kind {
        Kind::Sqlite => {
            "CREATE TRIGGER sabotage BEFORE UPDATE ON checkpoints BEGIN SELECT RAISE(ABORT, 'sabotage'); END"
        }
        Kind::Postgres => {
            "CREATE FUNCTION sabotage() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'sabotage'; END; $$ LANGUAGE plpgsql; \
             CREATE TRIGGER sabotage BEFORE UPDATE ON checkpoints FOR EACH ROW EXECUTE FUNCTION sabotage()"
        }
    };
    (h.exec)(sabotage.to_owned()).await.unwrap();
    let mut second = batch(
        "acme",
        vec![
            bill("acme", "2", "0", "2026-01-11T09:00:00-08:00", dec!(20)),
            bill("acme", "1", "1", "2026-01-11T09:00:00-08:00", dec!(11)),
        ],
    );
    second.rejects = vec![Rejected {
        kind: EntityKind::Bill,
        external_id: Some(fixtures::id("3")),
        raw: "{}".into(),
        reason: "TotalAmt missing".into(),
    }];
    second.checkpoint = Some(incremental("2026-01-11T10:00:00-08:00"));
    assert!(s.apply(&second).await.is_err());

    let snap = snapshot(s, "adv", "acme").await;
    assert_eq!(snap.bills.len(), 1);
    assert_eq!(snap.bills[0].meta.version.as_str(), "0");
    assert_eq!(s.audit_entries(&client_id("acme"), 0, 10).await.unwrap().len(), 1);
    assert!(s.dead_letters(&client_id("acme")).await.unwrap().is_empty());
    let cp = s.checkpoint(&client_id("acme"), Rail::Qbo).await.unwrap().unwrap();
    assert_eq!(cp.position, incremental("2026-01-10T10:00:00-08:00"));
    assert!(s.verify_audit(&client_id("acme")).await.unwrap().is_intact());
}

pub async fn audit_chain_verifies_and_detects_tampering(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    for i in 1..=5 {
        s.apply(&batch(
            "acme",
            vec![bill("acme", &i.to_string(), "0", "2026-01-10T09:00:00-08:00", dec!(10))],
        ))
        .await
        .unwrap();
    }
    let v = s.verify_audit(&client_id("acme")).await.unwrap();
    assert!(v.is_intact());
    assert_eq!(v.entries_checked, 5);

    // Someone with database access drops the guard and edits entry 3.
    let tamper = match h.kind {
        Kind::Sqlite => "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET version = '9' WHERE seq = 3",
        Kind::Postgres => {
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; \
             UPDATE audit_log SET version = '9' WHERE seq = 3"
        }
    };
    (h.exec)(tamper.to_owned()).await.unwrap();
    let v = s.verify_audit(&client_id("acme")).await.unwrap();
    assert_eq!(v.first_broken, Some(3));
}

pub async fn audit_rows_cannot_be_updated_or_deleted(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    s.apply(&batch(
        "acme",
        vec![bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(10))],
    ))
    .await
    .unwrap();
    let update = (h.exec)("UPDATE audit_log SET version = '9'".to_owned()).await;
    assert!(update.unwrap_err().contains("append-only"));
    let delete = (h.exec)("DELETE FROM audit_log".to_owned()).await;
    assert!(delete.unwrap_err().contains("append-only"));
    assert_eq!(
        s.audit_entries(&client_id("acme"), 0, 10).await.unwrap()[0]
            .version
            .as_str(),
        "0"
    );
}

pub async fn credentials_round_trip_encrypted_and_a_wrong_key_is_a_clear_error(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let creds = RailCredentials {
        access_token: SecretString::from("eyJ-access-TOPSECRET"),
        access_expires_at: time("2026-01-10T10:00:00Z").to_utc(),
        refresh_token: SecretString::from("AB11-refresh-TOPSECRET"),
        refresh_expires_at: Some(time("2026-04-10T10:00:00Z").to_utc()),
    };
    assert!(
        s.load_credentials(&client_id("acme"), Rail::Qbo)
            .await
            .unwrap()
            .is_none()
    );
    s.save_credentials(&client_id("acme"), Rail::Qbo, &creds).await.unwrap();
    let back = s
        .load_credentials(&client_id("acme"), Rail::Qbo)
        .await
        .unwrap()
        .unwrap();
    assert!(back.same_tokens(&creds));
    assert_eq!(back.refresh_expires_at, creds.refresh_expires_at);
    // Nothing readable at rest.
    let leak = match h.kind {
        Kind::Sqlite => "SELECT COUNT(*) FROM credentials WHERE instr(sealed, CAST('TOPSECRET' AS BLOB)) > 0",
        Kind::Postgres => "SELECT COUNT(*) FROM credentials WHERE position('TOPSECRET'::bytea in sealed) > 0",
    };
    assert_eq!((h.count)(leak.to_owned()).await, 0);
    assert_eq!((h.count)("SELECT COUNT(*) FROM credentials".to_owned()).await, 1);
    // Another key: a typed error, not garbage and not "none".
    let other = (h.reopen)(CredentialKey::generate()).await;
    let err = other.load_credentials(&client_id("acme"), Rail::Qbo).await.unwrap_err();
    assert_eq!(err.store_kind(), Some(StoreErrorKind::WrongKey));
    assert!(!err.retryable());
    assert!(!format!("{err} {err:?}").contains("TOPSECRET"));
}

pub async fn reads_are_scoped_to_the_advisors_portfolio(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv-a", &["acme"]).await;
    register(s, "adv-b", &["bolt"]).await;
    let (b, acme) = (advisor_id("adv-b"), client_id("acme"));
    let d = date("2026-03-01");
    let outside = Some(StoreErrorKind::OutsidePortfolio);
    assert_eq!(
        store_kind(s.snapshot(&b, &acme, SnapshotRequest::as_of(d)).await),
        outside
    );
    assert_eq!(store_kind(s.settings(&b, &acme).await), outside);
    assert_eq!(
        store_kind(s.save_settings(&b, &acme, &ClientSettings::default()).await),
        outside
    );
    assert_eq!(store_kind(s.bills_due(&b, &acme, d, d).await), outside);
    assert_eq!(store_kind(s.overdue_invoices(&b, &acme, d).await), outside);
    assert_eq!(store_kind(s.balance_history(&b, &acme, d, d).await), outside);
    assert_eq!(store_kind(s.health(&b, &acme).await), outside);
    let review = ReviewState {
        client: acme.clone(),
        rule_id: "bill_without_due_date".into(),
        kind: EntityKind::Bill,
        external_id: fixtures::id("1"),
        version: VersionToken::new("0"),
        decision: ReviewDecision::Approved,
        by: b.clone(),
        at: time("2026-01-10T10:00:00Z").to_utc(),
    };
    assert_eq!(store_kind(s.save_review(&b, &review).await), outside);
    // A client that does not exist looks the same as someone else's.
    assert_eq!(store_kind(s.settings(&b, &client_id("nobody")).await), outside);
    // Portfolios list only their own clients; an unknown advisor is not found.
    let ids: Vec<String> = s
        .portfolio(&b)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id.to_string())
        .collect();
    assert_eq!(ids, vec!["bolt"]);
    assert_eq!(
        store_kind(s.portfolio(&advisor_id("ghost")).await),
        Some(StoreErrorKind::NotFound)
    );
    // A client cannot be moved into another portfolio by an upsert.
    let steal = Client {
        id: acme.clone(),
        advisor: b.clone(),
        name: "stolen".into(),
        home_currency: Currency::USD,
        connections: vec![],
    };
    assert_eq!(store_kind(s.upsert_client(&steal).await), outside);
    assert_eq!(snapshot(s, "adv-a", "acme").await.name, "Client acme");
}

pub async fn concurrent_writers_to_different_clients_all_land(h: Harness) {
    let clients: Vec<String> = (0..6).map(|i| format!("c{i}")).collect();
    let names: Vec<&str> = clients.iter().map(String::as_str).collect();
    register(h.store.as_ref(), "adv", &names).await;
    let mut tasks = Vec::new();
    for c in &clients {
        let store = Arc::clone(&h.store);
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..5 {
                let records = (0..50)
                    .map(|i| bill(&c, &format!("{round}-{i}"), "0", "2026-01-10T09:00:00-08:00", dec!(1.5)))
                    .collect();
                store.apply(&batch(&c, records)).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    for c in &clients {
        assert_eq!(snapshot(h.store.as_ref(), "adv", c).await.bills.len(), 250, "{c}");
        let v = h.store.verify_audit(&client_id(c)).await.unwrap();
        assert!(v.is_intact());
        assert_eq!(v.entries_checked, 250);
    }
}

pub async fn snapshot_holds_open_items_and_the_history_window(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let mut old_open = fixtures::bill("acme", "1", dec!(50));
    old_open.txn.txn_date = date("2024-01-01");
    let mut old_paid = fixtures::bill("acme", "2", dec!(50));
    old_paid.txn.txn_date = date("2024-01-01");
    old_paid.balance = fixtures::usd(dec!(0));
    let mut recent_paid = fixtures::bill("acme", "3", dec!(50));
    recent_paid.balance = fixtures::usd(dec!(0));
    let mut old_payment = fixtures::payment("acme", "20", dec!(5), "9");
    old_payment.txn.txn_date = date("2025-01-01");
    let inactive_vendor = {
        let mut v = fixtures::vendor("acme", "56", "Old Supplier");
        v.party.active = false;
        v
    };
    let records = vec![
        Entity::Bill(old_open),
        Entity::Bill(old_paid),
        Entity::Bill(recent_paid),
        Entity::Invoice(fixtures::invoice("acme", "10", dec!(75))),
        Entity::Payment(fixtures::payment("acme", "21", dec!(5), "10")),
        Entity::Payment(old_payment),
        Entity::BillPayment(fixtures::bill_payment("acme", "30", dec!(50), "3")),
        Entity::Purchase(fixtures::purchase("acme", "31", dec!(9.99))),
        Entity::Deposit(fixtures::deposit("acme", "32", dec!(100))),
        Entity::Account(fixtures::bank_account("acme", "35", "Checking", dec!(1000))),
        Entity::Vendor(inactive_vendor),
        Entity::Customer(fixtures::customer("acme", "58", "Bright Cafe")),
        Entity::Term(fixtures::term("acme", "3", "Net 30", 30, None)),
        Entity::CompanyInfo(fixtures::company("acme", "Acme Bakery")),
    ]
    .into_iter()
    .map(sourced)
    .collect();
    s.apply(&batch("acme", records)).await.unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    let ids = |v: Vec<String>| v;
    assert_eq!(
        ids(snap.bills.iter().map(|b| b.meta.external_id.to_string()).collect()),
        vec!["1", "3"],
        "open bills whatever their date, paid ones only inside the window"
    );
    assert_eq!(snap.invoices.len(), 1);
    assert_eq!(
        snap.payments
            .iter()
            .map(|p| p.meta.external_id.to_string())
            .collect::<Vec<_>>(),
        vec!["21"]
    );
    assert_eq!(
        (snap.bill_payments.len(), snap.purchases.len(), snap.deposits.len()),
        (1, 1, 1)
    );
    assert_eq!(snap.accounts.len(), 1);
    assert_eq!(snap.vendors.len(), 1, "inactive vendors are kept");
    assert!(!snap.vendors[0].party.active);
    assert_eq!((snap.customers.len(), snap.terms.len()), (1, 1));
    assert_eq!(
        snap.company.as_ref().map(|c| c.company_name.as_str()),
        Some("Acme Bakery")
    );
    assert_eq!(snap.history_start, date("2025-09-01"));
    assert_eq!(snap.home_currency, Currency::USD);
}

pub async fn a_long_burn_window_widens_the_history_and_a_past_day_gets_what_was_open(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    // A bill payment 8 months before 2026-03-01, and bill 2 dated before
    // the default window, paid in full on 2026-02-10.
    let mut old_bp = fixtures::bill_payment("acme", "30", dec!(50), "1");
    old_bp.txn.txn_date = date("2025-07-01");
    let mut paid_later = fixtures::bill("acme", "2", dec!(80));
    paid_later.txn.txn_date = date("2025-06-01");
    paid_later.balance = fixtures::usd(dec!(0));
    let mut bp = fixtures::bill_payment("acme", "31", dec!(80), "2");
    bp.txn.txn_date = date("2026-02-10");
    let records = [
        Entity::BillPayment(old_bp),
        Entity::Bill(paid_later),
        Entity::BillPayment(bp),
    ]
    .into_iter()
    .map(sourced)
    .collect();
    s.apply(&batch("acme", records)).await.unwrap();
    let default = snapshot(s, "adv", "acme").await;
    assert_eq!(default.history_start, date("2025-09-01"));
    assert!(
        default
            .bill_payments
            .iter()
            .all(|p| p.meta.external_id.as_str() != "30")
    );
    let mut settings = s.settings(&advisor_id("adv"), &client_id("acme")).await.unwrap();
    settings.burn_window_months = 9;
    s.save_settings(&advisor_id("adv"), &client_id("acme"), &settings)
        .await
        .unwrap();
    let wide = snapshot(s, "adv", "acme").await;
    assert_eq!(
        wide.history_start,
        date("2025-05-01"),
        "9 full months and the current one"
    );
    assert!(wide.bill_payments.iter().any(|p| p.meta.external_id.as_str() == "30"));
    // Bill 2 is dated before even that window and closed today, yet a view
    // as of 2026-01-31 needs it: it was open then.
    let past = s
        .snapshot(
            &advisor_id("adv"),
            &client_id("acme"),
            SnapshotRequest::as_of(date("2026-01-31")),
        )
        .await
        .unwrap();
    assert!(past.bills.iter().any(|b| b.meta.external_id.as_str() == "2"));
    assert!(default.bills.iter().all(|b| b.meta.external_id.as_str() != "2"));
}

pub async fn payment_habits_reach_back_past_the_window(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    // The default window as of 2026-03-01 starts 2025-09-01. Invoice 1 and
    // its payment are both older; invoice 2 is older but paid inside the
    // window; invoice 3 and its payment are inside it; invoice 4 is open.
    let invoice = |id: &str, dated: &str, due: &str, open: bool| {
        let mut i = fixtures::invoice("acme", id, dec!(100));
        i.txn.txn_date = date(dated);
        i.due_date = Some(date(due));
        if !open {
            i.balance = fixtures::usd(dec!(0));
        }
        Entity::Invoice(i)
    };
    let payment = |id: &str, on: &str, invoice: &str| {
        let mut p = fixtures::payment("acme", id, dec!(100), invoice);
        p.txn.txn_date = date(on);
        Entity::Payment(p)
    };
    let records = [
        invoice("1", "2025-04-01", "2025-05-01", false),
        payment("20", "2025-06-10", "1"),
        invoice("2", "2025-07-01", "2025-08-01", false),
        payment("21", "2025-09-10", "2"),
        invoice("3", "2025-10-01", "2025-10-31", false),
        payment("22", "2025-11-02", "3"),
        invoice("4", "2026-02-01", "2026-03-03", true),
    ]
    .into_iter()
    .map(sourced)
    .collect();
    s.apply(&batch("acme", records)).await.unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    assert!(snap.payments.iter().all(|p| p.meta.external_id.as_str() != "20"));
    assert!(snap.invoices.iter().all(|i| i.meta.external_id.as_str() != "2"));
    let seen: Vec<(String, NaiveDate, NaiveDate)> = snap
        .habit_history
        .iter()
        .map(|h| (h.customer.to_string(), h.due_date, h.paid_on))
        .collect();
    // Invoice 3 is paired in the window's own records: not repeated here.
    assert_eq!(
        seen,
        vec![
            ("58".to_owned(), date("2025-05-01"), date("2025-06-10")),
            ("58".to_owned(), date("2025-08-01"), date("2025-09-10")),
        ]
    );
}

pub async fn purpose_queries_filter_and_order(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let due = |id: &str, d: &str, open: bool| {
        let mut b = fixtures::bill("acme", id, dec!(10));
        b.due_date = Some(date(d));
        if !open {
            b.balance = fixtures::usd(dec!(0));
        }
        SourceRecord {
            entity: Entity::Bill(b),
            raw: "{}".into(),
        }
    };
    let inv = |id: &str, d: &str| {
        let mut i = fixtures::invoice("acme", id, dec!(10));
        i.due_date = Some(date(d));
        SourceRecord {
            entity: Entity::Invoice(i),
            raw: "{}".into(),
        }
    };
    s.apply(&batch(
        "acme",
        vec![
            due("1", "2026-03-10", true),
            due("2", "2026-03-05", true),
            due("3", "2026-03-07", false),
            due("4", "2026-04-01", true),
            inv("10", "2026-02-01"),
            inv("11", "2026-01-15"),
            inv("12", "2026-03-01"),
        ],
    ))
    .await
    .unwrap();
    let (a, c) = (advisor_id("adv"), client_id("acme"));
    let bills = s
        .bills_due(&a, &c, date("2026-03-01"), date("2026-03-10"))
        .await
        .unwrap();
    assert_eq!(
        bills.iter().map(|b| b.meta.external_id.to_string()).collect::<Vec<_>>(),
        vec!["2", "1"]
    );
    let overdue = s.overdue_invoices(&a, &c, date("2026-03-01")).await.unwrap();
    assert_eq!(
        overdue
            .iter()
            .map(|i| i.meta.external_id.to_string())
            .collect::<Vec<_>>(),
        vec!["11", "10"]
    );
}

pub async fn runs_health_and_dead_letters(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let (a, c) = (advisor_id("adv"), client_id("acme"));
    let fresh = s.health(&a, &c).await.unwrap();
    assert_eq!(fresh.kinds.len(), EntityKind::ALL.len());
    assert!(fresh.kinds.iter().all(|k| k.last_success.is_none()));
    assert_eq!(fresh.connection, Some(ConnectionStatus::Active));

    let ok = s
        .start_run(&c, Rail::Qbo, SyncTrigger::Schedule, SyncMode::Full)
        .await
        .unwrap();
    let counts = RunCounts {
        fetched: 10,
        applied: 9,
        unchanged: 1,
        deleted: 0,
        dead_lettered: 1,
        api_calls: 2,
        drift: 0,
    };
    s.finish_run(ok, RunStatus::Succeeded, counts, None).await.unwrap();
    for _ in 0..2 {
        let bad = s
            .start_run(&c, Rail::Qbo, SyncTrigger::Webhook, SyncMode::Incremental)
            .await
            .unwrap();
        s.finish_run(
            bad,
            RunStatus::Failed,
            RunCounts::default(),
            Some("throttled: client acme".into()),
        )
        .await
        .unwrap();
    }
    let runs = s.runs(&c, 10).await.unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(runs[2].counts, counts);
    assert_eq!(runs[0].status, RunStatus::Failed);
    assert_eq!(runs[0].trigger, SyncTrigger::Webhook);
    assert_eq!(runs[0].error.as_deref(), Some("throttled: client acme"));
    assert_eq!(
        store_kind(
            s.finish_run(rowcol_core::sync::RunId(999_999), RunStatus::Failed, counts, None)
                .await
        ),
        Some(StoreErrorKind::NotFound)
    );

    let reject = Rejected {
        kind: EntityKind::Invoice,
        external_id: Some(fixtures::id("77")),
        raw: r#"{"Id":"77","TotalAmt":"abc"}"#.into(),
        reason: "TotalAmt is not a number".into(),
    };
    let mut b = batch("acme", vec![]);
    b.rejects = vec![reject.clone()];
    assert_eq!(s.apply(&b).await.unwrap().dead_lettered, 1);
    s.apply(&b).await.unwrap();
    let letters = s.dead_letters(&c).await.unwrap();
    assert_eq!(letters.len(), 1, "the same record rejected again is one letter");
    assert_eq!(letters[0].attempts, 2);
    assert_eq!(letters[0].rejected, reject);

    let health = s.health(&a, &c).await.unwrap();
    let invoice = health.kinds.iter().find(|k| k.kind == EntityKind::Invoice).unwrap();
    assert_eq!(invoice.dead_letters, 1);
    assert_eq!(invoice.consecutive_failures, 2);
    assert!(invoice.last_success.is_some());
    assert!(invoice.last_attempt >= invoice.last_success);
    assert_eq!(
        health
            .kinds
            .iter()
            .find(|k| k.kind == EntityKind::Bill)
            .unwrap()
            .dead_letters,
        0
    );

    assert_eq!(health.last_reconcile, None);
    let synced = invoice.last_success;
    let check = s
        .start_run(&c, Rail::Qbo, SyncTrigger::Reconcile, SyncMode::Full)
        .await
        .unwrap();
    let found = RunCounts {
        drift: 4,
        applied: 3,
        deleted: 1,
        ..RunCounts::default()
    };
    s.finish_run(check, RunStatus::Succeeded, found, None).await.unwrap();
    assert_eq!(
        s.runs(&c, 1).await.unwrap()[0].counts,
        found,
        "drift is kept with the run"
    );
    let health = s.health(&a, &c).await.unwrap();
    let last = health.last_reconcile.unwrap();
    assert_eq!((last.status, last.drift, last.repaired), (RunStatus::Succeeded, 4, 4));
    assert!(
        health
            .kinds
            .iter()
            .all(|k| k.last_success == synced && k.consecutive_failures == 2)
    );

    s.resolve_dead_letter(&c, letters[0].id).await.unwrap();
    assert!(s.dead_letters(&c).await.unwrap().is_empty());
    assert_eq!(
        store_kind(s.resolve_dead_letter(&c, letters[0].id).await),
        Some(StoreErrorKind::NotFound)
    );
}

/// `abandon_runs` closes exactly the client's runs on the rail still marked
/// running: not another client's, not a finished one.
pub async fn runs_cut_off_by_a_dead_process_are_closed_as_failed(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme", "zeta"]).await;
    let (acme, zeta) = (client_id("acme"), client_id("zeta"));
    let start = |client: ClientId| async move {
        s.start_run(&client, Rail::Qbo, SyncTrigger::Schedule, SyncMode::Incremental)
            .await
            .unwrap()
    };
    let done = start(acme.clone()).await;
    s.finish_run(done, RunStatus::Succeeded, RunCounts::default(), None)
        .await
        .unwrap();
    let (cut, cut_again, other) = (
        start(acme.clone()).await,
        start(acme.clone()).await,
        start(zeta.clone()).await,
    );

    assert_eq!(s.abandon_runs(&acme, Rail::Qbo, "interrupted").await.unwrap(), 2);
    let runs = s.runs(&acme, 10).await.unwrap();
    for run in runs.iter().filter(|r| r.id == cut || r.id == cut_again) {
        assert_eq!(
            (run.status, run.error.as_deref()),
            (RunStatus::Failed, Some("interrupted"))
        );
        assert!(run.finished_at.is_some());
    }
    let finished = runs.iter().find(|r| r.id == done).unwrap();
    assert_eq!(
        (finished.status, finished.error.as_deref()),
        (RunStatus::Succeeded, None)
    );
    assert_eq!(s.runs(&zeta, 1).await.unwrap()[0].id, other);
    assert_eq!(
        s.runs(&zeta, 1).await.unwrap()[0].status,
        RunStatus::Running,
        "another client's run is left alone"
    );
    assert_eq!(
        s.abandon_runs(&acme, Rail::Qbo, "interrupted").await.unwrap(),
        0,
        "nothing left to close"
    );
}

pub async fn checkpoint_settings_and_reviews_survive_resync(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let (a, c) = (advisor_id("adv"), client_id("acme"));
    assert!(s.checkpoint(&c, Rail::Qbo).await.unwrap().is_none());
    let mut settings = ClientSettings {
        close_date: Some(date("2025-12-31")),
        cost_of_money: dec!(0.085),
        ..ClientSettings::default()
    };
    settings
        .vendor_tiers
        .insert(fixtures::id("56"), rowcol_core::VendorTier::Payroll);
    s.save_settings(&a, &c, &settings).await.unwrap();
    let review = ReviewState {
        client: c.clone(),
        rule_id: "bill_without_due_date".into(),
        kind: EntityKind::Bill,
        external_id: fixtures::id("1"),
        version: VersionToken::new("0"),
        decision: ReviewDecision::Approved,
        by: a.clone(),
        at: time("2026-01-10T10:00:00Z").to_utc(),
    };
    s.save_review(&a, &review).await.unwrap();

    let full = SyncPosition::FullSync {
        started_at: time("2026-01-10T09:00:00-08:00"),
        pending: [
            (EntityKind::Bill, None),
            (EntityKind::Invoice, Some(rowcol_core::sync::PageCursor("1001".into()))),
        ]
        .into_iter()
        .collect(),
    };
    for position in [full, incremental("2026-01-10T10:00:00-08:00")] {
        let mut b = batch(
            "acme",
            vec![bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(10))],
        );
        b.checkpoint = Some(position.clone());
        s.apply(&b).await.unwrap();
        let cp = s.checkpoint(&c, Rail::Qbo).await.unwrap().unwrap();
        assert_eq!(cp.position, position);
    }
    let snap = snapshot(s, "adv", "acme").await;
    assert_eq!(snap.settings, settings);
    assert_eq!(snap.reviews, vec![review.clone()]);
    assert_eq!(s.settings(&a, &c).await.unwrap(), settings);
    // A later review of the same item replaces the first.
    let excluded = ReviewState {
        decision: ReviewDecision::Excluded,
        ..review
    };
    s.save_review(&a, &excluded).await.unwrap();
    assert_eq!(snapshot(s, "adv", "acme").await.reviews, vec![excluded]);
}

pub async fn balance_history_keeps_one_point_per_account_per_day(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let point = |acct: &str, d: &str, amount: Decimal| BalancePoint {
        account: fixtures::id(acct),
        on: date(d),
        balance: fixtures::usd(amount),
    };
    let mut b = batch("acme", vec![]);
    b.balance_points = vec![
        point("35", "2026-01-10", dec!(100.10)),
        point("41", "2026-01-10", dec!(-50)),
    ];
    s.apply(&b).await.unwrap();
    b.balance_points = vec![
        point("35", "2026-01-10", dec!(120.25)),
        point("35", "2026-01-11", dec!(90)),
    ];
    s.apply(&b).await.unwrap();
    let history = s
        .balance_history(
            &advisor_id("adv"),
            &client_id("acme"),
            date("2026-01-01"),
            date("2026-01-31"),
        )
        .await
        .unwrap();
    assert_eq!(
        history,
        vec![
            point("35", "2026-01-10", dec!(120.25)),
            point("35", "2026-01-11", dec!(90)),
            point("41", "2026-01-10", dec!(-50))
        ]
    );
}

pub async fn late_changes_to_closed_periods_come_from_the_audit_log(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let (a, c) = (advisor_id("adv"), client_id("acme"));
    let settings = ClientSettings {
        close_date: Some(date("2026-01-31")),
        ..ClientSettings::default()
    };
    s.save_settings(&a, &c, &settings).await.unwrap();
    // Dated and last changed inside the closed period: fine.
    let quiet = bill("acme", "1", "0", "2026-01-20T09:00:00-08:00", dec!(10));
    // Dated inside the closed period, changed after it: flagged.
    let edited = bill("acme", "2", "3", "2026-02-05T09:00:00-08:00", dec!(10));
    // Dated after the close: fine.
    let mut later = fixtures::bill("acme", "3", dec!(10));
    later.txn.txn_date = date("2026-02-10");
    later.meta.updated_at = time("2026-02-10T09:00:00-08:00");
    s.apply(&batch(
        "acme",
        vec![
            quiet,
            edited,
            SourceRecord {
                entity: Entity::Bill(later),
                raw: "{}".into(),
            },
        ],
    ))
    .await
    .unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    assert_eq!(snap.late_changes.len(), 1);
    assert_eq!(snap.late_changes[0].external_id.as_str(), "2");
    assert_eq!(snap.late_changes[0].txn_date, date("2026-01-15"));
    assert_eq!(snap.late_changes[0].changed_at, time("2026-02-05T09:00:00-08:00"));
    // Changed again: every late change is kept, oldest first, so an edit is
    // not hidden behind a later payment applied to the same record.
    s.apply(&batch(
        "acme",
        vec![bill("acme", "2", "4", "2026-02-07T09:00:00-08:00", dec!(10))],
    ))
    .await
    .unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    let times: Vec<_> = snap.late_changes.iter().map(|c| c.changed_at).collect();
    assert_eq!(
        times,
        [time("2026-02-05T09:00:00-08:00"), time("2026-02-07T09:00:00-08:00")]
    );
}

pub async fn money_keeps_its_exact_digits(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let mut b = fixtures::bill("acme", "1", dec!(12345678901234.5678));
    b.balance = fixtures::usd(dec!(0.1000));
    b.txn.total = Money::new(dec!(12345678901234.5678), "CAD".parse().unwrap());
    b.txn.exchange_rate = Some(dec!(0.731200));
    let mut p = batch(
        "acme",
        vec![SourceRecord {
            entity: Entity::Bill(b.clone()),
            raw: "{}".into(),
        }],
    );
    p.balance_points = vec![BalancePoint {
        account: fixtures::id("35"),
        on: date("2026-01-10"),
        balance: fixtures::usd(dec!(0.30)),
    }];
    s.apply(&p).await.unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    assert_eq!(snap.bills[0], b);
    assert_eq!(snap.bills[0].balance.amount().to_string(), "0.1000");
    let history = s
        .balance_history(
            &advisor_id("adv"),
            &client_id("acme"),
            date("2026-01-01"),
            date("2026-01-31"),
        )
        .await
        .unwrap();
    assert_eq!(history[0].balance.amount(), dec!(0.30));
}

use rowcol_core::Money;

pub async fn unknown_clients_and_foreign_records_are_refused_whole(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme", "bolt"]).await;
    let err = s
        .apply(&batch(
            "ghost",
            vec![bill("ghost", "1", "0", "2026-01-10T09:00:00-08:00", dec!(1))],
        ))
        .await
        .unwrap_err();
    assert!(matches!(err, RowcolError::InvalidInput { .. }), "{err}");
    // A batch for acme smuggling a record of bolt: refused, nothing written.
    let b = batch(
        "acme",
        vec![
            bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(1)),
            bill("bolt", "2", "0", "2026-01-10T09:00:00-08:00", dec!(1)),
        ],
    );
    assert!(matches!(s.apply(&b).await, Err(RowcolError::InvalidInput { .. })));
    assert!(snapshot(s, "adv", "acme").await.bills.is_empty());
    assert!(snapshot(s, "adv", "bolt").await.bills.is_empty());
}

pub async fn registry_upserts_and_connection_status(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme", "bolt"]).await;
    register(s, "adv", &["acme", "bolt"]).await; // idempotent
    let portfolio = s.portfolio(&advisor_id("adv")).await.unwrap();
    assert_eq!(portfolio.len(), 2);
    assert_eq!(portfolio[0].connections.len(), 1);
    s.set_connection_status(&client_id("acme"), Rail::Qbo, ConnectionStatus::NeedsReauth)
        .await
        .unwrap();
    let conns = s.connections().await.unwrap();
    assert_eq!(conns.len(), 2);
    assert_eq!(conns[0].status, ConnectionStatus::NeedsReauth);
    assert_eq!(conns[1].status, ConnectionStatus::Active);
    assert_eq!(
        store_kind(
            s.set_connection_status(&client_id("acme"), Rail::Ramp, ConnectionStatus::Active)
                .await
        ),
        Some(StoreErrorKind::NotFound)
    );
    let orphan = Client {
        id: client_id("orphan"),
        advisor: advisor_id("ghost"),
        name: "Orphan".into(),
        home_currency: Currency::USD,
        connections: vec![],
    };
    assert!(matches!(
        s.upsert_client(&orphan).await,
        Err(RowcolError::InvalidInput { .. })
    ));
    let health = s.health(&advisor_id("adv"), &client_id("acme")).await.unwrap();
    assert_eq!(health.connection, Some(ConnectionStatus::NeedsReauth));
}

pub async fn leases_are_exclusive_renewable_and_expire(h: Harness) {
    let store = h.store;
    let ttl = std::time::Duration::from_secs(60);
    assert!(store.try_acquire("sync:acme:qbo", "worker-a", ttl).await.unwrap());
    assert!(
        !store.try_acquire("sync:acme:qbo", "worker-b", ttl).await.unwrap(),
        "held by a"
    );
    assert!(
        store.try_acquire("sync:acme:qbo", "worker-a", ttl).await.unwrap(),
        "a renews"
    );
    assert!(
        store.try_acquire("sync:other:qbo", "worker-b", ttl).await.unwrap(),
        "names are independent"
    );

    store.release("sync:acme:qbo", "worker-b").await.unwrap();
    assert!(
        !store.try_acquire("sync:acme:qbo", "worker-b", ttl).await.unwrap(),
        "b cannot release a's lease"
    );
    store.release("sync:acme:qbo", "worker-a").await.unwrap();
    assert!(
        store.try_acquire("sync:acme:qbo", "worker-b", ttl).await.unwrap(),
        "free after release"
    );

    let short = std::time::Duration::from_millis(30);
    assert!(store.try_acquire("refresh:acme:qbo", "worker-a", short).await.unwrap());
    tokio::time::sleep(std::time::Duration::from_millis(80)).await;
    assert!(
        store.try_acquire("refresh:acme:qbo", "worker-b", ttl).await.unwrap(),
        "an expired lease is taken over"
    );

    let mut racers = tokio::task::JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        racers.spawn(async move { store.try_acquire("race", &format!("worker-{i}"), ttl).await.unwrap() });
    }
    let won = racers.join_all().await;
    assert_eq!(
        won.iter().filter(|w| **w).count(),
        1,
        "exactly one of eight racers wins: {won:?}"
    );
}

pub async fn live_versions_list_live_records_of_one_kind(h: Harness) {
    let store = h.store;
    register(store.as_ref(), "jane", &["acme"]).await;
    let mut b = batch(
        "acme",
        vec![
            bill("acme", "2", "0", "2026-01-02T10:00:00-08:00", dec!(20)),
            bill("acme", "1", "3", "2026-01-02T10:00:00-08:00", dec!(10)),
            bill("acme", "3", "1", "2026-01-02T10:00:00-08:00", dec!(30)),
        ],
    );
    b.tombstones.push(Tombstone {
        kind: EntityKind::Bill,
        external_id: fixtures::id("3"),
        deleted_at: time("2026-01-03T10:00:00-08:00"),
        merged_into: None,
    });
    store.apply(&b).await.unwrap();
    let versions = store
        .live_versions(&client_id("acme"), Rail::Qbo, EntityKind::Bill)
        .await
        .unwrap();
    let got: Vec<(String, String)> = versions
        .iter()
        .map(|(id, v)| (id.as_str().to_owned(), v.as_str().to_owned()))
        .collect();
    assert_eq!(got, vec![("1".into(), "3".into()), ("2".into(), "0".into())]);
    assert!(
        store
            .live_versions(&client_id("acme"), Rail::Qbo, EntityKind::Invoice)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn api_calls_are_summed_across_clients_since_a_time(h: Harness) {
    let store = h.store;
    register(store.as_ref(), "jane", &["acme", "bolt"]).await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    assert_eq!(store.api_calls_since(Rail::Qbo, before).await.unwrap(), 0);
    for (client, calls) in [("acme", 7), ("bolt", 5), ("acme", 1)] {
        let run = store
            .start_run(
                &client_id(client),
                Rail::Qbo,
                SyncTrigger::Schedule,
                SyncMode::Incremental,
            )
            .await
            .unwrap();
        let counts = RunCounts {
            api_calls: calls,
            ..RunCounts::default()
        };
        store.finish_run(run, RunStatus::Succeeded, counts, None).await.unwrap();
    }
    assert_eq!(store.api_calls_since(Rail::Qbo, before).await.unwrap(), 13);
    let later = chrono::Utc::now() + chrono::Duration::seconds(5);
    assert_eq!(
        store.api_calls_since(Rail::Qbo, later).await.unwrap(),
        0,
        "runs before `since` do not count"
    );
}

fn bill_ids(snap: &rowcol_core::ClientSnapshot) -> Vec<(String, String, Decimal)> {
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

/// The snapshot cache (on by default) is invalidated by every change to a
/// client's records, including one written by another mirror on the same
/// database (another process); settings, reviews and health are read fresh.
pub async fn a_cached_snapshot_sees_every_change_whichever_mirror_wrote_it(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let (a, c) = (advisor_id("adv"), client_id("acme"));
    s.apply(&batch(
        "acme",
        vec![
            bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(100)),
            bill("acme", "2", "0", "2026-01-10T09:00:00-08:00", dec!(200)),
        ],
    ))
    .await
    .unwrap();
    let first = snapshot(s, "adv", "acme").await;
    assert_eq!(
        bill_ids(&first),
        vec![("1".into(), "0".into(), dec!(100)), ("2".into(), "0".into(), dec!(200))]
    );
    // A raw edit that bypasses `apply` writes no audit entry, so the cached
    // records are served: proof that the reads below come from the cache
    // and so test its invalidation.
    (h.exec)("UPDATE records SET is_open = FALSE, deleted = TRUE WHERE external_id = '2'".to_owned())
        .await
        .unwrap();
    assert_eq!(bill_ids(&snapshot(s, "adv", "acme").await), bill_ids(&first));

    // Another mirror on the same database (another process) writes.
    let other = (h.reopen)(CredentialKey::generate()).await;
    let mut b = batch(
        "acme",
        vec![
            bill("acme", "1", "1", "2026-01-11T09:00:00-08:00", dec!(150)),
            bill("acme", "3", "0", "2026-01-11T09:00:00-08:00", dec!(300)),
        ],
    );
    b.tombstones = vec![Tombstone {
        kind: EntityKind::Bill,
        external_id: fixtures::id("2"),
        deleted_at: time("2026-01-11T10:00:00-08:00"),
        merged_into: None,
    }];
    other.apply(&b).await.unwrap();
    assert_eq!(
        bill_ids(&snapshot(s, "adv", "acme").await),
        vec![("1".into(), "1".into(), dec!(150)), ("3".into(), "0".into(), dec!(300))]
    );
    // A tombstone alone moves the generation too.
    let mut gone = batch("acme", vec![]);
    gone.tombstones = vec![Tombstone {
        kind: EntityKind::Bill,
        external_id: fixtures::id("3"),
        deleted_at: time("2026-01-12T10:00:00-08:00"),
        merged_into: None,
    }];
    other.apply(&gone).await.unwrap();
    assert_eq!(
        bill_ids(&snapshot(s, "adv", "acme").await),
        vec![("1".into(), "1".into(), dec!(150))]
    );

    // Settings, reviews and health written elsewhere are seen at once.
    let settings = ClientSettings {
        close_date: Some(date("2025-12-31")),
        cost_of_money: dec!(0.07),
        ..ClientSettings::default()
    };
    other.save_settings(&a, &c, &settings).await.unwrap();
    let review = ReviewState {
        client: c.clone(),
        rule_id: "bill_without_due_date".into(),
        kind: EntityKind::Bill,
        external_id: fixtures::id("1"),
        version: VersionToken::new("1"),
        decision: ReviewDecision::Approved,
        by: a.clone(),
        at: time("2026-01-12T10:00:00Z").to_utc(),
    };
    other.save_review(&a, &review).await.unwrap();
    let run = other
        .start_run(&c, Rail::Qbo, SyncTrigger::Schedule, SyncMode::Incremental)
        .await
        .unwrap();
    other
        .finish_run(run, RunStatus::Failed, RunCounts::default(), Some("boom".into()))
        .await
        .unwrap();
    let snap = snapshot(s, "adv", "acme").await;
    assert_eq!(snap.settings, settings);
    assert_eq!(snap.reviews, vec![review]);
    assert!(snap.health.kinds.iter().all(|k| k.consecutive_failures == 1));
    assert_eq!(bill_ids(&snap), vec![("1".into(), "1".into(), dec!(150))]);
}

/// A cached snapshot is only ever handed back for its own client and its
/// own history window, and only inside the advisor's portfolio.
pub async fn cached_snapshots_never_cross_clients_windows_or_portfolios(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme", "zeta"]).await;
    register(s, "adv2", &["other"]).await;
    let mut paid = fixtures::bill("acme", "2", dec!(20));
    paid.txn.txn_date = date("2025-10-01");
    paid.balance = fixtures::usd(dec!(0));
    s.apply(&batch(
        "acme",
        vec![
            bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(10)),
            SourceRecord {
                entity: Entity::Bill(paid),
                raw: "{}".into(),
            },
        ],
    ))
    .await
    .unwrap();
    s.apply(&batch(
        "zeta",
        vec![bill("zeta", "9", "0", "2026-01-10T09:00:00-08:00", dec!(99))],
    ))
    .await
    .unwrap();
    let load = |client: &'static str, as_of: &'static str| async move {
        s.snapshot(
            &advisor_id("adv"),
            &client_id(client),
            SnapshotRequest::as_of(date(as_of)),
        )
        .await
        .unwrap()
    };
    // Twice over, so the second round is answered from the cache.
    for _ in 0..2 {
        // 2026-03-01 less 6 months: the paid bill of 2025-10-01 is inside.
        let wide = load("acme", "2026-03-01").await;
        assert_eq!((wide.client.as_str(), wide.as_of), ("acme", date("2026-03-01")));
        assert_eq!(wide.history_start, date("2025-09-01"));
        assert_eq!(bill_ids(&wide).len(), 2);
        // 2026-06-01 less 6 months: it is outside; the open bill stays.
        let narrow = load("acme", "2026-06-01").await;
        assert_eq!(
            (narrow.as_of, narrow.history_start),
            (date("2026-06-01"), date("2025-12-01"))
        );
        assert_eq!(bill_ids(&narrow), vec![("1".into(), "0".into(), dec!(10))]);
        let zeta = load("zeta", "2026-03-01").await;
        assert_eq!((zeta.client.as_str(), zeta.name.as_str()), ("zeta", "Client zeta"));
        assert_eq!(bill_ids(&zeta), vec![("9".into(), "0".into(), dec!(99))]);
        assert!(zeta.bills.iter().all(|b| b.meta.client.as_str() == "zeta"));
        // Another advisor never gets the cached records.
        let outside = s
            .snapshot(
                &advisor_id("adv2"),
                &client_id("acme"),
                SnapshotRequest::as_of(date("2026-03-01")),
            )
            .await;
        assert_eq!(store_kind(outside), Some(StoreErrorKind::OutsidePortfolio));
    }
}

/// PostgreSQL: `apply` has `records` analysed as soon as it holds rows and
/// again once it has outgrown its statistics, so its id lookups are not
/// planned as scans of the client's records (autovacuum is not relied on:
/// it may be off, or not have run yet during a first sync). The analysis
/// runs in the background and the server reports changed rows a little
/// after commit, so the test applies small batches until it sees each
/// analysis, for up to 20 s. SQLite needs no statistics.
pub async fn a_growing_mirror_keeps_its_planner_statistics(h: Harness) {
    if h.kind != Kind::Postgres {
        return;
    }
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let analysed = "SELECT CAST(GREATEST(reltuples, 0) AS BIGINT) FROM pg_class \
                    WHERE relname = 'records' AND relnamespace = CAST(current_schema() AS regnamespace)";
    assert_eq!(
        (h.count)(analysed.to_owned()).await,
        0,
        "a fresh table has no statistics"
    );
    let bills = |ids: std::ops::Range<usize>| -> Vec<SourceRecord> {
        ids.map(|i| bill("acme", &i.to_string(), "0", "2026-01-01T10:00:00Z", dec!(1)))
            .collect()
    };
    // Ten rows: far below the changed-row rule, but never analysed.
    s.apply(&batch("acme", bills(0..10))).await.unwrap();
    let mut next = 10;
    let mut applied_until_analysed = async |at_least: i64| {
        for _ in 0..40 {
            if (h.count)(analysed.to_owned()).await >= at_least {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            s.apply(&batch("acme", bills(next..next + 1))).await.unwrap();
            next += 1;
        }
        false
    };
    assert!(
        applied_until_analysed(10).await,
        "records was never analysed after its first rows"
    );
    s.apply(&batch("acme", bills(1_000..2_500))).await.unwrap();
    assert!(
        applied_until_analysed(1_500).await,
        "records was not analysed again after it grew past its statistics"
    );
}

/// Mirrors written before records were packed hold them as JSON: snapshots
/// and purpose queries still read them, beside packed ones, and a record is
/// packed when it next changes.
pub async fn records_an_older_mirror_stored_as_json_are_still_read(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let due = |id: &str, version: &str, note: &str| {
        let mut record = bill("acme", id, version, "2026-01-10T09:00:00-08:00", dec!(10));
        if let Entity::Bill(b) = &mut record.entity {
            b.due_date = Some(date("2026-03-05"));
            // Not ASCII: a JSON doc's length in bytes is not its length in characters.
            b.txn.private_note = Some(note.to_owned());
        }
        record
    };
    let (old, packed) = (
        due("1", "0", "caf\u{e9} \u{2014} d\u{e9}j\u{e0} vu"),
        due("2", "0", "plain"),
    );
    // Due on receipt: its packed form holds NUL bytes (the number 0).
    let on_receipt = fixtures::term("acme", "5", "Due on receipt", 0, None);
    let term = SourceRecord {
        entity: Entity::Term(on_receipt.clone()),
        raw: "{}".to_owned(),
    };
    s.apply(&batch("acme", vec![old.clone(), packed.clone(), term]))
        .await
        .unwrap();
    let json = serde_json::to_string(&old.entity).unwrap().replace('\'', "''");
    let as_json = match h.kind {
        Kind::Sqlite => format!("UPDATE records SET doc = '{json}' WHERE external_id = '1'"),
        Kind::Postgres => format!("UPDATE records SET doc = convert_to('{json}', 'UTF8') WHERE external_id = '1'"),
    };
    (h.exec)(as_json).await.unwrap();
    let json_docs = || {
        (h.count)(match h.kind {
            Kind::Sqlite => "SELECT COUNT(*) FROM records WHERE substr(CAST(doc AS BLOB), 1, 1) = X'7B'".to_owned(),
            Kind::Postgres => "SELECT COUNT(*) FROM records WHERE get_byte(doc, 0) = 123".to_owned(),
        })
    };
    assert_eq!(json_docs().await, 1, "one record now stored as JSON");

    // A mirror opened afresh (no cached snapshot) reads both.
    let fresh = (h.reopen)(CredentialKey::generate()).await;
    let snap = snapshot(fresh.as_ref(), "adv", "acme").await;
    let bills: Vec<Entity> = snap.bills.iter().cloned().map(Entity::Bill).collect();
    assert_eq!(bills, vec![old.entity.clone(), packed.entity.clone()]);
    assert_eq!(snap.terms.iter().cloned().collect::<Vec<_>>(), vec![on_receipt]);
    let (a, c) = (advisor_id("adv"), client_id("acme"));
    let due_soon = fresh
        .bills_due(&a, &c, date("2026-03-01"), date("2026-03-10"))
        .await
        .unwrap();
    assert_eq!(
        due_soon.into_iter().map(Entity::Bill).collect::<Vec<_>>(),
        vec![old.entity.clone(), packed.entity.clone()]
    );

    // Its next version is stored packed.
    let newer = due("1", "1", "paid in part");
    fresh.apply(&batch("acme", vec![newer.clone()])).await.unwrap();
    assert_eq!(json_docs().await, 0);
    let snap = snapshot(fresh.as_ref(), "adv", "acme").await;
    assert_eq!(snap.bills.first().cloned().map(Entity::Bill), Some(newer.entity));
}

/// The rail's payload as received is kept for every record (in
/// `record_sources`, out of the rows snapshots read): replaced by a newer
/// state's, kept through a tombstone, and written for a record first seen
/// as a tombstone once a newer state arrives.
pub async fn source_payloads_are_kept_beside_their_records(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let payloads = |id: &str| {
        (h.count)(format!(
            "SELECT COUNT(*) FROM record_sources WHERE client_id = 'acme' AND rail = 'qbo' AND kind = 'bill' \
             AND external_id = '{id}'"
        ))
    };
    let payload_is = |id: &str, version: &str| {
        (h.count)(format!(
            "SELECT COUNT(*) FROM record_sources WHERE external_id = '{id}' AND raw LIKE '%\"SyncToken\":\"{version}\"%'"
        ))
    };
    let first = bill("acme", "1", "0", "2026-01-10T09:00:00-08:00", dec!(10));
    s.apply(&batch(
        "acme",
        vec![
            first.clone(),
            bill("acme", "2", "0", "2026-01-10T09:00:00-08:00", dec!(20)),
        ],
    ))
    .await
    .unwrap();
    assert_eq!((payloads("1").await, payloads("2").await), (1, 1));
    assert_eq!(payload_is("1", "0").await, 1);

    // A newer state replaces the payload; replaying the older one does not.
    let newer = bill("acme", "1", "1", "2026-01-12T09:00:00-08:00", dec!(11));
    s.apply(&batch("acme", vec![newer])).await.unwrap();
    s.apply(&batch("acme", vec![first])).await.unwrap();
    assert_eq!((payloads("1").await, payload_is("1", "1").await), (1, 1));

    // A tombstone keeps the last payload; one for a record never seen
    // leaves none, until a newer state of it arrives.
    let mut deletions = batch("acme", vec![]);
    deletions.tombstones = ["1", "9"]
        .into_iter()
        .map(|id| Tombstone {
            kind: EntityKind::Bill,
            external_id: fixtures::id(id),
            deleted_at: time("2026-01-13T09:00:00-08:00"),
            merged_into: None,
        })
        .collect();
    s.apply(&deletions).await.unwrap();
    assert_eq!((payloads("1").await, payload_is("1", "1").await), (1, 1));
    assert_eq!(payloads("9").await, 0);
    let revived = bill("acme", "9", "3", "2026-01-14T09:00:00-08:00", dec!(9));
    let outcome = s.apply(&batch("acme", vec![revived])).await.unwrap();
    assert_eq!(outcome.inserted + outcome.updated, 1);
    assert_eq!(payload_is("9", "3").await, 1);
    assert_eq!(snapshot(s, "adv", "acme").await.bills.len(), 2, "bills 2 and 9");
}

// ------------------------------------------------------------ upgrades

/// The backend's migrations up to version `last` (`backend`: `sqlite` or
/// `postgres`), as a mirror of that age applied them; the directory holds
/// copies of their files and must outlive the run.
async fn migrator_up_to(backend: &str, last: i64) -> (sqlx::migrate::Migrator, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let version: i64 = name.split('_').next().unwrap().parse().unwrap();
        if version <= last {
            std::fs::copy(&path, dir.path().join(&name)).unwrap();
        }
    }
    (sqlx::migrate::Migrator::new(dir.path()).await.unwrap(), dir)
}

/// Leaves `pool`'s database as a mirror from before packed records would:
/// the backend's migrations up to version `last`, then [`legacy_rows`].
pub async fn write_legacy_mirror<DB>(pool: &sqlx::Pool<DB>, backend: &str, last: i64)
where
    DB: sqlx::Database,
    DB::Connection: sqlx::migrate::Migrate,
    for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
{
    let (migrator, _files) = migrator_up_to(backend, last).await;
    migrator.run(pool).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(legacy_rows()))
        .execute(pool)
        .await
        .unwrap();
}

/// A bill as a mirror stored it before records were packed and payloads
/// moved out (`records.doc` JSON, `records.raw`); its note is not ASCII.
pub fn legacy_bill() -> Entity {
    let mut b = fixtures::bill("acme", "1", dec!(120.50));
    b.txn.private_note = Some("caf\u{e9} \u{2014} r\u{e9}sum\u{e9}".to_owned());
    Entity::Bill(b)
}

/// SQL that writes an advisor, a client and [`legacy_bill`] into a mirror
/// migrated up to the last schema before packed records.
fn legacy_rows() -> String {
    let json = serde_json::to_string(&legacy_bill()).unwrap().replace('\'', "''");
    format!(
        "INSERT INTO advisors (id, name) VALUES ('adv', 'Advisor'); \
         INSERT INTO clients (id, advisor_id, name, home_currency) VALUES ('acme', 'adv', 'Acme', 'USD'); \
         INSERT INTO records (client_id, rail, kind, external_id, version, updated_us, deleted, merged_into, \
         txn_date, due_date, currency, total, balance, is_open, party_id, active, doc, raw, synced_us) VALUES \
         ('acme', 'qbo', 'bill', '1', '0', 1768496400000000, FALSE, NULL, '2026-01-15', '2026-02-14', 'USD', \
         120.50, 120.50, TRUE, '56', NULL, '{json}', '{{\"Id\":\"1\",\"SyncToken\":\"0\"}}', 1768496400000000)"
    )
}

/// What an upgraded mirror must show of [`legacy_rows`]: the bill, read
/// from its JSON, and its payload, moved to `record_sources`; its next
/// state is stored packed.
pub async fn legacy_rows_survive_the_upgrade(h: Harness) {
    let s = h.store.as_ref();
    let snap = snapshot(s, "adv", "acme").await;
    assert_eq!(
        snap.bills.iter().cloned().map(Entity::Bill).collect::<Vec<_>>(),
        vec![legacy_bill()]
    );
    assert_eq!(
        (h.count)("SELECT COUNT(*) FROM record_sources WHERE external_id = '1' AND raw LIKE '%SyncToken%'".to_owned())
            .await,
        1
    );
    let mut newer = legacy_bill();
    if let Entity::Bill(b) = &mut newer {
        b.meta.version = VersionToken::new("1");
        b.meta.updated_at = time("2026-01-20T09:00:00-08:00");
    }
    let record = SourceRecord {
        entity: newer.clone(),
        raw: "{}".to_owned(),
    };
    assert_eq!(s.apply(&batch("acme", vec![record])).await.unwrap().updated, 1);
    let fresh = (h.reopen)(CredentialKey::generate()).await;
    let snap = snapshot(fresh.as_ref(), "adv", "acme").await;
    assert_eq!(
        snap.bills.iter().cloned().map(Entity::Bill).collect::<Vec<_>>(),
        vec![newer]
    );
}

pub async fn record_states_answer_live_and_deleted_keys_and_skip_unknown_ones(h: Harness) {
    let store = h.store;
    register(store.as_ref(), "jane", &["acme"]).await;
    let mut b = batch(
        "acme",
        vec![
            bill("acme", "1", "3", "2026-01-02T10:00:00-08:00", dec!(10)),
            bill("acme", "2", "0", "2026-01-02T10:00:00-08:00", dec!(20)),
        ],
    );
    b.tombstones.push(Tombstone {
        kind: EntityKind::Bill,
        external_id: fixtures::id("2"),
        deleted_at: time("2026-01-03T10:00:00-08:00"),
        merged_into: None,
    });
    store.apply(&b).await.unwrap();
    let keys = [
        (EntityKind::Bill, fixtures::id("1")),
        (EntityKind::Bill, fixtures::id("2")),
        (EntityKind::Bill, fixtures::id("404")),
        (EntityKind::Invoice, fixtures::id("1")),
    ];
    let mut states = store.record_states(&client_id("acme"), Rail::Qbo, &keys).await.unwrap();
    states.sort_by(|a, b| a.external_id.cmp(&b.external_id));
    let got: Vec<(&str, &str, bool, String)> = states
        .iter()
        .map(|s| {
            (
                s.external_id.as_str(),
                s.version.as_str(),
                s.deleted,
                s.updated_at.to_rfc3339(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("1", "3", false, "2026-01-02T18:00:00+00:00".to_owned()),
            ("2", "0", true, "2026-01-03T18:00:00+00:00".to_owned()),
        ]
    );
    assert!(
        store
            .record_states(&client_id("acme"), Rail::Qbo, &[])
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn a_runs_counts_grow_with_each_committed_batch(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let acme = client_id("acme");
    let run = s
        .start_run(&acme, Rail::Qbo, SyncTrigger::Schedule, SyncMode::Full)
        .await
        .unwrap();
    for (id, version) in [("1", "0"), ("2", "0"), ("1", "0")] {
        let mut b = batch(
            "acme",
            vec![bill("acme", id, version, "2026-01-02T10:00:00Z", dec!(10))],
        );
        b.run = Some(run);
        s.apply(&b).await.unwrap();
    }
    // The process dies here: the run is never finished, and says what it committed.
    let held = s.runs(&acme, 1).await.unwrap().remove(0);
    assert_eq!(held.status, RunStatus::Running);
    assert_eq!(
        (held.counts.fetched, held.counts.applied, held.counts.unchanged),
        (3, 2, 1)
    );
    s.abandon_runs(&acme, Rail::Qbo, "interrupted").await.unwrap();
    let closed = s.runs(&acme, 1).await.unwrap().remove(0);
    assert_eq!((closed.status, closed.counts.applied), (RunStatus::Failed, 2));
}

pub async fn states_confirmed_by_the_source_revive_and_replace_what_the_mirror_believes(h: Harness) {
    let store = h.store;
    register(store.as_ref(), "jane", &["acme"]).await;
    let mut buried = batch("acme", vec![bill("acme", "2", "9", "2099-01-01T00:00:00Z", dec!(99))]);
    buried.tombstones.push(Tombstone {
        kind: EntityKind::Bill,
        external_id: fixtures::id("1"),
        deleted_at: time("2099-01-01T00:00:00Z"),
        merged_into: None,
    });
    store.apply(&buried).await.unwrap();
    let source = vec![
        bill("acme", "1", "4", "2026-01-05T00:00:00Z", dec!(10)),
        bill("acme", "2", "5", "2026-01-05T00:00:00Z", dec!(20)),
    ];
    let listed = batch("acme", source.clone());
    assert_eq!(
        store.apply(&listed).await.unwrap().stale,
        2,
        "a listing does not overrule"
    );
    let mut confirmed = batch("acme", source);
    confirmed.source_confirmed = true;
    let outcome = store.apply(&confirmed).await.unwrap();
    assert_eq!((outcome.inserted, outcome.updated), (1, 1));
    let live = store
        .live_versions(&client_id("acme"), Rail::Qbo, EntityKind::Bill)
        .await
        .unwrap();
    let got: Vec<(&str, &str)> = live.iter().map(|(id, v)| (id.as_str(), v.as_str())).collect();
    assert_eq!(got, vec![("1", "4"), ("2", "5")]);
    let verification = store.verify_audit(&client_id("acme")).await.unwrap();
    assert_eq!(verification.first_broken, None, "{verification:?}");
}

pub async fn every_posting_kind_lands_in_the_snapshot_by_its_window(h: Harness) {
    let store = h.store;
    register(store.as_ref(), "jane", &["acme"]).await;
    let c = "acme";
    let dated = |mut e: Entity, on: &str| {
        if let Some(txn) = match &mut e {
            Entity::JournalEntry(x) => Some(&mut x.txn),
            Entity::Transfer(x) => Some(&mut x.txn),
            Entity::SalesReceipt(x) => Some(&mut x.txn),
            Entity::RefundReceipt(x) => Some(&mut x.txn),
            Entity::CreditMemo(x) => Some(&mut x.txn),
            Entity::VendorCredit(x) => Some(&mut x.txn),
            Entity::CreditCardPayment(x) => Some(&mut x.txn),
            Entity::TaxPayment(x) => Some(&mut x.txn),
            _ => None,
        } {
            txn.txn_date = date(on);
        }
        SourceRecord {
            raw: "{}".into(),
            entity: e,
        }
    };
    let records = vec![
        dated(
            Entity::JournalEntry(fixtures::journal_entry(c, "1", dec!(8000.01))),
            "2026-01-15",
        ),
        dated(
            Entity::JournalEntry(fixtures::journal_entry(c, "2", dec!(1))),
            "2024-01-15",
        ),
        dated(Entity::Transfer(fixtures::transfer(c, "3", dec!(5000))), "2026-01-01"),
        dated(
            Entity::SalesReceipt(fixtures::sales_receipt(c, "4", dec!(64.50))),
            "2026-01-02",
        ),
        dated(
            Entity::RefundReceipt(fixtures::refund_receipt(c, "5", dec!(12.25))),
            "2026-01-03",
        ),
        // Open credits stay whatever their date; a used-up old one does not.
        dated(
            Entity::CreditMemo(fixtures::credit_memo(c, "6", dec!(100), dec!(40))),
            "2024-02-01",
        ),
        dated(
            Entity::CreditMemo(fixtures::credit_memo(c, "7", dec!(100), dec!(0))),
            "2024-02-01",
        ),
        dated(
            Entity::VendorCredit(fixtures::vendor_credit(c, "8", dec!(75), dec!(75))),
            "2024-03-01",
        ),
        dated(
            Entity::CreditCardPayment(fixtures::card_payment(c, "9", dec!(1830.25))),
            "2026-01-15",
        ),
        dated(
            Entity::TaxPayment(fixtures::tax_payment(c, "10", dec!(320.10))),
            "2026-01-20",
        ),
        dated(Entity::Item(fixtures::item(c, "11", "Consulting")), ""),
        dated(Entity::Class(fixtures::segment(c, "12", "Retail")), ""),
        dated(Entity::Department(fixtures::segment(c, "13", "West")), ""),
        dated(
            Entity::Preferences(fixtures::preferences(c, Some(date("2025-12-31")))),
            "",
        ),
    ];
    store.apply(&batch(c, records)).await.unwrap();
    let s = snapshot(store.as_ref(), "jane", c).await;
    let ids =
        |v: Vec<&rowcol_core::entity::SourceMeta>| v.iter().map(|m| m.external_id.to_string()).collect::<Vec<_>>();
    assert_eq!(
        ids(s.journal_entries.iter().map(|e| &e.meta).collect()),
        vec!["1"],
        "the 2024 entry is outside the window"
    );
    assert_eq!(s.journal_entries[0].txn.total.amount(), dec!(8000.01));
    assert_eq!(
        s.journal_entries[0].txn.lines[1].party.as_ref().unwrap().id.as_str(),
        "90"
    );
    assert_eq!(ids(s.transfers.iter().map(|e| &e.meta).collect()), vec!["3"]);
    assert_eq!(ids(s.sales_receipts.iter().map(|e| &e.meta).collect()), vec!["4"]);
    assert_eq!(ids(s.refund_receipts.iter().map(|e| &e.meta).collect()), vec!["5"]);
    assert_eq!(ids(s.credit_memos.iter().map(|e| &e.meta).collect()), vec!["6"]);
    assert_eq!(s.credit_memos[0].remaining_credit.amount(), dec!(40));
    assert_eq!(ids(s.vendor_credits.iter().map(|e| &e.meta).collect()), vec!["8"]);
    assert_eq!(ids(s.card_payments.iter().map(|e| &e.meta).collect()), vec!["9"]);
    assert_eq!(ids(s.tax_payments.iter().map(|e| &e.meta).collect()), vec!["10"]);
    assert_eq!((s.items.len(), s.classes.len(), s.departments.len()), (1, 1, 1));
    assert_eq!(
        s.books_closed_through(),
        Some(date("2025-12-31")),
        "the preferences load whatever the window"
    );
}

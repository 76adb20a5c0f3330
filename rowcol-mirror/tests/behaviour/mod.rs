//! What this mirror promises beyond the ports' shared suite
//! (`rowcol_testkit::mirror_suite`): atomicity under sabotage, a tamper-
//! evident and append-only audit log, credentials sealed at rest, the
//! snapshot cache across processes, planner statistics and upgrades of
//! older mirrors. Stamped onto each backend by `tests/sqlite.rs` and
//! `tests/postgres.rs` with one `for_each_behaviour!` line, beside the
//! shared suite's `for_each_mirror_behaviour!`.

#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use rowcol_core::entity::{Entity, EntityKind};
use rowcol_core::sync::{
    AuditAction, AuditEntry, GENESIS_HASH, Rejected, RunCounts, RunStatus, SourceRecord, SyncMode, SyncTrigger,
    Tombstone,
};
use rowcol_core::{
    ClientSettings, OAuthTokens, Rail, RailCredentials, ReviewDecision, ReviewState, StoreErrorKind, VersionToken,
};
use rowcol_mirror::{CredentialKey, Mirror};
use rowcol_testkit::fixtures::{self, date, time};
pub use rowcol_testkit::mirror_suite::{advisor_id, batch, bill, bill_ids, client_id, incremental, register, snapshot};
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
            a_batch_failing_midway_leaves_nothing_and_keeps_the_checkpoint,
            audit_chain_verifies_and_detects_tampering,
            audit_rows_cannot_be_updated_or_deleted,
            entries_recorded_before_fingerprints_still_verify_and_compare_with_nothing,
            credentials_round_trip_encrypted_and_a_wrong_key_is_a_clear_error,
            a_cached_snapshot_sees_every_change_whichever_mirror_wrote_it,
            a_growing_mirror_keeps_its_planner_statistics,
            records_an_older_mirror_stored_as_json_are_still_read,
            source_payloads_are_kept_beside_their_records,
        );
    };
}

// ------------------------------------------------------------------ tests

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

/// A mirror upgraded from before content fingerprints: its entries verify
/// as they always did, a new entry chains onto them with its fingerprint
/// hashed, a late change finds no fingerprinted version before an old one,
/// and tampering with a new entry's fingerprint breaks its link.
pub async fn entries_recorded_before_fingerprints_still_verify_and_compare_with_nothing(h: Harness) {
    let s = h.store.as_ref();
    register(s, "adv", &["acme"]).await;
    let settings = ClientSettings {
        close_date: Some(date("2026-01-31")),
        ..ClientSettings::default()
    };
    s.save_settings(&advisor_id("adv"), &client_id("acme"), &settings)
        .await
        .unwrap();
    // Bill 2, dated 2026-01-15, first seen after the close by the older mirror.
    let old = AuditEntry {
        seq: 1,
        client: client_id("acme"),
        recorded_at: time("2026-02-05T18:00:00Z").to_utc(),
        action: AuditAction::Insert,
        kind: EntityKind::Bill,
        external_id: fixtures::id("2"),
        version: VersionToken::new("3"),
        source_updated_at: time("2026-02-05T09:00:00-08:00"),
        txn_date: Some(date("2026-01-15")),
        run: None,
        fingerprint: None,
        prev_hash: String::new(),
        hash: String::new(),
    }
    .seal(GENESIS_HASH);
    (h.exec)(format!(
        "INSERT INTO audit_log (client_id, seq, recorded_us, action, kind, external_id, version, \
         source_updated_at, source_updated_us, txn_date, run_id, prev_hash, hash) VALUES \
         ('acme', 1, {}, 'insert', 'bill', '2', '3', '{}', {}, '2026-01-15', NULL, '{}', '{}')",
        old.recorded_at.timestamp_micros(),
        old.source_updated_at.to_rfc3339(),
        old.source_updated_at.timestamp_micros(),
        old.prev_hash,
        old.hash
    ))
    .await
    .unwrap();
    s.apply(&batch(
        "acme",
        vec![bill("acme", "2", "4", "2026-02-07T09:00:00-08:00", dec!(10))],
    ))
    .await
    .unwrap();
    let entries = s.audit_entries(&client_id("acme"), 0, 10).await.unwrap();
    assert_eq!(entries[0], old);
    assert!(entries[1].fingerprint.is_some());
    assert!(s.verify_audit(&client_id("acme")).await.unwrap().is_intact());
    let snap = snapshot(s, "adv", "acme").await;
    let fingerprints: Vec<_> = snap
        .late_changes
        .iter()
        .map(|c| (c.fingerprint.is_some(), c.previous_fingerprint.is_some()))
        .collect();
    assert_eq!(fingerprints, [(false, false), (true, false)]);

    let tamper = match h.kind {
        Kind::Sqlite => "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET fingerprint = 'f00d' WHERE seq = 2",
        Kind::Postgres => {
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; \
             UPDATE audit_log SET fingerprint = 'f00d' WHERE seq = 2"
        }
    };
    (h.exec)(tamper.to_owned()).await.unwrap();
    assert_eq!(s.verify_audit(&client_id("acme")).await.unwrap().first_broken, Some(2));
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
    let creds = OAuthTokens {
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
    s.save_credentials(&client_id("acme"), Rail::Qbo, &RailCredentials::OAuth(creds.clone()))
        .await
        .unwrap();
    let back = s
        .load_credentials(&client_id("acme"), Rail::Qbo)
        .await
        .unwrap()
        .unwrap();
    let back = back.oauth().unwrap();
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

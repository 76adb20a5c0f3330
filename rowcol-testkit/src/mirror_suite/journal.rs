//! The [`SyncJournal`](rowcol_core::SyncJournal) port's behaviour: atomic,
//! idempotent batches, version order, tombstones, runs, dead letters, the
//! audit chain and checkpoints.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use super::*;

/// Reapplying a batch changes nothing and audits nothing.
pub async fn reapplying_a_batch_changes_nothing_and_audits_nothing(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
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

/// An older version never replaces a newer one.
pub async fn an_older_version_never_replaces_a_newer_one(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
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

/// Tombstones hide records and block late resurrection.
pub async fn tombstones_hide_records_and_block_late_resurrection(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
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

/// Concurrent writers to different clients all land.
pub async fn concurrent_writers_to_different_clients_all_land(store: Arc<dyn MirrorStore>) {
    let clients: Vec<String> = (0..6).map(|i| format!("c{i}")).collect();
    let names: Vec<&str> = clients.iter().map(String::as_str).collect();
    register(store.as_ref(), "adv", &names).await;
    let mut tasks = Vec::new();
    for c in &clients {
        let store = Arc::clone(&store);
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
        assert_eq!(snapshot(store.as_ref(), "adv", c).await.bills.len(), 250, "{c}");
        let v = store.verify_audit(&client_id(c)).await.unwrap();
        assert!(v.is_intact());
        assert_eq!(v.entries_checked, 250);
    }
}

/// Runs health and dead letters.
pub async fn runs_health_and_dead_letters(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
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
pub async fn runs_cut_off_by_a_dead_process_are_closed_as_failed(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
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

/// Money keeps its exact digits.
pub async fn money_keeps_its_exact_digits(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
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

/// Live versions list live records of one kind.
pub async fn live_versions_list_live_records_of_one_kind(store: Arc<dyn MirrorStore>) {
    let store = store;
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

/// Api calls are summed across clients since a time.
pub async fn api_calls_are_summed_across_clients_since_a_time(store: Arc<dyn MirrorStore>) {
    let store = store;
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

/// Record states answer live and deleted keys and skip unknown ones.
pub async fn record_states_answer_live_and_deleted_keys_and_skip_unknown_ones(store: Arc<dyn MirrorStore>) {
    let store = store;
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

/// A runs counts grow with each committed batch.
pub async fn a_runs_counts_grow_with_each_committed_batch(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
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

/// States confirmed by the source revive and replace what the mirror believes.
pub async fn states_confirmed_by_the_source_revive_and_replace_what_the_mirror_believes(store: Arc<dyn MirrorStore>) {
    let store = store;
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

/// Unknown clients and foreign records are refused whole.
pub async fn unknown_clients_and_foreign_records_are_refused_whole(store: Arc<dyn MirrorStore>) {
    let s = store.as_ref();
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

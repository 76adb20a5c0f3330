//! The job engine's behaviour, written once and run on apalis' SQLite and
//! PostgreSQL backends (see `sqlite.rs` and `postgres.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::Utc;
use rowcol_core::sync::{NoticeOperation, RunCounts, RunStatus, SourceRecord, SyncMode, SyncTrigger};
use rowcol_core::{ClientId, Entity, EntityKind, RailErrorKind, StandardPolicy};
use rowcol_worker::{
    Intake, JobState, RECONCILE_PRIORITY, SCHEDULED_PRIORITY, Scheduler, SyncJob, URGENT_PRIORITY, WorkerError,
    portfolio_metrics,
};

use crate::common::{Backend, client_id, fast_policy, notice, portfolio, realm_id, start_worker, wait_until};

/// Lists every behaviour, for a backend's instantiation macro.
#[macro_export]
macro_rules! for_each_behaviour {
    ($m:ident) => {
        $m!(
            a_tick_queues_exactly_the_due_clients_once,
            a_spent_budget_runs_no_scheduled_or_webhook_sync,
            replayed_webhooks_for_changes_already_mirrored_cost_no_call,
            webhook_notices_for_one_realm_become_one_sync,
            a_failing_job_ends_dead_and_can_be_replayed,
            a_busy_realm_is_queued_again_not_dropped,
            urgent_jobs_run_before_scheduled_ones,
            a_daily_reconcile_repairs_what_the_change_feed_missed
        );
    };
}

const WAIT: Duration = Duration::from_secs(30);

fn clients(range: std::ops::Range<usize>) -> BTreeSet<ClientId> {
    range.map(client_id).collect()
}

/// Ten clients, four of which synced a moment ago: a tick queues the other
/// six, as scheduled jobs at the low priority, and a second tick adds none.
pub async fn a_tick_queues_exactly_the_due_clients_once(backend: Backend) {
    let p = portfolio(backend, 10, StandardPolicy::default()).await;
    for connection in &p.connections[..4] {
        p.engine
            .sync_connection(connection, SyncTrigger::OnDemand, &[])
            .await
            .unwrap();
    }
    // A reconcile check is not a sync: the client stays due.
    let check = p
        .mirror
        .start_run(
            &client_id(4),
            rowcol_core::Rail::Qbo,
            SyncTrigger::Reconcile,
            SyncMode::Full,
        )
        .await
        .unwrap();
    p.mirror
        .finish_run(check, RunStatus::Succeeded, RunCounts::default(), None)
        .await
        .unwrap();
    let scheduler = Scheduler::new(p.engine.clone(), p.queue.clone());
    let now = Utc::now();
    let report = scheduler.tick(now).await.unwrap();
    assert_eq!(report.queued.iter().cloned().collect::<BTreeSet<_>>(), clients(4..10));
    assert_eq!(report.not_due, 4);

    let pending = p.queue.jobs(JobState::Pending).await.unwrap();
    assert_eq!(
        pending.iter().map(|r| r.job.client.clone()).collect::<BTreeSet<_>>(),
        clients(4..10)
    );
    assert_eq!(pending.len(), 6);
    assert!(pending.iter().all(|r| r.job.trigger == SyncTrigger::Schedule));
    assert!(pending.iter().all(|r| r.priority == SCHEDULED_PRIORITY as i64));

    let again = scheduler.tick(Utc::now()).await.unwrap();
    assert!(again.queued.is_empty(), "{again:?}");
    assert_eq!(again.already_queued, 6);
    assert_eq!(p.queue.jobs(JobState::Pending).await.unwrap().len(), 6);
}

/// With the month's budget spent, ticks queue nothing and webhook syncs do
/// not run either: the rail stops answering reads, and webhook work spends
/// the same budget.
pub async fn a_spent_budget_runs_no_scheduled_or_webhook_sync(backend: Backend) {
    let policy = StandardPolicy {
        qbo_monthly_budget: Some(0),
        ..fast_policy()
    };
    let p = portfolio(backend, 3, policy).await;
    let report = Scheduler::new(p.engine.clone(), p.queue.clone())
        .tick(Utc::now())
        .await
        .unwrap();
    assert!(report.queued.is_empty(), "{report:?}");
    assert_eq!(report.over_budget, 3);

    let intake = Intake::new(p.engine.clone(), p.queue.clone()).coalesce_for(Duration::ZERO);
    let delivery = vec![notice(
        &realm_id(1),
        "7",
        "e1",
        "2026-11-23T10:00:00Z",
        NoticeOperation::Update,
    )];
    assert_eq!(
        intake.enqueue_notices(delivery).await.unwrap().queued,
        vec![client_id(1)]
    );
    let calls = p.rail.calls();
    let worker = start_worker(&p, "budget", 2);
    wait_until("the queue to drain", WAIT, || p.queue_is_idle()).await;
    worker.stop().await;
    assert!(p.runs(&client_id(1)).await.is_empty());
    assert_eq!(p.rail.calls(), calls, "no call once the budget is spent");
}

/// A delivery replayed many times (or arriving after a scheduled sync read
/// its change) costs no call: its notices name changes the mirror holds.
pub async fn replayed_webhooks_for_changes_already_mirrored_cost_no_call(backend: Backend) {
    let p = portfolio(backend, 1, fast_policy()).await;
    let c = &p.connections[0];
    let bill = rowcol_testkit::fixtures::bill(c.client.as_str(), "7", rust_decimal::Decimal::new(12_50, 2));
    p.rail.put(
        &c.realm,
        SourceRecord {
            entity: Entity::Bill(bill),
            raw: "{}".into(),
        },
    );
    p.engine.sync_connection(c, SyncTrigger::Schedule, &[]).await.unwrap();
    let (bill, _) = p
        .mirror
        .live_versions(&c.client, c.rail, EntityKind::Bill)
        .await
        .unwrap()
        .remove(0);
    let held = p
        .mirror
        .record_states(&c.client, c.rail, &[(EntityKind::Bill, bill.clone())])
        .await
        .unwrap()
        .remove(0);
    let at = held.updated_at.to_rfc3339();
    let intake = Intake::new(p.engine.clone(), p.queue.clone()).coalesce_for(Duration::ZERO);
    for _ in 0..20 {
        let delivery = vec![notice(&c.realm, bill.as_str(), "e1", &at, NoticeOperation::Update)];
        intake.enqueue_notices(delivery).await.unwrap();
    }
    let calls = p.rail.calls();
    let worker = start_worker(&p, "replays", 2);
    wait_until("the queue to drain", WAIT, || p.queue_is_idle()).await;
    worker.stop().await;
    assert_eq!(p.rail.calls(), calls, "twenty replays, no call");
    assert_eq!(p.runs(&c.client).await.len(), 1, "only the first sync ran");
}

/// Two deliveries for one realm, with a duplicate inside each, a re-delivery
/// across them and events out of order, end in exactly one sync.
pub async fn webhook_notices_for_one_realm_become_one_sync(backend: Backend) {
    let p = portfolio(backend, 3, fast_policy()).await;
    let realm = realm_id(0);
    let intake = Intake::new(p.engine.clone(), p.queue.clone()).coalesce_for(Duration::from_millis(500));
    let first = vec![
        notice(&realm, "7", "e1", "2026-11-23T10:00:05Z", NoticeOperation::Update),
        notice(&realm, "8", "e2", "2026-11-23T10:00:01Z", NoticeOperation::Create),
        notice(&realm, "7", "e1", "2026-11-23T10:00:05Z", NoticeOperation::Update),
    ];
    let report = intake.enqueue_notices(first).await.unwrap();
    assert_eq!(report.distinct, 2);
    assert_eq!(report.queued, vec![client_id(0)]);
    let second = vec![
        notice(&realm, "8", "e2", "2026-11-23T10:00:01Z", NoticeOperation::Create),
        notice(&realm, "9", "e3", "2026-11-23T09:59:58Z", NoticeOperation::Delete),
        notice(&realm, "9", "e3", "2026-11-23T09:59:58Z", NoticeOperation::Delete),
    ];
    assert_eq!(intake.enqueue_notices(second).await.unwrap().distinct, 2);
    let pending = p.queue.jobs(JobState::Pending).await.unwrap();
    assert!(
        pending
            .iter()
            .all(|r| r.job.client == client_id(0) && r.priority == URGENT_PRIORITY as i64)
    );

    // One job at a time: two workers picking both jobs at once can each pass
    // the "a later sync covered this" check before either sync starts, and
    // then the second syncs again (one extra, cheap incremental sync; see the
    // worker README).
    let worker = start_worker(&p, "webhooks", 1);
    wait_until("the queue to drain", WAIT, || p.queue_is_idle()).await;
    worker.stop().await;
    let runs = p.runs(&client_id(0)).await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(
        (runs[0].trigger, runs[0].status),
        (SyncTrigger::Webhook, RunStatus::Succeeded)
    );
    assert!(p.runs(&client_id(1)).await.is_empty());

    let metrics = portfolio_metrics(&p.engine, &p.queue, &p.advisor).await.unwrap();
    assert!(
        metrics.contains(r#"rowcol_sync_last_success_timestamp_seconds{client="client-00",kind="bill"}"#),
        "{metrics}"
    );
    assert!(
        !metrics.contains(r#"rowcol_sync_lag_seconds{client="client-01""#),
        "{metrics}"
    );
}

/// A job whose every attempt fails is retried with the policy's backoff,
/// then kept dead; replayed once the rail recovers, it syncs.
pub async fn a_failing_job_ends_dead_and_can_be_replayed(backend: Backend) {
    let p = portfolio(backend, 2, fast_policy()).await;
    for skip in 0..3 {
        p.rail.fail_next_after(skip, RailErrorKind::Transient);
    }
    let intake = Intake::new(p.engine.clone(), p.queue.clone());
    intake
        .enqueue_on_demand(&client_id(0), rowcol_core::Rail::Qbo)
        .await
        .unwrap();
    let worker = start_worker(&p, "failing", 2);
    wait_until("a dead job", WAIT, || async {
        !p.queue.dead_jobs().await.unwrap().is_empty()
    })
    .await;

    let dead = p.queue.dead_jobs().await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!((dead[0].job.client.clone(), dead[0].job.attempt), (client_id(0), 3));
    assert!(
        dead[0].last_result.as_deref().unwrap_or_default().contains("gave up"),
        "{dead:?}"
    );
    let runs = p.runs(&client_id(0)).await;
    assert_eq!(runs.len(), 3, "{runs:?}");
    assert!(runs.iter().all(|r| r.status == RunStatus::Failed));

    p.queue.replay(&dead[0].id).await.unwrap();
    wait_until("the replayed sync", WAIT, || async {
        p.succeeded(&client_id(0)).await == 1
    })
    .await;
    worker.stop().await;
    assert!(p.queue.dead_jobs().await.unwrap().is_empty());
    assert!(matches!(
        p.queue.replay(&dead[0].id).await,
        Err(WorkerError::NotDead { .. })
    ));
}

/// While another process holds a realm's lease, its job waits in the queue
/// (re-queued, not dropped) and syncs once the lease is given back.
pub async fn a_busy_realm_is_queued_again_not_dropped(backend: Backend) {
    let p = portfolio(backend, 2, fast_policy()).await;
    let lease = format!("sync:{}:qbo", client_id(0));
    assert!(
        p.mirror
            .try_acquire(&lease, "another-process", Duration::from_secs(60))
            .await
            .unwrap()
    );
    let intake = Intake::new(p.engine.clone(), p.queue.clone());
    intake
        .enqueue_on_demand(&client_id(0), rowcol_core::Rail::Qbo)
        .await
        .unwrap();
    let worker = start_worker(&p, "busy", 2);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(p.runs(&client_id(0)).await.is_empty());
    let waiting = [JobState::Pending, JobState::Running];
    let mut live = Vec::new();
    for state in waiting {
        live.extend(p.queue.jobs(state).await.unwrap());
    }
    // The job handed on and its successor may both show for an instant.
    assert!(
        !live.is_empty() && live.iter().all(|r| r.job.client == client_id(0)),
        "{live:?}"
    );
    assert!(p.queue.dead_jobs().await.unwrap().is_empty());

    p.mirror.release(&lease, "another-process").await.unwrap();
    wait_until("the sync after the lease", WAIT, || async {
        p.succeeded(&client_id(0)).await == 1
    })
    .await;
    worker.stop().await;
}

/// With one job at a time, a webhook job queued after five scheduled ones
/// runs first.
pub async fn urgent_jobs_run_before_scheduled_ones(backend: Backend) {
    let p = portfolio(backend, 6, fast_policy()).await;
    let now = Utc::now();
    for connection in &p.connections[..5] {
        let job = SyncJob::new(connection, SyncTrigger::Schedule, now);
        p.queue.push(&job, Duration::ZERO, None).await.unwrap();
    }
    let intake = Intake::new(p.engine.clone(), p.queue.clone()).coalesce_for(Duration::ZERO);
    let delivery = vec![notice(
        &realm_id(5),
        "1",
        "w1",
        "2026-11-23T10:00:00Z",
        NoticeOperation::Update,
    )];
    intake.enqueue_notices(delivery).await.unwrap();

    let worker = start_worker(&p, "priority", 1);
    wait_until("the queue to drain", WAIT, || p.queue_is_idle()).await;
    worker.stop().await;
    let urgent = p.runs(&client_id(5)).await[0].started_at;
    for i in 0..5 {
        let runs = p.runs(&client_id(i)).await;
        assert_eq!(runs.len(), 1, "client {i}: {runs:?}");
        assert!(urgent < runs[0].started_at, "client {i} ran before the webhook sync");
    }
}

/// A bill the change feed never announced: the day's reconcile tick queues
/// one reconcile job per client (once, however often it ticks), and the
/// worker's cheap check finds and lands the bill under a Reconcile run.
pub async fn a_daily_reconcile_repairs_what_the_change_feed_missed(backend: Backend) {
    let p = portfolio(backend, 2, fast_policy()).await;
    for connection in &p.connections {
        p.engine
            .sync_connection(connection, SyncTrigger::OnDemand, &[])
            .await
            .unwrap();
    }
    let bill = rowcol_testkit::fixtures::bill(client_id(0).as_str(), "77", rust_decimal::Decimal::new(12_50, 2));
    p.rail.put_unannounced(
        &realm_id(0),
        SourceRecord {
            entity: Entity::Bill(bill),
            raw: "{}".into(),
        },
    );
    let scheduler = Scheduler::new(p.engine.clone(), p.queue.clone());
    let report = scheduler.tick_reconcile(Utc::now()).await.unwrap();
    assert_eq!(report.queued.iter().cloned().collect::<BTreeSet<_>>(), clients(0..2));
    let again = scheduler.tick_reconcile(Utc::now()).await.unwrap();
    assert!(again.queued.is_empty() && again.already_queued == 2, "{again:?}");
    let pending = p.queue.jobs(JobState::Pending).await.unwrap();
    assert!(
        pending
            .iter()
            .all(|r| r.job.trigger == SyncTrigger::Reconcile && r.priority == RECONCILE_PRIORITY as i64)
    );

    let worker = start_worker(&p, "reconcile", 2);
    wait_until("the reconcile jobs", WAIT, || p.queue_is_idle()).await;
    worker.stop().await;
    let live = p
        .mirror
        .live_versions(&client_id(0), rowcol_core::Rail::Qbo, EntityKind::Bill)
        .await
        .unwrap();
    assert!(live.iter().any(|(id, _)| id.as_str() == "77"), "{live:?}");
    // Each check is recorded, clean or not, with the drift it found.
    for (client, drift, applied) in [(0, 1, 1), (1, 0, 0)] {
        let runs = p.runs(&client_id(client)).await;
        let last = runs.last().unwrap();
        assert_eq!(last.trigger, SyncTrigger::Reconcile);
        assert_eq!(
            (last.counts.drift, last.counts.applied),
            (drift, applied),
            "client {client}"
        );
    }
}

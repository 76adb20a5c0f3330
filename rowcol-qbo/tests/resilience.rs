//! Limits, retries and faults against the look-alike: throttling storms
//! absorbed within the limits, 5xx, dropped connections, malformed bodies and
//! timeouts retried as the policy says, validation faults not retried, and
//! every error carrying its context.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::time::Duration;

use rowcol_core::{EntityKind, ExternalId, LedgerRail, RailErrorKind, RetrySettings, StandardPolicy};
use rowcol_qbo::{Literal, Op, QboConfig, Select};
use rowcol_qbo_sim::{FaultConfig, Size};

use common::{fast_policy, harness, rate, throttle};

fn policy_with(limit: rowcol_core::RateLimit, max_attempts: u32) -> StandardPolicy {
    let base = fast_policy();
    StandardPolicy {
        qbo_rate_limit: limit,
        retry: RetrySettings {
            max_attempts,
            ..base.retry
        },
        ..base
    }
}

async fn some_bill_ids(h: &common::Harness, n: usize) -> Vec<ExternalId> {
    let truth = h.sim.admin().ground_truth(&h.realm).unwrap();
    truth.kinds["Bill"]
        .live
        .keys()
        .take(n)
        .map(|id| id.parse().unwrap())
        .collect()
}

async fn storm(
    rail: Arc<rowcol_qbo::QboRail>,
    connection: &rowcol_core::Connection,
    ids: &[ExternalId],
    rounds: usize,
) {
    let mut tasks = Vec::new();
    for i in 0..rounds {
        let rail = Arc::clone(&rail);
        let connection = connection.clone();
        let id = ids[i % ids.len()].clone();
        tasks.push(tokio::spawn(async move {
            rail.fetch_one(&connection, EntityKind::Bill, &id).await
        }));
    }
    for task in tasks {
        assert!(task.await.unwrap().unwrap().is_some());
    }
}

#[tokio::test]
async fn a_storm_stays_within_the_limits_the_look_alike_counts() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    let window = Duration::from_millis(1000);
    admin.set_throttle(throttle(window, 30, 10));
    let mut config = QboConfig::for_sim(&h.sim.base_url()).unwrap();
    config.rate_window = window;
    let rail = Arc::new(h.rail_with(config, policy_with(rate(30, 10), 6)));
    let ids = some_bill_ids(&h, 10).await;
    rail.fetch_one(&h.connection, EntityKind::Bill, &ids[0]).await.unwrap();
    admin.reset_counters();
    storm(Arc::clone(&rail), &h.connection, &ids, 60).await;
    let c = &admin.counters()[&h.realm];
    assert_eq!(c.throttled, 0, "{c:?}");
    assert_eq!(c.requests, 60);
    assert!(c.max_concurrency_seen <= 10, "{c:?}");
    assert!(c.max_requests_in_window <= 30, "{c:?}");
}

#[tokio::test]
async fn throttle_answers_even_in_xml_are_absorbed_by_retries() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    // The server is stricter than the client believes: it refuses some.
    admin.set_throttle(throttle(Duration::from_secs(60), 10_000, 3));
    admin.set_faults(
        &h.realm,
        FaultConfig {
            xml_throttle_faults: true,
            latency: Duration::from_millis(20),
            ..FaultConfig::default()
        },
    );
    let rail = Arc::new(h.rail_with(
        QboConfig::for_sim(&h.sim.base_url()).unwrap(),
        policy_with(rate(10_000, 10), 20),
    ));
    let ids = some_bill_ids(&h, 10).await;
    storm(Arc::clone(&rail), &h.connection, &ids, 30).await;
    let c = &admin.counters()[&h.realm];
    assert!(c.throttled > 0, "the storm was throttled: {c:?}");
    assert_eq!(c.requests, 30, "each request landed once");
    assert!(rail.total_calls() > 30);
}

#[tokio::test]
async fn server_errors_drops_and_garbled_bodies_are_retried() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    admin.set_faults(
        &h.realm,
        FaultConfig {
            seed: 5,
            error_500: 0.1,
            error_503: 0.1,
            drop_connection: 0.1,
            malformed_json: 0.1,
            truncated_json: 0.05,
            ..FaultConfig::default()
        },
    );
    let rail = h.rail_with(
        QboConfig::for_sim(&h.sim.base_url()).unwrap(),
        policy_with(rate(500, 10), 12),
    );
    for id in some_bill_ids(&h, 20).await {
        assert!(
            rail.fetch_one(&h.connection, EntityKind::Bill, &id)
                .await
                .unwrap()
                .is_some()
        );
    }
    assert!(
        rail.total_calls() > 20,
        "some answers were retried: {}",
        rail.total_calls()
    );
}

#[tokio::test]
async fn always_garbled_answers_give_up_after_the_policy_attempts() {
    let h = harness(Size::Small).await;
    h.sim.admin().set_faults(
        &h.realm,
        FaultConfig {
            malformed_json: 1.0,
            ..FaultConfig::default()
        },
    );
    let rail = h.rail_with(
        QboConfig::for_sim(&h.sim.base_url()).unwrap(),
        policy_with(rate(500, 10), 4),
    );
    let id = some_bill_ids(&h, 1).await.remove(0);
    let err = rail.fetch_one(&h.connection, EntityKind::Bill, &id).await.unwrap_err();
    assert_eq!(err.rail_kind(), Some(&RailErrorKind::Transient));
    assert!(err.retryable(), "the engine may retry the whole step later");
    assert_eq!(rail.total_calls(), 4);
}

#[tokio::test]
async fn timeouts_are_retried_then_reported() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    admin.set_faults(
        &h.realm,
        FaultConfig {
            stall: 1.0,
            stall_for: Duration::from_millis(600),
            ..FaultConfig::default()
        },
    );
    let mut config = QboConfig::for_sim(&h.sim.base_url()).unwrap();
    config.timeouts.request = Duration::from_millis(100);
    let rail = h.rail_with(config, policy_with(rate(500, 10), 3));
    let id = some_bill_ids(&h, 1).await.remove(0);
    let err = rail.fetch_one(&h.connection, EntityKind::Bill, &id).await.unwrap_err();
    assert_eq!(err.rail_kind(), Some(&RailErrorKind::Timeout));
    assert_eq!(rail.total_calls(), 3);
    admin.set_faults(
        &h.realm,
        FaultConfig {
            seed: 3,
            stall: 0.5,
            stall_for: Duration::from_millis(600),
            ..FaultConfig::default()
        },
    );
    let patient = h.rail_with(
        {
            let mut c = QboConfig::for_sim(&h.sim.base_url()).unwrap();
            c.timeouts.request = Duration::from_millis(100);
            c
        },
        policy_with(rate(500, 10), 12),
    );
    assert!(
        patient
            .fetch_one(&h.connection, EntityKind::Bill, &id)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn validation_faults_are_not_retried_and_errors_carry_context() {
    let h = harness(Size::Small).await;
    let rail = h.rail();
    let bad = Select::from(EntityKind::Bill).filter("NoSuchField", Op::Eq, Literal::Text("x".into()));
    let err = rail.query(&h.connection, EntityKind::Bill, &bad).await.unwrap_err();
    assert_eq!(rail.total_calls(), 1, "4xx validation faults are final");
    let rowcol_core::RowcolError::Rail { kind, context, failure } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*kind, RailErrorKind::Invalid);
    assert_eq!(context.realm.as_ref().map(|r| r.to_string()), Some(h.realm.clone()));
    assert_eq!(context.kind, Some(EntityKind::Bill));
    assert_eq!(failure.http_status, Some(400));
    assert_eq!(failure.code.as_deref(), Some("4000"));
    assert!(failure.trace_id.is_some(), "intuit_tid kept");
    assert!(!err.to_string().contains("Bearer"));
}

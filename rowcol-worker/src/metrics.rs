//! Health in the Prometheus text format (OpenMetrics), rendered with the
//! official `prometheus-client` crate from a [`PortfolioHealth`] value.
//!
//! Per client and entity kind: last success (Unix seconds), lag (seconds),
//! consecutive failures and dead letters; per client: its connection status
//! as a 0/1 gauge per status; for the portfolio: the share of fresh clients;
//! for the queue, when given: jobs per state.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use rowcol_core::{AdvisorId, ConnectionStatus};
use rowcol_sync::SyncEngine;
use rowcol_sync::engine::PortfolioHealth;

use crate::error::Result;
use crate::queue::{JobQueue, QueueStats};

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    client: String,
    kind: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    client: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClientLabels {
    client: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: String,
}

type FloatGauges<L> = Family<L, Gauge<f64, AtomicU64>>;
type IntGauges<L> = Family<L, Gauge>;

const STATUSES: [ConnectionStatus; 3] = [
    ConnectionStatus::Active,
    ConnectionStatus::NeedsReauth,
    ConnectionStatus::Disabled,
];

/// Renders `health` (and `queue`, when given) in the Prometheus text format.
pub fn metrics_text(health: &PortfolioHealth, queue: Option<&QueueStats>) -> Result<String> {
    let mut registry = Registry::with_prefix("rowcol");
    let last_success = FloatGauges::<KindLabels>::default();
    let lag = FloatGauges::<KindLabels>::default();
    let failures = IntGauges::<KindLabels>::default();
    let dead_letters = IntGauges::<KindLabels>::default();
    let status = IntGauges::<StatusLabels>::default();
    let reconciled = FloatGauges::<ClientLabels>::default();
    let drift = IntGauges::<ClientLabels>::default();
    let fresh_share = Gauge::<f64, AtomicU64>::default();
    let clients = Gauge::<i64>::default();
    registry.register(
        "sync_last_success_timestamp_seconds",
        "Unix time of the last committed sync of a client's entity kind",
        last_success.clone(),
    );
    registry.register("sync_lag_seconds", "Seconds since the last committed sync", lag.clone());
    registry.register(
        "sync_consecutive_failures",
        "Failed sync attempts since the last success",
        failures.clone(),
    );
    registry.register(
        "sync_dead_letters",
        "Records waiting in the dead-letter table",
        dead_letters.clone(),
    );
    registry.register(
        "connection_status",
        "1 for the connection's current status",
        status.clone(),
    );
    registry.register(
        "reconcile_last_timestamp_seconds",
        "Unix time of the client's last reconciliation with its source",
        reconciled.clone(),
    );
    registry.register(
        "reconcile_drift",
        "Differences the client's last reconciliation found (repaired in the same run)",
        drift.clone(),
    );
    registry.register(
        "portfolio_fresh_share",
        "Share of clients whose every kind is within the freshness target",
        fresh_share.clone(),
    );
    registry.register("portfolio_clients", "Clients in the portfolio", clients.clone());

    for client in &health.clients {
        for kind in &client.kinds {
            let labels = KindLabels {
                client: client.client.to_string(),
                kind: kind.kind.as_str().to_owned(),
            };
            if let Some(at) = kind.last_success {
                last_success
                    .get_or_create(&labels)
                    .set(at.timestamp_micros() as f64 / 1e6);
            }
            if let Some(behind) = kind.lag(health.as_of) {
                lag.get_or_create(&labels).set(behind.as_secs_f64());
            }
            failures
                .get_or_create(&labels)
                .set(i64::from(kind.consecutive_failures));
            dead_letters.get_or_create(&labels).set(i64::from(kind.dead_letters));
        }
        if let Some(last) = &client.last_reconcile {
            let labels = ClientLabels {
                client: client.client.to_string(),
            };
            reconciled
                .get_or_create(&labels)
                .set(last.checked_at.timestamp_micros() as f64 / 1e6);
            drift.get_or_create(&labels).set(i64::from(last.drift));
        }
        for candidate in STATUSES {
            let labels = StatusLabels {
                client: client.client.to_string(),
                status: candidate.as_str().to_owned(),
            };
            status
                .get_or_create(&labels)
                .set(i64::from(client.connection == Some(candidate)));
        }
    }
    fresh_share.set(health.fresh_share());
    clients.set(i64::try_from(health.clients.len()).unwrap_or(i64::MAX));

    if let Some(queue) = queue {
        let jobs = IntGauges::<StateLabels>::default();
        registry.register("jobs", "Sync jobs in the queue by state", jobs.clone());
        for (state, count) in [
            ("pending", queue.pending),
            ("running", queue.running),
            ("dead", queue.dead),
        ] {
            let labels = StateLabels {
                state: state.to_owned(),
            };
            jobs.get_or_create(&labels)
                .set(i64::try_from(count).unwrap_or(i64::MAX));
        }
    }

    let mut text = String::new();
    encode(&mut text, &registry)?;
    Ok(text)
}

/// Loads the advisor's portfolio health and the queue's counts now and
/// renders them: what a `/metrics` endpoint answers.
pub async fn portfolio_metrics(engine: &SyncEngine, queue: &JobQueue, advisor: &AdvisorId) -> Result<String> {
    let health = PortfolioHealth::load(
        engine.mirror().as_ref(),
        advisor,
        engine.policy().freshness_target(),
        engine.clock().now(),
    )
    .await?;
    let stats = queue.stats().await?;
    metrics_text(&health, Some(&stats))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::{DateTime, Utc};
    use rowcol_core::sync::RunStatus;
    use rowcol_core::{ClientHealth, EntityKind, KindHealth, ReconcileHealth};

    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn renders_one_series_per_client_and_kind_and_the_fresh_share() {
        let now = at("2026-11-23T10:00:00Z");
        let kind = |kind, mins_ago: Option<i64>, failures| KindHealth {
            kind,
            last_success: mins_ago.map(|m| now - chrono::Duration::minutes(m)),
            last_attempt: None,
            consecutive_failures: failures,
            dead_letters: 1,
        };
        let health = PortfolioHealth {
            as_of: now,
            freshness_target: Duration::from_secs(1800),
            clients: vec![
                ClientHealth {
                    client: "acme".parse().unwrap(),
                    connection: Some(ConnectionStatus::Active),
                    kinds: vec![kind(EntityKind::Bill, Some(10), 0)],
                    last_reconcile: Some(ReconcileHealth {
                        checked_at: now - chrono::Duration::hours(2),
                        status: RunStatus::Succeeded,
                        drift: 3,
                        repaired: 3,
                    }),
                },
                ClientHealth {
                    client: "zeta".parse().unwrap(),
                    connection: Some(ConnectionStatus::NeedsReauth),
                    kinds: vec![kind(EntityKind::Bill, None, 3)],
                    last_reconcile: None,
                },
            ],
        };
        let stats = QueueStats {
            pending: 2,
            running: 1,
            dead: 1,
        };
        let text = metrics_text(&health, Some(&stats)).unwrap();
        assert!(
            text.contains(r#"rowcol_sync_lag_seconds{client="acme",kind="bill"} 600.0"#),
            "{text}"
        );
        assert!(!text.contains(r#"rowcol_sync_lag_seconds{client="zeta""#), "{text}");
        assert!(
            text.contains(r#"rowcol_sync_consecutive_failures{client="zeta",kind="bill"} 3"#),
            "{text}"
        );
        assert!(
            text.contains(r#"rowcol_connection_status{client="zeta",status="needs_reauth"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"rowcol_connection_status{client="zeta",status="active"} 0"#),
            "{text}"
        );
        assert!(text.contains(r#"rowcol_reconcile_drift{client="acme"} 3"#), "{text}");
        assert!(
            text.contains(r#"rowcol_reconcile_last_timestamp_seconds{client="acme"} 1795420800.0"#),
            "{text}"
        );
        assert!(
            !text.contains(r#"rowcol_reconcile_drift{client="zeta""#),
            "never reconciled: {text}"
        );
        assert!(text.contains("rowcol_portfolio_fresh_share 0.5"), "{text}");
        assert!(text.contains(r#"rowcol_jobs{state="dead"} 1"#), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}

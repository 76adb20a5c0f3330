//! The schedule: each tick queues a sync for every client whose slot came
//! and went without a sync. Slots come from the policy's interval and the
//! client's stable offset ([`next_slot`]), so a portfolio spreads over the
//! interval; a quiet client's interval stretches when the month's call
//! budget runs ahead of pace, and a spent budget queues nothing (webhook and
//! on-demand syncs still run).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rowcol_core::sync::{SyncRun, SyncTrigger};
use rowcol_core::{ClientId, Connection, ConnectionStatus, Rail};
use rowcol_sync::SyncEngine;
use rowcol_sync::engine::{BudgetPlan, is_quiet, month_start, next_slot};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::job::SyncJob;
use crate::queue::{JobQueue, Pushed};

/// Runs read per client to judge whether it is quiet.
const RECENT_RUNS: u32 = 8;

/// How often every connection is reconciled with its source.
pub const RECONCILE_EVERY: Duration = Duration::from_secs(24 * 3600);

/// Queues scheduled syncs. Several schedulers may tick against one queue:
/// a job's idempotency key is its client, rail and slot, so a slot is queued
/// once however many processes tick.
pub struct Scheduler {
    engine: Arc<SyncEngine>,
    queue: JobQueue,
}

/// What one tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickReport {
    /// Clients whose sync was queued by this tick, in connection order.
    pub queued: Vec<ClientId>,
    /// Due clients whose slot another tick had queued already.
    pub already_queued: usize,
    /// Active connections not due yet.
    pub not_due: usize,
    /// Due connections skipped because their rail's monthly budget is spent.
    pub over_budget: usize,
}

impl Scheduler {
    /// A scheduler queueing syncs of the engine's connections into `queue`.
    pub fn new(engine: Arc<SyncEngine>, queue: JobQueue) -> Self {
        Scheduler { engine, queue }
    }

    /// Now, by the engine's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.engine.clock().now()
    }

    /// Queues a sync for every active connection due at `now`.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickReport> {
        let mirror = self.engine.mirror();
        let mut plans: BTreeMap<Rail, BudgetPlan> = BTreeMap::new();
        let mut report = TickReport::default();
        for connection in mirror.connections().await? {
            if connection.status != ConnectionStatus::Active {
                continue;
            }
            let plan = self.plan_for(&mut plans, connection.rail, now).await?;
            let runs: Vec<SyncRun> = mirror
                .runs(&connection.client, RECENT_RUNS)
                .await?
                .into_iter()
                // A reconcile run checks the mirror; it is not the slot's sync.
                .filter(|r| r.rail == connection.rail && r.trigger != SyncTrigger::Reconcile)
                .collect();
            let policy = self.engine.policy();
            let base = policy.interval(&connection.client);
            let offset = policy.schedule_offset(&connection.client);
            let Some(slot) = due_slot(&plan, base, offset, &runs, now) else {
                report.not_due += 1;
                continue;
            };
            if plan.exhausted() {
                report.over_budget += 1;
                continue;
            }
            self.push_slot(&connection, SyncTrigger::Schedule, slot, &mut report)
                .await?;
        }
        if !report.queued.is_empty() {
            tracing::info!(
                queued = report.queued.len(),
                over_budget = report.over_budget,
                "scheduled syncs queued"
            );
        }
        Ok(report)
    }

    /// Queues the daily reconciliation of every active connection whose
    /// day's slot (the start of the UTC day plus its schedule offset) has
    /// passed: a cheap check (counts first) that repairs what webhooks and
    /// CDC missed. A day's job is queued once however many processes tick;
    /// nothing is queued once the month's budget is spent.
    pub async fn tick_reconcile(&self, now: DateTime<Utc>) -> Result<TickReport> {
        let mut plans: BTreeMap<Rail, BudgetPlan> = BTreeMap::new();
        let mut report = TickReport::default();
        for connection in self.engine.mirror().connections().await? {
            if connection.status != ConnectionStatus::Active {
                continue;
            }
            let plan = self.plan_for(&mut plans, connection.rail, now).await?;
            if plan.exhausted() {
                report.over_budget += 1;
                continue;
            }
            let offset = self.engine.policy().schedule_offset(&connection.client);
            let Some(slot) = latest_slot(RECONCILE_EVERY, offset, now) else {
                report.not_due += 1;
                continue;
            };
            self.push_slot(&connection, SyncTrigger::Reconcile, slot, &mut report)
                .await?;
        }
        Ok(report)
    }

    /// The rail's budget plan at `now`, read once per tick.
    async fn plan_for(
        &self,
        plans: &mut BTreeMap<Rail, BudgetPlan>,
        rail: Rail,
        now: DateTime<Utc>,
    ) -> Result<BudgetPlan> {
        if let Some(plan) = plans.get(&rail) {
            return Ok(*plan);
        }
        let plan = self.budget_plan(rail, now).await?;
        plans.insert(rail, plan);
        Ok(plan)
    }

    /// Queues `connection`'s job for `slot`, once: the idempotency key is the
    /// trigger, client, rail and slot.
    async fn push_slot(
        &self,
        connection: &Connection,
        trigger: SyncTrigger,
        slot: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<()> {
        let job = SyncJob::new(connection, trigger, slot);
        let what = match trigger {
            SyncTrigger::Reconcile => "reconcile",
            _ => "schedule",
        };
        let key = format!("{what}:{}:{}:{}", connection.client, connection.rail, slot.timestamp());
        match self.queue.push(&job, Duration::ZERO, Some(&key)).await? {
            Pushed::Queued => report.queued.push(connection.client.clone()),
            Pushed::AlreadyQueued => report.already_queued += 1,
        }
        Ok(())
    }

    async fn budget_plan(&self, rail: Rail, now: DateTime<Utc>) -> Result<BudgetPlan> {
        let budget = self.engine.policy().monthly_call_budget(rail);
        let spent = self.engine.mirror().api_calls_since(rail, month_start(now)).await?;
        Ok(BudgetPlan::new(budget, spent, now))
    }
}

/// The latest slot at or before `now` of a client scheduled every `base`
/// (stretched by `plan` when its `runs`, newest first, are quiet) at
/// `offset`, when no run started at or after that slot.
fn due_slot(
    plan: &BudgetPlan,
    base: Duration,
    offset: Duration,
    runs: &[SyncRun],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let interval = plan.interval(base, is_quiet(runs));
    latest_slot(interval, offset, now).filter(|slot| !runs.iter().any(|r| r.started_at >= *slot))
}

/// The latest slot at or before `now` (slots at `offset + k * interval`).
fn latest_slot(interval: Duration, offset: Duration, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let before = now - chrono::Duration::from_std(interval.max(Duration::from_secs(1))).ok()?;
    Some(next_slot(interval, offset, before))
}

#[cfg(test)]
mod tests {
    use rowcol_core::sync::{RunCounts, RunId, RunStatus, SyncMode};

    use super::*;

    fn runs(fetched: u32, started: &str) -> Vec<SyncRun> {
        (0..4)
            .map(|i| SyncRun {
                id: RunId(i),
                client: "acme".parse().unwrap(),
                rail: Rail::Qbo,
                trigger: SyncTrigger::Schedule,
                mode: SyncMode::Incremental,
                status: RunStatus::Succeeded,
                started_at: at(started) - chrono::Duration::minutes(15 * i),
                finished_at: None,
                counts: RunCounts {
                    fetched,
                    ..RunCounts::default()
                },
                error: None,
            })
            .collect()
    }

    #[test]
    fn over_pace_spending_stretches_only_quiet_clients() {
        let fifteen = Duration::from_secs(900);
        let now = at("2026-11-08T12:20:00Z");
        // On pace: due at the 12:15 slot, the last run was at 12:05.
        let on_pace = BudgetPlan::new(Some(500_000), 0, now);
        assert_eq!(
            due_slot(&on_pace, fifteen, Duration::ZERO, &runs(0, "2026-11-08T12:05:00Z"), now),
            Some(at("2026-11-08T12:15:00Z"))
        );
        // A quarter of the month gone with half the budget spent: a 3x
        // stretch, so a quiet client's slots are 45 minutes apart (the
        // latest at 12:00, before its last run) and only the busy one is due.
        let over_pace = BudgetPlan::new(Some(500_000), 250_000, now);
        assert_eq!(over_pace.stretch, 3);
        assert_eq!(
            due_slot(
                &over_pace,
                fifteen,
                Duration::ZERO,
                &runs(0, "2026-11-08T12:05:00Z"),
                now
            ),
            None
        );
        assert_eq!(
            due_slot(
                &over_pace,
                fifteen,
                Duration::ZERO,
                &runs(5, "2026-11-08T12:05:00Z"),
                now
            ),
            Some(at("2026-11-08T12:15:00Z"))
        );
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn the_latest_slot_is_at_or_before_now() {
        let fifteen = Duration::from_secs(900);
        let offset = Duration::from_secs(450);
        assert_eq!(
            latest_slot(fifteen, offset, at("2026-11-23T10:07:30Z")),
            Some(at("2026-11-23T10:07:30Z"))
        );
        assert_eq!(
            latest_slot(fifteen, offset, at("2026-11-23T10:07:29Z")),
            Some(at("2026-11-23T09:52:30Z"))
        );
        assert_eq!(
            latest_slot(fifteen, offset, at("2026-11-23T10:22:00Z")),
            Some(at("2026-11-23T10:07:30Z"))
        );
    }
}

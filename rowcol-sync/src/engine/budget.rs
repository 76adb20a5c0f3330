//! The monthly call budget: Intuit meters an app's read calls per month
//! (500,000 on its entry tier, then reads stop). The plan projects the
//! month's spend from what runs recorded so far and, when the projection
//! runs over, stretches the schedule of quiet clients first: webhooks keep
//! them fresh, and busy clients keep their interval.

use std::time::Duration;

use chrono::{DateTime, Datelike, TimeZone, Utc};

use rowcol_core::sync::{RunStatus, SyncRun};

/// Share of the budget the projection aims at, in percent: headroom for
/// webhook syncs, retries and re-syncs.
const TARGET_PERCENT: u64 = 90;

/// The most a quiet client's interval is stretched.
pub const MAX_STRETCH: u32 = 16;

/// Succeeded runs that fetched nothing, in a row, that make a client quiet.
const QUIET_RUNS: usize = 4;

/// The first instant of `t`'s calendar month (UTC).
pub fn month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(t.year(), t.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(t)
}

fn next_month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    let (year, month) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0).single().unwrap_or(t)
}

/// How the schedule adapts to the month's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BudgetPlan {
    /// The month's budget (`None`: not metered).
    pub budget: Option<u64>,
    /// Calls spent so far this month.
    pub spent: u64,
    /// The month's spend projected at the pace so far.
    pub projected: u64,
    /// Factor applied to quiet clients' intervals (1: no stretch).
    pub stretch: u32,
}

impl BudgetPlan {
    /// The plan at `now` for a budget of which `spent` calls are gone.
    pub fn new(budget: Option<u64>, spent: u64, now: DateTime<Utc>) -> Self {
        let start = month_start(now);
        let month = (next_month_start(now) - start).num_seconds().max(1) as u64;
        // At least an hour elapsed, so the first minutes of a month do not
        // project a burst of initial syncs over the whole month.
        let elapsed = ((now - start).num_seconds().max(0) as u64).max(3_600).min(month);
        let projected = spent.saturating_mul(month) / elapsed;
        let stretch = match budget {
            Some(budget) if budget > 0 => {
                let target = (budget.saturating_mul(TARGET_PERCENT) / 100).max(1);
                u32::try_from(projected.div_ceil(target))
                    .unwrap_or(MAX_STRETCH)
                    .clamp(1, MAX_STRETCH)
            }
            _ => 1,
        };
        BudgetPlan {
            budget,
            spent,
            projected,
            stretch,
        }
    }

    /// True when the month's budget is spent: only webhook and on-demand
    /// syncs should run until the next month.
    pub fn exhausted(&self) -> bool {
        self.budget.is_some_and(|b| self.spent >= b)
    }

    /// The interval to schedule a client at: `base`, stretched for a quiet one.
    pub fn interval(&self, base: Duration, quiet: bool) -> Duration {
        if quiet { base.saturating_mul(self.stretch) } else { base }
    }
}

/// True when the client's latest runs (newest first) all succeeded without
/// fetching anything: a quiet client whose schedule may stretch.
pub fn is_quiet(runs: &[SyncRun]) -> bool {
    runs.len() >= QUIET_RUNS
        && runs
            .iter()
            .take(QUIET_RUNS)
            .all(|r| r.status == RunStatus::Succeeded && r.counts.fetched == 0)
}

/// Calls a month that syncing `clients` every `interval` spends at
/// `calls_per_sync` calls a sync (a 30-day month).
pub fn monthly_calls(clients: u64, interval: Duration, calls_per_sync: u64) -> u64 {
    let syncs_per_client = (30 * 24 * 3600) / interval.as_secs().max(1);
    clients * syncs_per_client * calls_per_sync
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn on_pace_spending_is_not_stretched() {
        // Half of November gone, 200k of 500k spent: projects 400k < 450k.
        let plan = BudgetPlan::new(Some(500_000), 200_000, at("2026-11-16T00:00:00Z"));
        assert_eq!(plan.projected, 400_000);
        assert_eq!(plan.stretch, 1);
        assert_eq!(plan.interval(Duration::from_secs(900), true), Duration::from_secs(900));
        assert!(!plan.exhausted());
    }

    #[test]
    fn over_pace_spending_stretches_quiet_clients_only() {
        // A quarter of a 30-day month gone (7.5 days), 250k spent: projects
        // 1,000k against a 450k target, so quiet clients go 3x slower.
        let plan = BudgetPlan::new(Some(500_000), 250_000, at("2026-11-08T12:00:00Z"));
        assert_eq!(plan.projected, 1_000_000);
        assert_eq!(plan.stretch, 3);
        assert_eq!(
            plan.interval(Duration::from_secs(900), true),
            Duration::from_secs(2_700)
        );
        assert_eq!(plan.interval(Duration::from_secs(900), false), Duration::from_secs(900));
    }

    #[test]
    fn a_spent_budget_is_exhausted_and_an_unmetered_one_never_is() {
        assert!(BudgetPlan::new(Some(500_000), 500_000, at("2026-11-20T00:00:00Z")).exhausted());
        let free = BudgetPlan::new(None, 9_000_000, at("2026-11-20T00:00:00Z"));
        assert!(!free.exhausted());
        assert_eq!(free.stretch, 1);
    }

    #[test]
    fn the_default_schedule_fits_the_entry_tier_for_100_clients() {
        // One CDC call per client per 15-minute cycle.
        let calls = monthly_calls(100, Duration::from_secs(900), 1);
        assert_eq!(calls, 288_000);
        assert!(calls < 500_000);
    }

    #[test]
    fn month_boundaries() {
        assert_eq!(month_start(at("2026-12-31T23:59:59Z")), at("2026-12-01T00:00:00Z"));
        assert_eq!(next_month_start(at("2026-12-31T23:59:59Z")), at("2027-01-01T00:00:00Z"));
    }
}

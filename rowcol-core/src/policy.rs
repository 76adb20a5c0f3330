//! `StandardPolicy`: the default `SyncPolicy`, as plain data.

use std::collections::BTreeSet;
use std::time::Duration;

use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};

use crate::ports::{DataSource, RateLimit, RetryDecision, SyncPolicy};
use crate::{ClientId, EntityKind, Rail, RailErrorKind, RowcolError};

/// Retry and backoff settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetrySettings {
    /// Attempts in all, the first included, before giving up.
    pub max_attempts: u32,
    /// The first backoff ceiling; it doubles each attempt.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
    /// Wait after a throttle answer that gave no hint (Intuit asks for 60 s).
    pub throttle_wait: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        RetrySettings {
            max_attempts: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            throttle_wait: Duration::from_secs(60),
        }
    }
}

/// The default sync policy: every client every 15 minutes at a stable
/// per-client offset; exponential backoff with full jitter; QBO's limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardPolicy {
    /// Time between scheduled syncs.
    pub interval: Duration,
    /// Retry settings.
    pub retry: RetrySettings,
    /// How old data may be and still count as fresh (default: two intervals).
    pub freshness_target: Duration,
    /// Kinds read live with the mirror as fallback (default: accounts, for
    /// current bank and card balances).
    pub live_kinds: BTreeSet<EntityKind>,
    /// QBO's limits per realm: 500 requests a minute, 10 in flight.
    pub qbo_rate_limit: RateLimit,
    /// QBO's monthly read budget for the app (entry partner tier: 500,000).
    pub qbo_monthly_budget: Option<u64>,
    /// The longest one sync of one realm may run (default five minutes).
    #[serde(default = "default_run_deadline")]
    pub run_deadline: Duration,
}

/// Five minutes: a first sync of a large realm (hundreds of pages) fits, and
/// a stalled realm gives up well before the next 15-minute cycle.
fn default_run_deadline() -> Duration {
    Duration::from_secs(5 * 60)
}

impl Default for StandardPolicy {
    fn default() -> Self {
        StandardPolicy {
            interval: Duration::from_secs(15 * 60),
            retry: RetrySettings::default(),
            freshness_target: Duration::from_secs(30 * 60),
            live_kinds: BTreeSet::from([EntityKind::Account]),
            qbo_rate_limit: RateLimit {
                per_minute: 500,
                max_in_flight: 10,
            },
            qbo_monthly_budget: Some(500_000),
            run_deadline: default_run_deadline(),
        }
    }
}

/// FNV-1a: a stable hash (unlike `std`'s, fixed across Rust versions), so a
/// client's schedule offset is the same on every machine.
fn stable_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl StandardPolicy {
    /// Full-jitter backoff: a uniform wait in `[0, min(max, base * 2^(attempt-1))]`.
    fn backoff(&self, attempt: u32, rng: &mut dyn RngCore) -> Duration {
        let exp = attempt.saturating_sub(1).min(30);
        let ceiling = self
            .retry
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.retry.max_delay);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rng.random_range(0..=millis))
    }
}

impl SyncPolicy for StandardPolicy {
    fn interval(&self, _client: &ClientId) -> Duration {
        self.interval
    }

    fn schedule_offset(&self, client: &ClientId) -> Duration {
        let millis = u64::try_from(self.interval.as_millis()).unwrap_or(u64::MAX).max(1);
        Duration::from_millis(stable_hash(client.as_str()) % millis)
    }

    fn retry(&self, error: &RowcolError, attempt: u32, rng: &mut dyn RngCore) -> RetryDecision {
        if !error.retryable() {
            return RetryDecision::GiveUp(format!("not retryable: {error}"));
        }
        // A refused access token is worth exactly one retry, after a refresh.
        if matches!(error.rail_kind(), Some(RailErrorKind::Unauthorized)) && attempt > 1 {
            return RetryDecision::GiveUp("access token refused again after a refresh".to_owned());
        }
        if attempt >= self.retry.max_attempts {
            return RetryDecision::GiveUp(format!("gave up after {attempt} attempts: {error}"));
        }
        let jittered = self.backoff(attempt, rng);
        let wait = match error.rail_kind() {
            Some(RailErrorKind::Throttled { retry_after }) => {
                retry_after.unwrap_or(self.retry.throttle_wait) + jittered.min(self.retry.base_delay)
            }
            _ => jittered,
        };
        RetryDecision::RetryAfter(wait)
    }

    fn source(&self, kind: EntityKind) -> DataSource {
        if self.live_kinds.contains(&kind) {
            DataSource::LiveWithMirrorFallback
        } else {
            DataSource::Mirror
        }
    }

    fn freshness_target(&self) -> Duration {
        self.freshness_target
    }

    fn rate_limit(&self, rail: Rail) -> RateLimit {
        match rail {
            Rail::Qbo => self.qbo_rate_limit,
            // Rails not built yet: a conservative default until their adapters set one.
            Rail::Ramp | Rail::Plaid | Rail::Stripe => RateLimit {
                per_minute: 100,
                max_in_flight: 4,
            },
        }
    }

    fn monthly_call_budget(&self, rail: Rail) -> Option<u64> {
        match rail {
            Rail::Qbo => self.qbo_monthly_budget,
            Rail::Ramp | Rail::Plaid | Rail::Stripe => None,
        }
    }

    fn run_deadline(&self) -> Duration {
        self.run_deadline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_text::parse;
    use crate::{ErrorContext, RailFailure, StoreErrorKind};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn rail_error(kind: RailErrorKind) -> RowcolError {
        RowcolError::rail(kind, ErrorContext::default(), RailFailure::default())
    }

    fn wait(decision: RetryDecision) -> Duration {
        match decision {
            RetryDecision::RetryAfter(d) => d,
            RetryDecision::GiveUp(why) => panic!("expected a retry, got give-up: {why}"),
        }
    }

    #[test]
    fn backoff_stays_under_a_doubling_ceiling() {
        let policy = StandardPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        let err = rail_error(RailErrorKind::Transient);
        for attempt in 1..6 {
            let ceiling = Duration::from_millis(500) * (1 << (attempt - 1));
            for _ in 0..50 {
                let d = wait(policy.retry(&err, attempt, &mut rng));
                assert!(d <= ceiling.min(Duration::from_secs(60)), "attempt {attempt}: {d:?}");
            }
        }
    }

    #[test]
    fn backoff_is_jittered_and_reproducible_from_a_seed() {
        let policy = StandardPolicy::default();
        let err = rail_error(RailErrorKind::Timeout);
        let draw = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..5)
                .map(|_| wait(policy.retry(&err, 4, &mut rng)))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        let waits = draw(1);
        assert!(
            waits.iter().any(|w| *w != waits[0]),
            "full jitter spreads waits: {waits:?}"
        );
    }

    #[test]
    fn throttling_waits_for_the_hint_or_a_minute() {
        let policy = StandardPolicy::default();
        let mut rng = StdRng::seed_from_u64(3);
        let hinted = rail_error(RailErrorKind::Throttled {
            retry_after: Some(Duration::from_secs(5)),
        });
        let d = wait(policy.retry(&hinted, 1, &mut rng));
        assert!(d >= Duration::from_secs(5) && d <= Duration::from_millis(5500), "{d:?}");
        let silent = rail_error(RailErrorKind::Throttled { retry_after: None });
        assert!(wait(policy.retry(&silent, 1, &mut rng)) >= Duration::from_secs(60));
    }

    #[test]
    fn gives_up_on_final_errors_and_after_the_attempt_limit() {
        let policy = StandardPolicy::default();
        let mut rng = StdRng::seed_from_u64(3);
        for kind in [
            RailErrorKind::NeedsReauth,
            RailErrorKind::Invalid,
            RailErrorKind::CursorTooOld,
        ] {
            assert!(matches!(
                policy.retry(&rail_error(kind), 1, &mut rng),
                RetryDecision::GiveUp(_)
            ));
        }
        let transient = rail_error(RailErrorKind::Transient);
        assert!(matches!(
            policy.retry(&transient, 5, &mut rng),
            RetryDecision::RetryAfter(_)
        ));
        assert!(matches!(
            policy.retry(&transient, 6, &mut rng),
            RetryDecision::GiveUp(_)
        ));
        let unauthorized = rail_error(RailErrorKind::Unauthorized);
        assert!(matches!(
            policy.retry(&unauthorized, 1, &mut rng),
            RetryDecision::RetryAfter(_)
        ));
        assert!(matches!(
            policy.retry(&unauthorized, 2, &mut rng),
            RetryDecision::GiveUp(_)
        ));
        let busy = RowcolError::store(StoreErrorKind::Busy, ErrorContext::default(), "locked");
        assert!(matches!(policy.retry(&busy, 1, &mut rng), RetryDecision::RetryAfter(_)));
    }

    #[test]
    fn schedule_offsets_are_stable_and_spread() {
        let policy = StandardPolicy::default();
        let offsets: Vec<Duration> = (0..100)
            .map(|i| policy.schedule_offset(&parse(&format!("client-{i}"))))
            .collect();
        assert!(offsets.iter().all(|o| *o < policy.interval));
        let again = policy.schedule_offset(&parse("client-0"));
        assert_eq!(again, offsets[0]);
        // 100 clients over 15 minutes: no minute holds more than a fifth of them.
        let mut per_minute = [0u32; 15];
        for o in &offsets {
            per_minute[(o.as_secs() / 60) as usize] += 1;
        }
        assert!(per_minute.iter().all(|n| *n <= 20), "{per_minute:?}");
    }

    #[test]
    fn accounts_are_live_by_default_and_the_rest_mirrored() {
        let policy = StandardPolicy::default();
        assert_eq!(policy.source(EntityKind::Account), DataSource::LiveWithMirrorFallback);
        assert_eq!(policy.source(EntityKind::Bill), DataSource::Mirror);
        assert_eq!(
            policy.rate_limit(Rail::Qbo),
            RateLimit {
                per_minute: 500,
                max_in_flight: 10
            }
        );
        assert_eq!(policy.monthly_call_budget(Rail::Qbo), Some(500_000));
    }
}

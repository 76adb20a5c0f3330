//! Plaid's limits per Item, kept on the client side so that Plaid never has
//! to refuse: every request under the policy's per-Item rate (governor's
//! keyed GCRA limiter, which waits), and `/accounts/balance/get` under
//! Plaid's "5 a minute per Item" (an exact sliding window, which refuses at
//! once so that a live read falls back to the mirror instead of waiting).
//!
//! Why not governor for the balance limit: GCRA with a burst of 5 refills one
//! call every 12 s, so after a burst it admits a sixth call 12 s later, which
//! Plaid, counting calls in the last minute, refuses with
//! `ACCOUNTS_BALANCE_GET_LIMIT`.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rowcol_core::{RateLimit, RealmId};
use std::time::Instant;

/// The limits of every Item one rail talks to.
pub(crate) struct Limits {
    rate: DefaultKeyedRateLimiter<RealmId>,
    balance: Mutex<HashMap<RealmId, VecDeque<Instant>>>,
    balance_calls: usize,
    balance_window: Duration,
}

impl Limits {
    /// `rate.per_minute` requests per `rate_window` per Item (spread evenly,
    /// bursts of a tenth), and `balance_calls` balance reads per `balance_window`.
    pub(crate) fn new(rate: RateLimit, rate_window: Duration, balance_calls: u32, balance_window: Duration) -> Self {
        let per_window = rate.per_minute.max(1);
        let period = (rate_window / per_window).max(Duration::from_micros(1));
        let burst = NonZeroU32::new((per_window / 10).max(1)).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Limits {
            rate: RateLimiter::keyed(quota),
            balance: Mutex::new(HashMap::new()),
            balance_calls: usize::try_from(balance_calls.max(1)).unwrap_or(1),
            balance_window,
        }
    }

    /// Waits until the Item may send one more request.
    pub(crate) async fn admit(&self, item: &RealmId) {
        self.rate.until_key_ready(item).await;
    }

    /// Takes one of the Item's balance reads in the current window, or
    /// answers how long until one frees.
    pub(crate) fn take_balance_call(&self, item: &RealmId) -> Result<(), Duration> {
        self.take_balance_call_at(item, Instant::now())
    }

    /// [`Limits::take_balance_call`] at `now` (injected for tests).
    fn take_balance_call_at(&self, item: &RealmId, now: Instant) -> Result<(), Duration> {
        let mut map = self.balance.lock().unwrap_or_else(PoisonError::into_inner);
        let calls = map.entry(item.clone()).or_default();
        while calls
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.balance_window)
        {
            calls.pop_front();
        }
        if calls.len() >= self.balance_calls {
            let oldest = calls.front().copied().unwrap_or(now);
            return Err(self.balance_window.saturating_sub(now.duration_since(oldest)));
        }
        calls.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::new(
            RateLimit {
                per_minute: 100,
                max_in_flight: 4,
            },
            Duration::from_secs(60),
            5,
            Duration::from_secs(60),
        )
    }

    #[tokio::test]
    async fn requests_of_one_item_are_spread_over_the_window_and_items_do_not_share() {
        let limits = Limits::new(
            RateLimit {
                per_minute: 10,
                max_in_flight: 4,
            },
            Duration::from_millis(200),
            5,
            Duration::from_secs(60),
        );
        let (item, other): (RealmId, RealmId) = ("item1".parse().unwrap(), "item2".parse().unwrap());
        let start = std::time::Instant::now();
        for _ in 0..11 {
            limits.admit(&item).await;
        }
        // A burst of one, then one every 20 ms: ten waits at least.
        assert!(start.elapsed() >= Duration::from_millis(190), "{:?}", start.elapsed());
        let other_start = std::time::Instant::now();
        limits.admit(&other).await;
        assert!(
            other_start.elapsed() < Duration::from_millis(15),
            "another Item does not wait"
        );
    }

    #[test]
    fn five_balance_reads_a_minute_per_item_then_a_wait_is_named() {
        let limits = limits();
        let item: RealmId = "item1".parse().unwrap();
        let other: RealmId = "item2".parse().unwrap();
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        for n in 0..5 {
            limits.take_balance_call_at(&item, at(n * 10)).unwrap();
        }
        // 50 s after the first call: it frees in 10 s.
        assert_eq!(limits.take_balance_call_at(&item, at(50)), Err(Duration::from_secs(10)));
        assert!(
            limits.take_balance_call_at(&other, at(50)).is_ok(),
            "another Item has its own five"
        );
        assert!(
            limits.take_balance_call_at(&item, at(60)).is_ok(),
            "the first call left the window"
        );
        assert!(limits.take_balance_call_at(&item, at(60)).is_err());
    }
}

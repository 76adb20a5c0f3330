//! Plaid's limits per Item and per client (the app's `client_id`, over all
//! its Items), kept on the client side so that Plaid never has to refuse:
//! every request under the app's rate and the policy's per-Item rate
//! (governor's GCRA limiters, which wait), and `/accounts/balance/get`
//! under Plaid's "5 a minute per Item" and "1,200 a minute per client"
//! (exact sliding windows, which refuse at once so that a live read falls
//! back to the mirror instead of waiting).
//!
//! Why not governor for the balance limits: GCRA with a burst of 5 refills
//! one call every 12 s, so after a burst it admits a sixth call 12 s later,
//! which Plaid, counting calls in the last minute, refuses with
//! `ACCOUNTS_BALANCE_GET_LIMIT`.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, DefaultKeyedRateLimiter, Quota, RateLimiter};
use rowcol_core::{RateLimit, RealmId};
use std::time::Instant;

/// The balance reads allowed in any window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BalanceLimits {
    /// Per Item (Plaid: 5).
    pub per_item: u32,
    /// Per client, over all Items (Plaid: 1,200).
    pub per_client: u32,
    /// The window (Plaid: a minute).
    pub window: Duration,
}

/// The balance reads of the window: per Item and for the whole client.
#[derive(Default)]
struct BalanceCalls {
    items: HashMap<RealmId, VecDeque<Instant>>,
    client: VecDeque<Instant>,
}

/// The limits of every Item one rail talks to, and of the app itself.
pub(crate) struct Limits {
    rate: DefaultKeyedRateLimiter<RealmId>,
    client_rate: DefaultDirectRateLimiter,
    balance: Mutex<BalanceCalls>,
    balance_limits: BalanceLimits,
}

/// A GCRA quota of `per_window` requests per `window`, spread evenly with
/// bursts of a tenth.
fn spread(per_window: u32, window: Duration) -> Quota {
    let per_window = per_window.max(1);
    let period = (window / per_window).max(Duration::from_micros(1));
    let burst = NonZeroU32::new((per_window / 10).max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst)
}

/// Drops the calls of `calls` older than `window`; answers how long until
/// one frees when `limit` are left, else `None`.
fn full(calls: &mut VecDeque<Instant>, limit: u32, window: Duration, now: Instant) -> Option<Duration> {
    while calls.front().is_some_and(|t| now.duration_since(*t) >= window) {
        calls.pop_front();
    }
    let limit = usize::try_from(limit.max(1)).unwrap_or(usize::MAX);
    (calls.len() >= limit).then(|| {
        let oldest = calls.front().copied().unwrap_or(now);
        window.saturating_sub(now.duration_since(oldest))
    })
}

impl Limits {
    /// `rate.per_minute` requests per `rate_window` per Item and
    /// `client_calls` per `rate_window` over all Items (each spread evenly,
    /// bursts of a tenth), and the balance reads of `balance`.
    pub(crate) fn new(rate: RateLimit, rate_window: Duration, client_calls: u32, balance: BalanceLimits) -> Self {
        Limits {
            rate: RateLimiter::keyed(spread(rate.per_minute, rate_window)),
            client_rate: RateLimiter::direct(spread(client_calls, rate_window)),
            balance: Mutex::new(BalanceCalls::default()),
            balance_limits: balance,
        }
    }

    /// Waits until the app, and the Item when the request names one, may
    /// send one more request.
    pub(crate) async fn admit(&self, item: Option<&RealmId>) {
        self.client_rate.until_ready().await;
        if let Some(item) = item {
            self.rate.until_key_ready(item).await;
        }
    }

    /// Takes one of the Item's and the client's balance reads in the
    /// current window, or answers how long until both have one free.
    pub(crate) fn take_balance_call(&self, item: &RealmId) -> Result<(), Duration> {
        self.take_balance_call_at(item, Instant::now())
    }

    /// [`Limits::take_balance_call`] at `now` (injected for tests).
    fn take_balance_call_at(&self, item: &RealmId, now: Instant) -> Result<(), Duration> {
        let l = self.balance_limits;
        let mut calls = self.balance.lock().unwrap_or_else(PoisonError::into_inner);
        let BalanceCalls { items, client } = &mut *calls;
        let of_item = items.entry(item.clone()).or_default();
        let wait = full(of_item, l.per_item, l.window, now).max(full(client, l.per_client, l.window, now));
        if let Some(wait) = wait {
            return Err(wait);
        }
        of_item.push_back(now);
        client.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balance(per_item: u32, per_client: u32) -> BalanceLimits {
        BalanceLimits {
            per_item,
            per_client,
            window: Duration::from_secs(60),
        }
    }

    fn limits() -> Limits {
        Limits::new(
            RateLimit {
                per_minute: 100,
                max_in_flight: 4,
            },
            Duration::from_secs(60),
            5_000,
            balance(5, 1_200),
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
            5_000,
            balance(5, 1_200),
        );
        let (item, other): (RealmId, RealmId) = ("item1".parse().unwrap(), "item2".parse().unwrap());
        let start = std::time::Instant::now();
        for _ in 0..11 {
            limits.admit(Some(&item)).await;
        }
        // A burst of one, then one every 20 ms: ten waits at least.
        assert!(start.elapsed() >= Duration::from_millis(190), "{:?}", start.elapsed());
        let other_start = std::time::Instant::now();
        limits.admit(Some(&other)).await;
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

    #[tokio::test]
    async fn the_clients_rate_spreads_requests_of_every_item_together() {
        let limits = Limits::new(
            RateLimit {
                per_minute: 1_000,
                max_in_flight: 4,
            },
            Duration::from_millis(200),
            10,
            balance(5, 1_200),
        );
        let start = std::time::Instant::now();
        for n in 0..11 {
            let item: RealmId = format!("item{n}").parse().unwrap();
            limits.admit(Some(&item)).await;
        }
        // Eleven Items, one request each: the app's 10 per 200 ms (a burst
        // of one, then one every 20 ms) makes them wait as one Item would.
        assert!(start.elapsed() >= Duration::from_millis(190), "{:?}", start.elapsed());
    }

    #[test]
    fn the_clients_balance_reads_are_counted_over_all_items() {
        let limits = Limits::new(
            RateLimit {
                per_minute: 100,
                max_in_flight: 4,
            },
            Duration::from_secs(60),
            5_000,
            balance(5, 3),
        );
        let start = Instant::now();
        let at = |secs: u64| start + Duration::from_secs(secs);
        for n in 0..3u64 {
            let item: RealmId = format!("item{n}").parse().unwrap();
            limits.take_balance_call_at(&item, at(n)).unwrap();
        }
        let fourth: RealmId = "item3".parse().unwrap();
        assert_eq!(
            limits.take_balance_call_at(&fourth, at(30)),
            Err(Duration::from_secs(30)),
            "the client's three are spent; the first frees 60 s after it was taken"
        );
        assert!(limits.take_balance_call_at(&fourth, at(60)).is_ok());
    }
}

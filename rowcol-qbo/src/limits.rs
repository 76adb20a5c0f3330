//! QBO's per-realm limits, kept on the client side so the server never has
//! to refuse: a request rate (governor's keyed GCRA limiter) and a cap on
//! requests in flight (a semaphore per realm). One `Limits` serves every
//! task of the process that shares the rail.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use rowcol_core::{RateLimit, RealmId};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Share of the window's quota allowed as an initial burst.
const BURST_SHARE: f64 = 0.10;
/// Share of the quota spread evenly over the window. GCRA admits at most
/// `burst + rate x window` in any window; the two shares add up to less than
/// one, leaving headroom for the distance between our clock and the server's.
const RATE_SHARE: f64 = 0.85;

/// The rate and in-flight limits of every realm.
pub(crate) struct Limits {
    rate: DefaultKeyedRateLimiter<RealmId>,
    max_in_flight: usize,
    in_flight: Mutex<HashMap<RealmId, Arc<Semaphore>>>,
}

/// A request's right to be in flight; dropping it frees the slot.
pub(crate) type Slot = OwnedSemaphorePermit;

impl Limits {
    /// Limits of `limit.per_minute` requests per `window` and
    /// `limit.max_in_flight` at once, per realm.
    pub(crate) fn new(limit: RateLimit, window: Duration) -> Self {
        let per_window = f64::from(limit.per_minute.max(1));
        let burst = NonZeroU32::new(((per_window * BURST_SHARE).floor() as u32).max(1)).unwrap_or(NonZeroU32::MIN);
        let spread = (per_window * RATE_SHARE).max(1.0);
        let period = window.div_f64(spread).max(Duration::from_micros(1));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(burst);
        Limits {
            rate: RateLimiter::keyed(quota),
            max_in_flight: usize::try_from(limit.max_in_flight.max(1)).unwrap_or(1),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    fn semaphore(&self, realm: &RealmId) -> Arc<Semaphore> {
        let mut map = self.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            map.entry(realm.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(self.max_in_flight))),
        )
    }

    /// Waits for a free in-flight slot and then for the rate limiter, for
    /// `realm`. The slot is `None` only if the semaphore were closed, which
    /// this type never does.
    pub(crate) async fn admit(&self, realm: &RealmId) -> Option<Slot> {
        let slot = self.semaphore(realm).acquire_owned().await.ok();
        self.rate.until_key_ready(realm).await;
        slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[tokio::test]
    async fn caps_in_flight_per_realm() {
        let limits = Limits::new(
            RateLimit {
                per_minute: 1000,
                max_in_flight: 2,
            },
            Duration::from_secs(60),
        );
        let realm: RealmId = "1".parse().unwrap();
        let other: RealmId = "2".parse().unwrap();
        let a = limits.admit(&realm).await;
        let _b = limits.admit(&realm).await;
        let third = tokio::time::timeout(Duration::from_millis(50), limits.admit(&realm)).await;
        assert!(third.is_err(), "a third request must wait");
        let _c = limits.admit(&other).await;
        drop(a);
        let third = tokio::time::timeout(Duration::from_millis(50), limits.admit(&realm)).await;
        assert!(third.is_ok());
    }

    #[tokio::test]
    async fn never_admits_more_than_the_window_allows() {
        let window = Duration::from_millis(400);
        let limits = Limits::new(
            RateLimit {
                per_minute: 20,
                max_in_flight: 100,
            },
            window,
        );
        let realm: RealmId = "1".parse().unwrap();
        let mut admitted = Vec::new();
        let start = Instant::now();
        while start.elapsed() < window * 2 {
            drop(limits.admit(&realm).await);
            admitted.push(Instant::now());
        }
        for (i, t) in admitted.iter().enumerate() {
            let in_window = admitted[i..]
                .iter()
                .take_while(|u| u.duration_since(*t) < window)
                .count();
            assert!(in_window <= 20, "{in_window} in one window");
        }
    }
}

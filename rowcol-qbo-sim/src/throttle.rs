//! QBO's throttling: requests per minute, batch requests per minute and
//! concurrent requests, per realm; with counters that prove a client stayed
//! within them.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Limits, per realm. The window is configurable so tests can use short ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThrottleConfig {
    /// Whether limits are enforced at all (counters run either way).
    pub enabled: bool,
    /// The rate window (QBO: one minute).
    #[serde(with = "crate::serde_millis")]
    pub window: Duration,
    /// Requests per window per realm (QBO: 500; batch requests count).
    pub requests_per_window: usize,
    /// Batch requests per window per realm and app (QBO: 40).
    pub batch_per_window: usize,
    /// Requests in flight at once per realm (QBO: 10).
    pub max_concurrent: u64,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            window: Duration::from_secs(60),
            requests_per_window: 500,
            batch_per_window: 40,
            max_concurrent: 10,
        }
    }
}

/// Counters of one realm.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealmCounters {
    /// Requests admitted (batch requests count once).
    pub requests: u64,
    /// Batch requests admitted.
    pub batch_requests: u64,
    /// Requests refused with 429.
    pub throttled: u64,
    /// The most requests seen in flight at once (admitted ones).
    pub max_concurrency_seen: u64,
    /// The most requests admitted within one window.
    pub max_requests_in_window: u64,
}

#[derive(Debug, Default)]
struct RealmThrottle {
    recent: VecDeque<Instant>,
    recent_batches: VecDeque<Instant>,
    in_flight: Arc<AtomicU64>,
    counters: RealmCounters,
}

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many requests in the window.
    Rate,
    /// Too many batch requests in the window.
    BatchRate,
    /// Too many requests at once.
    Concurrency,
}

/// Releases a concurrency slot when dropped.
#[derive(Debug)]
pub struct Permit {
    in_flight: Arc<AtomicU64>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The per-realm limiter.
#[derive(Debug, Default)]
pub struct Throttle {
    config: Mutex<ThrottleConfig>,
    realms: Mutex<BTreeMap<String, RealmThrottle>>,
}

impl Throttle {
    /// A limiter with `config`.
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config: Mutex::new(config),
            realms: Mutex::default(),
        }
    }

    /// Replaces the limits.
    pub fn set_config(&self, config: ThrottleConfig) {
        if let Ok(mut c) = self.config.lock() {
            *c = config;
        }
    }

    /// The limits in force.
    pub fn config(&self) -> ThrottleConfig {
        self.config.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Admits a request for `realm` or says why not.
    pub fn acquire(&self, realm: &str, is_batch: bool) -> Result<Permit, Refusal> {
        let config = self.config();
        let now = Instant::now();
        let mut realms = self.realms.lock().map_err(|_| Refusal::Rate)?;
        let entry = realms.entry(realm.to_string()).or_default();
        let cutoff = now.checked_sub(config.window);
        let expired = |t: &Instant| cutoff.is_some_and(|c| *t <= c);
        while entry.recent.front().is_some_and(expired) {
            entry.recent.pop_front();
        }
        while entry.recent_batches.front().is_some_and(expired) {
            entry.recent_batches.pop_front();
        }
        let refusal = if !config.enabled {
            None
        } else if entry.in_flight.load(Ordering::SeqCst) >= config.max_concurrent {
            Some(Refusal::Concurrency)
        } else if entry.recent.len() >= config.requests_per_window {
            Some(Refusal::Rate)
        } else if is_batch && entry.recent_batches.len() >= config.batch_per_window {
            Some(Refusal::BatchRate)
        } else {
            None
        };
        if let Some(refusal) = refusal {
            entry.counters.throttled += 1;
            return Err(refusal);
        }
        entry.recent.push_back(now);
        if is_batch {
            entry.recent_batches.push_back(now);
            entry.counters.batch_requests += 1;
        }
        entry.counters.requests += 1;
        entry.counters.max_requests_in_window = entry.counters.max_requests_in_window.max(entry.recent.len() as u64);
        let in_flight = entry.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        entry.counters.max_concurrency_seen = entry.counters.max_concurrency_seen.max(in_flight);
        Ok(Permit {
            in_flight: Arc::clone(&entry.in_flight),
        })
    }

    /// Counters of every realm that has seen a request.
    pub fn counters(&self) -> BTreeMap<String, RealmCounters> {
        self.realms
            .lock()
            .map(|realms| realms.iter().map(|(k, v)| (k.clone(), v.counters.clone())).collect())
            .unwrap_or_default()
    }

    /// Zeroes the counters (not the windows).
    pub fn reset_counters(&self) {
        if let Ok(mut realms) = self.realms.lock() {
            for realm in realms.values_mut() {
                realm.counters = RealmCounters::default();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_over_rate_and_concurrency() {
        let throttle = Throttle::new(ThrottleConfig {
            window: Duration::from_secs(60),
            requests_per_window: 3,
            batch_per_window: 1,
            max_concurrent: 2,
            enabled: true,
        });
        let a = throttle.acquire("1", false).unwrap();
        let b = throttle.acquire("1", true).unwrap();
        assert_eq!(throttle.acquire("1", false).unwrap_err(), Refusal::Concurrency);
        drop(a);
        assert_eq!(throttle.acquire("1", true).unwrap_err(), Refusal::BatchRate);
        drop(b);
        let _c = throttle.acquire("1", false).unwrap();
        assert_eq!(throttle.acquire("1", false).unwrap_err(), Refusal::Rate);
        assert!(throttle.acquire("2", false).is_ok(), "limits are per realm");
        let counters = &throttle.counters()["1"];
        assert_eq!(counters.requests, 3);
        assert_eq!(counters.throttled, 3);
        assert_eq!(counters.max_concurrency_seen, 2);
    }
}

//! Faults on demand: per realm, settable at run time, drawn from a seeded
//! random source so a run with the same seed and the same request order
//! misbehaves the same way.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// How one realm misbehaves. All shares are probabilities in `0.0..=1.0`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultConfig {
    /// Seed of this realm's fault draws.
    pub seed: u64,
    /// Added to every answer.
    #[serde(with = "crate::serde_millis")]
    pub latency: Duration,
    /// Up to this much more, drawn uniformly.
    #[serde(with = "crate::serde_millis")]
    pub jitter: Duration,
    /// Share of answers replaced by 500 SystemFault.
    pub error_500: f64,
    /// Share of answers replaced by 503 SystemFault.
    pub error_503: f64,
    /// Share of connections dropped mid-answer.
    pub drop_connection: f64,
    /// Share of JSON bodies made malformed.
    pub malformed_json: f64,
    /// Share of JSON bodies cut short.
    pub truncated_json: f64,
    /// Throttle answers carry an XML Fault body despite `Accept: application/json`.
    pub xml_throttle_faults: bool,
    /// Share of answers stalled for `stall_for` (for client timeouts).
    pub stall: f64,
    /// How long a stalled answer waits.
    #[serde(with = "crate::serde_millis")]
    pub stall_for: Duration,
    /// Share of requests whose (otherwise valid) access token is expired early.
    pub early_token_expiry: f64,
    /// Cells a report may hold before QBO's "Unable to display more data"
    /// row cuts it (default [`crate::reports::DEFAULT_CELL_LIMIT`]); `Some(0)`
    /// cuts every report with a row.
    pub report_cell_limit: Option<u64>,
}

impl FaultConfig {
    /// No faults at all.
    pub fn none() -> Self {
        Self::default()
    }
}

/// What to do to one answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// Wait this long first.
    pub delay: Duration,
    /// Replace the answer with a SystemFault of this status (500 or 503).
    pub error_status: Option<u16>,
    /// Drop the connection instead of answering.
    pub drop_connection: bool,
    /// Break the JSON.
    pub malformed: bool,
    /// Cut the JSON short.
    pub truncated: bool,
    /// Answer throttling with XML.
    pub xml_throttle: bool,
    /// Expire the caller's access token now.
    pub expire_token: bool,
}

#[derive(Debug)]
struct RealmFaults {
    config: FaultConfig,
    rng: StdRng,
}

/// Fault settings and random sources of every realm.
#[derive(Debug, Default)]
pub struct Faults {
    realms: Mutex<BTreeMap<String, RealmFaults>>,
    injected: AtomicU64,
}

impl Faults {
    /// Sets (replaces) a realm's faults and restarts its random source from the seed.
    pub fn set(&self, realm: &str, config: FaultConfig) {
        if let Ok(mut realms) = self.realms.lock() {
            let rng = StdRng::seed_from_u64(config.seed ^ fnv(realm));
            realms.insert(realm.to_string(), RealmFaults { config, rng });
        }
    }

    /// Removes a realm's faults.
    pub fn clear(&self, realm: &str) {
        if let Ok(mut realms) = self.realms.lock() {
            realms.remove(realm);
        }
    }

    /// A realm's current settings.
    pub fn get(&self, realm: &str) -> FaultConfig {
        self.realms
            .lock()
            .ok()
            .and_then(|realms| realms.get(realm).map(|r| r.config.clone()))
            .unwrap_or_default()
    }

    /// Answers spoiled so far, in every realm: errors, drops, broken or cut
    /// bodies, stalls and early token expiries (latency alone not counted).
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    /// Draws what to do to the next answer of `realm`.
    pub fn plan(&self, realm: &str) -> FaultPlan {
        let Ok(mut realms) = self.realms.lock() else {
            return FaultPlan::default();
        };
        let Some(state) = realms.get_mut(realm) else {
            return FaultPlan::default();
        };
        let c = state.config.clone();
        let rng = &mut state.rng;
        let mut hit = |share: f64| share > 0.0 && rng.random_bool(share.clamp(0.0, 1.0));
        let expire_token = hit(c.early_token_expiry);
        let stalled = hit(c.stall);
        let error_500 = hit(c.error_500);
        let error_503 = hit(c.error_503);
        let drop_connection = hit(c.drop_connection);
        let malformed = hit(c.malformed_json);
        let truncated = hit(c.truncated_json);
        let jitter_ms = u64::try_from(c.jitter.as_millis()).unwrap_or(0);
        let jitter = if jitter_ms > 0 {
            Duration::from_millis(state.rng.random_range(0..=jitter_ms))
        } else {
            Duration::ZERO
        };
        let mut delay = c.latency + jitter;
        if stalled {
            delay += c.stall_for;
        }
        if expire_token || stalled || error_500 || error_503 || drop_connection || malformed || truncated {
            self.injected.fetch_add(1, Ordering::Relaxed);
        }
        FaultPlan {
            delay,
            error_status: if error_500 {
                Some(500)
            } else if error_503 {
                Some(503)
            } else {
                None
            },
            drop_connection,
            malformed,
            truncated,
            xml_throttle: c.xml_throttle_faults,
            expire_token,
        }
    }
}

/// A stable 64-bit hash (FNV-1a) so seeds mix with realm ids the same way every run.
pub fn fnv(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Breaks a JSON body so that parsers refuse it.
pub fn malform(body: &[u8]) -> Vec<u8> {
    let mut out = body.to_vec();
    // Replace the first ':' after a key by a ',' and append junk: invalid JSON for sure.
    if let Some(pos) = out.iter().position(|b| *b == b':') {
        out[pos] = b',';
    }
    out.extend_from_slice(b",}}garbage");
    out
}

/// Cuts a JSON body roughly in half.
pub fn truncate(body: &[u8]) -> Vec<u8> {
    body[..body.len() / 2].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_deterministic_per_seed() {
        let config = FaultConfig {
            seed: 7,
            error_500: 0.3,
            malformed_json: 0.2,
            jitter: Duration::from_millis(10),
            ..FaultConfig::default()
        };
        let run = || {
            let faults = Faults::default();
            faults.set("9", config.clone());
            (0..50).map(|_| faults.plan("9")).collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let errors = first.iter().filter(|p| p.error_status.is_some()).count();
        assert!(errors > 5 && errors < 30, "{errors}");
        assert_eq!(Faults::default().plan("9"), FaultPlan::default());
    }

    #[test]
    fn broken_bodies_do_not_parse() {
        let body = br#"{"QueryResponse":{"Bill":[{"Id":"1"}]}}"#;
        assert!(serde_json::from_slice::<serde_json::Value>(&malform(body)).is_err());
        assert!(serde_json::from_slice::<serde_json::Value>(&truncate(body)).is_err());
    }
}

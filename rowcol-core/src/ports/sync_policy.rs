//! The `SyncPolicy` port: how often to sync, how to retry, when to give up,
//! and which data is read live. Policy is data plus this small trait;
//! `StandardPolicy` is the default.
//!
//! Proven by `StandardPolicy`'s unit tests (`rowcol-core/src/policy.rs`)
//! and by the one retry loop's (`rowcol-core/src/retry.rs`).

use std::time::Duration;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::{ClientId, EntityKind, Rail, RowcolError};

/// What to do after a failed attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after this long.
    RetryAfter(Duration),
    /// Stop; the reason says why (for the run record and dead letters).
    GiveUp(String),
}

/// Where a kind's figures come from on the read path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataSource {
    /// The local mirror (fast, as fresh as the last sync).
    Mirror,
    /// The rail, live, with the mirror as fallback and an explicit "as of".
    LiveWithMirrorFallback,
}

/// Limits on calls to one company on a rail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Requests a minute.
    pub per_minute: u32,
    /// Requests in flight at once.
    pub max_in_flight: u32,
}

/// How sync is scheduled and retried.
pub trait SyncPolicy: Send + Sync {
    /// Time between scheduled syncs of a client.
    fn interval(&self, client: &ClientId) -> Duration;

    /// The client's fixed offset inside the interval, so that a portfolio's
    /// scheduled syncs spread out instead of firing at once.
    ///
    /// Behaviour:
    /// - MUST be less than `interval(client)` and the same on every call and
    ///   every machine for the same client.
    fn schedule_offset(&self, client: &ClientId) -> Duration;

    /// Whether and when to retry after `error` on attempt `attempt` (1 = the
    /// first try failed).
    ///
    /// Behaviour:
    /// - MUST give up on errors that are not `retryable()`.
    /// - MUST give up once the attempt limit is reached.
    /// - MUST wait at least the server's hint when the error carries one.
    /// - SHOULD spread waits with jitter drawn from `rng` (injected, so tests
    ///   are exact).
    fn retry(&self, error: &RowcolError, attempt: u32, rng: &mut dyn RngCore) -> RetryDecision;

    /// Where a kind's figures come from on the read path.
    fn source(&self, kind: EntityKind) -> DataSource;

    /// How old a client's data may be and still count as fresh.
    fn freshness_target(&self) -> Duration;

    /// Limits on calls to one company on `rail`.
    fn rate_limit(&self, rail: Rail) -> RateLimit;

    /// The app's monthly read-call budget on `rail`, if metered.
    fn monthly_call_budget(&self, rail: Rail) -> Option<u64>;

    /// The longest one sync of one realm may run. Past it the sync stops,
    /// what it committed stays, its run is recorded as failed (a retryable
    /// `Timeout`), and the next sync resumes from the last checkpoint: one
    /// stalled realm cannot hold up a portfolio's sync.
    ///
    /// Behaviour:
    /// - SHOULD leave room for the rail's own retries of one request.
    fn run_deadline(&self) -> Duration {
        Duration::from_secs(5 * 60)
    }
}

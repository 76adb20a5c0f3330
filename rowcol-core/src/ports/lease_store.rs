//! The `LeaseStore` port: short exclusive leases shared by every process of a
//! deployment, so that two workers never sync the same realm at once and
//! never spend the same refresh token.
//!
//! Proven by `rowcol_testkit::mirror_suite::lease`, which `rowcol-mirror`
//! runs on SQLite and PostgreSQL.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::Result;

/// Who holds a lease, and until when unless renewed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHold {
    /// The holder's name (process and attempt).
    pub holder: String,
    /// When the lease frees itself unless renewed.
    pub expires_at: DateTime<Utc>,
}

/// Named, expiring, exclusive leases.
///
/// A lease is held by one `holder` (a process-unique string) until it is
/// released or its time-to-live runs out, so a killed holder's lease frees
/// itself.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LeaseStore: Send + Sync {
    /// Takes the lease `name` for `holder` for `ttl`, or renews it when
    /// `holder` already has it.
    ///
    /// Behaviour:
    /// - MUST answer `Ok(false)` (and change nothing) while another holder's
    ///   lease on `name` is unexpired.
    /// - MUST answer `Ok(true)` when the lease was free, expired, or already
    ///   held by `holder` (its expiry then moves to now + `ttl`).
    /// - MUST be atomic across processes sharing the store: of two holders
    ///   asking at once, at most one gets `true`.
    async fn try_acquire(&self, name: &str, holder: &str, ttl: Duration) -> Result<bool>;

    /// Gives the lease back.
    ///
    /// Behaviour:
    /// - MUST only release a lease `holder` holds; releasing someone else's
    ///   (or a free one) is a no-op, not an error.
    async fn release(&self, name: &str, holder: &str) -> Result<()>;

    /// Who holds `name` now, for messages ("busy: held by X until T").
    ///
    /// Behaviour:
    /// - MUST answer `Ok(None)` for a free or expired lease.
    /// - MAY answer `Ok(None)` when the store cannot tell (the default).
    async fn holder(&self, name: &str) -> Result<Option<LeaseHold>> {
        let _ = name;
        Ok(None)
    }
}

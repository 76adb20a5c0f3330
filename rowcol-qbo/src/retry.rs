//! The rail's side of the one retry loop (`rowcol_core::retry`): each QBO
//! request is retried under the policy, its jitter drawn from the rail's
//! own generator (seeded from the OS, or by `QboRail::with_jitter_seed`).

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use rand::SeedableRng;
use rand::rngs::StdRng;
use rowcol_core::{Result, SyncPolicy};

/// Where the rail's retry jitter comes from.
pub(crate) struct Jitter(Mutex<StdRng>);

impl Jitter {
    /// Jitter from the operating system's randomness.
    pub(crate) fn from_os() -> Self {
        Jitter(Mutex::new(StdRng::from_os_rng()))
    }

    /// From now on, jitter that repeats for the same seed (tests,
    /// reproductions).
    pub(crate) fn reseed(&self, seed: u64) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = StdRng::seed_from_u64(seed);
    }

    /// A generator for one operation's retries, drawn from this one (the
    /// lock is not held across the operation's awaits).
    fn draw(&self) -> StdRng {
        let mut source = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        StdRng::from_rng(&mut *source)
    }
}

/// Runs `op(attempt)` under the policy's retries, sleeping on tokio's timer.
pub(crate) async fn retrying<T, F, Fut>(policy: &dyn SyncPolicy, jitter: &Jitter, op: F) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut rng = jitter.draw();
    rowcol_core::retry::retrying(policy, &mut rng, tokio::time::sleep, |_| true, op).await
}

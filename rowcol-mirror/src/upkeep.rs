//! Upkeep after batches: [`Backend::upkeep`] (PostgreSQL's planner
//! statistics, SQLite's log checkpoint) runs in the background once a batch
//! that changed records has committed, one run at a time and at most once
//! every [`Backend::UPKEEP_EVERY`], so no `apply` waits for it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sqlx::Pool;

use crate::backend::Backend;

/// When a store's upkeep last started, and whether a run is under way.
#[derive(Debug, Default)]
pub(crate) struct Upkeep {
    last: Mutex<Option<Instant>>,
    running: Arc<AtomicBool>,
}

/// Marks a run under way until dropped (also when its task is cancelled).
#[derive(Debug)]
struct Running(Arc<AtomicBool>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Upkeep {
    /// Starts the backend's upkeep on `pool` in the background when it is
    /// due (see [`Upkeep::claim`]). A failure is logged: the batch has
    /// committed, and the next one tries again. Without a tokio runtime to
    /// run on (sqlx needs one, so `apply` has one) it is skipped, never a
    /// panic.
    pub(crate) fn after_batch<DB: Backend>(&self, pool: &Pool<DB>) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let Some(running) = self.claim(Instant::now(), DB::UPKEEP_EVERY) else {
            return;
        };
        let pool = pool.clone();
        runtime.spawn(async move {
            let _running = running;
            match DB::upkeep(&pool).await {
                Ok(()) | Err(sqlx::Error::PoolClosed) => {}
                Err(e) => tracing::warn!(backend = DB::LABEL, error = %e, "mirror upkeep failed"),
            }
        });
    }

    /// A run to start (noted as started `now`) when none is under way and
    /// none started in the last `every`.
    fn claim(&self, now: Instant, every: Duration) -> Option<Running> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if last.is_some_and(|at| now.saturating_duration_since(at) < every) {
            return None;
        }
        if self.running.swap(true, Ordering::AcqRel) {
            return None;
        }
        *last = Some(now);
        Some(Running(Arc::clone(&self.running)))
    }
}

#[cfg(test)]
mod tests {
    use super::{Duration, Instant, Upkeep};

    #[test]
    fn upkeep_runs_first_then_at_most_once_a_period_and_never_twice_at_once() {
        let upkeep = Upkeep::default();
        let every = Duration::from_secs(1);
        let start = Instant::now();
        let first = upkeep.claim(start, every);
        assert!(first.is_some(), "a fresh store's first change starts one");
        assert!(upkeep.claim(start + Duration::from_millis(999), every).is_none());
        assert!(
            upkeep.claim(start + Duration::from_secs(5), every).is_none(),
            "the first run is still under way"
        );
        drop(first);
        assert!(upkeep.claim(start + Duration::from_millis(999), every).is_none());
        let second = upkeep.claim(start + Duration::from_secs(1), every);
        assert!(second.is_some(), "due once the run ended and the period passed");
        assert!(upkeep.claim(start + Duration::from_secs(3), every).is_none());
    }
}

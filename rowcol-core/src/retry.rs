//! The one retry loop: the [`SyncPolicy`] decides whether and how long to
//! wait, the caller injects the randomness (for jitter) and the sleep (the
//! runtime's timer, or a test's), so the loop itself needs no runtime. The
//! rails run it around each request; the engine around store errors only.

use std::future::Future;
use std::time::Duration;

use rand::RngCore;

use crate::{Result, RetryDecision, RowcolError, SyncPolicy};

/// Runs `op(attempt)` (attempt 1 first) until it succeeds, fails with an
/// error `retry_this` turns down, or the policy gives up; between attempts
/// it awaits `sleep` of the policy's (jittered, hint-honouring) wait, drawn
/// from `rng`. The last error is returned as it was.
pub async fn retrying<T, Op, Fut, Sleep, Slept>(
    policy: &dyn SyncPolicy,
    rng: &mut (dyn RngCore + Send),
    sleep: Sleep,
    retry_this: impl Fn(&RowcolError) -> bool,
    mut op: Op,
) -> Result<T>
where
    Op: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T>>,
    Sleep: Fn(Duration) -> Slept,
    Slept: Future<Output = ()>,
{
    let mut attempt = 1;
    loop {
        let error = match op(attempt).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        if !retry_this(&error) {
            return Err(error);
        }
        match policy.retry(&error, attempt, rng) {
            RetryDecision::RetryAfter(wait) => {
                tracing::debug!(attempt, ?wait, %error, "retrying");
                sleep(wait).await;
            }
            RetryDecision::GiveUp(reason) => {
                tracing::debug!(attempt, %reason, "giving up");
                return Err(error);
            }
        }
        attempt += 1;
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::{ErrorContext, RailErrorKind, RailFailure, RetrySettings, StandardPolicy, StoreErrorKind};

    fn transient() -> RowcolError {
        RowcolError::rail(
            RailErrorKind::Transient,
            ErrorContext::default(),
            RailFailure::default(),
        )
    }

    fn run<T>(future: impl Future<Output = T>) -> T {
        futures::executor::block_on(future)
    }

    #[test]
    fn retries_until_success_sleeping_the_policys_waits() {
        let policy = StandardPolicy {
            retry: RetrySettings {
                max_attempts: 5,
                ..RetrySettings::default()
            },
            ..StandardPolicy::default()
        };
        let slept = RefCell::new(Vec::new());
        let mut rng = StdRng::seed_from_u64(7);
        let answer = run(retrying(
            &policy,
            &mut rng,
            |wait| {
                slept.borrow_mut().push(wait);
                async {}
            },
            |_| true,
            |attempt| async move { if attempt < 3 { Err(transient()) } else { Ok(attempt) } },
        ));
        assert_eq!(answer.unwrap(), 3);
        assert_eq!(slept.borrow().len(), 2, "one sleep between each two attempts");
        // The same seed gives the same waits: the jitter is the injected generator's.
        let again = RefCell::new(Vec::new());
        let _ = run(retrying(
            &policy,
            &mut StdRng::seed_from_u64(7),
            |wait| {
                again.borrow_mut().push(wait);
                async {}
            },
            |_| true,
            |attempt| async move { if attempt < 3 { Err(transient()) } else { Ok(attempt) } },
        ));
        assert_eq!(*slept.borrow(), *again.borrow());
    }

    #[test]
    fn an_error_the_caller_turns_down_or_the_policy_gives_up_on_is_returned_as_it_was() {
        let policy = StandardPolicy::default();
        let calls = RefCell::new(0);
        let refused = run(retrying(
            &policy,
            &mut StdRng::seed_from_u64(1),
            |_| async {},
            |error| error.store_kind().is_some(),
            |_| {
                *calls.borrow_mut() += 1;
                async { Err::<(), _>(transient()) }
            },
        ));
        assert_eq!(refused.unwrap_err().rail_kind(), Some(&RailErrorKind::Transient));
        assert_eq!(*calls.borrow(), 1, "a rail error is not the engine's to retry");
        let final_error = run(retrying(
            &policy,
            &mut StdRng::seed_from_u64(1),
            |_| async {},
            |_| true,
            |_| async {
                Err::<(), _>(RowcolError::store(
                    StoreErrorKind::Invalid,
                    ErrorContext::default(),
                    "bad row",
                ))
            },
        ));
        assert_eq!(final_error.unwrap_err().store_kind(), Some(StoreErrorKind::Invalid));
    }
}

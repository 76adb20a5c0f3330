//! The one retry loop: the `SyncPolicy` decides whether and how long to wait.

use std::future::Future;

use rowcol_core::{Result, RetryDecision, SyncPolicy};

/// Runs `op(attempt)` (attempt 1 first) until it succeeds or the policy gives
/// up, sleeping the policy's (jittered, hint-honouring) wait in between. On
/// giving up, the last error is returned as it was.
pub(crate) async fn retrying<T, F, Fut>(policy: &dyn SyncPolicy, mut op: F) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 1;
    loop {
        let error = match op(attempt).await {
            Ok(value) => return Ok(value),
            Err(error) => error,
        };
        // The thread-local generator is not `Send`: draw before any await.
        let decision = policy.retry(&error, attempt, &mut rand::rng());
        match decision {
            RetryDecision::RetryAfter(wait) => {
                tracing::debug!(attempt, ?wait, %error, "retrying a QBO call");
                tokio::time::sleep(wait).await;
            }
            RetryDecision::GiveUp(reason) => {
                tracing::debug!(attempt, %reason, "giving up on a QBO call");
                return Err(error);
            }
        }
        attempt += 1;
    }
}

//! The one tokio runtime of the process, created on first use and created
//! again in a child after `fork()` (a forked child has the parent's runtime
//! memory but none of its threads, so the old one must never be touched).
//!
//! Every blocking call goes through [`block_on`], which releases the GIL
//! while the future runs and stays interruptible by Ctrl-C.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::error::Error;

/// The runtime and the process it was made in.
static RUNTIME: Mutex<Option<(u32, Arc<Runtime>)>> = Mutex::new(None);

/// The current process's runtime, created if absent or inherited through fork.
pub fn runtime() -> Result<Arc<Runtime>, Error> {
    let pid = std::process::id();
    let mut slot = RUNTIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((owner, rt)) = slot.as_ref()
        && *owner == pid
    {
        return Ok(Arc::clone(rt));
    }
    if let Some((_, inherited)) = slot.take() {
        // Dropping it would join worker threads that do not exist in this
        // child; leaking the parent's copy is the safe choice.
        std::mem::forget(inherited);
    }
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("rowcol-py")
            .enable_all()
            .build()
            .map_err(|e| Error::input(format!("cannot start the tokio runtime: {e}")))?,
    );
    *slot = Some((pid, Arc::clone(&rt)));
    Ok(rt)
}

/// How often a waiting call looks at Python: for Ctrl-C (Jupyter's
/// "interrupt kernel"), the deadline and the progress bar.
const POLL: Duration = Duration::from_millis(100);

/// What a blocking call is watched for while it waits: a deadline and a
/// progress display. Every call is also interruptible by Python signals.
pub trait Watch: Sync {
    /// When the call gives up, if ever.
    fn deadline(&self) -> Option<Instant> {
        None
    }
    /// Runs every [`POLL`] with the GIL held (a progress bar's update).
    fn tick(&self, _py: Python<'_>) -> PyResult<()> {
        Ok(())
    }
    /// The error once the deadline has passed.
    fn expired(&self) -> Error {
        Error::input("the call ran past its deadline")
    }
    /// Told when the wait ends early (deadline or signal), before the
    /// future is dropped.
    fn stopped(&self) {}
}

/// No deadline, no display: signals only.
struct Signals;

impl Watch for Signals {}

/// Awaits `fut`, looking at Python every [`POLL`]: a pending signal's
/// exception (`KeyboardInterrupt`) or a passed deadline ends the wait and
/// drops `fut`, cancelling it at its next await point.
async fn watched<F, T>(fut: F, watch: &dyn Watch) -> Result<T, Error>
where
    F: Future<Output = Result<T, Error>>,
{
    let mut fut = std::pin::pin!(fut);
    loop {
        let wait = match watch.deadline() {
            Some(deadline) => {
                let now = Instant::now();
                if now >= deadline {
                    watch.stopped();
                    return Err(watch.expired());
                }
                POLL.min(deadline - now)
            }
            None => POLL,
        };
        if let Ok(out) = tokio::time::timeout(wait, fut.as_mut()).await {
            return out;
        }
        // check_signals raises only on the main thread; elsewhere it is a no-op.
        Python::attach(|py| {
            py.check_signals()?;
            watch.tick(py)
        })
        .inspect_err(|_| watch.stopped())?;
    }
}

/// Runs `fut` to completion on the runtime with the GIL released;
/// interruptible by Ctrl-C.
pub fn block_on<F, T>(py: Python<'_>, fut: F) -> Result<T, Error>
where
    F: Future<Output = Result<T, Error>> + Send,
    T: Send,
{
    let rt = runtime()?;
    py.detach(|| rt.block_on(watched(fut, &Signals)))
}

/// Like [`block_on`] for futures that are not `Send` (the sync engine's
/// fan-out is not): `make` builds the future on the calling thread after
/// the GIL is released, so only what `make` captures must be `Send`;
/// `watch` adds a deadline and a progress display.
pub fn block_on_made_watched<M, F, T>(py: Python<'_>, watch: &dyn Watch, make: M) -> Result<T, Error>
where
    M: FnOnce() -> F + Send,
    F: Future<Output = Result<T, Error>>,
    T: Send,
{
    let rt = runtime()?;
    py.detach(|| rt.block_on(watched(make(), watch)))
}

/// Runs CPU-heavy `work` with the GIL released (pure calculators).
pub fn compute<F, T>(py: Python<'_>, work: F) -> T
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    py.detach(work)
}

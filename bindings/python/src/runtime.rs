//! The one tokio runtime of the process, created on first use and created
//! again in a child after `fork()` (a forked child has the parent's runtime
//! memory but none of its threads, so the old one must never be touched).
//!
//! Every blocking call goes through [`block_on`], which releases the GIL
//! while the future runs.

use std::future::Future;
use std::sync::{Arc, Mutex};

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

/// Runs `fut` to completion on the runtime with the GIL released.
pub fn block_on<F, T>(py: Python<'_>, fut: F) -> Result<T, Error>
where
    F: Future<Output = Result<T, Error>> + Send,
    T: Send,
{
    let rt = runtime()?;
    py.detach(|| rt.block_on(fut))
}

/// Like [`block_on`] for futures that are not `Send` (the sync engine's
/// fan-out is not): `make` builds the future on the calling thread after
/// the GIL is released, so only what `make` captures must be `Send`.
pub fn block_on_made<M, F, T>(py: Python<'_>, make: M) -> Result<T, Error>
where
    M: FnOnce() -> F + Send,
    F: Future<Output = Result<T, Error>>,
    T: Send,
{
    let rt = runtime()?;
    py.detach(|| rt.block_on(make()))
}

/// Runs CPU-heavy `work` with the GIL released (pure calculators).
pub fn compute<F, T>(py: Python<'_>, work: F) -> T
where
    F: FnOnce() -> T + Send,
    T: Send,
{
    py.detach(work)
}

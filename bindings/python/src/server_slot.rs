//! A look-alike server a Python object owns: stopped once, and driven only
//! by the process that started it (after `fork()` a child's copy of the
//! object must neither stop nor call its parent's server).

use std::future::Future;
use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;

use crate::error::Error;
use crate::runtime::block_on;

/// The server, until stopped, and the process that started it.
pub struct ServerSlot<S> {
    server: Mutex<Option<S>>,
    pid: u32,
    /// What the server is, for errors ("look-alike", "Plaid look-alike").
    what: &'static str,
}

impl<S: Send> ServerSlot<S> {
    /// A slot holding `server`, started by this process.
    pub fn new(server: S, what: &'static str) -> Self {
        ServerSlot {
            server: Mutex::new(Some(server)),
            pid: std::process::id(),
            what,
        }
    }

    /// True until stopped.
    pub fn running(&self) -> bool {
        self.server.lock().unwrap_or_else(PoisonError::into_inner).is_some()
    }

    /// Ok while the server runs and this is the process that started it;
    /// an `OSError` saying which is not so.
    pub fn check(&self) -> Result<(), Error> {
        if self.pid != std::process::id() {
            return Err(Error::Os(format!(
                "this {} was started before fork(): start another in this process",
                self.what
            )));
        }
        if !self.running() {
            return Err(Error::Os(format!("this {} was stopped", self.what)));
        }
        Ok(())
    }

    /// Stops the server with `stop` (idempotent; a no-op in a process that
    /// did not start it).
    pub fn stop<F, Fut>(&self, py: Python<'_>, stop: F) -> Result<(), Error>
    where
        F: FnOnce(S) -> Fut + Send,
        Fut: Future<Output = ()> + Send,
    {
        if self.pid != std::process::id() {
            return Ok(());
        }
        let server = self.server.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(server) = server {
            block_on(py, async move {
                stop(server).await;
                Ok(())
            })?;
        }
        Ok(())
    }
}

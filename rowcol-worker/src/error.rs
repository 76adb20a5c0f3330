//! The worker's errors: each names the client, rail or job it concerns and
//! says whether trying again may help.

use rowcol_core::{ClientId, Rail, RowcolError};

/// Result with a [`WorkerError`].
pub type Result<T, E = WorkerError> = std::result::Result<T, E>;

/// What went wrong in the job engine.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The job queue (apalis' tables) could not be read or written.
    #[error("job queue ({backend}) failed to {action}: {message}")]
    Queue {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// What was being done, e.g. `push a job`.
        action: &'static str,
        /// The driver's message (never holds a secret: no URL, no values).
        message: String,
    },
    /// A queue URL names no backend this crate runs on.
    #[error("unsupported job queue URL scheme {scheme:?}: use postgres://, postgresql:// or sqlite:")]
    UnsupportedQueue {
        /// The URL's scheme (only the scheme, so no password is echoed).
        scheme: String,
    },
    /// A job names a connection the mirror does not have.
    #[error("no {rail} connection for client {client}: the job cannot run")]
    UnknownConnection {
        /// The client.
        client: ClientId,
        /// The rail.
        rail: Rail,
    },
    /// A sync gave up after the policy's retries.
    #[error("sync of client {client} on {rail} gave up: {reason}")]
    GaveUp {
        /// The client.
        client: ClientId,
        /// The rail.
        rail: Rail,
        /// The policy's reason, with the last error.
        reason: String,
    },
    /// No dead job has this id (it never existed, was replayed, or is alive).
    #[error("no dead job with id {id} in the queue")]
    NotDead {
        /// The job id asked for.
        id: String,
    },
    /// A job's stored arguments did not decode.
    #[error("job {id} holds arguments that do not decode: {message}")]
    Corrupt {
        /// The job id.
        id: String,
        /// The decoder's message.
        message: String,
    },
    /// The mirror or the engine failed.
    #[error(transparent)]
    Core(#[from] RowcolError),
    /// Rendering metrics failed.
    #[error("could not render metrics: {0}")]
    Metrics(#[from] std::fmt::Error),
    /// A worker stopped with an error from apalis.
    #[error("worker {worker} stopped: {message}")]
    Stopped {
        /// The worker's name.
        worker: String,
        /// apalis' message.
        message: String,
    },
}

impl WorkerError {
    /// True when the same call may succeed later (a queue or store outage).
    pub fn retryable(&self) -> bool {
        match self {
            WorkerError::Queue { .. } | WorkerError::Stopped { .. } => true,
            WorkerError::Core(e) => e.retryable(),
            WorkerError::UnsupportedQueue { .. }
            | WorkerError::UnknownConnection { .. }
            | WorkerError::GaveUp { .. }
            | WorkerError::NotDead { .. }
            | WorkerError::Corrupt { .. }
            | WorkerError::Metrics(_) => false,
        }
    }

    pub(crate) fn queue(backend: &'static str, action: &'static str, error: impl std::fmt::Display) -> Self {
        WorkerError::Queue {
            backend,
            action,
            message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_outages_are_retryable_and_bad_jobs_are_not() {
        assert!(WorkerError::queue("postgres", "push a job", "connection refused").retryable());
        let unknown = WorkerError::UnknownConnection {
            client: "acme".parse().unwrap(),
            rail: Rail::Qbo,
        };
        assert!(!unknown.retryable());
        assert_eq!(
            unknown.to_string(),
            "no qbo connection for client acme: the job cannot run"
        );
    }
}

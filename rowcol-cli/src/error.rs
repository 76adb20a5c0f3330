//! What can go wrong in a command, and the exit code each failure gives.

use rowcol_core::{RailErrorKind, RowcolError, StoreErrorKind};

/// A command's failure. Never holds a secret: it is printed as is.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The configuration is missing or wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The library refused or failed.
    #[error(transparent)]
    Rowcol(#[from] RowcolError),
    /// The job queue failed.
    #[error(transparent)]
    Worker(#[from] rowcol_worker::WorkerError),
    /// A webhook or HTTP listener could not start.
    #[error("{0}")]
    Io(String),
    /// Some of the work failed (the message says which).
    #[error("{0}")]
    Partial(String),
    /// Connections need their user to reconnect (the message says which).
    #[error("{0}")]
    Credentials(String),
}

impl CliError {
    /// The process exit code: 2 configuration, 3 credentials (reconnect),
    /// 4 database unreachable, 5 rail unavailable, 6 partial failure, 1 other.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) => 2,
            CliError::Rowcol(RowcolError::Rail { kind, .. }) => match kind {
                RailErrorKind::NeedsReauth | RailErrorKind::Unauthorized | RailErrorKind::Forbidden => 3,
                _ => 5,
            },
            CliError::Rowcol(RowcolError::Store { kind, .. }) => match kind {
                StoreErrorKind::Unavailable => 4,
                StoreErrorKind::WrongKey => 3,
                _ => 1,
            },
            CliError::Partial(_) => 6,
            CliError::Credentials(_) => 3,
            _ => 1,
        }
    }
}

/// A command's result.
pub type CliResult<T = ()> = Result<T, CliError>;

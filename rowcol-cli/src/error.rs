//! What can go wrong in a command, and the exit code each failure gives.

use rowcol_core::{ErrorContext, RailErrorKind, RowcolError, StoreErrorKind};

/// A command's failure. Never holds a secret: it is printed as is.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The configuration is missing or wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// The library refused or failed.
    #[error("{}", render(.0))]
    Rowcol(#[from] RowcolError),
    /// The job queue failed.
    #[error(transparent)]
    Worker(#[from] rowcol_worker::WorkerError),
    /// A webhook or HTTP listener could not start.
    #[error("{0}")]
    Io(String),
    /// An argument the command cannot use (the message says why).
    #[error("{0}")]
    Usage(String),
    /// Some of the work failed (the message says which).
    #[error("{0}")]
    Partial(String),
    /// Connections need their user to reconnect (the message says which).
    #[error("{0}")]
    Credentials(String),
}

impl CliError {
    /// The process exit code: 2 configuration or usage, 3 credentials (reconnect),
    /// 4 database unreachable, 5 rail unavailable, 6 partial failure, 1 other.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Config(_) | CliError::Usage(_) => 2,
            CliError::Rowcol(RowcolError::Rail { kind, failure, .. }) => match kind {
                RailErrorKind::NeedsReauth | RailErrorKind::Unauthorized | RailErrorKind::Forbidden => 3,
                // The QBO environment points at a server that is not the
                // configured authorization server: fix the setting.
                RailErrorKind::Invalid if failure.code.as_deref() == Some(rowcol_qbo::ISSUER_MISMATCH) => 2,
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

/// A library error as the command prints it: as the library says it, but
/// without the library's "no context" placeholder when the error concerns
/// no client (opening the database, a refused URL): its message already
/// names the database.
fn render(error: &RowcolError) -> String {
    let bare = ErrorContext::default();
    match error {
        RowcolError::Store {
            kind, context, message, ..
        } if *context == bare => {
            format!("{}: {message}", kind.label())
        }
        RowcolError::InvalidInput { context, reason } if *context == bare => format!("invalid input: {reason}"),
        other => other.to_string(),
    }
}

/// A command's result.
pub type CliResult<T = ()> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_about_no_client_print_without_a_no_context_placeholder() {
        let open = CliError::from(RowcolError::store(
            StoreErrorKind::Unavailable,
            ErrorContext::default(),
            "SQLite file /x/y.db: opening: unable to open database file",
        ));
        assert_eq!(
            open.to_string(),
            "database unavailable: SQLite file /x/y.db: opening: unable to open database file"
        );
        assert_eq!(open.exit_code(), 4);
        let client = CliError::from(RowcolError::store(
            StoreErrorKind::NotFound,
            ErrorContext::client(&"acme".parse().unwrap()),
            "no such run",
        ));
        assert!(client.to_string().contains("acme"), "{client}");
    }

    #[test]
    fn a_token_server_with_another_issuer_is_a_configuration_error() {
        let failure = |code: Option<&str>| rowcol_core::RailFailure {
            code: code.map(str::to_owned),
            ..rowcol_core::RailFailure::default()
        };
        let rail = |code| {
            CliError::from(RowcolError::rail(
                RailErrorKind::Invalid,
                ErrorContext::default(),
                failure(code),
            ))
        };
        assert_eq!(rail(Some(rowcol_qbo::ISSUER_MISMATCH)).exit_code(), 2);
        assert_eq!(
            rail(None).exit_code(),
            5,
            "another refused request stays a rail failure"
        );
    }
}

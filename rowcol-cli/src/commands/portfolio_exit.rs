//! The exit of a command that works client by client (`sync`,
//! `reconcile`): one code whatever order the clients finished in.
//!
//! - every client done: 0;
//! - some done, some not: 6, naming the others;
//! - none done: the most severe failure's own code, in the order 4
//!   (database), 2 (configuration), 3 (credentials: reconnect or wrong
//!   key), 5 (rail unavailable), 1 (anything else), so a script learns the
//!   cause that blocks every client first.

use crate::error::{CliError, CliResult};

/// Exit codes from most to least severe, when no client was done.
const SEVERITY: [u8; 5] = [4, 2, 3, 5, 1];

/// A client that was not done, and why.
pub struct NotDone {
    /// The client's id.
    pub client: String,
    /// Why, as a command error (its code ranks it).
    pub error: CliError,
}

/// The command's result once every client was tried: `done` clients
/// succeeded, `not_done` did not; `what` names the work ("sync").
pub fn finish(what: &str, done: usize, mut not_done: Vec<NotDone>) -> CliResult {
    if not_done.is_empty() {
        return Ok(());
    }
    not_done.sort_by(|a, b| a.client.cmp(&b.client));
    if done > 0 {
        let clients: Vec<&str> = not_done.iter().map(|n| n.client.as_str()).collect();
        return Err(CliError::Partial(format!("{what} not done for {}", clients.join(", "))));
    }
    let rank = |code: u8| SEVERITY.iter().position(|c| *c == code).unwrap_or(SEVERITY.len());
    let worst = not_done
        .into_iter()
        .min_by_key(|n| rank(n.error.exit_code()))
        .map(|n| n.error);
    match worst {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowcol_core::{ErrorContext, RailErrorKind, RailFailure, RowcolError, StoreErrorKind};

    fn rail(kind: RailErrorKind) -> CliError {
        RowcolError::rail(kind, ErrorContext::default(), RailFailure::default()).into()
    }

    fn not_done(client: &str, error: CliError) -> NotDone {
        NotDone {
            client: client.to_owned(),
            error,
        }
    }

    #[test]
    fn the_code_does_not_depend_on_the_order_clients_finished_in() {
        let failures = || {
            vec![
                not_done("b", rail(RailErrorKind::Transient)),
                not_done("a", rail(RailErrorKind::NeedsReauth)),
                not_done(
                    "c",
                    RowcolError::store(StoreErrorKind::Unavailable, ErrorContext::default(), "gone").into(),
                ),
            ]
        };
        let code = |f: Vec<NotDone>| finish("sync", 0, f).unwrap_err().exit_code();
        assert_eq!(code(failures()), 4, "the database first");
        let mut reversed = failures();
        reversed.reverse();
        assert_eq!(code(reversed), 4);
        let credentials_and_rail = vec![
            not_done("b", rail(RailErrorKind::Transient)),
            not_done("a", rail(RailErrorKind::NeedsReauth)),
        ];
        assert_eq!(
            code(credentials_and_rail),
            3,
            "reconnecting comes before waiting out QBO"
        );
        assert_eq!(code(vec![not_done("b", rail(RailErrorKind::Transient))]), 5);
    }

    #[test]
    fn some_done_is_a_partial_failure_naming_the_rest_in_order() {
        let error = finish(
            "sync",
            2,
            vec![
                not_done("zeta", rail(RailErrorKind::Transient)),
                not_done("acme", rail(RailErrorKind::NeedsReauth)),
            ],
        )
        .unwrap_err();
        assert_eq!(error.exit_code(), 6);
        assert_eq!(error.to_string(), "sync not done for acme, zeta");
        assert!(finish("sync", 3, Vec::new()).is_ok());
    }
}

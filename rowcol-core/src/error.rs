//! The error taxonomy every adapter maps into.
//!
//! Each error says what failed, for which client, realm, entity kind and id
//! ([`ErrorContext`]), and whether trying again can help ([`RowcolError::retryable`]).
//! No variant ever carries a token or secret: adapters put only ids, codes,
//! statuses and the source's trace id in them.

use std::fmt;
use std::time::Duration;

use crate::{ClientId, CurrencyError, EntityKind, ExternalId, IdError, MoneyError, Rail, RailDisabled, RealmId};

/// Which client, realm, rail and record an error concerns; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorContext {
    /// The client.
    pub client: Option<ClientId>,
    /// The rail.
    pub rail: Option<Rail>,
    /// The company on the rail.
    pub realm: Option<RealmId>,
    /// The entity kind.
    pub kind: Option<EntityKind>,
    /// The record.
    pub external_id: Option<ExternalId>,
}

impl ErrorContext {
    /// Context naming a client.
    pub fn client(client: &ClientId) -> Self {
        ErrorContext {
            client: Some(client.clone()),
            ..ErrorContext::default()
        }
    }

    /// This context plus a rail and realm.
    pub fn with_realm(mut self, rail: Rail, realm: &RealmId) -> Self {
        self.rail = Some(rail);
        self.realm = Some(realm.clone());
        self
    }

    /// This context plus an entity kind.
    pub fn with_kind(mut self, kind: EntityKind) -> Self {
        self.kind = Some(kind);
        self
    }

    /// This context plus a record id.
    pub fn with_id(mut self, id: &ExternalId) -> Self {
        self.external_id = Some(id.clone());
        self
    }
}

impl fmt::Display for ErrorContext {
    /// `client acme, qbo realm 9130, bill 145`; `no context` when empty.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(c) = &self.client {
            parts.push(format!("client {c}"));
        }
        match (&self.rail, &self.realm) {
            (Some(rail), Some(realm)) => parts.push(format!("{rail} realm {realm}")),
            (Some(rail), None) => parts.push(format!("rail {rail}")),
            (None, Some(realm)) => parts.push(format!("realm {realm}")),
            (None, None) => {}
        }
        match (&self.kind, &self.external_id) {
            (Some(k), Some(id)) => parts.push(format!("{k} {id}")),
            (Some(k), None) => parts.push(k.to_string()),
            (None, Some(id)) => parts.push(format!("record {id}")),
            (None, None) => {}
        }
        if parts.is_empty() {
            f.write_str("no context")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

/// What the rail said, for logs and support: never a token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RailFailure {
    /// HTTP status, when there was a response.
    pub http_status: Option<u16>,
    /// The rail's error code (QBO Fault `code`, e.g. `3200`).
    pub code: Option<String>,
    /// The rail's id of the failed request, for its support (QBO's
    /// `intuit_tid` header, Plaid's `request_id`).
    pub trace_id: Option<String>,
    /// A short human message.
    pub message: String,
    /// Requests sent to the rail for the failed operation, retries
    /// included: failed work still spends the rail's call budget.
    pub api_calls: u32,
}

impl RailFailure {
    /// The failure in words, its request id named as `rail` names it
    /// (`intuit_tid` for QBO, `request_id` for Plaid; "request id" when the
    /// rail is not known). [`RowcolError`]'s text uses the rail of its context.
    pub fn describe(&self, rail: Option<Rail>) -> impl fmt::Display + '_ {
        Described { failure: self, rail }
    }
}

/// A failure's text for one rail; see [`RailFailure::describe`].
struct Described<'a> {
    failure: &'a RailFailure,
    rail: Option<Rail>,
}

impl fmt::Display for Described<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failure = self.failure;
        f.write_str(&failure.message)?;
        if let Some(s) = failure.http_status {
            write!(f, " (HTTP {s}")?;
            if let Some(c) = &failure.code {
                write!(f, ", code {c}")?;
            }
            if let Some(t) = &failure.trace_id {
                let name = match self.rail {
                    Some(Rail::Qbo) => "intuit_tid",
                    Some(Rail::Plaid) => "request_id",
                    _ => "request id",
                };
                write!(f, ", {name} {t}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl fmt::Display for RailFailure {
    /// The failure in words with a rail-neutral "request id"; see
    /// [`RailFailure::describe`] for the rail's own name of it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(None).fmt(f)
    }
}

/// How a call to a rail failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RailErrorKind {
    /// Over the rail's rate limit; `retry_after` is the server's hint if any.
    Throttled {
        /// How long the server asked to wait.
        retry_after: Option<Duration>,
    },
    /// A 5xx, a dropped connection or a garbled body: likely to pass.
    Transient,
    /// No answer in time.
    Timeout,
    /// The access token was refused: refresh once, then retry.
    Unauthorized,
    /// The credentials are dead (`invalid_grant`): only the user can reconnect.
    NeedsReauth,
    /// Not allowed, whatever the token.
    Forbidden,
    /// The record does not exist (or was deleted).
    NotFound,
    /// The request was wrong (bad query, validation fault): same request, same answer.
    Invalid,
    /// The incremental cursor is older than the rail's change window: a full
    /// re-sync is needed.
    CursorTooOld,
    /// The app's monthly call budget is spent.
    BudgetExhausted,
}

impl RailErrorKind {
    fn label(&self) -> &'static str {
        match self {
            RailErrorKind::Throttled { .. } => "throttled",
            RailErrorKind::Transient => "transient failure",
            RailErrorKind::Timeout => "timed out",
            RailErrorKind::Unauthorized => "access token refused",
            RailErrorKind::NeedsReauth => "connection needs the user to reconnect",
            RailErrorKind::Forbidden => "forbidden",
            RailErrorKind::NotFound => "not found",
            RailErrorKind::Invalid => "invalid request",
            RailErrorKind::CursorTooOld => "change cursor older than the rail's window; full re-sync needed",
            RailErrorKind::BudgetExhausted => "monthly API budget spent",
        }
    }
}

/// How a store operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The database cannot be reached, or the connection broke.
    Unavailable,
    /// Locked or serialisation conflict: try again.
    Busy,
    /// The thing asked for does not exist.
    NotFound,
    /// The client is not in the asking advisor's portfolio.
    OutsidePortfolio,
    /// Stored secrets did not decrypt with the key given (wrong key or tampering).
    WrongKey,
    /// Stored data does not parse (a bug or tampering).
    Corrupt,
    /// The request broke a rule (bad argument, constraint).
    Invalid,
    /// Schema migration failed.
    Migration,
}

impl StoreErrorKind {
    /// What the kind means, in words (the start of a store error's text).
    pub fn label(&self) -> &'static str {
        match self {
            StoreErrorKind::Unavailable => "database unavailable",
            StoreErrorKind::Busy => "database busy",
            StoreErrorKind::NotFound => "not found",
            StoreErrorKind::OutsidePortfolio => "client is not in this advisor's portfolio",
            StoreErrorKind::WrongKey => "stored credentials do not decrypt with this key",
            StoreErrorKind::Corrupt => "stored data is corrupt",
            StoreErrorKind::Invalid => "invalid request",
            StoreErrorKind::Migration => "schema migration failed",
        }
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Every error RowCol's ports return.
#[derive(Debug, thiserror::Error)]
pub enum RowcolError {
    /// A rail call failed.
    #[error("{}: {} — {}", kind.label(), context, failure.describe(context.rail))]
    Rail {
        /// How.
        kind: RailErrorKind,
        /// For which client, realm and record.
        context: ErrorContext,
        /// What the rail said.
        failure: RailFailure,
    },
    /// A store operation failed.
    #[error("{}: {} — {message}", kind.label(), context)]
    Store {
        /// How.
        kind: StoreErrorKind,
        /// For which client and record.
        context: ErrorContext,
        /// What happened, in words (no secrets, no SQL with values).
        message: String,
        /// The driver's error, kept for logs.
        #[source]
        source: Option<Source>,
    },
    /// A record from a rail could not be mapped (it is dead-lettered).
    #[error("cannot map {context}: {reason}")]
    Mapping {
        /// Which record.
        context: ErrorContext,
        /// What was wrong, naming the field.
        reason: String,
    },
    /// Input from a caller was refused; nothing was written.
    #[error("invalid input for {context}: {reason}")]
    InvalidInput {
        /// What it concerned.
        context: ErrorContext,
        /// Why.
        reason: String,
    },
    /// Money arithmetic refused.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// An id did not parse.
    #[error(transparent)]
    Id(#[from] IdError),
    /// A currency code did not parse.
    #[error(transparent)]
    Currency(#[from] CurrencyError),
    /// The rail is not enabled in this deployment.
    #[error(transparent)]
    RailDisabled(#[from] RailDisabled),
}

impl RowcolError {
    /// A rail error.
    pub fn rail(kind: RailErrorKind, context: ErrorContext, failure: RailFailure) -> Self {
        RowcolError::Rail { kind, context, failure }
    }

    /// A store error without a driver source.
    pub fn store(kind: StoreErrorKind, context: ErrorContext, message: impl Into<String>) -> Self {
        RowcolError::Store {
            kind,
            context,
            message: message.into(),
            source: None,
        }
    }

    /// A store error keeping the driver's error as its source.
    pub fn store_with_source(
        kind: StoreErrorKind,
        context: ErrorContext,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        RowcolError::Store {
            kind,
            context,
            message: message.into(),
            source: Some(Box::new(source)),
        }
    }

    /// True when the same operation may succeed if tried again later
    /// (throttling, 5xx, timeouts, a busy or briefly unreachable database, an
    /// expired access token that a refresh fixes). False when only a change of
    /// input, configuration or a person can help.
    pub fn retryable(&self) -> bool {
        match self {
            RowcolError::Rail { kind, .. } => matches!(
                kind,
                RailErrorKind::Throttled { .. }
                    | RailErrorKind::Transient
                    | RailErrorKind::Timeout
                    | RailErrorKind::Unauthorized
            ),
            RowcolError::Store { kind, .. } => {
                matches!(kind, StoreErrorKind::Unavailable | StoreErrorKind::Busy)
            }
            RowcolError::Mapping { .. }
            | RowcolError::InvalidInput { .. }
            | RowcolError::Money(_)
            | RowcolError::Id(_)
            | RowcolError::Currency(_)
            | RowcolError::RailDisabled(_) => false,
        }
    }

    /// The server's hint of how long to wait, when it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            RowcolError::Rail {
                kind: RailErrorKind::Throttled { retry_after },
                ..
            } => *retry_after,
            _ => None,
        }
    }

    /// The client, realm and record the error concerns, when it says.
    pub fn context(&self) -> Option<&ErrorContext> {
        match self {
            RowcolError::Rail { context, .. }
            | RowcolError::Store { context, .. }
            | RowcolError::Mapping { context, .. }
            | RowcolError::InvalidInput { context, .. } => Some(context),
            _ => None,
        }
    }

    /// The rail error kind, for rail errors.
    pub fn rail_kind(&self) -> Option<&RailErrorKind> {
        match self {
            RowcolError::Rail { kind, .. } => Some(kind),
            _ => None,
        }
    }

    /// Requests the failed rail operation sent, retries included (0 for
    /// errors that are not the rail's).
    pub fn api_calls(&self) -> u32 {
        match self {
            RowcolError::Rail { failure, .. } => failure.api_calls,
            _ => 0,
        }
    }

    /// The store error kind, for store errors.
    pub fn store_kind(&self) -> Option<StoreErrorKind> {
        match self {
            RowcolError::Store { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// Shorthand for results of RowCol operations.
pub type Result<T, E = RowcolError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_text::parse;

    fn ctx() -> ErrorContext {
        ErrorContext::client(&parse("acme"))
            .with_realm(Rail::Qbo, &parse("9130"))
            .with_kind(EntityKind::Bill)
            .with_id(&parse("145"))
    }

    fn rail_err(kind: RailErrorKind) -> RowcolError {
        RowcolError::rail(
            kind,
            ctx(),
            RailFailure {
                http_status: Some(429),
                code: Some("003001".into()),
                trace_id: Some("1-abc".into()),
                message: "ThrottleExceeded".into(),
                api_calls: 0,
            },
        )
    }

    #[test]
    fn rail_errors_say_where_and_what() {
        let text = rail_err(RailErrorKind::Throttled { retry_after: None }).to_string();
        assert_eq!(
            text,
            "throttled: client acme, qbo realm 9130, bill 145 — ThrottleExceeded (HTTP 429, code 003001, intuit_tid 1-abc)"
        );
    }

    #[test]
    fn a_request_id_is_named_as_its_rail_names_it() {
        let RowcolError::Rail { failure, .. } = rail_err(RailErrorKind::Transient) else {
            unreachable!("rail_err makes a rail error")
        };
        let plaid = RowcolError::rail(
            RailErrorKind::Transient,
            ErrorContext::client(&"acme".parse().unwrap()).with_realm(Rail::Plaid, &"item-1".parse().unwrap()),
            failure.clone(),
        );
        assert!(
            plaid.to_string().ends_with("(HTTP 429, code 003001, request_id 1-abc)"),
            "{plaid}"
        );
        assert!(
            failure
                .to_string()
                .ends_with("(HTTP 429, code 003001, request id 1-abc)"),
            "{failure}"
        );
    }

    #[test]
    fn retryable_follows_the_kind() {
        for (kind, retry) in [
            (
                RailErrorKind::Throttled {
                    retry_after: Some(Duration::from_secs(60)),
                },
                true,
            ),
            (RailErrorKind::Transient, true),
            (RailErrorKind::Timeout, true),
            (RailErrorKind::Unauthorized, true),
            (RailErrorKind::NeedsReauth, false),
            (RailErrorKind::Forbidden, false),
            (RailErrorKind::NotFound, false),
            (RailErrorKind::Invalid, false),
            (RailErrorKind::CursorTooOld, false),
            (RailErrorKind::BudgetExhausted, false),
        ] {
            assert_eq!(rail_err(kind.clone()).retryable(), retry, "{kind:?}");
        }
        assert!(RowcolError::store(StoreErrorKind::Busy, ctx(), "locked").retryable());
        assert!(!RowcolError::store(StoreErrorKind::WrongKey, ctx(), "x").retryable());
        assert!(!RowcolError::store(StoreErrorKind::OutsidePortfolio, ctx(), "x").retryable());
    }

    #[test]
    fn retry_after_comes_from_the_server_hint() {
        let e = rail_err(RailErrorKind::Throttled {
            retry_after: Some(Duration::from_secs(60)),
        });
        assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
        assert_eq!(rail_err(RailErrorKind::Transient).retry_after(), None);
    }

    #[test]
    fn store_errors_keep_their_source() {
        let io = std::io::Error::other("disk gone");
        let e = RowcolError::store_with_source(StoreErrorKind::Unavailable, ctx(), "apply failed", io);
        let source = std::error::Error::source(&e).map(|s| s.to_string());
        assert_eq!(source.as_deref(), Some("disk gone"));
        assert_eq!(e.store_kind(), Some(StoreErrorKind::Unavailable));
    }

    #[test]
    fn empty_context_says_so() {
        assert_eq!(ErrorContext::default().to_string(), "no context");
    }
}

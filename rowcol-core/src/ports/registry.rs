//! The `Registry` port: the records RowCol owns about who is served: advisors,
//! their clients, each client's connections to rails, settings and review
//! decisions.
//!
//! Proven by `rowcol_testkit::mirror_suite::registry`, which `rowcol-mirror`
//! runs on SQLite and PostgreSQL.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{
    Advisor, AdvisorId, BankReview, Client, ClientId, ClientSettings, Connection, ConnectionStatus, ErrorContext, Rail,
    Result, ReviewState, RowcolError, StoreErrorKind,
};

/// Who is served, and how: written by people (through a face) and by the
/// engine (a connection's status), read by every path.
///
/// Behaviour of every method that takes an `AdvisorId`:
/// - MUST fail with `StoreErrorKind::OutsidePortfolio` when the client is not
///   in the advisor's portfolio, never answer empty.
#[async_trait]
pub trait Registry: Send + Sync {
    /// Creates or renames an advisor.
    ///
    /// Behaviour:
    /// - MUST be idempotent.
    async fn upsert_advisor(&self, advisor: &Advisor) -> Result<()>;

    /// Creates or updates a client and its connections.
    ///
    /// Behaviour:
    /// - MUST be idempotent; connections not listed are left as they are.
    /// - MUST refuse (`InvalidInput` or `StoreErrorKind::Invalid`) a client
    ///   whose advisor does not exist, writing nothing.
    async fn upsert_client(&self, client: &Client) -> Result<()>;

    /// Sets a connection's status (e.g. needs-reauth after `invalid_grant`).
    ///
    /// Behaviour:
    /// - MUST fail with `StoreErrorKind::NotFound` for an unknown connection.
    async fn set_connection_status(&self, client: &ClientId, rail: Rail, status: ConnectionStatus) -> Result<()>;

    /// The advisor's clients with their connections, ordered by client id.
    ///
    /// Behaviour:
    /// - MUST fail with `StoreErrorKind::NotFound` for an unknown advisor.
    async fn portfolio(&self, advisor: &AdvisorId) -> Result<Vec<Client>>;

    /// One client of the advisor's portfolio with its connections, read
    /// through [`Registry::portfolio`].
    ///
    /// Behaviour:
    /// - MUST fail with `StoreErrorKind::NotFound`, naming the client, when
    ///   it is not in the portfolio.
    async fn portfolio_client(&self, advisor: &AdvisorId, client: &ClientId) -> Result<Client> {
        self.portfolio(advisor)
            .await?
            .into_iter()
            .find(|c| &c.id == client)
            .ok_or_else(|| {
                RowcolError::store(
                    StoreErrorKind::NotFound,
                    ErrorContext::client(client),
                    format!("the client is not in advisor {advisor}'s portfolio"),
                )
            })
    }

    /// Every connection of every advisor, ordered by client then rail: what
    /// a scheduler walks.
    async fn connections(&self) -> Result<Vec<Connection>>;

    /// The client's settings (defaults when never saved).
    async fn settings(&self, advisor: &AdvisorId, client: &ClientId) -> Result<ClientSettings>;

    /// Saves the client's settings.
    async fn save_settings(&self, advisor: &AdvisorId, client: &ClientId, settings: &ClientSettings) -> Result<()>;

    /// Records a review of a hygiene item, replacing an earlier one for the
    /// same rule and entity. Reviews survive every re-sync.
    async fn save_review(&self, advisor: &AdvisorId, review: &ReviewState) -> Result<()>;

    /// Records an advisor's decision on a bank line (approve a match,
    /// exclude the line, fixed at source) and appends it to the client's
    /// audit log.
    ///
    /// Behaviour:
    /// - MUST replace an earlier decision on the same line of the client.
    /// - MUST keep the decision through every re-sync of the line (the
    ///   bank check applies it before matching; it is not a mirrored row).
    /// - MUST append, in the same transaction, one audit entry: action
    ///   `review`, kind `bank_transaction`, the line's id, version
    ///   [`BankReview::audit_version`](crate::BankReview::audit_version),
    ///   the decision's time as the source time, no transaction date and no
    ///   run; the chain keeps verifying.
    /// - MUST fail with `StoreErrorKind::OutsidePortfolio` when the client
    ///   is not the advisor's, writing nothing.
    async fn save_bank_review(&self, advisor: &AdvisorId, review: &BankReview) -> Result<()>;
}

/// An `Arc` of a Registry is one: a store shared between the engine and the
/// views is passed as it is.
#[async_trait]
impl<T: Registry + ?Sized> Registry for Arc<T> {
    async fn upsert_advisor(&self, advisor: &Advisor) -> Result<()> {
        (**self).upsert_advisor(advisor).await
    }

    async fn upsert_client(&self, client: &Client) -> Result<()> {
        (**self).upsert_client(client).await
    }

    async fn set_connection_status(&self, client: &ClientId, rail: Rail, status: ConnectionStatus) -> Result<()> {
        (**self).set_connection_status(client, rail, status).await
    }

    async fn portfolio(&self, advisor: &AdvisorId) -> Result<Vec<Client>> {
        (**self).portfolio(advisor).await
    }

    async fn connections(&self) -> Result<Vec<Connection>> {
        (**self).connections().await
    }

    async fn settings(&self, advisor: &AdvisorId, client: &ClientId) -> Result<ClientSettings> {
        (**self).settings(advisor, client).await
    }

    async fn save_settings(&self, advisor: &AdvisorId, client: &ClientId, settings: &ClientSettings) -> Result<()> {
        (**self).save_settings(advisor, client, settings).await
    }

    async fn save_review(&self, advisor: &AdvisorId, review: &ReviewState) -> Result<()> {
        (**self).save_review(advisor, review).await
    }

    async fn save_bank_review(&self, advisor: &AdvisorId, review: &BankReview) -> Result<()> {
        (**self).save_bank_review(advisor, review).await
    }
}

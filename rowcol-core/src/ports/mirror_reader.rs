//! The `MirrorReader` port: the read path's side of the mirror: a client's
//! snapshot for the calculators and the purpose-specific reads beside it.
//!
//! Proven by `rowcol_testkit::mirror_suite::reader`, which `rowcol-mirror`
//! runs on SQLite and PostgreSQL.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::NaiveDate;

use crate::snapshot::{ClientSnapshot, SnapshotRequest};
use crate::sync::BalancePoint;
use crate::{AdvisorId, ClientHealth, ClientId, Result};

/// Reads a person reaches, scoped to an advisor's portfolio.
///
/// Behaviour of every method:
/// - MUST fail with `StoreErrorKind::OutsidePortfolio` when the client is not
///   in the advisor's portfolio, never answer empty.
#[async_trait]
pub trait MirrorReader: Send + Sync {
    /// Loads everything the calculators need about one client (see
    /// [`ClientSnapshot`] for what it holds).
    async fn snapshot(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        request: SnapshotRequest,
    ) -> Result<ClientSnapshot>;

    /// Balance history points between `from` and `to` inclusive, by account then day.
    async fn balance_history(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<BalancePoint>>;

    /// Sync health of the client, per kind its connections' rails mirror.
    ///
    /// Behaviour:
    /// - MUST list the kinds of each of the client's rails ([`Rail::kinds`](crate::Rail::kinds)),
    ///   each once, in the order of the rails' names: a client with only a
    ///   Plaid connection lists the bank's kinds, never the ledger's; a client
    ///   without a connection lists the ledger's.
    /// - MUST give each kind the last success, last attempt and failure
    ///   streak of its rail's runs (a failing QBO never looks fresh because
    ///   Plaid synced), and as `connection` the status most in need of a
    ///   person: needs re-auth, then disabled, then active.
    async fn health(&self, advisor: &AdvisorId, client: &ClientId) -> Result<ClientHealth>;
}

/// An `Arc` of a MirrorReader is one: a store shared between the engine and the
/// views is passed as it is.
#[async_trait]
impl<T: MirrorReader + ?Sized> MirrorReader for Arc<T> {
    async fn snapshot(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        request: SnapshotRequest,
    ) -> Result<ClientSnapshot> {
        (**self).snapshot(advisor, client, request).await
    }

    async fn balance_history(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<BalancePoint>> {
        (**self).balance_history(advisor, client, from, to).await
    }

    async fn health(&self, advisor: &AdvisorId, client: &ClientId) -> Result<ClientHealth> {
        (**self).health(advisor, client).await
    }
}

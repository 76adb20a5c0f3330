//! # rowcol-stack
//!
//! [`Stack`]: the one place RowCol's pieces are wired together: a mirror
//! (which is also the credential and lease store), a sync policy, a clock,
//! the QBO rail, the Plaid rail and any other rails, and the sync engine
//! over them. The `rowcol` command, the Python package, the examples, the
//! benches and the tests all build their engine here, so each sees the same
//! wiring.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use rowcol_core::prelude::*;
//! use rowcol_core::sync::SyncTrigger;
//! use rowcol_mirror::CredentialKey;
//! use rowcol_qbo::QboConfig;
//! use rowcol_stack::Stack;
//!
//! let mirror = rowcol_mirror::open("sqlite://rowcol.db", CredentialKey::generate()).await?;
//! let stack = Stack::builder(mirror)
//!     .qbo(QboConfig::for_sim("http://127.0.0.1:4010")?)
//!     .holder("worker-1")
//!     .build()?;
//! let connections = stack.mirror.connections().await?;
//! for (connection, result) in stack.engine.sync_all(&connections, SyncTrigger::OnDemand, 4, |_, _| {}).await {
//!     println!("{}: {:?}", connection.client, result.map(|r| r.outcome));
//! }
//! # Ok(()) }
//! ```

mod bank_review;
#[cfg(feature = "look-alike")]
mod look_alike;

use std::sync::Arc;
use std::time::Duration;

use rowcol_core::{Clock, CredentialStore, LeaseStore, LedgerRail, StandardPolicy, SyncPolicy, SystemClock};
use rowcol_mirror::Mirror;
use rowcol_plaid::{PlaidClient, PlaidConfig, PlaidRail};
use rowcol_qbo::{QboConfig, QboRail};
use rowcol_sync::SyncEngine;

pub use bank_review::review_bank_line;
#[cfg(feature = "look-alike")]
pub use look_alike::{
    LookAlikeClient, bank_of, diligence, link_bank_look_alike, look_alike_clients, register_look_alike,
};

/// The wired pieces.
pub struct Stack {
    /// The mirror (also the credential and lease store).
    pub mirror: Arc<dyn Mirror>,
    /// The QBO rail, when one was configured.
    pub qbo: Option<Arc<QboRail>>,
    /// The Plaid rail, when one was configured.
    pub plaid: Option<Arc<PlaidRail>>,
    /// The engine over the mirror and every rail.
    pub engine: Arc<SyncEngine>,
}

impl Stack {
    /// Starts wiring over an open mirror: the standard policy, the system
    /// clock, no rail, and leases held under a process-unique name.
    pub fn builder(mirror: Arc<dyn Mirror>) -> StackBuilder {
        StackBuilder {
            mirror,
            policy: Arc::new(StandardPolicy::default()),
            clock: Arc::new(SystemClock),
            holder: None,
            lease_ttl: None,
            qbo: None,
            plaid: None,
            rails: Vec::new(),
        }
    }
}

/// Builds a [`Stack`]; see [`Stack::builder`].
pub struct StackBuilder {
    mirror: Arc<dyn Mirror>,
    policy: Arc<dyn SyncPolicy>,
    clock: Arc<dyn Clock>,
    holder: Option<String>,
    lease_ttl: Option<Duration>,
    qbo: Option<QboConfig>,
    plaid: Option<PlaidConfig>,
    rails: Vec<Arc<dyn LedgerRail>>,
}

impl StackBuilder {
    /// The sync policy (retries, rate limits, schedule) every piece shares.
    pub fn policy(mut self, policy: Arc<dyn SyncPolicy>) -> Self {
        self.policy = policy;
        self
    }

    /// The clock every piece reads.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The name this process holds realm leases under (unique per process;
    /// default: [`holder_name`] of `"rowcol"`).
    pub fn holder(mut self, holder: impl Into<String>) -> Self {
        self.holder = Some(holder.into());
        self
    }

    /// How long a realm lease lives unless renewed (default: the engine's
    /// `SYNC_LEASE_TTL`).
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = Some(ttl);
        self
    }

    /// Syncs QBO with this app's settings (production or a look-alike).
    pub fn qbo(mut self, config: QboConfig) -> Self {
        self.qbo = Some(config);
        self
    }

    /// Syncs and links bank Items through Plaid with this app's settings
    /// (production, sandbox or the look-alike).
    pub fn plaid(mut self, config: PlaidConfig) -> Self {
        self.plaid = Some(config);
        self
    }

    /// Adds another rail (a Ramp or Stripe rail, or a test's own).
    pub fn rail(mut self, rail: Arc<dyn LedgerRail>) -> Self {
        self.rails.push(rail);
        self
    }

    /// Wires the pieces. Fails only when a rail cannot be built (its HTTP
    /// client, from the configured timeouts).
    pub fn build(self) -> rowcol_core::Result<Stack> {
        let credentials: Arc<dyn CredentialStore> = self.mirror.clone();
        let leases: Arc<dyn LeaseStore> = self.mirror.clone();
        let qbo = match self.qbo {
            Some(config) => Some(Arc::new(QboRail::new(
                config,
                credentials.clone(),
                leases.clone(),
                self.policy.clone(),
                self.clock.clone(),
            )?)),
            None => None,
        };
        let plaid = match self.plaid {
            Some(config) => Some(Arc::new(PlaidRail::new(
                Arc::new(PlaidClient::new(config, self.policy.clone())?),
                credentials.clone(),
                self.clock.clone(),
            ))),
            None => None,
        };
        let mut engine = SyncEngine::new(self.mirror.clone(), self.policy)
            .with_clock(self.clock)
            .with_leases(leases, self.holder.unwrap_or_else(|| holder_name("rowcol")));
        if let Some(ttl) = self.lease_ttl {
            engine = engine.with_lease_ttl(ttl);
        }
        if let Some(rail) = &qbo {
            engine = engine.with_rail(rail.clone());
        }
        if let Some(rail) = &plaid {
            engine = engine.with_rail(rail.clone());
        }
        for rail in self.rails {
            engine = engine.with_rail(rail);
        }
        Ok(Stack {
            mirror: self.mirror,
            qbo,
            plaid,
            engine: Arc::new(engine),
        })
    }
}

/// Links a bank Item for a registered client of `advisor`: exchanges
/// Link's `public_token` through `plaid` (which seals the access token in
/// the credential store) and registers the Plaid connection, replacing an
/// earlier one. `NotFound` when the client is not in the portfolio. The
/// `rowcol connect --rail plaid` command, the Python package and the tests
/// link Items this one way.
pub async fn link_bank(
    mirror: &dyn Mirror,
    plaid: &PlaidRail,
    advisor: &rowcol_core::AdvisorId,
    client: &rowcol_core::ClientId,
    public_token: &secrecy::SecretString,
) -> rowcol_core::Result<rowcol_core::Connection> {
    use rowcol_core::Rail;

    let mut record = mirror.portfolio_client(advisor, client).await?;
    let connection = plaid.connect(client, public_token).await?;
    record.connections.retain(|c| c.rail != Rail::Plaid);
    record.connections.push(connection.clone());
    mirror.upsert_client(&record).await?;
    Ok(connection)
}

/// A process-unique lease holder name for `role`: host-less but unique
/// enough (process id and the time it was made).
pub fn holder_name(role: &str) -> String {
    format!(
        "{role}-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros()
    )
}

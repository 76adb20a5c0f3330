//! rowcol-qbo-sim: a local QuickBooks Online look-alike.
//!
//! Start one in a test with [`start`] on an ephemeral loopback port, point a
//! client at [`SimServer::base_url`], and drive the books, clock, faults and
//! webhooks through the [`Admin`] handle:
//!
//! ```no_run
//! # async fn demo() -> Result<(), rowcol_qbo_sim::StartError> {
//! use rowcol_qbo_sim::{PortfolioSpec, SimConfig, Size, start};
//! let server = start(SimConfig {
//!     portfolio: PortfolioSpec { realms: 3, size: Size::Small, ..PortfolioSpec::default() },
//!     ..SimConfig::default()
//! })
//! .await?;
//! let admin = server.admin();
//! let realm = admin.realm_ids()[0].clone();
//! let tokens = admin.issue_tokens(&realm);
//! // GET {base_url}/v3/company/{realm}/query?query=select * from Bill
//! //     with "Authorization: Bearer {tokens.access_token}"
//! # let _ = (server.base_url(), tokens); Ok(()) }
//! ```

pub mod admin;
pub mod admin_http;
pub mod api;
pub mod auth_http;
pub mod books;
pub mod cdc;
pub mod clock;
pub mod faults;
pub mod generator;
pub mod money;
pub mod oauth;
pub mod qbo_fault;
pub mod query;
pub mod reports;
mod serde_millis;
pub mod server;
pub mod store;
pub mod throttle;
pub mod webhooks;

pub use admin::{Admin, AdminError, GroundTruth, KindTruth};
pub use books::cash_accounts::{CashAccount, CashBooks, CashPosting};
pub use faults::FaultConfig;
pub use generator::{PortfolioSpec, Profile, Size};
pub use oauth::{OAuthConfig, TokenPair};
pub use server::{SimConfig, SimServer, StartError, start};
pub use store::{Change, Kind, Operation};
pub use throttle::{RealmCounters, ThrottleConfig};
pub use webhooks::{WebhookConfig, WebhookFormat};

/// The README's Rust snippets, compiled as doc tests so they cannot drift.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

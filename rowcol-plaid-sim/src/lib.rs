//! rowcol-plaid-sim: a local Plaid look-alike.
//!
//! Start one in a test with [`start`] on an ephemeral loopback port, give it
//! a client's bank (accounts and the book postings its lines derive from),
//! link an Item and point a client at [`SimServer::base_url`]:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use rowcol_plaid_sim::{AccountKind, AccountSpec, ClientBank, SimConfig, start};
//! let server = start(SimConfig::default()).await?;
//! let admin = server.admin();
//! let bank = ClientBank {
//!     username: "client-1".into(),
//!     institution_id: "ins_109508".into(),
//!     accounts: vec![AccountSpec {
//!         name: "Checking".into(),
//!         kind: AccountKind::Checking,
//!         mask: None,
//!         opening_balance: rust_decimal::Decimal::new(5_000, 0),
//!         limit: None,
//!         currency: "USD".into(),
//!     }],
//!     postings: vec![],
//!     seed: 7,
//!     habits: Default::default(),
//!     not_ready_polls: 0,
//! };
//! let linked = admin.seed_item(bank, None, 730)?;
//! // POST {base_url}/transactions/sync {"client_id", "secret", "access_token": linked.access_token}
//! # let _ = (server.base_url(), linked); Ok(()) }
//! ```

pub mod admin;
pub mod admin_http;
pub mod api;
pub mod balances;
pub mod bank;
pub mod changes;
pub mod clock;
pub mod derive;
pub mod error;
pub mod faults;
pub mod ids;
pub mod item;
pub mod money;
pub mod render;
pub mod server;
pub mod signing;
pub mod store;
pub mod sync;
pub mod truth;
pub mod webhooks;

pub use admin::{Admin, AdminError};
pub use bank::{AccountKind, AccountSpec, BookPosting, LineKind, PostingRef};
pub use derive::{ClientBank, Habits};
pub use error::{ErrorCode, PlaidError};
pub use faults::FaultRule;
pub use server::{SimConfig, SimServer, StartError, start};
pub use store::Linked;
pub use truth::{ItemTruth, LineTruth};
pub use webhooks::{DeliveryConfig, DeliveryStats};

/// The README's Rust snippets, compiled as doc tests so they cannot drift.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

//! # rowcol-plaid
//!
//! The Plaid rail: the bank side of RowCol's verification (PLAID.md).
//!
//! - [`PlaidClient`]: linking an Item ([`PlaidClient::exchange_public_token`]),
//!   accounts with cached balances and their age, live balances within
//!   Plaid's 5 a minute per Item, and [`PlaidClient::sync`]: one
//!   `/transactions/sync` update by Plaid's restart-from-the-first-cursor
//!   rule, netted (pending lines replaced by their posted lines without
//!   duplicates, removed lines as removals).
//! - Errors: every failure a `RowcolError::Rail` naming client, rail and
//!   Item, with Plaid's code and request id; [`error::classify`] is the one
//!   mapping (login required = needs re-auth, as QBO's `invalid_grant`).
//! - Webhooks: [`WebhookVerifier`] checks the ES256 `Plaid-Verification` JWT
//!   (key cache by `kid`, `iat` within 5 minutes, body hash) and parses the
//!   body into a [`PlaidWebhook`].

mod client;
pub mod config;
pub mod error;
mod http;
mod ledger;
mod limits;
mod map;
pub mod model;
mod rail;
mod sync;
pub mod webhook;

pub use client::{AccountsAnswer, ItemAccess, LinkedItem, PlaidClient};
pub use config::{ConfigError, PlaidConfig, Timeouts};
pub use rail::PlaidRail;
pub use sync::SyncUpdate;
pub use webhook::{PlaidWebhook, WebhookError, WebhookVerifier};

/// The README's Rust snippets, compiled as doc tests so they cannot drift.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

//! # rowcol-qbo
//!
//! The QuickBooks Online implementation of RowCol's [`LedgerRail`] port,
//! over reqwest (rustls):
//!
//! - [`oauth`](QboRail::authorization_url): connecting a company, the code
//!   exchange, refresh before expiry and on 401, rotation saved before use,
//!   single-flight per connection and leased across processes;
//!   `invalid_grant` is `RailErrorKind::NeedsReauth`.
//! - Reading: full listings ([`LedgerRail::list_pages`], several kinds per
//!   batch request, 1000 rows a page), changes ([`LedgerRail::changes_since`],
//!   one CDC call per realm, split when the 1000-object cap is hit), one
//!   record, live bank and card balances, and escaped free queries ([`Select`]).
//! - Limits and retries: per realm at most the policy's requests per window
//!   and in flight, shared by every task using the rail; retries under the
//!   `SyncPolicy`; every error a `RowcolError::Rail` with realm, kind, HTTP
//!   status, QBO code and `intuit_tid`, never a token.
//! - Reports, for checks: [`QboRail::aged_receivables`],
//!   [`QboRail::aged_payables`], [`QboRail::profit_and_loss`] and
//!   [`QboRail::balance_sheet`] read QBO's own figures exactly; empty and
//!   cut-off reports are typed refusals ([`reports::refusal`]).
//! - Webhooks: [`WebhookVerifier`] checks `intuit-signature` and parses the
//!   legacy and CloudEvents payloads into `ChangeNotice`s.
//!
//! [`LedgerRail`]: rowcol_core::LedgerRail
//! [`LedgerRail::list_pages`]: rowcol_core::LedgerRail::list_pages
//! [`LedgerRail::changes_since`]: rowcol_core::LedgerRail::changes_since

mod cdc;
pub mod config;
mod fault;
mod http;
mod limits;
mod map;
mod oauth;
pub use oauth::ISSUER_MISMATCH;
mod paging;
pub mod query;
mod rail;
pub mod reports;
mod retry;
pub mod webhook;

pub use config::{ConfigError, PRODUCTION_DISCOVERY_URL, PRODUCTION_ISSUER, QboConfig, Timeouts};
pub use map::{kind_from_qbo_name, qbo_json_key, qbo_name};
pub use query::{Literal, Op, Select};
pub use rail::QboRail;
pub use reports::{
    AccountTotal, AgingReport, AgingRow, BalanceSheet, ProfitAndLoss, ReportBasis, ReportRefusal, SectionTotal,
};
pub use webhook::{WebhookError, WebhookVerifier, merge_tombstone, parse_notices};

/// The README's Rust snippets, compiled as doc tests so they cannot drift.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

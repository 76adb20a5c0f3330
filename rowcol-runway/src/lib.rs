//! # rowcol-runway
//!
//! Pure figures over a [`ClientSnapshot`](rowcol_core::ClientSnapshot): no
//! I/O, no async, no clock (the "as of" date is always a parameter), money as
//! `Decimal` plus currency, output in a stable order, every result
//! serde-serialisable and stating how it was computed.
//!
//! - [`bank_match`]: books against the bank ([`bank_match::match_bank`]).
//! - [`bank_check`]: one client's bank check: links, decisions, match and
//!   summary ([`bank_check::check`]).
//! - [`calc`]: cash position, burn, runway, aging, DSO/DPO, the 13-week
//!   forecast and the guardrail; [`calc::outlook`] runs them all.
//! - [`services`]: filters over a snapshot ([`services::BillService`],
//!   [`services::InvoiceService`], [`services::BalanceService`],
//!   [`services::BusinessService`]).
//! - [`hygiene`]: the hygiene tray ([`hygiene::tray`]), rules in
//!   [`hygiene::rules`].
//! - [`console`](mod@console): the decision console ([`console::console`]).
//! - [`digest`](mod@digest): the portfolio digest ([`digest::digest`]), composed from the
//!   tray and the console, clients in parallel.
//! - [`scenario`](mod@scenario): what-ifs (delay a vendor, a new hire, a raise, a
//!   late customer) with forecast and runway base and scenario side by side
//!   ([`scenario::compare`]).
//! - [`history`]: a snapshot as it stood at the end of a past day
//!   ([`history::as_it_stood`]); every entry point above that takes an
//!   "as of" date computes from it, so a past date is a true historical view.
//!
//! ```
//! use rowcol_testkit::fixtures::{bank_account, date};
//! use rust_decimal_macros::dec;
//! # use rowcol_core::*;
//! # let mut s = ClientSnapshot::empty(
//! #     "acme".parse().unwrap(), "Acme".into(), Currency::USD,
//! #     rowcol_core::snapshot::SnapshotRequest::as_of(date("2026-04-15")),
//! #     rowcol_testkit::fixtures::time("2026-04-15T08:00:00Z").to_utc(),
//! #     ClientHealth::unknown("acme".parse().unwrap()), ClientSettings::default(),
//! # );
//! s.accounts.push(bank_account("acme", "35", "Checking", dec!(12000)));
//! let tray = rowcol_runway::tray(&s, date("2026-04-15"));
//! let console = rowcol_runway::console(&s, date("2026-04-15"), &tray);
//! assert_eq!(console.outlook.cash.cash.amount(), dec!(12000));
//! // No money moved in the burn window: runway says so instead of guessing.
//! assert!(console.outlook.runway.months().is_none());
//! ```

pub mod bank_check;
pub mod bank_match;
pub mod calc;
pub mod console;
pub mod digest;
pub mod history;
pub mod hygiene;
pub mod period;
pub mod scenario;
pub mod services;

mod home;
mod perf;

pub use calc::{CashOutlook, outlook};
pub use console::{DecisionConsole, console};
pub use digest::{ClientDigest, Digest, DigestClock, digest};
pub use hygiene::{Finding, HygieneTray, Severity, tray};
pub use scenario::{Scenario, ScenarioComparison, compare};

#[cfg(test)]
mod test_snapshot;

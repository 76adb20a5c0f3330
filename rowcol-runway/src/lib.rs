//! # rowcol-runway
//!
//! Pure figures over a [`ClientSnapshot`](rowcol_core::ClientSnapshot): no
//! I/O, no async, no clock (the "as of" date is always a parameter), money as
//! `Decimal` plus currency, output in a stable order, every result
//! serde-serialisable and stating how it was computed.
//!
//! - [`calc`]: cash position, burn, runway, aging, DSO/DPO, the 13-week
//!   forecast and the guardrail; [`calc::outlook`] runs them all.
//! - [`services`]: filters over a snapshot ([`services::BillService`],
//!   [`services::InvoiceService`], [`services::BalanceService`],
//!   [`services::BusinessService`]).
//! - [`hygiene`]: the hygiene tray ([`hygiene::tray`]), rules in
//!   [`hygiene::rules`].
//! - [`console`]: the decision console ([`console::console`]).
//! - [`digest`]: the portfolio digest ([`digest::digest`]), composed from the
//!   tray and the console, clients in parallel.

pub mod calc;
pub mod console;
pub mod digest;
pub mod hygiene;
pub mod period;
pub mod services;

mod home;
mod index;

pub use calc::{CashOutlook, outlook};

pub use console::{DecisionConsole, console};
pub use digest::{ClientDigest, Digest, DigestClock, digest};
pub use hygiene::{Finding, HygieneTray, Severity, tray};

#[cfg(test)]
mod test_snapshot;

//! # rowcol-testkit
//!
//! What every RowCol crate's tests share:
//! - [`fixtures`]: builders of realistic entities;
//! - [`synthetic`]: typical client snapshots and portfolios, for the
//!   calculators and the benches;
//! - [`MemoryRail`]: an in-memory [`LedgerRail`](rowcol_core::LedgerRail)
//!   whose source a test edits directly;
//! - the behaviour suites that every implementation of a port runs:
//!   [`mirror_suite`] (each mirror port, on every backend) and
//!   [`rail_contract`] (every `LedgerRail`).

pub mod fixtures;
mod memory_rail;
pub mod mirror_suite;
pub mod rail_contract;
pub mod synthetic;

pub use memory_rail::MemoryRail;

//! # rowcol-sync
//!
//! Keeps a client's mirror up to date from its rails, written only against
//! the ports of `rowcol-core`:
//! - [`engine`]: full sync with crash resume, incremental cycles, deletion
//!   by difference, leases, runs, budgets, webhook notices;
//! - [`reconcile`]: the mirror checked against its source, and repaired;
//! - [`portfolio`]: every client's snapshot loaded concurrently for the
//!   calculators;
//! - [`balances`]: the live path: bank and card balances from the mirror
//!   with their age, or read from the rails now with the mirror as fallback.
//!
//! It knows no HTTP and no SQL: the rails and the mirror are adapters behind
//! the ports. Running the engine as durable jobs is `rowcol-worker`'s business.

pub mod balances;
pub mod engine;
pub mod portfolio;
pub mod reconcile;

pub use balances::ClientBalances;
pub use engine::{SyncEngine, SyncOutcome, SyncReport};

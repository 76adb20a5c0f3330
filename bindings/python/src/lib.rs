//! # rowcol-python
//!
//! The native module `rowcol._rowcol` behind the `rowcol` Python package.
//! It converts and delegates, nothing more: every figure comes from
//! `rowcol-runway`, every read and write from `rowcol-mirror`, every sync
//! and live balance from `rowcol-sync`'s engine over `rowcol-qbo`'s rail. One file per
//! concept, errors mapped in [`error`], one tokio runtime in [`runtime`],
//! all Python/serde conversion in [`convert`].

pub mod bank;
pub mod calculators;
pub mod console;
pub mod convert;
pub mod digest;
pub mod error;
pub mod history;
pub mod hygiene;
pub mod lookalike;
pub mod mirror;
pub mod plaid;
pub mod records;
pub mod results;
pub mod runtime;
pub mod scenario;
pub mod server_slot;
pub mod snapshot;
pub mod sync;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _rowcol(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    error::register(m)?;
    m.add_class::<mirror::Mirror>()?;
    m.add_class::<snapshot::Snapshot>()?;
    m.add_class::<digest::Portfolio>()?;
    m.add_class::<digest::Digest>()?;
    m.add_class::<hygiene::HygieneTray>()?;
    m.add_class::<console::DecisionConsole>()?;
    m.add_class::<calculators::Outlook>()?;
    m.add_class::<calculators::Runway>()?;
    m.add_class::<calculators::Forecast>()?;
    m.add_class::<calculators::Aging>()?;
    m.add_class::<scenario::ScenarioComparison>()?;
    m.add_class::<sync::QboApp>()?;
    m.add_class::<sync::SyncReport>()?;
    m.add_class::<sync::SyncResults>()?;
    m.add_class::<lookalike::LookAlike>()?;
    m.add_class::<history::SyncRuns>()?;
    m.add_class::<history::DeadLetters>()?;
    m.add_class::<history::AuditLog>()?;
    m.add_class::<history::BalanceHistory>()?;
    m.add_class::<bank::Balances>()?;
    m.add_class::<bank::BankCheck>()?;
    m.add_class::<plaid::PlaidApp>()?;
    m.add_class::<plaid::PlaidLookAlike>()?;
    m.add_function(wrap_pyfunction!(digest::digest, m)?)?;
    m.add_function(wrap_pyfunction!(error::sample_error, m)?)?;
    m.add_function(wrap_pyfunction!(records::_as_date, m)?)?;
    Ok(())
}

//! One module per subcommand: each wires the library crates, nothing more.

pub mod balances;
pub mod bank_check;
pub mod cash;
pub mod connect;
pub mod demo;
pub mod portfolio_exit;
pub mod read;
pub mod reconcile;
pub mod scenario;
pub mod serve;
pub mod sync;

//! Domain services: named filters over one client snapshot.

mod balance;
pub(crate) mod bills;
mod business;
pub(crate) mod invoices;

pub use balance::{BalanceAsOf, BalanceService};
pub use bills::BillService;
pub use business::BusinessService;
pub use invoices::{CHASE_METHOD, ChaseItem, InvoiceService};

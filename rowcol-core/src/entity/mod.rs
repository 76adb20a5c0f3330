//! Mirrored entities: rail-neutral copies of the records a rail owns.
//!
//! Each carries a [`SourceMeta`] (client, rail, external id, version, source
//! times with their offset, deleted flag). Transactions keep their links.
//!
//! The mirror stores these types by position (`rowcol-mirror`'s `codec.rs`):
//! add a field only at the end of its struct and with `#[serde(default)]`,
//! never remove, reorder or retype one, and use no `skip_serializing_if`,
//! `flatten` or untagged enum. Its `stored_docs_of_layout_1_stay_readable`
//! test fails on most breaches.

mod common;
mod kind;
mod ledger;
mod parties;
mod payables;
mod receivables;
pub mod time_text;

use serde::{Deserialize, Serialize};

pub use common::{Line, Reference, SourceMeta, TxnCommon, TxnLink, state_order};
pub use kind::{EntityKind, UnknownEntityKind};
pub use ledger::{Account, AccountType, CompanyInfo, Term};
pub use parties::{Customer, Party, Vendor};
pub use payables::{Bill, BillPayment, PaymentMethod, Purchase};
pub use receivables::{Deposit, EmailStatus, Invoice, Payment};

/// Any mirrored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// A chart-of-accounts entry.
    Account(Account),
    /// Payment terms.
    Term(Term),
    /// A vendor.
    Vendor(Vendor),
    /// A customer.
    Customer(Customer),
    /// A bill.
    Bill(Bill),
    /// An invoice.
    Invoice(Invoice),
    /// A customer payment.
    Payment(Payment),
    /// A bill payment.
    BillPayment(BillPayment),
    /// A direct purchase.
    Purchase(Purchase),
    /// A deposit.
    Deposit(Deposit),
    /// The company.
    CompanyInfo(CompanyInfo),
}

impl Entity {
    /// The record's kind.
    pub fn kind(&self) -> EntityKind {
        match self {
            Entity::Account(_) => EntityKind::Account,
            Entity::Term(_) => EntityKind::Term,
            Entity::Vendor(_) => EntityKind::Vendor,
            Entity::Customer(_) => EntityKind::Customer,
            Entity::Bill(_) => EntityKind::Bill,
            Entity::Invoice(_) => EntityKind::Invoice,
            Entity::Payment(_) => EntityKind::Payment,
            Entity::BillPayment(_) => EntityKind::BillPayment,
            Entity::Purchase(_) => EntityKind::Purchase,
            Entity::Deposit(_) => EntityKind::Deposit,
            Entity::CompanyInfo(_) => EntityKind::CompanyInfo,
        }
    }

    /// Source, version and deletion of the record.
    pub fn meta(&self) -> &SourceMeta {
        match self {
            Entity::Account(e) => &e.meta,
            Entity::Term(e) => &e.meta,
            Entity::Vendor(e) => &e.party.meta,
            Entity::Customer(e) => &e.party.meta,
            Entity::Bill(e) => &e.meta,
            Entity::Invoice(e) => &e.meta,
            Entity::Payment(e) => &e.meta,
            Entity::BillPayment(e) => &e.meta,
            Entity::Purchase(e) => &e.meta,
            Entity::Deposit(e) => &e.meta,
            Entity::CompanyInfo(e) => &e.meta,
        }
    }

    /// Mutable source metadata, for adapters that stamp the client and rail
    /// a record was read for.
    pub fn meta_mut(&mut self) -> &mut SourceMeta {
        match self {
            Entity::Account(e) => &mut e.meta,
            Entity::Term(e) => &mut e.meta,
            Entity::Vendor(e) => &mut e.party.meta,
            Entity::Customer(e) => &mut e.party.meta,
            Entity::Bill(e) => &mut e.meta,
            Entity::Invoice(e) => &mut e.meta,
            Entity::Payment(e) => &mut e.meta,
            Entity::BillPayment(e) => &mut e.meta,
            Entity::Purchase(e) => &mut e.meta,
            Entity::Deposit(e) => &mut e.meta,
            Entity::CompanyInfo(e) => &mut e.meta,
        }
    }

    /// The dated fields, for transactions; `None` for name lists.
    pub fn txn(&self) -> Option<&TxnCommon> {
        match self {
            Entity::Bill(e) => Some(&e.txn),
            Entity::Invoice(e) => Some(&e.txn),
            Entity::Payment(e) => Some(&e.txn),
            Entity::BillPayment(e) => Some(&e.txn),
            Entity::Purchase(e) => Some(&e.txn),
            Entity::Deposit(e) => Some(&e.txn),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;

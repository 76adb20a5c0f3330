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

mod bank;
mod common;
mod fingerprint;
mod kind;
mod ledger;
mod lists;
mod movements;
mod parties;
mod payables;
mod receivables;
pub mod time_text;

use serde::{Deserialize, Serialize};

pub use bank::{BankAccount, BankTransaction};
pub use common::{Line, LineDetail, Posting, Reference, SourceMeta, TxnCommon, TxnLink, state_order};
pub use kind::{EntityKind, UnknownEntityKind};
pub use ledger::{Account, AccountType, CompanyInfo, Preferences, Term};
pub use lists::{Item, Segment};
pub use movements::{CreditCardPayment, JournalEntry, TaxPayment, Transfer};
pub use parties::{Customer, Party, Vendor};
pub use payables::{Bill, BillPayment, PaymentMethod, Purchase, VendorCredit};
pub use receivables::{CreditMemo, Deposit, EmailStatus, Invoice, Payment, RefundReceipt, SalesReceipt};

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
    /// A journal entry.
    JournalEntry(JournalEntry),
    /// A transfer between own accounts.
    Transfer(Transfer),
    /// A cash sale.
    SalesReceipt(SalesReceipt),
    /// A refund to a customer.
    RefundReceipt(RefundReceipt),
    /// A credit to a customer.
    CreditMemo(CreditMemo),
    /// A credit from a vendor.
    VendorCredit(VendorCredit),
    /// A card statement paid from the bank.
    CreditCardPayment(CreditCardPayment),
    /// A sales-tax payment.
    TaxPayment(TaxPayment),
    /// A product or service.
    Item(Item),
    /// A class.
    Class(Segment),
    /// A department (location).
    Department(Segment),
    /// The company's settings.
    Preferences(Preferences),
    /// An account at a bank (bank rail).
    BankAccount(BankAccount),
    /// A line on a bank or card account (bank rail).
    BankTransaction(BankTransaction),
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
            Entity::JournalEntry(_) => EntityKind::JournalEntry,
            Entity::Transfer(_) => EntityKind::Transfer,
            Entity::SalesReceipt(_) => EntityKind::SalesReceipt,
            Entity::RefundReceipt(_) => EntityKind::RefundReceipt,
            Entity::CreditMemo(_) => EntityKind::CreditMemo,
            Entity::VendorCredit(_) => EntityKind::VendorCredit,
            Entity::CreditCardPayment(_) => EntityKind::CreditCardPayment,
            Entity::TaxPayment(_) => EntityKind::TaxPayment,
            Entity::Item(_) => EntityKind::Item,
            Entity::Class(_) => EntityKind::Class,
            Entity::Department(_) => EntityKind::Department,
            Entity::Preferences(_) => EntityKind::Preferences,
            Entity::BankAccount(_) => EntityKind::BankAccount,
            Entity::BankTransaction(_) => EntityKind::BankTransaction,
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
            Entity::JournalEntry(e) => &e.meta,
            Entity::Transfer(e) => &e.meta,
            Entity::SalesReceipt(e) => &e.meta,
            Entity::RefundReceipt(e) => &e.meta,
            Entity::CreditMemo(e) => &e.meta,
            Entity::VendorCredit(e) => &e.meta,
            Entity::CreditCardPayment(e) => &e.meta,
            Entity::TaxPayment(e) => &e.meta,
            Entity::Item(e) => &e.meta,
            Entity::Class(e) => &e.meta,
            Entity::Department(e) => &e.meta,
            Entity::Preferences(e) => &e.meta,
            Entity::BankAccount(e) => &e.meta,
            Entity::BankTransaction(e) => &e.meta,
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
            Entity::JournalEntry(e) => &mut e.meta,
            Entity::Transfer(e) => &mut e.meta,
            Entity::SalesReceipt(e) => &mut e.meta,
            Entity::RefundReceipt(e) => &mut e.meta,
            Entity::CreditMemo(e) => &mut e.meta,
            Entity::VendorCredit(e) => &mut e.meta,
            Entity::CreditCardPayment(e) => &mut e.meta,
            Entity::TaxPayment(e) => &mut e.meta,
            Entity::Item(e) => &mut e.meta,
            Entity::Class(e) => &mut e.meta,
            Entity::Department(e) => &mut e.meta,
            Entity::Preferences(e) => &mut e.meta,
            Entity::BankAccount(e) => &mut e.meta,
            Entity::BankTransaction(e) => &mut e.meta,
        }
    }

    /// The dated fields of the books' transactions; `None` for name lists
    /// and for bank lines (which carry their own date and amount).
    pub fn txn(&self) -> Option<&TxnCommon> {
        match self {
            Entity::Bill(e) => Some(&e.txn),
            Entity::Invoice(e) => Some(&e.txn),
            Entity::Payment(e) => Some(&e.txn),
            Entity::BillPayment(e) => Some(&e.txn),
            Entity::Purchase(e) => Some(&e.txn),
            Entity::Deposit(e) => Some(&e.txn),
            Entity::JournalEntry(e) => Some(&e.txn),
            Entity::Transfer(e) => Some(&e.txn),
            Entity::SalesReceipt(e) => Some(&e.txn),
            Entity::RefundReceipt(e) => Some(&e.txn),
            Entity::CreditMemo(e) => Some(&e.txn),
            Entity::VendorCredit(e) => Some(&e.txn),
            Entity::CreditCardPayment(e) => Some(&e.txn),
            Entity::TaxPayment(e) => Some(&e.txn),
            _ => None,
        }
    }
}

//! The kinds of record RowCol mirrors from a rail.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A kind of mirrored record. Rail-neutral: each adapter maps its own names
/// (QBO's `BillPayment`, say) onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    /// Chart-of-accounts entry (bank, card, AP, AR, income, expense, ...).
    Account,
    /// Payment terms such as "Net 30" or "2% 10 Net 30".
    Term,
    /// Someone the business pays.
    Vendor,
    /// Someone who pays the business.
    Customer,
    /// A vendor's bill (accounts payable).
    Bill,
    /// An invoice to a customer (accounts receivable).
    Invoice,
    /// A customer's payment, applied to invoices.
    Payment,
    /// A payment of bills.
    BillPayment,
    /// Money spent directly (cheque, card, cash) without a bill.
    Purchase,
    /// Money deposited into a bank account.
    Deposit,
    /// The company itself: name, country, home currency.
    CompanyInfo,
    /// A general journal entry (payroll, opening balances, adjustments).
    JournalEntry,
    /// Money moved between two of the company's own accounts.
    Transfer,
    /// A cash sale.
    SalesReceipt,
    /// Money refunded to a customer.
    RefundReceipt,
    /// A credit to a customer (no cash).
    CreditMemo,
    /// A credit from a vendor (no cash).
    VendorCredit,
    /// A card statement paid from a bank account.
    CreditCardPayment,
    /// Sales tax paid to (or refunded by) the agency.
    TaxPayment,
    /// A product or service.
    Item,
    /// A class (a tag for splitting figures).
    Class,
    /// A department or location.
    Department,
    /// The company's settings (one record): the books' close date.
    Preferences,
    /// An account at a bank, as the bank rail (Plaid) reports it.
    BankAccount,
    /// A line on a bank or card account, as the bank rail reports it.
    BankTransaction,
}

impl EntityKind {
    /// Every ledger kind (what the QBO rail mirrors), names before
    /// transactions: the order a first sync pulls them so that references
    /// resolve. The bank rail's kinds are [`EntityKind::BANK`].
    pub const ALL: [EntityKind; 23] = [
        EntityKind::CompanyInfo,
        EntityKind::Preferences,
        EntityKind::Account,
        EntityKind::Term,
        EntityKind::Vendor,
        EntityKind::Customer,
        EntityKind::Item,
        EntityKind::Class,
        EntityKind::Department,
        EntityKind::Bill,
        EntityKind::Invoice,
        EntityKind::Payment,
        EntityKind::BillPayment,
        EntityKind::Purchase,
        EntityKind::Deposit,
        EntityKind::JournalEntry,
        EntityKind::Transfer,
        EntityKind::SalesReceipt,
        EntityKind::RefundReceipt,
        EntityKind::CreditMemo,
        EntityKind::VendorCredit,
        EntityKind::CreditCardPayment,
        EntityKind::TaxPayment,
    ];

    /// The kinds a bank rail (Plaid) mirrors: accounts before their lines.
    pub const BANK: [EntityKind; 2] = [EntityKind::BankAccount, EntityKind::BankTransaction];

    /// snake_case name used in storage, metrics and logs.
    pub fn as_str(&self) -> &'static str {
        match self {
            EntityKind::Account => "account",
            EntityKind::Term => "term",
            EntityKind::Vendor => "vendor",
            EntityKind::Customer => "customer",
            EntityKind::Bill => "bill",
            EntityKind::Invoice => "invoice",
            EntityKind::Payment => "payment",
            EntityKind::BillPayment => "bill_payment",
            EntityKind::Purchase => "purchase",
            EntityKind::Deposit => "deposit",
            EntityKind::CompanyInfo => "company_info",
            EntityKind::JournalEntry => "journal_entry",
            EntityKind::Transfer => "transfer",
            EntityKind::SalesReceipt => "sales_receipt",
            EntityKind::RefundReceipt => "refund_receipt",
            EntityKind::CreditMemo => "credit_memo",
            EntityKind::VendorCredit => "vendor_credit",
            EntityKind::CreditCardPayment => "credit_card_payment",
            EntityKind::TaxPayment => "tax_payment",
            EntityKind::Item => "item",
            EntityKind::Class => "class",
            EntityKind::Department => "department",
            EntityKind::Preferences => "preferences",
            EntityKind::BankAccount => "bank_account",
            EntityKind::BankTransaction => "bank_transaction",
        }
    }

    /// True for the books' dated money movements (bills, invoices, payments,
    /// ...), false for name lists (accounts, vendors, customers, terms,
    /// company) and for the bank rail's kinds: exactly the kinds whose
    /// records have [`crate::Entity::txn`].
    pub fn is_transaction(&self) -> bool {
        matches!(
            self,
            EntityKind::Bill
                | EntityKind::Invoice
                | EntityKind::Payment
                | EntityKind::BillPayment
                | EntityKind::Purchase
                | EntityKind::Deposit
                | EntityKind::JournalEntry
                | EntityKind::Transfer
                | EntityKind::SalesReceipt
                | EntityKind::RefundReceipt
                | EntityKind::CreditMemo
                | EntityKind::VendorCredit
                | EntityKind::CreditCardPayment
                | EntityKind::TaxPayment
        )
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A kind name that RowCol does not mirror.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown entity kind {0:?}")]
pub struct UnknownEntityKind(pub String);

impl FromStr for EntityKind {
    type Err = UnknownEntityKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EntityKind::ALL
            .into_iter()
            .chain(EntityKind::BANK)
            .find(|k| k.as_str() == s)
            .ok_or_else(|| UnknownEntityKind(s.chars().take(32).collect()))
    }
}

//! Money coming in: invoices, customer payments, deposits, cash sales and
//! the credits and refunds that reverse them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Reference, SourceMeta, TxnCommon, TxnLink};
use crate::Money;

/// Whether an invoice was e-mailed (QBO `EmailStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    /// Never marked for sending.
    NotSet,
    /// Marked to send, not sent yet.
    NeedToSend,
    /// Sent.
    EmailSent,
}

/// An invoice to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total, currency, lines.
    pub txn: TxnCommon,
    /// The customer invoiced.
    pub customer: Option<Reference>,
    /// When payment is due.
    #[serde(default, deserialize_with = "super::time_text::optional_date")]
    pub due_date: Option<NaiveDate>,
    /// Payment terms.
    pub terms: Option<Reference>,
    /// What is still owed.
    pub balance: Money,
    /// Whether it was e-mailed.
    pub email_status: EmailStatus,
    /// Billing e-mail address.
    pub bill_email: Option<String>,
    /// Payments and credits applied to it.
    pub linked: Vec<TxnLink>,
}

/// A customer's payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total, currency.
    pub txn: TxnCommon,
    /// The customer who paid.
    pub customer: Option<Reference>,
    /// The part not applied to any invoice (a customer credit).
    pub unapplied: Money,
    /// Where the money went (a bank account or Undeposited Funds).
    pub deposit_to: Option<Reference>,
    /// The invoices paid, with amounts.
    pub applied_to: Vec<TxnLink>,
}

/// Money deposited into a bank account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deposit {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total, currency, lines (sources).
    pub txn: TxnCommon,
    /// The bank account deposited into.
    pub deposit_to: Option<Reference>,
    /// Payments this deposit carries out of Undeposited Funds.
    pub linked: Vec<TxnLink>,
    /// Cash kept back from the deposit (QBO `CashBack`): the total is the
    /// lines less this.
    #[serde(default)]
    pub cash_back: Option<Money>,
}

/// A cash sale: paid at once, deposited to a bank account or Undeposited
/// Funds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesReceipt {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total, currency, lines.
    pub txn: TxnCommon,
    /// The customer, when named.
    pub customer: Option<Reference>,
    /// Where the money went (a bank account or Undeposited Funds).
    pub deposit_to: Option<Reference>,
}

/// Money paid back to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundReceipt {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total, currency, lines.
    pub txn: TxnCommon,
    /// The customer refunded.
    pub customer: Option<Reference>,
    /// The account the refund was paid from (QBO `DepositToAccountRef`).
    pub paid_from: Option<Reference>,
}

/// A credit given to a customer without cash: it lowers what they owe once
/// applied to an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditMemo {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total, currency, lines.
    pub txn: TxnCommon,
    /// The customer credited.
    pub customer: Option<Reference>,
    /// Credit not yet applied to any invoice.
    pub remaining_credit: Money,
}

//! Money going out: bills, bill payments, direct purchases and vendor credits.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Reference, SourceMeta, TxnCommon, TxnLink};
use crate::Money;

/// How money left the business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Cash.
    Cash,
    /// A paper cheque.
    Check,
    /// A credit card.
    CreditCard,
    /// A bank transfer (ACH, wire).
    BankTransfer,
    /// Anything else the rail names.
    Other,
}

/// A vendor's bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bill {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total, currency, lines.
    pub txn: TxnCommon,
    /// The vendor billed by; `None` is a bookkeeping problem.
    pub vendor: Option<Reference>,
    /// The payables account.
    pub ap_account: Option<Reference>,
    /// When payment is due; `None` is a bookkeeping problem.
    #[serde(default, deserialize_with = "super::time_text::optional_date")]
    pub due_date: Option<NaiveDate>,
    /// Payment terms.
    pub terms: Option<Reference>,
    /// What is still owed.
    pub balance: Money,
    /// Payments and credits applied to it.
    pub linked: Vec<TxnLink>,
}

/// A payment of one or more bills.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillPayment {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total, currency, lines.
    pub txn: TxnCommon,
    /// The vendor paid.
    pub vendor: Option<Reference>,
    /// Cheque or card.
    pub method: PaymentMethod,
    /// The bank or card account the money came from.
    pub paid_from: Option<Reference>,
    /// The bills paid, with amounts.
    pub applied_to: Vec<TxnLink>,
}

/// Money spent directly, without a bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total, currency, lines (each coded to an expense account).
    pub txn: TxnCommon,
    /// Cash, cheque or card.
    pub method: PaymentMethod,
    /// The bank or card account paid from.
    pub paid_from: Option<Reference>,
    /// The payee; `None` is a bookkeeping problem.
    pub payee: Option<Reference>,
    /// True for a card refund (QBO `Credit`): money back onto the card, the
    /// reverse of a purchase, never spending.
    #[serde(default)]
    pub credit: bool,
}

/// A credit from a vendor: it lowers what the business owes once applied
/// to a bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorCredit {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total, currency, lines.
    pub txn: TxnCommon,
    /// The vendor.
    pub vendor: Option<Reference>,
    /// Credit not yet applied to any bill.
    pub balance: Money,
}

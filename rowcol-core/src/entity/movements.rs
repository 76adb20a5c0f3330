//! Entries that move money between accounts without a customer or vendor
//! document: journal entries (payroll, opening balances, adjustments),
//! transfers between the company's own accounts, card statements paid from
//! the bank, and sales-tax payments.

use serde::{Deserialize, Serialize};

use super::{Reference, SourceMeta, TxnCommon};

/// A general journal entry. Its lines carry the posting side
/// ([`super::Posting`]) and may name a customer or vendor; `txn.total` is the
/// sum of its debit lines (QBO's own `TotalAmt` on journal entries is not to
/// be relied on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, total (the debits), currency, lines.
    pub txn: TxnCommon,
    /// True for an after-the-fact adjusting entry.
    pub adjustment: bool,
}

/// Money moved between two of the company's own balance-sheet accounts
/// (checking to savings, a loan drawn into the bank).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, amount, currency (no lines).
    pub txn: TxnCommon,
    /// The account money left (credited).
    pub from: Option<Reference>,
    /// The account money reached (debited).
    pub to: Option<Reference>,
}

/// A card statement paid from a bank account: cash out of the bank, the
/// card's balance owed down by the same amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditCardPayment {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, amount, currency (no lines).
    pub txn: TxnCommon,
    /// The card account paid down.
    pub card_account: Option<Reference>,
    /// The bank account paid from.
    pub bank_account: Option<Reference>,
    /// The card issuer, when named.
    pub vendor: Option<Reference>,
}

/// Sales tax paid to the agency (or, with `refund`, received from it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxPayment {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Date, amount, currency (no lines).
    pub txn: TxnCommon,
    /// The bank account paid from (or refunded into).
    pub paid_from: Option<Reference>,
    /// True when the agency refunded tax.
    pub refund: bool,
}

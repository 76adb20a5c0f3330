//! What a bank rail (Plaid) reports: the accounts at the bank and the lines
//! on them. Rail-neutral: the books' accounts and postings are the ledger
//! kinds; these are the bank's own view, which reconciliation checks the
//! books against.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{AccountType, SourceMeta};
use crate::{ExternalId, Money};

/// An account at a bank, as the bank rail reports it (Plaid: one account
/// of an Item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankAccount {
    /// Source, version, deletion (the id is the rail's account id).
    pub meta: SourceMeta,
    /// The bank's name for it.
    pub name: String,
    /// The bank's official name, when given.
    pub official_name: Option<String>,
    /// The last digits of the account number.
    pub mask: Option<String>,
    /// `Bank` for depository accounts, `CreditCard` for cards; other kinds
    /// (loans, investments) as `OtherAsset` / `LongTermLiability`.
    pub account_type: AccountType,
    /// The rail's finer type (`checking`, `savings`, `credit card`).
    pub sub_type: Option<String>,
    /// The balance as the bank states it: money in a bank account, the
    /// amount owed on a card (positive when owed, as the books' card
    /// balance). `None` when the bank gives none.
    pub current: Option<Money>,
    /// What can be spent now (pending lines deducted), when given.
    pub available: Option<Money>,
    /// A card's credit limit, when given.
    pub limit: Option<Money>,
    /// When the bank last refreshed these balances (how old a cached
    /// balance is), when the rail says.
    pub balance_as_of: Option<DateTime<Utc>>,
}

/// One line on a bank or card account, as the bank rail reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankTransaction {
    /// Source, version, deletion (the id is the rail's transaction id; a
    /// pending line and its posted line have different ids).
    pub meta: SourceMeta,
    /// The bank account it is on ([`BankAccount`]'s id).
    pub account: ExternalId,
    /// Posted date, or the pending date while pending (no time zone).
    #[serde(deserialize_with = "super::time_text::date")]
    pub date: NaiveDate,
    /// When the purchase was authorised, when the bank says.
    #[serde(deserialize_with = "super::time_text::optional_date")]
    pub authorized_date: Option<NaiveDate>,
    /// Signed as the books see the account: money in positive (a deposit,
    /// a refund, a card payment received), money out negative (a payment,
    /// a card purchase). Plaid signs the other way (outflow positive): the
    /// rail turns the sign at its boundary.
    pub amount: Money,
    /// True while the line is pending; a pending line that posts is
    /// removed and a posted line naming it appears.
    pub pending: bool,
    /// For a posted line, the pending line it replaced.
    pub pending_transaction_id: Option<ExternalId>,
    /// The bank's description.
    pub name: String,
    /// The merchant, when the rail recognised one.
    pub merchant_name: Option<String>,
}

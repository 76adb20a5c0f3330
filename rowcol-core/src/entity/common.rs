//! Pieces every mirrored record shares: where it came from, its version,
//! references to other records, lines and links.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use super::EntityKind;
use crate::{ClientId, ExternalId, Money, Rail, VersionToken};

/// Where a mirrored record came from and which version of it this is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceMeta {
    /// The client whose books hold the record.
    pub client: ClientId,
    /// The rail it was read from.
    pub rail: Rail,
    /// The rail's id for it.
    pub external_id: ExternalId,
    /// The rail's version token (QBO `SyncToken`).
    pub version: VersionToken,
    /// When the source created it, with the source's offset.
    #[serde(deserialize_with = "super::time_text::instant")]
    pub created_at: DateTime<FixedOffset>,
    /// When the source last changed it, with the source's offset.
    #[serde(deserialize_with = "super::time_text::instant")]
    pub updated_at: DateTime<FixedOffset>,
    /// True once the source deleted it (a tombstone in the mirror).
    pub deleted: bool,
}

impl SourceMeta {
    /// True when `self` describes a strictly newer state of the same record
    /// than `other`: a later update instant, or the same instant and a higher
    /// version token. Replays and out-of-order deliveries of older states
    /// therefore never win.
    pub fn is_newer_than(&self, other: &SourceMeta) -> bool {
        state_order(self.updated_at, &self.version, other.updated_at, &other.version) == std::cmp::Ordering::Greater
    }
}

/// Orders two states of one record: by update instant (offsets do not
/// matter: `17:00Z` equals `09:00-08:00`), then by version token. Stores use
/// it to decide whether an incoming state replaces the one they hold.
pub fn state_order<A: chrono::TimeZone, B: chrono::TimeZone>(
    a_updated: DateTime<A>,
    a_version: &VersionToken,
    b_updated: DateTime<B>,
    b_version: &VersionToken,
) -> std::cmp::Ordering {
    a_updated
        .timestamp_micros()
        .cmp(&b_updated.timestamp_micros())
        .then_with(|| a_version.cmp_version(b_version))
}

/// A reference to another record of the same client (QBO `{"value", "name"}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// The referenced record's external id.
    pub id: ExternalId,
    /// The display name the source sent with the reference, if any.
    pub name: Option<String>,
}

/// One line of a transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// The line amount.
    pub amount: Money,
    /// The account the line is coded to (expense account on bills and
    /// purchases, income or source account elsewhere), when it names one.
    pub account: Option<Reference>,
    /// Free-text description.
    pub description: Option<String>,
    /// For journal-entry lines: debit or credit (`None` elsewhere, where the
    /// document's kind says the direction).
    #[serde(default)]
    pub posting: Option<Posting>,
    /// For journal-entry lines: the customer or vendor named on the line.
    #[serde(default)]
    pub party: Option<Reference>,
    /// What the line is, when the rail says (QBO `DetailType`); `None` for
    /// lines without a type (a deposit's lines that carry a payment) and in
    /// records mirrored before RowCol read it.
    #[serde(default)]
    pub detail: Option<LineDetail>,
    /// The product or service the line sells or buys, when it names one.
    #[serde(default)]
    pub item: Option<Reference>,
}

/// What a transaction line is (QBO `DetailType`), which says where its
/// amount posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineDetail {
    /// A product or service sold: income in the item's income account (or
    /// the line's own account when it names one).
    SalesItem,
    /// A discount on a sales document: its positive amount is subtracted
    /// from the document, in the line's account.
    Discount,
    /// Spending coded straight to the line's account.
    AccountExpense,
    /// Spending on an item: the item's expense (or stock) account.
    ItemExpense,
    /// A deposit line coded to the line's account (money from a source
    /// other than a payment or cash sale already recorded).
    Deposit,
    /// A journal-entry line (its side in [`Line::posting`]).
    Journal,
    /// Any other line type (description only, ...): no amount of its own.
    Other,
}

impl LineDetail {
    /// snake_case name, as serialised.
    pub fn as_str(&self) -> &'static str {
        match self {
            LineDetail::SalesItem => "sales_item",
            LineDetail::Discount => "discount",
            LineDetail::AccountExpense => "account_expense",
            LineDetail::ItemExpense => "item_expense",
            LineDetail::Deposit => "deposit",
            LineDetail::Journal => "journal",
            LineDetail::Other => "other",
        }
    }
}

/// The side of a journal-entry line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Posting {
    /// Debit: assets and expenses up, liabilities, equity and income down.
    Debit,
    /// Credit: the reverse.
    Credit,
}

/// A link from one transaction to another (QBO `LinkedTxn`): which bills a
/// bill payment paid, which invoices a payment applied to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnLink {
    /// The kind of the linked transaction.
    pub kind: EntityKind,
    /// Its external id.
    pub id: ExternalId,
    /// The amount applied through this link, when the source says.
    pub amount: Option<Money>,
}

/// Fields every dated money movement carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TxnCommon {
    /// The transaction date, as entered (no time zone).
    #[serde(deserialize_with = "super::time_text::date")]
    pub txn_date: chrono::NaiveDate,
    /// The total in the transaction's currency.
    pub total: Money,
    /// Home-currency units per unit of the transaction's currency, for
    /// multi-currency companies (QBO `ExchangeRate`); `None` means home currency.
    pub exchange_rate: Option<rust_decimal::Decimal>,
    /// The user's document number (bill or invoice number, cheque number).
    pub doc_number: Option<String>,
    /// Internal memo (QBO `PrivateNote`; voids say "Voided" here).
    pub private_note: Option<String>,
    /// The lines.
    pub lines: Vec<Line>,
}

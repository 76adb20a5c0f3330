//! The bank's side of one client: its accounts, the neutral book postings it
//! is derived from, and the planned life of every bank line (when it shows
//! as pending, when it posts or vanishes, which book postings it stands for).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What kind of account Plaid reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// `depository` / `checking`.
    #[default]
    Checking,
    /// `depository` / `savings`.
    Savings,
    /// `credit` / `credit card`.
    CreditCard,
}

impl AccountKind {
    /// Plaid's `type`.
    pub fn plaid_type(self) -> &'static str {
        match self {
            Self::Checking | Self::Savings => "depository",
            Self::CreditCard => "credit",
        }
    }

    /// Plaid's `subtype`.
    pub fn subtype(self) -> &'static str {
        match self {
            Self::Checking => "checking",
            Self::Savings => "savings",
            Self::CreditCard => "credit card",
        }
    }

    /// Whether money sits in it (rather than being owed on it).
    pub fn is_depository(self) -> bool {
        !matches!(self, Self::CreditCard)
    }
}

/// One account of the client at the bank, named as in the books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountSpec {
    /// The account's name in the books ("Checking", "Mastercard"); postings name it.
    pub name: String,
    /// Checking, savings or credit card.
    #[serde(default)]
    pub kind: AccountKind,
    /// Last four digits; drawn from the seed when absent.
    #[serde(default)]
    pub mask: Option<String>,
    /// The bank's balance before the first line, in Plaid's sense: money in
    /// the account for depository ones, money owed for a card.
    #[serde(default)]
    pub opening_balance: Decimal,
    /// A card's credit limit (10,000 when absent); `null` for depository accounts.
    #[serde(default)]
    pub limit: Option<Decimal>,
    /// ISO 4217 code (default USD).
    #[serde(default = "usd")]
    pub currency: String,
}

fn usd() -> String {
    "USD".to_string()
}

/// One posting of the client's books to a bank or card account, in neutral
/// words: the look-alike knows nothing of the ledger that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookPosting {
    /// The account's name, as in [`AccountSpec::name`].
    pub account: String,
    /// The posting's date in the books.
    pub date: NaiveDate,
    /// Signed from the client's cash point of view: positive money comes in
    /// (a deposit, a payment to the card), negative goes out (a check, a
    /// card charge). Plaid's amount is its negation.
    pub amount: Decimal,
    /// The other party, when the books name one.
    #[serde(default)]
    pub payee: Option<String>,
    /// The ledger's id of the transaction: the look-alike's hidden link,
    /// reported only by the ground truth.
    pub txn_id: String,
    /// The ledger's kind of transaction ("Purchase", "BillPayment",
    /// "Deposit", "Transfer", ...), for bank-style descriptions.
    #[serde(default)]
    pub txn_type: Option<String>,
}

/// How a bank line came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// One book posting, cleared after the clearing lag.
    Cleared,
    /// Several book receipts of one day deposited together.
    AggregatedDeposit,
    /// A monthly service fee the books miss.
    BankFee,
    /// A forgotten monthly subscription.
    Subscription,
    /// A customer deposit never recorded.
    UnrecordedDeposit,
    /// The second of two genuinely identical purchases; the books hold one.
    IdenticalPurchase,
    /// A round-amount withdrawal the books miss.
    RoundAmount,
    /// An authorisation hold: pending, then gone without posting.
    Hold,
    /// Added by `/sandbox/transactions/create` or the admin.
    Sandbox,
}

/// The pending phase of a line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// The day the pending line shows.
    pub from: NaiveDate,
    /// Its amount while pending (a tip can change it at posting).
    pub amount: Decimal,
    /// The day it vanishes without posting (holds); `None` when it posts.
    pub vanishes_on: Option<NaiveDate>,
}

/// The whole planned life of one bank line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedLine {
    /// Its number within the Item (ids derive from it).
    pub key: u32,
    /// Index into the Item's accounts.
    pub account: usize,
    /// How it came about.
    pub kind: LineKind,
    /// The book postings it stands for (empty: missing from the books).
    pub book: Vec<String>,
    /// The bank's description (`name`, and `original_description` on request).
    pub description: String,
    /// A merchant name where the bank gives one.
    pub merchant: Option<String>,
    /// Plaid's sign: positive out, negative in. The posted amount.
    pub amount: Decimal,
    /// When the purchase was made (`authorized_date`).
    pub authorized: NaiveDate,
    /// The pending phase, if it has one.
    pub pending: Option<Pending>,
    /// The day it posts (`None` for a hold that vanishes).
    pub posts_on: Option<NaiveDate>,
    /// The day the bank adds the merchant name to a posted line (a `modified`).
    pub enriched_on: Option<NaiveDate>,
    /// When it posts, its add comes after the day's other changes (so the
    /// remove and the add of pending-to-posted fall on different pages).
    pub split: bool,
}

/// A line's state on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineState {
    /// Not at the bank yet (or a hold already gone).
    Absent,
    /// Pending.
    Pending,
    /// Posted.
    Posted,
}

impl PlannedLine {
    /// Its state at the end of `day`.
    pub fn state_on(&self, day: NaiveDate) -> LineState {
        if self.posts_on.is_some_and(|p| p <= day) {
            return LineState::Posted;
        }
        match &self.pending {
            Some(p) if p.from <= day && p.vanishes_on.is_none_or(|v| v > day) => LineState::Pending,
            _ => LineState::Absent,
        }
    }

    /// Whether the merchant name is known on `day`.
    pub fn enriched(&self, day: NaiveDate) -> bool {
        self.enriched_on.is_none_or(|e| e <= day)
    }
}

/// A book posting the ground truth names, with its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostingRef {
    /// The ledger's transaction id.
    pub txn_id: String,
    /// The account's name.
    pub account: String,
    /// The book date.
    pub date: NaiveDate,
    /// The book amount (cash point of view).
    pub amount: Decimal,
}

impl From<&BookPosting> for PostingRef {
    fn from(p: &BookPosting) -> Self {
        Self {
            txn_id: p.txn_id.clone(),
            account: p.account.clone(),
            date: p.date,
            amount: p.amount,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn a_line_is_pending_then_posted_and_a_hold_vanishes() {
        let mut line = PlannedLine {
            key: 0,
            account: 0,
            kind: LineKind::Cleared,
            book: vec![],
            description: String::new(),
            merchant: None,
            amount: Decimal::ONE,
            authorized: day(2),
            pending: Some(super::Pending {
                from: day(2),
                amount: Decimal::ONE,
                vanishes_on: None,
            }),
            posts_on: Some(day(4)),
            enriched_on: None,
            split: false,
        };
        let states: Vec<_> = (1..=5).map(|d| line.state_on(day(d))).collect();
        use LineState::*;
        assert_eq!(states, [Absent, Pending, Pending, Posted, Posted]);
        line.posts_on = None;
        line.pending = Some(super::Pending {
            from: day(2),
            amount: Decimal::ONE,
            vanishes_on: Some(day(3)),
        });
        let states: Vec<_> = (1..=4).map(|d| line.state_on(day(d))).collect();
        assert_eq!(states, [Absent, Pending, Absent, Absent]);
    }
}

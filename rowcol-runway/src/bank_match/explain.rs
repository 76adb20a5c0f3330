//! What to do about a line the books miss, and the ledger balance walked
//! to the bank balance line by line.

use chrono::NaiveDate;
use rowcol_core::ExternalId;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::PostingRef;

/// Words in a bank description that mark a bank charge.
const FEE_WORDS: &[&str] = &["fee", "service charge", "overdraft", "maintenance"];

/// A suggested fix for a bank line the books miss.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "fix", rename_all = "snake_case")]
pub enum SuggestedFix {
    /// Record a bank fee expense.
    RecordBankFee {
        /// The fee (positive).
        amount: Decimal,
        /// Its date.
        date: NaiveDate,
    },
    /// Record an expense paid from the account.
    RecordExpense {
        /// The amount paid (positive).
        amount: Decimal,
        /// Its date.
        date: NaiveDate,
        /// Who, as the bank names them.
        payee: String,
    },
    /// Record a deposit into the account.
    RecordDeposit {
        /// The amount received.
        amount: Decimal,
        /// Its date.
        date: NaiveDate,
        /// From whom, as the bank names them.
        payer: String,
    },
    /// A posting of the same payee in the window has another amount (a tip
    /// added when a pending line posted): correct it.
    CorrectAmount {
        /// The posting.
        posting: PostingRef,
        /// What the books say.
        recorded: Decimal,
        /// What the bank says.
        bank: Decimal,
    },
    /// A human said the books were fixed; waiting for the posting to sync.
    AwaitingSource,
}

impl SuggestedFix {
    /// The fix for a line nothing in the books resembles.
    pub(super) fn record(amount: Decimal, date: NaiveDate, name: &str) -> SuggestedFix {
        let lower = name.to_lowercase();
        if amount < Decimal::ZERO && FEE_WORDS.iter().any(|w| lower.contains(w)) {
            SuggestedFix::RecordBankFee { amount: -amount, date }
        } else if amount < Decimal::ZERO {
            SuggestedFix::RecordExpense {
                amount: -amount,
                date,
                payee: name.to_owned(),
            }
        } else {
            SuggestedFix::RecordDeposit {
                amount,
                date,
                payer: name.to_owned(),
            }
        }
    }

    /// The fix in a sentence.
    pub fn describe(&self) -> String {
        match self {
            SuggestedFix::RecordBankFee { amount, date } => format!("record a bank fee expense of {amount} on {date}"),
            SuggestedFix::RecordExpense { amount, date, payee } => {
                format!("record an expense of {amount} paid to {payee} on {date}")
            }
            SuggestedFix::RecordDeposit { amount, date, payer } => {
                format!("record a deposit of {amount} from {payer} on {date}")
            }
            SuggestedFix::CorrectAmount {
                posting,
                recorded,
                bank,
            } => format!(
                "correct {:?} {} from {recorded} to {bank}",
                posting.kind, posting.document
            ),
            SuggestedFix::AwaitingSource => "fixed at source: waiting for the books to sync".to_owned(),
        }
    }
}

/// What an explaining item is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "of", content = "id", rename_all = "snake_case")]
pub enum Explained {
    /// A bank line.
    Line(ExternalId),
    /// A book posting.
    Posting(PostingRef),
}

/// One item of the balance explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplainedItem {
    /// The line or posting.
    pub item: Explained,
    /// Its date.
    pub date: NaiveDate,
    /// Its amount as it enters the sum (see [`BalanceExplanation`]).
    pub amount: Decimal,
}

/// `ledger + Σ unrecorded − Σ uncleared + Σ differences + residual = bank`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceExplanation {
    /// The ledger account's balance at "as of", as cash.
    pub ledger: Option<Decimal>,
    /// Posted bank lines not matched (unrecorded, in review, excluded).
    pub unrecorded: Vec<ExplainedItem>,
    /// Postings since the feed began not matched (held for review too).
    pub uncleared: Vec<ExplainedItem>,
    /// Line less postings, for approved links whose amounts differ.
    pub differences: Vec<ExplainedItem>,
    /// The bank's current balance, as cash.
    pub bank: Option<Decimal>,
    /// What the items leave unexplained (zero when all is explained); `None`
    /// without both balances.
    pub residual: Option<Decimal>,
}

impl BalanceExplanation {
    /// The explanation of these items between the two balances.
    pub(super) fn new(
        ledger: Option<Decimal>,
        bank: Option<Decimal>,
        unrecorded: Vec<ExplainedItem>,
        uncleared: Vec<ExplainedItem>,
        differences: Vec<ExplainedItem>,
    ) -> BalanceExplanation {
        let sum = |items: &[ExplainedItem]| items.iter().map(|i| i.amount).sum::<Decimal>();
        let residual = ledger
            .zip(bank)
            .map(|(l, b)| b - (l + sum(&unrecorded) - sum(&uncleared) + sum(&differences)));
        BalanceExplanation {
            ledger,
            unrecorded,
            uncleared,
            differences,
            bank,
            residual,
        }
    }
}

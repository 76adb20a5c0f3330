//! Books against the bank: each posted bank line matched to the ledger's
//! postings to the bank or card account it is linked to, in passes from
//! strongest to weakest, with what is left explained.
//!
//! Passes, each over every line still free before the next starts (so a
//! weak match never takes a line or posting a stronger pass needs):
//! 1. **decision**: a human's review decision (approve a link, exclude a
//!    line) always wins; a rematch never undoes one;
//! 2. **amount + date + payee**: the same amount, dated within the window,
//!    and a word of the bank line's name in the posting's payee;
//! 3. **amount + date**: the same amount within the window;
//! 4. **aggregate**: one bank line equal to the exact sum of 2 to
//!    `max_parts` free postings of its sign within the window (a deposit of
//!    several payments).
//!
//! In passes 2 and 3 the pairs are taken by global best score (fewest days
//! apart), level by level: at one level, lines and postings that are
//! interchangeable (every line a candidate of every posting, as many of
//! each: two genuine identical purchases) pair one to one in date and id
//! order; any other tie goes to review with its candidates. A line whose
//! amount is round (a multiple of `round_unit`) goes to review instead of
//! being matched automatically. After pass 3, a line left without a posting
//! because a same-amount line took the one it needed moves that line to
//! another of its candidates where one is free (an augmenting path, as in a
//! maximum matching: best pair first never leaves a line unrecorded while a
//! matching of both exists); a match confirmed by payee only moves to a
//! posting whose payee also agrees; a posting held by one line in review
//! is taken when that line has exactly one other candidate, which it then
//! takes (the tie is settled by the other lines). Postings offered to a line in review are
//! held: no weaker pass takes them, and a line whose only candidates are
//! held joins the review rather than being called unrecorded. Pending lines
//! are never matched.
//!
//! Findings start where the books can be seen: when the postings were read
//! from a first day ([`Books::from`], a snapshot's history start), a line
//! dated within the window after it may be recorded by an older posting,
//! and a posting of those days may have cleared against a line older than
//! the snapshot. Such lines and postings left unmatched stay in the balance
//! walk but are not reported as unrecorded or uncleared
//! ([`AccountMatch::findings_from`]).

mod account;
mod books;
mod explain;
mod payee;

#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use rayon::prelude::*;
use rowcol_core::entity::{BankAccount, BankTransaction};
use rowcol_core::{BankReview, Currency, ExternalId};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

pub use books::{BookPosting, Books, LedgerBalance};
pub use explain::{BalanceExplanation, Explained, ExplainedItem, SuggestedFix};
pub use rowcol_core::{BankReviewAction, PostingRef};

/// How close a match must be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchSettings {
    /// Days between a bank line and a posting, either way, for them to match.
    pub window_days: i64,
    /// Days after which a posting the bank has not shown is overdue.
    pub clearing_days: i64,
    /// Most postings one bank line may aggregate.
    pub max_parts: usize,
    /// Nearest postings (by date) searched for an aggregate.
    pub max_aggregate_candidates: usize,
    /// Amounts that are a multiple of this go to review, never auto-matched.
    pub round_unit: Decimal,
}

impl Default for MatchSettings {
    fn default() -> Self {
        MatchSettings {
            window_days: 7,
            clearing_days: 10,
            max_parts: 6,
            max_aggregate_candidates: 16,
            round_unit: Decimal::ONE_HUNDRED,
        }
    }
}

/// Which bank account is which ledger account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLink {
    /// The bank rail's account id.
    pub bank_account: ExternalId,
    /// The ledger account the books post it to.
    pub ledger_account: ExternalId,
}

/// The pass that made a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchPass {
    /// A human decision.
    Decision,
    /// Exact amount, date window and payee.
    AmountDatePayee,
    /// Exact amount and date window.
    AmountDate,
    /// One line, several postings summing exactly.
    Aggregate,
}

impl MatchPass {
    /// How much to trust a match of this pass.
    pub fn confidence(self) -> Confidence {
        match self {
            MatchPass::Decision | MatchPass::AmountDatePayee => Confidence::High,
            MatchPass::AmountDate | MatchPass::Aggregate => Confidence::Medium,
        }
    }
}

/// How much to trust a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Same amount, window and payee, or a human said so.
    High,
    /// Same amount in the window without a payee, or an exact sum.
    Medium,
}

/// A bank line matched to the postings that record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchedPair {
    /// The bank line.
    pub line: ExternalId,
    /// The postings (several for an aggregate).
    pub postings: Vec<PostingRef>,
    /// The pass that matched them.
    pub pass: MatchPass,
    /// How much to trust it.
    pub confidence: Confidence,
    /// Most days between the line and one of its postings.
    pub days_apart: i64,
}

/// Why a line waits for a human.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewReason {
    /// A round amount: too ambiguous to match unattended.
    RoundAmount,
    /// Several equally good candidates.
    SeveralCandidates,
    /// An approved link names a posting the books no longer have free.
    ApprovedPostingGone,
}

/// A bank line waiting for a human, with what it could be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedsReview {
    /// The bank line.
    pub line: ExternalId,
    /// Its date.
    pub date: NaiveDate,
    /// Its amount (money in positive).
    pub amount: Decimal,
    /// Why.
    pub reason: ReviewReason,
    /// The candidates, each one posting or a set summing to the line.
    pub candidates: Vec<Vec<PostingRef>>,
}

/// A posted bank line the books do not have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnrecordedLine {
    /// The bank line.
    pub line: ExternalId,
    /// Its date.
    pub date: NaiveDate,
    /// Its amount (money in positive).
    pub amount: Decimal,
    /// The bank's description.
    pub name: String,
    /// What to do about it.
    pub fix: SuggestedFix,
}

/// A posting the bank has not shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnclearedPosting {
    /// The posting.
    pub posting: PostingRef,
    /// Its date.
    pub date: NaiveDate,
    /// Its amount (money in positive).
    pub amount: Decimal,
    /// Days from its date to "as of".
    pub days_outstanding: i64,
    /// True past the clearing window: a finding, not a timing difference.
    pub overdue: bool,
}

/// A bank line still pending: shown, never matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLine {
    /// The bank line.
    pub line: ExternalId,
    /// Its pending date.
    pub date: NaiveDate,
    /// Its amount so far.
    pub amount: Decimal,
    /// The bank's description.
    pub name: String,
}

/// One linked account's match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountMatch {
    /// The bank rail's account.
    pub bank_account: ExternalId,
    /// The ledger account.
    pub ledger_account: ExternalId,
    /// The currency of every amount below.
    pub currency: Currency,
    /// Lines matched, in line date order.
    pub matched: Vec<MatchedPair>,
    /// Lines waiting for a human.
    pub review: Vec<NeedsReview>,
    /// Posted lines the books miss, each with a suggested fix.
    pub unrecorded: Vec<UnrecordedLine>,
    /// Postings since the feed began that the bank has not shown.
    pub uncleared: Vec<UnclearedPosting>,
    /// Pending lines.
    pub pending: Vec<PendingLine>,
    /// Lines a human excluded.
    pub excluded: Vec<ExternalId>,
    /// The first day of the lines and postings reported as unrecorded or
    /// uncleared: the books' first day plus the window (see the module
    /// docs); `None` when the books were read from their beginning.
    pub findings_from: Option<NaiveDate>,
    /// Ledger balance to bank balance, line by line.
    pub explanation: BalanceExplanation,
}

/// The bank side: accounts and lines as the bank rail mirrors them.
#[derive(Debug, Clone, Copy)]
pub struct Bank<'a> {
    /// The bank accounts.
    pub accounts: &'a [BankAccount],
    /// Their lines (tombstones are skipped).
    pub lines: &'a [BankTransaction],
}

/// Every linked account's match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchResult {
    /// The day matched up to.
    pub as_of: NaiveDate,
    /// One per linked bank account, in link order.
    pub accounts: Vec<AccountMatch>,
    /// Bank accounts with lines but no link to a ledger account.
    pub unlinked: Vec<ExternalId>,
    /// How the result was computed.
    pub definition: String,
}

/// The definition every result states.
pub const BANK_MATCH_DEFINITION: &str = "each posted bank line up to as_of is matched to the postings of its linked \
     ledger account: (1) a human decision, (2) same amount within the date window and a shared payee word, (3) same \
     amount within the window, (4) one line = the exact sum of several postings of its sign within the window; passes \
     run over all lines in turn, ties by fewest days apart, interchangeable twins pair one to one, other ties and \
     round amounts go to review; a line left without a posting because a same-amount line took it moves that line \
     to another free candidate, or a line in review with one other candidate to that one; a line whose only candidates are held by review joins the \
     review; pending lines are never matched; lines and postings dated within the window after the books' first \
     day are not reported as unrecorded or uncleared. Balance: ledger + unrecorded lines - uncleared \
     postings + differences on approved links + residual = bank";

/// Books against the bank for every account in `links`, as of `as_of`,
/// with the advisor's `decisions` on bank lines applied first (one per
/// line: when a line has several, the last in the slice wins).
pub fn match_bank(
    books: &Books,
    bank: Bank<'_>,
    links: &[AccountLink],
    decisions: &[BankReview],
    settings: &MatchSettings,
    as_of: NaiveDate,
) -> MatchResult {
    let mut lines: FxHashMap<&ExternalId, Vec<&BankTransaction>> = FxHashMap::default();
    for l in bank.lines.iter().filter(|l| !l.meta.deleted && l.date <= as_of) {
        lines.entry(&l.account).or_default().push(l);
    }
    let mut postings: FxHashMap<&ExternalId, Vec<&BookPosting>> = FxHashMap::default();
    for p in &books.postings {
        postings.entry(&p.account).or_default().push(p);
    }
    let decided: FxHashMap<&ExternalId, &BankReviewAction> = decisions.iter().map(|d| (&d.line, &d.action)).collect();
    let accounts = links
        .par_iter()
        .filter_map(|link| {
            let account = bank.accounts.iter().find(|a| a.meta.external_id == link.bank_account)?;
            let balance = books.balances.iter().find(|b| b.account == link.ledger_account);
            Some(account::match_account(account::AccountInput {
                link,
                account,
                lines: lines.get(&link.bank_account).map(Vec::as_slice).unwrap_or_default(),
                postings: postings
                    .get(&link.ledger_account)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
                ledger_balance: balance.map(|b| b.balance),
                books_from: books.from,
                decided: &decided,
                settings,
                as_of,
            }))
        })
        .collect();
    let mut unlinked: Vec<ExternalId> = lines
        .keys()
        .filter(|id| !links.iter().any(|l| &&l.bank_account == *id))
        .map(|id| (*id).clone())
        .collect();
    unlinked.sort();
    MatchResult {
        as_of,
        accounts,
        unlinked,
        definition: BANK_MATCH_DEFINITION.to_owned(),
    }
}

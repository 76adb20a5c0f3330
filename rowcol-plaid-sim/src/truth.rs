//! Ground truth of an Item: every bank line shown today with the book
//! postings it stands for (none: missing from the books), the book
//! postings that have not cleared yet, and those that never will.

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::bank::{LineKind, LineState, PostingRef};
use crate::item::Item;

/// One bank line as the bank shows it today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTruth {
    /// `transaction_id` (the pending one while pending).
    pub transaction_id: String,
    /// `account_id`.
    pub account_id: String,
    /// The account's name in the books.
    pub account: String,
    /// `date`.
    pub date: NaiveDate,
    /// `amount` (Plaid's sign).
    pub amount: Decimal,
    /// `pending`.
    pub pending: bool,
    /// How the line came about.
    pub kind: LineKind,
    /// The book postings (ledger ids) it stands for; their amounts sum to
    /// minus a posted line's amount.
    pub book: Vec<String>,
    /// A bank line the books lack (fees, a subscription, deposits...).
    /// Holds are not: nothing is owed for them.
    pub missing_from_books: bool,
}

/// What a faithful reconciliation of an Item must find.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemTruth {
    /// The Item.
    pub item_id: String,
    /// The bank login it was linked with.
    pub username: String,
    /// The bank's date.
    pub as_of: NaiveDate,
    /// The first date `/transactions/sync` shows (set at the first sync).
    pub history_start: Option<NaiveDate>,
    /// Lines shown today, by date then id.
    pub lines: Vec<LineTruth>,
    /// Book postings whose bank line has not posted yet.
    pub not_yet_cleared: Vec<PostingRef>,
    /// Book postings the bank never sees.
    pub never_clears: Vec<PostingRef>,
}

/// The truth of `item` on `today`.
pub fn of(item: &Item, today: NaiveDate) -> ItemTruth {
    let mut lines = Vec::new();
    let mut uncleared: HashSet<&str> = HashSet::new();
    for line in &item.lines {
        let state = line.state_on(today);
        if state != LineState::Posted {
            uncleared.extend(line.book.iter().map(String::as_str));
        }
        let txn = match state {
            LineState::Absent => continue,
            LineState::Pending => item.pending_txn(line),
            LineState::Posted => item.posted_txn(line, today),
        };
        let account = item.accounts.get(line.account);
        lines.push(LineTruth {
            transaction_id: txn.id,
            account_id: account.map(|a| a.id.clone()).unwrap_or_default(),
            account: account.map(|a| a.spec.name.clone()).unwrap_or_default(),
            date: txn.date,
            amount: txn.amount,
            pending: txn.pending,
            kind: line.kind,
            book: line.book.clone(),
            missing_from_books: line.book.is_empty() && line.kind != LineKind::Hold,
        });
    }
    lines.sort_by(|a, b| (a.date, &a.transaction_id).cmp(&(b.date, &b.transaction_id)));
    ItemTruth {
        item_id: item.item_id.clone(),
        username: item.username.clone(),
        as_of: today,
        history_start: item.history_start,
        lines,
        not_yet_cleared: item
            .postings
            .iter()
            .filter(|p| uncleared.contains(p.txn_id.as_str()))
            .cloned()
            .collect(),
        never_clears: item.never_clears.clone(),
    }
}

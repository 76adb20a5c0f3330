//! The book side: every posting that moves a bank or card account, read
//! from the roll-forward's movement list, and each such account's ledger
//! balance at the "as of" date.

use chrono::NaiveDate;
use rowcol_core::{ClientSnapshot, ExternalId, Money, PostingRef};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calc::rollforward::{AccountTypes, cash_accounts, movements};

/// One posting of the books to a bank or card account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookPosting {
    /// The document that made it.
    pub posting: PostingRef,
    /// The ledger account it moves.
    pub account: ExternalId,
    /// The document's date.
    pub date: NaiveDate,
    /// Signed as cash in the account's currency: money in positive (a card
    /// charge is negative, as on the bank line).
    pub amount: Decimal,
    /// The customer, vendor or payee the document names, if any.
    pub payee: Option<String>,
}

/// A ledger account's balance as cash (a card's is what is owed, negated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerBalance {
    /// The ledger account.
    pub account: ExternalId,
    /// Its balance at the end of the "as of" day.
    pub balance: Money,
}

/// The book side of the match: postings dated up to "as of" and balances.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Books {
    /// Every posting to a bank or card account dated on or before "as of"
    /// (and on or after `from`, when set).
    pub postings: Vec<BookPosting>,
    /// Every bank and card account's balance at "as of".
    pub balances: Vec<LedgerBalance>,
    /// The first day the postings were read from, when they do not reach
    /// back to the books' beginning (a snapshot's history start): a bank
    /// line dated within the match window of it may be recorded by a
    /// posting older than this, which the match cannot see.
    #[serde(default)]
    pub from: Option<NaiveDate>,
}

impl Books {
    /// The books of `s` as they stood at the end of `as_of`: a balance is
    /// the account's current balance less what is dated after `as_of`;
    /// postings from the snapshot's history start (`from`).
    pub fn of(s: &ClientSnapshot, as_of: NaiveDate) -> Books {
        let types = AccountTypes::of(s);
        let moved = movements(s, &types);
        let balances = cash_accounts(s)
            .map(|(a, kind)| {
                let later: Decimal = moved
                    .iter()
                    .filter(|m| m.account == &a.meta.external_id && m.date > as_of)
                    .map(|m| m.amount)
                    .sum();
                let now = kind.as_cash(a.current_balance.amount());
                LedgerBalance {
                    account: a.meta.external_id.clone(),
                    balance: Money::new(now - later, a.current_balance.currency()),
                }
            })
            .collect();
        let postings = moved
            .into_iter()
            .filter(|m| m.date <= as_of)
            .map(|m| BookPosting {
                posting: PostingRef {
                    kind: m.source,
                    document: m.document.clone(),
                },
                account: m.account.clone(),
                date: m.date,
                amount: m.amount,
                payee: m.payee.map(str::to_owned),
            })
            .collect();
        Books {
            postings,
            balances,
            from: Some(s.history_start),
        }
    }
}

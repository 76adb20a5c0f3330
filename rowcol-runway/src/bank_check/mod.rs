//! The bank check of one client: its bank accounts linked to the ledger
//! accounts the books post them to, its lines matched against the books
//! ([`crate::bank_match::match_bank`]) with the advisor's decisions applied,
//! and a summary the digest and the faces show.
//!
//! Links. A link in `ClientSettings::bank_links` (bank account id to ledger
//! account id) wins. Every other bank account is linked automatically to the
//! one ledger account, not deleted and not linked by hand, of the same
//! family (a bank account to a ledger `Bank` account, a card to a
//! `CreditCard` account) whose name equals the bank's name for it, ignoring
//! case; when several ledger accounts qualify, or several bank accounts
//! claim the same ledger account, none of them is linked (an ambiguous link
//! would match lines against the wrong books). Bank accounts of other kinds
//! (loans, investments) are never linked automatically.
//!
//! Decisions. The snapshot's `bank_reviews` are applied before any pass, so
//! a rematch after a sync never undoes an approval, an exclusion or a
//! "fixed at source".
//!
//! Balances. The bank's balance is the one the rail last reported
//! (`BankAccount::balance_as_of`), the books' is worked back to the "as of"
//! day: the balance walk's residual means most when the two days agree
//! (today's check on today's feed).

#[cfg(test)]
mod tests;

use chrono::NaiveDate;
use rowcol_core::entity::BankAccount;
use rowcol_core::{ClientSnapshot, ExternalId, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::bank_match::{AccountLink, Bank, Books, MatchResult, MatchSettings, SuggestedFix, match_bank};
use crate::calc::rollforward::{CashAccountKind, cash_accounts};
use crate::home::HomeRates;

/// The bank check of one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankCheck {
    /// The day checked up to (the snapshot's "as of").
    pub as_of: NaiveDate,
    /// Bank account to ledger account, by hand first, then automatic.
    pub links: Vec<AccountLink>,
    /// The match of every linked account.
    pub result: MatchResult,
    /// The figures in brief.
    pub summary: BankCheckSummary,
}

/// The bank check in figures. Definitions:
/// - `unexplained`: the sum over linked accounts of the absolute residual of
///   the balance walk (`bank - (ledger + unrecorded - uncleared +
///   differences)`, see [`crate::bank_match::BalanceExplanation`]), each
///   converted to the home currency at the rate its balance converts at;
///   absolute so that two accounts' differences never cancel out. Accounts
///   without both balances, or in a currency with no known rate, add
///   nothing.
/// - `to_review`: bank lines waiting for a human (round amounts, several
///   candidates, an approved posting gone).
/// - `unrecorded`: posted lines the books miss, less those a human marked
///   fixed at source (they wait for the books to sync).
/// - `overdue_uncleared`: book postings past the clearing window that the
///   bank has not shown.
/// - `linked_accounts`: bank accounts matched against a ledger account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankCheckSummary {
    /// What the line-by-line walk leaves unexplained, home currency.
    pub unexplained: Money,
    /// Lines waiting for a human.
    pub to_review: usize,
    /// Posted lines the books miss.
    pub unrecorded: usize,
    /// Postings past the clearing window the bank never showed.
    pub overdue_uncleared: usize,
    /// Bank accounts linked to a ledger account.
    pub linked_accounts: usize,
}

/// Books against the bank for `s`, as of `s.as_of`, with its links and the
/// advisor's decisions (see the module docs).
pub fn check(s: &ClientSnapshot, settings: &MatchSettings) -> BankCheck {
    run(s, settings, s.as_of, links(s))
}

/// The bank check of `s` as of `as_of`, `None` when no bank account of
/// `s` is linked to the books (a client without a bank feed): what the
/// hygiene tray and the digest ask, so that such clients cost nothing and
/// get no bank findings.
pub fn check_linked(s: &ClientSnapshot, settings: &MatchSettings, as_of: NaiveDate) -> Option<BankCheck> {
    if s.bank_accounts.is_empty() {
        return None;
    }
    let links = links(s);
    (!links.is_empty()).then(|| run(s, settings, as_of, links))
}

/// The check over `links`.
fn run(s: &ClientSnapshot, settings: &MatchSettings, as_of: NaiveDate, links: Vec<AccountLink>) -> BankCheck {
    // Reading the books walks every posting: not worth it with nothing linked.
    let books = if links.is_empty() {
        Books::default()
    } else {
        Books::of(s, as_of)
    };
    let bank = Bank {
        accounts: &s.bank_accounts,
        lines: &s.bank_transactions,
    };
    let result = match_bank(&books, bank, &links, &s.bank_reviews, settings, as_of);
    let summary = summary(s, &result);
    BankCheck {
        as_of,
        links,
        result,
        summary,
    }
}

/// The links of `s`'s bank accounts, in bank account id order (see the
/// module docs).
pub fn links(s: &ClientSnapshot) -> Vec<AccountLink> {
    let live = |a: &&BankAccount| !a.meta.deleted;
    let by_hand = &s.settings.bank_links;
    let taken: Vec<&ExternalId> = by_hand.values().collect();
    let mut auto: Vec<(&ExternalId, &ExternalId)> = s
        .bank_accounts
        .iter()
        .filter(live)
        .filter(|a| !by_hand.contains_key(&a.meta.external_id))
        .filter_map(|a| {
            let family = CashAccountKind::of(a.account_type)?;
            let mut same = cash_accounts(s)
                .filter(|(l, kind)| *kind == family && l.name.trim().eq_ignore_ascii_case(a.name.trim()))
                .map(|(l, _)| &l.meta.external_id)
                .filter(|l| !taken.contains(l));
            let only = same.next()?;
            same.next().is_none().then_some((&a.meta.external_id, only))
        })
        .collect();
    // A ledger account two bank accounts claim is linked to neither.
    let claimed =
        |ledger: &ExternalId, auto: &[(&ExternalId, &ExternalId)]| auto.iter().filter(|(_, l)| *l == ledger).count();
    let shared: Vec<&ExternalId> = auto.iter().map(|(_, l)| *l).filter(|l| claimed(l, &auto) > 1).collect();
    auto.retain(|(_, l)| !shared.contains(l));
    let mut links: Vec<AccountLink> = s
        .bank_accounts
        .iter()
        .filter(live)
        .filter_map(|a| {
            let id = &a.meta.external_id;
            let ledger = by_hand
                .get(id)
                .or_else(|| auto.iter().find(|(b, _)| *b == id).map(|(_, l)| *l))?;
            Some(AccountLink {
                bank_account: id.clone(),
                ledger_account: ledger.clone(),
            })
        })
        .collect();
    links.sort_by(|a, b| a.bank_account.cmp(&b.bank_account));
    links
}

/// The summary of a match (see [`BankCheckSummary`] for definitions).
fn summary(s: &ClientSnapshot, result: &MatchResult) -> BankCheckSummary {
    let rates = HomeRates::from_snapshot(s);
    let mut unexplained = Decimal::ZERO;
    let (mut to_review, mut unrecorded, mut overdue) = (0, 0, 0);
    for a in &result.accounts {
        if let Some(r) = a.explanation.residual {
            unexplained += rates.balance(Money::new(r.abs(), a.currency)).unwrap_or_default();
        }
        to_review += a.review.len();
        unrecorded += a
            .unrecorded
            .iter()
            .filter(|u| u.fix != SuggestedFix::AwaitingSource)
            .count();
        overdue += a.uncleared.iter().filter(|u| u.overdue).count();
    }
    BankCheckSummary {
        unexplained: Money::new(unexplained, s.home_currency),
        to_review,
        unrecorded,
        overdue_uncleared: overdue,
        linked_accounts: result.accounts.len(),
    }
}

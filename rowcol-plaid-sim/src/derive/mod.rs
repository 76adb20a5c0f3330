//! From a client's book postings to the bank's lines: where the bookkeeper
//! was diligent, each posting clears after a lag of 0 to 3 business days
//! under a bank-style description (several receipts of a day sometimes in
//! one deposit); besides, the lines a bookkeeper misses (at a rate of
//! `1 - diligence`), authorisation holds that never post, pending card
//! lines whose amount changes when they post, and book payments that have
//! not cleared yet. Everything is drawn from the bank's seed.

pub mod calendar;
pub mod describe;
mod missing;
pub mod sample;

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::bank::{AccountKind, AccountSpec, BookPosting, LineKind, Pending, PlannedLine, PostingRef};
use crate::ids::mix;
use calendar::{add_business_days, minus_days, plus_days};

/// The client's bank as the admin describes it: a Link login (`username`),
/// its accounts, the book postings to derive lines from, and habits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientBank {
    /// The login `/sandbox/public_token/create` names in
    /// `options.override_username` (RowCol's tests use the client id).
    pub username: String,
    /// The institution (Plaid's sandbox "First Platypus Bank" by default).
    #[serde(default = "default_institution")]
    pub institution_id: String,
    /// The accounts at the bank.
    pub accounts: Vec<AccountSpec>,
    /// The books' postings to those accounts.
    #[serde(default)]
    pub postings: Vec<BookPosting>,
    /// Seed of every draw.
    #[serde(default)]
    pub seed: u64,
    /// How the bookkeeper and the bank behave.
    #[serde(default)]
    pub habits: Habits,
    /// `/transactions/sync` answers "not ready" (empty, `next_cursor` "")
    /// this many times for a new Item before its data is there.
    #[serde(default)]
    pub not_ready_polls: u32,
}

fn default_institution() -> String {
    "ins_109508".to_string()
}

/// Rates and counts of the derivation. Rates are probabilities in `0.0..=1.0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Habits {
    /// Share of bank activity the books hold: `1.0` misses nothing; below,
    /// fees, a subscription, deposits, a second identical purchase and round
    /// withdrawals appear at a rate of `1 - diligence`, and a few book
    /// payments never clear.
    pub diligence: f64,
    /// Longest clearing lag, in business days (lags are drawn from 0 to it).
    pub max_clearing_lag_days: u32,
    /// Share of days with several receipts on one account that the bank
    /// shows as one deposit (the first such day always, when above 0).
    pub aggregate_deposit_rate: f64,
    /// Share of card purchases whose pending amount differs from the posted one (a tip).
    pub amount_change_rate: f64,
    /// Share of posting lines whose add comes after the day's other changes.
    pub split_rate: f64,
    /// Share of card purchases whose merchant name comes a day or two after
    /// posting (a `modified` in sync).
    pub enrich_rate: f64,
    /// Authorisation holds pending around today that never post.
    pub holds: u32,
}

impl Default for Habits {
    fn default() -> Self {
        Self {
            diligence: 1.0,
            max_clearing_lag_days: 3,
            aggregate_deposit_rate: 0.3,
            amount_change_rate: 0.2,
            split_rate: 0.5,
            enrich_rate: 0.1,
            holds: 1,
        }
    }
}

/// Errors describing a bank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeriveError {
    /// A posting names an account the bank does not have.
    #[error("posting {txn_id} names account {account:?}, which the bank of {username} does not have")]
    UnknownAccount {
        /// The bank's login.
        username: String,
        /// The posting.
        txn_id: String,
        /// The account name it gave.
        account: String,
    },
    /// The bank has no account.
    #[error("the bank of {0} has no account")]
    NoAccount(String),
}

/// What the derivation makes: the lines, and the book postings that never clear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    /// Every line, past and planned, ordered by key.
    pub lines: Vec<PlannedLine>,
    /// Book postings the bank never sees.
    pub never_clears: Vec<PostingRef>,
}

/// Derives the bank lines of `bank` as the bank stands on `today`.
pub fn derive(bank: &ClientBank, today: NaiveDate) -> Result<Derived, DeriveError> {
    if bank.accounts.is_empty() {
        return Err(DeriveError::NoAccount(bank.username.clone()));
    }
    let mut rng = StdRng::seed_from_u64(mix(bank.seed, &bank.username));
    let habits = &bank.habits;
    let index: BTreeMap<&str, usize> = bank
        .accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.name.as_str(), i))
        .collect();
    let mut postings: Vec<(usize, &BookPosting)> = Vec::with_capacity(bank.postings.len());
    for p in &bank.postings {
        let account = *index
            .get(p.account.as_str())
            .ok_or_else(|| DeriveError::UnknownAccount {
                username: bank.username.clone(),
                txn_id: p.txn_id.clone(),
                account: p.account.clone(),
            })?;
        postings.push((account, p));
    }
    postings.sort_by(|a, b| (a.1.date, a.0, &a.1.txn_id).cmp(&(b.1.date, b.0, &b.1.txn_id)));
    let miss = (1.0 - habits.diligence).clamp(0.0, 1.0);
    let mut lines = Vec::new();
    let deposited = aggregate_deposits(&bank.accounts, &postings, habits, &mut rng, &mut lines);
    let mut never_clears = Vec::new();
    for &(account, p) in &postings {
        if deposited.contains(p.txn_id.as_str()) {
            continue;
        }
        let kind = bank.accounts[account].kind;
        let check_like = kind.is_depository() && p.amount.is_sign_negative() && p.payee.is_some();
        if check_like && miss > 0.0 && rng.random_bool((miss * 0.03).clamp(0.0, 1.0)) {
            never_clears.push(PostingRef::from(p));
            continue;
        }
        lines.push(clear(account, kind, p, habits, &mut rng));
    }
    if let Some(first) = postings.first().map(|(_, p)| p.date) {
        missing::add_missing(&bank.accounts, first, today, miss, &mut rng, &mut lines);
    }
    add_holds(&bank.accounts, today, habits.holds, &mut rng, &mut lines);
    lines.sort_by(|a, b| (first_seen(a), a.account, &a.description).cmp(&(first_seen(b), b.account, &b.description)));
    for (key, line) in lines.iter_mut().enumerate() {
        line.key = u32::try_from(key).unwrap_or(u32::MAX);
    }
    Ok(Derived { lines, never_clears })
}

/// The day a line first shows at the bank.
pub fn first_seen(line: &PlannedLine) -> NaiveDate {
    line.pending
        .as_ref()
        .map(|p| p.from)
        .or(line.posts_on)
        .unwrap_or(line.authorized)
}

/// One posting cleared: card purchases go through a pending phase.
fn clear(account: usize, kind: AccountKind, p: &BookPosting, habits: &Habits, rng: &mut StdRng) -> PlannedLine {
    let lag = rng.random_range(0..=habits.max_clearing_lag_days);
    let (description, merchant) = describe::describe(p, kind, rng);
    let amount = -p.amount;
    let purchase = amount.is_sign_positive()
        && (!kind.is_depository() || p.txn_type.as_deref() == Some("Purchase"))
        && p.payee.is_some();
    let split = rng.random_bool(habits.split_rate.clamp(0.0, 1.0));
    let (pending, posts_on, enriched_on) = if purchase {
        let posts_on = add_business_days(p.date, lag.max(1));
        let tipped = rng.random_bool(habits.amount_change_rate.clamp(0.0, 1.0));
        let pending_amount = if tipped {
            (amount / Decimal::new(118, 2)).round_dp(2)
        } else {
            amount
        };
        let enriched = rng.random_bool(habits.enrich_rate.clamp(0.0, 1.0));
        let enriched_on = enriched.then(|| plus_days(posts_on, rng.random_range(1..=2)));
        let pending = Pending {
            from: p.date,
            amount: pending_amount,
            vanishes_on: None,
        };
        (Some(pending), posts_on, enriched_on)
    } else {
        (None, add_business_days(p.date, lag), None)
    };
    PlannedLine {
        key: 0,
        account,
        kind: LineKind::Cleared,
        book: vec![p.txn_id.clone()],
        description,
        merchant,
        amount,
        authorized: p.date,
        pending,
        posts_on: Some(posts_on),
        enriched_on,
        split,
    }
}

/// Several receipts of one day on one depository account, shown as one
/// deposit; answers the postings so deposited.
fn aggregate_deposits<'a>(
    accounts: &[AccountSpec],
    postings: &[(usize, &'a BookPosting)],
    habits: &Habits,
    rng: &mut StdRng,
    lines: &mut Vec<PlannedLine>,
) -> HashSet<&'a str> {
    let mut days: BTreeMap<(NaiveDate, usize), Vec<&BookPosting>> = BTreeMap::new();
    for &(account, p) in postings {
        let receipt = p.amount.is_sign_positive() && p.payee.is_some() && p.txn_type.as_deref() != Some("Transfer");
        if receipt && accounts[account].kind.is_depository() {
            days.entry((p.date, account)).or_default().push(p);
        }
    }
    let mut deposited = HashSet::new();
    let rate = habits.aggregate_deposit_rate.clamp(0.0, 1.0);
    let mut first = true;
    for ((date, account), receipts) in days.into_iter().filter(|(_, r)| r.len() >= 2) {
        if rate <= 0.0 || !(first || rng.random_bool(rate)) {
            continue;
        }
        first = false;
        let total: Decimal = receipts.iter().map(|p| p.amount).sum();
        let lag = rng.random_range(0..=habits.max_clearing_lag_days.min(1));
        lines.push(PlannedLine {
            key: 0,
            account,
            kind: LineKind::AggregatedDeposit,
            book: receipts.iter().map(|p| p.txn_id.clone()).collect(),
            description: format!(
                "DEPOSIT {} ITEMS REF #{}",
                receipts.len(),
                rng.random_range(100_000..999_999)
            ),
            merchant: None,
            amount: -total,
            authorized: date,
            pending: None,
            posts_on: Some(add_business_days(date, lag)),
            enriched_on: None,
            split: false,
        });
        deposited.extend(receipts.iter().map(|p| p.txn_id.as_str()));
    }
    deposited
}

/// Holds: pending around today on the card (or the first account), gone
/// two to five days later without posting.
fn add_holds(accounts: &[AccountSpec], today: NaiveDate, holds: u32, rng: &mut StdRng, lines: &mut Vec<PlannedLine>) {
    const HOLDS: [(&str, i64); 3] = [
        ("SHELL OIL 57444", 100),
        ("HILTON HOTELS", 250),
        ("HERTZ RENT-A-CAR", 150),
    ];
    let account = accounts
        .iter()
        .position(|a| a.kind == AccountKind::CreditCard)
        .unwrap_or(0);
    for i in 0..holds {
        let (name, dollars) = HOLDS[i as usize % HOLDS.len()];
        let from = minus_days(today, rng.random_range(0..=2));
        let amount = Decimal::new(dollars, 0).round_dp(2);
        lines.push(PlannedLine {
            key: 0,
            account,
            kind: LineKind::Hold,
            book: Vec::new(),
            description: name.to_string(),
            merchant: None,
            amount,
            authorized: from,
            pending: Some(Pending {
                from,
                amount,
                vanishes_on: Some(plus_days(from, rng.random_range(3..=5))),
            }),
            posts_on: None,
            enriched_on: None,
            split: false,
        });
    }
}

#[cfg(test)]
mod tests;

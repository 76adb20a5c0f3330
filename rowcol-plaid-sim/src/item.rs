//! One linked Item: its accounts, its planned bank lines, the change log the
//! lines make as the clock's date moves on, its status (login required, not
//! ready yet, webhook) and its balances.

use std::collections::VecDeque;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use crate::bank::{AccountKind, AccountSpec, LineState, PlannedLine, PostingRef};
use crate::changes::{Change, ChangeLog, Txn};
use crate::derive::Derived;
use crate::ids::stable;

/// An account as the Item reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankAccount {
    /// `account_id`.
    pub id: String,
    /// `mask`.
    pub mask: String,
    /// The account as described.
    pub spec: AccountSpec,
}

/// Balances of one account at one moment (Plaid's sense).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    /// `current`: posted lines only.
    pub current: Decimal,
    /// `available`: pending lines taken into account too.
    pub available: Decimal,
    /// `limit` (cards).
    pub limit: Option<Decimal>,
}

/// Cached balances: what Plaid last extracted, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// `last_updated_datetime`.
    pub at: DateTime<Utc>,
    /// One per account, in account order.
    pub balances: Vec<Balance>,
}

/// One Item.
#[derive(Debug)]
pub struct Item {
    /// `item_id`.
    pub item_id: String,
    /// Its `access_token`.
    pub access_token: String,
    /// The login it was linked with.
    pub username: String,
    /// `institution_id`.
    pub institution_id: String,
    /// Accounts, in the bank's order.
    pub accounts: Vec<BankAccount>,
    /// Every line, past and planned, by key.
    pub lines: Vec<PlannedLine>,
    /// The bank's book postings, for the ground truth.
    pub postings: Vec<PostingRef>,
    /// Book postings that never clear.
    pub never_clears: Vec<PostingRef>,
    /// The change log.
    pub log: ChangeLog,
    /// The date the log is materialised through.
    pub through: Option<NaiveDate>,
    /// Where webhooks go.
    pub webhook: Option<String>,
    /// Every call answers `ITEM_LOGIN_REQUIRED` until repaired.
    pub login_required: bool,
    /// `/transactions/sync` has been called (webhooks fire only after).
    pub sync_called: bool,
    /// Sync calls left that answer "not ready".
    pub not_ready_polls: u32,
    /// Days of history asked for at link (default 90).
    pub days_requested: u32,
    /// The first date sync shows, fixed at the first sync.
    pub history_start: Option<NaiveDate>,
    /// Cached balances.
    pub cached: Snapshot,
    /// Recent `/accounts/balance/get` calls (rate limit).
    pub balance_calls: VecDeque<DateTime<Utc>>,
    /// Last successful `/transactions/sync`.
    pub last_successful_update: Option<DateTime<Utc>>,
    /// Last webhook sent: code and time.
    pub last_webhook: Option<(String, DateTime<Utc>)>,
    id_seed: u64,
}

/// What linking needs besides the derived lines.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// `item_id`.
    pub item_id: String,
    /// `access_token`.
    pub access_token: String,
    /// The login.
    pub username: String,
    /// `institution_id`.
    pub institution_id: String,
    /// The bank's accounts.
    pub accounts: Vec<AccountSpec>,
    /// The bank's book postings.
    pub postings: Vec<PostingRef>,
    /// Webhook URL.
    pub webhook: Option<String>,
    /// Days of history.
    pub days_requested: u32,
    /// Not-ready polls.
    pub not_ready_polls: u32,
}

impl Item {
    /// A new Item holding `derived`'s lines, materialised through `today`.
    pub fn new(new: NewItem, derived: Derived, now: DateTime<Utc>) -> Self {
        let id_seed = crate::ids::mix(0, &new.item_id);
        let accounts = new
            .accounts
            .into_iter()
            .enumerate()
            .map(|(i, spec)| BankAccount {
                id: stable(id_seed, &format!("account-{i}"), 37),
                mask: spec
                    .mask
                    .clone()
                    .unwrap_or_else(|| format!("{:04}", crate::ids::mix(id_seed, &spec.name) % 10_000)),
                spec,
            })
            .collect();
        let mut item = Self {
            item_id: new.item_id,
            access_token: new.access_token,
            username: new.username,
            institution_id: new.institution_id,
            accounts,
            lines: derived.lines,
            postings: new.postings,
            never_clears: derived.never_clears,
            log: ChangeLog::default(),
            through: None,
            webhook: new.webhook,
            login_required: false,
            sync_called: false,
            not_ready_polls: new.not_ready_polls,
            days_requested: new.days_requested,
            history_start: None,
            cached: Snapshot {
                at: now,
                balances: Vec::new(),
            },
            balance_calls: VecDeque::new(),
            last_successful_update: None,
            last_webhook: None,
            id_seed,
        };
        item.catch_up(now);
        item
    }

    /// Brings the log up to `now`'s date; answers whether anything changed.
    /// Cached balances are refreshed with it.
    pub fn catch_up(&mut self, now: DateTime<Utc>) -> bool {
        let today = now.date_naive();
        let before = self.log.head();
        match self.through {
            Some(t) if t >= today => return false,
            None => self.materialise_initial(today),
            Some(t) => self.materialise_between(t, today),
        }
        self.through = Some(today);
        let changed = self.log.head() > before;
        if changed || self.cached.balances.is_empty() {
            self.cached = Snapshot {
                at: now,
                balances: self.balances_on(today),
            };
        }
        changed
    }

    fn materialise_initial(&mut self, today: NaiveDate) {
        let mut visible: Vec<(NaiveDate, u32, Txn)> = Vec::new();
        for line in &self.lines {
            match line.state_on(today) {
                LineState::Pending => visible.push((line.authorized, line.key, self.pending_txn(line))),
                LineState::Posted => {
                    let txn = self.posted_txn(line, today);
                    visible.push((txn.date, line.key, txn));
                }
                LineState::Absent => {}
            }
        }
        visible.sort_by_key(|a| (a.0, a.1));
        for (_, _, txn) in visible {
            self.log.push(Change::Upsert(txn));
        }
    }

    fn materialise_between(&mut self, after: NaiveDate, through: NaiveDate) {
        let within = |d: NaiveDate| d > after && d <= through;
        let mut events: Vec<((NaiveDate, u8, u32, u8), Change)> = Vec::new();
        for line in &self.lines {
            let key = line.key;
            if let Some(p) = &line.pending {
                if within(p.from) {
                    events.push(((p.from, 0, key, 0), Change::Upsert(self.pending_txn(line))));
                }
                let gone = line.posts_on.or(p.vanishes_on).filter(|g| *g > p.from);
                if let Some(g) = gone.filter(|g| within(*g)) {
                    events.push(((g, 0, key, 1), Change::Remove(self.pending_txn(line))));
                }
            }
            if let Some(posted) = line.posts_on.filter(|d| within(*d)) {
                let group = u8::from(line.split && line.pending.is_some());
                events.push(((posted, group, key, 2), Change::Upsert(self.posted_txn(line, posted))));
            }
            if let (Some(e), Some(posted)) = (line.enriched_on, line.posts_on)
                && within(e)
                && posted < e
            {
                events.push(((e, 0, key, 3), Change::Upsert(self.posted_txn(line, e))));
            }
        }
        events.sort_by_key(|a| a.0);
        for (_, change) in events {
            self.log.push(change);
        }
    }

    /// Adds a posted line now (sandbox-created): it is in the log at once.
    pub fn add_posted_line(&mut self, mut line: PlannedLine) -> String {
        line.key = u32::try_from(self.lines.len()).unwrap_or(u32::MAX);
        let day = line.posts_on.unwrap_or(line.authorized);
        let txn = self.posted_txn(&line, day);
        let id = txn.id.clone();
        self.lines.push(line);
        self.log.push(Change::Upsert(txn));
        id
    }

    /// The pending transaction of a line.
    pub fn pending_txn(&self, line: &PlannedLine) -> Txn {
        let (date, amount) = line
            .pending
            .as_ref()
            .map_or((line.authorized, line.amount), |p| (p.from, p.amount));
        Txn {
            id: self.txn_id(line.key, 'p'),
            account: line.account,
            key: line.key,
            pending: true,
            pending_transaction_id: None,
            amount,
            date,
            authorized_date: line.authorized,
            name: line.description.clone(),
            merchant_name: line.merchant.clone(),
        }
    }

    /// The posted transaction of a line as the bank shows it on `day`.
    pub fn posted_txn(&self, line: &PlannedLine, day: NaiveDate) -> Txn {
        Txn {
            id: self.txn_id(line.key, 't'),
            account: line.account,
            key: line.key,
            pending: false,
            pending_transaction_id: line.pending.as_ref().map(|_| self.txn_id(line.key, 'p')),
            amount: line.amount,
            date: line.posts_on.unwrap_or(line.authorized),
            authorized_date: line.authorized,
            name: line.description.clone(),
            merchant_name: line.merchant.clone().filter(|_| line.enriched(day)),
        }
    }

    /// The id of a line's pending (`'p'`) or posted (`'t'`) transaction.
    pub fn txn_id(&self, key: u32, phase: char) -> String {
        stable(self.id_seed, &format!("{phase}{key}"), 37)
    }

    /// Balances on `day`, worked out from the lines.
    pub fn balances_on(&self, day: NaiveDate) -> Vec<Balance> {
        let mut posted = vec![Decimal::ZERO; self.accounts.len()];
        let mut pending = vec![Decimal::ZERO; self.accounts.len()];
        for line in &self.lines {
            let Some(slot) = posted.get_mut(line.account) else {
                continue;
            };
            match line.state_on(day) {
                LineState::Posted => *slot += line.amount,
                LineState::Pending => {
                    pending[line.account] += line.pending.as_ref().map_or(line.amount, |p| p.amount);
                }
                LineState::Absent => {}
            }
        }
        self.accounts
            .iter()
            .enumerate()
            .map(|(i, account)| {
                let spec = &account.spec;
                if spec.kind == AccountKind::CreditCard {
                    let current = spec.opening_balance + posted[i];
                    let limit = spec.limit.unwrap_or(Decimal::new(10_000, 0));
                    Balance {
                        current,
                        available: limit - current - pending[i],
                        limit: Some(limit),
                    }
                } else {
                    let current = spec.opening_balance - posted[i];
                    Balance {
                        current,
                        available: current - pending[i],
                        limit: None,
                    }
                }
            })
            .collect()
    }
}

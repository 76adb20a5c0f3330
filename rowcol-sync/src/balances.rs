//! The live path: a client's bank and card balances, from the mirror with
//! their age, or read from each rail now with the mirror as the fallback.
//!
//! Definition. One row per account:
//! - the ledger's bank and credit-card accounts (QBO), active or holding a
//!   balance, at the balance the last sync read, dated by the last
//!   successful sync of the ledger's accounts;
//! - the bank rail's accounts (Plaid), where the client linked a bank, at
//!   the balance the bank stated, dated by the bank's own `balance_as_of`
//!   (else the last sync of bank accounts).
//!
//! Asked live, each of the client's active connections is read once,
//! through its rail's own limits and timeout (QBO: one account query under
//! the sync policy's limiter; Plaid: `/accounts/balance/get`, five a minute
//! per Item, one attempt). A rail that fails (down, throttled, timed out,
//! needing re-auth) leaves its rows at the mirror's figure, each flagged
//! stale with the reason. What a live read answered is recorded as the
//! day's point in the RowCol-owned balance history, through the journal
//! (one atomic batch of balance points, no record): the mirrored account
//! rows stay exactly what the last sync read, with the rail's version, so
//! a later sync is never refused as older than a read that was not one.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rowcol_core::entity::AccountType;
use rowcol_core::ports::LiveBalance;
use rowcol_core::sync::{BalancePoint, SyncBatch};
use rowcol_core::{
    AdvisorId, ClientId, ClientSnapshot, Connection, ConnectionStatus, EntityKind, ErrorContext, ExternalId, Money,
    Rail, Result, RowcolError, SnapshotRequest,
};
use serde::{Deserialize, Serialize};

use crate::SyncEngine;

/// The definition every [`ClientBalances`] states.
pub const BALANCES_DEFINITION: &str = "one row per bank and credit-card account: the ledger's (QBO) at the balance \
     its last sync read, aged from that sync; the bank's (Plaid), where linked, at the balance the bank stated, aged \
     from the bank's own date; card balances are what is owed. Asked live, each rail is read now within its limits; \
     a rail that fails leaves its rows at the mirror's figure, flagged stale with the reason";

/// Where a row's figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceSource {
    /// The mirror: what the last sync read.
    Mirror,
    /// The rail, read just now.
    Live,
}

/// One account's balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountBalance {
    /// The rail the account is on (QBO: the books; Plaid: the bank).
    pub rail: Rail,
    /// The rail's id for the account.
    pub account: ExternalId,
    /// Its name.
    pub name: String,
    /// Bank or credit card.
    pub account_type: AccountType,
    /// The balance (a card's: what is owed); `None` when the bank states none.
    pub balance: Option<Money>,
    /// Mirror or live.
    pub source: BalanceSource,
    /// When the figure was true at the rail (`None`: never synced).
    pub as_of: Option<DateTime<Utc>>,
    /// How old the figure was when read, in whole seconds.
    pub age_seconds: Option<i64>,
    /// Set when a live figure was asked for and this is the mirror's
    /// instead: why.
    pub stale: Option<String>,
}

/// How one rail's live read went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum LiveOutcome {
    /// Read now: this many accounts.
    Read {
        /// Accounts the rail answered.
        accounts: usize,
    },
    /// Not read: its rows are the mirror's.
    FellBack {
        /// Why (never a secret).
        reason: String,
        /// True when asking again later may succeed (throttled, down,
        /// timed out); false when a person must act (re-link, reconnect).
        retryable: bool,
    },
}

/// One rail's live read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RailRead {
    /// The rail.
    pub rail: Rail,
    /// How it went.
    pub outcome: LiveOutcome,
}

/// A client's balances, with where each came from and how old it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientBalances {
    /// The client.
    pub client: ClientId,
    /// When they were read (ages are taken at this time).
    pub read_at: DateTime<Utc>,
    /// True when live figures were asked for.
    pub live: bool,
    /// One row per account: ledger rows first, then bank rows, each by name.
    pub accounts: Vec<AccountBalance>,
    /// Each rail's live read, when asked live (empty otherwise).
    pub rails: Vec<RailRead>,
    /// What the figures are.
    pub definition: String,
}

impl ClientBalances {
    /// True when live figures were asked for and some row is the mirror's
    /// instead (a rail failed or did not answer for the account).
    pub fn fell_back(&self) -> bool {
        self.live && self.accounts.iter().any(|a| a.stale.is_some())
    }
}

impl SyncEngine {
    /// The client's bank and card balances (see the module's definition):
    /// from the mirror, or with `live`, read from each rail of the client
    /// now, the mirror's figure standing in (flagged stale) where a rail
    /// fails. Errors only when the mirror fails or the client is not in
    /// the advisor's portfolio: a rail's failure is an answer, not an error.
    pub async fn balances(&self, advisor: &AdvisorId, client: &ClientId, live: bool) -> Result<ClientBalances> {
        let read_at = self.clock().now();
        let registered = self.mirror().portfolio_client(advisor, client).await?;
        let request = SnapshotRequest {
            as_of: read_at.date_naive(),
            history_months: 1,
        };
        let snapshot = self.mirror().snapshot(advisor, client, request).await?;
        let mut accounts = mirrored(&snapshot, read_at);
        let mut rails = Vec::new();
        if live {
            // The rails are asked side by side (each within its own limits
            // and timeout); their answers are recorded one by one.
            let answers = futures::future::join_all(registered.connections.iter().map(|c| self.ask(c))).await;
            for (connection, answer) in registered.connections.iter().zip(answers) {
                let outcome = self.settle(connection, answer, &mut accounts, read_at).await?;
                rails.push(RailRead {
                    rail: connection.rail,
                    outcome,
                });
            }
        }
        Ok(ClientBalances {
            client: client.clone(),
            read_at,
            live,
            accounts,
            rails,
            definition: BALANCES_DEFINITION.to_owned(),
        })
    }

    /// One connection's live balances, or why there are none: the rail's
    /// error, a rail this engine does not have, or a connection that is
    /// not active (not asked).
    async fn ask(&self, connection: &Connection) -> Result<Vec<LiveBalance>> {
        if connection.status != ConnectionStatus::Active {
            return Err(RowcolError::InvalidInput {
                context: ErrorContext::client(&connection.client).with_realm(connection.rail, &connection.realm),
                reason: format!(
                    "the {} connection is {:?}: not asked; reconnect it",
                    connection.rail, connection.status
                ),
            });
        }
        self.rail_for(connection)?.live_balances(connection).await
    }

    /// Puts one connection's `answer` into `accounts` and records it; on a
    /// failure flags the rail's rows stale instead. Errors only when
    /// recording fails.
    async fn settle(
        &self,
        connection: &Connection,
        answer: Result<Vec<LiveBalance>>,
        accounts: &mut Vec<AccountBalance>,
        read_at: DateTime<Utc>,
    ) -> Result<LiveOutcome> {
        match answer {
            Ok(live) => {
                let mut batch = SyncBatch::new(connection.client.clone(), connection.rail);
                batch.balance_points = live
                    .iter()
                    .map(|b| BalancePoint {
                        account: b.account.clone(),
                        on: b.as_of.date_naive(),
                        balance: b.balance,
                    })
                    .collect();
                self.mirror().apply(&batch).await?;
                let read = live.len();
                merge_live(accounts, connection.rail, live, read_at);
                Ok(LiveOutcome::Read { accounts: read })
            }
            Err(error) => {
                let retryable = error.retryable();
                let reason = error.to_string();
                tracing::warn!(client = %connection.client, rail = %connection.rail, error = %reason,
                    "live balances not read; answering from the mirror");
                for row in accounts.iter_mut().filter(|a| a.rail == connection.rail) {
                    row.stale = Some(format!("live read failed: {reason}"));
                }
                Ok(LiveOutcome::FellBack { reason, retryable })
            }
        }
    }
}

/// The mirror's rows: ledger bank and card accounts, then the bank's.
fn mirrored(s: &ClientSnapshot, read_at: DateTime<Utc>) -> Vec<AccountBalance> {
    let synced = |kind: EntityKind| {
        s.health
            .kinds
            .iter()
            .find(|k| k.kind == kind)
            .and_then(|k| k.last_success)
    };
    let is_cash = |t: AccountType| matches!(t, AccountType::Bank | AccountType::CreditCard);
    let mut ledger: Vec<AccountBalance> = s
        .accounts
        .iter()
        .filter(|a| !a.meta.deleted && is_cash(a.account_type) && (a.active || !a.current_balance.amount().is_zero()))
        .map(|a| {
            row(
                a.meta.rail,
                &a.meta.external_id,
                &a.name,
                a.account_type,
                Some(a.current_balance),
                synced(EntityKind::Account),
                read_at,
            )
        })
        .collect();
    let bank_synced = synced(EntityKind::BankAccount);
    let mut bank: Vec<AccountBalance> = s
        .bank_accounts
        .iter()
        .filter(|a| !a.meta.deleted && is_cash(a.account_type))
        .map(|a| {
            row(
                a.meta.rail,
                &a.meta.external_id,
                &a.name,
                a.account_type,
                a.current,
                a.balance_as_of.or(bank_synced),
                read_at,
            )
        })
        .collect();
    ledger.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.account.cmp(&b.account)));
    bank.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.account.cmp(&b.account)));
    ledger.extend(bank);
    ledger
}

/// A mirror row.
fn row(
    rail: Rail,
    account: &ExternalId,
    name: &str,
    account_type: AccountType,
    balance: Option<Money>,
    as_of: Option<DateTime<Utc>>,
    read_at: DateTime<Utc>,
) -> AccountBalance {
    AccountBalance {
        rail,
        account: account.clone(),
        name: name.to_owned(),
        account_type,
        balance,
        source: BalanceSource::Mirror,
        as_of,
        age_seconds: as_of.map(|t| age(t, read_at)),
        stale: None,
    }
}

fn age(at: DateTime<Utc>, read_at: DateTime<Utc>) -> i64 {
    (read_at - at).num_seconds().max(0)
}

/// Puts a rail's live answer in place of its mirror rows; a mirror row the
/// answer left out stays, flagged stale; an account only the answer has is
/// added after the rail's rows.
fn merge_live(accounts: &mut Vec<AccountBalance>, rail: Rail, live: Vec<LiveBalance>, read_at: DateTime<Utc>) {
    let mut by_id: BTreeMap<ExternalId, LiveBalance> = live.into_iter().map(|b| (b.account.clone(), b)).collect();
    for row in accounts.iter_mut().filter(|a| a.rail == rail) {
        match by_id.remove(&row.account) {
            Some(b) => {
                row.balance = Some(b.balance);
                row.source = BalanceSource::Live;
                row.as_of = Some(b.as_of);
                row.age_seconds = Some(age(b.as_of, read_at));
                row.name = b.name;
            }
            None => row.stale = Some("the rail's live answer does not hold this account".to_owned()),
        }
    }
    let at = accounts
        .iter()
        .rposition(|a| a.rail == rail)
        .map_or(accounts.len(), |i| i + 1);
    let added: Vec<AccountBalance> = by_id
        .into_values()
        .map(|b| AccountBalance {
            rail,
            account: b.account,
            name: b.name,
            account_type: b.account_type,
            balance: Some(b.balance),
            source: BalanceSource::Live,
            as_of: Some(b.as_of),
            age_seconds: Some(age(b.as_of, read_at)),
            stale: None,
        })
        .collect();
    accounts.splice(at..at, added);
}

//! `PlaidRail`: the Plaid `LedgerRail`. A connection's realm is the Item
//! id; its access token lives sealed in the `CredentialStore`. Bank
//! accounts and bank lines are the kinds it mirrors ([`EntityKind::BANK`]);
//! asked for any other kind it answers an empty page (the bank holds none).

use std::sync::Arc;

use chrono::{DateTime, FixedOffset};
use rowcol_core::ports::{LiveBalance, Page};
use rowcol_core::sync::{Rejected, SourceRecord, Tombstone};
use rowcol_core::{
    ClientId, Clock, Connection, ConnectionStatus, CredentialStore, Entity, EntityKind, ErrorContext, Money, Rail,
    RailCredentials, RailErrorKind, RailFailure, Result, RowcolError,
};
use secrecy::SecretString;

use crate::client::{ItemAccess, PlaidClient};
use crate::map;
use crate::sync::SyncUpdate;

/// The Plaid rail. Build one per process and share it: the per-Item
/// limits live in its client.
pub struct PlaidRail {
    client: Arc<PlaidClient>,
    credentials: Arc<dyn CredentialStore>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for PlaidRail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaidRail")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

/// A bank update mapped: what the mirror writes.
#[derive(Debug, Default)]
pub(crate) struct MappedUpdate {
    pub records: Vec<SourceRecord>,
    pub tombstones: Vec<Tombstone>,
    pub rejects: Vec<Rejected>,
}

impl PlaidRail {
    /// A rail over `client`, keeping access tokens in `credentials`,
    /// stamping reads with `clock`.
    pub fn new(client: Arc<PlaidClient>, credentials: Arc<dyn CredentialStore>, clock: Arc<dyn Clock>) -> Self {
        PlaidRail {
            client,
            credentials,
            clock,
        }
    }

    /// The Plaid client underneath (webhook verification shares it).
    pub fn client(&self) -> &Arc<PlaidClient> {
        &self.client
    }

    /// Links an Item for `client`: exchanges Link's public token, seals the
    /// access token in the credential store and answers the active
    /// connection (realm = Item id).
    pub async fn connect(&self, client: &ClientId, public_token: &SecretString) -> Result<Connection> {
        let context = ErrorContext::client(client);
        let linked = self.client.exchange_public_token(&context, public_token).await?;
        let credentials = RailCredentials::AccessToken(linked.access_token);
        self.credentials
            .save_credentials(client, Rail::Plaid, &credentials)
            .await?;
        Ok(Connection {
            client: client.clone(),
            rail: Rail::Plaid,
            realm: linked.item_id,
            status: ConnectionStatus::Active,
        })
    }

    /// How the client reaches the connection's Item (its sealed access
    /// token loaded); `NeedsReauth` when none is stored (link it again).
    pub async fn item_access(&self, connection: &Connection) -> Result<ItemAccess> {
        let context = ErrorContext::client(&connection.client).with_realm(Rail::Plaid, &connection.realm);
        let stored = self
            .credentials
            .load_credentials(&connection.client, Rail::Plaid)
            .await?;
        let missing = |message: String| {
            RowcolError::rail(
                RailErrorKind::NeedsReauth,
                context.clone(),
                RailFailure {
                    message,
                    ..RailFailure::default()
                },
            )
        };
        match stored {
            Some(RailCredentials::AccessToken(access_token)) => Ok(ItemAccess {
                item_id: connection.realm.clone(),
                access_token,
                context: context.clone(),
            }),
            Some(other) => Err(missing(format!(
                "the stored Plaid credentials are {}, not an access token: link the Item again",
                other.scheme()
            ))),
            None => Err(missing(
                "no Plaid access token stored for this Item: link it again".into(),
            )),
        }
    }

    /// Now, as the rail stamps what it reads.
    pub(crate) fn read_at(&self) -> DateTime<FixedOffset> {
        self.clock.now().fixed_offset()
    }

    /// Maps an update: lines (and, when asked, the accounts it carries) to
    /// records, removed lines to tombstones, unreadable objects to rejects.
    pub(crate) fn map_update(&self, client: &ClientId, update: &SyncUpdate, kinds: &[EntityKind]) -> MappedUpdate {
        let read_at = self.read_at();
        let mut out = MappedUpdate::default();
        if kinds.contains(&EntityKind::BankAccount) {
            for account in &update.accounts {
                push(&mut out, map::bank_account(client, account, read_at));
            }
        }
        if kinds.contains(&EntityKind::BankTransaction) {
            for line in &update.upserts {
                push(&mut out, map::bank_transaction(client, line, read_at));
            }
            for gone in &update.removed {
                match map::tombstone(gone, read_at) {
                    Ok(t) => out.tombstones.push(t),
                    Err(r) => out.rejects.push(r),
                }
            }
            out.rejects.extend(
                update
                    .unreadable
                    .iter()
                    .map(|bad| map::unreadable(EntityKind::BankTransaction, bad)),
            );
        }
        out
    }

    /// The Item's accounts (cached balances) as one page.
    pub(crate) async fn accounts_page(&self, connection: &Connection) -> Result<Page> {
        let item = self.item_access(connection).await?;
        let answer = self.client.accounts(&item).await?;
        let read_at = self.read_at();
        let mut page = empty_page(EntityKind::BankAccount, read_at);
        for account in &answer.accounts {
            match map::bank_account(&connection.client, account, read_at) {
                Ok(r) => page.records.push(r),
                Err(r) => page.rejects.push(r),
            }
        }
        page.rejects.extend(
            answer
                .unreadable
                .iter()
                .map(|bad| map::unreadable(EntityKind::BankAccount, bad)),
        );
        Ok(page)
    }

    /// Live balances of the Item's bank and card accounts.
    pub(crate) async fn balances_now(&self, connection: &Connection) -> Result<Vec<LiveBalance>> {
        let item = self.item_access(connection).await?;
        let answer = self.client.live_balances(&item).await?;
        let read_at = self.read_at();
        Ok(answer
            .accounts
            .iter()
            .filter_map(
                |account| match map::bank_account(&connection.client, account, read_at) {
                    Ok(SourceRecord {
                        entity: Entity::BankAccount(a),
                        ..
                    }) => Some(a),
                    _ => None,
                },
            )
            .filter_map(|a| {
                let balance: Money = a.current?;
                Some(LiveBalance {
                    account: a.meta.external_id,
                    name: a.name,
                    account_type: a.account_type,
                    balance,
                    as_of: a.balance_as_of.unwrap_or(read_at.to_utc()),
                })
            })
            .collect())
    }
}

fn push(out: &mut MappedUpdate, mapped: map::Mapped) {
    match mapped {
        Ok(r) => out.records.push(r),
        Err(r) => out.rejects.push(r),
    }
}

/// A page of `kind` with nothing in it and no next page.
pub(crate) fn empty_page(kind: EntityKind, server_time: DateTime<FixedOffset>) -> Page {
    Page {
        kind,
        records: Vec::new(),
        rejects: Vec::new(),
        next: None,
        resume: None,
        server_time,
    }
}

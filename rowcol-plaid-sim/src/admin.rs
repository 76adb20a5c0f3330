//! The admin handle: add banks, link Items, move the clock, set faults,
//! break and repair logins, steer webhooks and read ground truth. The HTTP
//! mirror under `/_sim` ([`crate::admin_http`]) calls these same methods.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};

use crate::changes::{Change, Txn};
use crate::derive::{ClientBank, DeriveError};
use crate::error::{ErrorCode, PlaidError};
use crate::faults::FaultRule;
use crate::server::SimState;
use crate::signing::SigningError;
use crate::store::{Linked, notify};
use crate::truth::{self, ItemTruth};
use crate::webhooks::{DeliveryConfig, DeliveryStats, item_webhook};

/// Errors of admin operations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// No such Item.
    #[error("unknown item {0}")]
    UnknownItem(String),
    /// The bank is inconsistent.
    #[error(transparent)]
    Bank(#[from] DeriveError),
    /// Linking failed as Plaid would fail it.
    #[error(transparent)]
    Plaid(#[from] PlaidError),
    /// The Item shows no such transaction.
    #[error("item {0} shows no transaction {1}")]
    UnknownTransaction(String, String),
    /// The webhook key could not be rotated.
    #[error(transparent)]
    Signing(#[from] SigningError),
}

/// A cloneable handle on a running look-alike.
#[derive(Debug, Clone)]
pub struct Admin {
    state: Arc<SimState>,
}

impl Admin {
    pub(crate) fn new(state: Arc<SimState>) -> Self {
        Self { state }
    }

    /// The clock's instant.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    /// Moves the clock; every Item catches up (pending lines post, holds
    /// vanish, new lines clear) and webhooks go out.
    pub fn advance_clock(&self, by: Duration) {
        self.state.clock.advance(by);
        self.state.store.refresh_all(self.now());
    }

    /// Sets the clock (Items catch up when it moves forward).
    pub fn set_clock(&self, to: DateTime<Utc>) {
        self.state.clock.set(to);
        self.state.store.refresh_all(self.now());
    }

    /// Adds (or replaces) a client's bank, linkable by its `username`.
    pub fn add_bank(&self, bank: ClientBank) -> Result<(), AdminError> {
        Ok(self.state.store.add_bank(bank, self.now())?)
    }

    /// The banks' logins.
    pub fn usernames(&self) -> Vec<String> {
        self.state.store.usernames()
    }

    /// A Link public token for `username`'s bank, as
    /// `/sandbox/public_token/create` makes one: the app exchanges it at
    /// `/item/public_token/exchange`. `days_requested` as Link's option
    /// (Plaid's default 90).
    pub fn public_token(
        &self,
        username: &str,
        webhook: Option<String>,
        days_requested: u32,
    ) -> Result<String, AdminError> {
        Ok(self
            .state
            .store
            .create_public_token(username, webhook, days_requested, self.now())?)
    }

    /// Links `username`'s bank as a new Item, as public token create and
    /// exchange do (see [`Admin::public_token`]).
    pub fn link(&self, username: &str, webhook: Option<String>, days_requested: u32) -> Result<Linked, AdminError> {
        let token = self.public_token(username, webhook, days_requested)?;
        Ok(self.state.store.exchange(&token, self.now())?)
    }

    /// Adds a bank and links it at once.
    pub fn seed_item(
        &self,
        bank: ClientBank,
        webhook: Option<String>,
        days_requested: u32,
    ) -> Result<Linked, AdminError> {
        let username = bank.username.clone();
        self.add_bank(bank)?;
        self.link(&username, webhook, days_requested)
    }

    /// Every Item id.
    pub fn item_ids(&self) -> Vec<String> {
        self.state.store.item_ids()
    }

    fn on_item<T>(
        &self,
        item_id: &str,
        f: impl FnOnce(&mut crate::item::Item, &crate::webhooks::Webhooks) -> T,
    ) -> Result<T, AdminError> {
        self.state
            .store
            .with_item(item_id, self.now(), f)
            .ok_or_else(|| AdminError::UnknownItem(item_id.to_string()))
    }

    /// What a faithful reconciliation of the Item must find, today.
    pub fn ground_truth(&self, item_id: &str) -> Result<ItemTruth, AdminError> {
        let today = self.state.clock.today();
        self.on_item(item_id, |item, _| truth::of(item, today))
    }

    /// Every call on the Item answers `ITEM_LOGIN_REQUIRED` from now on
    /// (as `/sandbox/item/reset_login`), with an `ITEM` `ERROR` webhook.
    pub fn reset_login(&self, item_id: &str) -> Result<(), AdminError> {
        let now = self.now();
        self.on_item(item_id, |item, webhooks| {
            item.login_required = true;
            let error = PlaidError::new(ErrorCode::ItemLoginRequired);
            notify(item, webhooks, &item_webhook(&item.item_id, "ERROR", Some(&error)), now);
        })
    }

    /// The user logged in again: the Item works and `LOGIN_REPAIRED` is sent.
    pub fn repair_login(&self, item_id: &str) -> Result<(), AdminError> {
        let now = self.now();
        self.on_item(item_id, |item, webhooks| {
            item.login_required = false;
            notify(
                item,
                webhooks,
                &item_webhook(&item.item_id, "LOGIN_REPAIRED", None),
                now,
            );
        })
    }

    /// Renames a transaction the Item shows: a `modified` at the next sync,
    /// as a bank's late clean-up of a description. Only the change log
    /// moves: ground truth and balances keep the line as derived.
    pub fn rename_line(&self, item_id: &str, transaction_id: &str, name: &str) -> Result<(), AdminError> {
        self.edit_line(item_id, transaction_id, |txn| {
            let mut txn = txn.clone();
            txn.name = name.to_owned();
            Change::Upsert(txn)
        })
    }

    /// Takes back a transaction the Item shows: a `removed` at the next
    /// sync. Only the change log moves, as for [`Admin::rename_line`].
    pub fn remove_line(&self, item_id: &str, transaction_id: &str) -> Result<(), AdminError> {
        self.edit_line(item_id, transaction_id, |txn| Change::Remove(txn.clone()))
    }

    fn edit_line(
        &self,
        item_id: &str,
        transaction_id: &str,
        change: impl FnOnce(&Txn) -> Change,
    ) -> Result<(), AdminError> {
        self.on_item(item_id, |item, _| {
            let next = item.log.current(transaction_id).map(change);
            next.map(|c| item.log.push(c))
        })?
        .ok_or_else(|| AdminError::UnknownTransaction(item_id.to_owned(), transaction_id.to_owned()))
    }

    /// Sets (or clears) the Item's webhook URL.
    pub fn set_webhook(&self, item_id: &str, url: Option<String>) -> Result<(), AdminError> {
        self.on_item(item_id, |item, _| item.webhook = url)
    }

    /// Adds a fault rule.
    pub fn add_fault(&self, rule: FaultRule) {
        self.state.faults.add(rule);
    }

    /// Fault rules still waiting.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.state.faults.rules()
    }

    /// Drops every fault rule and the latency.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Calls failed by fault rules so far.
    pub fn faults_injected(&self) -> u64 {
        self.state.faults.injected()
    }

    /// Latency added to every answer.
    pub fn set_latency(&self, latency: StdDuration) {
        self.state.faults.set_latency(latency);
    }

    /// Webhook counters and the last webhooks queued.
    pub fn webhook_stats(&self) -> DeliveryStats {
        self.state.webhooks.stats()
    }

    /// Webhook retry settings.
    pub fn set_webhook_delivery(&self, config: DeliveryConfig) {
        self.state.webhooks.set_config(config);
    }

    /// Expires the webhook signing key and makes a new one; answers its `kid`.
    pub fn rotate_webhook_key(&self) -> Result<String, AdminError> {
        Ok(self.state.keys.rotate(self.now().timestamp())?)
    }

    /// Every webhook key id, oldest first (the last one signs).
    pub fn webhook_key_ids(&self) -> Vec<String> {
        self.state.keys.kids()
    }
}

//! The admin handle: change a realm's books, move the clock, set faults,
//! throttling and webhooks, and read ground truth and counters. The HTTP
//! mirror under `/_sim` ([`crate::admin_http`]) calls these same methods.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::books::cash_accounts::{CashBooks, cash_books};
use crate::cdc::LOOKBACK_DAYS;
use crate::clock::envelope_time;
use crate::faults::{FaultConfig, fnv};
use crate::generator::{self, Profile, Size, burst};
use crate::money;
use crate::oauth::TokenPair;
use crate::server::SimState;
use crate::store::{Change, Kind, Operation, RealmData, StoreError};
use crate::throttle::{RealmCounters, ThrottleConfig};
use crate::webhooks::{DeliveryStats, WebhookConfig};

/// Errors of admin operations.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AdminError {
    /// No such realm.
    #[error("unknown realm {0}")]
    UnknownRealm(String),
    /// The store refused.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Ground truth of one kind in one realm.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindTruth {
    /// Live ids and their `SyncToken`.
    pub live: BTreeMap<String, String>,
    /// Ids deleted within the CDC look-back.
    pub deleted: Vec<String>,
    /// Number of live objects.
    pub count: usize,
    /// Sum of `TotalAmt` of live objects (transactions).
    pub total_amt: Decimal,
    /// Sum of `Balance` (documents, parties) or `CurrentBalance` (accounts).
    pub balance: Decimal,
}

/// What a faithful mirror of a realm must hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// The realm.
    pub realm_id: String,
    /// Server time of the snapshot (company offset).
    pub as_of: String,
    /// Per kind (by QBO name), every kind that has or had objects.
    pub kinds: BTreeMap<String, KindTruth>,
    /// The kind of client the books were generated as (`None` for books
    /// made by hand).
    pub profile: Option<Profile>,
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

    /// Every realm id.
    pub fn realm_ids(&self) -> Vec<String> {
        self.state.store.realm_ids()
    }

    /// Server time.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    /// Moves the server clock (tokens expire, CDC windows and tombstones age).
    pub fn advance_clock(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// Sets the server clock.
    pub fn set_clock(&self, to: DateTime<Utc>) {
        self.state.clock.set(to);
    }

    /// Adds a realm generated with `size`, `seed` and `profile` (replacing
    /// one with that id).
    pub fn add_realm(&self, realm_id: &str, size: Size, seed: u64, profile: Profile, multi_currency: bool) {
        let offset = self.state.portfolio.offset(0);
        let realm = generator::generate_realm(realm_id, seed, size, profile, multi_currency, offset, self.now());
        self.state.store.put(realm);
    }

    /// The kind of client a realm's books were generated as (`None` for an
    /// unknown realm or books made by hand).
    pub fn profile(&self, realm_id: &str) -> Option<Profile> {
        let handle = self.state.store.realm(realm_id)?;
        let realm = handle.read().ok()?;
        realm.profile
    }

    /// A token pair for `realm_id`, as if a user had connected it.
    pub fn issue_tokens(&self, realm_id: &str) -> TokenPair {
        self.state.oauth.issue_tokens(realm_id, self.now())
    }

    /// Revokes every grant of a realm, as when its user disconnects the app
    /// from their QuickBooks company: access and refresh tokens die at
    /// once (the revoke endpoint's effect, without the app asking); the
    /// app finds out on its next call. Answers how many grants died.
    pub fn revoke_grants(&self, realm_id: &str) -> usize {
        self.state.oauth.revoke_realm(realm_id)
    }

    /// Expires every access token of a realm now (refresh tokens stay good).
    pub fn expire_access_tokens(&self, realm_id: &str) {
        self.state.oauth.expire_realm_access(realm_id, self.now());
    }

    /// Lifetime of access tokens issued from now on, in seconds.
    pub fn set_access_ttl(&self, secs: i64) {
        self.state.oauth.set_access_ttl(secs);
    }

    fn with_realm<T>(
        &self,
        realm_id: &str,
        f: impl FnOnce(&mut RealmData, DateTime<Utc>) -> T,
    ) -> Result<T, AdminError> {
        let handle = self
            .state
            .store
            .realm(realm_id)
            .ok_or_else(|| AdminError::UnknownRealm(realm_id.to_string()))?;
        let now = self.now();
        let mut realm = handle
            .write()
            .map_err(|_| AdminError::UnknownRealm(realm_id.to_string()))?;
        realm.prune_tombstones(now - Duration::days(LOOKBACK_DAYS));
        Ok(f(&mut realm, now))
    }

    fn changed(&self, realm_id: &str, kind: Kind, row: &Value, operation: Operation) -> Change {
        let change = Change {
            realm_id: realm_id.to_string(),
            kind,
            id: row.get("Id").and_then(Value::as_str).unwrap_or_default().to_string(),
            operation,
            at: self.now(),
        };
        self.state.webhooks.notify(std::slice::from_ref(&change));
        change
    }

    /// Creates an object from QBO-shaped JSON; `Id`, `SyncToken` and `MetaData` are stamped.
    pub fn create(&self, realm_id: &str, kind: Kind, body: Value) -> Result<Value, AdminError> {
        let row = self.with_realm(realm_id, |realm, now| realm.create(kind, body, now))?;
        self.changed(realm_id, kind, &row, Operation::Create);
        Ok(row)
    }

    /// Creates many objects at once (one lock, webhooks batched).
    pub fn create_many(&self, realm_id: &str, kind: Kind, bodies: Vec<Value>) -> Result<Vec<Value>, AdminError> {
        let rows = self.with_realm(realm_id, |realm, now| {
            bodies
                .into_iter()
                .map(|b| realm.create(kind, b, now))
                .collect::<Vec<_>>()
        })?;
        let changes: Vec<Change> = rows
            .iter()
            .map(|row| Change {
                realm_id: realm_id.to_string(),
                kind,
                id: row.get("Id").and_then(Value::as_str).unwrap_or_default().to_string(),
                operation: Operation::Create,
                at: self.now(),
            })
            .collect();
        self.state.webhooks.notify(&changes);
        Ok(rows)
    }

    /// Merges `patch` into an object; bumps `SyncToken` and `LastUpdatedTime`.
    pub fn update(&self, realm_id: &str, kind: Kind, id: u64, patch: &Value) -> Result<Value, AdminError> {
        let row = self.with_realm(realm_id, |realm, now| realm.update(kind, id, patch, now))??;
        self.changed(realm_id, kind, &row, Operation::Update);
        Ok(row)
    }

    /// Deletes an object; CDC shows it as deleted for 30 days.
    pub fn delete(&self, realm_id: &str, kind: Kind, id: u64) -> Result<(), AdminError> {
        self.with_realm(realm_id, |realm, now| realm.delete(kind, id, now))??;
        self.changed(
            realm_id,
            kind,
            &serde_json::json!({ "Id": id.to_string() }),
            Operation::Delete,
        );
        Ok(())
    }

    /// Voids a transaction (amounts zero, note "Voided").
    pub fn void(&self, realm_id: &str, kind: Kind, id: u64) -> Result<Value, AdminError> {
        let row = self.with_realm(realm_id, |realm, now| realm.void(kind, id, now))??;
        self.changed(realm_id, kind, &row, Operation::Void);
        Ok(row)
    }

    /// Applies `n` random realistic changes to a realm (deterministic from the
    /// portfolio seed, the realm and the burst number).
    pub fn burst(&self, realm_id: &str, n: usize) -> Result<Vec<Change>, AdminError> {
        let number = self.state.bursts.fetch_add(1, Ordering::Relaxed);
        let seed = self.state.portfolio.seed ^ fnv(realm_id) ^ number.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let changes = self.with_realm(realm_id, |realm, now| burst::apply_burst(realm, n, seed, now))?;
        self.state.webhooks.notify(&changes);
        Ok(changes)
    }

    /// Sets a realm's faults (replacing earlier ones; the seed restarts).
    pub fn set_faults(&self, realm_id: &str, faults: FaultConfig) {
        self.state.faults.set(realm_id, faults);
    }

    /// Removes a realm's faults.
    pub fn clear_faults(&self, realm_id: &str) {
        self.state.faults.clear(realm_id);
    }

    /// Answers spoiled by faults so far, across realms.
    pub fn faults_injected(&self) -> u64 {
        self.state.faults.injected()
    }

    /// A realm's fault settings.
    pub fn faults(&self, realm_id: &str) -> FaultConfig {
        self.state.faults.get(realm_id)
    }

    /// Replaces the throttling limits.
    pub fn set_throttle(&self, config: ThrottleConfig) {
        self.state.throttle.set_config(config);
    }

    /// The throttling limits.
    pub fn throttle(&self) -> ThrottleConfig {
        self.state.throttle.config()
    }

    /// Requests, throttled answers and the highest concurrency seen, per realm.
    pub fn counters(&self) -> BTreeMap<String, RealmCounters> {
        self.state.throttle.counters()
    }

    /// Zeroes the counters.
    pub fn reset_counters(&self) {
        self.state.throttle.reset_counters();
    }

    /// Subscribes (or unsubscribes with `None`) the app's webhook endpoint.
    pub fn set_webhook(&self, config: Option<WebhookConfig>) {
        self.state.webhooks.set_config(config);
    }

    /// Webhook delivery counters.
    pub fn webhook_stats(&self) -> DeliveryStats {
        self.state.webhooks.stats()
    }

    /// One live object, as the API would answer it.
    pub fn get(&self, realm_id: &str, kind: Kind, id: u64) -> Option<Value> {
        let handle = self.state.store.realm(realm_id)?;
        let realm = handle.read().ok()?;
        realm.get(kind, id).cloned()
    }

    /// The realm's home-currency bank and card accounts and every posting
    /// to them: what a look-alike bank of the same client derives its
    /// lines from.
    pub fn cash_books(&self, realm_id: &str) -> Result<CashBooks, AdminError> {
        self.with_realm(realm_id, |realm, _| cash_books(realm))
    }

    /// Live and deleted ids, versions, counts and totals per kind.
    pub fn ground_truth(&self, realm_id: &str) -> Result<GroundTruth, AdminError> {
        let now = self.now();
        self.with_realm(realm_id, |realm, _| {
            let mut kinds: BTreeMap<String, KindTruth> = BTreeMap::new();
            for (kind, rows) in &realm.rows {
                let truth = kinds.entry(kind.name().to_string()).or_default();
                for row in rows.values() {
                    let id = row.get("Id").and_then(Value::as_str).unwrap_or_default().to_string();
                    let token = row
                        .get("SyncToken")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    truth.live.insert(id, token);
                    truth.total_amt += money::field(row, "TotalAmt");
                    truth.balance += if *kind == Kind::Account {
                        money::field(row, "CurrentBalance")
                    } else {
                        money::field(row, "Balance")
                    };
                }
                truth.count = truth.live.len();
            }
            for tomb in &realm.tombstones {
                kinds
                    .entry(tomb.kind.name().to_string())
                    .or_default()
                    .deleted
                    .push(tomb.id.to_string());
            }
            GroundTruth {
                realm_id: realm.realm_id.clone(),
                as_of: envelope_time(now, realm.offset),
                kinds,
                profile: realm.profile,
            }
        })
    }
}

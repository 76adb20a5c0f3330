//! Every bank login, public token and Item of the look-alike, behind one
//! lock. Each access to an Item first brings its log up to the clock's date
//! and sends `SYNC_UPDATES_AVAILABLE` when that changed something.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::bank::PostingRef;
use crate::derive::sample::{TEST_USERS, sample_bank};
use crate::derive::{ClientBank, DeriveError, derive};
use crate::error::{ErrorCode, PlaidError};
use crate::ids::{alnum, mix, uuid};
use crate::item::{Item, NewItem};
use crate::webhooks::{Webhooks, sync_updates_available};

/// Public tokens live 30 minutes.
pub const PUBLIC_TOKEN_TTL_MINUTES: i64 = 30;

#[derive(Debug)]
struct PublicToken {
    username: String,
    created: DateTime<Utc>,
    webhook: Option<String>,
    days_requested: u32,
}

#[derive(Debug)]
struct Inner {
    banks: BTreeMap<String, ClientBank>,
    public_tokens: HashMap<String, PublicToken>,
    items: BTreeMap<String, Item>,
    by_token: HashMap<String, String>,
    rng: StdRng,
}

/// The look-alike's data.
#[derive(Debug)]
pub struct Store {
    seed: u64,
    inner: Mutex<Inner>,
    webhooks: Arc<Webhooks>,
}

/// What linking answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Linked {
    /// `item_id`.
    pub item_id: String,
    /// `access_token`.
    pub access_token: String,
}

impl Store {
    /// An empty store; ids are drawn from `seed`.
    pub fn new(seed: u64, webhooks: Arc<Webhooks>) -> Self {
        Self {
            seed,
            inner: Mutex::new(Inner {
                banks: BTreeMap::new(),
                public_tokens: HashMap::new(),
                items: BTreeMap::new(),
                by_token: HashMap::new(),
                rng: StdRng::seed_from_u64(mix(seed, "store")),
            }),
            webhooks,
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, PlaidError> {
        self.inner.lock().map_err(|_| {
            PlaidError::with_message(
                ErrorCode::InternalServerError,
                "the look-alike's store lock is poisoned",
            )
        })
    }

    /// Adds (or replaces) a bank login; its lines are checked by deriving them once.
    pub fn add_bank(&self, bank: ClientBank, now: DateTime<Utc>) -> Result<(), DeriveError> {
        derive(&bank, now.date_naive())?;
        if let Ok(mut inner) = self.inner.lock() {
            inner.banks.insert(bank.username.clone(), bank);
        }
        Ok(())
    }

    /// Every bank login.
    pub fn usernames(&self) -> Vec<String> {
        self.inner
            .lock()
            .map(|i| i.banks.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// `/sandbox/public_token/create`: a token for `username`'s bank.
    pub fn create_public_token(
        &self,
        username: &str,
        webhook: Option<String>,
        days_requested: u32,
        now: DateTime<Utc>,
    ) -> Result<String, PlaidError> {
        let mut inner = self.lock()?;
        if !inner.banks.contains_key(username) && !TEST_USERS.contains(&username) {
            return Err(PlaidError::new(ErrorCode::InvalidCredentials));
        }
        let token = format!("public-sandbox-{}", uuid(&mut inner.rng));
        inner.public_tokens.insert(
            token.clone(),
            PublicToken {
                username: username.to_string(),
                created: now,
                webhook,
                days_requested,
            },
        );
        Ok(token)
    }

    /// `/item/public_token/exchange`: a new Item. A token is spent by its
    /// exchange and dies 30 minutes after its creation.
    pub fn exchange(&self, public_token: &str, now: DateTime<Utc>) -> Result<Linked, PlaidError> {
        let mut inner = self.lock()?;
        if !public_token.starts_with("public-") {
            return Err(PlaidError::new(ErrorCode::InvalidPublicToken));
        }
        let token = inner.public_tokens.remove(public_token).ok_or_else(|| {
            PlaidError::with_message(
                ErrorCode::InvalidPublicToken,
                "provided public token was not found or was already exchanged",
            )
        })?;
        if now - token.created > Duration::minutes(PUBLIC_TOKEN_TTL_MINUTES) {
            return Err(PlaidError::with_message(
                ErrorCode::InvalidPublicToken,
                "provided public token is expired. Public tokens expire 30 minutes after creation at which point they can no longer be exchanged",
            ));
        }
        let bank = match inner.banks.get(&token.username) {
            Some(bank) => bank.clone(),
            None => sample_bank(&token.username, mix(self.seed, &token.username), now.date_naive()),
        };
        let derived = derive(&bank, now.date_naive())
            .map_err(|e| PlaidError::with_message(ErrorCode::InternalServerError, e.to_string()))?;
        let item_id = alnum(&mut inner.rng, 37);
        let access_token = format!("access-sandbox-{}", uuid(&mut inner.rng));
        let item = Item::new(
            NewItem {
                item_id: item_id.clone(),
                access_token: access_token.clone(),
                username: bank.username.clone(),
                institution_id: bank.institution_id.clone(),
                accounts: bank.accounts.clone(),
                postings: bank.postings.iter().map(PostingRef::from).collect(),
                webhook: token.webhook,
                days_requested: token.days_requested,
                not_ready_polls: bank.not_ready_polls,
            },
            derived,
            now,
        );
        inner.by_token.insert(access_token.clone(), item_id.clone());
        inner.items.insert(item_id.clone(), item);
        Ok(Linked { item_id, access_token })
    }

    /// The Item id of an access token.
    pub fn item_id_of(&self, access_token: &str) -> Option<String> {
        self.inner.lock().ok()?.by_token.get(access_token).cloned()
    }

    /// Every Item id.
    pub fn item_ids(&self) -> Vec<String> {
        self.inner
            .lock()
            .map(|i| i.items.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Runs `f` on the Item of `access_token`, brought up to `now` first.
    pub fn with_token<T>(
        &self,
        access_token: &str,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Item, &Webhooks) -> Result<T, PlaidError>,
    ) -> Result<T, PlaidError> {
        let mut inner = self.lock()?;
        let item_id = inner.by_token.get(access_token).cloned().ok_or_else(|| {
            let code = ErrorCode::InvalidAccessToken;
            if access_token.starts_with("access-") {
                PlaidError::with_message(code, "could not find matching access token")
            } else {
                PlaidError::new(code)
            }
        })?;
        let item = inner
            .items
            .get_mut(&item_id)
            .ok_or_else(|| PlaidError::with_message(ErrorCode::InvalidAccessToken, "the Item was removed"))?;
        self.refresh(item, now);
        f(item, &self.webhooks)
    }

    /// Runs `f` on the Item `item_id`, brought up to `now` first.
    pub fn with_item<T>(
        &self,
        item_id: &str,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Item, &Webhooks) -> T,
    ) -> Option<T> {
        let mut inner = self.inner.lock().ok()?;
        let item = inner.items.get_mut(item_id)?;
        self.refresh(item, now);
        Some(f(item, &self.webhooks))
    }

    /// Brings every Item up to `now` (after the clock moved), sending webhooks.
    pub fn refresh_all(&self, now: DateTime<Utc>) {
        if let Ok(mut inner) = self.inner.lock() {
            for item in inner.items.values_mut() {
                self.refresh(item, now);
            }
        }
    }

    fn refresh(&self, item: &mut Item, now: DateTime<Utc>) {
        if item.catch_up(now) && item.sync_called && item.not_ready_polls == 0 {
            notify(item, &self.webhooks, &sync_updates_available(&item.item_id), now);
        }
    }
}

/// Sends `body` to the Item's webhook URL (if it has one) and remembers it
/// as the Item's last webhook.
pub fn notify(item: &mut Item, webhooks: &Webhooks, body: &serde_json::Value, now: DateTime<Utc>) -> bool {
    let code = body["webhook_code"].as_str().unwrap_or_default().to_string();
    item.last_webhook = Some((code, now));
    match &item.webhook {
        Some(url) if !url.is_empty() => {
            webhooks.send(url, body);
            true
        }
        _ => false,
    }
}

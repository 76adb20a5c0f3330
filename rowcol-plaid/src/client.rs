//! `PlaidClient`: linking an Item, its accounts with cached and live
//! balances, and the webhook keys; the sync loop is in [`crate::sync`].

use std::fmt;
use std::sync::Arc;

use rowcol_core::{ErrorContext, RailErrorKind, RealmId, Result, RowcolError, SyncPolicy};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::config::PlaidConfig;
use crate::error::{self, Sent};
use crate::http::{Api, Calls, Request};
use crate::model::{PlaidAccount, Unreadable};

/// One Item as the client reaches it: its id, its access token (never
/// printed) and the context its errors carry (client, rail, Item).
#[derive(Clone)]
pub struct ItemAccess {
    /// The Item id.
    pub item_id: RealmId,
    /// The Item's access token.
    pub access_token: SecretString,
    /// Client, rail and Item, named by every error.
    pub context: ErrorContext,
}

impl fmt::Debug for ItemAccess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemAccess")
            .field("item_id", &self.item_id)
            .field("access_token", &"[redacted]")
            .field("context", &self.context)
            .finish()
    }
}

impl ItemAccess {
    /// A request about this Item to `path`.
    fn request<'a>(&'a self, path: &'a str) -> Request<'a> {
        Request {
            path,
            context: &self.context,
            item: Some(&self.item_id),
            sent: Sent::Other,
        }
    }

    /// An error about this Item that Plaid did not answer (a garbled or
    /// refused-before-sending call).
    pub(crate) fn refusal(&self, kind: RailErrorKind, what: &str, calls: &Calls) -> RowcolError {
        let mut failure = error::failure(None, None, what);
        failure.api_calls = calls.get();
        RowcolError::rail(kind, self.context.clone(), failure)
    }
}

/// A linked Item: what `/item/public_token/exchange` answers.
#[derive(Clone)]
pub struct LinkedItem {
    /// The Item id (webhooks name it).
    pub item_id: RealmId,
    /// The access token; it does not expire (PLAID.md §1.1): seal it.
    pub access_token: SecretString,
}

impl fmt::Debug for LinkedItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LinkedItem")
            .field("item_id", &self.item_id)
            .field("access_token", &"[redacted]")
            .finish()
    }
}

/// An Item's accounts with balances.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountsAnswer {
    /// The accounts read.
    pub accounts: Vec<PlaidAccount>,
    /// Accounts that could not be read, with why.
    pub unreadable: Vec<Unreadable>,
    /// Requests sent.
    pub api_calls: u32,
}

/// A Plaid API client for one app. Share one per process
/// (`Arc<PlaidClient>`): the per-Item limits are per instance.
pub struct PlaidClient {
    pub(crate) api: Api,
}

impl fmt::Debug for PlaidClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlaidClient")
            .field("config", &self.api.config)
            .finish_non_exhaustive()
    }
}

fn accounts_of(body: &Value, api_calls: u32) -> AccountsAnswer {
    let mut answer = AccountsAnswer {
        api_calls,
        ..AccountsAnswer::default()
    };
    for value in body.get("accounts").and_then(Value::as_array).into_iter().flatten() {
        match PlaidAccount::parse(value) {
            Ok(account) => answer.accounts.push(account),
            Err(bad) => answer.unreadable.push(bad),
        }
    }
    answer
}

impl PlaidClient {
    /// A client over `config`, retrying and limiting under `policy`.
    pub fn new(config: PlaidConfig, policy: Arc<dyn SyncPolicy>) -> Result<Self> {
        Ok(PlaidClient {
            api: Api::new(Arc::new(config), policy)?,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &PlaidConfig {
        &self.api.config
    }

    /// Requests sent since the client was made (every attempt).
    pub fn total_calls(&self) -> u64 {
        self.api.total_calls()
    }

    /// Links an Item: exchanges Link's `public_token` (single use, 30
    /// minutes) for the Item's access token and id.
    pub async fn exchange_public_token(
        &self,
        context: &ErrorContext,
        public_token: &SecretString,
    ) -> Result<LinkedItem> {
        let calls = Calls::default();
        let request = Request {
            path: "/item/public_token/exchange",
            context,
            item: None,
            sent: Sent::Other,
        };
        let body = json!({ "public_token": public_token.expose_secret() });
        let answer = self.api.call(request, &body, &calls).await?;
        let garbled = |what: &str| {
            let mut failure = error::failure(Some(200), None, what);
            failure.api_calls = calls.get();
            RowcolError::rail(RailErrorKind::Transient, context.clone(), failure)
        };
        let item_id = answer
            .get("item_id")
            .and_then(Value::as_str)
            .and_then(|id| id.parse::<RealmId>().ok())
            .ok_or_else(|| garbled("exchange answered no usable item_id"))?;
        let access_token = answer
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| garbled("exchange answered no access_token"))?;
        Ok(LinkedItem {
            item_id,
            access_token: SecretString::from(access_token.to_owned()),
        })
    }

    /// `/accounts/get`: the Item's accounts with Plaid's cached balances
    /// (each with `last_updated_datetime`: say how old they are).
    pub async fn accounts(&self, item: &ItemAccess) -> Result<AccountsAnswer> {
        let calls = Calls::default();
        let body = json!({ "access_token": item.access_token.expose_secret() });
        let answer = self.api.call(item.request("/accounts/get"), &body, &calls).await?;
        Ok(accounts_of(&answer, calls.get()))
    }

    /// `/accounts/balance/get`: balances read from the bank now.
    ///
    /// At most [`PlaidConfig::balance_calls_per_window`] a window per Item
    /// (Plaid: 5 a minute): past it the answer is `Throttled` with the wait,
    /// without a call. One attempt, within [`crate::Timeouts::live`]: the
    /// caller falls back to the mirror's balance, so a retry would only
    /// spend the Item's five.
    pub async fn live_balances(&self, item: &ItemAccess) -> Result<AccountsAnswer> {
        let calls = Calls::default();
        if let Err(wait) = self.api.limits.take_balance_call(&item.item_id) {
            return Err(item.refusal(
                RailErrorKind::Throttled {
                    retry_after: Some(wait),
                },
                "Plaid's live balance limit for this Item is spent (5 a minute); not called",
                &calls,
            ));
        }
        let body = json!({ "access_token": item.access_token.expose_secret() });
        let limit = self.api.config.timeouts.live;
        let call = self.api.call_once(item.request("/accounts/balance/get"), &body, &calls);
        match tokio::time::timeout(limit, call).await {
            Ok(answer) => Ok(accounts_of(&answer?, calls.get())),
            Err(_) => Err(item.refusal(
                RailErrorKind::Timeout,
                &format!("live balances not read within {limit:?}"),
                &calls,
            )),
        }
    }

    /// `/webhook_verification_key/get`: the JWK of `kid`, `None` when Plaid
    /// does not know it.
    pub(crate) async fn webhook_key(&self, kid: &str) -> Result<Option<Value>> {
        let calls = Calls::default();
        let context = ErrorContext::default();
        let request = Request {
            path: "/webhook_verification_key/get",
            context: &context,
            item: None,
            sent: Sent::Other,
        };
        match self.api.call(request, &json!({ "key_id": kid }), &calls).await {
            Ok(answer) => Ok(answer.get("key").cloned()),
            Err(e) if e.rail_kind() == Some(&RailErrorKind::Invalid) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

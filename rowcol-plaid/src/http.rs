//! Sending one request to Plaid: the app's credentials in Plaid's headers,
//! inside the Item's limits, each failure turned into a `RowcolError::Rail`
//! naming client, rail, Item, endpoint, Plaid's code and request id (never a
//! token or the secret). [`Api::call`] retries under the `SyncPolicy`;
//! [`Api::call_once`] does not, for the sync loop, which restarts a whole
//! update instead of retrying a page.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use rowcol_core::{ErrorContext, RailErrorKind, RealmId, Result, RetryDecision, RowcolError, SyncPolicy};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::config::{API_VERSION, PlaidConfig};
use crate::error::{self, PlaidErrorBody, Sent};
use crate::limits::{BalanceLimits, Limits};

/// Requests sent for one operation (every attempt that went out).
#[derive(Debug, Default)]
pub(crate) struct Calls(AtomicU32);

impl Calls {
    /// How many so far.
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

/// One request, described without sending it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Request<'a> {
    /// The endpoint (`/transactions/sync`).
    pub path: &'a str,
    /// Client, rail and Item, for errors.
    pub context: &'a ErrorContext,
    /// The Item whose limits apply (`None`: calls about no Item, such as a
    /// token exchange or a webhook key).
    pub item: Option<&'a RealmId>,
    /// What the request was, where that changes a code's meaning.
    pub sent: Sent,
}

/// The request sender shared by every operation of a client.
pub(crate) struct Api {
    pub(crate) config: Arc<PlaidConfig>,
    http: reqwest::Client,
    pub(crate) limits: Limits,
    pub(crate) policy: Arc<dyn SyncPolicy>,
    total: AtomicU64,
}

impl Api {
    pub(crate) fn new(config: Arc<PlaidConfig>, policy: Arc<dyn SyncPolicy>) -> Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.timeouts.connect)
            .timeout(config.timeouts.request)
            .build()
            .map_err(|e| RowcolError::InvalidInput {
                context: ErrorContext::default(),
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        let limits = Limits::new(
            policy.rate_limit(rowcol_core::Rail::Plaid),
            config.rate_window,
            config.client_calls_per_window,
            BalanceLimits {
                per_item: config.balance_calls_per_window,
                per_client: config.client_balance_calls_per_window,
                window: config.balance_window,
            },
        );
        Ok(Api {
            config,
            http,
            limits,
            policy,
            total: AtomicU64::new(0),
        })
    }

    /// Requests sent since the client was made (retries included).
    pub(crate) fn total_calls(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Sends `body` to the endpoint, retrying under the policy.
    pub(crate) async fn call(&self, request: Request<'_>, body: &Value, calls: &Calls) -> Result<Value> {
        self.retrying(|| self.call_once(request, body, calls)).await
    }

    /// Runs `op` until it succeeds or the policy gives up, sleeping the
    /// policy's wait in between; the error given up on carries the calls made.
    pub(crate) async fn retrying<T, F, Fut>(&self, mut op: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let mut attempt = 1;
        loop {
            let error = match op().await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            // The thread-local generator is not `Send`: draw before any await.
            let decision = self.policy.retry(&error, attempt, &mut rand::rng());
            match decision {
                RetryDecision::RetryAfter(wait) => {
                    tracing::debug!(attempt, ?wait, %error, "trying a Plaid operation again");
                    tokio::time::sleep(wait).await;
                }
                RetryDecision::GiveUp(reason) => {
                    tracing::debug!(attempt, %reason, "giving up on a Plaid operation");
                    return Err(error);
                }
            }
            attempt += 1;
        }
    }

    /// Sends `body` once.
    pub(crate) async fn call_once(&self, request: Request<'_>, body: &Value, calls: &Calls) -> Result<Value> {
        let refuse = |kind: RailErrorKind, status: Option<u16>, parsed: Option<&PlaidErrorBody>, what: &str| {
            let mut failure = error::failure(status, parsed, &format!("{what} ({})", request.path));
            failure.api_calls = calls.get();
            RowcolError::rail(kind, request.context.clone(), failure)
        };
        let url = self
            .config
            .endpoint(request.path)
            .map_err(|e| refuse(RailErrorKind::Invalid, None, None, &e.to_string()))?;
        self.limits.admit(request.item).await;
        calls.0.fetch_add(1, Ordering::Relaxed);
        self.total.fetch_add(1, Ordering::Relaxed);
        let sent = self
            .http
            .post(url)
            .header("PLAID-CLIENT-ID", &self.config.client_id)
            .header("PLAID-SECRET", self.config.secret.expose_secret())
            .header("Plaid-Version", API_VERSION)
            .json(body)
            .send()
            .await;
        let transport = |e: &reqwest::Error| {
            let (kind, what) = if e.is_timeout() {
                (RailErrorKind::Timeout, "no answer in time")
            } else if e.is_connect() {
                (RailErrorKind::Transient, "could not connect")
            } else {
                (RailErrorKind::Transient, "connection dropped")
            };
            refuse(kind, None, None, what)
        };
        let response = sent.map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        let hint = error::retry_after(response.headers());
        let bytes = response.bytes().await.map_err(|e| transport(&e))?;
        if (200..300).contains(&status) {
            return serde_json::from_slice::<Value>(&bytes)
                .map_err(|_| refuse(RailErrorKind::Transient, Some(status), None, "answer is not valid JSON"));
        }
        let parsed = PlaidErrorBody::parse(&bytes);
        let kind = error::classify(status, parsed.as_ref(), hint, request.sent);
        Err(refuse(kind, Some(status), parsed.as_ref(), "Plaid refused the request"))
    }
}

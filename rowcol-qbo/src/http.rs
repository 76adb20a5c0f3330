//! Sending one QBO API request: inside the realm's limits, with a fresh
//! access token, retried under the `SyncPolicy`, refreshed once on 401, and
//! every failure turned into a `RowcolError::Rail` with realm, kind, status,
//! QBO code and `intuit_tid` (never a token).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use rowcol_core::{
    Connection, EntityKind, ErrorContext, OAuthTokens, Rail, RailErrorKind, Result, RowcolError, SyncPolicy,
};
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::config::QboConfig;
use crate::fault::{self, QboFault};
use crate::limits::Limits;
use crate::oauth::TokenKeeper;
use crate::retry::{Jitter, retrying};

/// One request to a realm's API, described without sending it.
#[derive(Debug, Clone)]
pub(crate) struct ApiRequest {
    /// Path under `/v3/company/{realm}/` (`query`, `cdc`, `batch`, `bill/42`).
    pub path: String,
    /// Query parameters besides `minorversion`.
    pub params: Vec<(&'static str, String)>,
    /// A JSON body: sent as POST when present, else GET.
    pub body: Option<Value>,
    /// The kind the request is about, for error context.
    pub kind: Option<EntityKind>,
}

impl ApiRequest {
    /// `GET path?params`.
    pub(crate) fn get(path: impl Into<String>, params: Vec<(&'static str, String)>, kind: Option<EntityKind>) -> Self {
        ApiRequest {
            path: path.into(),
            params,
            body: None,
            kind,
        }
    }

    /// `POST path` with a JSON body.
    pub(crate) fn post(path: impl Into<String>, body: Value) -> Self {
        ApiRequest {
            path: path.into(),
            params: Vec::new(),
            body: Some(body),
            kind: None,
        }
    }
}

/// A successful answer: the JSON body (numbers kept as their text).
#[derive(Debug, Clone)]
pub(crate) struct ApiAnswer {
    /// The parsed body.
    pub body: Value,
}

/// API calls made for one port operation (every attempt that went out).
#[derive(Debug, Default)]
pub(crate) struct CallCount(AtomicU32);

impl CallCount {
    pub(crate) fn get(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The request sender shared by every operation of a rail.
pub(crate) struct Api {
    pub(crate) config: Arc<QboConfig>,
    http: reqwest::Client,
    limits: Limits,
    pub(crate) tokens: TokenKeeper,
    policy: Arc<dyn SyncPolicy>,
    pub(crate) jitter: Arc<Jitter>,
    total: AtomicU64,
}

/// The error context of a request: client, realm and kind.
pub(crate) fn context(connection: &Connection, kind: Option<EntityKind>) -> ErrorContext {
    let ctx = ErrorContext::client(&connection.client).with_realm(Rail::Qbo, &connection.realm);
    match kind {
        Some(kind) => ctx.with_kind(kind),
        None => ctx,
    }
}

fn transport_error(connection: &Connection, request: &ApiRequest, error: &reqwest::Error) -> RowcolError {
    let (kind, what) = if error.is_timeout() {
        (RailErrorKind::Timeout, "no answer in time")
    } else if error.is_connect() {
        (RailErrorKind::Transient, "could not connect")
    } else {
        (RailErrorKind::Transient, "connection dropped")
    };
    RowcolError::rail(
        kind,
        context(connection, request.kind),
        fault::failure(None, None, None, &format!("{what} ({})", request.path_label())),
    )
}

impl ApiRequest {
    /// The path without ids or statements, for messages.
    fn path_label(&self) -> &str {
        self.path.split('/').next().unwrap_or_default()
    }
}

impl Api {
    pub(crate) fn new(
        config: Arc<QboConfig>,
        http: reqwest::Client,
        limits: Limits,
        tokens: TokenKeeper,
        (policy, jitter): (Arc<dyn SyncPolicy>, Arc<Jitter>),
    ) -> Self {
        Api {
            config,
            http,
            limits,
            tokens,
            policy,
            jitter,
            total: AtomicU64::new(0),
        }
    }

    /// API requests sent by this rail since it was made (retries included).
    pub(crate) fn total_calls(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    /// Sends `request`, retrying under the policy; counts every attempt in `count`.
    pub(crate) async fn send(
        &self,
        connection: &Connection,
        request: &ApiRequest,
        count: &CallCount,
    ) -> Result<ApiAnswer> {
        retrying(self.policy.as_ref(), &self.jitter, |_| {
            self.attempt(connection, request, count)
        })
        .await
        .map_err(|mut error| {
            // The operation's calls so far, this request's retries
            // included: failed work spends the budget too.
            if let RowcolError::Rail { failure, .. } = &mut error {
                failure.api_calls = count.get();
            }
            error
        })
    }

    async fn attempt(&self, connection: &Connection, request: &ApiRequest, count: &CallCount) -> Result<ApiAnswer> {
        let creds = self.tokens.current(connection).await?;
        let url = self
            .config
            .company_url(connection.realm.as_str(), &request.path)
            .map_err(|e| {
                RowcolError::rail(
                    RailErrorKind::Invalid,
                    context(connection, request.kind),
                    fault::failure(None, None, None, &e.to_string()),
                )
            })?;
        let mut params = request.params.clone();
        params.push(("minorversion", self.config.minor_version.to_string()));
        let builder = match &request.body {
            Some(body) => self.http.post(url).json(body),
            None => self.http.get(url),
        }
        .query(&params)
        .bearer_auth(creds.access_token.expose_secret())
        .header(reqwest::header::ACCEPT, "application/json");

        let slot = self.limits.admit(&connection.realm).await;
        count.0.fetch_add(1, Ordering::Relaxed);
        self.total.fetch_add(1, Ordering::Relaxed);
        let response = builder
            .send()
            .await
            .map_err(|e| transport_error(connection, request, &e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| transport_error(connection, request, &e))?;
        drop(slot);
        let trace_id = headers
            .get("intuit_tid")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if (200..300).contains(&status) {
            return match serde_json::from_slice::<Value>(&body) {
                Ok(body) => Ok(ApiAnswer { body }),
                Err(_) => Err(RowcolError::rail(
                    RailErrorKind::Transient,
                    context(connection, request.kind),
                    fault::failure(Some(status), None, trace_id, "answer is not valid JSON"),
                )),
            };
        }
        let parsed = QboFault::parse(&body);
        let kind = fault::classify(status, parsed.as_ref(), fault::retry_after(&headers));
        let error = RowcolError::rail(
            kind.clone(),
            context(connection, request.kind),
            fault::failure(Some(status), parsed.as_ref(), trace_id, "QBO refused the request"),
        );
        if kind == RailErrorKind::Unauthorized {
            // Refresh now; the policy then allows exactly one more attempt.
            self.refresh_after(connection, &creds).await?;
        }
        Err(error)
    }

    async fn refresh_after(&self, connection: &Connection, refused: &OAuthTokens) -> Result<()> {
        self.tokens.after_refusal(connection, refused).await.map(|_| ())
    }
}

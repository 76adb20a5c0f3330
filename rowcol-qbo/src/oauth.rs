//! OAuth 2.0 with Intuit: the authorization URL, the code exchange, and
//! access tokens kept fresh.
//!
//! Refresh rules (API.md "OAuth 2.0"):
//! - a rotated refresh token is saved through the `CredentialStore` *before*
//!   the new access token is used, so a crash right after loses nothing;
//! - refresh is single-flight per connection inside the process (an async
//!   mutex) and guarded across processes by a `LeaseStore` lease named
//!   `refresh:{client}:qbo`; after getting the lease the credentials are
//!   loaded again and, if another process already rotated them, theirs are used;
//! - `invalid_grant` is final: `RailErrorKind::NeedsReauth`, never retried,
//!   but only when the server saying it is the configured authorization
//!   server: its OpenID discovery document must name the configured
//!   `issuer`. Otherwise (a base URL pointing at another server) it is
//!   `RailErrorKind::Invalid`, naming both issuers, and the connection is
//!   not marked for reconnecting.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Url;
use rowcol_core::{
    ClientId, Clock, Connection, CredentialStore, ErrorContext, LeaseStore, OAuthTokens, Rail, RailCredentials,
    RailErrorKind, RailFailure, Result, RowcolError, SyncPolicy,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::config::{ACCOUNTING_SCOPE, QboConfig};
use crate::fault::truncate;
use crate::retry::{Jitter, retrying};

/// How often a refresher waiting for another process's lease looks again.
const LEASE_POLL: Duration = Duration::from_millis(50);

/// The token endpoint's answer. No `Debug`: it holds tokens.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
    x_refresh_token_expires_in: Option<i64>,
}

#[derive(Deserialize)]
struct TokenRefusal {
    error: Option<String>,
}

/// The one field of an OpenID discovery document the keeper reads.
#[derive(Deserialize)]
struct Discovery {
    issuer: Option<String>,
}

/// Keeps every connection's tokens fresh. Shared by all tasks of a rail.
pub(crate) struct TokenKeeper {
    config: Arc<QboConfig>,
    http: reqwest::Client,
    credentials: Arc<dyn CredentialStore>,
    leases: Arc<dyn LeaseStore>,
    policy: Arc<dyn SyncPolicy>,
    jitter: Arc<Jitter>,
    clock: Arc<dyn Clock>,
    /// This process's name on leases.
    holder: String,
    cache: Mutex<HashMap<ClientId, OAuthTokens>>,
    flights: Mutex<HashMap<ClientId, Arc<tokio::sync::Mutex<()>>>>,
    refreshes: AtomicU64,
    /// The discovery document named the configured issuer once already.
    issuer_confirmed: AtomicBool,
}

/// The code on the error for a token server whose issuer is not the
/// configured one: a configuration error, not a dead connection.
pub const ISSUER_MISMATCH: &str = "IssuerMismatch";

fn context(connection: &Connection) -> ErrorContext {
    ErrorContext::client(&connection.client).with_realm(Rail::Qbo, &connection.realm)
}

fn oauth_error(kind: RailErrorKind, connection: &Connection, status: Option<u16>, message: String) -> RowcolError {
    RowcolError::rail(
        kind,
        context(connection),
        RailFailure {
            http_status: status,
            code: None,
            trace_id: None,
            message,
            api_calls: 0,
        },
    )
}

impl TokenKeeper {
    pub(crate) fn new(
        config: Arc<QboConfig>,
        http: reqwest::Client,
        credentials: Arc<dyn CredentialStore>,
        leases: Arc<dyn LeaseStore>,
        (policy, jitter): (Arc<dyn SyncPolicy>, Arc<Jitter>),
        clock: Arc<dyn Clock>,
    ) -> Self {
        let holder = format!("qbo-{}-{:016x}", std::process::id(), rand::random::<u64>());
        TokenKeeper {
            config,
            http,
            credentials,
            leases,
            policy,
            jitter,
            clock,
            holder,
            cache: Mutex::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
            refreshes: AtomicU64::new(0),
            issuer_confirmed: AtomicBool::new(false),
        }
    }

    /// Token-endpoint calls made by this keeper (refreshes and code exchanges).
    pub(crate) fn token_calls(&self) -> u64 {
        self.refreshes.load(Ordering::Relaxed)
    }

    /// The URL to send a user to so they connect a company; `state` comes back
    /// on the redirect (check it against the session to stop CSRF).
    pub(crate) fn authorization_url(&self, state: &str) -> Url {
        let mut url = self.config.auth_url.clone();
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("response_type", "code")
            .append_pair("scope", ACCOUNTING_SCOPE)
            .append_pair("redirect_uri", &self.config.redirect_uri)
            .append_pair("state", state);
        url
    }

    /// Exchanges an authorization code for tokens and saves them.
    pub(crate) async fn exchange_code(&self, connection: &Connection, code: &str) -> Result<OAuthTokens> {
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.config.redirect_uri.as_str()),
        ];
        let fresh = self.token_call(connection, &form).await?;
        self.save(connection, &fresh).await?;
        self.remember(connection, &fresh);
        Ok(fresh)
    }

    /// Credentials whose access token is good for at least the refresh margin.
    pub(crate) async fn current(&self, connection: &Connection) -> Result<OAuthTokens> {
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&connection.client)
            .cloned();
        let creds = match cached {
            Some(c) => c,
            None => self.load(connection).await?,
        };
        if self.expiring(&creds) {
            self.refresh(connection, &creds).await
        } else {
            self.remember(connection, &creds);
            Ok(creds)
        }
    }

    /// Fresh credentials after QBO refused `refused`'s access token.
    pub(crate) async fn after_refusal(&self, connection: &Connection, refused: &OAuthTokens) -> Result<OAuthTokens> {
        self.refresh(connection, refused).await
    }

    fn expiring(&self, creds: &OAuthTokens) -> bool {
        let margin =
            chrono::Duration::from_std(self.config.refresh_margin).unwrap_or_else(|_| chrono::Duration::zero());
        creds.access_expires_within(self.clock.now(), margin)
    }

    fn remember(&self, connection: &Connection, creds: &OAuthTokens) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(connection.client.clone(), creds.clone());
    }

    async fn load(&self, connection: &Connection) -> Result<OAuthTokens> {
        match self.credentials.load_credentials(&connection.client, Rail::Qbo).await? {
            Some(RailCredentials::OAuth(tokens)) => Ok(tokens),
            Some(other) => Err(oauth_error(
                RailErrorKind::NeedsReauth,
                connection,
                None,
                format!("the stored QBO credentials are {}, not OAuth tokens", other.scheme()),
            )),
            None => Err(oauth_error(
                RailErrorKind::NeedsReauth,
                connection,
                None,
                "no QBO credentials stored for this client".to_owned(),
            )),
        }
    }

    async fn save(&self, connection: &Connection, creds: &OAuthTokens) -> Result<()> {
        let stored = RailCredentials::OAuth(creds.clone());
        retrying(self.policy.as_ref(), &self.jitter, |_| {
            self.credentials
                .save_credentials(&connection.client, Rail::Qbo, &stored)
        })
        .await
    }

    fn flight(&self, client: &ClientId) -> Arc<tokio::sync::Mutex<()>> {
        Arc::clone(
            self.flights
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(client.clone())
                .or_default(),
        )
    }

    /// Usable credentials when `stale` is no longer good: someone else's
    /// rotation if there was one, else a refresh of our own.
    async fn refresh(&self, connection: &Connection, stale: &OAuthTokens) -> Result<OAuthTokens> {
        let flight = self.flight(&connection.client);
        let _single = flight.lock().await;
        // Another task of this process (or another process) may have rotated
        // while we waited.
        let stored = self.load(connection).await?;
        if !stored.same_tokens(stale) && !self.expiring(&stored) {
            self.remember(connection, &stored);
            return Ok(stored);
        }
        let lease = format!("refresh:{}:{}", connection.client, Rail::Qbo);
        let ttl = self.config.refresh_lease_ttl;
        let deadline = tokio::time::Instant::now() + ttl * 2;
        loop {
            if self.leases.try_acquire(&lease, &self.holder, ttl).await? {
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(oauth_error(
                    RailErrorKind::Transient,
                    connection,
                    None,
                    "another process holds the token-refresh lease".to_owned(),
                ));
            }
            tokio::time::sleep(LEASE_POLL).await;
            let now_stored = self.load(connection).await?;
            if !now_stored.same_tokens(&stored) && !self.expiring(&now_stored) {
                self.remember(connection, &now_stored);
                return Ok(now_stored);
            }
        }
        let outcome = self.refresh_under_lease(connection, &stored).await;
        if let Err(error) = self.leases.release(&lease, &self.holder).await {
            tracing::warn!(%error, client = %connection.client, "could not release the refresh lease; it expires by itself");
        }
        outcome
    }

    async fn refresh_under_lease(&self, connection: &Connection, before: &OAuthTokens) -> Result<OAuthTokens> {
        // Between our last look and the lease, another process may have rotated.
        let latest = self.load(connection).await?;
        if !latest.same_tokens(before) && !self.expiring(&latest) {
            self.remember(connection, &latest);
            return Ok(latest);
        }
        let refresh_token = latest.refresh_token.expose_secret().to_owned();
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.as_str()),
        ];
        let fresh = self.token_call(connection, &form).await?;
        // Durable before use: the old refresh token is already spent.
        self.save(connection, &fresh).await?;
        self.remember(connection, &fresh);
        tracing::info!(client = %connection.client, realm = %connection.realm, "QBO tokens refreshed");
        Ok(fresh)
    }

    /// One grant at the token endpoint, retried under the policy for
    /// transient failures; `invalid_grant` is final.
    async fn token_call(&self, connection: &Connection, form: &[(&str, &str)]) -> Result<OAuthTokens> {
        retrying(self.policy.as_ref(), &self.jitter, |_| async {
            self.refreshes.fetch_add(1, Ordering::Relaxed);
            let sent = self
                .http
                .post(self.config.token_url.clone())
                .basic_auth(&self.config.client_id, Some(self.config.client_secret.expose_secret()))
                .header(reqwest::header::ACCEPT, "application/json")
                .form(form)
                .send()
                .await;
            let response = sent.map_err(|e| {
                let kind = if e.is_timeout() {
                    RailErrorKind::Timeout
                } else {
                    RailErrorKind::Transient
                };
                oauth_error(kind, connection, None, "token endpoint unreachable".to_owned())
            })?;
            let status = response.status().as_u16();
            let body = response.bytes().await.map_err(|_| {
                oauth_error(
                    RailErrorKind::Transient,
                    connection,
                    Some(status),
                    "token answer cut short".to_owned(),
                )
            })?;
            if (200..300).contains(&status) {
                let answer: TokenAnswer = serde_json::from_slice(&body).map_err(|_| {
                    oauth_error(
                        RailErrorKind::Transient,
                        connection,
                        Some(status),
                        "token answer is not valid JSON".to_owned(),
                    )
                })?;
                return Ok(self.credentials_from(answer));
            }
            let refusal = serde_json::from_slice::<TokenRefusal>(&body).ok().and_then(|r| r.error);
            let kind = match (status, refusal.as_deref()) {
                (_, Some("invalid_grant")) => {
                    // Final only if the configured server said it.
                    self.confirm_issuer(connection).await?;
                    RailErrorKind::NeedsReauth
                }
                (500..=599, _) => RailErrorKind::Transient,
                (429, _) => RailErrorKind::Throttled { retry_after: None },
                _ => RailErrorKind::Forbidden,
            };
            let said = refusal
                .map(|r| truncate(&r))
                .unwrap_or_else(|| "no error code".to_owned());
            Err(oauth_error(
                kind,
                connection,
                Some(status),
                format!("token endpoint refused the grant: {said}"),
            ))
        })
        .await
    }

    /// Checks that the configured discovery document names the configured
    /// issuer: `Invalid` (a configuration error, never retried) when it does
    /// not or is not a discovery document, `Transient` when it cannot be read.
    async fn confirm_issuer(&self, connection: &Connection) -> Result<()> {
        if self.issuer_confirmed.load(Ordering::Relaxed) {
            return Ok(());
        }
        let url = &self.config.discovery_url;
        let unreadable = |status: Option<u16>| {
            oauth_error(
                RailErrorKind::Transient,
                connection,
                status,
                format!("cannot read the discovery document at {url} to confirm the token server"),
            )
        };
        let response = self
            .http
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|_| unreadable(None))?;
        let status = response.status().as_u16();
        if status >= 500 || status == 429 {
            return Err(unreadable(Some(status)));
        }
        let body = response.bytes().await.map_err(|_| unreadable(Some(status)))?;
        let found = serde_json::from_slice::<Discovery>(&body).ok().and_then(|d| d.issuer);
        let expected = &self.config.issuer;
        if found.as_deref() == Some(expected.as_str()) {
            self.issuer_confirmed.store(true, Ordering::Relaxed);
            return Ok(());
        }
        let found = found.map_or_else(|| format!("no issuer at {url}"), |f| truncate(&f));
        let mut error = oauth_error(
            RailErrorKind::Invalid,
            connection,
            Some(status),
            format!(
                "the token server is not the configured QBO authorization server (expected issuer {expected}, \
                 found {found}): check the QBO environment setting; its invalid_grant is ignored and the \
                 connection left as it was"
            ),
        );
        if let RowcolError::Rail { failure, .. } = &mut error {
            failure.code = Some(ISSUER_MISMATCH.to_owned());
        }
        Err(error)
    }

    fn credentials_from(&self, answer: TokenAnswer) -> OAuthTokens {
        let now: DateTime<Utc> = self.clock.now();
        OAuthTokens {
            access_token: SecretString::from(answer.access_token),
            access_expires_at: now + chrono::Duration::seconds(answer.expires_in),
            refresh_token: SecretString::from(answer.refresh_token),
            refresh_expires_at: answer
                .x_refresh_token_expires_in
                .map(|secs| now + chrono::Duration::seconds(secs)),
        }
    }
}

//! How to reach Plaid: the host, the app's credentials, timeouts and the
//! limits Plaid counts per Item.

use std::fmt;
use std::time::Duration;

use reqwest::Url;
use secrecy::SecretString;

/// Plaid's production host.
pub const PRODUCTION_URL: &str = "https://production.plaid.com";
/// Plaid's sandbox host.
pub const SANDBOX_URL: &str = "https://sandbox.plaid.com";
/// The API version sent as `Plaid-Version` (PLAID.md §1.1).
pub const API_VERSION: &str = "2020-09-14";

/// Timeouts of calls to Plaid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting to the server.
    pub connect: Duration,
    /// One whole request, body included.
    pub request: Duration,
    /// The whole live-balance read: the caller falls back to the mirror
    /// after it (Plaid's live balance asks the bank itself, seconds each).
    pub live: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
            live: Duration::from_secs(30),
        }
    }
}

/// Configuration of the Plaid rail. `Debug` never shows the secret.
#[derive(Clone)]
pub struct PlaidConfig {
    /// The host every endpoint is POSTed under (`https://production.plaid.com`).
    pub base_url: Url,
    /// The app's `client_id`.
    pub client_id: String,
    /// The app's `secret` (sent in the `PLAID-SECRET` header, never logged).
    pub secret: SecretString,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// `count` asked of each `/transactions/sync` page (Plaid's most: 500).
    pub sync_page_size: u32,
    /// `/accounts/balance/get` calls allowed per Item in any
    /// [`PlaidConfig::balance_window`] (Plaid: 5 a minute).
    pub balance_calls_per_window: u32,
    /// The window of that limit: one minute against Plaid.
    pub balance_window: Duration,
    /// The window over which the policy's per-Item request rate is counted:
    /// one minute against Plaid; tests shrink it.
    pub rate_window: Duration,
    /// Requests the app (its `client_id`) sends over all Items in any
    /// [`PlaidConfig::rate_window`]. Default 5,000: Plaid's smallest
    /// per-client limit of the endpoints the rail reads in bulk (sandbox
    /// `/accounts/get`, 5,000 a minute; production allows 15,000).
    pub client_calls_per_window: u32,
    /// `/accounts/balance/get` calls the app sends over all Items in any
    /// [`PlaidConfig::balance_window`] (Plaid: 1,200 a minute per client).
    pub client_balance_calls_per_window: u32,
    /// How far a webhook's `iat` may be from our clock (Plaid: 5 minutes).
    pub webhook_max_age: Duration,
}

impl fmt::Debug for PlaidConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlaidConfig")
            .field("base_url", &self.base_url.as_str())
            .field("client_id", &self.client_id)
            .field("secret", &"[redacted]")
            .field("timeouts", &self.timeouts)
            .field("sync_page_size", &self.sync_page_size)
            .field("balance_calls_per_window", &self.balance_calls_per_window)
            .field("balance_window", &self.balance_window)
            .field("rate_window", &self.rate_window)
            .field("client_calls_per_window", &self.client_calls_per_window)
            .field("client_balance_calls_per_window", &self.client_balance_calls_per_window)
            .field("webhook_max_age", &self.webhook_max_age)
            .finish()
    }
}

/// A base URL that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid Plaid URL {url:?}: {reason}")]
pub struct ConfigError {
    /// The text given.
    pub url: String,
    /// Why it was refused.
    pub reason: String,
}

impl PlaidConfig {
    /// The app `client_id` / `secret` against `base_url` (Plaid's hosts are
    /// [`PRODUCTION_URL`] and [`SANDBOX_URL`]), with Plaid's default limits.
    pub fn new(base_url: &str, client_id: impl Into<String>, secret: SecretString) -> Result<Self, ConfigError> {
        let base_url = Url::parse(base_url.trim_end_matches('/')).map_err(|e| ConfigError {
            url: base_url.to_owned(),
            reason: e.to_string(),
        })?;
        Ok(PlaidConfig {
            base_url,
            client_id: client_id.into(),
            secret,
            timeouts: Timeouts::default(),
            sync_page_size: 500,
            balance_calls_per_window: 5,
            balance_window: Duration::from_secs(60),
            rate_window: Duration::from_secs(60),
            client_calls_per_window: 5_000,
            client_balance_calls_per_window: 1_200,
            webhook_max_age: Duration::from_secs(300),
        })
    }

    /// The look-alike (`rowcol-plaid-sim`) at `base_url` with its default app
    /// (`sim-client-id` / `sim-secret`).
    pub fn for_sim(base_url: &str) -> Result<Self, ConfigError> {
        Self::new(base_url, "sim-client-id", SecretString::from("sim-secret"))
    }

    /// The URL of an endpoint (`/transactions/sync`).
    pub(crate) fn endpoint(&self, path: &str) -> Result<Url, ConfigError> {
        let text = format!("{}{path}", self.base_url.as_str().trim_end_matches('/'));
        Url::parse(&text).map_err(|e| ConfigError {
            url: text,
            reason: e.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let config = PlaidConfig::new(SANDBOX_URL, "app", SecretString::from("s3cr3t-value")).unwrap();
        let text = format!("{config:?}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
        assert!(text.contains("[redacted]"));
    }

    #[test]
    fn endpoints_sit_under_the_host() {
        let config = PlaidConfig::for_sim("http://127.0.0.1:9/").unwrap();
        assert_eq!(
            config.endpoint("/transactions/sync").unwrap().as_str(),
            "http://127.0.0.1:9/transactions/sync"
        );
        assert!(PlaidConfig::new("not a url", "a", SecretString::from("b")).is_err());
    }
}

//! How to reach QBO: addresses, the OAuth app, the minor version, timeouts
//! and the few knobs where the issue left a choice.

use std::fmt;
use std::time::Duration;

use reqwest::Url;
use secrecy::SecretString;

/// Production API base.
pub const PRODUCTION_API: &str = "https://quickbooks.api.intuit.com";
/// Intuit's token endpoint.
pub const PRODUCTION_TOKEN_URL: &str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer";
/// Intuit's authorization (consent) page.
pub const PRODUCTION_AUTH_URL: &str = "https://appcenter.intuit.com/connect/oauth2";
/// The `issuer` of Intuit's OpenID discovery document.
pub const PRODUCTION_ISSUER: &str = "https://oauth.platform.intuit.com/op/v1";
/// Intuit's OpenID discovery document.
pub const PRODUCTION_DISCOVERY_URL: &str = "https://developer.api.intuit.com/.well-known/openid_configuration";
/// The OAuth scope for the accounting API.
pub const ACCOUNTING_SCOPE: &str = "com.intuit.quickbooks.accounting";

/// Timeouts of calls to QBO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Connecting to the server.
    pub connect: Duration,
    /// One whole request, body included (QBO itself gives up at 120 s).
    pub request: Duration,
    /// The whole live-balance read, retries included: the caller falls back
    /// to the mirror after it.
    pub live: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
            live: Duration::from_secs(5),
        }
    }
}

/// Configuration of the QBO rail. `Debug` never shows the client secret.
#[derive(Clone)]
pub struct QboConfig {
    /// API base: `https://quickbooks.api.intuit.com` (paths below it are
    /// `/v3/company/{realm}/...`).
    pub api_base: Url,
    /// The OAuth token endpoint.
    pub token_url: Url,
    /// The OAuth authorization page a user is sent to when connecting.
    pub auth_url: Url,
    /// The OpenID discovery document of the authorization server.
    pub discovery_url: Url,
    /// The `issuer` that document must name. An `invalid_grant` is believed
    /// (the connection needs the user) only from a server whose discovery
    /// document names this issuer; from any other it is a configuration
    /// error and the connection is left alone.
    pub issuer: String,
    /// The app's client id.
    pub client_id: String,
    /// The app's client secret.
    pub client_secret: SecretString,
    /// Where the authorization page sends the user back.
    pub redirect_uri: String,
    /// `minorversion` sent with every call (Intuit retires low ones).
    pub minor_version: u32,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// Rows per page of a full listing (QBO's most: 1000).
    pub page_size: u32,
    /// Most queries carried by one batch request (Intuit: 30).
    pub batch_max_items: usize,
    /// How far before the server's answer time the next CDC window starts,
    /// so that changes stamped at the window's edge are read again rather
    /// than lost (duplicates are harmless: upserts are idempotent).
    pub cdc_overlap: Duration,
    /// The window over which QBO's per-minute quota (the policy's
    /// `per_minute`) is counted: one minute against QBO; tests shrink it.
    pub rate_window: Duration,
    /// Refresh the access token when it expires within this margin.
    pub refresh_margin: Duration,
    /// Time-to-live of the cross-process refresh lease.
    pub refresh_lease_ttl: Duration,
}

impl fmt::Debug for QboConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QboConfig")
            .field("api_base", &self.api_base.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("auth_url", &self.auth_url.as_str())
            .field("discovery_url", &self.discovery_url.as_str())
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field("minor_version", &self.minor_version)
            .field("timeouts", &self.timeouts)
            .field("page_size", &self.page_size)
            .field("batch_max_items", &self.batch_max_items)
            .field("cdc_overlap", &self.cdc_overlap)
            .field("rate_window", &self.rate_window)
            .finish_non_exhaustive()
    }
}

/// A base URL that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid URL {url:?}: {reason}")]
pub struct ConfigError {
    /// The text given.
    pub url: String,
    /// Why it was refused.
    pub reason: String,
}

fn parse_url(text: &str) -> Result<Url, ConfigError> {
    Url::parse(text).map_err(|e| ConfigError {
        url: text.to_owned(),
        reason: e.to_string(),
    })
}

impl QboConfig {
    /// Intuit's production endpoints for the app `client_id`.
    pub fn production(
        client_id: impl Into<String>,
        client_secret: SecretString,
        redirect_uri: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        Self::with_urls(
            [
                PRODUCTION_API,
                PRODUCTION_TOKEN_URL,
                PRODUCTION_AUTH_URL,
                PRODUCTION_DISCOVERY_URL,
            ],
            PRODUCTION_ISSUER.to_owned(),
            client_id.into(),
            client_secret,
            redirect_uri.into(),
        )
    }

    /// The look-alike (`rowcol-qbo-sim`) at `base_url`, with its default app
    /// (`sim-client-id` / `sim-client-secret`; replace both fields to use
    /// another) and its issuer, `{base_url}/op/v1`.
    pub fn for_sim(base_url: &str) -> Result<Self, ConfigError> {
        let base = base_url.trim_end_matches('/');
        Self::with_urls(
            [
                base,
                &format!("{base}/oauth2/v1/tokens/bearer"),
                &format!("{base}/connect/oauth2"),
                &format!("{base}/.well-known/openid_configuration"),
            ],
            format!("{base}/op/v1"),
            "sim-client-id".to_owned(),
            SecretString::from("sim-client-secret"),
            "http://localhost/callback".to_owned(),
        )
    }

    fn with_urls(
        [api, token, auth, discovery]: [&str; 4],
        issuer: String,
        client_id: String,
        client_secret: SecretString,
        redirect_uri: String,
    ) -> Result<Self, ConfigError> {
        Ok(QboConfig {
            api_base: parse_url(api)?,
            token_url: parse_url(token)?,
            auth_url: parse_url(auth)?,
            discovery_url: parse_url(discovery)?,
            issuer,
            client_id,
            client_secret,
            redirect_uri,
            minor_version: 75,
            timeouts: Timeouts::default(),
            page_size: 1000,
            batch_max_items: 30,
            cdc_overlap: Duration::from_secs(30),
            rate_window: Duration::from_secs(60),
            refresh_margin: Duration::from_secs(300),
            refresh_lease_ttl: Duration::from_secs(30),
        })
    }

    /// The URL of `path` (e.g. `query`) under the realm's company root.
    pub(crate) fn company_url(&self, realm: &str, path: &str) -> Result<Url, ConfigError> {
        let base = self.api_base.as_str().trim_end_matches('/');
        parse_url(&format!("{base}/v3/company/{realm}/{path}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let config = QboConfig::production("id", SecretString::from("s3cr3t-value"), "https://x.example/cb").unwrap();
        let text = format!("{config:?}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
        assert!(text.contains("[redacted]"));
    }

    #[test]
    fn company_urls_sit_under_v3() {
        let config = QboConfig::for_sim("http://127.0.0.1:9/").unwrap();
        assert_eq!(
            config.company_url("123", "query").unwrap().as_str(),
            "http://127.0.0.1:9/v3/company/123/query"
        );
    }
}

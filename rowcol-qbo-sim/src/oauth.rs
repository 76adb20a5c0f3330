//! OAuth 2.0 as Intuit runs it: authorization-code and refresh-token grants,
//! expiring access tokens, rotating refresh tokens, revocation.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// The app registered with the look-alike.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthConfig {
    /// Client id of the app.
    pub client_id: String,
    /// Client secret of the app.
    pub client_secret: String,
    /// Access-token lifetime in seconds (QBO: 3600).
    pub access_ttl_secs: i64,
    /// Refresh-token lifetime in seconds (QBO: 100 days from issue).
    pub refresh_ttl_secs: i64,
}

impl std::fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("access_ttl_secs", &self.access_ttl_secs)
            .field("refresh_ttl_secs", &self.refresh_ttl_secs)
            .finish()
    }
}

impl Default for OAuthConfig {
    fn default() -> Self {
        Self {
            client_id: "sim-client-id".into(),
            client_secret: "sim-client-secret".into(),
            access_ttl_secs: 3600,
            refresh_ttl_secs: 8_726_400,
        }
    }
}

/// A token answer, as Intuit's token endpoint writes it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPair {
    /// `bearer`
    pub token_type: String,
    /// The access token.
    pub access_token: String,
    /// The refresh token (a new one on every refresh).
    pub refresh_token: String,
    /// Seconds the access token lives.
    pub expires_in: i64,
    /// Seconds the refresh token lives.
    pub x_refresh_token_expires_in: i64,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("expires_in", &self.expires_in)
            .field("x_refresh_token_expires_in", &self.x_refresh_token_expires_in)
            .finish_non_exhaustive()
    }
}

/// Refusals of the token endpoint (the `error` of its JSON answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// Wrong client id or secret.
    #[error("invalid_client")]
    InvalidClient,
    /// Code or refresh token unknown, used, expired, revoked or superseded.
    #[error("invalid_grant")]
    InvalidGrant,
    /// A grant type other than the two supported.
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// A parameter is missing.
    #[error("invalid_request")]
    InvalidRequest,
}

/// What a bearer token resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BearerCheck {
    /// Valid for this realm.
    Valid,
    /// Unknown, expired or revoked.
    Invalid,
    /// Valid, but for another realm.
    OtherRealm,
}

#[derive(Debug, Clone)]
struct Access {
    realm: String,
    grant: u64,
    expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct Refresh {
    realm: String,
    grant: u64,
    expires_at: DateTime<Utc>,
    spent: bool,
}

#[derive(Debug, Default)]
struct Tokens {
    codes: HashMap<String, (String, DateTime<Utc>)>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
    revoked_grants: Vec<u64>,
    next_grant: u64,
}

/// The authorization server.
#[derive(Debug)]
pub struct OAuth {
    config: Mutex<OAuthConfig>,
    tokens: Mutex<Tokens>,
}

fn random_token(prefix: &str) -> String {
    let mut rng = rand::rng();
    let bytes: [u8; 24] = rng.random();
    format!("{prefix}{}", hex::encode(bytes))
}

impl OAuth {
    /// A server for one app.
    pub fn new(config: OAuthConfig) -> Self {
        Self {
            config: Mutex::new(config),
            tokens: Mutex::default(),
        }
    }

    /// The app's settings.
    pub fn config(&self) -> OAuthConfig {
        self.config.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Changes the access-token lifetime for tokens issued from now on.
    pub fn set_access_ttl(&self, secs: i64) {
        if let Ok(mut c) = self.config.lock() {
            c.access_ttl_secs = secs;
        }
    }

    /// Checks the app's credentials (sent by HTTP Basic or in the form).
    pub fn check_client(&self, client_id: &str, client_secret: &str) -> Result<(), OAuthError> {
        let config = self.config();
        if config.client_id == client_id && config.client_secret == client_secret {
            Ok(())
        } else {
            Err(OAuthError::InvalidClient)
        }
    }

    /// Issues an authorization code for `realm` (valid 10 minutes, once).
    pub fn issue_code(&self, realm: &str, now: DateTime<Utc>) -> String {
        let code = random_token("AB1");
        if let Ok(mut t) = self.tokens.lock() {
            t.codes
                .insert(code.clone(), (realm.to_string(), now + Duration::minutes(10)));
        }
        code
    }

    /// Issues a fresh token pair for `realm` without the code dance (admin/test use).
    pub fn issue_tokens(&self, realm: &str, now: DateTime<Utc>) -> TokenPair {
        let Ok(mut t) = self.tokens.lock() else {
            return self.empty_pair();
        };
        t.next_grant += 1;
        let grant = t.next_grant;
        self.mint(&mut t, realm, grant, now)
    }

    fn empty_pair(&self) -> TokenPair {
        TokenPair {
            token_type: "bearer".into(),
            access_token: String::new(),
            refresh_token: String::new(),
            expires_in: 0,
            x_refresh_token_expires_in: 0,
        }
    }

    fn mint(&self, t: &mut Tokens, realm: &str, grant: u64, now: DateTime<Utc>) -> TokenPair {
        let config = self.config();
        let access_token = random_token("eyJsim.");
        let refresh_token = random_token("RT1-sim-");
        t.access.insert(
            access_token.clone(),
            Access {
                realm: realm.to_string(),
                grant,
                expires_at: now + Duration::seconds(config.access_ttl_secs),
            },
        );
        t.refresh.insert(
            refresh_token.clone(),
            Refresh {
                realm: realm.to_string(),
                grant,
                expires_at: now + Duration::seconds(config.refresh_ttl_secs),
                spent: false,
            },
        );
        TokenPair {
            token_type: "bearer".into(),
            access_token,
            refresh_token,
            expires_in: config.access_ttl_secs,
            x_refresh_token_expires_in: config.refresh_ttl_secs,
        }
    }

    /// `grant_type=authorization_code`: a code is good once.
    pub fn exchange_code(&self, code: &str, now: DateTime<Utc>) -> Result<(String, TokenPair), OAuthError> {
        let mut t = self.tokens.lock().map_err(|_| OAuthError::InvalidGrant)?;
        let (realm, expires_at) = t.codes.remove(code).ok_or(OAuthError::InvalidGrant)?;
        if expires_at < now {
            return Err(OAuthError::InvalidGrant);
        }
        t.next_grant += 1;
        let grant = t.next_grant;
        let pair = self.mint(&mut t, &realm, grant, now);
        Ok((realm, pair))
    }

    /// `grant_type=refresh_token`: rotates. The old refresh token is spent;
    /// using it again is `invalid_grant`.
    pub fn refresh(&self, refresh_token: &str, now: DateTime<Utc>) -> Result<TokenPair, OAuthError> {
        let mut t = self.tokens.lock().map_err(|_| OAuthError::InvalidGrant)?;
        let entry = t.refresh.get(refresh_token).cloned().ok_or(OAuthError::InvalidGrant)?;
        if entry.spent || entry.expires_at < now || t.revoked_grants.contains(&entry.grant) {
            return Err(OAuthError::InvalidGrant);
        }
        if let Some(old) = t.refresh.get_mut(refresh_token) {
            old.spent = true;
        }
        Ok(self.mint(&mut t, &entry.realm, entry.grant, now))
    }

    /// Revokes the grant behind an access or refresh token (both kinds die).
    pub fn revoke(&self, token: &str) -> bool {
        let Ok(mut t) = self.tokens.lock() else {
            return false;
        };
        let grant = t
            .refresh
            .get(token)
            .map(|r| r.grant)
            .or_else(|| t.access.get(token).map(|a| a.grant));
        match grant {
            Some(grant) => {
                t.revoked_grants.push(grant);
                true
            }
            None => false,
        }
    }

    /// Revokes every grant issued for `realm`, as Intuit does when the user
    /// disconnects the app from their company; answers how many.
    pub fn revoke_realm(&self, realm: &str) -> usize {
        let Ok(mut t) = self.tokens.lock() else {
            return 0;
        };
        let mut grants: Vec<u64> = t
            .refresh
            .values()
            .filter(|r| r.realm == realm)
            .map(|r| r.grant)
            .chain(t.access.values().filter(|a| a.realm == realm).map(|a| a.grant))
            .collect();
        grants.sort_unstable();
        grants.dedup();
        grants.retain(|g| !t.revoked_grants.contains(g));
        t.revoked_grants.extend(&grants);
        grants.len()
    }

    /// Checks a bearer token for `realm`.
    pub fn check_bearer(&self, token: &str, realm: &str, now: DateTime<Utc>) -> BearerCheck {
        let Ok(t) = self.tokens.lock() else {
            return BearerCheck::Invalid;
        };
        match t.access.get(token) {
            Some(a) if a.expires_at > now && !t.revoked_grants.contains(&a.grant) => {
                if a.realm == realm {
                    BearerCheck::Valid
                } else {
                    BearerCheck::OtherRealm
                }
            }
            _ => BearerCheck::Invalid,
        }
    }

    /// Expires one access token now (the "token expires early" fault).
    pub fn expire_access(&self, token: &str, now: DateTime<Utc>) {
        if let Ok(mut t) = self.tokens.lock()
            && let Some(a) = t.access.get_mut(token)
        {
            a.expires_at = now;
        }
    }

    /// Expires every access token of `realm` now.
    pub fn expire_realm_access(&self, realm: &str, now: DateTime<Utc>) {
        if let Ok(mut t) = self.tokens.lock() {
            for a in t.access.values_mut().filter(|a| a.realm == realm) {
                a.expires_at = now;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_spends_the_old_refresh_token() {
        let oauth = OAuth::new(OAuthConfig::default());
        let now = Utc::now();
        let first = oauth.issue_tokens("1", now);
        assert_eq!(oauth.check_bearer(&first.access_token, "1", now), BearerCheck::Valid);
        assert_eq!(
            oauth.check_bearer(&first.access_token, "2", now),
            BearerCheck::OtherRealm
        );
        assert_eq!(
            oauth.check_bearer(&first.access_token, "1", now + Duration::seconds(3601)),
            BearerCheck::Invalid
        );
        let second = oauth.refresh(&first.refresh_token, now).unwrap();
        assert_ne!(second.refresh_token, first.refresh_token);
        assert_eq!(oauth.refresh(&first.refresh_token, now), Err(OAuthError::InvalidGrant));
        assert!(oauth.revoke(&second.refresh_token));
        assert_eq!(oauth.refresh(&second.refresh_token, now), Err(OAuthError::InvalidGrant));
        assert_eq!(oauth.check_bearer(&second.access_token, "1", now), BearerCheck::Invalid);
    }

    #[test]
    fn disconnecting_a_realm_kills_its_grants_and_no_other() {
        let oauth = OAuth::new(OAuthConfig::default());
        let now = Utc::now();
        let first = oauth.issue_tokens("1", now);
        let rotated = oauth.refresh(&first.refresh_token, now).unwrap();
        let other = oauth.issue_tokens("2", now);
        assert_eq!(oauth.revoke_realm("1"), 1);
        assert_eq!(
            oauth.refresh(&rotated.refresh_token, now),
            Err(OAuthError::InvalidGrant)
        );
        assert_eq!(
            oauth.check_bearer(&rotated.access_token, "1", now),
            BearerCheck::Invalid
        );
        assert_eq!(oauth.check_bearer(&other.access_token, "2", now), BearerCheck::Valid);
        assert_eq!(oauth.revoke_realm("1"), 0, "already revoked");
    }

    #[test]
    fn debug_hides_secrets() {
        let shown = format!("{:?}", OAuthConfig::default());
        assert!(!shown.contains("sim-client-secret"));
        let pair = OAuth::new(OAuthConfig::default()).issue_tokens("1", Utc::now());
        let shown = format!("{pair:?}");
        assert!(!shown.contains(&pair.access_token) && !shown.contains(&pair.refresh_token));
    }
}

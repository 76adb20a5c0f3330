//! Credentials encrypted at rest with XChaCha20-Poly1305 (AEAD).
//!
//! Each sealed value is `nonce (24 bytes) || ciphertext+tag`, with a fresh
//! random nonce per write. The associated data binds the ciphertext to its
//! client and rail, so a sealed value copied onto another row does not open.
//! A wrong key or any tampering fails authentication: a clear error, never
//! garbage.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use rand::RngCore;
use rowcol_core::{ClientId, ErrorContext, OAuthTokens, Rail, RailCredentials, RowcolError, StoreErrorKind};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

const NONCE_LEN: usize = 24;

/// The 32-byte key credentials are sealed with. Supplied by the caller (from
/// the environment or a secrets manager), never stored by RowCol. `Debug`
/// does not show it.
#[derive(Clone)]
pub struct CredentialKey([u8; 32]);

impl CredentialKey {
    /// A key from 32 raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        CredentialKey(bytes)
    }

    /// A key from 64 hex digits (e.g. `ROWCOL_CREDENTIAL_KEY`).
    pub fn from_hex(text: &str) -> Result<Self, RowcolError> {
        let invalid = || RowcolError::InvalidInput {
            context: ErrorContext::default(),
            reason: "credential key must be 64 hex digits (32 bytes)".to_owned(),
        };
        let mut key = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut key).map_err(|_| invalid())?;
        Ok(CredentialKey(key))
    }

    /// A fresh random key.
    pub fn generate() -> Self {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        CredentialKey(key)
    }
}

impl fmt::Debug for CredentialKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialKey([redacted])")
    }
}

/// The plaintext layout inside the seal, one shape per scheme, tagged by
/// `scheme`. OAuth tokens sealed before schemes existed carry no tag and
/// read as OAuth ([`Plain::read`]).
#[derive(Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "snake_case")]
enum Plain {
    #[serde(rename = "oauth")]
    OAuth(PlainOAuth),
    AccessToken {
        token: String,
    },
    ClientCredentials {
        client_id: String,
        client_secret: String,
    },
    ApiKey {
        key: String,
    },
}

/// OAuth tokens in the seal (also the whole plaintext of an untagged seal).
#[derive(Serialize, Deserialize)]
struct PlainOAuth {
    access_token: String,
    access_expires_at: DateTime<Utc>,
    refresh_token: String,
    refresh_expires_at: Option<DateTime<Utc>>,
}

impl Plain {
    fn of(credentials: &RailCredentials) -> Self {
        match credentials {
            RailCredentials::OAuth(t) => Plain::OAuth(PlainOAuth {
                access_token: t.access_token.expose_secret().to_owned(),
                access_expires_at: t.access_expires_at,
                refresh_token: t.refresh_token.expose_secret().to_owned(),
                refresh_expires_at: t.refresh_expires_at,
            }),
            RailCredentials::AccessToken(token) => Plain::AccessToken {
                token: token.expose_secret().to_owned(),
            },
            RailCredentials::ClientCredentials {
                client_id,
                client_secret,
            } => Plain::ClientCredentials {
                client_id: client_id.clone(),
                client_secret: client_secret.expose_secret().to_owned(),
            },
            RailCredentials::ApiKey(key) => Plain::ApiKey {
                key: key.expose_secret().to_owned(),
            },
        }
    }

    /// Reads a seal's plaintext: tagged by scheme, or OAuth tokens as a
    /// mirror stored them before schemes were told apart.
    fn read(msg: &[u8]) -> Option<Self> {
        serde_json::from_slice(msg)
            .ok()
            .or_else(|| serde_json::from_slice(msg).ok().map(Plain::OAuth))
    }

    fn into_credentials(self) -> RailCredentials {
        match self {
            Plain::OAuth(t) => RailCredentials::OAuth(OAuthTokens {
                access_token: SecretString::from(t.access_token),
                access_expires_at: t.access_expires_at,
                refresh_token: SecretString::from(t.refresh_token),
                refresh_expires_at: t.refresh_expires_at,
            }),
            Plain::AccessToken { token } => RailCredentials::AccessToken(SecretString::from(token)),
            Plain::ClientCredentials {
                client_id,
                client_secret,
            } => RailCredentials::ClientCredentials {
                client_id,
                client_secret: SecretString::from(client_secret),
            },
            Plain::ApiKey { key } => RailCredentials::ApiKey(SecretString::from(key)),
        }
    }
}

fn associated_data(client: &ClientId, rail: Rail) -> Vec<u8> {
    format!("rowcol-credentials-v1|{client}|{rail}").into_bytes()
}

fn context(client: &ClientId, rail: Rail) -> ErrorContext {
    let mut ctx = ErrorContext::client(client);
    ctx.rail = Some(rail);
    ctx
}

/// Seals credentials for storage.
pub(crate) fn seal(
    key: &CredentialKey,
    client: &ClientId,
    rail: Rail,
    credentials: &RailCredentials,
) -> Result<Vec<u8>, RowcolError> {
    let plain = Plain::of(credentials);
    let failed = || {
        RowcolError::store(
            StoreErrorKind::Invalid,
            context(client, rail),
            "cannot seal credentials",
        )
    };
    let msg = serde_json::to_vec(&plain).map_err(|_| failed())?;
    let mut nonce = [0u8; NONCE_LEN];
    rand::rng().fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(Key::from_slice(&key.0));
    let aad = associated_data(client, rail);
    let sealed = cipher
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &msg, aad: &aad })
        .map_err(|_| failed())?;
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens sealed credentials; a wrong key or tampering is `WrongKey`.
pub(crate) fn open(
    key: &CredentialKey,
    client: &ClientId,
    rail: Rail,
    sealed: &[u8],
) -> Result<RailCredentials, RowcolError> {
    let wrong_key = || {
        RowcolError::store(
            StoreErrorKind::WrongKey,
            context(client, rail),
            "the credential key does not open the stored credentials (wrong key, or the row was altered)",
        )
    };
    if sealed.len() <= NONCE_LEN {
        return Err(wrong_key());
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    let cipher = XChaCha20Poly1305::new(Key::from_slice(&key.0));
    let aad = associated_data(client, rail);
    let msg = cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: &aad })
        .map_err(|_| wrong_key())?;
    let plain = Plain::read(&msg).ok_or_else(|| {
        RowcolError::store(
            StoreErrorKind::Corrupt,
            context(client, rail),
            "sealed credentials do not parse",
        )
    })?;
    Ok(plain.into_credentials())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> OAuthTokens {
        OAuthTokens {
            access_token: SecretString::from("access-SECRET"),
            access_expires_at: Utc::now(),
            refresh_token: SecretString::from("refresh-SECRET"),
            refresh_expires_at: None,
        }
    }

    fn creds() -> RailCredentials {
        RailCredentials::OAuth(tokens())
    }

    fn open_sealed(plain: &[u8]) -> Result<RailCredentials, RowcolError> {
        let key = CredentialKey::generate();
        let client: ClientId = "acme".parse().unwrap();
        let cipher = XChaCha20Poly1305::new(Key::from_slice(&key.0));
        let nonce = [7u8; NONCE_LEN];
        let aad = associated_data(&client, Rail::Qbo);
        let mut sealed = nonce.to_vec();
        sealed.extend(
            cipher
                .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: &aad })
                .unwrap(),
        );
        open(&key, &client, Rail::Qbo, &sealed)
    }

    #[test]
    fn every_scheme_round_trips_sealed_and_tokens_sealed_untagged_read_as_oauth() {
        let key = CredentialKey::generate();
        let client: ClientId = "acme".parse().unwrap();
        for credentials in [
            creds(),
            RailCredentials::AccessToken(SecretString::from("access-sandbox-SECRET")),
            RailCredentials::ClientCredentials {
                client_id: "ramp-app".into(),
                client_secret: SecretString::from("SECRET"),
            },
            RailCredentials::ApiKey(SecretString::from("sk_test_SECRET")),
        ] {
            let sealed = seal(&key, &client, Rail::Qbo, &credentials).unwrap();
            assert!(!String::from_utf8_lossy(&sealed).contains("SECRET"));
            let back = open(&key, &client, Rail::Qbo, &sealed).unwrap();
            assert_eq!(back.scheme(), credentials.scheme());
            assert!(!format!("{back:?}").contains("SECRET"), "{back:?}");
        }
        let untagged = br#"{"access_token":"a","access_expires_at":"2026-12-06T10:00:00Z","refresh_token":"r","refresh_expires_at":null}"#;
        let back = open_sealed(untagged).unwrap();
        assert_eq!(
            back.oauth().map(|t| t.refresh_token.expose_secret().to_owned()),
            Some("r".into())
        );
        assert_eq!(
            open_sealed(b"{}").unwrap_err().store_kind(),
            Some(StoreErrorKind::Corrupt)
        );
    }

    #[test]
    fn seal_then_open_round_trips_and_hides_the_plaintext() {
        let key = CredentialKey::generate();
        let client: ClientId = "acme".parse().unwrap();
        let sealed = seal(&key, &client, Rail::Qbo, &creds()).unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("SECRET"));
        let back = open(&key, &client, Rail::Qbo, &sealed).unwrap();
        assert!(back.oauth().unwrap().same_tokens(&tokens()));
    }

    #[test]
    fn wrong_key_other_row_or_tampering_is_wrong_key() {
        let key = CredentialKey::generate();
        let client: ClientId = "acme".parse().unwrap();
        let sealed = seal(&key, &client, Rail::Qbo, &creds()).unwrap();
        let kind = |r: Result<RailCredentials, RowcolError>| r.err().and_then(|e| e.store_kind());
        assert_eq!(
            kind(open(&CredentialKey::generate(), &client, Rail::Qbo, &sealed)),
            Some(StoreErrorKind::WrongKey)
        );
        let other: ClientId = "other".parse().unwrap();
        assert_eq!(
            kind(open(&key, &other, Rail::Qbo, &sealed)),
            Some(StoreErrorKind::WrongKey)
        );
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(
            kind(open(&key, &client, Rail::Qbo, &tampered)),
            Some(StoreErrorKind::WrongKey)
        );
        assert_eq!(
            kind(open(&key, &client, Rail::Qbo, &[1, 2, 3])),
            Some(StoreErrorKind::WrongKey)
        );
    }

    #[test]
    fn keys_parse_from_hex_and_never_print() {
        let key = CredentialKey::from_hex(&"ab".repeat(32)).unwrap();
        assert_eq!(format!("{key:?}"), "CredentialKey([redacted])");
        assert!(CredentialKey::from_hex("abc").is_err());
        assert!(CredentialKey::from_hex(&"zz".repeat(32)).is_err());
    }
}

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
use rowcol_core::{ClientId, ErrorContext, Rail, RailCredentials, RowcolError, StoreErrorKind};
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

/// The plaintext layout inside the seal.
#[derive(Serialize, Deserialize)]
struct Plain {
    access_token: String,
    access_expires_at: DateTime<Utc>,
    refresh_token: String,
    refresh_expires_at: Option<DateTime<Utc>>,
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
    let plain = Plain {
        access_token: credentials.access_token.expose_secret().to_owned(),
        access_expires_at: credentials.access_expires_at,
        refresh_token: credentials.refresh_token.expose_secret().to_owned(),
        refresh_expires_at: credentials.refresh_expires_at,
    };
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
    let plain: Plain = serde_json::from_slice(&msg).map_err(|_| {
        RowcolError::store(
            StoreErrorKind::Corrupt,
            context(client, rail),
            "sealed credentials do not parse",
        )
    })?;
    Ok(RailCredentials {
        access_token: SecretString::from(plain.access_token),
        access_expires_at: plain.access_expires_at,
        refresh_token: SecretString::from(plain.refresh_token),
        refresh_expires_at: plain.refresh_expires_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds() -> RailCredentials {
        RailCredentials {
            access_token: SecretString::from("access-SECRET"),
            access_expires_at: Utc::now(),
            refresh_token: SecretString::from("refresh-SECRET"),
            refresh_expires_at: None,
        }
    }

    #[test]
    fn seal_then_open_round_trips_and_hides_the_plaintext() {
        let key = CredentialKey::generate();
        let client: ClientId = "acme".parse().unwrap();
        let sealed = seal(&key, &client, Rail::Qbo, &creds()).unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("SECRET"));
        let back = open(&key, &client, Rail::Qbo, &sealed).unwrap();
        assert!(back.same_tokens(&creds()));
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

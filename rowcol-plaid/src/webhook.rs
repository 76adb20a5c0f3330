//! Plaid webhooks (PLAID.md §1.5): the `Plaid-Verification` JWT checked
//! before anything in the body is believed, then the body parsed into a
//! small typed [`PlaidWebhook`].
//!
//! Checks, in order: the header is a three-part JWT; its header says
//! `alg: ES256` (anything else, `none` included, is refused before any key
//! is looked up); its `kid` is in the cache or, once, fetched from
//! `/webhook_verification_key/get` (an unknown `kid` or a key with
//! `expired_at` set is refused); the ES256 signature verifies; `iat` is
//! within [`PlaidConfig::webhook_max_age`](crate::PlaidConfig::webhook_max_age)
//! of the injected clock; `request_body_sha256` equals the SHA-256 of the
//! raw body bytes (never re-serialised JSON), compared in constant time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_lc_rs::constant_time::verify_slices_are_equal;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::HeaderMap;
use rowcol_core::{Clock, RailErrorKind, RealmId, RowcolError};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::client::PlaidClient;
use crate::error::{PlaidErrorBody, Sent, classify};

/// The header Plaid signs deliveries with (HTTP/2: lower case; `HeaderMap`
/// lookups ignore case).
pub const VERIFICATION_HEADER: &str = "plaid-verification";

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No `Plaid-Verification` header.
    #[error("webhook has no Plaid-Verification header")]
    MissingHeader,
    /// The header or the claims are not a JWT of Plaid's shape.
    #[error("webhook verification JWT is malformed: {0}")]
    Malformed(String),
    /// The JWT names an algorithm other than ES256.
    #[error("webhook JWT algorithm {0:?} refused: only ES256 is accepted")]
    WrongAlgorithm(String),
    /// Plaid does not know the key id.
    #[error("webhook signed with unknown key id {0:?}")]
    UnknownKey(String),
    /// The key is published as expired.
    #[error("webhook signed with expired key {0:?}")]
    ExpiredKey(String),
    /// The signature does not verify with the key.
    #[error("webhook signature does not verify")]
    BadSignature,
    /// `iat` is too far from now (a replay, or a clock far off).
    #[error("webhook issued at {iat} is {age_secs} s from now; at most {max_secs} s allowed")]
    Stale {
        /// The claim, Unix seconds.
        iat: i64,
        /// Its distance from our clock.
        age_secs: i64,
        /// The most allowed.
        max_secs: u64,
    },
    /// `request_body_sha256` is not the hash of the body received.
    #[error("webhook body does not match its signed hash")]
    BodyMismatch,
    /// The key could not be fetched (Plaid unreachable): answer non-2xx so
    /// that Plaid delivers again.
    #[error("webhook key could not be fetched: {0}")]
    KeyUnavailable(RowcolError),
    /// The verified body is not a webhook of Plaid's shape.
    #[error("webhook body is malformed: {0}")]
    BadBody(String),
}

impl WebhookError {
    /// True when delivering the same webhook again may pass (the key fetch
    /// failed); false for every refusal of the delivery itself.
    pub fn retryable(&self) -> bool {
        matches!(self, WebhookError::KeyUnavailable(e) if e.retryable())
    }
}

/// A verified webhook, typed where RowCol acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaidWebhook {
    /// `TRANSACTIONS` / `SYNC_UPDATES_AVAILABLE`: sync the Item.
    SyncUpdatesAvailable {
        /// The Item.
        item_id: RealmId,
        /// At least 30 days are ready.
        initial_update_complete: bool,
        /// The whole history is ready.
        historical_update_complete: bool,
    },
    /// `ITEM` / `ERROR` (and the Item notices that need the user:
    /// `PENDING_DISCONNECT`, `PENDING_EXPIRATION`, `USER_PERMISSION_REVOKED`,
    /// `USER_ACCOUNT_REVOKED`).
    ItemError {
        /// The Item.
        item_id: RealmId,
        /// Plaid's `error_code`, or the webhook code for the notices.
        code: String,
        /// What the engine does: `NeedsReauth` for a login to repair.
        kind: RailErrorKind,
    },
    /// `ITEM` / `LOGIN_REPAIRED`: the Item works again without the user.
    LoginRepaired {
        /// The Item.
        item_id: RealmId,
    },
    /// Any other webhook, named.
    Other {
        /// `webhook_type`.
        webhook_type: String,
        /// `webhook_code`.
        webhook_code: String,
        /// The Item, when the body names one.
        item_id: Option<RealmId>,
    },
}

impl PlaidWebhook {
    /// Parses a webhook body (call only after verifying it).
    pub fn parse(body: &[u8]) -> Result<PlaidWebhook, WebhookError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| WebhookError::BadBody(e.to_string()))?;
        let text = |key: &str| value.get(key).and_then(Value::as_str).unwrap_or_default();
        let flag = |key: &str| value.get(key).and_then(Value::as_bool).unwrap_or(false);
        let (webhook_type, webhook_code) = (text("webhook_type"), text("webhook_code"));
        if webhook_type.is_empty() || webhook_code.is_empty() {
            return Err(WebhookError::BadBody("webhook_type or webhook_code missing".into()));
        }
        let item_id = match text("item_id") {
            "" => None,
            id => Some(
                id.parse::<RealmId>()
                    .map_err(|_| WebhookError::BadBody("item_id is not an Item id".into()))?,
            ),
        };
        let need_item = || {
            item_id
                .clone()
                .ok_or_else(|| WebhookError::BadBody("item_id missing".into()))
        };
        Ok(match (webhook_type, webhook_code) {
            ("TRANSACTIONS", "SYNC_UPDATES_AVAILABLE") => PlaidWebhook::SyncUpdatesAvailable {
                item_id: need_item()?,
                initial_update_complete: flag("initial_update_complete"),
                historical_update_complete: flag("historical_update_complete"),
            },
            ("ITEM", "ERROR") => {
                let error = value.get("error").and_then(PlaidErrorBody::from_json);
                PlaidWebhook::ItemError {
                    item_id: need_item()?,
                    code: error
                        .as_ref()
                        .and_then(|e| e.error_code.clone())
                        .unwrap_or_else(|| "ERROR".into()),
                    kind: classify(400, error.as_ref(), None, Sent::Other),
                }
            }
            (
                "ITEM",
                code @ ("PENDING_DISCONNECT"
                | "PENDING_EXPIRATION"
                | "USER_PERMISSION_REVOKED"
                | "USER_ACCOUNT_REVOKED"),
            ) => PlaidWebhook::ItemError {
                item_id: need_item()?,
                code: code.to_owned(),
                kind: RailErrorKind::NeedsReauth,
            },
            ("ITEM", "LOGIN_REPAIRED") => PlaidWebhook::LoginRepaired { item_id: need_item()? },
            (webhook_type, webhook_code) => PlaidWebhook::Other {
                webhook_type: webhook_type.to_owned(),
                webhook_code: webhook_code.to_owned(),
                item_id,
            },
        })
    }
}

/// Checks Plaid's deliveries for one app, keeping Plaid's keys by `kid`.
pub struct WebhookVerifier {
    client: Arc<PlaidClient>,
    clock: Arc<dyn Clock>,
    keys: Mutex<HashMap<String, Vec<u8>>>,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("cached_keys", &self.cached_keys())
            .finish_non_exhaustive()
    }
}

fn b64(part: &str, what: &str) -> Result<Vec<u8>, WebhookError> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| WebhookError::Malformed(format!("{what} is not base64url")))
}

fn json_part(part: &str, what: &str) -> Result<Value, WebhookError> {
    serde_json::from_slice(&b64(part, what)?).map_err(|_| WebhookError::Malformed(format!("{what} is not JSON")))
}

/// The uncompressed P-256 point of a JWK, or why it is refused.
fn public_point(kid: &str, jwk: &Value) -> Result<Vec<u8>, WebhookError> {
    let field = |key: &str| jwk.get(key).and_then(Value::as_str).unwrap_or_default();
    if !matches!(jwk.get("expired_at"), None | Some(Value::Null)) {
        return Err(WebhookError::ExpiredKey(kid.to_owned()));
    }
    if field("kty") != "EC" || field("crv") != "P-256" || field("alg") != "ES256" {
        return Err(WebhookError::Malformed(format!(
            "key {kid:?} is not an ES256 P-256 key"
        )));
    }
    let (x, y) = (b64(field("x"), "key x")?, b64(field("y"), "key y")?);
    if x.len() != 32 || y.len() != 32 {
        return Err(WebhookError::Malformed(format!("key {kid:?} has a bad point")));
    }
    Ok([vec![4u8], x, y].concat())
}

impl WebhookVerifier {
    /// A verifier fetching keys through `client`, judging `iat` by `clock`.
    pub fn new(client: Arc<PlaidClient>, clock: Arc<dyn Clock>) -> Self {
        WebhookVerifier {
            client,
            clock,
            keys: Mutex::new(HashMap::new()),
        }
    }

    /// Key ids held in the cache.
    pub fn cached_keys(&self) -> Vec<String> {
        let mut kids: Vec<String> = self
            .keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect();
        kids.sort();
        kids
    }

    async fn key(&self, kid: &str) -> Result<Vec<u8>, WebhookError> {
        if let Some(point) = self.keys.lock().unwrap_or_else(PoisonError::into_inner).get(kid) {
            return Ok(point.clone());
        }
        let jwk = self
            .client
            .webhook_key(kid)
            .await
            .map_err(WebhookError::KeyUnavailable)?
            .ok_or_else(|| WebhookError::UnknownKey(kid.to_owned()))?;
        let point = public_point(kid, &jwk)?;
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(kid.to_owned(), point.clone());
        Ok(point)
    }

    /// Verifies a delivery (its headers and the raw body bytes as received)
    /// and parses it.
    pub async fn verify_webhook(&self, headers: &HeaderMap, raw_body: &[u8]) -> Result<PlaidWebhook, WebhookError> {
        let jwt = headers
            .get(VERIFICATION_HEADER)
            .ok_or(WebhookError::MissingHeader)?
            .to_str()
            .map_err(|_| WebhookError::Malformed("header is not text".into()))?;
        let parts: Vec<&str> = jwt.trim().split('.').collect();
        let [header, claims, signature] = parts[..] else {
            return Err(WebhookError::Malformed("not three dot-separated parts".into()));
        };
        let header_json = json_part(header, "JWT header")?;
        let alg = header_json.get("alg").and_then(Value::as_str).unwrap_or_default();
        if alg != "ES256" {
            return Err(WebhookError::WrongAlgorithm(alg.chars().take(16).collect()));
        }
        let kid = header_json
            .get("kid")
            .and_then(Value::as_str)
            .filter(|k| !k.is_empty() && k.len() <= 128)
            .ok_or_else(|| WebhookError::Malformed("kid missing".into()))?;
        let point = self.key(kid).await?;
        let signed = &jwt.trim()[..header.len() + 1 + claims.len()];
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
            .verify(signed.as_bytes(), &b64(signature, "signature")?)
            .map_err(|_| WebhookError::BadSignature)?;
        let claims = json_part(claims, "JWT claims")?;
        let iat = claims
            .get("iat")
            .and_then(Value::as_i64)
            .ok_or_else(|| WebhookError::Malformed("iat missing".into()))?;
        let max = self.client.config().webhook_max_age;
        let age = (self.clock.now().timestamp() - iat).abs();
        if u64::try_from(age).map_or(true, |age| age > max.as_secs()) {
            return Err(WebhookError::Stale {
                iat,
                age_secs: age,
                max_secs: max.as_secs(),
            });
        }
        let claimed = claims
            .get("request_body_sha256")
            .and_then(Value::as_str)
            .ok_or_else(|| WebhookError::Malformed("request_body_sha256 missing".into()))?;
        let actual = hex::encode(Sha256::digest(raw_body));
        verify_slices_are_equal(actual.as_bytes(), claimed.to_ascii_lowercase().as_bytes())
            .map_err(|_| WebhookError::BodyMismatch)?;
        PlaidWebhook::parse(raw_body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(value: Value) -> PlaidWebhook {
        PlaidWebhook::parse(value.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn bodies_parse_into_their_kinds() {
        let item: RealmId = "item1".parse().unwrap();
        assert_eq!(
            parse(
                json!({"webhook_type": "TRANSACTIONS", "webhook_code": "SYNC_UPDATES_AVAILABLE", "item_id": "item1",
                "initial_update_complete": true, "historical_update_complete": false})
            ),
            PlaidWebhook::SyncUpdatesAvailable {
                item_id: item.clone(),
                initial_update_complete: true,
                historical_update_complete: false
            }
        );
        assert_eq!(
            parse(
                json!({"webhook_type": "ITEM", "webhook_code": "ERROR", "item_id": "item1",
                "error": {"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED"}})
            ),
            PlaidWebhook::ItemError {
                item_id: item.clone(),
                code: "ITEM_LOGIN_REQUIRED".into(),
                kind: RailErrorKind::NeedsReauth
            }
        );
        assert_eq!(
            parse(json!({"webhook_type": "ITEM", "webhook_code": "LOGIN_REPAIRED", "item_id": "item1"})),
            PlaidWebhook::LoginRepaired { item_id: item }
        );
        assert!(matches!(
            parse(json!({"webhook_type": "TRANSACTIONS", "webhook_code": "DEFAULT_UPDATE", "item_id": "item1"})),
            PlaidWebhook::Other { .. }
        ));
        assert!(PlaidWebhook::parse(b"{\"webhook_type\": \"ITEM\"}").is_err());
        assert!(PlaidWebhook::parse(b"not json").is_err());
    }

    #[test]
    fn expired_or_foreign_keys_are_refused() {
        let key = json!({"kty": "EC", "crv": "P-256", "alg": "ES256", "x": "AA", "y": "AA", "expired_at": 5});
        assert!(matches!(public_point("k", &key), Err(WebhookError::ExpiredKey(_))));
        let key = json!({"kty": "RSA", "alg": "RS256", "expired_at": null});
        assert!(matches!(public_point("k", &key), Err(WebhookError::Malformed(_))));
    }
}

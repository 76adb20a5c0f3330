//! ES256 webhook signing: a P-256 key drawn from the seed, the JWT Plaid
//! puts in `Plaid-Verification` (header `alg`, `kid`, `typ`; claims `iat`
//! and `request_body_sha256`), and the JWK `/webhook_verification_key/get`
//! answers. Keys can be rotated: the old one stays published with its
//! `expired_at` set.

use std::sync::Mutex;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::ids::{mix, uuid};

/// Errors of the signing key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// No valid P-256 key came out of the seed (never in practice: each draw
    /// fails with a chance of about 2^-32).
    #[error("no P-256 key could be made from seed {0}")]
    NoKey(u64),
    /// The crypto library refused to sign.
    #[error("ES256 signing failed")]
    Sign,
}

struct Key {
    kid: String,
    pair: EcdsaKeyPair,
    x: String,
    y: String,
    created_at: i64,
    expired_at: Option<i64>,
}

/// The look-alike's webhook keys: the newest signs.
pub struct Keys {
    seed: u64,
    keys: Mutex<Vec<Key>>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("kids", &self.kids())
            .finish_non_exhaustive()
    }
}

/// RFC 5915 ECPrivateKey around a raw P-256 scalar (the public key is
/// computed by the library).
fn ec_private_key_der(scalar: &[u8; 32]) -> Vec<u8> {
    let mut der = vec![0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20];
    der.extend_from_slice(scalar);
    // [0] { OID 1.2.840.10045.3.1.7 (prime256v1) }
    der.extend_from_slice(&[0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);
    der
}

fn make_key(seed: u64, generation: usize, created_at: i64) -> Result<Key, SigningError> {
    let mut rng = StdRng::seed_from_u64(mix(seed, &format!("webhook-key-{generation}")));
    let kid = uuid(&mut rng);
    for _ in 0..16 {
        let scalar: [u8; 32] = rng.random();
        let Ok(pair) =
            EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &ec_private_key_der(&scalar))
        else {
            continue;
        };
        let point = pair.public_key().as_ref().to_vec();
        if point.len() != 65 {
            continue;
        }
        return Ok(Key {
            kid,
            x: URL_SAFE_NO_PAD.encode(&point[1..33]),
            y: URL_SAFE_NO_PAD.encode(&point[33..65]),
            pair,
            created_at,
            expired_at: None,
        });
    }
    Err(SigningError::NoKey(seed))
}

impl Keys {
    /// The first key, drawn from `seed`, created at `now` (Unix seconds).
    pub fn new(seed: u64, now: i64) -> Result<Self, SigningError> {
        Ok(Self {
            seed,
            keys: Mutex::new(vec![make_key(seed, 0, now)?]),
        })
    }

    /// Every key's id, oldest first.
    pub fn kids(&self) -> Vec<String> {
        self.keys
            .lock()
            .map(|k| k.iter().map(|k| k.kid.clone()).collect())
            .unwrap_or_default()
    }

    /// Expires the signing key at `now` and makes a new one; answers its id.
    pub fn rotate(&self, now: i64) -> Result<String, SigningError> {
        let mut keys = self.keys.lock().map_err(|_| SigningError::Sign)?;
        let key = make_key(self.seed, keys.len(), now)?;
        if let Some(last) = keys.last_mut() {
            last.expired_at = Some(now);
        }
        let kid = key.kid.clone();
        keys.push(key);
        Ok(kid)
    }

    /// The JWK of `kid`, as `/webhook_verification_key/get` answers it.
    pub fn jwk(&self, kid: &str) -> Option<Value> {
        let keys = self.keys.lock().ok()?;
        let key = keys.iter().find(|k| k.kid == kid)?;
        Some(json!({
            "alg": "ES256",
            "crv": "P-256",
            "kid": key.kid,
            "kty": "EC",
            "use": "sig",
            "x": key.x,
            "y": key.y,
            "created_at": key.created_at,
            "expired_at": key.expired_at,
        }))
    }

    /// The `Plaid-Verification` JWT of a raw body, issued at `iat` (Unix seconds).
    pub fn sign(&self, body: &[u8], iat: i64) -> Result<String, SigningError> {
        let keys = self.keys.lock().map_err(|_| SigningError::Sign)?;
        let key = keys.last().ok_or(SigningError::Sign)?;
        let header = json!({ "alg": "ES256", "kid": key.kid, "typ": "JWT" });
        let claims = json!({ "iat": iat, "request_body_sha256": hex::encode(Sha256::digest(body)) });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = key
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .map_err(|_| SigningError::Sign)?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};

    fn verify(jwk: &Value, jwt: &str) -> bool {
        let x = URL_SAFE_NO_PAD.decode(jwk["x"].as_str().unwrap()).unwrap();
        let y = URL_SAFE_NO_PAD.decode(jwk["y"].as_str().unwrap()).unwrap();
        let point = [vec![4u8], x, y].concat();
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
            .verify(input.as_bytes(), &sig)
            .is_ok()
    }

    #[test]
    fn the_same_seed_makes_the_same_key_and_rotation_expires_the_old_one() {
        let a = Keys::new(9, 100).unwrap();
        let b = Keys::new(9, 100).unwrap();
        let kid = a.kids()[0].clone();
        assert_eq!(a.jwk(&kid), b.jwk(&kid));
        assert_ne!(Keys::new(10, 100).unwrap().kids(), a.kids());
        let jwt = a.sign(b"{}", 100).unwrap();
        assert!(verify(&a.jwk(&kid).unwrap(), &jwt));
        let new = a.rotate(200).unwrap();
        assert_eq!(a.jwk(&kid).unwrap()["expired_at"], 200);
        assert_eq!(a.jwk(&new).unwrap()["expired_at"], Value::Null);
        let jwt = a.sign(b"{}", 200).unwrap();
        assert!(verify(&a.jwk(&new).unwrap(), &jwt));
        assert!(!verify(&a.jwk(&kid).unwrap(), &jwt), "signed by the new key only");
    }
}

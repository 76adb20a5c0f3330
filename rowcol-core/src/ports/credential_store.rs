//! The `CredentialStore` port: where a rail adapter keeps its credentials,
//! sealed at rest.
//!
//! Proven on SQLite and PostgreSQL by `rowcol-mirror`'s own suite
//! (`credentials_round_trip_encrypted_and_a_wrong_key_is_a_clear_error`:
//! sealing is the store's, so the test reads the raw rows).

use async_trait::async_trait;

use crate::{ClientId, Rail, RailCredentials, Result};

/// Stores each connection's credentials, encrypted at rest by the adapter.
#[async_trait]
pub trait CredentialStore: Send + Sync {
    /// Stores the credentials of a client's connection to a rail, replacing
    /// any before.
    ///
    /// Behaviour:
    /// - MUST be durable when it returns `Ok`: a rotated refresh token is
    ///   saved before the new access token is used, so a crash right after
    ///   loses nothing.
    /// - MUST encrypt both tokens at rest; the plaintext never reaches logs or
    ///   error text.
    async fn save_credentials(&self, client: &ClientId, rail: Rail, credentials: &RailCredentials) -> Result<()>;

    /// Loads the credentials of a client's connection to a rail.
    ///
    /// Behaviour:
    /// - MUST return `Ok(None)` when none were ever saved.
    /// - MUST fail with `StoreErrorKind::WrongKey` (not garbage, not `None`)
    ///   when the stored ciphertext does not decrypt with the store's key.
    async fn load_credentials(&self, client: &ClientId, rail: Rail) -> Result<Option<RailCredentials>>;
}

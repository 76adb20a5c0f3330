//! # rowcol-mirror
//!
//! RowCol's mirror ports ([`MirrorStore`]: the registry, the sync journal and
//! the reader), [`CredentialStore`] and [`LeaseStore`] on SQLite (the embedded
//! default, a file or memory) and PostgreSQL (production), from one generic
//! implementation over sqlx with a small per-backend dialect. Versioned
//! migrations for each backend (`migrations/sqlite`, `migrations/postgres`)
//! are applied on open.
//!
//! ```no_run
//! # async fn demo() -> Result<(), rowcol_core::RowcolError> {
//! use rowcol_mirror::{CredentialKey, open};
//! let mirror = open("sqlite://rowcol.db", CredentialKey::generate()).await?;
//! let clients = mirror.portfolio(&"jane-cfo".parse()?).await?;
//! # Ok(()) }
//! ```

mod backend;
mod cache;
mod codec;
mod crypto;
mod error;
mod habits;
mod journal;
mod lease;
mod plan;
mod read;
mod registry;
mod store;
mod upkeep;
mod url;
mod write;

use std::sync::Arc;

use rowcol_core::{CredentialStore, ErrorContext, LeaseStore, MirrorStore, RowcolError};

pub use backend::Backend;
pub use cache::SnapshotCacheConfig;
pub use crypto::CredentialKey;
pub use store::{PostgresMirror, SqlMirror, SqliteMirror, create_private};
pub use url::{MirrorUrl, PostgresUrl, UrlError};

/// A store that is the mirror, the credential store and the lease store.
pub trait Mirror: MirrorStore + CredentialStore + LeaseStore {}

impl<T: MirrorStore + CredentialStore + LeaseStore> Mirror for T {}

/// Opens the mirror a URL names, read by [`MirrorUrl::parse`] (see it for
/// the accepted forms: `sqlite:///absolute/path.db`,
/// `sqlite://relative/path.db`, `sqlite::memory:`, `postgres://...`). A
/// text that is not such a URL is `InvalidInput`, naming what was
/// understood; a database that cannot be opened is a store error naming
/// the file (or the PostgreSQL database, without credentials) and the cause.
pub async fn open(url: &str, key: CredentialKey) -> Result<Arc<dyn Mirror>, RowcolError> {
    let url = MirrorUrl::parse(url).map_err(|e| RowcolError::InvalidInput {
        context: ErrorContext::default(),
        reason: format!("database URL {e}"),
    })?;
    open_url(&url, key).await
}

/// Opens the mirror at an already parsed URL.
pub async fn open_url(url: &MirrorUrl, key: CredentialKey) -> Result<Arc<dyn Mirror>, RowcolError> {
    Ok(match url {
        MirrorUrl::SqliteFile(path) => Arc::new(SqliteMirror::open_file(path, key).await?),
        MirrorUrl::SqliteMemory => Arc::new(SqliteMirror::open_memory(key).await?),
        MirrorUrl::Postgres(pg) => Arc::new(PostgresMirror::connect_url(pg, key).await?),
    })
}

/// The README's Rust snippets, compiled as doc tests so they cannot drift.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

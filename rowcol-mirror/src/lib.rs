//! # rowcol-mirror
//!
//! RowCol's [`MirrorStore`] and [`CredentialStore`] on SQLite (the embedded
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

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rowcol_core::entity::{Bill, Invoice};
use rowcol_core::snapshot::{ClientSnapshot, SnapshotRequest};
use rowcol_core::sync::{
    ApplyOutcome, AuditEntry, AuditVerification, BalancePoint, Checkpoint, DeadLetter, RecordState, RunCounts, RunId,
    RunStatus, SyncBatch, SyncMode, SyncRun, SyncTrigger,
};
use rowcol_core::{
    Advisor, AdvisorId, Client, ClientHealth, ClientId, ClientSettings, Connection, ConnectionStatus, CredentialStore,
    EntityKind, ErrorContext, ExternalId, LeaseStore, MirrorStore, Rail, RailCredentials, ReviewState, RowcolError,
    VersionToken,
};

pub use backend::Backend;
pub use cache::SnapshotCacheConfig;
pub use crypto::CredentialKey;
pub use store::{PostgresMirror, SqlMirror, SqliteMirror, create_private};
pub use url::{MirrorUrl, PostgresUrl, UrlError};

use crate::error::store_error;
use crate::store::{bind_text, need_int, need_text, sql};

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

#[async_trait]
impl<DB: Backend> MirrorStore for SqlMirror<DB> {
    async fn upsert_advisor(&self, advisor: &Advisor) -> Result<(), RowcolError> {
        self.put_advisor(advisor).await
    }

    async fn upsert_client(&self, client: &Client) -> Result<(), RowcolError> {
        self.put_client(client).await
    }

    async fn set_connection_status(
        &self,
        client: &ClientId,
        rail: Rail,
        status: ConnectionStatus,
    ) -> Result<(), RowcolError> {
        self.put_connection_status(client, rail, status).await
    }

    async fn portfolio(&self, advisor: &AdvisorId) -> Result<Vec<Client>, RowcolError> {
        self.list_clients(advisor).await
    }

    async fn connections(&self) -> Result<Vec<Connection>, RowcolError> {
        self.all_connections().await
    }

    async fn apply(&self, batch: &SyncBatch) -> Result<ApplyOutcome, RowcolError> {
        self.apply_batch(batch).await
    }

    async fn live_versions(
        &self,
        client: &ClientId,
        rail: Rail,
        kind: EntityKind,
    ) -> Result<Vec<(ExternalId, VersionToken)>, RowcolError> {
        self.read_live_versions(client, rail, kind).await
    }

    async fn record_states(
        &self,
        client: &ClientId,
        rail: Rail,
        keys: &[(EntityKind, ExternalId)],
    ) -> Result<Vec<RecordState>, RowcolError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn(&ErrorContext::client(client)).await?;
        let held = write::held_by_key::<DB>(&mut conn, client, rail, keys.iter().map(|(k, id)| (*k, id))).await?;
        Ok(held
            .into_iter()
            .map(|((kind, external_id), held)| RecordState {
                kind,
                external_id,
                version: held.version,
                updated_at: DateTime::<Utc>::from_timestamp_micros(held.updated_us).unwrap_or_default(),
                deleted: held.deleted,
            })
            .collect())
    }

    async fn checkpoint(&self, client: &ClientId, rail: Rail) -> Result<Option<Checkpoint>, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("SELECT position, committed_us FROM checkpoints WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND rail = ");
        bind_text(&mut q, rail.as_str());
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "reading the checkpoint"))?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let position = serde_json::from_str(&need_text::<DB>(row, 0)?)
            .map_err(|e| codec::corrupt(format!("stored checkpoint of {client} does not parse: {e}")))?;
        Ok(Some(Checkpoint {
            client: client.clone(),
            rail,
            position,
            committed_at: codec::instant(need_int::<DB>(row, 1)?)?,
        }))
    }

    async fn start_run(
        &self,
        client: &ClientId,
        rail: Rail,
        trigger: SyncTrigger,
        mode: SyncMode,
    ) -> Result<RunId, RowcolError> {
        self.insert_run(client, rail, trigger, mode).await
    }

    async fn finish_run(
        &self,
        run: RunId,
        status: RunStatus,
        counts: RunCounts,
        error: Option<String>,
    ) -> Result<(), RowcolError> {
        self.close_run(run, status, counts, error).await
    }

    async fn abandon_runs(&self, client: &ClientId, rail: Rail, reason: &str) -> Result<u32, RowcolError> {
        self.close_running_runs(client, rail, reason).await
    }

    async fn api_calls_since(&self, rail: Rail, since: DateTime<Utc>) -> Result<u64, RowcolError> {
        self.sum_api_calls(rail, since).await
    }

    async fn runs(&self, client: &ClientId, limit: u32) -> Result<Vec<SyncRun>, RowcolError> {
        self.list_runs(client, limit).await
    }

    async fn dead_letters(&self, client: &ClientId) -> Result<Vec<DeadLetter>, RowcolError> {
        self.list_dead_letters(client).await
    }

    async fn resolve_dead_letter(&self, client: &ClientId, id: i64) -> Result<(), RowcolError> {
        self.delete_dead_letter(client, id).await
    }

    async fn audit_entries(&self, client: &ClientId, after: i64, limit: u32) -> Result<Vec<AuditEntry>, RowcolError> {
        self.read_audit(client, after, limit).await
    }

    async fn verify_audit(&self, client: &ClientId) -> Result<AuditVerification, RowcolError> {
        self.verify_chain(client).await
    }

    async fn settings(&self, advisor: &AdvisorId, client: &ClientId) -> Result<ClientSettings, RowcolError> {
        self.get_settings(advisor, client).await
    }

    async fn save_settings(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        settings: &ClientSettings,
    ) -> Result<(), RowcolError> {
        self.put_settings(advisor, client, settings).await
    }

    async fn save_review(&self, advisor: &AdvisorId, review: &ReviewState) -> Result<(), RowcolError> {
        self.put_review(advisor, review).await
    }

    async fn snapshot(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        request: SnapshotRequest,
    ) -> Result<ClientSnapshot, RowcolError> {
        self.load_snapshot(advisor, client, request).await
    }

    async fn bills_due(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Bill>, RowcolError> {
        self.bills_due_between(advisor, client, from, to).await
    }

    async fn overdue_invoices(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        as_of: NaiveDate,
    ) -> Result<Vec<Invoice>, RowcolError> {
        self.invoices_overdue(advisor, client, as_of).await
    }

    async fn balance_history(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<BalancePoint>, RowcolError> {
        self.read_balance_history(advisor, client, from, to).await
    }

    async fn health(&self, advisor: &AdvisorId, client: &ClientId) -> Result<ClientHealth, RowcolError> {
        let mut conn = self.conn(&ErrorContext::client(client)).await?;
        self.check_scope(&mut conn, advisor, client).await?;
        self.read_health(&mut conn, client).await
    }
}

#[async_trait]
impl<DB: Backend> CredentialStore for SqlMirror<DB> {
    async fn save_credentials(
        &self,
        client: &ClientId,
        rail: Rail,
        credentials: &RailCredentials,
    ) -> Result<(), RowcolError> {
        self.put_credentials(client, rail, credentials).await
    }

    async fn load_credentials(&self, client: &ClientId, rail: Rail) -> Result<Option<RailCredentials>, RowcolError> {
        self.get_credentials(client, rail).await
    }
}

#[async_trait]
impl<DB: Backend> LeaseStore for SqlMirror<DB> {
    async fn try_acquire(&self, name: &str, holder: &str, ttl: std::time::Duration) -> Result<bool, RowcolError> {
        self.take_lease(name, holder, ttl).await
    }

    async fn release(&self, name: &str, holder: &str) -> Result<(), RowcolError> {
        self.drop_lease(name, holder).await
    }

    async fn holder(&self, name: &str) -> Result<Option<rowcol_core::ports::LeaseHold>, RowcolError> {
        self.lease_holder(name).await
    }
}

/// The README's Rust snippets, compiled as doc tests so they cannot drift.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

//! The realm lease one sync attempt holds: named `sync:<client>:<rail>`,
//! held under a holder name unique to the attempt (the process's name plus
//! a counter), so two syncs of one realm never overlap, whether they run in
//! two processes or side by side in one. A heartbeat renews it while the
//! attempt runs, so a single long rail call cannot outlive it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::{Connection, ErrorContext, LeaseStore, Result, RowcolError, StoreErrorKind};

/// How long a realm's sync lease lasts by default before it must be renewed;
/// a killed worker's lease frees itself after this.
pub const SYNC_LEASE_TTL: Duration = Duration::from_secs(120);

/// Where the engine takes realm leases: the store and the process's holder
/// prefix.
pub(super) struct LeaseConfig {
    pub(super) store: Arc<dyn LeaseStore>,
    process: String,
    attempts: AtomicU64,
}

impl LeaseConfig {
    pub(super) fn new(store: Arc<dyn LeaseStore>, process: String) -> Self {
        LeaseConfig {
            store,
            process,
            attempts: AtomicU64::new(0),
        }
    }

    /// A holder name no other attempt of this process (or, with a unique
    /// process name, of any process) uses.
    fn next_holder(&self) -> String {
        let n = self.attempts.fetch_add(1, Ordering::Relaxed);
        format!("{}#{n}", self.process)
    }

    /// Takes the realm's lease for `ttl` for a new attempt; `None` when
    /// another attempt holds it.
    pub(super) async fn acquire(&self, connection: &Connection, ttl: Duration) -> Result<Option<RealmLease>> {
        let name = lease_name(connection);
        let holder = self.next_holder();
        if !self.store.try_acquire(&name, &holder, ttl).await? {
            return Ok(None);
        }
        let heartbeat = tokio::spawn(heartbeat(Arc::clone(&self.store), name.clone(), holder.clone(), ttl));
        Ok(Some(RealmLease {
            store: Arc::clone(&self.store),
            name,
            holder,
            ttl,
            connection: connection.clone(),
            heartbeat,
        }))
    }
}

/// The lease name of a connection's realm.
fn lease_name(connection: &Connection) -> String {
    format!("sync:{}:{}", connection.client, connection.rail)
}

/// Renews the lease every third of its life until aborted. A renewal that
/// finds the lease taken stops; the attempt notices at its next
/// [`RealmLease::check`].
async fn heartbeat(store: Arc<dyn LeaseStore>, name: String, holder: String, ttl: Duration) {
    let every = (ttl / 3).max(Duration::from_millis(10));
    loop {
        tokio::time::sleep(every).await;
        match store.try_acquire(&name, &holder, ttl).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => tracing::warn!(error = %e, lease = %name, "could not renew the sync lease; retrying"),
        }
    }
}

/// A realm lease held by one sync attempt.
pub(crate) struct RealmLease {
    store: Arc<dyn LeaseStore>,
    name: String,
    holder: String,
    ttl: Duration,
    connection: Connection,
    heartbeat: JoinHandle<()>,
}

impl RealmLease {
    /// Renews the lease between rail calls; fails when another attempt took
    /// it over (this one stalled past the lease's life), so the attempt stops
    /// before writing more.
    pub(crate) async fn check(&self) -> Result<()> {
        if self.store.try_acquire(&self.name, &self.holder, self.ttl).await? {
            return Ok(());
        }
        Err(RowcolError::store(
            StoreErrorKind::Busy,
            ErrorContext::client(&self.connection.client).with_realm(self.connection.rail, &self.connection.realm),
            "the realm's sync lease was taken over by another worker; stopping this sync",
        ))
    }

    /// Stops the heartbeat and gives the lease back. A failed release only
    /// delays the next sync until the lease expires.
    pub(crate) async fn release(self) {
        self.heartbeat.abort();
        if let Err(e) = self.store.release(&self.name, &self.holder).await {
            tracing::warn!(error = %e, client = %self.connection.client, "could not release the sync lease");
        }
    }
}

impl Drop for RealmLease {
    fn drop(&mut self) {
        // A cancelled attempt (its future dropped) must not keep renewing.
        self.heartbeat.abort();
    }
}

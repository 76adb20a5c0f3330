//! The realm lease one sync attempt holds: named `sync:<client>:<rail>`,
//! held under a holder name unique to the attempt (the process's name plus
//! a counter), so two syncs of one realm never overlap, whether they run in
//! two processes or side by side in one. A heartbeat renews it while the
//! attempt runs, so a single long rail call cannot outlive it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use rowcol_core::{Connection, ErrorContext, LeaseStore, Result, RowcolError, StoreErrorKind};

/// How long a realm's sync lease lasts by default before it must be renewed;
/// a killed worker's lease frees itself after this.
pub const SYNC_LEASE_TTL: Duration = Duration::from_secs(120);

/// Attempts at releasing a lease before it is left to expire.
const RELEASE_TRIES: u32 = 4;

/// The pause after a failed release, times the attempts so far.
const RELEASE_PAUSE: Duration = Duration::from_millis(100);

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
        let (stop, stopped) = oneshot::channel();
        let heartbeat = tokio::spawn(heartbeat(
            Arc::clone(&self.store),
            name.clone(),
            holder.clone(),
            ttl,
            stopped,
        ));
        Ok(Some(RealmLease {
            store: Arc::clone(&self.store),
            name,
            holder,
            ttl,
            connection: connection.clone(),
            heartbeat,
            stop: Some(stop),
        }))
    }
}

impl LeaseConfig {
    /// Who holds the realm's lease, for a "busy" report; `None` when free,
    /// or when the store cannot tell or fails to (a message, not a decision).
    pub(super) async fn holder_of(&self, connection: &Connection) -> Option<rowcol_core::ports::LeaseHold> {
        match self.store.holder(&lease_name(connection)).await {
            Ok(hold) => hold,
            Err(e) => {
                tracing::debug!(error = %e, client = %connection.client, "could not read the lease holder");
                None
            }
        }
    }
}

/// The lease name of a connection's realm.
fn lease_name(connection: &Connection) -> String {
    format!("sync:{}:{}", connection.client, connection.rail)
}

/// Renews the lease every third of its life until told to stop (between
/// renewals, never during one) or aborted. A renewal that finds the lease
/// taken stops; the attempt notices at its next [`RealmLease::check`].
async fn heartbeat(
    store: Arc<dyn LeaseStore>,
    name: String,
    holder: String,
    ttl: Duration,
    mut stop: oneshot::Receiver<()>,
) {
    let every = (ttl / 3).max(Duration::from_millis(10));
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            _ = &mut stop => return,
        }
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
    stop: Option<oneshot::Sender<()>>,
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

    /// Stops the heartbeat and gives the lease back. The heartbeat is
    /// waited for: a renewal still in flight would otherwise land after the
    /// release and hold the realm for another `ttl` (seen: a reconcile right
    /// after a sync found its realm busy). A release the store refuses for a
    /// passing reason (a cut connection, a busy database) is tried again
    /// [`RELEASE_TRIES`] times in all: a lease left behind holds the realm
    /// against every later attempt, in this process or another, until it
    /// expires (seen: a sync after a database restart found its realm held
    /// by the process whose connections were cut). Past that, the next sync
    /// waits for the lease to expire.
    pub(crate) async fn release(mut self) {
        if let Some(stop) = self.stop.take() {
            // An error means the heartbeat has already ended.
            let _ = stop.send(());
        }
        // Ends as the heartbeat returns (a panic in it changes nothing here).
        let _ = (&mut self.heartbeat).await;
        let mut tries = 1;
        while let Err(e) = self.store.release(&self.name, &self.holder).await {
            if tries == RELEASE_TRIES || !e.retryable() {
                tracing::warn!(error = %e, client = %self.connection.client, tries, "could not release the sync lease");
                return;
            }
            tokio::time::sleep(RELEASE_PAUSE * tries).await;
            tries += 1;
        }
    }
}

impl Drop for RealmLease {
    fn drop(&mut self) {
        // A cancelled attempt (its future dropped) must not keep renewing.
        self.heartbeat.abort();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_trait::async_trait;

    use super::*;
    use rowcol_core::{ConnectionStatus, Rail};

    /// A lease store whose writes, once started, land even if the caller
    /// stops waiting (as a database's do); renewals take 50 ms.
    #[derive(Default)]
    struct SlowRenewals {
        holder: Arc<Mutex<Option<String>>>,
        calls: AtomicU64,
    }

    #[async_trait]
    impl LeaseStore for SlowRenewals {
        async fn try_acquire(&self, _name: &str, holder: &str, _ttl: Duration) -> Result<bool> {
            let renewal = self.calls.fetch_add(1, Ordering::Relaxed) > 0;
            let (held, holder) = (Arc::clone(&self.holder), holder.to_owned());
            let write = tokio::spawn(async move {
                if renewal {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                let mut held = held.lock().unwrap();
                if held.as_ref().is_some_and(|h| *h != holder) {
                    return false;
                }
                *held = Some(holder);
                true
            });
            Ok(write.await.unwrap_or(false))
        }

        async fn release(&self, _name: &str, holder: &str) -> Result<()> {
            let mut held = self.holder.lock().unwrap();
            if held.as_deref() == Some(holder) {
                *held = None;
            }
            Ok(())
        }
    }

    /// A lease store whose first `failures` releases fail as a cut
    /// database connection does (retryable).
    #[derive(Default)]
    struct FlakyReleases {
        holder: Mutex<Option<String>>,
        failures: AtomicU64,
    }

    #[async_trait]
    impl LeaseStore for FlakyReleases {
        async fn try_acquire(&self, _name: &str, holder: &str, _ttl: Duration) -> Result<bool> {
            let mut held = self.holder.lock().unwrap();
            if held.as_ref().is_some_and(|h| h != holder) {
                return Ok(false);
            }
            *held = Some(holder.to_owned());
            Ok(true)
        }

        async fn release(&self, _name: &str, holder: &str) -> Result<()> {
            if self.failures.load(Ordering::Relaxed) > 0 {
                self.failures.fetch_sub(1, Ordering::Relaxed);
                return Err(RowcolError::store(
                    StoreErrorKind::Unavailable,
                    ErrorContext::default(),
                    "terminating connection due to administrator command",
                ));
            }
            let mut held = self.holder.lock().unwrap();
            if held.as_deref() == Some(holder) {
                *held = None;
            }
            Ok(())
        }
    }

    fn acme() -> Connection {
        Connection {
            client: rowcol_testkit::fixtures::id("acme"),
            rail: Rail::Qbo,
            realm: rowcol_testkit::fixtures::id("1"),
            status: ConnectionStatus::Active,
        }
    }

    #[tokio::test]
    async fn a_release_cut_off_by_the_database_is_tried_again_and_frees_the_realm() {
        let store = Arc::new(FlakyReleases {
            failures: AtomicU64::new(RELEASE_TRIES.into()),
            ..FlakyReleases::default()
        });
        // A store down for longer than the tries: the lease is left to expire.
        let config = LeaseConfig::new(store.clone(), "first".to_owned());
        let lease = config.acquire(&acme(), SYNC_LEASE_TTL).await.unwrap().unwrap();
        lease.release().await;
        assert_eq!(store.failures.load(Ordering::Relaxed), 0, "every try was made");
        assert!(store.holder.lock().unwrap().is_some());

        // A store back after a few failures: the realm is free for the next process.
        *store.holder.lock().unwrap() = None;
        store.failures.store(u64::from(RELEASE_TRIES - 1), Ordering::Relaxed);
        let lease = config.acquire(&acme(), SYNC_LEASE_TTL).await.unwrap().unwrap();
        lease.release().await;
        let next = LeaseConfig::new(store.clone(), "second".to_owned());
        assert!(
            next.acquire(&acme(), SYNC_LEASE_TTL).await.unwrap().is_some(),
            "the realm is still held by {:?}",
            store.holder.lock().unwrap()
        );
    }

    #[tokio::test]
    async fn a_released_lease_stays_free_even_with_a_renewal_in_flight() {
        let store = Arc::new(SlowRenewals::default());
        let config = LeaseConfig::new(store.clone(), "test".to_owned());
        let lease = config
            .acquire(&acme(), Duration::from_millis(30))
            .await
            .unwrap()
            .unwrap();
        // The heartbeat renews every 10 ms: by now a renewal is under way.
        tokio::time::sleep(Duration::from_millis(15)).await;
        lease.release().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(
            *store.holder.lock().unwrap(),
            None,
            "the renewal landed after the release"
        );
    }
}

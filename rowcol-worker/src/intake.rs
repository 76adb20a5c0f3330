//! Intake of urgent work: verified webhook change notices in, one targeted
//! sync job per realm out; realm-level webhooks (Plaid's "this Item has
//! updates", "this Item needs its user") turned into a sync job or a
//! connection status; and on-demand syncs a person asks for.
//!
//! Duplicates inside a delivery collapse on their key and the rest group by
//! realm ([`NoticeInbox`]). Each realm's job waits a short coalescing delay,
//! and a job finds its work done when a sync of the realm started after it
//! was asked for: a burst of deliveries, re-deliveries included, costs one
//! sync. Nothing is remembered in memory, so a crash or a queue outage
//! loses no notice that was not acknowledged (the caller answers the rail
//! with an error and the rail delivers again).

use std::sync::Arc;
use std::time::Duration;

use rowcol_core::sync::{ChangeNotice, SyncTrigger};
use rowcol_core::{ClientId, Connection, ConnectionStatus, Rail, RealmId};
use rowcol_sync::SyncEngine;
use rowcol_sync::engine::NoticeInbox;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::job::{SyncJob, connection_of};
use crate::queue::JobQueue;

/// How long a webhook job waits by default so that a burst lands in one sync.
/// Intuit already batches a company's events into one delivery, so a short
/// wait suffices; it is most of the webhook-to-mirror latency, whose target
/// is a p99 under 2 s (see the `sync_portfolio` bench).
pub const DEFAULT_COALESCE: Duration = Duration::from_millis(500);

/// Turns change notices and on-demand requests into urgent sync jobs.
pub struct Intake {
    engine: Arc<SyncEngine>,
    queue: JobQueue,
    coalesce: Duration,
}

/// What one intake call did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeReport {
    /// Notices that were not duplicates of another in the same delivery.
    pub distinct: usize,
    /// Clients whose targeted sync was queued, in realm order.
    pub queued: Vec<ClientId>,
    /// Realms no connection has (logged and dropped).
    pub unknown: Vec<(Rail, RealmId)>,
}

impl Intake {
    /// An intake queueing into `queue` with the default coalescing delay.
    pub fn new(engine: Arc<SyncEngine>, queue: JobQueue) -> Self {
        Intake {
            engine,
            queue,
            coalesce: DEFAULT_COALESCE,
        }
    }

    /// Waits `delay` before a realm's webhook sync runs.
    pub fn coalesce_for(mut self, delay: Duration) -> Self {
        self.coalesce = delay;
        self
    }

    /// Queues one webhook sync per realm named by `notices` (already
    /// verified by the rail adapter), ahead of scheduled work.
    pub async fn enqueue_notices(&self, notices: Vec<ChangeNotice>) -> Result<IntakeReport> {
        let mut inbox = NoticeInbox::new(notices.len());
        let distinct = inbox.accept(notices);
        let mut report = IntakeReport {
            distinct,
            ..IntakeReport::default()
        };
        let pending = inbox.drain();
        if pending.is_empty() {
            return Ok(report);
        }
        let connections = self.engine.mirror().connections().await?;
        for (rail, realm, notices) in pending {
            let Some(connection) = connections.iter().find(|c| c.rail == rail && c.realm == realm) else {
                tracing::warn!(%rail, %realm, "change notices for a realm no connection has; dropped");
                report.unknown.push((rail, realm));
                continue;
            };
            self.push_webhook_job(connection, notices).await?;
            report.queued.push(connection.client.clone());
        }
        Ok(report)
    }

    /// Queues one webhook sync of the connection to `realm` on `rail`, for
    /// a rail whose webhook names the realm rather than records (Plaid's
    /// `SYNC_UPDATES_AVAILABLE`: the sync reads from the stored cursor).
    /// Coalesces as [`Intake::enqueue_notices`] does.
    pub async fn enqueue_realm(&self, rail: Rail, realm: &RealmId) -> Result<IntakeReport> {
        let mut report = IntakeReport {
            distinct: 1,
            ..IntakeReport::default()
        };
        match self.connection_to(rail, realm).await? {
            Some(connection) => {
                self.push_webhook_job(&connection, Vec::new()).await?;
                report.queued.push(connection.client);
            }
            None => {
                tracing::warn!(%rail, %realm, "a webhook for a realm no connection has; dropped");
                report.unknown.push((rail, realm.clone()));
            }
        }
        Ok(report)
    }

    /// Sets the status of the connection to `realm` on `rail` as the rail's
    /// webhook says (Plaid's `ITEM_LOGIN_REQUIRED`: it needs re-auth, and
    /// scheduled syncs skip it until the user links again; `LOGIN_REPAIRED`:
    /// active again, and a sync is queued to catch up). Answers the client,
    /// or `None` when no connection has that realm (logged and dropped).
    pub async fn set_realm_status(
        &self,
        rail: Rail,
        realm: &RealmId,
        status: ConnectionStatus,
    ) -> Result<Option<ClientId>> {
        let Some(connection) = self.connection_to(rail, realm).await? else {
            tracing::warn!(%rail, %realm, "a status webhook for a realm no connection has; dropped");
            return Ok(None);
        };
        self.engine
            .mirror()
            .set_connection_status(&connection.client, rail, status)
            .await?;
        if status == ConnectionStatus::Active {
            self.push_webhook_job(&connection, Vec::new()).await?;
        }
        Ok(Some(connection.client))
    }

    /// The connection to `realm` on `rail`, if one has it.
    async fn connection_to(&self, rail: Rail, realm: &RealmId) -> Result<Option<Connection>> {
        let connections = self.engine.mirror().connections().await?;
        Ok(connections.into_iter().find(|c| c.rail == rail && &c.realm == realm))
    }

    /// Queues a webhook sync of `connection` after the coalescing delay.
    async fn push_webhook_job(&self, connection: &Connection, notices: Vec<ChangeNotice>) -> Result<()> {
        let job = SyncJob::new(connection, SyncTrigger::Webhook, self.engine.clock().now()).with_notices(notices);
        self.queue.push(&job, self.coalesce, None).await?;
        Ok(())
    }

    /// Queues an on-demand sync of `client` on `rail` (a person asked), ahead
    /// of scheduled work.
    pub async fn enqueue_on_demand(&self, client: &ClientId, rail: Rail) -> Result<()> {
        let connection = connection_of(&self.engine, client, rail).await?;
        let job = SyncJob::new(&connection, SyncTrigger::OnDemand, self.engine.clock().now());
        self.queue.push(&job, Duration::ZERO, None).await?;
        Ok(())
    }
}

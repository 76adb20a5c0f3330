//! Intake of urgent work: verified webhook change notices in, one targeted
//! sync job per realm out; and on-demand syncs a person asks for.
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
use rowcol_core::{ClientId, Rail, RealmId};
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
        let now = self.engine.clock().now();
        for (rail, realm, notices) in pending {
            let Some(connection) = connections.iter().find(|c| c.rail == rail && c.realm == realm) else {
                tracing::warn!(%rail, %realm, "change notices for a realm no connection has; dropped");
                report.unknown.push((rail, realm));
                continue;
            };
            let job = SyncJob::new(connection, SyncTrigger::Webhook, now).with_notices(notices);
            self.queue.push(&job, self.coalesce, None).await?;
            report.queued.push(connection.client.clone());
        }
        Ok(report)
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

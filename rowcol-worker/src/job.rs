//! The sync job: what one queued job asks for, how urgent it is, and what
//! running it did. Jobs are plain serde structs stored by apalis as JSON.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rowcol_core::sync::{ChangeNotice, SyncTrigger};
use rowcol_core::{ClientId, Connection, Rail};
use rowcol_sync::SyncEngine;
use serde::{Deserialize, Serialize};

use crate::error::{Result, WorkerError};

/// Priority of webhook and on-demand syncs: a person or the rail is waiting.
pub const URGENT_PRIORITY: usize = 10;
/// Priority of reconciliation syncs.
pub const RECONCILE_PRIORITY: usize = 5;
/// Priority of scheduled syncs: they run when nothing urgent waits.
pub const SCHEDULED_PRIORITY: usize = 0;

/// One sync of one client on one rail, as queued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncJob {
    /// The client.
    pub client: ClientId,
    /// The rail.
    pub rail: Rail,
    /// What asked for it.
    pub trigger: SyncTrigger,
    /// Webhook notices behind it (empty for other triggers).
    pub notices: Vec<ChangeNotice>,
    /// Which attempt this is, from 1; the policy's retry rule reads it.
    pub attempt: u32,
    /// When the sync was asked for: a webhook job finds its work already
    /// done when a sync of the realm succeeded after this instant.
    pub requested_at: DateTime<Utc>,
}

impl SyncJob {
    /// A first attempt to sync `connection`, asked for at `requested_at`.
    pub fn new(connection: &Connection, trigger: SyncTrigger, requested_at: DateTime<Utc>) -> Self {
        SyncJob {
            client: connection.client.clone(),
            rail: connection.rail,
            trigger,
            notices: Vec::new(),
            attempt: 1,
            requested_at,
        }
    }

    /// The same job carrying webhook notices.
    pub fn with_notices(mut self, notices: Vec<ChangeNotice>) -> Self {
        self.notices = notices;
        self
    }

    /// Queue priority (higher runs first): webhook and on-demand work goes
    /// ahead of scheduled work.
    pub fn priority(&self) -> usize {
        match self.trigger {
            SyncTrigger::Webhook | SyncTrigger::OnDemand => URGENT_PRIORITY,
            SyncTrigger::Reconcile => RECONCILE_PRIORITY,
            SyncTrigger::Schedule => SCHEDULED_PRIORITY,
        }
    }

    /// The job that retries this one after a failure.
    pub fn next_attempt(&self) -> Self {
        SyncJob {
            attempt: self.attempt.saturating_add(1),
            ..self.clone()
        }
    }

    /// The job that starts this one's retries over (a replay).
    pub fn first_attempt(&self) -> Self {
        SyncJob {
            attempt: 1,
            ..self.clone()
        }
    }
}

/// The connection `client` has on `rail`, as the mirror lists it now.
pub(crate) async fn connection_of(engine: &SyncEngine, client: &ClientId, rail: Rail) -> Result<Connection> {
    engine
        .mirror()
        .connections()
        .await?
        .into_iter()
        .find(|c| &c.client == client && c.rail == rail)
        .ok_or_else(|| WorkerError::UnknownConnection {
            client: client.clone(),
            rail,
        })
}

/// What running a job did (stored by apalis as the job's result).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum JobOutcome {
    /// The mirror was brought up to date.
    Synced {
        /// Records fetched from the rail.
        fetched: u32,
        /// Calls made to the rail.
        api_calls: u32,
    },
    /// A reconciliation compared the mirror with the source and repaired
    /// what it could.
    Reconciled {
        /// Differences found.
        drift: u32,
        /// Records written or deleted by the repair.
        repaired: u32,
        /// Calls made to the rail.
        api_calls: u32,
    },
    /// The connection is not active; nothing was called.
    NotActive {
        /// Its status.
        status: String,
    },
    /// Its work was already done: a sync of the realm succeeded after this
    /// job was asked for, or the mirror already holds every change its
    /// notices name. No call was made.
    Coalesced,
    /// The rail's monthly call budget is spent: the webhook sync was not run
    /// (the next month's schedule, or a reconcile, catches up).
    OverBudget,
    /// Another worker holds the realm's lease: the job was queued again.
    Requeued {
        /// Delay before it runs again.
        after: Duration,
    },
    /// The attempt failed and the policy said to retry: the next attempt
    /// was queued.
    Retrying {
        /// The attempt that failed.
        attempt: u32,
        /// Delay before the next.
        after: Duration,
        /// The error (never a secret).
        error: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowcol_core::ConnectionStatus;

    fn job(trigger: SyncTrigger) -> SyncJob {
        let connection = Connection {
            client: "acme".parse().unwrap(),
            rail: Rail::Qbo,
            realm: "9130".parse().unwrap(),
            status: ConnectionStatus::Active,
        };
        SyncJob::new(&connection, trigger, Utc::now())
    }

    #[test]
    fn urgent_work_outranks_scheduled_work() {
        assert!(job(SyncTrigger::Webhook).priority() > job(SyncTrigger::Schedule).priority());
        assert_eq!(
            job(SyncTrigger::OnDemand).priority(),
            job(SyncTrigger::Webhook).priority()
        );
    }

    #[test]
    fn retries_count_attempts_and_replays_start_over() {
        let third = job(SyncTrigger::Schedule).next_attempt().next_attempt();
        assert_eq!(third.attempt, 3);
        assert_eq!(third.first_attempt().attempt, 1);
    }

    #[test]
    fn jobs_round_trip_through_json() {
        let job = job(SyncTrigger::Webhook);
        let text = serde_json::to_vec(&job).unwrap();
        assert_eq!(serde_json::from_slice::<SyncJob>(&text).unwrap(), job);
    }
}

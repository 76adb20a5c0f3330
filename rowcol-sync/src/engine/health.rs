//! Portfolio health: every client's sync health and the share of clients
//! whose data is within the freshness target.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use rowcol_core::sync::ClientHealth;
use rowcol_core::{AdvisorId, MirrorStore, Result};

/// Health of an advisor's whole portfolio at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioHealth {
    /// When it was computed.
    pub as_of: DateTime<Utc>,
    /// How old data may be and still count as fresh.
    pub freshness_target: Duration,
    /// Each client's health, in portfolio order.
    pub clients: Vec<ClientHealth>,
}

impl PortfolioHealth {
    /// Reads the health of every client of `advisor` from the mirror.
    pub async fn load(
        mirror: &dyn MirrorStore,
        advisor: &AdvisorId,
        freshness_target: Duration,
        as_of: DateTime<Utc>,
    ) -> Result<Self> {
        let mut clients = Vec::new();
        for client in mirror.portfolio(advisor).await? {
            clients.push(mirror.health(advisor, &client.id).await?);
        }
        Ok(PortfolioHealth {
            as_of,
            freshness_target,
            clients,
        })
    }

    /// Clients whose every kind synced within the target, on an active connection.
    pub fn fresh_clients(&self) -> usize {
        self.clients
            .iter()
            .filter(|c| c.is_fresh(self.as_of, self.freshness_target))
            .count()
    }

    /// Share of clients that are fresh, from 0 to 1 (1 for an empty portfolio).
    pub fn fresh_share(&self) -> f64 {
        if self.clients.is_empty() {
            1.0
        } else {
            self.fresh_clients() as f64 / self.clients.len() as f64
        }
    }
}

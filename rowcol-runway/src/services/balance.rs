//! The cash position with the time the balances are as of.

use chrono::{DateTime, Utc};
use rowcol_core::ClientSnapshot;
use serde::{Deserialize, Serialize};

use crate::calc::cash::{CashPosition, cash_position};

/// A cash position and when its balances were last read from the rail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceAsOf {
    /// The position.
    pub position: CashPosition,
    /// The last successful sync of accounts (`None`: never synced).
    pub as_of: Option<DateTime<Utc>>,
    /// Where the balances came from.
    pub source: String,
}

/// Balances from the mirror. (A live rail balance, when the policy asks for
/// one, is fetched by the orchestrator; this crate does no I/O.)
#[derive(Debug, Clone, Copy)]
pub struct BalanceService<'a> {
    s: &'a ClientSnapshot,
}

impl<'a> BalanceService<'a> {
    /// Over one snapshot.
    pub fn new(s: &'a ClientSnapshot) -> Self {
        BalanceService { s }
    }

    /// The cash position with its "as of".
    pub fn cash_position(&self) -> BalanceAsOf {
        let position = cash_position(self.s);
        BalanceAsOf {
            as_of: position.balances.synced_at,
            source: position.balances.source.clone(),
            position,
        }
    }
}

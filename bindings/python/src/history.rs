//! What the mirror keeps about its own work, as result objects with
//! `to_dict()` and `to_pandas()`: sync runs, dead letters, the audit log and
//! balance history (the records RowCol owns, read through `MirrorStore`).

use chrono::NaiveDate;
use pyo3::prelude::*;
use rowcol_core::ClientId;
use rowcol_core::sync::{AuditEntry, BalancePoint, DeadLetter, SyncRun};
use serde::Serialize;

use crate::results::result_class;

/// A client's latest sync runs, newest first.
#[derive(Debug, Serialize)]
pub struct RunsData {
    /// The client.
    pub client: ClientId,
    /// The runs.
    pub runs: Vec<SyncRun>,
}

result_class!(
    /// A client's latest sync runs, newest first: trigger, mode, status,
    /// start and end, counts and the error of a failed run.
    SyncRuns,
    RunsData,
    "runs",
    {
        /// Number of runs.
        fn __len__(&self) -> usize {
            self.inner.runs.len()
        }

        fn __repr__(&self) -> String {
            format!("SyncRuns(client={:?}, runs={})", self.inner.client.as_str(), self.inner.runs.len())
        }
    }
);

/// A client's dead letters, oldest first.
#[derive(Debug, Serialize)]
pub struct DeadLettersData {
    /// The client.
    pub client: ClientId,
    /// The letters.
    pub dead_letters: Vec<DeadLetter>,
}

result_class!(
    /// A client's dead letters, oldest first: records the rail sent that
    /// could not be mapped, with the payload as received, the reason, and
    /// when and how often they were rejected.
    DeadLetters,
    DeadLettersData,
    "dead_letters",
    {
        /// Number of dead letters.
        fn __len__(&self) -> usize {
            self.inner.dead_letters.len()
        }

        fn __repr__(&self) -> String {
            format!(
                "DeadLetters(client={:?}, dead_letters={})",
                self.inner.client.as_str(),
                self.inner.dead_letters.len()
            )
        }
    }
);

/// A page of a client's audit log, oldest first.
#[derive(Debug, Serialize)]
pub struct AuditData {
    /// The client.
    pub client: ClientId,
    /// The entries.
    pub entries: Vec<AuditEntry>,
}

result_class!(
    /// A page of a client's hash-chained audit log, oldest first: each
    /// insert, update and delete a sync made (deletes are the tombstones).
    AuditLog,
    AuditData,
    "audit",
    {
        /// Number of entries.
        fn __len__(&self) -> usize {
            self.inner.entries.len()
        }

        /// The last entry's sequence number (pass it as `after` for the next
        /// page), or `None` for an empty page.
        #[getter]
        fn last_seq(&self) -> Option<i64> {
            self.inner.entries.last().map(|e| e.seq)
        }

        fn __repr__(&self) -> String {
            format!("AuditLog(client={:?}, entries={})", self.inner.client.as_str(), self.inner.entries.len())
        }
    }
);

/// A client's daily balance points over a period.
#[derive(Debug, Serialize)]
pub struct BalancesData {
    /// The client.
    pub client: ClientId,
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// The points, by account then day.
    pub points: Vec<BalancePoint>,
}

result_class!(
    /// A client's bank and card balances day by day (one point per account
    /// per day a sync saw it), by account then day.
    BalanceHistory,
    BalancesData,
    "balances",
    {
        /// Number of points.
        fn __len__(&self) -> usize {
            self.inner.points.len()
        }

        fn __repr__(&self) -> String {
            format!(
                "BalanceHistory(client={:?}, {}..{}, points={})",
                self.inner.client.as_str(),
                self.inner.start,
                self.inner.end,
                self.inner.points.len()
            )
        }
    }
);

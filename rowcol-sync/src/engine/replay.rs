//! Dead-letter replay: read each rejected record again from the rail and, if
//! it now maps (the rail or RowCol was fixed) or is gone at the source,
//! land it and resolve the dead letter.

use rowcol_core::sync::{SyncBatch, Tombstone};
use rowcol_core::{Connection, Result};

use super::SyncEngine;

/// What a replay did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReplayReport {
    /// Dead letters resolved: their record landed or was deleted at the source.
    pub resolved: u32,
    /// Dead letters kept: still failing, or without an id to read again.
    pub kept: u32,
}

impl SyncEngine {
    /// Replays the dead letters of `connection`'s client on its rail.
    ///
    /// A record that still fails to map stays a dead letter (its attempt
    /// count grows on the next sync that meets it); a rail outage stops the
    /// replay with the error, keeping what was resolved so far.
    pub async fn replay_dead_letters(&self, connection: &Connection) -> Result<ReplayReport> {
        let rail = self.rail_for(connection)?;
        let mut report = ReplayReport::default();
        for letter in self.mirror.dead_letters(&connection.client).await? {
            if letter.rail != connection.rail {
                continue;
            }
            let Some(id) = letter.rejected.external_id.clone() else {
                report.kept += 1;
                continue;
            };
            let kind = letter.rejected.kind;
            let mut batch = SyncBatch::new(connection.client.clone(), connection.rail);
            match rail.fetch_one(connection, kind, &id).await {
                Ok(Some(record)) => batch.records.push(record),
                Ok(None) => batch.tombstones.push(Tombstone {
                    kind,
                    external_id: id,
                    deleted_at: self.clock.now().fixed_offset(),
                    merged_into: None,
                }),
                Err(e) if e.retryable() => return Err(e),
                Err(e) => {
                    tracing::info!(client = %connection.client, error = %e, "dead letter still fails");
                    report.kept += 1;
                    continue;
                }
            }
            self.mirror.apply(&batch).await?;
            self.mirror.resolve_dead_letter(&connection.client, letter.id).await?;
            report.resolved += 1;
        }
        Ok(report)
    }
}

//! An incremental cycle: every change of every mirrored kind since the
//! checkpoint, in as few rail calls as the rail allows (QBO: one CDC call
//! when nothing hit the cap), applied as one batch with the next cursor.

use rowcol_core::sync::{ChangeCursor, ChangeNotice, SyncBatch, SyncPosition};
use rowcol_core::{Connection, LedgerRail, Result};

use super::{Progress, SyncEngine, balance_points, notices};

/// Reads the changes since the rail's cursor `since` and applies them. A cursor older than the
/// rail's change window fails with `RailErrorKind::CursorTooOld`, and the
/// engine follows with a full re-sync.
pub(super) async fn run(
    engine: &SyncEngine,
    connection: &Connection,
    rail: &dyn LedgerRail,
    since: &ChangeCursor,
    notices: &[ChangeNotice],
    progress: &mut Progress,
) -> Result<()> {
    let changes = progress.count(rail.changes_since(connection, since, connection.rail.kinds()).await)?;
    progress.called(changes.api_calls);
    let mut batch = SyncBatch::new(connection.client.clone(), connection.rail);
    batch.balance_points = balance_points(&changes.records, changes.server_time.date_naive());
    batch.records = changes.records;
    batch.tombstones = changes.tombstones;
    notices::name_survivors(&mut batch.tombstones, notices);
    batch.rejects = changes.rejects;
    batch.checkpoint = Some(SyncPosition::Incremental { cursor: changes.next });
    engine.apply(batch, progress).await
}

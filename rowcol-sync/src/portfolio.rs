//! The read path for a whole portfolio: every client's snapshot, loaded
//! concurrently from the mirror, for the calculators.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::task::JoinSet;

use rowcol_core::snapshot::{ClientSnapshot, SnapshotRequest};
use rowcol_core::{AdvisorId, ErrorContext, MirrorStore, Result, RowcolError, StoreErrorKind};

/// Loads the snapshot of every client of `advisor`, in portfolio order.
///
/// Each load runs as its own tokio task, so decoding spreads over the
/// runtime's worker threads; the store's connection pool bounds how many
/// read at once. The first failure is returned and the other loads are
/// cancelled. Must be called within a tokio runtime.
pub async fn load_snapshots<M>(
    mirror: &Arc<M>,
    advisor: &AdvisorId,
    request: SnapshotRequest,
) -> Result<Vec<ClientSnapshot>>
where
    M: MirrorStore + ?Sized + 'static,
{
    let clients = mirror.portfolio(advisor).await?;
    let mut loads = JoinSet::new();
    let mut tasks = HashMap::new();
    for (slot, client) in clients.iter().enumerate() {
        let (mirror, advisor, id) = (Arc::clone(mirror), advisor.clone(), client.id.clone());
        let task = loads.spawn(async move { (slot, mirror.snapshot(&advisor, &id, request).await) });
        tasks.insert(task.id(), &client.id);
    }
    let mut snapshots: Vec<Option<ClientSnapshot>> = vec![None; clients.len()];
    while let Some(joined) = loads.join_next().await {
        let (slot, loaded) = joined.map_err(|e| {
            let context = tasks
                .get(&e.id())
                .map_or_else(ErrorContext::default, |c| ErrorContext::client(c));
            RowcolError::store(
                StoreErrorKind::Unavailable,
                context,
                format!("the snapshot load stopped before it finished: {e}"),
            )
        })?;
        snapshots[slot] = Some(loaded?);
    }
    Ok(snapshots.into_iter().flatten().collect())
}

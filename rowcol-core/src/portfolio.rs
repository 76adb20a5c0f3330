//! The read path for a whole portfolio: every client's snapshot, loaded
//! concurrently from the mirror, for the calculators.

use futures::future::try_join_all;

use crate::snapshot::{ClientSnapshot, SnapshotRequest};
use crate::{AdvisorId, MirrorStore, Result};

/// Loads the snapshot of every client of `advisor`, in portfolio order.
/// The loads run concurrently; the store's connection pool bounds them.
pub async fn load_snapshots(
    mirror: &dyn MirrorStore,
    advisor: &AdvisorId,
    request: SnapshotRequest,
) -> Result<Vec<ClientSnapshot>> {
    let clients = mirror.portfolio(advisor).await?;
    try_join_all(
        clients
            .iter()
            .map(|client| mirror.snapshot(advisor, &client.id, request)),
    )
    .await
}

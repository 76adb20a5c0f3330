//! Change events: after a sync changes a client's mirror, subscribers hear
//! which kinds and records, so views are recomputed without polling.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use rowcol_core::{ClientId, EntityKind, ExternalId, Rail};

/// A client's mirror changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeEvent {
    /// The client.
    pub client: ClientId,
    /// The rail the changes came from.
    pub rail: Rail,
    /// Kinds with at least one change.
    pub kinds: BTreeSet<EntityKind>,
    /// The records, by kind and id (a superset: every id of a batch that
    /// changed something).
    pub ids: Vec<(EntityKind, ExternalId)>,
}

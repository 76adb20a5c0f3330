//! `MirrorStore`: the mirror's three ports together, for callers that need
//! all of them (the sync engine, reconcile, the faces' wiring).
//!
//! Each part states its own contract and names its suite: [`Registry`],
//! [`SyncJournal`], [`MirrorReader`].

use super::{MirrorReader, Registry, SyncJournal};

/// The whole mirror: who is served, the sync journal and the read path.
/// Implemented for every type that implements the three parts.
pub trait MirrorStore: Registry + SyncJournal + MirrorReader {}

impl<T: Registry + SyncJournal + MirrorReader + ?Sized> MirrorStore for T {}

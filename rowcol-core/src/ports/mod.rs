//! The ports: what the engine and the views need from the outside world, in
//! domain words. Adapters implement them; nothing here knows HTTP or SQL.
//!
//! Each port's methods carry a **Behaviour** list of MUST/SHOULD rules, and
//! each port file names the suite in `rowcol-testkit` that checks exactly
//! those on every implementation. The rail and the lease store have mockall
//! mocks (feature `mocks`), which the engine's unit tests of its error and
//! lease paths drive (`rowcol-sync/tests/mocked_ports.rs`). Every port is
//! proven object-safe below.

mod credential_store;
mod lease_store;
mod ledger_rail;
mod mirror_reader;
mod mirror_store;
mod registry;
mod sync_journal;
mod sync_policy;

pub use credential_store::CredentialStore;
pub use lease_store::{LeaseHold, LeaseStore};
pub use ledger_rail::{ChangeSet, KindCounts, LedgerRail, LiveBalance, Page, PageRequest};
pub use mirror_reader::MirrorReader;
pub use mirror_store::MirrorStore;
pub use registry::Registry;
pub use sync_journal::SyncJournal;
pub use sync_policy::{DataSource, RateLimit, RetryDecision, SyncPolicy};

#[cfg(any(test, feature = "mocks"))]
pub use lease_store::MockLeaseStore;
#[cfg(any(test, feature = "mocks"))]
pub use ledger_rail::MockLedgerRail;

/// Compile-time proof that every port can be used as a trait object, so a
/// second rail or store plugs in behind `Arc<dyn Port>` without generics.
/// The mirror's parts are reached from the whole by upcasting.
#[allow(dead_code)]
fn mirror_parts_are_reachable(mirror: &dyn MirrorStore) -> (&dyn Registry, &dyn SyncJournal, &dyn MirrorReader) {
    (mirror, mirror, mirror)
}

#[allow(dead_code)]
fn ports_are_object_safe(
    _: &dyn LedgerRail,
    _: &dyn MirrorStore,
    _: &dyn CredentialStore,
    _: &dyn LeaseStore,
    _: &dyn SyncPolicy,
) {
}

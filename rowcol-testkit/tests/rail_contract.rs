//! `MemoryRail` keeps the `LedgerRail` contract, as every rail must.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::sync::Arc;

use rowcol_core::sync::SourceRecord;
use rowcol_core::{Connection, ConnectionStatus, Entity, EntityKind, ExternalId, ManualClock, Rail, RealmId};
use rowcol_testkit::MemoryRail;
use rowcol_testkit::fixtures::{self, time};
use rowcol_testkit::rail_contract::{self, BookEditor, EditedBooks};

/// The memory rail's source, edited as the contract asks.
struct Editor(Arc<MemoryRail>);

impl BookEditor for Editor {
    fn put(&self, realm: &RealmId, entity: Entity) {
        self.0.put(
            realm,
            SourceRecord {
                raw: "{}".into(),
                entity,
            },
        );
    }

    fn delete(&self, realm: &RealmId, kind: EntityKind, id: &ExternalId) {
        self.0.delete(realm, kind, id);
    }
}

#[tokio::test]
async fn memory_rail_keeps_the_ledger_rail_contract() {
    let clock = Arc::new(ManualClock::new(time("2026-03-01T12:00:00Z").to_utc()));
    // Pages of three, so paging is exercised.
    let rail = Arc::new(MemoryRail::new(clock.clone()).with_page_size(3));
    let connection = Connection {
        client: fixtures::id("acme"),
        rail: Rail::Qbo,
        realm: fixtures::id("9130"),
        status: ConnectionStatus::Active,
    };
    let books = EditedBooks::new(
        Arc::new(Editor(rail.clone())),
        rail,
        clock,
        connection,
        Some(chrono::Duration::days(30)),
        7,
    );
    rail_contract::run_all(&books).await;
}

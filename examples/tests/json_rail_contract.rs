//! The JSON example rail keeps the `LedgerRail` contract, as every rail must
//! (`rowcol_testkit::rail_contract`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

#[path = "../json_file_rail.rs"]
mod json_file_rail;

use std::sync::Arc;

use json_file_rail::JsonFileRail;
use rowcol_core::{Connection, ConnectionStatus, Entity, EntityKind, ExternalId, ManualClock, Rail, RealmId};
use rowcol_testkit::fixtures::{self, time};
use rowcol_testkit::rail_contract::{self, BookEditor, EditedBooks};

/// The JSON files, edited as the contract asks.
struct Editor(Arc<JsonFileRail>);

impl BookEditor for Editor {
    fn put(&self, realm: &RealmId, entity: Entity) {
        self.0.put(realm, entity).unwrap();
    }

    fn delete(&self, realm: &RealmId, kind: EntityKind, id: &ExternalId) {
        self.0.delete(realm, kind, id).unwrap();
    }
}

#[tokio::test]
async fn the_json_rail_keeps_the_ledger_rail_contract() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(time("2026-03-01T12:00:00Z").to_utc()));
    let rail = Arc::new(JsonFileRail::new(dir.path(), clock.clone()));
    let connection = Connection {
        client: fixtures::id("corner-bakery"),
        rail: Rail::Stripe,
        realm: fixtures::id("4620000"),
        status: ConnectionStatus::Active,
    };
    // More bills than a page holds, so paging is exercised; the rail keeps
    // every change, so no cursor is too old.
    let books = EditedBooks::new(Arc::new(Editor(rail.clone())), rail, clock, connection, None, 120);
    rail_contract::run_all(&books).await;
}

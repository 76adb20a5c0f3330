//! The JSON example rail keeps the `LedgerRail` contract, as every rail must
//! (`rowcol_testkit::rail_contract`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

#[path = "../json_file_rail.rs"]
mod json_file_rail;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use json_file_rail::JsonFileRail;
use rowcol_core::{
    Clock, Connection, ConnectionStatus, Entity, EntityKind, ExternalId, LedgerRail, ManualClock, Rail, VersionToken,
};
use rowcol_testkit::fixtures::{self, time};
use rowcol_testkit::rail_contract::{self, ContractSource};
use rust_decimal::Decimal;

/// JSON books in a temporary directory, on a clock the test moves.
struct JsonSource {
    _dir: tempfile::TempDir,
    clock: Arc<ManualClock>,
    rail: Arc<JsonFileRail>,
    connection: Connection,
    next_id: AtomicU64,
}

impl JsonSource {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(time("2026-03-01T12:00:00Z").to_utc()));
        let rail = Arc::new(JsonFileRail::new(dir.path(), clock.clone()));
        let connection = Connection {
            client: fixtures::id("corner-bakery"),
            rail: Rail::Stripe,
            realm: fixtures::id("4620000"),
            status: ConnectionStatus::Active,
        };
        // More bills than a page holds, so paging is exercised.
        for i in 1..=120 {
            rail.put(&connection.realm, bill(&i.to_string(), "0")).unwrap();
        }
        rail.put(
            &connection.realm,
            Entity::Vendor(fixtures::vendor("corner-bakery", "56", "Acme Supplies")),
        )
        .unwrap();
        JsonSource {
            _dir: dir,
            clock,
            rail,
            connection,
            next_id: AtomicU64::new(1000),
        }
    }
}

fn bill(id: &str, version: &str) -> Entity {
    let mut b = fixtures::bill("corner-bakery", id, Decimal::TEN);
    b.meta.version = VersionToken::new(version);
    Entity::Bill(b)
}

#[async_trait]
impl ContractSource for JsonSource {
    fn rail(&self) -> Arc<dyn LedgerRail> {
        self.rail.clone()
    }

    fn connection(&self) -> Connection {
        self.connection.clone()
    }

    fn kind(&self) -> EntityKind {
        EntityKind::Bill
    }

    fn kinds(&self) -> Vec<EntityKind> {
        vec![EntityKind::Bill, EntityKind::Vendor, EntityKind::Invoice]
    }

    fn change_window(&self) -> Option<chrono::Duration> {
        None
    }

    fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now().fixed_offset()
    }

    async fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    async fn create(&self) -> ExternalId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).to_string();
        self.rail.put(&self.connection.realm, bill(&id, "0")).unwrap();
        fixtures::id(&id)
    }

    async fn change(&self, id: &ExternalId) {
        self.rail.put(&self.connection.realm, bill(id.as_str(), "1")).unwrap();
    }

    async fn delete(&self, id: &ExternalId) {
        self.rail.delete(&self.connection.realm, EntityKind::Bill, id).unwrap();
    }
}

#[tokio::test]
async fn the_json_rail_keeps_the_ledger_rail_contract() {
    rail_contract::run_all(&JsonSource::new()).await;
}

//! `MemoryRail` keeps the `LedgerRail` contract, as every rail must.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use rowcol_core::sync::SourceRecord;
use rowcol_core::{
    Clock, Connection, ConnectionStatus, Entity, EntityKind, ExternalId, LedgerRail, ManualClock, Rail, VersionToken,
};
use rowcol_testkit::MemoryRail;
use rowcol_testkit::fixtures::{self, time};
use rowcol_testkit::rail_contract::{self, ContractSource};
use rust_decimal::Decimal;

/// A memory rail with a few bills, on a clock the test moves.
struct MemorySource {
    clock: Arc<ManualClock>,
    rail: Arc<MemoryRail>,
    connection: Connection,
    next_id: AtomicU64,
}

impl MemorySource {
    fn new() -> Self {
        let clock = Arc::new(ManualClock::new(time("2026-03-01T12:00:00Z").to_utc()));
        let rail = Arc::new(MemoryRail::new(clock.clone()).with_page_size(3));
        let connection = Connection {
            client: fixtures::id("acme"),
            rail: Rail::Qbo,
            realm: fixtures::id("9130"),
            status: ConnectionStatus::Active,
        };
        for i in 1..=7 {
            rail.put(&connection.realm, bill(&i.to_string(), "0"));
            rail.put(
                &connection.realm,
                record(Entity::Vendor(fixtures::vendor("acme", &i.to_string(), "Supplier"))),
            );
        }
        MemorySource {
            clock,
            rail,
            connection,
            next_id: AtomicU64::new(100),
        }
    }
}

fn record(entity: Entity) -> SourceRecord {
    SourceRecord {
        raw: "{}".into(),
        entity,
    }
}

fn bill(id: &str, version: &str) -> SourceRecord {
    let mut b = fixtures::bill("acme", id, Decimal::TEN);
    b.meta.version = VersionToken::new(version);
    record(Entity::Bill(b))
}

#[async_trait]
impl ContractSource for MemorySource {
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
        Some(chrono::Duration::days(30))
    }

    fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now().fixed_offset()
    }

    async fn advance(&self, by: chrono::Duration) {
        self.clock.advance(by);
    }

    async fn create(&self) -> ExternalId {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed).to_string();
        self.rail.put(&self.connection.realm, bill(&id, "0"));
        fixtures::id(&id)
    }

    async fn change(&self, id: &ExternalId) {
        self.rail.put(&self.connection.realm, bill(id.as_str(), "1"));
    }

    async fn delete(&self, id: &ExternalId) {
        self.rail.delete(&self.connection.realm, EntityKind::Bill, id);
    }
}

#[tokio::test]
async fn memory_rail_keeps_the_ledger_rail_contract() {
    rail_contract::run_all(&MemorySource::new()).await;
}

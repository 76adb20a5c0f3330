//! The QBO rail keeps the `LedgerRail` contract against its look-alike, as
//! every rail must (`rowcol_testkit::rail_contract`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use rowcol_core::{Connection, EntityKind, ExternalId, LedgerRail};
use rowcol_qbo_sim::{Kind, Size};
use rowcol_testkit::rail_contract::{self, ContractSource};
use serde_json::json;

/// A small look-alike company, changed through the look-alike's admin API.
struct LookAlikeSource {
    harness: common::Harness,
    rail: Arc<dyn LedgerRail>,
}

impl LookAlikeSource {
    fn id(id: &ExternalId) -> u64 {
        id.as_str().parse().unwrap()
    }
}

#[async_trait]
impl ContractSource for LookAlikeSource {
    fn rail(&self) -> Arc<dyn LedgerRail> {
        self.rail.clone()
    }

    fn connection(&self) -> Connection {
        self.harness.connection.clone()
    }

    fn kind(&self) -> EntityKind {
        EntityKind::Bill
    }

    fn kinds(&self) -> Vec<EntityKind> {
        EntityKind::ALL.to_vec()
    }

    fn change_window(&self) -> Option<chrono::Duration> {
        Some(chrono::Duration::days(30))
    }

    fn now(&self) -> DateTime<FixedOffset> {
        self.harness.sim.admin().now().fixed_offset()
    }

    async fn advance(&self, by: chrono::Duration) {
        self.harness.sim.admin().advance_clock(by);
    }

    async fn create(&self) -> ExternalId {
        let bill = self
            .harness
            .sim
            .admin()
            .create(
                &self.harness.realm,
                Kind::Bill,
                json!({"TxnDate": "2026-01-05", "TotalAmt": 99.99, "CurrencyRef": {"value": "USD"}}),
            )
            .unwrap();
        bill["Id"].as_str().unwrap().parse().unwrap()
    }

    async fn change(&self, id: &ExternalId) {
        self.harness
            .sim
            .admin()
            .update(
                &self.harness.realm,
                Kind::Bill,
                Self::id(id),
                &json!({"PrivateNote": "changed"}),
            )
            .unwrap();
    }

    async fn delete(&self, id: &ExternalId) {
        self.harness
            .sim
            .admin()
            .delete(&self.harness.realm, Kind::Bill, Self::id(id))
            .unwrap();
    }
}

#[tokio::test]
async fn the_qbo_rail_keeps_the_ledger_rail_contract() {
    let harness = common::harness(Size::Small).await;
    let rail = Arc::new(harness.rail());
    rail_contract::run_all(&LookAlikeSource { harness, rail }).await;
}

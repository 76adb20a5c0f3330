//! The Plaid rail keeps the `LedgerRail` contract against its look-alike,
//! as every rail must (`rowcol_testkit::rail_contract`). Lines are created
//! with `/sandbox/transactions/create`, changed and deleted with the
//! look-alike's `rename_line` / `remove_line`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use common::{RailHarness, bank, rail_harness};
use rowcol_core::{Connection, EntityKind, ExternalId, LedgerRail};
use rowcol_plaid::ItemAccess;
use rowcol_testkit::rail_contract::{self, ContractSource};
use tokio::sync::Mutex;

/// A small client's bank at the look-alike, linked through the rail.
struct LookAlikeSource {
    r: RailHarness,
    connection: Connection,
    item: ItemAccess,
    /// Where the source's own reads of new lines resume.
    cursor: Mutex<String>,
    made: AtomicU32,
}

#[async_trait]
impl ContractSource for LookAlikeSource {
    fn rail(&self) -> Arc<dyn LedgerRail> {
        self.r.rail.clone()
    }

    fn connection(&self) -> Connection {
        self.connection.clone()
    }

    fn kind(&self) -> EntityKind {
        EntityKind::BankTransaction
    }

    fn kinds(&self) -> Vec<EntityKind> {
        EntityKind::BANK.to_vec()
    }

    fn change_window(&self) -> Option<chrono::Duration> {
        None
    }

    fn now(&self) -> DateTime<FixedOffset> {
        self.r.h.sim.admin().now().fixed_offset()
    }

    async fn advance(&self, by: chrono::Duration) {
        self.r.h.sim.admin().advance_clock(by);
    }

    async fn create(&self) -> ExternalId {
        let n = self.made.fetch_add(1, Ordering::Relaxed);
        let description = format!("CONTRACT LINE {n}");
        let today = self.r.h.sim.admin().now().date_naive().to_string();
        let answer = reqwest::Client::new()
            .post(format!("{}/sandbox/transactions/create", self.r.h.sim.base_url()))
            .json(&serde_json::json!({
                "client_id": "sim-client-id", "secret": "sim-secret",
                "access_token": secrecy::ExposeSecret::expose_secret(&self.item.access_token),
                "transactions": [{"date_transacted": today, "date_posted": today,
                    "amount": format!("{}.25", 10 + n), "description": description}]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200);
        let mut cursor = self.cursor.lock().await;
        let update = self.r.h.client.sync(&self.item, &cursor).await.unwrap();
        *cursor = update.next_cursor.clone();
        let line = update.upserts.iter().find(|l| l.name == description).unwrap();
        line.transaction_id.parse().unwrap()
    }

    async fn change(&self, id: &ExternalId) {
        self.r
            .h
            .sim
            .admin()
            .rename_line(self.connection.realm.as_str(), id.as_str(), "CHANGED BY THE BANK")
            .unwrap();
    }

    async fn delete(&self, id: &ExternalId) {
        self.r
            .h
            .sim
            .admin()
            .remove_line(self.connection.realm.as_str(), id.as_str())
            .unwrap();
    }
}

#[tokio::test]
async fn the_plaid_rail_keeps_the_ledger_rail_contract() {
    let r = rail_harness(50).await;
    let token = r.h.public_token(bank("client-1", 5, 0.9)).await;
    let connection = r.rail.connect(&"acme".parse().unwrap(), &token).await.unwrap();
    let item = r.rail.item_access(&connection).await.unwrap();
    let cursor = r.h.client.sync(&item, "").await.unwrap().next_cursor;
    let source = LookAlikeSource {
        r,
        connection,
        item,
        cursor: Mutex::new(cursor),
        made: AtomicU32::new(0),
    };
    rail_contract::run_all(&source).await;
}

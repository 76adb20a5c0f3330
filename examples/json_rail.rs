//! A second `LedgerRail`, over local JSON files ([`JsonFileRail`]), synced
//! into a SQLite mirror by the same engine that syncs QBO: full sync,
//! checkpoints and runs included. The advisor's digest is then computed
//! from the mirror.
//!
//! `cargo run -p rowcol-examples --example json_rail`

#[path = "json_file_rail.rs"]
mod json_file_rail;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use json_file_rail::JsonFileRail;
use rowcol_core::entity::{Entity, EntityKind};
use rowcol_core::prelude::*;
use rowcol_core::sync::SyncTrigger;
use rowcol_core::{
    Advisor, Client, Connection, ConnectionStatus, Currency, EnabledRails, RealmId, SnapshotRequest, SystemClock,
};
use rowcol_runway::{DigestClock, digest};
use rowcol_stack::Stack;
use rowcol_sync::SyncOutcome;
use rowcol_testkit::fixtures;
use rust_decimal::Decimal;

/// Writes a small set of books for one client as JSON files.
fn write_books(rail: &JsonFileRail, client: &str, realm: &RealmId, cash: i64) -> std::io::Result<()> {
    let d = Decimal::from;
    let mut bill = fixtures::bill(client, "101", d(4_200));
    bill.txn.txn_date = fixtures::date("2026-06-20");
    bill.due_date = Some(fixtures::date("2026-07-20"));
    let mut late = fixtures::invoice(client, "201", d(9_800));
    late.txn.txn_date = fixtures::date("2026-05-01");
    late.due_date = Some(fixtures::date("2026-05-31"));
    let mut paid = fixtures::bill_payment(client, "301", d(12_000), "100");
    paid.txn.txn_date = fixtures::date("2026-05-10");
    let books = [
        Entity::Account(fixtures::bank_account(client, "35", "Checking", d(cash))),
        Entity::Vendor(fixtures::vendor(client, "56", "Acme Supplies")),
        Entity::Customer(fixtures::customer(client, "58", "Bright Cafe")),
        Entity::Bill(bill),
        Entity::Invoice(late),
        Entity::BillPayment(paid),
    ];
    for entity in books {
        rail.put(realm, entity)?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let books = tempfile::tempdir()?;
    let mirror = rowcol_mirror::open("sqlite::memory:", rowcol_mirror::CredentialKey::generate()).await?;
    let rail = Arc::new(JsonFileRail::new(books.path(), Arc::new(SystemClock)));
    // Only QBO is on by default: a deployment opts into other rails.
    EnabledRails::default().with(rail.rail()).require(rail.rail())?;
    let engine = Stack::builder(mirror.clone()).rail(rail.clone()).build()?.engine;
    let advisor = Advisor {
        id: "jane-cfo".parse()?,
        name: "Jane".into(),
    };
    mirror.upsert_advisor(&advisor).await?;

    for (i, (client, cash)) in [("corner-bakery", 8_000), ("hilltop-dental", 95_000)]
        .into_iter()
        .enumerate()
    {
        let realm: RealmId = format!("{}", 4_620_000 + i).parse()?;
        write_books(&rail, client, &realm, cash)?;
        let connection = Connection {
            client: client.parse()?,
            rail: rail.rail(),
            realm,
            status: ConnectionStatus::Active,
        };
        let record = Client {
            id: client.parse()?,
            advisor: advisor.id.clone(),
            name: client.replace('-', " "),
            home_currency: Currency::USD,
            connections: vec![connection.clone()],
        };
        mirror.upsert_client(&record).await?;

        // The engine pages every kind through the port, one atomic batch per
        // page with its checkpoint, and records the run.
        let report = engine.sync_connection(&connection, SyncTrigger::OnDemand, &[]).await?;
        assert_eq!(report.outcome, SyncOutcome::Synced, "{client}: {report:?}");
    }
    // The bakery's bill is deleted at the source; the second pass reads the
    // change feed from each checkpoint and lands the deletion.
    let connections = mirror.connections().await?;
    let bakery = connections.first().ok_or("no connection")?;
    rail.delete(&bakery.realm, EntityKind::Bill, &"101".parse()?)?;
    for connection in &connections {
        let report = engine.sync_connection(connection, SyncTrigger::Schedule, &[]).await?;
        assert_eq!(report.outcome, SyncOutcome::Synced, "{}: {report:?}", connection.client);
    }

    let as_of = fixtures::date("2026-07-15");
    let mut snapshots = Vec::new();
    for client in mirror.portfolio(&advisor.id).await? {
        snapshots.push(
            mirror
                .snapshot(&advisor.id, &client.id, SnapshotRequest::as_of(as_of))
                .await?,
        );
    }
    let digest = digest(
        &snapshots,
        DigestClock {
            as_of,
            now: Utc::now(),
            freshness_target: Duration::from_secs(30 * 60),
        },
    );
    println!(
        "{:<16} {:>12} {:>10} {:>9} {:>9}",
        "client", "cash", "urgency", "findings", "to chase"
    );
    for c in &digest.clients {
        println!(
            "{:<16} {:>12} {:>10} {:>9} {:>9}",
            c.client.as_str(),
            c.cash.value.round_to_minor_units().to_string(),
            format!("{:?}", c.urgency),
            c.hygiene.value.top.len(),
            c.decisions.value.to_chase
        );
    }
    assert_eq!(digest.clients.len(), 2, "both clients came through the JSON rail");
    let bakery_bills = snapshots.first().map_or(usize::MAX, |s| s.bills.len());
    assert_eq!(bakery_bills, 0, "the deleted bill left the mirror");
    Ok(())
}

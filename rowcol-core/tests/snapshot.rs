//! `ClientSnapshot` built by hand: records routed to their lists and given back.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use chrono::Utc;
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::{ClientHealth, ClientId, ClientSettings, ClientSnapshot, Currency, Entity};
use rowcol_testkit::fixtures::{self, date};

#[test]
fn add_routes_records_and_entities_gives_them_back() {
    let request = SnapshotRequest::as_of(date("2026-03-01"));
    let client: ClientId = fixtures::id("acme");
    let health = ClientHealth::unknown(client.clone());
    let mut s = ClientSnapshot::empty(
        client,
        "Acme".into(),
        Currency::USD,
        request,
        Utc::now(),
        health,
        ClientSettings::default(),
    );
    assert_eq!(s.history_start, date("2025-09-01"));
    let bill = Entity::Bill(fixtures::bill("acme", "1", rust_decimal::Decimal::ONE));
    let vendor = Entity::Vendor(fixtures::vendor("acme", "56", "Acme Supplies"));
    s.add(bill.clone());
    s.add(vendor.clone());
    assert_eq!((s.bills.len(), s.vendors.len()), (1, 1));
    assert_eq!(s.entities().collect::<Vec<_>>(), vec![vendor, bill]);
}

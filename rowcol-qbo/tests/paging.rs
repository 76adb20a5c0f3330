//! Full listings against the look-alike: page edges, batching, inactive
//! name-list rows, exact money, rejects, escaped names, one record, live
//! balances.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::collections::BTreeSet;
use std::str::FromStr;
use std::time::Duration;

use rowcol_core::ports::PageRequest;
use rowcol_core::{Entity, EntityKind, ExternalId, LedgerRail, RailErrorKind};
use rowcol_qbo::{Literal, Op, Select};
use rowcol_qbo_sim::{FaultConfig, Kind, Size};
use rust_decimal::Decimal;
use serde_json::json;

use common::harness;

/// Pages through `kinds` to the end; answers every page per kind.
async fn list_all(
    rail: &rowcol_qbo::QboRail,
    connection: &rowcol_core::Connection,
    kinds: &[EntityKind],
) -> Vec<rowcol_core::ports::Page> {
    let mut requests: Vec<PageRequest> = kinds.iter().map(|k| PageRequest { kind: *k, cursor: None }).collect();
    let mut pages = Vec::new();
    while !requests.is_empty() {
        let got = rail.list_pages(connection, &requests).await.unwrap();
        assert_eq!(got.len(), requests.len(), "one page per request");
        requests = got
            .iter()
            .filter_map(|p| {
                p.next.clone().map(|c| PageRequest {
                    kind: p.kind,
                    cursor: Some(c),
                })
            })
            .collect();
        pages.extend(got);
    }
    pages
}

#[tokio::test]
async fn pages_at_0_1_1000_and_1001_rows_in_few_batched_calls() {
    let h = harness(Size::Empty).await;
    let admin = h.sim.admin();
    let vendors = (0..1001)
        .map(|i| json!({"DisplayName": format!("Vendor {i}"), "Active": i % 7 != 0, "CurrencyRef": {"value": "USD"}, "Balance": 0}))
        .collect();
    admin.create_many(&h.realm, Kind::Vendor, vendors).unwrap();
    let customers = (0..1000)
        .map(|i| json!({"DisplayName": format!("Customer {i}"), "Active": true, "CurrencyRef": {"value": "USD"}}))
        .collect();
    admin.create_many(&h.realm, Kind::Customer, customers).unwrap();
    admin
        .create(
            &h.realm,
            Kind::Term,
            json!({"Name": "Net 9", "DueDays": 9, "Active": true}),
        )
        .unwrap();
    let rail = h.rail();

    let kinds = [
        EntityKind::Vendor,
        EntityKind::Customer,
        EntityKind::Term,
        EntityKind::Deposit,
    ];
    let pages = list_all(&rail, &h.connection, &kinds).await;
    let sizes = |kind| {
        pages
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.records.len())
            .collect::<Vec<_>>()
    };
    assert_eq!(sizes(EntityKind::Vendor), vec![1000, 1]);
    assert_eq!(sizes(EntityKind::Customer), vec![1000, 0]);
    assert_eq!(sizes(EntityKind::Term), vec![1]);
    assert_eq!(sizes(EntityKind::Deposit), vec![0]);
    // Two rounds, each one batch request carrying every kind still open.
    assert_eq!(rail.total_calls(), 2);
    let counters = &admin.counters()[&h.realm];
    assert_eq!((counters.requests, counters.batch_requests), (2, 2));

    let vendor_ids: BTreeSet<String> = pages
        .iter()
        .filter(|p| p.kind == EntityKind::Vendor)
        .flat_map(|p| p.records.iter())
        .map(|r| r.entity.meta().external_id.to_string())
        .collect();
    assert_eq!(vendor_ids.len(), 1001, "no row skipped or repeated");
    let inactive = pages
        .iter()
        .flat_map(|p| p.records.iter())
        .filter(|r| matches!(&r.entity, Entity::Vendor(v) if !v.party.active))
        .count();
    assert_eq!(inactive, 143, "inactive vendors are listed and kept inactive");
}

#[tokio::test]
async fn money_lands_exactly_and_bad_rows_are_rejected_alone() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    let bad = admin
        .create(
            &h.realm,
            Kind::Bill,
            json!({"TxnDate": "2026-01-05", "TotalAmt": "lots", "CurrencyRef": {"value": "USD"}}),
        )
        .unwrap();
    let rail = h.rail();
    let pages = list_all(&rail, &h.connection, &EntityKind::ALL).await;
    let truth = admin.ground_truth(&h.realm).unwrap();

    let bills: Vec<_> = pages.iter().filter(|p| p.kind == EntityKind::Bill).collect();
    let rejects: Vec<_> = bills.iter().flat_map(|p| p.rejects.iter()).collect();
    assert_eq!(rejects.len(), 1);
    assert_eq!(
        rejects[0].external_id.as_ref().map(|i| i.to_string()),
        bad["Id"].as_str().map(str::to_owned)
    );
    assert!(rejects[0].reason.contains("TotalAmt") && rejects[0].raw.contains("lots"));

    for (kind, name) in [
        (EntityKind::Bill, "Bill"),
        (EntityKind::Invoice, "Invoice"),
        (EntityKind::Purchase, "Purchase"),
    ] {
        let total: Decimal = pages
            .iter()
            .filter(|p| p.kind == kind)
            .flat_map(|p| p.records.iter())
            .map(|r| r.entity.txn().unwrap().total.amount())
            .sum();
        let count = pages
            .iter()
            .filter(|p| p.kind == kind)
            .map(|p| p.records.len())
            .sum::<usize>();
        let want = &truth.kinds[name];
        let rejected = if kind == EntityKind::Bill { 1 } else { 0 };
        assert_eq!(count + rejected, want.count, "{name}");
        assert_eq!(
            total, want.total_amt,
            "{name}: sums match to the cent, no float on the way"
        );
    }
    let accounts = pages
        .iter()
        .filter(|p| p.kind == EntityKind::Account)
        .map(|p| p.records.len())
        .sum::<usize>();
    assert_eq!(
        accounts, truth.kinds["Account"].count,
        "inactive accounts are listed too"
    );
    let raw = &pages.iter().find(|p| p.kind == EntityKind::Bill).unwrap().records[0].raw;
    assert!(raw.contains("\"TotalAmt\""), "the raw payload is kept");
}

#[tokio::test]
async fn names_with_quotes_and_backslashes_are_queried_exactly() {
    let h = harness(Size::Empty).await;
    let admin = h.sim.admin();
    let names = ["O'Brien", r"C:\Temp\", r"Back\'slash", "x' OR Id = '1", "Plain"];
    for name in names {
        admin
            .create(
                &h.realm,
                Kind::Vendor,
                json!({"DisplayName": name, "CurrencyRef": {"value": "USD"}}),
            )
            .unwrap();
    }
    let rail = h.rail();
    for name in names {
        let select = Select::from(EntityKind::Vendor).filter("DisplayName", Op::Eq, Literal::Text(name.to_owned()));
        let page = rail.query(&h.connection, EntityKind::Vendor, &select).await.unwrap();
        let found: Vec<String> = page
            .records
            .iter()
            .map(|r| match &r.entity {
                Entity::Vendor(v) => v.party.display_name.clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(found, vec![name.to_owned()], "{name}");
    }
}

#[tokio::test]
async fn fetch_one_reads_a_record_and_answers_none_when_gone() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    let rail = h.rail();
    let bill = admin
        .create(
            &h.realm,
            Kind::Bill,
            json!({"TxnDate": "2026-01-05", "TotalAmt": 10.25, "CurrencyRef": {"value": "USD"}}),
        )
        .unwrap();
    let id: ExternalId = bill["Id"].as_str().unwrap().parse().unwrap();
    let got = rail
        .fetch_one(&h.connection, EntityKind::Bill, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        got.entity.txn().unwrap().total.amount(),
        Decimal::from_str("10.25").unwrap()
    );
    admin
        .delete(&h.realm, Kind::Bill, id.as_str().parse().unwrap())
        .unwrap();
    assert!(
        rail.fetch_one(&h.connection, EntityKind::Bill, &id)
            .await
            .unwrap()
            .is_none()
    );
    let missing: ExternalId = "999999".parse().unwrap();
    assert!(
        rail.fetch_one(&h.connection, EntityKind::Invoice, &missing)
            .await
            .unwrap()
            .is_none()
    );
    let info = rail
        .fetch_one(&h.connection, EntityKind::CompanyInfo, &"1".parse().unwrap())
        .await
        .unwrap();
    assert!(matches!(info.map(|r| r.entity), Some(Entity::CompanyInfo(_))));
}

#[tokio::test]
async fn live_balances_read_banks_and_cards_and_time_out_fast() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    let rail = h.rail();
    let balances = rail.live_balances(&h.connection).await.unwrap();
    let names: BTreeSet<&str> = balances.iter().map(|b| b.name.as_str()).collect();
    assert!(names.contains("Checking") && names.contains("Mastercard"), "{names:?}");
    for b in &balances {
        let row = admin
            .get(&h.realm, Kind::Account, b.account.as_str().parse().unwrap())
            .unwrap();
        assert_eq!(b.balance.amount().to_string(), row["CurrentBalance"].to_string());
    }

    admin.set_faults(
        &h.realm,
        FaultConfig {
            stall: 1.0,
            stall_for: Duration::from_secs(3),
            ..FaultConfig::default()
        },
    );
    let mut config = rowcol_qbo::QboConfig::for_sim(&h.sim.base_url()).unwrap();
    config.timeouts.live = Duration::from_millis(200);
    let slow = h.rail_with(config, common::fast_policy());
    let started = std::time::Instant::now();
    let err = slow.live_balances(&h.connection).await.unwrap_err();
    assert_eq!(err.rail_kind(), Some(&RailErrorKind::Timeout));
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

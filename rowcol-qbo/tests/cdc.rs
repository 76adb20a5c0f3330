//! Change data capture against the look-alike: a burst over the 1000-object
//! cap fully captured, deletions seen, the window's edge kept, the 30-day
//! limit reported.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Duration, Timelike};
use rowcol_core::{ChangeCursor, EntityKind, LedgerRail, RailErrorKind};
use rowcol_qbo::kind_from_qbo_name;
use rowcol_qbo_sim::{Kind, Size};
use serde_json::json;

use common::harness;

/// The mirrored kinds CDC is asked for.
fn kinds() -> Vec<EntityKind> {
    EntityKind::ALL
        .into_iter()
        .filter(|k| *k != EntityKind::CompanyInfo)
        .collect()
}

#[tokio::test]
async fn a_burst_of_3000_changes_across_kinds_is_fully_captured() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    let since = (admin.now() - Duration::seconds(1)).fixed_offset();
    let mut changed: BTreeSet<(EntityKind, String)> = BTreeSet::new();
    // Six bursts a few server seconds apart, as a busy company produces them.
    for _ in 0..6 {
        for change in admin.burst(&h.realm, 500).unwrap() {
            changed.insert((kind_from_qbo_name(change.kind.name()).unwrap(), change.id));
        }
        admin.advance_clock(Duration::seconds(2));
    }
    let rail = h.rail();
    let set = rail
        .changes_since(&h.connection, &ChangeCursor::from_time(since), &kinds())
        .await
        .unwrap();
    let truth = admin.ground_truth(&h.realm).unwrap();

    let mut seen: BTreeMap<(EntityKind, String), String> = BTreeMap::new();
    for r in &set.records {
        let meta = r.entity.meta();
        let before = seen.insert(
            (r.entity.kind(), meta.external_id.to_string()),
            meta.version.as_str().to_owned(),
        );
        assert!(before.is_none(), "one state per record");
    }
    let deleted: BTreeSet<(EntityKind, String)> = set
        .tombstones
        .iter()
        .map(|t| (t.kind, t.external_id.to_string()))
        .collect();
    assert!(
        set.records.len() + set.tombstones.len() > 1000,
        "the answer had to be split"
    );
    assert!(set.api_calls > 1, "{}", set.api_calls);
    for (kind, id) in &changed {
        let name = rowcol_qbo::qbo_name(*kind);
        let kind_truth = &truth.kinds[name];
        match kind_truth.live.get(id) {
            Some(token) => assert_eq!(
                seen.get(&(*kind, id.clone())),
                Some(token),
                "{name} {id} at its latest version"
            ),
            None => assert!(deleted.contains(&(*kind, id.clone())), "{name} {id} deleted"),
        }
    }
    assert!(set.rejects.is_empty(), "{:?}", set.rejects.first());
    let next = set.next.time().unwrap();
    // QBO stamps whole seconds, so the rail reads from the start of the cursor's second.
    assert!(next >= since.with_nanosecond(0).unwrap());
    assert!(
        next.to_utc() < admin.now(),
        "the cursor never passes the server's clock"
    );
}

#[tokio::test]
async fn deletes_voids_and_edge_changes_are_seen() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    let rail = h.rail();
    let since = (admin.now() - Duration::seconds(1)).fixed_offset();
    let bill = admin
        .create(
            &h.realm,
            Kind::Bill,
            json!({"TxnDate": "2026-01-05", "TotalAmt": 99.99, "CurrencyRef": {"value": "USD"}}),
        )
        .unwrap();
    let bill_id: u64 = bill["Id"].as_str().unwrap().parse().unwrap();
    admin.delete(&h.realm, Kind::Bill, bill_id).unwrap();
    let first = rail
        .changes_since(&h.connection, &ChangeCursor::from_time(since), &kinds())
        .await
        .unwrap();
    assert!(
        first
            .tombstones
            .iter()
            .any(|t| t.kind == EntityKind::Bill && t.external_id.as_str() == bill_id.to_string())
    );
    assert!(!first.records.iter().any(|r| r.entity.kind() == EntityKind::Bill && r.entity.meta().external_id.as_str() == bill_id.to_string()));
    assert_eq!(first.api_calls, 1, "one CDC call when under the cap");

    // A change right after the answer is read on the next call.
    let truth = admin.ground_truth(&h.realm).unwrap();
    let vendor_id: u64 = truth.kinds["Vendor"].live.keys().next().unwrap().parse().unwrap();
    let vendor = admin
        .update(&h.realm, Kind::Vendor, vendor_id, &json!({"CompanyName": "Renamed"}))
        .unwrap();
    let second = rail.changes_since(&h.connection, &first.next, &kinds()).await.unwrap();
    assert!(second.records.iter().any(|r| r.entity.kind() == EntityKind::Vendor
        && r.entity.meta().version.as_str() == vendor["SyncToken"].as_str().unwrap()));
}

#[tokio::test]
async fn cursors_past_the_30_day_window_are_too_old() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    let rail = h.rail();
    let old = (admin.now() - Duration::days(31)).fixed_offset();
    let err = rail
        .changes_since(&h.connection, &ChangeCursor::from_time(old), &kinds())
        .await
        .unwrap_err();
    assert_eq!(err.rail_kind(), Some(&RailErrorKind::CursorTooOld));
    assert_eq!(rail.total_calls(), 0, "refused before calling");

    // The server's clock is ahead of ours: its refusal maps the same way.
    let since = (admin.now() - Duration::days(1)).fixed_offset();
    admin.advance_clock(Duration::days(31));
    let err = rail
        .changes_since(&h.connection, &ChangeCursor::from_time(since), &kinds())
        .await
        .unwrap_err();
    assert_eq!(err.rail_kind(), Some(&RailErrorKind::CursorTooOld), "{err}");
}

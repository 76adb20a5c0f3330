//! CDC over real HTTP: cap shared by kinds, deletions, look-back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use chrono::Duration;
use common::sim;
use rowcol_qbo_sim::{Kind, Size};
use serde_json::json;

#[tokio::test]
async fn saturation_is_shared_across_kinds_and_truncated_at_1000() {
    let s = sim(Size::Empty).await;
    let admin = s.server.admin();
    let since = (admin.now() - Duration::minutes(1)).to_rfc3339();
    admin
        .create_many(
            &s.realm,
            Kind::Bill,
            (0..700)
                .map(|i| json!({ "DocNumber": format!("B{i}"), "TotalAmt": 1 }))
                .collect(),
        )
        .unwrap();
    admin
        .create_many(
            &s.realm,
            Kind::Invoice,
            (0..600)
                .map(|i| json!({ "DocNumber": format!("I{i}"), "TotalAmt": 2 }))
                .collect(),
        )
        .unwrap();
    let (status, body) = s.cdc("Bill,Invoice", &since).await;
    assert_eq!(status, 200, "{body}");
    let responses = body["CDCResponse"][0]["QueryResponse"].as_array().unwrap();
    let total: usize = responses
        .iter()
        .map(|r| {
            r.get("Bill")
                .or_else(|| r.get("Invoice"))
                .unwrap()
                .as_array()
                .unwrap()
                .len()
        })
        .sum();
    assert_eq!(total, 1000, "one cap for all kinds");
    assert_eq!(responses[0]["Bill"].as_array().unwrap().len(), 700);
    assert_eq!(responses[1]["Invoice"].as_array().unwrap().len(), 300);
    assert_eq!(responses[1]["maxResults"], 300);
    // Under the cap: everything.
    let (_, body) = s.cdc("Invoice", &since).await;
    assert_eq!(
        body["CDCResponse"][0]["QueryResponse"][0]["Invoice"]
            .as_array()
            .unwrap()
            .len(),
        600
    );
}

#[tokio::test]
async fn deletions_voids_and_lookback() {
    let mut s = sim(Size::Small).await;
    let admin = s.server.admin();
    let since = admin.now() - Duration::seconds(1);
    let (_, body) = s.query("select * from Bill maxresults 2").await;
    let bills = body["QueryResponse"]["Bill"].as_array().unwrap().clone();
    let gone: u64 = bills[0]["Id"].as_str().unwrap().parse().unwrap();
    let voided: u64 = bills[1]["Id"].as_str().unwrap().parse().unwrap();
    admin.delete(&s.realm, Kind::Bill, gone).unwrap();
    let v = admin.void(&s.realm, Kind::Bill, voided).unwrap();
    assert_eq!(v["PrivateNote"], "Voided");
    let (_, body) = s.cdc("bill", &since.to_rfc3339()).await;
    let rows = body["CDCResponse"][0]["QueryResponse"][0]["Bill"].as_array().unwrap();
    let gone_id = gone.to_string();
    let deleted = rows.iter().find(|r| r["Id"] == gone_id.as_str()).unwrap();
    assert_eq!(deleted["status"], "Deleted");
    assert_eq!(deleted["domain"], "QBO");
    assert_eq!(
        deleted.as_object().unwrap().len(),
        4,
        "only Id, status, domain, MetaData: {deleted}"
    );
    assert!(deleted["MetaData"]["LastUpdatedTime"].is_string());
    let voided_id = voided.to_string();
    let void_row = rows.iter().find(|r| r["Id"] == voided_id.as_str()).unwrap();
    assert_eq!(void_row["TotalAmt"].to_string(), "0");
    // Read by id of a deleted object: 610.
    let (status, body) = s.get(&format!("bill/{gone}")).await;
    assert_eq!((status, body["Fault"]["Error"][0]["code"].as_str()), (400, Some("610")));
    // Ground truth knows both.
    let truth = admin.ground_truth(&s.realm).unwrap();
    assert!(truth.kinds["Bill"].deleted.contains(&gone.to_string()));
    let before: u64 = bills[1]["SyncToken"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        truth.kinds["Bill"].live[&voided.to_string()],
        (before + 1).to_string(),
        "void bumps SyncToken"
    );
    // Older than 30 days: refused.
    let old = (admin.now() - Duration::days(31)).to_rfc3339();
    let (status, body) = s.cdc("Bill", &old).await;
    assert_eq!(status, 400);
    assert_eq!(body["Fault"]["type"], "ValidationFault");
    // 29 days later the delete is still visible, 31 days later the window has passed.
    admin.advance_clock(Duration::days(29));
    s.token = admin.issue_tokens(&s.realm).access_token;
    let (status, body) = s.cdc("Bill", &since.to_rfc3339()).await;
    assert_eq!(status, 200);
    assert!(
        body["CDCResponse"][0]["QueryResponse"][0]["Bill"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["status"] == "Deleted")
    );
    // Past 30 days the tombstone is gone from the ground truth too.
    admin.advance_clock(Duration::days(2));
    let truth = admin.ground_truth(&s.realm).unwrap();
    assert!(!truth.kinds["Bill"].deleted.contains(&gone.to_string()));
}

#[tokio::test]
async fn burst_changes_show_in_cdc_and_truth() {
    let s = sim(Size::Small).await;
    let admin = s.server.admin();
    let since = (admin.now() - Duration::seconds(1)).to_rfc3339();
    let changes = admin.burst(&s.realm, 25).unwrap();
    assert_eq!(changes.len(), 25);
    let (_, body) = s
        .cdc("Bill,Invoice,Payment,BillPayment,Purchase,Vendor,Customer", &since)
        .await;
    let seen: usize = body["CDCResponse"][0]["QueryResponse"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["maxResults"].as_u64().unwrap() as usize)
        .sum();
    let distinct: std::collections::HashSet<_> = changes.iter().map(|c| (c.kind, c.id.clone())).collect();
    assert_eq!(seen, distinct.len());
}

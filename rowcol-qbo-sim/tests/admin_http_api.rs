//! The `/_sim` admin API mirrors the library handle.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::sim;
use rowcol_qbo_sim::Size;
use serde_json::{Value, json};

#[tokio::test]
async fn admin_http_changes_books_clock_faults_and_reports_truth() {
    let mut s = sim(Size::Small).await;
    let base = s.server.base_url();
    let admin = format!("{base}/_sim/realms/{}", s.realm);
    let http = s.http.clone();

    let realms: Vec<String> = http
        .get(format!("{base}/_sim/realms"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(realms, vec![s.realm.clone()]);

    // Tokens over HTTP work on /v3.
    let tokens: Value = http
        .post(format!("{admin}/tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    s.token = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.query("select count(*) from Bill").await.0, 200);

    // Create, update, void, delete.
    let r = http
        .post(format!("{admin}/entities/Bill"))
        .json(&json!({ "TotalAmt": 12.5, "Balance": 12.5, "DocNumber": "HTTP-1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let id = created["Id"].as_str().unwrap().to_string();
    assert_eq!(created["SyncToken"], "0");
    let updated: Value = http
        .post(format!("{admin}/entities/bill/{id}"))
        .json(&json!({ "PrivateNote": "edited" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(updated["SyncToken"], "1");
    let voided: Value = http
        .post(format!("{admin}/entities/bill/{id}/void"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(voided["PrivateNote"], "Voided");
    assert_eq!(
        http.delete(format!("{admin}/entities/bill/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert_eq!(
        http.delete(format!("{admin}/entities/bill/{id}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let truth: Value = http
        .get(format!("{admin}/truth"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        truth["kinds"]["Bill"]["deleted"]
            .as_array()
            .unwrap()
            .contains(&json!(id))
    );
    assert_eq!(truth["kinds"]["Bill"]["count"], 30);

    // Burst.
    let changes: Vec<Value> = http
        .post(format!("{admin}/burst"))
        .json(&json!({ "count": 7 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changes.len(), 7);

    // Faults: every answer a 503, then cleared.
    let r = http
        .put(format!("{admin}/faults"))
        .json(&json!({ "seed": 1, "error_503": 1.0 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (status, body) = s.query("select * from Bill").await;
    assert_eq!((status, body["Fault"]["type"].as_str()), (503, Some("SystemFault")));
    http.delete(format!("{admin}/faults")).send().await.unwrap();
    assert_eq!(s.query("select * from Bill").await.0, 200);

    // Clock: two hours on, the token has expired.
    let before = s.server.admin().now();
    let r: Value = http
        .post(format!("{base}/_sim/clock"))
        .json(&json!({ "advance_seconds": 7200 }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(r["now"].is_string());
    assert!(s.server.admin().now() - before >= chrono::Duration::seconds(7200));
    assert_eq!(s.query("select * from Bill").await.0, 401);

    // Counters.
    let counters: Value = http
        .get(format!("{base}/_sim/counters"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(counters[&s.realm]["requests"].as_u64().unwrap() >= 3);
}

//! The query, read and companyinfo surface over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use common::sim;
use rowcol_qbo_sim::{Kind, Size};
use serde_json::json;

fn bill(n: usize) -> serde_json::Value {
    json!({ "VendorRef": { "value": "1", "name": "V" }, "TxnDate": "2026-01-01", "TotalAmt": n, "Balance": 0, "DocNumber": format!("D{n}") })
}

#[tokio::test]
async fn paging_boundaries_0_1_1000_1001() {
    let s = sim(Size::Empty).await;
    let admin = s.server.admin();
    // 0 rows: empty QueryResponse, no keys.
    let (status, body) = s.query("SELECT * FROM Bill STARTPOSITION 1 MAXRESULTS 1000").await;
    assert_eq!(status, 200);
    assert_eq!(body["QueryResponse"], json!({}));
    assert!(body["time"].as_str().unwrap().ends_with("-08:00"), "{body}");
    // 1 row.
    admin.create_many(&s.realm, Kind::Bill, vec![bill(0)]).unwrap();
    let (_, body) = s.query("SELECT * FROM Bill STARTPOSITION 1 MAXRESULTS 1000").await;
    assert_eq!(body["QueryResponse"]["maxResults"], 1);
    assert_eq!(body["QueryResponse"]["startPosition"], 1);
    assert_eq!(body["QueryResponse"]["Bill"].as_array().unwrap().len(), 1);
    // 1000 rows: one full page, the next page empty.
    admin
        .create_many(&s.realm, Kind::Bill, (1..1000).map(bill).collect())
        .unwrap();
    let (_, body) = s
        .query("SELECT * FROM Bill ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000")
        .await;
    assert_eq!(body["QueryResponse"]["maxResults"], 1000);
    let (_, body) = s
        .query("SELECT * FROM Bill ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000")
        .await;
    assert_eq!(body["QueryResponse"], json!({}));
    // 1001 rows: 1000 then 1.
    admin.create_many(&s.realm, Kind::Bill, vec![bill(1000)]).unwrap();
    let (_, first) = s
        .query("SELECT * FROM Bill ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000")
        .await;
    let (_, second) = s
        .query("SELECT * FROM Bill ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000")
        .await;
    assert_eq!(first["QueryResponse"]["maxResults"], 1000);
    assert_eq!(second["QueryResponse"]["maxResults"], 1);
    assert_eq!(second["QueryResponse"]["startPosition"], 1001);
    let last = &second["QueryResponse"]["Bill"][0];
    assert_eq!(last["DocNumber"], "D1000");
    // MAXRESULTS above 1000 is capped; the default page is 100.
    let (_, body) = s.query("SELECT * FROM Bill MAXRESULTS 5000").await;
    assert_eq!(body["QueryResponse"]["maxResults"], 1000);
    let (_, body) = s.query("SELECT * FROM Bill").await;
    assert_eq!(body["QueryResponse"]["maxResults"], 100);
    let (_, body) = s.query("select count(*) from bill").await;
    assert_eq!(body["QueryResponse"]["totalCount"], 1001);
}

#[tokio::test]
async fn malformed_statements_get_query_parser_error() {
    let s = sim(Size::Small).await;
    for bad in [
        "SELEC * FROM Bill",
        "SELECT * FROM Bill WHERE Id = 1 OR Id = 2",
        "SELECT * FROM Bill WHERE DisplayName = 'x",
        "SELECT * FROM Nothing",
    ] {
        let (status, body) = s.query(bad).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(body["Fault"]["type"], "ValidationFault");
        assert_eq!(body["Fault"]["Error"][0]["code"], "4000");
        assert!(
            body["Fault"]["Error"][0]["Detail"]
                .as_str()
                .unwrap()
                .starts_with("QueryParserError")
        );
        assert!(body["time"].is_string());
    }
}

#[tokio::test]
async fn filters_amounts_post_and_read_by_id() {
    let s = sim(Size::Small).await;
    let (_, all) = s
        .query("select * from Invoice where TxnDate >= '2000-01-01' orderby TxnDate desc maxresults 1000")
        .await;
    let invoices = all["QueryResponse"]["Invoice"].as_array().unwrap();
    assert_eq!(invoices.len(), 30);
    assert!(
        invoices
            .windows(2)
            .all(|w| w[0]["TxnDate"].as_str() >= w[1]["TxnDate"].as_str())
    );
    let first = &invoices[0];
    let id = first["Id"].as_str().unwrap();
    // Amounts are JSON numbers with exact decimals.
    let raw = s
        .http
        .get(s.url(&format!("invoice/{id}")))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(raw.contains("\"TotalAmt\":"), "{raw}");
    assert!(!raw.contains("\"TotalAmt\":\""), "amount must be a number");
    let (status, one) = s.get(&format!("invoice/{id}?minorversion=75")).await;
    assert_eq!(status, 200);
    assert_eq!(one["Invoice"]["Id"], id);
    assert_eq!(one["Invoice"]["TotalAmt"].to_string(), first["TotalAmt"].to_string());
    // POST application/text, lower-case keywords, Metadata spelling.
    let r = s
        .http
        .post(s.url("query?minorversion=75"))
        .bearer_auth(&s.token)
        .header("Content-Type", "application/text")
        .body(format!(
            "select * from invoice where Id = '{id}' and metadata.lastupdatedtime > '2000-01-01T00:00:00-08:00'"
        ))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["QueryResponse"]["Invoice"][0]["Id"], id);
    // Not found is 610.
    let (status, body) = s.get("bill/999999").await;
    assert_eq!(status, 400);
    assert_eq!(body["Fault"]["Error"][0]["code"], "610");
    // Company info.
    let (status, body) = s.get(&format!("companyinfo/{}", s.realm)).await;
    assert_eq!(status, 200);
    assert!(body["CompanyInfo"]["CompanyName"].is_string());
    // Name lists: inactive rows only when asked.
    let (_, active) = s.query("select count(*) from Account").await;
    let (_, both) = s
        .query("select count(*) from Account where Active IN (true, false)")
        .await;
    assert_eq!(
        both["QueryResponse"]["totalCount"].as_u64().unwrap(),
        active["QueryResponse"]["totalCount"].as_u64().unwrap() + 1
    );
}

#[tokio::test]
async fn batch_answers_each_item_by_bid() {
    let s = sim(Size::Small).await;
    let body = json!({ "BatchItemRequest": [
        { "bId": "1", "Query": "SELECT * FROM Bill STARTPOSITION 1 MAXRESULTS 5" },
        { "bId": "2", "Query": "SELECT * FROM" },
        { "bId": "3", "Query": "SELECT COUNT(*) FROM Invoice" },
    ]});
    let r = s
        .http
        .post(s.url("batch?minorversion=75"))
        .bearer_auth(&s.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    let items = v["BatchItemResponse"].as_array().unwrap();
    assert_eq!(items[0]["bId"], "1");
    assert_eq!(items[0]["QueryResponse"]["maxResults"], 5);
    assert_eq!(items[1]["bId"], "2");
    assert_eq!(items[1]["Fault"]["Error"][0]["code"], "4000");
    assert_eq!(items[2]["QueryResponse"]["totalCount"], 30);
    let too_many: Vec<_> = (0..31)
        .map(|i| json!({ "bId": i.to_string(), "Query": "SELECT * FROM Bill" }))
        .collect();
    let r = s
        .http
        .post(s.url("batch"))
        .bearer_auth(&s.token)
        .json(&json!({ "BatchItemRequest": too_many }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn created_name_list_objects_are_active_unless_told_otherwise() {
    let s = sim(Size::Empty).await;
    let admin = s.server.admin();
    admin
        .create(&s.realm, Kind::Vendor, json!({ "DisplayName": "Plain" }))
        .unwrap();
    admin
        .create(
            &s.realm,
            Kind::Vendor,
            json!({ "DisplayName": "Retired", "Active": false }),
        )
        .unwrap();
    let (_, body) = s.query("SELECT * FROM Vendor WHERE Active = true").await;
    let active: Vec<&str> = body["QueryResponse"]["Vendor"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["DisplayName"].as_str().unwrap())
        .collect();
    assert_eq!(active, ["Plain"]);
    let (_, body) = s.query("SELECT * FROM Vendor WHERE Active IN (true, false)").await;
    assert_eq!(body["QueryResponse"]["Vendor"].as_array().unwrap().len(), 2);
}

//! The admin surface over HTTP, as a client in another language drives it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::time::{Duration, Instant};

use common::sim;
use serde_json::{Value, json};

async fn admin(s: &common::Sim, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = s.http.request(method, format!("{}{path}", s.server.base_url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let r = request.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_bank_in_json_links_syncs_and_answers_its_truth() {
    let s = sim().await;
    // Written as text: `json!` would read 250.10 as a float.
    let bank: Value = serde_json::from_str(
        r#"{
        "username": "client-9",
        "accounts": [
            { "name": "Checking", "kind": "checking", "opening_balance": 1000.00 },
            { "name": "Visa", "kind": "credit_card", "mask": "4242" }
        ],
        "postings": [
            { "account": "Checking", "date": "2026-11-20", "amount": 250.10, "payee": "Acme",
              "txn_id": "Deposit:7", "txn_type": "Deposit" },
            { "account": "Visa", "date": "2026-11-21", "amount": -19.99, "payee": "Netflix",
              "txn_id": "Purchase:8", "txn_type": "Purchase" }
        ],
        "seed": 4,
        "habits": { "diligence": 1.0, "holds": 0 }
    }"#,
    )
    .unwrap();
    use reqwest::Method;
    assert_eq!(admin(&s, Method::POST, "/_sim/banks", Some(bank)).await.0, 201);
    let (status, bad) = admin(
        &s,
        Method::POST,
        "/_sim/banks",
        Some(json!({ "username": "x", "accounts": [], "postings": [] })),
    )
    .await;
    assert_eq!(status, 400, "{bad}");
    let (status, linked) = admin(
        &s,
        Method::POST,
        "/_sim/banks/client-9/link",
        Some(json!({ "days_requested": 730 })),
    )
    .await;
    assert_eq!(status, 200, "{linked}");
    let token = linked["access_token"].as_str().unwrap();
    let item = linked["item_id"].as_str().unwrap();
    let (_, page) = s.sync(token, "", 100).await;
    let added = page["added"].as_array().unwrap();
    assert_eq!(added.len(), 2);
    let amounts: Vec<String> = added
        .iter()
        .map(|t| serde_json::to_string(&t["amount"]).unwrap())
        .collect();
    assert!(
        amounts.contains(&"-250.10".to_string()),
        "inflow negative, digits kept: {amounts:?}"
    );
    assert!(amounts.contains(&"19.99".to_string()), "{amounts:?}");
    let (_, truth) = admin(&s, Method::GET, &format!("/_sim/items/{item}/truth"), None).await;
    assert_eq!(truth["lines"].as_array().unwrap().len(), 2);
    assert_eq!(truth["lines"][0]["book"][0], "Deposit:7");
    // Faults, latency and the clock.
    let rule = json!({ "endpoint": "/accounts/get", "code": "INSTITUTION_NOT_RESPONDING", "times": 1 });
    assert_eq!(admin(&s, Method::POST, "/_sim/faults", Some(rule)).await.0, 204);
    let (status, error) = s.post("/accounts/get", json!({ "access_token": token })).await;
    assert_eq!(
        (status, error["error_code"].as_str()),
        (400, Some("INSTITUTION_NOT_RESPONDING"))
    );
    assert_eq!(
        admin(&s, Method::PUT, "/_sim/latency", Some(json!({ "millis": 150 })))
            .await
            .0,
        204
    );
    let began = Instant::now();
    assert_eq!(s.post("/accounts/get", json!({ "access_token": token })).await.0, 200);
    assert!(began.elapsed() >= Duration::from_millis(150));
    assert_eq!(admin(&s, Method::DELETE, "/_sim/faults", None).await.0, 204);
    let (_, now) = admin(
        &s,
        Method::POST,
        "/_sim/clock",
        Some(json!({ "advance_seconds": 86_400 })),
    )
    .await;
    assert!(now["now"].as_str().unwrap().starts_with("2026-12-02"));
    let (status, _) = admin(&s, Method::GET, "/_sim/items/nope/truth", None).await;
    assert_eq!(status, 404);
}

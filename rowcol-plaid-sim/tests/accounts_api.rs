//! Balances, credentials, tokens, logins and faults over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::str::FromStr;

use chrono::Duration;
use common::{Mirror, bank, dec, sim};
use rowcol_plaid_sim::{ErrorCode, FaultRule};
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn money(v: &Value) -> Decimal {
    Decimal::from_str(&serde_json::to_string(v).unwrap()).unwrap()
}

#[tokio::test]
async fn balance_get_allows_five_calls_a_minute_per_item() {
    let s = sim().await;
    let a = s.link(bank("a", 1, 1.0), None);
    let b = s.link(bank("b", 2, 1.0), None);
    let call = |token: String| {
        let s = &s;
        async move { s.post("/accounts/balance/get", json!({ "access_token": token })).await }
    };
    for _ in 0..5 {
        assert_eq!(call(a.access_token.clone()).await.0, 200);
    }
    let (status, error) = call(a.access_token.clone()).await;
    assert_eq!(status, 429);
    assert_eq!(error["error_type"], "RATE_LIMIT_EXCEEDED");
    assert_eq!(error["error_code"], "ACCOUNTS_BALANCE_GET_LIMIT");
    assert_eq!(
        error["error_message"],
        "rate limit exceeded for attempts to access this item. please try again later"
    );
    assert_eq!(
        call(b.access_token.clone()).await.0,
        200,
        "another Item has its own limit"
    );
    assert_eq!(
        s.post("/accounts/get", json!({ "access_token": a.access_token }))
            .await
            .0,
        200,
        "cached balances are not limited with it"
    );
    s.server.admin().advance_clock(Duration::seconds(61));
    assert_eq!(call(a.access_token.clone()).await.0, 200, "a minute later");
}

#[tokio::test]
async fn balances_agree_with_the_lines_and_cached_ones_carry_their_age() {
    let s = sim().await;
    let linked = s.link(bank("c1", 5, 0.5), None);
    let (pages, _) = s.sync_update(&linked.access_token, "", 500).await;
    let mut mirror = Mirror::default();
    pages.iter().for_each(|p| mirror.apply(p));
    let (status, live) = s
        .post("/accounts/balance/get", json!({ "access_token": linked.access_token }))
        .await;
    assert_eq!(status, 200);
    let opening = [dec("20000.00"), Decimal::ZERO];
    for (account, opening) in live["accounts"].as_array().unwrap().iter().zip(opening) {
        let id = account["account_id"].as_str().unwrap();
        let sum = |pending: bool| -> Decimal {
            mirror
                .rows
                .values()
                .filter(|t| t["account_id"] == id && t["pending"] == pending)
                .map(|t| money(&t["amount"]))
                .sum()
        };
        let balances = &account["balances"];
        let current = money(&balances["current"]);
        let available = money(&balances["available"]);
        if account["type"] == "depository" {
            assert_eq!(current, opening - sum(false), "current = opening + posted lines");
            assert_eq!(available, current - sum(true), "available also reflects pending");
            assert_eq!(balances["limit"], Value::Null);
        } else {
            assert_eq!(account["subtype"], "credit card");
            assert_eq!(current, opening + sum(false), "a card's current is what is owed");
            assert_eq!(available, money(&balances["limit"]) - current - sum(true));
        }
    }
    // Cached balances keep the time Plaid last extracted them.
    s.server.admin().advance_clock(Duration::hours(2));
    let (_, cached) = s
        .post("/accounts/get", json!({ "access_token": linked.access_token }))
        .await;
    let (_, live) = s
        .post("/accounts/balance/get", json!({ "access_token": linked.access_token }))
        .await;
    let stamp = |v: &Value| {
        v["accounts"][0]["balances"]["last_updated_datetime"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Linked right after the clock started at 15:00 (a minute's slack for a loaded machine).
    assert!(stamp(&cached).starts_with("2026-12-01T15:00"), "{}", stamp(&cached));
    assert!(stamp(&live).starts_with("2026-12-01T17:00"), "{}", stamp(&live));
    assert_eq!(cached["item"]["item_id"], linked.item_id.as_str());
}

#[tokio::test]
async fn credentials_go_in_the_body_or_the_headers_and_are_checked() {
    let s = sim().await;
    let linked = s.link(bank("c1", 5, 1.0), None);
    let url = format!("{}/accounts/get", s.server.base_url());
    let by_headers = s
        .http
        .post(&url)
        .header("PLAID-CLIENT-ID", "sim-client-id")
        .header("PLAID-SECRET", "sim-secret")
        .json(&json!({ "access_token": linked.access_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(by_headers.status().as_u16(), 200);
    let wrong = json!({ "client_id": "sim-client-id", "secret": "nope", "access_token": linked.access_token });
    let (status, error) = s.post_raw("/accounts/get", &wrong).await;
    assert_eq!((status, error["error_code"].as_str()), (400, Some("INVALID_API_KEYS")));
    let (status, error) = s
        .post_raw("/accounts/get", &json!({ "access_token": linked.access_token }))
        .await;
    assert_eq!((status, error["error_code"].as_str()), (400, Some("MISSING_FIELDS")));
    let (status, error) = s
        .post("/accounts/get", json!({ "access_token": "access-sandbox-unknown" }))
        .await;
    assert_eq!(
        (status, error["error_code"].as_str()),
        (400, Some("INVALID_ACCESS_TOKEN"))
    );
    let garbled = s.http.post(&url).body("{not json").send().await.unwrap();
    assert_eq!(garbled.status().as_u16(), 400);
}

#[tokio::test]
async fn a_public_token_is_exchanged_once_within_thirty_minutes() {
    let s = sim().await;
    s.server.admin().add_bank(bank("c1", 5, 1.0)).unwrap();
    let create = json!({
        "institution_id": "ins_109508",
        "initial_products": ["transactions"],
        "options": { "override_username": "c1", "webhook": "http://127.0.0.1:9/hook" }
    });
    let (status, created) = s.post("/sandbox/public_token/create", create.clone()).await;
    assert_eq!(status, 200, "{created}");
    let token = created["public_token"].as_str().unwrap().to_string();
    assert!(token.starts_with("public-sandbox-"));
    let (status, linked) = s
        .post("/item/public_token/exchange", json!({ "public_token": token }))
        .await;
    assert_eq!(status, 200);
    assert!(linked["access_token"].as_str().unwrap().starts_with("access-sandbox-"));
    let (status, _) = s
        .post("/item/public_token/exchange", json!({ "public_token": token }))
        .await;
    assert_eq!(status, 400, "spent");
    let (_, created) = s.post("/sandbox/public_token/create", create).await;
    s.server.admin().advance_clock(Duration::minutes(31));
    let (status, error) = s
        .post(
            "/item/public_token/exchange",
            json!({ "public_token": created["public_token"] }),
        )
        .await;
    assert_eq!(
        (status, error["error_code"].as_str()),
        (400, Some("INVALID_PUBLIC_TOKEN"))
    );
    assert!(error["error_message"].as_str().unwrap().contains("expired"));
    // Plaid's own test user links without an admin-made bank.
    let (status, created) = s
        .post(
            "/sandbox/public_token/create",
            json!({ "institution_id": "ins_109508", "initial_products": ["transactions"] }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, linked) = s
        .post(
            "/item/public_token/exchange",
            json!({ "public_token": created["public_token"] }),
        )
        .await;
    let (_, accounts) = s
        .post("/accounts/get", json!({ "access_token": linked["access_token"] }))
        .await;
    assert_eq!(accounts["accounts"][0]["name"], "Plaid Checking");
}

#[tokio::test]
async fn an_item_needing_login_refuses_until_repaired() {
    let s = sim().await;
    let linked = s.link(bank("c1", 5, 1.0), None);
    let token = linked.access_token.clone();
    let (status, body) = s
        .post("/sandbox/item/reset_login", json!({ "access_token": token }))
        .await;
    assert_eq!((status, &body["reset_login"]), (200, &json!(true)));
    for path in ["/transactions/sync", "/accounts/get", "/accounts/balance/get"] {
        let (status, error) = s.post(path, json!({ "access_token": token })).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(error["error_type"], "ITEM_ERROR");
        assert_eq!(error["error_code"], "ITEM_LOGIN_REQUIRED");
    }
    let (status, item) = s.post("/item/get", json!({ "access_token": token })).await;
    assert_eq!(status, 200);
    assert_eq!(item["item"]["error"]["error_code"], "ITEM_LOGIN_REQUIRED");
    s.server.admin().repair_login(&linked.item_id).unwrap();
    assert_eq!(s.post("/accounts/get", json!({ "access_token": token })).await.0, 200);
}

#[tokio::test]
async fn faults_on_demand_fail_the_next_calls_with_plaids_codes() {
    let s = sim().await;
    let linked = s.link(bank("c1", 5, 1.0), None);
    let admin = s.server.admin();
    admin.add_fault(FaultRule {
        endpoint: Some("/accounts/get".into()),
        item_id: None,
        code: ErrorCode::InstitutionDown,
        times: 2,
    });
    admin.add_fault(FaultRule {
        endpoint: Some("/transactions/sync".into()),
        item_id: Some(linked.item_id.clone()),
        code: ErrorCode::InternalServerError,
        times: 1,
    });
    let body = json!({ "access_token": linked.access_token });
    for _ in 0..2 {
        let (status, error) = s.post("/accounts/get", body.clone()).await;
        assert_eq!((status, error["error_type"].as_str()), (400, Some("INSTITUTION_ERROR")));
        assert_eq!(error["error_code"], "INSTITUTION_DOWN");
    }
    assert_eq!(s.post("/accounts/get", body.clone()).await.0, 200);
    let (status, error) = s.post("/transactions/sync", body.clone()).await;
    assert_eq!(
        (status, error["error_code"].as_str()),
        (500, Some("INTERNAL_SERVER_ERROR"))
    );
    assert_eq!(s.post("/transactions/sync", body).await.0, 200);
    assert_eq!(admin.faults_injected(), 3);
}

//! Shared helpers: start a look-alike in-process, give it a client's bank
//! and talk HTTP to it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rowcol_plaid_sim::derive::sample::small_business;
use rowcol_plaid_sim::{AccountKind, AccountSpec, BookPosting, ClientBank, Linked, SimConfig, SimServer, start};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// Tuesday 1 December 2026, 15:00 UTC: the bank's "today" in every test.
pub fn start_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-01T15:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

pub fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

pub fn account(name: &str, kind: AccountKind, opening: &str) -> AccountSpec {
    AccountSpec {
        name: name.into(),
        kind,
        mask: None,
        opening_balance: dec(opening),
        limit: None,
        currency: "USD".into(),
    }
}

pub fn posting(
    n: usize,
    account: &str,
    date: NaiveDate,
    amount: &str,
    payee: Option<&str>,
    txn_type: &str,
) -> BookPosting {
    BookPosting {
        account: account.into(),
        date,
        amount: dec(amount),
        payee: payee.map(str::to_string),
        txn_id: format!("{txn_type}:{n}"),
        txn_type: Some(txn_type.into()),
    }
}

/// Six months of a small client's books up to "today" (see
/// `rowcol_plaid_sim::derive::sample::small_business`).
pub fn bank(username: &str, seed: u64, diligence: f64) -> ClientBank {
    small_business(username, seed, diligence, 6, day(12, 1))
}

pub struct Sim {
    pub server: SimServer,
    pub http: reqwest::Client,
}

pub async fn sim_with(config: SimConfig) -> Sim {
    let server = start(SimConfig {
        start_time: Some(start_time()),
        ..config
    })
    .await
    .unwrap();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    Sim { server, http }
}

pub async fn sim() -> Sim {
    sim_with(SimConfig {
        seed: 11,
        ..SimConfig::default()
    })
    .await
}

impl Sim {
    /// Adds `bank` and links it with two years of history.
    pub fn link(&self, bank: ClientBank, webhook: Option<String>) -> Linked {
        self.server.admin().seed_item(bank, webhook, 730).unwrap()
    }

    /// POSTs `body` with the app's credentials in the body.
    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let mut body = body;
        body["client_id"] = json!("sim-client-id");
        body["secret"] = json!("sim-secret");
        self.post_raw(path, &body).await
    }

    /// POSTs `body` as it is.
    pub async fn post_raw(&self, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}{path}", self.server.base_url()))
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    /// One `/transactions/sync` call.
    pub async fn sync(&self, token: &str, cursor: &str, count: u64) -> (u16, Value) {
        self.post(
            "/transactions/sync",
            json!({ "access_token": token, "cursor": cursor, "count": count }),
        )
        .await
    }

    /// Pages one whole update from `cursor`; answers the pages and the last cursor.
    pub async fn sync_update(&self, token: &str, cursor: &str, count: u64) -> (Vec<Value>, String) {
        let mut pages = Vec::new();
        let mut cursor = cursor.to_string();
        loop {
            let (status, page) = self.sync(token, &cursor, count).await;
            assert_eq!(status, 200, "{page}");
            cursor = page["next_cursor"].as_str().unwrap().to_string();
            let more = page["has_more"].as_bool().unwrap();
            pages.push(page);
            if !more {
                return (pages, cursor);
            }
        }
    }
}

/// A mirror of the Item's transactions, applied page by page as a client would.
#[derive(Debug, Default)]
pub struct Mirror {
    pub rows: std::collections::BTreeMap<String, Value>,
    pub duplicates: usize,
}

impl Mirror {
    pub fn apply(&mut self, page: &Value) {
        for t in page["added"].as_array().unwrap() {
            let id = t["transaction_id"].as_str().unwrap().to_string();
            if self.rows.insert(id, t.clone()).is_some() {
                self.duplicates += 1;
            }
        }
        for t in page["modified"].as_array().unwrap() {
            let id = t["transaction_id"].as_str().unwrap().to_string();
            assert!(self.rows.insert(id, t.clone()).is_some(), "modified an unknown row");
        }
        for t in page["removed"].as_array().unwrap() {
            self.rows.remove(t["transaction_id"].as_str().unwrap());
        }
    }
}

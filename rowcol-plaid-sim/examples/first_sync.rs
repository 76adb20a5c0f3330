//! Times the first `/transactions/sync` of many Items over HTTP: each
//! client's bank is a year of the small-business sample, linked with two
//! years of history and paged at `count` 500.
//!
//! `cargo run -p rowcol-plaid-sim --example first_sync -- 100`

use std::time::Instant;

use chrono::{DateTime, Utc};
use rowcol_plaid_sim::derive::sample::small_business;
use rowcol_plaid_sim::{SimConfig, start};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let items: usize = std::env::args().nth(1).map_or(Ok(100), |n| n.parse())?;
    let start_time: DateTime<Utc> = "2026-12-01T15:00:00Z".parse()?;
    let server = start(SimConfig {
        start_time: Some(start_time),
        ..SimConfig::default()
    })
    .await?;
    let admin = server.admin();
    let began = Instant::now();
    let mut tokens = Vec::new();
    for i in 0..items {
        let bank = small_business(&format!("client-{i}"), i as u64, 0.9, 12, start_time.date_naive());
        tokens.push(admin.seed_item(bank, None, 730)?.access_token);
    }
    let linked = began.elapsed();
    let http = reqwest::Client::new();
    let url = format!("{}/transactions/sync", server.base_url());
    let began = Instant::now();
    let (mut lines, mut calls) = (0usize, 0usize);
    for token in &tokens {
        let mut cursor = String::new();
        loop {
            let page: Value = http
                .post(&url)
                .json(&json!({ "client_id": "sim-client-id", "secret": "sim-secret",
                               "access_token": token, "cursor": cursor, "count": 500 }))
                .send()
                .await?
                .json()
                .await?;
            calls += 1;
            lines += page["added"].as_array().map_or(0, Vec::len);
            cursor = page["next_cursor"].as_str().unwrap_or_default().to_string();
            if page["has_more"] != true {
                break;
            }
        }
    }
    println!(
        "{items} items linked in {:.2?}; first sync: {lines} lines in {calls} calls, {:.2?}",
        linked,
        began.elapsed()
    );
    Ok(())
}

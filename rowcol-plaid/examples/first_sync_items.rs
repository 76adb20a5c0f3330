//! The first `/transactions/sync` of N Items (default 100) through
//! `PlaidClient`, 16 at once, against an in-process look-alike: each Item a
//! year of a small business's bank (diligence 0.9). Prints lines, calls and
//! seconds.
//!
//! `cargo run -p rowcol-plaid --example first_sync_items -- 100`

use std::sync::Arc;
use std::time::Instant;

use rowcol_core::{ErrorContext, Rail, StandardPolicy};
use rowcol_plaid::{ItemAccess, PlaidClient, PlaidConfig};
use rowcol_plaid_sim::derive::sample::small_business;
use rowcol_plaid_sim::{SimConfig, start};
use secrecy::SecretString;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let items: usize = std::env::args().nth(1).map_or(Ok(100), |n| n.parse())?;
    let sim = start(SimConfig {
        seed: 42,
        start_time: Some("2026-12-01T15:00:00Z".parse()?),
        ..SimConfig::default()
    })
    .await?;
    let admin = sim.admin();
    let today = admin.now().date_naive();
    let mut linked = Vec::with_capacity(items);
    for n in 0..items {
        let bank = small_business(&format!("client-{n:03}"), n as u64, 0.9, 12, today);
        linked.push(admin.seed_item(bank, None, 730)?);
    }
    let client = Arc::new(PlaidClient::new(
        PlaidConfig::for_sim(&sim.base_url())?,
        Arc::new(StandardPolicy::default()),
    )?);
    let gate = Arc::new(Semaphore::new(16));
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for (n, item) in linked.into_iter().enumerate() {
        let (client, gate) = (Arc::clone(&client), Arc::clone(&gate));
        tasks.spawn(async move {
            let _slot = gate.acquire_owned().await?;
            let item_id = item.item_id.parse()?;
            let access = ItemAccess {
                context: ErrorContext::client(&format!("client-{n:03}").parse()?).with_realm(Rail::Plaid, &item_id),
                item_id,
                access_token: SecretString::from(item.access_token),
            };
            let update = client.sync(&access, "").await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(update.upserts.len())
        });
    }
    let mut lines = 0;
    while let Some(done) = tasks.join_next().await {
        lines += done?.map_err(|e| e.to_string())?;
    }
    println!(
        "{items} Items: {lines} lines in {} calls, {:.2} s",
        client.total_calls(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

//! Bounded load generator: starts a look-alike in-process (faults off,
//! throttling off), sends a fixed number of requests from a fixed number of
//! concurrent workers over loopback, and prints requests per second.
//!
//! `cargo run -p rowcol-qbo-sim --example loadgen -- [requests] [workers]`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use rowcol_qbo_sim::{PortfolioSpec, SimConfig, Size, ThrottleConfig, start};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let total: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_000)
        .min(1_000_000);
    let workers: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(32).clamp(1, 256);
    let server = start(SimConfig {
        portfolio: PortfolioSpec {
            realms: 4,
            size: Size::Typical,
            ..PortfolioSpec::default()
        },
        throttle: ThrottleConfig {
            enabled: false,
            ..ThrottleConfig::default()
        },
        ..SimConfig::default()
    })
    .await?;
    let admin = server.admin();
    let realms: Vec<(String, String)> = admin
        .realm_ids()
        .into_iter()
        .map(|r| {
            let token = admin.issue_tokens(&r).access_token;
            (r, token)
        })
        .collect();
    let realms = Arc::new(realms);
    let base = server.base_url();
    let next = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let client = reqwest::Client::builder().pool_max_idle_per_host(workers).build()?;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (client, realms, base, next, failures) = (
            client.clone(),
            Arc::clone(&realms),
            base.clone(),
            Arc::clone(&next),
            Arc::clone(&failures),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                let (realm, token) = &realms[n % realms.len()];
                // A mix a sync client sends: small query pages and reads by id.
                let url = if n % 2 == 0 {
                    format!("{base}/v3/company/{realm}/query?query=select%20*%20from%20Bill%20maxresults%2010&minorversion=75")
                } else {
                    format!("{base}/v3/company/{realm}/companyinfo/{realm}?minorversion=75")
                };
                let ok = match client.get(url).bearer_auth(token).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                if !ok {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "requests={total} workers={workers} failures={} seconds={elapsed:.2} requests_per_second={:.0}",
        failures.load(Ordering::Relaxed),
        total as f64 / elapsed
    );
    server.stop().await;
    Ok(())
}

//! Writes the runway crate's deterministic synthetic portfolio as JSON (a
//! list of `ClientSnapshot`s) for the Python benchmark, and times the same
//! digest in plain Rust as the reference.
//!
//! ```text
//! cargo run --release -p rowcol-python --example synthetic_portfolio -- OUT.json [CLIENTS] [RUNS]
//! ```
//!
//! The generator is `rowcol_testkit::synthetic` (the one the runway
//! tests and benches use; a dev-dependency, never part of the binding).

use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use rowcol_runway::{DigestClock, digest};
use rowcol_testkit::synthetic;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args
        .next()
        .ok_or("usage: synthetic_portfolio OUT.json [CLIENTS] [RUNS]")?;
    let clients: usize = args.next().map_or(Ok(100), |a| a.parse())?;
    let runs: u32 = args.next().map_or(Ok(30), |a| a.parse())?;
    let as_of = NaiveDate::from_ymd_opt(2026, 7, 15).ok_or("bad date")?;
    let synced_at = chrono::DateTime::parse_from_rfc3339("2026-07-15T08:00:00+00:00")?.with_timezone(&Utc);
    let snapshots = synthetic::portfolio(clients, as_of, synced_at);
    std::fs::write(&out, serde_json::to_string(&snapshots)?)?;
    let clock = DigestClock {
        as_of,
        now: synced_at + chrono::Duration::minutes(5),
        freshness_target: Duration::from_secs(30 * 60),
    };
    // Warm up once, then time each run.
    std::hint::black_box(digest(&snapshots, clock));
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(digest(std::hint::black_box(&snapshots), clock));
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    let best = times.first().copied().unwrap_or_default();
    println!("{{\"clients\": {clients}, \"runs\": {runs}, \"rust_median_s\": {median}, \"rust_best_s\": {best}}}");
    Ok(())
}

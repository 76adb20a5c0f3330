//! The portfolio digest for 100 typical clients built in memory
//! (target: under 20 ms).

#![allow(missing_docs)] // criterion_group! generates an undocumented public function.

use std::hint::black_box;
use std::time::Duration;

use chrono::Utc;
use criterion::{Criterion, criterion_group, criterion_main};
use rowcol_runway::{DigestClock, digest};
use rowcol_testkit::fixtures::{date, time};
use rowcol_testkit::synthetic;

fn bench_digest(c: &mut Criterion) {
    let synced_at = time("2026-07-15T08:00:00+00:00").with_timezone(&Utc);
    let clock = DigestClock {
        as_of: date("2026-07-15"),
        now: synced_at + chrono::Duration::minutes(5),
        freshness_target: Duration::from_secs(30 * 60),
    };
    let clients = synthetic::portfolio(100, clock.as_of, synced_at);
    let mut group = c.benchmark_group("digest/100_clients");
    group.bench_function("in_memory", |b| b.iter(|| digest(black_box(&clients), clock)));
    group.finish();
}

criterion_group!(benches, bench_digest);
criterion_main!(benches);

//! A custom `SyncPolicy`: priority clients every 5 minutes, the rest on the
//! standard 15, and fewer retries for everyone; everything else delegates to
//! `StandardPolicy`. Policy is data plus a small trait.
//!
//! `cargo run -p rowcol-examples --example custom_policy`

use std::collections::BTreeSet;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rowcol_core::ports::{DataSource, RateLimit, RetryDecision};
use rowcol_core::{
    ClientId, EntityKind, ErrorContext, Rail, RailErrorKind, RailFailure, RetrySettings, RowcolError, StandardPolicy,
    SyncPolicy,
};

/// Syncs the advisor's priority clients more often.
struct PriorityPolicy {
    priority: BTreeSet<ClientId>,
    base: StandardPolicy,
}

impl SyncPolicy for PriorityPolicy {
    fn interval(&self, client: &ClientId) -> Duration {
        if self.priority.contains(client) {
            Duration::from_secs(5 * 60)
        } else {
            self.base.interval(client)
        }
    }

    fn schedule_offset(&self, client: &ClientId) -> Duration {
        // Keep the standard spread, folded into this client's interval.
        let interval = self.interval(client).as_millis().max(1);
        let offset = self.base.schedule_offset(client).as_millis() % interval;
        Duration::from_millis(u64::try_from(offset).unwrap_or(0))
    }

    fn retry(&self, error: &RowcolError, attempt: u32, rng: &mut dyn rand::RngCore) -> RetryDecision {
        self.base.retry(error, attempt, rng)
    }

    fn source(&self, kind: EntityKind) -> DataSource {
        self.base.source(kind)
    }

    fn freshness_target(&self) -> Duration {
        self.base.freshness_target()
    }

    fn rate_limit(&self, rail: Rail) -> RateLimit {
        self.base.rate_limit(rail)
    }

    fn monthly_call_budget(&self, rail: Rail) -> Option<u64> {
        self.base.monthly_call_budget(rail)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = PriorityPolicy {
        priority: BTreeSet::from(["hilltop-dental".parse()?]),
        base: StandardPolicy {
            retry: RetrySettings {
                max_attempts: 3,
                ..RetrySettings::default()
            },
            ..StandardPolicy::default()
        },
    };
    println!("{:<16} {:>9} {:>9}", "client", "every", "offset");
    for name in ["corner-bakery", "hilltop-dental", "riverside-gym"] {
        let client: ClientId = name.parse()?;
        let (every, offset) = (policy.interval(&client), policy.schedule_offset(&client));
        assert!(offset < every);
        println!("{:<16} {:>7} m {:>7} s", name, every.as_secs() / 60, offset.as_secs());
    }

    let throttled = RowcolError::rail(
        RailErrorKind::Throttled { retry_after: None },
        ErrorContext::client(&"corner-bakery".parse()?),
        RailFailure {
            http_status: Some(429),
            message: "ThrottleExceeded".into(),
            ..RailFailure::default()
        },
    );
    let mut rng = StdRng::seed_from_u64(42);
    for attempt in 1..=3 {
        match policy.retry(&throttled, attempt, &mut rng) {
            RetryDecision::RetryAfter(wait) => println!("attempt {attempt}: retry after {:.1} s", wait.as_secs_f64()),
            RetryDecision::GiveUp(why) => println!("attempt {attempt}: give up ({why})"),
        }
    }
    Ok(())
}

//! Faults on demand: the next N calls of an endpoint (of one Item, or of
//! any) fail with a given code, and a latency added to every answer.
//! `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION` waits for a call that
//! continues a pagination (a cursor with more to come), as Plaid's does.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;

/// "The next `times` calls fail with `code`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// The endpoint's path (`/transactions/sync`); `None` for every endpoint.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Only calls for this Item; `None` for any.
    #[serde(default)]
    pub item_id: Option<String>,
    /// The error to answer.
    pub code: ErrorCode,
    /// How many calls.
    #[serde(default = "one")]
    pub times: u32,
}

fn one() -> u32 {
    1
}

/// The fault rules in force.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Vec<FaultRule>>,
    latency_ms: AtomicU64,
    injected: AtomicU64,
}

impl Faults {
    /// Adds a rule (rules are tried oldest first).
    pub fn add(&self, rule: FaultRule) {
        if let Ok(mut rules) = self.rules.lock() {
            rules.push(rule);
        }
    }

    /// Drops every rule and the latency.
    pub fn clear(&self) {
        if let Ok(mut rules) = self.rules.lock() {
            rules.clear();
        }
        self.latency_ms.store(0, Ordering::Relaxed);
    }

    /// Rules still waiting.
    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// Sets the latency added to every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.latency_ms.store(
            u64::try_from(latency.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    /// The latency added to every answer.
    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    /// Calls failed so far by rules.
    pub fn injected(&self) -> u64 {
        self.injected.load(Ordering::Relaxed)
    }

    /// The code the call must fail with, if a rule takes it.
    pub fn take(&self, endpoint: &str, item_id: Option<&str>, mid_pagination: bool) -> Option<ErrorCode> {
        let mut rules = self.rules.lock().ok()?;
        let position = rules.iter().position(|r| {
            r.endpoint.as_deref().is_none_or(|e| e == endpoint)
                && r.item_id.as_deref().is_none_or(|i| Some(i) == item_id)
                && (r.code != ErrorCode::TransactionsSyncMutationDuringPagination || mid_pagination)
        })?;
        let code = rules[position].code;
        rules[position].times = rules[position].times.saturating_sub(1);
        if rules[position].times == 0 {
            rules.remove(position);
        }
        self.injected.fetch_add(1, Ordering::Relaxed);
        Some(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_count_down_and_match_endpoint_item_and_pagination() {
        let faults = Faults::default();
        faults.add(FaultRule {
            endpoint: Some("/accounts/get".into()),
            item_id: Some("i1".into()),
            code: ErrorCode::InstitutionDown,
            times: 2,
        });
        faults.add(FaultRule {
            endpoint: None,
            item_id: None,
            code: ErrorCode::TransactionsSyncMutationDuringPagination,
            times: 1,
        });
        assert_eq!(faults.take("/accounts/get", Some("i2"), false), None);
        assert_eq!(
            faults.take("/accounts/get", Some("i1"), false),
            Some(ErrorCode::InstitutionDown)
        );
        assert_eq!(
            faults.take("/accounts/get", Some("i1"), false),
            Some(ErrorCode::InstitutionDown)
        );
        assert_eq!(faults.take("/accounts/get", Some("i1"), false), None, "spent");
        assert_eq!(
            faults.take("/transactions/sync", Some("i1"), false),
            None,
            "a first page is not mid-pagination"
        );
        assert_eq!(
            faults.take("/transactions/sync", Some("i1"), true),
            Some(ErrorCode::TransactionsSyncMutationDuringPagination)
        );
        assert_eq!(faults.injected(), 3);
        assert!(faults.rules().is_empty());
    }
}

//! Shared helpers: a Plaid look-alike in process, a client over HTTP to it
//! with a fast retry policy, and Items linked from sample banks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rowcol_core::{ErrorContext, Rail, RetrySettings, StandardPolicy};
use rowcol_plaid::{ItemAccess, PlaidClient, PlaidConfig, SyncUpdate};
use rowcol_plaid_sim::derive::sample::small_business;
use rowcol_plaid_sim::{ClientBank, Linked, SimConfig, SimServer, start};
use secrecy::SecretString;

/// Tuesday 1 December 2026, 15:00 UTC: the bank's "today".
pub fn start_time() -> DateTime<Utc> {
    "2026-12-01T15:00:00Z".parse().unwrap()
}

pub fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

/// Six months of a small client's books up to "today".
pub fn bank(username: &str, seed: u64, diligence: f64) -> ClientBank {
    small_business(username, seed, diligence, 6, day(12, 1))
}

/// Retries at once (a few milliseconds apart), six attempts.
pub fn fast_policy() -> StandardPolicy {
    StandardPolicy {
        retry: RetrySettings {
            max_attempts: 6,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(10),
            throttle_wait: Duration::from_millis(10),
        },
        ..StandardPolicy::default()
    }
}

pub struct Harness {
    pub sim: SimServer,
    pub client: Arc<PlaidClient>,
}

/// A look-alike and a client reading sync pages of `page_size`.
pub async fn harness(page_size: u32) -> Harness {
    let sim = start(SimConfig {
        seed: 11,
        start_time: Some(start_time()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut config = PlaidConfig::for_sim(&sim.base_url()).unwrap();
    config.sync_page_size = page_size;
    // The policy's 100 requests a minute per Item, counted over 1 s: the
    // look-alike answers at once and tests page in tens of requests.
    config.rate_window = Duration::from_secs(1);
    let client = Arc::new(PlaidClient::new(config, Arc::new(fast_policy())).unwrap());
    Harness { sim, client }
}

impl Harness {
    /// Adds `bank` and links it with two years of history.
    pub fn link(&self, bank: ClientBank) -> Linked {
        self.sim.admin().seed_item(bank, None, 730).unwrap()
    }

    /// How the client reaches a linked Item.
    pub fn access(&self, linked: &Linked) -> ItemAccess {
        let item_id = linked.item_id.parse().unwrap();
        ItemAccess {
            context: ErrorContext::client(&"acme".parse().unwrap()).with_realm(Rail::Plaid, &item_id),
            item_id,
            access_token: SecretString::from(linked.access_token.clone()),
        }
    }

    /// The ids and Plaid amounts of the lines the bank shows today.
    pub fn truth(&self, linked: &Linked) -> BTreeMap<String, String> {
        self.truth_of(&linked.item_id)
    }

    /// The same, by Item id.
    pub fn truth_of(&self, item_id: &str) -> BTreeMap<String, String> {
        self.sim
            .admin()
            .ground_truth(item_id)
            .unwrap()
            .lines
            .iter()
            .map(|l| (l.transaction_id.clone(), l.amount.normalize().to_string()))
            .collect()
    }
}

/// A mirror of lines, applied update by update as the rail's caller would.
#[derive(Debug, Default)]
pub struct Lines(pub BTreeMap<String, String>);

impl Lines {
    pub fn apply(&mut self, update: &SyncUpdate) {
        let mut seen = std::collections::BTreeSet::new();
        for line in &update.upserts {
            assert!(
                seen.insert(&line.transaction_id),
                "{} twice in one update",
                line.transaction_id
            );
            self.0
                .insert(line.transaction_id.clone(), line.amount.normalize().to_string());
        }
        for gone in &update.removed {
            assert!(
                seen.insert(&gone.transaction_id),
                "{} live and gone",
                gone.transaction_id
            );
            self.0.remove(&gone.transaction_id);
        }
    }
}

impl Harness {
    /// Ten new posted lines on the Item's first account, through
    /// `/sandbox/transactions/create` (dates within the last 14 days).
    pub async fn sandbox_lines(&self, linked: &Linked, tag: &str) {
        let today = self.sim.admin().now().date_naive();
        let lines: Vec<serde_json::Value> = (0..10)
            .map(|n| {
                let date = (today - chrono::Duration::days(n % 5)).to_string();
                serde_json::json!({
                    "date_transacted": date, "date_posted": date,
                    "amount": format!("{}.{n:02}", 10 + n), "description": format!("{tag} {n}")
                })
            })
            .collect();
        let answer = reqwest::Client::new()
            .post(format!("{}/sandbox/transactions/create", self.sim.base_url()))
            .json(&serde_json::json!({
                "client_id": "sim-client-id", "secret": "sim-secret",
                "access_token": linked.access_token, "transactions": lines
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200, "{}", answer.text().await.unwrap());
    }
}

/// A Plaid rail over the harness's client, with an in-memory SQLite mirror
/// as its credential store, client `acme` registered.
pub struct RailHarness {
    pub h: Harness,
    pub rail: Arc<rowcol_plaid::PlaidRail>,
    pub store: Arc<rowcol_mirror::SqliteMirror>,
}

pub async fn rail_harness(page_size: u32) -> RailHarness {
    use rowcol_core::{Advisor, Client, Currency, Registry, SystemClock};
    let h = harness(page_size).await;
    let key = rowcol_mirror::CredentialKey::generate();
    let store = Arc::new(rowcol_mirror::SqliteMirror::open_memory(key).await.unwrap());
    store
        .upsert_advisor(&Advisor {
            id: "jane".parse().unwrap(),
            name: "Jane".into(),
        })
        .await
        .unwrap();
    store
        .upsert_client(&Client {
            id: "acme".parse().unwrap(),
            advisor: "jane".parse().unwrap(),
            name: "Acme".into(),
            home_currency: Currency::USD,
            connections: vec![],
        })
        .await
        .unwrap();
    let rail = Arc::new(rowcol_plaid::PlaidRail::new(
        Arc::clone(&h.client),
        store.clone(),
        Arc::new(SystemClock),
    ));
    RailHarness { h, rail, store }
}

impl Harness {
    /// A Link public token for `bank` (added first), two years of history.
    pub async fn public_token(&self, bank: ClientBank) -> SecretString {
        let username = bank.username.clone();
        self.sim.admin().add_bank(bank).unwrap();
        let created: serde_json::Value = reqwest::Client::new()
            .post(format!("{}/sandbox/public_token/create", self.sim.base_url()))
            .json(
                &serde_json::json!({"client_id": "sim-client-id", "secret": "sim-secret",
                "institution_id": "ins_109508", "initial_products": ["transactions"],
                "options": {"override_username": username, "transactions": {"days_requested": 730}}}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        SecretString::from(created["public_token"].as_str().unwrap().to_owned())
    }
}

/// Three card purchases today, each pending first and posting a day later
/// with a tip (another amount), remove and add on different pages; and a
/// hold that never posts.
pub fn card_purchases() -> ClientBank {
    let mut b = bank("c1", 5, 1.0);
    b.postings.clear();
    for (i, (payee, amount)) in [("Cafe Uno", "-42.17"), ("Taxi Co", "-18.00"), ("Diner", "-61.30")]
        .into_iter()
        .enumerate()
    {
        b.postings.push(rowcol_plaid_sim::BookPosting {
            account: "Card".into(),
            date: day(12, 1),
            amount: amount.parse().unwrap(),
            payee: Some(payee.into()),
            txn_id: format!("Purchase:{i}"),
            txn_type: Some("Purchase".into()),
        });
    }
    b.habits = rowcol_plaid_sim::Habits {
        amount_change_rate: 1.0,
        split_rate: 1.0,
        enrich_rate: 0.0,
        max_clearing_lag_days: 1,
        holds: 1,
        ..rowcol_plaid_sim::Habits::default()
    };
    b
}

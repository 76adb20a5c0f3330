//! Webhooks as Plaid sends them: raw JSON POSTed to the Item's webhook URL,
//! signed per attempt (a fresh `iat`) in `Plaid-Verification`, retried on a
//! non-2xx answer or no answer within 10 s, with a delay multiplied by 4
//! each time (Plaid starts at 30 s; tests shorten it).

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::clock::SimClock;
use crate::error::PlaidError;
use crate::signing::Keys;

/// How deliveries are retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeliveryConfig {
    /// Attempts per webhook, the first included.
    pub max_attempts: u32,
    /// Wait before the second attempt; each later wait is 4 times the last.
    #[serde(with = "millis")]
    pub first_retry: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        Self {
            // 30 s, 2 min, 8 min, 32 min, 2 h 8 min, 8 h 32 min: the last
            // retry within Plaid's 24 hours.
            max_attempts: 7,
            first_retry: Duration::from_secs(30),
        }
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// One webhook sent, as the admin reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sent {
    /// The Item.
    pub item_id: String,
    /// `webhook_type`.
    pub webhook_type: String,
    /// `webhook_code`.
    pub webhook_code: String,
}

/// Delivery counters and the last webhooks queued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStats {
    /// Webhooks queued.
    pub queued: u64,
    /// HTTP attempts.
    pub attempts: u64,
    /// Webhooks answered 2xx.
    pub delivered: u64,
    /// Webhooks given up.
    pub failed: u64,
    /// The last 1,000 webhooks queued, oldest first.
    pub recent: Vec<Sent>,
}

#[derive(Debug)]
struct Outgoing {
    url: String,
    body: Vec<u8>,
}

/// The webhook sender.
#[derive(Debug)]
pub struct Webhooks {
    tx: mpsc::UnboundedSender<Outgoing>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Outgoing>>>,
    stats: Arc<Mutex<DeliveryStats>>,
    config: Arc<RwLock<DeliveryConfig>>,
}

impl Webhooks {
    /// A sender with `config` (start it with [`Webhooks::start`]).
    pub fn new(config: DeliveryConfig) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            tx,
            rx: Mutex::new(Some(rx)),
            stats: Arc::default(),
            config: Arc::new(RwLock::new(config)),
        }
    }

    /// Queues `body` for `url`.
    pub fn send(&self, url: &str, body: &Value) {
        let sent = Sent {
            item_id: body["item_id"].as_str().unwrap_or_default().to_string(),
            webhook_type: body["webhook_type"].as_str().unwrap_or_default().to_string(),
            webhook_code: body["webhook_code"].as_str().unwrap_or_default().to_string(),
        };
        if let Ok(mut stats) = self.stats.lock() {
            stats.queued += 1;
            stats.recent.push(sent);
            let excess = stats.recent.len().saturating_sub(1000);
            stats.recent.drain(..excess);
        }
        let _ = self.tx.send(Outgoing {
            url: url.to_string(),
            body: serde_json::to_vec(body).unwrap_or_default(),
        });
    }

    /// Counters and recent webhooks.
    pub fn stats(&self) -> DeliveryStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Replaces the retry settings.
    pub fn set_config(&self, config: DeliveryConfig) {
        if let Ok(mut c) = self.config.write() {
            *c = config;
        }
    }

    /// Starts delivering in the background (once).
    pub fn start(&self, clock: Arc<SimClock>, keys: Arc<Keys>) {
        let Some(mut rx) = self.rx.lock().ok().and_then(|mut rx| rx.take()) else {
            return;
        };
        let stats = Arc::clone(&self.stats);
        let config = Arc::clone(&self.config);
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            while let Some(out) = rx.recv().await {
                let config = config.read().map(|c| c.clone()).unwrap_or_default();
                let delivery = Delivery {
                    client: client.clone(),
                    stats: Arc::clone(&stats),
                    clock: Arc::clone(&clock),
                    keys: Arc::clone(&keys),
                    config,
                };
                tokio::spawn(delivery.run(out));
            }
        });
    }
}

struct Delivery {
    client: reqwest::Client,
    stats: Arc<Mutex<DeliveryStats>>,
    clock: Arc<SimClock>,
    keys: Arc<Keys>,
    config: DeliveryConfig,
}

impl Delivery {
    fn count(&self, f: impl FnOnce(&mut DeliveryStats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    async fn run(self, out: Outgoing) {
        let attempts = self.config.max_attempts.max(1);
        let mut wait = self.config.first_retry;
        for attempt in 1..=attempts {
            self.count(|s| s.attempts += 1);
            let Ok(jwt) = self.keys.sign(&out.body, self.clock.now().timestamp()) else {
                break;
            };
            let answer = self
                .client
                .post(&out.url)
                .header("content-type", "application/json")
                .header("plaid-verification", jwt)
                .body(out.body.clone())
                .timeout(Duration::from_secs(10))
                .send()
                .await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                self.count(|s| s.delivered += 1);
                return;
            }
            if attempt < attempts {
                tokio::time::sleep(wait).await;
                wait *= 4;
            }
        }
        self.count(|s| s.failed += 1);
    }
}

/// `TRANSACTIONS` / `SYNC_UPDATES_AVAILABLE`.
pub fn sync_updates_available(item_id: &str) -> Value {
    json!({
        "webhook_type": "TRANSACTIONS",
        "webhook_code": "SYNC_UPDATES_AVAILABLE",
        "item_id": item_id,
        "initial_update_complete": true,
        "historical_update_complete": true,
        "environment": "sandbox",
    })
}

/// `TRANSACTIONS` / `DEFAULT_UPDATE` (legacy; sent only when fired by hand).
pub fn default_update(item_id: &str) -> Value {
    json!({
        "webhook_type": "TRANSACTIONS",
        "webhook_code": "DEFAULT_UPDATE",
        "item_id": item_id,
        "new_transactions": 0,
        "error": null,
        "environment": "sandbox",
    })
}

/// An `ITEM` webhook: `ERROR` carries the error object, others `null`.
pub fn item_webhook(item_id: &str, code: &str, error: Option<&PlaidError>) -> Value {
    json!({
        "webhook_type": "ITEM",
        "webhook_code": code,
        "item_id": item_id,
        "error": error.map(|e| e.body(None)),
        "environment": "sandbox",
    })
}

//! Webhook notifications as Intuit sends them: batched, signed with
//! `intuit-signature` (base64 of HMAC-SHA256 over the raw body, keyed with the
//! app's verifier token), in the legacy `eventNotifications` or the CloudEvents
//! format, with optional duplicates, reordering, delay, and retries until the
//! target answers 2xx.

use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::store::{Change, Operation};

/// Which body format to send.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WebhookFormat {
    /// `{"eventNotifications": [...]}`
    #[default]
    Legacy,
    /// A JSON array of CloudEvents 1.0 events.
    CloudEvents,
}

/// The app's webhook subscription and delivery behaviour.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WebhookConfig {
    /// Where to POST.
    pub url: String,
    /// The app's verifier token (HMAC key).
    pub verifier_token: String,
    /// Body format.
    pub format: WebhookFormat,
    /// Changes within this window go out in one delivery.
    #[serde(with = "crate::serde_millis")]
    pub batch_window: Duration,
    /// Share of events sent twice in a delivery.
    pub duplicate_rate: f64,
    /// Shuffle events within a delivery.
    pub reorder: bool,
    /// Wait this long before the first attempt.
    #[serde(with = "crate::serde_millis")]
    pub delay: Duration,
    /// Attempts per delivery (first try included).
    pub max_attempts: u32,
    /// Wait between attempts (times the attempt number).
    #[serde(with = "crate::serde_millis")]
    pub retry_backoff: Duration,
    /// Seed of the duplicate/reorder draws.
    pub seed: u64,
}

impl std::fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookConfig")
            .field("url", &self.url)
            .field("verifier_token", &"<redacted>")
            .field("format", &self.format)
            .field("batch_window", &self.batch_window)
            .field("duplicate_rate", &self.duplicate_rate)
            .field("reorder", &self.reorder)
            .field("delay", &self.delay)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            url: String::new(),
            verifier_token: String::new(),
            format: WebhookFormat::Legacy,
            batch_window: Duration::from_millis(200),
            duplicate_rate: 0.0,
            reorder: false,
            delay: Duration::ZERO,
            max_attempts: 5,
            retry_backoff: Duration::from_millis(200),
            seed: 0,
        }
    }
}

/// Delivery counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryStats {
    /// Deliveries (batches) attempted at least once.
    pub deliveries: u64,
    /// HTTP attempts in all.
    pub attempts: u64,
    /// Deliveries that got a 2xx.
    pub delivered: u64,
    /// Deliveries given up after `max_attempts`.
    pub failed: u64,
    /// Events sent (duplicates included, retries not).
    pub events: u64,
}

#[derive(Debug, Default)]
struct Inner {
    config: RwLock<Option<WebhookConfig>>,
    stats: Mutex<DeliveryStats>,
}

/// The webhook sender of the look-alike's one app.
#[derive(Debug)]
pub struct Webhooks {
    inner: Arc<Inner>,
    tx: mpsc::UnboundedSender<Change>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Change>>>,
}

impl Default for Webhooks {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Self {
            inner: Arc::default(),
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }
}

/// `intuit-signature` of a raw body: base64(HMAC-SHA256(body, verifier)).
pub fn sign(body: &[u8], verifier_token: &str) -> String {
    match Hmac::<Sha256>::new_from_slice(verifier_token.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Checks a signature in constant time.
pub fn verify(body: &[u8], verifier_token: &str, signature: &str) -> bool {
    let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(signature.trim()) else {
        return false;
    };
    match Hmac::<Sha256>::new_from_slice(verifier_token.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body);
            mac.verify_slice(&expected).is_ok()
        }
        Err(_) => false,
    }
}

fn utc_millis(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn legacy_operation(op: Operation) -> &'static str {
    match op {
        Operation::Create => "Create",
        Operation::Update => "Update",
        Operation::Delete => "Delete",
        Operation::Void => "Void",
    }
}

fn past_tense(op: Operation) -> &'static str {
    match op {
        Operation::Create => "created",
        Operation::Update => "updated",
        Operation::Delete => "deleted",
        Operation::Void => "voided",
    }
}

/// The legacy body: one `eventNotifications` entry per realm, in first-seen order.
pub fn legacy_body(events: &[Change]) -> Value {
    let mut realms: Vec<(String, Vec<Value>)> = Vec::new();
    for e in events {
        let entity = json!({
            "name": e.kind.name(),
            "id": e.id,
            "operation": legacy_operation(e.operation),
            "lastUpdated": utc_millis(e.at),
        });
        match realms.iter_mut().find(|(r, _)| *r == e.realm_id) {
            Some((_, list)) => list.push(entity),
            None => realms.push((e.realm_id.clone(), vec![entity])),
        }
    }
    json!({
        "eventNotifications": realms
            .into_iter()
            .map(|(realm, entities)| json!({ "realmId": realm, "dataChangeEvent": { "entities": entities } }))
            .collect::<Vec<_>>()
    })
}

/// The CloudEvents body: a JSON array, one event per change. A change sent
/// twice (a duplicate) keeps its event `id`, as a redelivered CloudEvent does,
/// so receivers can collapse it.
pub fn cloudevents_body(events: &[Change], rng: &mut StdRng) -> Value {
    let mut ids: Vec<(&Change, String)> = Vec::new();
    Value::Array(
        events
            .iter()
            .map(|e| {
                let id = match ids.iter().find(|(seen, _)| *seen == e) {
                    Some((_, id)) => id.clone(),
                    None => {
                        let id = uuid_v4(rng);
                        ids.push((e, id.clone()));
                        id
                    }
                };
                json!({
                    "specversion": "1.0",
                    "id": id,
                    "source": "intuit.qbo-sim",
                    "type": format!("qbo.{}.{}.v1", e.kind.name().to_lowercase(), past_tense(e.operation)),
                    "datacontenttype": "application/json",
                    "time": utc_millis(e.at),
                    "intuitentityid": e.id,
                    "intuitaccountid": e.realm_id,
                    "data": {},
                })
            })
            .collect(),
    )
}

fn uuid_v4(rng: &mut StdRng) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl Webhooks {
    /// Sets (or clears, with `None`) the subscription.
    pub fn set_config(&self, config: Option<WebhookConfig>) {
        if let Ok(mut c) = self.inner.config.write() {
            *c = config;
        }
    }

    /// The subscription in force.
    pub fn config(&self) -> Option<WebhookConfig> {
        self.inner.config.read().ok().and_then(|c| c.clone())
    }

    /// Delivery counters.
    pub fn stats(&self) -> DeliveryStats {
        self.inner.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Queues changes for notification (ignored when nobody subscribed).
    pub fn notify(&self, changes: &[Change]) {
        if self.config().is_none() {
            return;
        }
        for change in changes {
            let _ = self.tx.send(change.clone());
        }
    }

    /// Starts the background batcher (once; later calls do nothing).
    pub fn start_dispatcher(&self) {
        let Some(mut rx) = self.rx.lock().ok().and_then(|mut rx| rx.take()) else {
            return;
        };
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut rng_seed: Option<u64> = None;
            let mut rng = StdRng::seed_from_u64(0);
            while let Some(first) = rx.recv().await {
                let Some(config) = inner.config.read().ok().and_then(|c| c.clone()) else {
                    continue;
                };
                if rng_seed != Some(config.seed) {
                    rng = StdRng::seed_from_u64(config.seed);
                    rng_seed = Some(config.seed);
                }
                let mut batch = vec![first];
                let deadline = tokio::time::Instant::now() + config.batch_window;
                while let Ok(Some(change)) = tokio::time::timeout_at(deadline, rx.recv()).await {
                    batch.push(change);
                }
                let mut events = Vec::with_capacity(batch.len());
                for change in batch {
                    let twice = config.duplicate_rate > 0.0 && rng.random_bool(config.duplicate_rate.clamp(0.0, 1.0));
                    if twice {
                        events.push(change.clone());
                    }
                    events.push(change);
                }
                if config.reorder {
                    events.shuffle(&mut rng);
                }
                let body = match config.format {
                    WebhookFormat::Legacy => legacy_body(&events),
                    WebhookFormat::CloudEvents => cloudevents_body(&events, &mut rng),
                };
                let raw = serde_json::to_vec(&body).unwrap_or_default();
                if let Ok(mut s) = inner.stats.lock() {
                    s.deliveries += 1;
                    s.events += events.len() as u64;
                }
                tokio::spawn(deliver(client.clone(), Arc::clone(&inner), config, raw));
            }
        });
    }
}

async fn deliver(client: reqwest::Client, inner: Arc<Inner>, config: WebhookConfig, raw: Vec<u8>) {
    if !config.delay.is_zero() {
        tokio::time::sleep(config.delay).await;
    }
    let signature = sign(&raw, &config.verifier_token);
    let attempts = config.max_attempts.max(1);
    for attempt in 1..=attempts {
        if let Ok(mut s) = inner.stats.lock() {
            s.attempts += 1;
        }
        let sent = client
            .post(&config.url)
            .header("content-type", "application/json")
            .header("intuit-signature", &signature)
            .body(raw.clone())
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        if sent.as_ref().is_ok_and(|r| r.status().is_success()) {
            if let Ok(mut s) = inner.stats.lock() {
                s.delivered += 1;
            }
            return;
        }
        tracing::debug!(attempt, "webhook delivery not acknowledged");
        if attempt < attempts {
            tokio::time::sleep(config.retry_backoff * attempt).await;
        }
    }
    if let Ok(mut s) = inner.stats.lock() {
        s.failed += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Kind;

    #[test]
    fn signature_matches_a_known_vector() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), base64.
        let sig = sign(b"The quick brown fox jumps over the lazy dog", "key");
        assert_eq!(sig, "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg=");
        assert!(verify(b"The quick brown fox jumps over the lazy dog", "key", &sig));
        assert!(!verify(b"the quick brown fox jumps over the lazy dog", "key", &sig));
    }

    #[test]
    fn bodies_have_intuit_shapes() {
        let at = DateTime::parse_from_rfc3339("2026-05-31T21:31:25.179Z")
            .unwrap()
            .with_timezone(&Utc);
        let events = vec![
            Change {
                realm_id: "1".into(),
                kind: Kind::Bill,
                id: "95".into(),
                operation: Operation::Update,
                at,
            },
            Change {
                realm_id: "2".into(),
                kind: Kind::Invoice,
                id: "7".into(),
                operation: Operation::Delete,
                at,
            },
        ];
        let legacy = legacy_body(&events);
        assert_eq!(legacy["eventNotifications"][0]["realmId"], "1");
        assert_eq!(
            legacy["eventNotifications"][0]["dataChangeEvent"]["entities"][0]["operation"],
            "Update"
        );
        assert_eq!(
            legacy["eventNotifications"][1]["dataChangeEvent"]["entities"][0]["lastUpdated"],
            "2026-05-31T21:31:25.179Z"
        );
        let ce = cloudevents_body(&events, &mut StdRng::seed_from_u64(1));
        assert_eq!(ce[0]["type"], "qbo.bill.updated.v1");
        assert_eq!(ce[1]["type"], "qbo.invoice.deleted.v1");
        assert_eq!(ce[1]["intuitaccountid"], "2");
        assert_eq!(ce[0]["id"].as_str().unwrap().len(), 36);
    }

    #[test]
    fn duplicated_cloudevents_keep_their_id() {
        let at = Utc::now();
        let change = |id: &str| Change {
            realm_id: "1".into(),
            kind: Kind::Bill,
            id: id.into(),
            operation: Operation::Update,
            at,
        };
        let ce = cloudevents_body(&[change("1"), change("2"), change("1")], &mut StdRng::seed_from_u64(1));
        assert_eq!(ce[0]["id"], ce[2]["id"], "a duplicate is the same event");
        assert_ne!(ce[0]["id"], ce[1]["id"]);
    }
}

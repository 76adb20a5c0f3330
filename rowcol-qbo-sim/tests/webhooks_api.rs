//! Webhook delivery to a real local receiver: signatures, formats, retries.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::sim;
use rowcol_qbo_sim::webhooks::verify;
use rowcol_qbo_sim::{Kind, Size, WebhookConfig, WebhookFormat};
use serde_json::{Value, json};

type Deliveries = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

#[derive(Clone, Default)]
struct Receiver {
    got: Deliveries,
    fail_first: Arc<Mutex<u32>>,
}

async fn receive(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    {
        let mut left = r.fail_first.lock().unwrap();
        if *left > 0 {
            *left -= 1;
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    }
    let sig = headers
        .get("intuit-signature")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    r.got.lock().unwrap().push((sig, body.to_vec()));
    StatusCode::OK
}

async fn receiver(fail_first: u32) -> (String, Receiver) {
    let r = Receiver {
        fail_first: Arc::new(Mutex::new(fail_first)),
        ..Receiver::default()
    };
    let app = Router::new().route("/hook", post(receive)).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), r)
}

async fn wait_for(r: &Receiver, n: usize) -> Vec<(String, Vec<u8>)> {
    for _ in 0..100 {
        if r.got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    r.got.lock().unwrap().clone()
}

#[tokio::test]
async fn legacy_notifications_are_batched_signed_and_retried() {
    let s = sim(Size::Small).await;
    let (url, r) = receiver(2).await;
    let admin = s.server.admin();
    admin.set_webhook(Some(WebhookConfig {
        url,
        verifier_token: "verifier-123".into(),
        format: WebhookFormat::Legacy,
        batch_window: Duration::from_millis(100),
        retry_backoff: Duration::from_millis(20),
        ..WebhookConfig::default()
    }));
    let row = admin.create(&s.realm, Kind::Bill, json!({ "TotalAmt": 10 })).unwrap();
    let id: u64 = row["Id"].as_str().unwrap().parse().unwrap();
    admin
        .update(&s.realm, Kind::Bill, id, &json!({ "PrivateNote": "x" }))
        .unwrap();
    let got = wait_for(&r, 1).await;
    assert_eq!(got.len(), 1, "one batched delivery");
    let (sig, body) = &got[0];
    assert!(verify(body, "verifier-123", sig));
    assert!(!verify(body, "other", sig));
    let v: Value = serde_json::from_slice(body).unwrap();
    let entities = v["eventNotifications"][0]["dataChangeEvent"]["entities"]
        .as_array()
        .unwrap();
    assert_eq!(v["eventNotifications"][0]["realmId"], s.realm.as_str());
    assert_eq!(entities.len(), 2);
    assert_eq!(entities[0]["operation"], "Create");
    assert_eq!(entities[1]["operation"], "Update");
    assert_eq!(entities[0]["name"], "Bill");
    let stats = admin.webhook_stats();
    assert_eq!((stats.attempts, stats.delivered), (3, 1));
}

#[tokio::test]
async fn cloudevents_with_duplicates() {
    let s = sim(Size::Small).await;
    let (url, r) = receiver(0).await;
    let admin = s.server.admin();
    admin.set_webhook(Some(WebhookConfig {
        url,
        verifier_token: "v".into(),
        format: WebhookFormat::CloudEvents,
        batch_window: Duration::from_millis(100),
        duplicate_rate: 1.0,
        reorder: true,
        ..WebhookConfig::default()
    }));
    let changes = admin.burst(&s.realm, 5).unwrap();
    let got = wait_for(&r, 1).await;
    let (sig, body) = &got[0];
    assert!(verify(body, "v", sig));
    let events: Vec<Value> = serde_json::from_slice(body).unwrap();
    assert_eq!(events.len(), changes.len() * 2, "every event twice");
    for e in &events {
        assert_eq!(e["specversion"], "1.0");
        assert_eq!(e["intuitaccountid"], s.realm.as_str());
        let t = e["type"].as_str().unwrap();
        assert!(t.starts_with("qbo.") && t.ends_with(".v1"), "{t}");
    }
}

//! Webhooks to a real local receiver: ES256 signatures verifiable with the
//! published key, `SYNC_UPDATES_AVAILABLE` after the data moved, item errors.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use common::{Sim, bank, sim};
use rowcol_plaid_sim::DeliveryConfig;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

type Got = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

async fn receive(State(got): State<Got>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let jwt = headers
        .get("plaid-verification")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    got.lock().unwrap().push((jwt, body.to_vec()));
    StatusCode::OK
}

async fn receiver() -> (String, Got) {
    let got = Got::default();
    let app = Router::new().route("/hook", post(receive)).with_state(Arc::clone(&got));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), got)
}

async fn wait_for(got: &Got, n: usize) -> Vec<(String, Vec<u8>)> {
    for _ in 0..200 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    got.lock().unwrap().clone()
}

fn part(jwt: &str, n: usize) -> Value {
    let segment = jwt.split('.').nth(n).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

/// Verifies a delivery as a receiver must: ES256 with the key of its `kid`
/// fetched from the look-alike, then the raw body's SHA-256.
async fn verify(s: &Sim, jwt: &str, body: &[u8]) -> Value {
    let header = part(jwt, 0);
    assert_eq!(header["alg"], "ES256");
    let (status, answer) = s
        .post("/webhook_verification_key/get", json!({ "key_id": header["kid"] }))
        .await;
    assert_eq!(status, 200, "{answer}");
    let key = &answer["key"];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str(), key["use"].as_str()),
        (Some("EC"), Some("P-256"), Some("sig"))
    );
    assert_eq!(key["expired_at"], Value::Null);
    let coordinate = |name: &str| URL_SAFE_NO_PAD.decode(key[name].as_str().unwrap()).unwrap();
    let point = [vec![4u8], coordinate("x"), coordinate("y")].concat();
    let (signed, signature) = jwt.rsplit_once('.').unwrap();
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
        .verify(signed.as_bytes(), &URL_SAFE_NO_PAD.decode(signature).unwrap())
        .expect("the signature verifies with the published key");
    let claims = part(jwt, 1);
    assert_eq!(claims["request_body_sha256"], hex::encode(Sha256::digest(body)));
    let age = s.server.admin().now().timestamp() - claims["iat"].as_i64().unwrap();
    assert!((0..300).contains(&age), "iat within 5 minutes: {age}");
    serde_json::from_slice(body).unwrap()
}

#[tokio::test]
async fn sync_updates_available_is_signed_with_the_published_key() {
    let s = sim().await;
    let (url, got) = receiver().await;
    let linked = s.link(bank("c1", 5, 1.0), Some(url));
    let (_, cursor) = s.sync_update(&linked.access_token, "", 500).await;
    s.server.admin().advance_clock(Duration::days(3));
    let deliveries = wait_for(&got, 1).await;
    assert_eq!(deliveries.len(), 1);
    let (jwt, body) = &deliveries[0];
    let body = verify(&s, jwt, body).await;
    assert_eq!(body["webhook_type"], "TRANSACTIONS");
    assert_eq!(body["webhook_code"], "SYNC_UPDATES_AVAILABLE");
    assert_eq!(body["item_id"], linked.item_id.as_str());
    assert_eq!(body["historical_update_complete"], true);
    let (pages, _) = s.sync_update(&linked.access_token, &cursor, 500).await;
    let changes: usize = ["added", "modified", "removed"]
        .iter()
        .map(|k| pages[0][k].as_array().unwrap().len())
        .sum();
    assert!(changes > 0, "the update the webhook announced");
    // A tampered body no longer matches the signed hash.
    assert_ne!(part(jwt, 1)["request_body_sha256"], hex::encode(Sha256::digest(b"{}")));
    // After a rotation the old key is published as expired; an unknown kid is refused.
    let admin = s.server.admin();
    let old = admin.webhook_key_ids()[0].clone();
    admin.rotate_webhook_key().unwrap();
    let (_, answer) = s.post("/webhook_verification_key/get", json!({ "key_id": old })).await;
    assert!(answer["key"]["expired_at"].is_i64());
    let (status, error) = s
        .post("/webhook_verification_key/get", json!({ "key_id": "nope" }))
        .await;
    assert_eq!(
        (status, error["error_code"].as_str()),
        (400, Some("INVALID_WEBHOOK_VERIFICATION_KEY_ID"))
    );
}

#[tokio::test]
async fn item_errors_and_fired_webhooks_reach_the_items_url() {
    let s = sim().await;
    let (url, got) = receiver().await;
    let linked = s.link(bank("c1", 5, 1.0), Some(url));
    let token = linked.access_token.clone();
    let (status, _) = s
        .post("/sandbox/item/reset_login", json!({ "access_token": token }))
        .await;
    assert_eq!(status, 200);
    let (status, fired) = s
        .post(
            "/sandbox/item/fire_webhook",
            json!({ "access_token": token, "webhook_code": "LOGIN_REPAIRED" }),
        )
        .await;
    assert_eq!((status, &fired["webhook_fired"]), (200, &json!(true)));
    let deliveries = wait_for(&got, 2).await;
    let mut bodies = Vec::new();
    for (jwt, body) in &deliveries {
        bodies.push(verify(&s, jwt, body).await);
    }
    bodies.sort_by_key(|b| b["webhook_code"].as_str().unwrap().to_string());
    assert_eq!(bodies[0]["webhook_code"], "ERROR");
    assert_eq!(bodies[0]["webhook_type"], "ITEM");
    assert_eq!(bodies[0]["error"]["error_code"], "ITEM_LOGIN_REQUIRED");
    assert_eq!(bodies[1]["webhook_code"], "LOGIN_REPAIRED");
    let (status, error) = s
        .post(
            "/sandbox/item/fire_webhook",
            json!({ "access_token": token, "webhook_code": "NO_SUCH_CODE" }),
        )
        .await;
    assert_eq!((status, error["error_code"].as_str()), (400, Some("INVALID_FIELD")));
    let (_, item) = s.post("/item/get", json!({ "access_token": token })).await;
    assert_eq!(item["status"]["last_webhook"]["code_sent"], "LOGIN_REPAIRED");
}

#[tokio::test]
async fn an_unanswered_webhook_is_retried_and_an_item_without_url_cannot_fire() {
    let s = sim().await;
    s.server.admin().set_webhook_delivery(DeliveryConfig {
        max_attempts: 3,
        first_retry: StdDuration::from_millis(10),
    });
    // Nothing listens on the discard port.
    let linked = s.link(bank("c1", 5, 1.0), Some("http://127.0.0.1:9/hook".into()));
    let (status, _) = s
        .post(
            "/sandbox/item/fire_webhook",
            json!({ "access_token": linked.access_token, "webhook_code": "SYNC_UPDATES_AVAILABLE" }),
        )
        .await;
    assert_eq!(status, 200);
    for _ in 0..200 {
        if s.server.admin().webhook_stats().failed == 1 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    let stats = s.server.admin().webhook_stats();
    assert_eq!((stats.attempts, stats.failed, stats.delivered), (3, 1, 0));
    let quiet = s.link(bank("c2", 6, 1.0), None);
    let (status, error) = s
        .post(
            "/sandbox/item/fire_webhook",
            json!({ "access_token": quiet.access_token, "webhook_code": "SYNC_UPDATES_AVAILABLE" }),
        )
        .await;
    assert_eq!(
        (status, error["error_code"].as_str()),
        (400, Some("SANDBOX_WEBHOOK_INVALID"))
    );
}

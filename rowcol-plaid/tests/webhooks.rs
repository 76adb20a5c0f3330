//! Webhooks delivered by the look-alike to a real local receiver, verified
//! by the client: genuine ones pass and parse; a tampered body, a bad
//! signature, a stale `iat`, an unknown or expired `kid`, another algorithm
//! are refused.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Duration;
use common::{Harness, bank, harness};
use rowcol_core::{ManualClock, RailErrorKind};
use rowcol_plaid::{PlaidWebhook, WebhookError, WebhookVerifier};
use serde_json::json;

type Got = Arc<Mutex<Vec<(HeaderMap, Vec<u8>)>>>;

async fn receive(State(got): State<Got>, headers: HeaderMap, body: Bytes) -> StatusCode {
    got.lock().unwrap().push((headers, body.to_vec()));
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

async fn wait_for(got: &Got, n: usize) -> Vec<(HeaderMap, Vec<u8>)> {
    for _ in 0..250 {
        if got.lock().unwrap().len() >= n {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    got.lock().unwrap().clone()
}

struct Setup {
    h: Harness,
    clock: Arc<ManualClock>,
    verifier: WebhookVerifier,
    got: Got,
    item_id: String,
    token: String,
}

async fn setup() -> Setup {
    let h = harness(100).await;
    let (url, got) = receiver().await;
    let linked = h.sim.admin().seed_item(bank("c1", 5, 0.9), Some(url), 730).unwrap();
    let clock = Arc::new(ManualClock::new(h.sim.admin().now()));
    let verifier = WebhookVerifier::new(Arc::clone(&h.client), clock.clone());
    Setup {
        h,
        clock,
        verifier,
        got,
        item_id: linked.item_id,
        token: linked.access_token,
    }
}

impl Setup {
    async fn fire(&self, code: &str) -> (HeaderMap, Vec<u8>) {
        let before = self.got.lock().unwrap().len();
        let answer = reqwest::Client::new()
            .post(format!("{}/sandbox/item/fire_webhook", self.h.sim.base_url()))
            .json(&json!({"client_id": "sim-client-id", "secret": "sim-secret",
                "access_token": self.token, "webhook_code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 200);
        let got = wait_for(&self.got, before + 1).await;
        got[before].clone()
    }
}

fn with_jwt(headers: &HeaderMap, jwt: &str) -> HeaderMap {
    let mut headers = headers.clone();
    headers.insert("plaid-verification", jwt.parse().unwrap());
    headers
}

fn jwt(headers: &HeaderMap) -> String {
    headers.get("plaid-verification").unwrap().to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_genuine_webhook_verifies_parses_and_its_key_is_fetched_once() {
    let s = setup().await;
    let (headers, body) = s.fire("SYNC_UPDATES_AVAILABLE").await;
    let calls = s.h.client.total_calls();
    let hook = s.verifier.verify_webhook(&headers, &body).await.unwrap();
    assert!(matches!(
        hook,
        PlaidWebhook::SyncUpdatesAvailable { ref item_id, .. } if item_id.as_str() == s.item_id
    ));
    assert_eq!(s.h.client.total_calls(), calls + 1, "the key was fetched");
    assert_eq!(s.verifier.cached_keys(), s.h.sim.admin().webhook_key_ids());
    let (headers, body) = s.fire("SYNC_UPDATES_AVAILABLE").await;
    s.verifier.verify_webhook(&headers, &body).await.unwrap();
    assert_eq!(s.h.client.total_calls(), calls + 1, "the cached key served the second");
}

#[tokio::test]
async fn a_tampered_body_or_signature_is_refused() {
    let s = setup().await;
    let (headers, body) = s.fire("SYNC_UPDATES_AVAILABLE").await;
    let mut tampered = body.clone();
    let at = tampered.iter().position(|b| *b == b'{').unwrap();
    tampered.insert(at + 1, b' ');
    assert!(
        matches!(
            s.verifier.verify_webhook(&headers, &tampered).await,
            Err(WebhookError::BodyMismatch)
        ),
        "even whitespace changes the raw body's hash"
    );
    let token = jwt(&headers);
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let mut sig = URL_SAFE_NO_PAD.decode(signature).unwrap();
    sig[10] ^= 1;
    let forged = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(sig));
    assert!(matches!(
        s.verifier.verify_webhook(&with_jwt(&headers, &forged), &body).await,
        Err(WebhookError::BadSignature)
    ));
    assert!(matches!(
        s.verifier.verify_webhook(&HeaderMap::new(), &body).await,
        Err(WebhookError::MissingHeader)
    ));
}

#[tokio::test]
async fn a_stale_webhook_is_refused() {
    let s = setup().await;
    let (headers, body) = s.fire("SYNC_UPDATES_AVAILABLE").await;
    s.clock.advance(Duration::minutes(6));
    let refused = s.verifier.verify_webhook(&headers, &body).await.unwrap_err();
    assert!(
        matches!(refused, WebhookError::Stale { max_secs: 300, .. }),
        "{refused}"
    );
    assert!(!refused.retryable());
    s.clock.advance(Duration::minutes(-2));
    assert!(
        s.verifier.verify_webhook(&headers, &body).await.is_ok(),
        "four minutes is within five"
    );
}

#[tokio::test]
async fn an_unknown_kid_an_expired_key_or_another_algorithm_is_refused() {
    let s = setup().await;
    let (headers, body) = s.fire("SYNC_UPDATES_AVAILABLE").await;
    let token = jwt(&headers);
    let rest = token.split_once('.').unwrap().1;
    let header = |value: serde_json::Value| URL_SAFE_NO_PAD.encode(value.to_string());
    let unknown = format!(
        "{}.{rest}",
        header(json!({"alg": "ES256", "kid": "no-such-kid", "typ": "JWT"}))
    );
    let calls = s.h.client.total_calls();
    assert!(matches!(
        s.verifier.verify_webhook(&with_jwt(&headers, &unknown), &body).await,
        Err(WebhookError::UnknownKey(kid)) if kid == "no-such-kid"
    ));
    assert_eq!(s.h.client.total_calls(), calls + 1, "an unknown kid is asked for once");
    for alg in ["none", "HS256", "RS256"] {
        let other = format!("{}.{rest}", header(json!({"alg": alg, "kid": "x", "typ": "JWT"})));
        assert!(matches!(
            s.verifier.verify_webhook(&with_jwt(&headers, &other), &body).await,
            Err(WebhookError::WrongAlgorithm(a)) if a == alg
        ));
    }
    // A delivery signed before rotation, checked by a verifier that never
    // cached the old key: Plaid publishes it as expired.
    s.h.sim.admin().rotate_webhook_key().unwrap();
    assert!(matches!(
        s.verifier.verify_webhook(&headers, &body).await,
        Err(WebhookError::ExpiredKey(_))
    ));
}

#[tokio::test]
async fn an_item_needing_login_sends_an_item_error_that_means_reauth() {
    let s = setup().await;
    s.h.sim.admin().reset_login(&s.item_id).unwrap();
    let got = wait_for(&s.got, 1).await;
    let (headers, body) = &got[0];
    let hook = s.verifier.verify_webhook(headers, body).await.unwrap();
    assert_eq!(
        hook,
        PlaidWebhook::ItemError {
            item_id: s.item_id.parse().unwrap(),
            code: "ITEM_LOGIN_REQUIRED".into(),
            kind: RailErrorKind::NeedsReauth,
        }
    );
    let (headers, body) = s.fire("LOGIN_REPAIRED").await;
    assert!(matches!(
        s.verifier.verify_webhook(&headers, &body).await.unwrap(),
        PlaidWebhook::LoginRepaired { .. }
    ));
}

//! Webhooks from the look-alike: signatures accepted and refused, both
//! payload formats parsed, duplicates collapsed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;
use rowcol_core::EntityKind;
use rowcol_core::sync::{ChangeNotice, NoticeOperation};
use rowcol_qbo::{WebhookError, WebhookVerifier};
use rowcol_qbo_sim::{Kind, Size, WebhookConfig, WebhookFormat};
use secrecy::SecretString;
use serde_json::json;
use tokio::sync::mpsc;

use common::harness;

/// A receiver on an ephemeral port that hands over each delivery's body and signature.
async fn receiver() -> (String, mpsc::UnboundedReceiver<(Bytes, Option<String>)>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let signature = headers
                    .get(rowcol_qbo::webhook::SIGNATURE_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let _ = tx.send((body, signature));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), rx)
}

async fn deliveries(
    rx: &mut mpsc::UnboundedReceiver<(Bytes, Option<String>)>,
    want_events: usize,
) -> Vec<(Bytes, Option<String>)> {
    let mut got = Vec::new();
    let mut events = 0;
    while events < want_events {
        let (body, sig) = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .unwrap()
            .unwrap();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        events += match &value {
            serde_json::Value::Array(a) => a.len(),
            v => v["eventNotifications"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["dataChangeEvent"]["entities"].as_array().unwrap().len())
                .sum(),
        };
        got.push((body, sig));
    }
    got
}

async fn run(format: WebhookFormat) {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    let (url, mut rx) = receiver().await;
    admin.set_webhook(Some(WebhookConfig {
        url,
        verifier_token: "verifier-123".into(),
        format,
        batch_window: Duration::from_millis(100),
        duplicate_rate: 0.5,
        reorder: true,
        seed: 9,
        ..WebhookConfig::default()
    }));
    let bill = admin
        .create(
            &h.realm,
            Kind::Bill,
            json!({"TxnDate": "2026-01-05", "TotalAmt": 5, "CurrencyRef": {"value": "USD"}}),
        )
        .unwrap();
    let bill_id: u64 = bill["Id"].as_str().unwrap().parse().unwrap();
    admin
        .update(&h.realm, Kind::Bill, bill_id, &json!({"PrivateNote": "edited"}))
        .unwrap();
    admin.delete(&h.realm, Kind::Bill, bill_id).unwrap();

    let verifier = WebhookVerifier::new(SecretString::from("verifier-123"));
    let impostor = WebhookVerifier::new(SecretString::from("someone-else"));
    let mut notices: Vec<ChangeNotice> = Vec::new();
    for (body, signature) in deliveries(&mut rx, 3).await {
        assert_eq!(
            impostor.verify_and_parse(&body, signature.as_deref()),
            Err(WebhookError::BadSignature)
        );
        let parsed = verifier.verify_and_parse(&body, signature.as_deref()).unwrap();
        notices.extend(parsed);
    }
    // Across deliveries too, the dedup key collapses repeats.
    let mut keys = BTreeSet::new();
    notices.retain(|n| keys.insert(n.dedup_key.clone()));
    let ops: BTreeSet<(String, String)> = notices
        .iter()
        .filter(|n| n.kind == Some(EntityKind::Bill) && n.id.as_str() == bill_id.to_string())
        .map(|n| (n.realm.to_string(), format!("{:?}", n.operation)))
        .collect();
    let want: BTreeSet<(String, String)> = [
        NoticeOperation::Create,
        NoticeOperation::Update,
        NoticeOperation::Delete,
    ]
    .into_iter()
    .map(|op| (h.realm.clone(), format!("{op:?}")))
    .collect();
    assert_eq!(ops, want);
    assert_eq!(notices.len(), 3, "duplicates collapsed: {notices:?}");
    // A tampered body fails the signature check.
    let (body, signature) = (b"{\"eventNotifications\":[]}".to_vec(), Some("AAAA".to_owned()));
    assert_eq!(
        verifier.verify_and_parse(&body, signature.as_deref()),
        Err(WebhookError::BadSignature)
    );
}

#[tokio::test]
async fn legacy_deliveries_verify_and_parse() {
    run(WebhookFormat::Legacy).await;
}

#[tokio::test]
async fn cloudevents_deliveries_verify_and_parse() {
    run(WebhookFormat::CloudEvents).await;
}

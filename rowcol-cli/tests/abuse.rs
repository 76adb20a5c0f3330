//! Hostile input against the `rowcol` binary and the look-alike over real
//! HTTP: forged, oversized, deeply nested, garbled and replayed webhooks, and
//! names built to break queries. Pass: a clear refusal, nothing written,
//! and the service still answering.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{VERIFIER, World, eventually, free_port, interrupt, text};
use reqwest::StatusCode;
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::{RunStatus, SyncTrigger};
use rowcol_core::{AdvisorId, ClientId};
use rowcol_qbo_sim::Kind;
use rowcol_qbo_sim::webhooks::sign;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_webhooks_are_refused_and_replays_write_nothing_new() {
    let world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    world.connect("acme", &realm).await;
    let synced = world.run(&["sync"], &[]);
    assert!(synced.status.success(), "{}", text(&synced));
    let mirror = world.mirror().await;
    let client: ClientId = "acme".parse().unwrap();
    let audit_before = mirror.audit_entries(&client, 0, u32::MAX).await.unwrap().len();
    let runs_before = mirror.runs(&client, 1000).await.unwrap().len();

    let listen = format!("127.0.0.1:{}", free_port());
    let serve = world
        .command(&["serve"], &[("ROWCOL_LISTEN", listen.as_str())])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let healthz = format!("http://{listen}/healthz");
    eventually(Duration::from_secs(60), "serve to answer", || {
        let request = http.get(&healthz).send();
        async move { request.await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    let hook = format!("http://{listen}/webhooks/qbo");
    let post = |body: String, signature: Option<String>| {
        let mut request = http.post(&hook).body(body);
        if let Some(signature) = signature {
            request = request.header("intuit-signature", signature);
        }
        async move { request.send().await.unwrap().status() }
    };
    let signed = |body: &str| Some(sign(body.as_bytes(), VERIFIER));

    let bill = world.sim.admin().ground_truth(&realm).unwrap().kinds["Bill"]
        .live
        .keys()
        .next()
        .unwrap()
        .clone();
    let genuine = format!(
        r#"{{"eventNotifications":[{{"realmId":"{realm}","dataChangeEvent":{{"entities":[{{"name":"Bill","id":"{bill}","operation":"Update","lastUpdated":"2026-11-20T10:00:00.000Z"}}]}}}}]}}"#
    );
    assert_eq!(post(genuine.clone(), None).await, StatusCode::UNAUTHORIZED, "unsigned");
    assert_eq!(
        post(genuine.clone(), signed("another body")).await,
        StatusCode::UNAUTHORIZED,
        "signed for another body"
    );
    let oversized = format!(r#"{{"eventNotifications":[],"pad":"{}"}}"#, "x".repeat(1_500_000));
    assert_eq!(
        post(oversized.clone(), signed(&oversized)).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let nested = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    assert_eq!(post(nested.clone(), signed(&nested)).await, StatusCode::BAD_REQUEST);
    let garbled = "eventNotifications: yes please".to_owned();
    assert_eq!(post(garbled.clone(), signed(&garbled)).await, StatusCode::BAD_REQUEST);

    // A genuine delivery, then the same delivery replayed: each is taken,
    // each leads to a sync, and with nothing changed at the source none of
    // them writes a record or an audit entry.
    for _ in 0..3 {
        assert_eq!(post(genuine.clone(), signed(&genuine)).await, StatusCode::OK);
    }
    eventually(Duration::from_secs(60), "the webhook syncs to finish", || {
        let mirror = mirror.clone();
        let client = client.clone();
        async move {
            let runs = mirror.runs(&client, 1000).await.unwrap();
            let webhook_runs = runs.iter().filter(|r| r.trigger == SyncTrigger::Webhook).count();
            runs.len() > runs_before && webhook_runs > 0 && runs.iter().all(|r| r.status != RunStatus::Running)
        }
    })
    .await;
    let webhook_run = mirror
        .runs(&client, 1000)
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.trigger == SyncTrigger::Webhook)
        .unwrap();
    assert_eq!(webhook_run.status, RunStatus::Succeeded, "{webhook_run:?}");
    assert_eq!(webhook_run.counts.applied, 0, "{webhook_run:?}");
    let audit_after = mirror.audit_entries(&client, 0, u32::MAX).await.unwrap().len();
    assert_eq!(audit_after, audit_before, "replays wrote audit entries");
    assert!(mirror.verify_audit(&client).await.unwrap().is_intact());

    let still = http.get(&healthz).send().await.unwrap();
    assert!(
        still.status().is_success(),
        "serve stopped answering after hostile input"
    );
    assert!(interrupt(serve).await.status.success(), "serve did not stop cleanly");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_built_to_break_queries_are_mirrored_exactly() {
    let world = World::start(1).await;
    let realm = world.sim.admin().realm_ids().remove(0);
    let names = [
        "O'Brien & Sons",
        r#"Robert"); DROP TABLE records; --"#,
        r"C:\Temp\",
        "x' OR '1'='1",
        "Zoë 名前 \u{1F600}",
    ];
    for name in names {
        world
            .sim
            .admin()
            .create(
                &realm,
                Kind::Vendor,
                serde_json::json!({ "DisplayName": name, "CurrencyRef": { "value": "USD" } }),
            )
            .unwrap();
    }
    world.connect("acme", &realm).await;
    let synced = world.run(&["sync"], &[]);
    assert!(synced.status.success(), "{}", text(&synced));

    let mirror = world.mirror().await;
    let advisor: AdvisorId = "jane-cfo".parse().unwrap();
    let today = world.sim.admin().now().date_naive();
    let snapshot = mirror
        .snapshot(&advisor, &"acme".parse().unwrap(), SnapshotRequest::as_of(today))
        .await
        .unwrap();
    for name in names {
        assert!(
            snapshot.vendors.iter().any(|v| v.party.display_name == name),
            "{name:?} is not in the mirror"
        );
    }
    let digest = world.run(&["digest", "--format", "json"], &[]);
    assert!(digest.status.success(), "{}", text(&digest));
}

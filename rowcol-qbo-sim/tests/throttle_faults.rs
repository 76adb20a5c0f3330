//! Throttling and faults over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::time::Duration;

use common::{sim, sim_with, spec};
use rowcol_qbo_sim::{FaultConfig, SimConfig, Size, ThrottleConfig};
use serde_json::Value;

#[tokio::test]
async fn rate_limit_answers_429_throttle_exceeded_and_counts() {
    let s = sim_with(SimConfig {
        portfolio: spec(Size::Empty, 1),
        throttle: ThrottleConfig {
            window: Duration::from_millis(1500),
            requests_per_window: 5,
            batch_per_window: 2,
            ..ThrottleConfig::default()
        },
        ..SimConfig::default()
    })
    .await;
    for _ in 0..5 {
        assert_eq!(s.query("select * from Bill").await.0, 200);
    }
    let (status, body) = s.query("select * from Bill").await;
    assert_eq!(status, 429);
    assert_eq!(body["Fault"]["type"], "ThrottleExceeded");
    assert_eq!(body["Fault"]["Error"][0]["code"], "003001");
    assert_eq!(body["Fault"]["Error"][0]["Message"], "ThrottleExceeded");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    assert_eq!(s.query("select * from Bill").await.0, 200, "the window slides");
    // Batch requests have their own, lower limit.
    let batch = serde_json::json!({ "BatchItemRequest": [{ "bId": "1", "Query": "select * from Bill" }] });
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            s.http
                .post(s.url("batch"))
                .bearer_auth(&s.token)
                .json(&batch)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, vec![200, 200, 429]);
    let counters = &s.server.admin().counters()[&s.realm];
    assert_eq!(counters.requests, 8);
    assert_eq!(counters.batch_requests, 2);
    assert_eq!(counters.throttled, 2);
    assert_eq!(counters.max_requests_in_window, 5);
}

#[tokio::test]
async fn concurrency_limit_is_ten_per_realm() {
    let s = sim_with(SimConfig {
        portfolio: spec(Size::Empty, 1),
        ..SimConfig::default()
    })
    .await;
    s.server.admin().set_faults(
        &s.realm,
        FaultConfig {
            latency: Duration::from_millis(1000),
            ..FaultConfig::default()
        },
    );
    let mut tasks = Vec::new();
    for _ in 0..14 {
        let http = s.http.clone();
        let url = s.url("query?query=select%20*%20from%20Bill");
        let token = s.token.clone();
        tasks.push(tokio::spawn(async move {
            http.get(url).bearer_auth(token).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 10, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 4);
    let counters = &s.server.admin().counters()[&s.realm];
    assert_eq!(counters.max_concurrency_seen, 10);
    assert_eq!(counters.throttled, 4);
}

#[tokio::test]
async fn xml_throttle_fault_despite_accept_json() {
    let s = sim_with(SimConfig {
        portfolio: spec(Size::Empty, 1),
        throttle: ThrottleConfig {
            requests_per_window: 1,
            ..ThrottleConfig::default()
        },
        ..SimConfig::default()
    })
    .await;
    s.server.admin().set_faults(
        &s.realm,
        FaultConfig {
            xml_throttle_faults: true,
            ..FaultConfig::default()
        },
    );
    assert_eq!(s.query("select * from Bill").await.0, 200);
    let r = s
        .http
        .get(s.url("query?query=select%20*%20from%20Bill"))
        .bearer_auth(&s.token)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("xml"));
    let text = r.text().await.unwrap();
    assert!(
        text.contains("<Fault type=\"ThrottleExceeded\">") && text.contains("003001"),
        "{text}"
    );
}

async fn outcomes(s: &common::Sim, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..n {
        let r = s
            .http
            .get(s.url("query?query=select%20*%20from%20Bill%20maxresults%202"))
            .bearer_auth(&s.token)
            .send()
            .await;
        let outcome = match r {
            Err(_) => "dropped".to_string(),
            Ok(r) => {
                let status = r.status().as_u16();
                match r.text().await {
                    Err(_) => "dropped".to_string(),
                    Ok(text) => match serde_json::from_str::<Value>(&text) {
                        Ok(_) => status.to_string(),
                        Err(_) => format!("{status}-badjson"),
                    },
                }
            }
        };
        out.push(outcome);
    }
    out
}

#[tokio::test]
async fn faults_are_seeded_and_cover_every_kind() {
    let s = sim(Size::Small).await;
    let faults = FaultConfig {
        seed: 11,
        error_500: 0.1,
        error_503: 0.1,
        drop_connection: 0.1,
        malformed_json: 0.1,
        truncated_json: 0.1,
        ..FaultConfig::default()
    };
    s.server.admin().set_faults(&s.realm, faults.clone());
    let first = outcomes(&s, 60).await;
    s.server.admin().set_faults(&s.realm, faults);
    let second = outcomes(&s, 60).await;
    assert_eq!(first, second, "same seed, same misbehaviour");
    for kind in ["200", "500", "503", "dropped", "200-badjson"] {
        assert!(first.iter().any(|o| o == kind), "no {kind} in {first:?}");
    }
    let spoiled = first.iter().chain(&second).filter(|o| *o != "200").count();
    assert_eq!(
        s.server.admin().faults_injected(),
        spoiled as u64,
        "every spoiled answer is counted"
    );
    s.server.admin().clear_faults(&s.realm);
    assert!(outcomes(&s, 10).await.iter().all(|o| o == "200"));
    assert_eq!(
        s.server.admin().faults_injected(),
        spoiled as u64,
        "clean answers are not counted"
    );
}

#[tokio::test]
async fn stalled_answers_trip_client_timeouts() {
    let s = sim(Size::Empty).await;
    s.server.admin().set_faults(
        &s.realm,
        FaultConfig {
            stall: 1.0,
            stall_for: Duration::from_secs(5),
            ..FaultConfig::default()
        },
    );
    let r = s
        .http
        .get(s.url("query?query=select%20*%20from%20Bill"))
        .bearer_auth(&s.token)
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(r.unwrap_err().is_timeout());
}

#[tokio::test]
async fn tokens_can_expire_early() {
    let s = sim(Size::Empty).await;
    s.server.admin().set_faults(
        &s.realm,
        FaultConfig {
            early_token_expiry: 1.0,
            ..FaultConfig::default()
        },
    );
    assert_eq!(s.query("select * from Bill").await.0, 401);
    s.server.admin().clear_faults(&s.realm);
    assert_eq!(s.query("select * from Bill").await.0, 401, "the token stays expired");
    let mut fresh = s;
    fresh.token = fresh.server.admin().issue_tokens(&fresh.realm).access_token;
    assert_eq!(fresh.query("select * from Bill").await.0, 200);
}

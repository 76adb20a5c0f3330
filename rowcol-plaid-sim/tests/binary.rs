//! The `plaid-sim` binary: it prints where it listens and serves Plaid's
//! sandbox test user.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

/// Ends the child however the test ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_binary_prints_its_address_and_links_the_sandbox_user() {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_plaid-sim"))
            .args(["--bind", "127.0.0.1:0", "--seed", "3"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.0.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().strip_prefix("plaid-sim listening on ").unwrap().to_string();
    let http = reqwest::Client::new();
    let call = async |path: &str, mut body: Value| -> Value {
        body["client_id"] = json!("sim-client-id");
        body["secret"] = json!("sim-secret");
        http.post(format!("{base}{path}"))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let created = call(
        "/sandbox/public_token/create",
        json!({ "institution_id": "ins_109508", "initial_products": ["transactions"] }),
    )
    .await;
    let linked = call(
        "/item/public_token/exchange",
        json!({ "public_token": created["public_token"] }),
    )
    .await;
    let page = call("/transactions/sync", json!({ "access_token": linked["access_token"] })).await;
    drop(child);
    assert!(page["added"].as_array().unwrap().len() >= 10, "{page}");
    assert_eq!(page["accounts"].as_array().unwrap().len(), 3);
}

//! `rowcol connect --rail plaid` and `rowcol balances [--live]` through the
//! binary, against the QBO and Plaid look-alikes: the bank linked from a
//! Link public token, balances from the mirror with their age, live, and
//! from the mirror flagged stale (exit 6) when the bank is down.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{link, plaid_world as world, text};
use rowcol_core::{Rail, RailCredentials};
use rowcol_plaid_sim::{ErrorCode, FaultRule};

fn json_of(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(out)))
}

/// `(rail, source, stale)` of every row.
fn sources(balances: &serde_json::Value) -> Vec<(String, String, bool)> {
    balances["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["rail"].as_str().unwrap().to_owned(),
                a["source"].as_str().unwrap().to_owned(),
                !a["stale"].is_null(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_plaid_exchanges_the_public_token_seals_the_access_token_and_registers_the_bank() {
    let (world, plaid) = world().await;
    let out = link(&world, &plaid).await;
    assert!(out.status.success(), "{}", text(&out));
    let items = plaid.admin().item_ids();
    assert_eq!(items.len(), 1);
    assert!(
        text(&out).contains(&format!("connected acme to Plaid Item {}", items[0])),
        "{}",
        text(&out)
    );

    let mirror = world.mirror().await;
    let connections = mirror.connections().await.unwrap();
    let rails: std::collections::BTreeSet<Rail> = connections.iter().map(|c| c.rail).collect();
    assert_eq!(rails, [Rail::Qbo, Rail::Plaid].into(), "the bank beside the books");
    let bank = connections.iter().find(|c| c.rail == Rail::Plaid).unwrap();
    assert_eq!(bank.realm.as_str(), items[0]);
    let sealed = mirror
        .load_credentials(&"acme".parse().unwrap(), Rail::Plaid)
        .await
        .unwrap();
    assert!(matches!(sealed, Some(RailCredentials::AccessToken(_))), "{sealed:?}");

    let spent = world.run(
        &[
            "connect",
            "--rail",
            "plaid",
            "--client",
            "acme",
            "--public-token",
            "public-sandbox-spent",
        ],
        &[],
    );
    assert!(!spent.status.success());
    assert!(text(&spent).contains("INVALID_PUBLIC_TOKEN"), "{}", text(&spent));
    let missing = world.run(&["connect", "--rail", "plaid", "--client", "acme"], &[]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    let stranger = world.run(
        &[
            "connect",
            "--rail",
            "plaid",
            "--client",
            "nobody",
            "--public-token",
            "x",
        ],
        &[],
    );
    assert_eq!(stranger.status.code(), Some(2), "{}", text(&stranger));
    assert!(text(&stranger).contains("not registered"), "{}", text(&stranger));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balances_come_from_the_mirror_then_live_then_from_the_mirror_flagged_stale_when_the_bank_is_down() {
    let (world, plaid) = world().await;
    assert!(link(&world, &plaid).await.status.success());
    let synced = world.run(&["sync"], &[]);
    assert!(synced.status.success(), "{}", text(&synced));

    let mirrored = world.run(&["balances", "--client", "acme", "--format", "json"], &[]);
    assert!(mirrored.status.success(), "{}", text(&mirrored));
    let mirrored = json_of(&mirrored);
    let rows = sources(&mirrored);
    assert!(
        rows.iter().any(|r| r.0 == "qbo") && rows.iter().any(|r| r.0 == "plaid"),
        "{rows:?}"
    );
    assert!(rows.iter().all(|r| r.1 == "mirror" && !r.2), "{rows:?}");
    assert!(
        mirrored["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["as_of"].is_string()),
        "every row says how old it is: {mirrored}"
    );

    let live = world.run(&["balances", "--client", "acme", "--live", "--format", "json"], &[]);
    assert!(live.status.success(), "{}", text(&live));
    assert!(sources(&json_of(&live)).iter().all(|r| r.1 == "live" && !r.2));

    plaid.admin().add_fault(FaultRule {
        endpoint: Some("/accounts/balance/get".into()),
        item_id: None,
        code: ErrorCode::InstitutionDown,
        times: 2,
    });
    let down = world.run(&["balances", "--client", "acme", "--live", "--format", "json"], &[]);
    assert_eq!(down.status.code(), Some(6), "answered from the mirror: {}", text(&down));
    let rows = sources(&json_of(&down));
    for (rail, source, stale) in &rows {
        match rail.as_str() {
            "plaid" => assert!(source == "mirror" && *stale, "{rows:?}"),
            _ => assert!(source == "live" && !*stale, "{rows:?}"),
        }
    }
    assert!(String::from_utf8_lossy(&down.stderr).contains("live balances not read from plaid"));

    let table = world.run(&["balances", "--client", "acme", "--live"], &[]);
    assert_eq!(table.status.code(), Some(6));
    let shown = String::from_utf8_lossy(&table.stdout);
    assert!(shown.contains("STALE") && shown.contains("INSTITUTION_DOWN"), "{shown}");
    assert!(
        shown.contains("one row per bank and credit-card account"),
        "the definition: {shown}"
    );
}

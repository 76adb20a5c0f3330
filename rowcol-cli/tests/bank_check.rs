//! `rowcol bank-check` through the binary against the QBO and Plaid
//! look-alikes: the check of a client whose bank is linked and synced, then
//! decisions on its lines recorded (exclude, fixed at source, approve),
//! bad decisions refused as usage errors, and the audit chain intact.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod common;

use common::{World, link, plaid_world, text};

fn check_json(world: &World) -> serde_json::Value {
    let out = world.run(&["bank-check", "--client", "acme", "--format", "json"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn account(check: &serde_json::Value) -> &serde_json::Value {
    &check["result"]["accounts"][0]
}

fn lines(list: &serde_json::Value, field: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let v = if field.is_empty() { v } else { &v[field] };
            v.as_str().unwrap().to_owned()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bank_check_shows_the_walk_and_findings_and_records_decisions_on_lines() {
    let (world, plaid) = plaid_world().await;
    assert!(link(&world, &plaid).await.status.success());
    let synced = world.run(&["sync"], &[]);
    assert!(synced.status.success(), "{}", text(&synced));

    let table = world.run(&["bank-check", "--client", "acme"], &[]);
    assert!(table.status.success(), "{}", text(&table));
    let shown = String::from_utf8_lossy(&table.stdout);
    for part in [
        "Books against the bank",
        "Balance walk: Checking -> Checking",
        "ledger balance",
        "= bank balance",
        "Findings (",
        "unexplained: the sum over linked accounts",
    ] {
        assert!(shown.contains(part), "{part:?} missing from\n{shown}");
    }

    let before = check_json(&world);
    assert_eq!(before["summary"]["linked_accounts"], 1, "Checking to Checking, by name");
    let unrecorded = lines(&account(&before)["unrecorded"], "line");
    assert!(
        unrecorded.len() >= 3,
        "the look-alike's bank is not these books: {unrecorded:?}"
    );
    let uncleared = account(&before)["uncleared"].as_array().unwrap().clone();
    assert!(!uncleared.is_empty());

    let excluded = world.run(&["bank-check", "--client", "acme", "--exclude", &unrecorded[0]], &[]);
    assert!(excluded.status.success(), "{}", text(&excluded));
    assert!(
        String::from_utf8_lossy(&excluded.stderr).contains("recorded: exclude/jane-cfo"),
        "{}",
        text(&excluded)
    );
    let fixed = world.run(&["bank-check", "--client", "acme", "--fixed", &unrecorded[1]], &[]);
    assert!(fixed.status.success(), "{}", text(&fixed));
    let posting = &uncleared[0]["posting"];
    let postings = format!(
        "{}:{}",
        posting["kind"].as_str().unwrap(),
        posting["document"].as_str().unwrap()
    );
    let approved = world.run(
        &[
            "bank-check",
            "--client",
            "acme",
            "--approve",
            &unrecorded[2],
            "--postings",
            &postings,
        ],
        &[],
    );
    assert!(approved.status.success(), "{}", text(&approved));

    let after = check_json(&world);
    let a = account(&after);
    assert!(
        lines(&a["excluded"], "").contains(&unrecorded[0]),
        "excluded: {}",
        a["excluded"]
    );
    let waiting: Vec<&serde_json::Value> = a["unrecorded"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["line"] == unrecorded[1].as_str())
        .collect();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        waiting[0]["fix"]["fix"], "awaiting_source",
        "fixed at source waits for the sync"
    );
    let matched: Vec<&serde_json::Value> = a["matched"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["line"] == unrecorded[2].as_str())
        .collect();
    assert_eq!(matched.len(), 1, "approved: {}", a["matched"]);
    assert_eq!(matched[0]["pass"], "decision");
    assert_eq!(
        after["summary"]["unrecorded"].as_u64().unwrap() + 3,
        before["summary"]["unrecorded"].as_u64().unwrap(),
        "the three decided lines are no longer unrecorded"
    );

    // Decisions the mirror cannot back are usage errors, and write nothing.
    let no_line = world.run(&["bank-check", "--client", "acme", "--exclude", "no-such-line"], &[]);
    assert_eq!(no_line.status.code(), Some(2), "{}", text(&no_line));
    assert!(
        text(&no_line).contains("no bank line no-such-line"),
        "{}",
        text(&no_line)
    );
    let no_posting = world.run(
        &[
            "bank-check",
            "--client",
            "acme",
            "--approve",
            &unrecorded[3],
            "--postings",
            "deposit:999999",
        ],
        &[],
    );
    assert_eq!(no_posting.status.code(), Some(2), "{}", text(&no_posting));
    assert!(
        text(&no_posting).contains("the books hold no deposit 999999"),
        "{}",
        text(&no_posting)
    );
    let no_postings = world.run(&["bank-check", "--client", "acme", "--approve", &unrecorded[3]], &[]);
    assert_eq!(no_postings.status.code(), Some(2), "--approve needs --postings");
    assert_eq!(check_json(&world)["summary"], after["summary"], "nothing written");

    let audit = world.run(&["verify-audit"], &[]);
    assert!(audit.status.success(), "{}", text(&audit));
}

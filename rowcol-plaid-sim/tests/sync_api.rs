//! `/transactions/sync` over HTTP: paging, restarts after a mutation,
//! pending to posted, cursors of other Items, Items not ready yet.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::collections::{BTreeSet, HashMap};

use chrono::Duration;
use common::{Mirror, bank, day, posting, sim};
use rowcol_plaid_sim::{ErrorCode, FaultRule, Habits};
use serde_json::{Value, json};

/// A JSON number's exact text.
fn number_text(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

fn ids(values: &[Value]) -> Vec<String> {
    values
        .iter()
        .map(|v| v["transaction_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn pages_hold_at_most_count_and_has_more_until_the_last() {
    let s = sim().await;
    let linked = s.link(bank("c1", 5, 0.6), None);
    let (pages, cursor) = s.sync_update(&linked.access_token, "", 7).await;
    assert!(pages.len() > 3, "{} pages", pages.len());
    let mut mirror = Mirror::default();
    for (i, page) in pages.iter().enumerate() {
        let size = ["added", "modified", "removed"]
            .iter()
            .map(|k| page[k].as_array().unwrap().len())
            .sum::<usize>();
        let last = i + 1 == pages.len();
        assert!(size <= 7);
        assert_eq!(page["has_more"], !last);
        if !last {
            assert_eq!(size, 7, "only the last page is short");
        }
        assert_eq!(page["transactions_update_status"], "HISTORICAL_UPDATE_COMPLETE");
        assert_eq!(page["accounts"].as_array().unwrap().len(), 2);
        assert_eq!(page["request_id"].as_str().unwrap().len(), 15);
        mirror.apply(page);
    }
    assert_eq!(mirror.duplicates, 0);
    let truth = s.server.admin().ground_truth(&linked.item_id).unwrap();
    let expected: BTreeSet<String> = truth.lines.iter().map(|l| l.transaction_id.clone()).collect();
    assert_eq!(mirror.rows.keys().cloned().collect::<BTreeSet<_>>(), expected);
    // Ascending by change: the first page starts with the oldest lines.
    let first = pages[0]["added"][0]["date"].as_str().unwrap();
    assert!(first < "2026-06-10", "{first}");
    // Nothing new: an empty update that keeps the cursor usable.
    let (status, again) = s.sync(&linked.access_token, &cursor, 7).await;
    assert_eq!(status, 200);
    assert_eq!(again["added"].as_array().unwrap().len(), 0);
    assert_eq!(again["has_more"], false);
    for (asked, got) in [(0, 1), (501, 500)] {
        let (status, page) = s.sync(&linked.access_token, "", asked).await;
        assert_eq!(status, 200);
        let size = page["added"].as_array().unwrap().len();
        assert_eq!(size, got.min(mirror.rows.len()), "count {asked} is clamped");
    }
    let (status, error) = s
        .post(
            "/transactions/sync",
            json!({ "access_token": linked.access_token, "count": "ten" }),
        )
        .await;
    assert_eq!((status, error["error_code"].as_str()), (400, Some("INVALID_FIELD")));
    let (_, default_page) = s
        .post("/transactions/sync", json!({ "access_token": linked.access_token }))
        .await;
    assert_eq!(
        default_page["added"].as_array().unwrap().len(),
        100,
        "count defaults to 100"
    );
}

/// Pages an update as a careful client does: the pages are staged, and a
/// failed page throws the stage away and restarts from the update's first
/// cursor. Answers the mirror and how many restarts it took.
async fn careful_sync(
    s: &common::Sim,
    token: &str,
    mirror: &mut Mirror,
    (first, count): (&str, u64),
    mutate: impl AsyncFn(),
) -> (String, usize) {
    let mut restarts = 0;
    let mut mutate = Some(mutate);
    'update: loop {
        let mut stage = Vec::new();
        let mut cursor = first.to_string();
        loop {
            let (status, page) = s.sync(token, &cursor, count).await;
            if status != 200 {
                assert_eq!(status, 400, "{page}");
                assert_eq!(page["error_code"], "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION");
                assert_eq!(page["error_type"], "TRANSACTIONS_ERROR");
                restarts += 1;
                continue 'update;
            }
            cursor = page["next_cursor"].as_str().unwrap().to_string();
            let more = page["has_more"].as_bool().unwrap();
            stage.push(page);
            if !more {
                stage.iter().for_each(|p| mirror.apply(p));
                return (cursor, restarts);
            }
            if let Some(m) = mutate.take() {
                m().await;
            }
        }
    }
}

#[tokio::test]
async fn a_mutation_between_pages_restarts_the_update_without_loss_or_duplicates() {
    let s = sim().await;
    let linked = s.link(bank("c1", 5, 0.6), None);
    let token = linked.access_token.clone();
    let mut mirror = Mirror::default();
    // Data changes between pages: sandbox lines land mid-update.
    let create = async || {
        let (status, body) = s
            .post(
                "/sandbox/transactions/create",
                json!({ "access_token": token, "transactions": [
                    { "date_transacted": "2026-11-30", "date_posted": "2026-12-01", "amount": 12.34, "description": "LATE LINE" },
                    { "date_transacted": "2026-11-29", "date_posted": "2026-11-30", "amount": -50, "description": "LATE CREDIT" }
                ] }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    };
    let (cursor, restarts) = careful_sync(&s, &token, &mut mirror, ("", 10), create).await;
    assert_eq!(restarts, 1);
    assert_eq!(mirror.duplicates, 0);
    let truth = s.server.admin().ground_truth(&linked.item_id).unwrap();
    let expected: BTreeSet<String> = truth.lines.iter().map(|l| l.transaction_id.clone()).collect();
    assert_eq!(mirror.rows.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert!(
        mirror
            .rows
            .values()
            .any(|t| t["name"] == "LATE LINE" && number_text(&t["amount"]) == "12.34")
    );
    // The same on demand: a fault on the next continuing page.
    s.server.admin().add_fault(FaultRule {
        endpoint: Some("/transactions/sync".into()),
        item_id: Some(linked.item_id.clone()),
        code: ErrorCode::TransactionsSyncMutationDuringPagination,
        times: 1,
    });
    s.server.admin().advance_clock(Duration::days(10));
    let (_, restarts) = careful_sync(&s, &token, &mut mirror, (&cursor, 1), async || {}).await;
    assert!(s.server.admin().faults().is_empty(), "the fault was spent");
    assert_eq!(restarts, 1);
    let truth = s.server.admin().ground_truth(&linked.item_id).unwrap();
    let expected: BTreeSet<String> = truth.lines.iter().map(|l| l.transaction_id.clone()).collect();
    assert_eq!(mirror.rows.keys().cloned().collect::<BTreeSet<_>>(), expected);
    assert_eq!(mirror.duplicates, 0);
}

#[tokio::test]
async fn pending_posts_as_remove_plus_add_across_pages_with_a_changed_amount() {
    let s = sim().await;
    let mut b = bank("c1", 5, 1.0);
    b.postings.clear();
    for (i, (payee, amount)) in [
        ("Cafe Uno", "-42.17"),
        ("Taxi Co", "-18.00"),
        ("Diner", "-61.30"),
        ("Books", "-25.99"),
    ]
    .into_iter()
    .enumerate()
    {
        b.postings
            .push(posting(i, "Card", day(12, 1), amount, Some(payee), "Purchase"));
    }
    b.habits = Habits {
        amount_change_rate: 1.0,
        split_rate: 1.0,
        enrich_rate: 0.0,
        max_clearing_lag_days: 1,
        ..Habits::default()
    };
    let linked = s.link(b, None);
    let token = linked.access_token.clone();
    let (pages, cursor) = s.sync_update(&token, "", 100).await;
    let pending: HashMap<String, Value> = pages[0]["added"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["pending"] == true)
        .map(|t| (t["transaction_id"].as_str().unwrap().to_string(), t.clone()))
        .collect();
    assert_eq!(pending.len(), 5, "four purchases and a hold are pending");
    s.server.admin().advance_clock(Duration::days(7));
    let (pages, _) = s.sync_update(&token, &cursor, 2).await;
    let mut removed_on = HashMap::new();
    let mut added = Vec::new();
    for (n, page) in pages.iter().enumerate() {
        for id in ids(page["removed"].as_array().unwrap()) {
            removed_on.insert(id, n);
        }
        for t in page["added"].as_array().unwrap() {
            added.push((n, t.clone()));
        }
    }
    assert_eq!(removed_on.len(), 5, "every pending line is removed");
    let mut across_pages = 0;
    for (n, posted) in &added {
        assert_eq!(posted["pending"], false);
        let pid = posted["pending_transaction_id"]
            .as_str()
            .expect("posted names its pending line");
        let before = &pending[pid];
        assert_ne!(posted["transaction_id"], before["transaction_id"]);
        assert_ne!(
            posted["amount"].to_string(),
            before["amount"].to_string(),
            "the tip changed the amount"
        );
        if removed_on[pid] != *n {
            across_pages += 1;
        }
    }
    assert_eq!(added.len(), 4, "the hold vanished without posting");
    assert!(across_pages >= 1, "some halves fall on different pages");
}

#[tokio::test]
async fn a_cursor_of_another_item_or_a_garbled_one_is_refused() {
    let s = sim().await;
    let a = s.link(bank("a", 1, 1.0), None);
    let b = s.link(bank("b", 2, 1.0), None);
    let (_, cursor_a) = s.sync_update(&a.access_token, "", 500).await;
    let (status, error) = s.sync(&b.access_token, &cursor_a, 10).await;
    assert_eq!(status, 400);
    assert_eq!(error["error_type"], "INVALID_REQUEST");
    assert_eq!(error["error_code"], "INVALID_FIELD");
    assert!(
        error["error_message"]
            .as_str()
            .unwrap()
            .contains("cursor not associated with access_token")
    );
    for field in [
        "display_message",
        "request_id",
        "causes",
        "status",
        "documentation_url",
        "suggested_action",
    ] {
        assert!(error.get(field).is_some(), "{field} in {error}");
    }
    let (status, error) = s.sync(&b.access_token, "bm90IGEgY3Vyc29y", 10).await;
    assert_eq!((status, error["error_code"].as_str()), (400, Some("INVALID_FIELD")));
    // Another Item of the same bank is another Item, with its own ids.
    let again = s.server.admin().link("a", None, 730).unwrap();
    assert_ne!(again.item_id, a.item_id);
    let (status, _) = s.sync(&again.access_token, &cursor_a, 10).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_new_item_is_not_ready_at_first() {
    let s = sim().await;
    let mut b = bank("c1", 5, 1.0);
    b.not_ready_polls = 2;
    let linked = s.link(b, None);
    for _ in 0..2 {
        let (status, page) = s.sync(&linked.access_token, "", 100).await;
        assert_eq!(status, 200);
        assert_eq!(page["next_cursor"], "");
        assert_eq!(page["transactions_update_status"], "NOT_READY");
        assert_eq!(page["added"].as_array().unwrap().len(), 0);
    }
    let (_, page) = s.sync(&linked.access_token, "", 100).await;
    assert_eq!(page["added"].as_array().unwrap().len(), 100);
}

#[tokio::test]
async fn merchant_names_arrive_later_as_modified_and_history_starts_where_asked() {
    let s = sim().await;
    let mut b = bank("c1", 5, 1.0);
    b.habits.enrich_rate = 1.0;
    b.habits.amount_change_rate = 0.0;
    let linked = s.server.admin().seed_item(b, None, 90).unwrap();
    let (pages, cursor) = s.sync_update(&linked.access_token, "", 500).await;
    let mut mirror = Mirror::default();
    pages.iter().for_each(|p| mirror.apply(p));
    let oldest = mirror.rows.values().map(|t| t["date"].as_str().unwrap()).min().unwrap();
    assert!(oldest >= "2026-09-02", "90 days of history: {oldest}");
    let truth = s.server.admin().ground_truth(&linked.item_id).unwrap();
    assert_eq!(truth.history_start, Some(day(9, 2)));
    // Today's purchase posts within days, its merchant name a day or two later.
    s.server.admin().advance_clock(Duration::days(8));
    let (status, page) = s
        .post(
            "/transactions/sync",
            json!({ "access_token": linked.access_token, "cursor": cursor,
                    "options": { "include_original_description": true } }),
        )
        .await;
    assert_eq!(status, 200);
    let posted = page["added"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["pending_transaction_id"].is_string())
        .expect("the purchase posted");
    assert_eq!(
        posted["merchant_name"], "Office Depot",
        "added and enriched within one update: {posted}"
    );
    assert!(
        posted["original_description"]
            .as_str()
            .unwrap()
            .starts_with("OFFICE DEPOT")
    );
    // Within one update per day, the enrichment is a modified.
    let s2 = sim().await;
    let mut b = bank("c2", 5, 1.0);
    b.habits.enrich_rate = 1.0;
    let linked = s2.link(b, None);
    let (_, mut cursor) = s2.sync_update(&linked.access_token, "", 500).await;
    let mut modified = 0;
    for _ in 0..8 {
        s2.server.admin().advance_clock(Duration::days(1));
        let (pages, next) = s2.sync_update(&linked.access_token, &cursor, 500).await;
        cursor = next;
        for page in &pages {
            for t in page["modified"].as_array().unwrap() {
                assert_eq!(t["merchant_name"], "Office Depot");
                modified += 1;
            }
        }
    }
    assert_eq!(modified, 1);
}

#[tokio::test]
async fn admin_edits_arrive_as_modified_and_removed_at_the_next_sync() {
    let s = sim().await;
    let linked = s.link(bank("c1", 5, 0.9), None);
    let (pages, cursor) = s.sync_update(&linked.access_token, "", 500).await;
    let shown = ids(pages[0]["added"].as_array().unwrap());
    let (renamed, removed) = (&shown[0], &shown[1]);
    let admin = s.server.admin();
    admin.rename_line(&linked.item_id, renamed, "RENAMED").unwrap();
    admin.remove_line(&linked.item_id, removed).unwrap();
    assert!(
        admin.remove_line(&linked.item_id, removed).is_err(),
        "a line taken back cannot be taken back again"
    );
    assert!(admin.rename_line(&linked.item_id, "no-such-line", "x").is_err());
    let (pages, _) = s.sync_update(&linked.access_token, &cursor, 500).await;
    let modified = pages[0]["modified"].as_array().unwrap();
    assert_eq!(ids(modified), vec![renamed.clone()]);
    assert_eq!(modified[0]["name"], "RENAMED");
    assert_eq!(ids(pages[0]["removed"].as_array().unwrap()), vec![removed.clone()]);
}

//! `/transactions/sync` through the client against the look-alike: the
//! restart rule, pending to posted, cursors of another Item, logins.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use chrono::Duration;
use common::{Lines, bank, card_purchases, day, harness};
use rowcol_core::RailErrorKind;
use rowcol_plaid_sim::derive::sample::small_business;
use rowcol_plaid_sim::{ErrorCode, FaultRule};

fn fault(item: &str, code: ErrorCode, times: u32) -> FaultRule {
    FaultRule {
        endpoint: Some("/transactions/sync".into()),
        item_id: Some(item.into()),
        code,
        times,
    }
}

#[tokio::test]
async fn a_first_sync_holds_every_line_the_bank_shows_once() {
    let h = harness(10).await;
    let linked = h.link(bank("c1", 5, 0.6));
    let update = h.client.sync(&h.access(&linked), "").await.unwrap();
    assert!(update.pages > 10, "{} pages of 10", update.pages);
    assert_eq!(update.api_calls, update.pages);
    assert_eq!(update.restarts, 0);
    assert!(!update.next_cursor.is_empty());
    assert_eq!(update.accounts.len(), 2);
    let mut lines = Lines::default();
    lines.apply(&update);
    assert_eq!(lines.0, h.truth(&linked), "ids and amounts as the bank shows them");
}

#[tokio::test]
async fn a_mutation_during_pagination_restarts_from_the_first_cursor_without_loss_or_duplicates() {
    let h = harness(5).await;
    let linked = h.link(bank("c1", 5, 0.6));
    let item = h.access(&linked);
    let first = h.client.sync(&item, "").await.unwrap();
    let mut lines = Lines::default();
    lines.apply(&first);
    h.sandbox_lines(&linked, "LATE LINE").await;
    // The look-alike fails the next page that continues an update; an
    // institution outage then fails one more page of the restarted pass.
    h.sim.admin().add_fault(fault(
        &linked.item_id,
        ErrorCode::TransactionsSyncMutationDuringPagination,
        1,
    ));
    let update = h.client.sync(&item, &first.next_cursor).await.unwrap();
    assert!(h.sim.admin().faults().is_empty(), "the fault was spent");
    assert_eq!(update.restarts, 1);
    assert_eq!(update.first_cursor, first.next_cursor);
    assert!(update.api_calls > update.pages, "the failed pass's pages were sent too");
    lines.apply(&update);
    assert_eq!(lines.0, h.truth(&linked));

    h.sandbox_lines(&linked, "LATER LINE").await;
    h.sim
        .admin()
        .add_fault(fault(&linked.item_id, ErrorCode::InstitutionDown, 1));
    let again = h.client.sync(&item, &update.next_cursor).await.unwrap();
    assert_eq!(again.restarts, 1, "a transient failure restarts the update too");
    lines.apply(&again);
    assert_eq!(lines.0, h.truth(&linked));
}

#[tokio::test]
async fn a_mutation_on_every_pass_gives_up_as_transient_after_the_policys_attempts() {
    let h = harness(5).await;
    let linked = h.link(bank("c1", 5, 0.6));
    let item = h.access(&linked);
    let first = h.client.sync(&item, "").await.unwrap();
    h.sandbox_lines(&linked, "LATE LINE").await;
    h.sim.admin().add_fault(fault(
        &linked.item_id,
        ErrorCode::TransactionsSyncMutationDuringPagination,
        100,
    ));
    let error = h.client.sync(&item, &first.next_cursor).await.unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::Transient), "{error}");
    assert!(error.retryable());
    assert!(
        error
            .to_string()
            .contains("TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"),
        "{error}"
    );
    assert!(
        error.api_calls() >= 12,
        "six passes of two pages: {}",
        error.api_calls()
    );
}

#[tokio::test]
async fn a_cursor_from_another_item_is_cursor_too_old_and_the_empty_cursor_recovers() {
    let h = harness(100).await;
    let mine = h.link(bank("c1", 5, 0.9));
    let other = h.link(bank("c2", 6, 0.9));
    let foreign = h.client.sync(&h.access(&other), "").await.unwrap().next_cursor;
    let error = h.client.sync(&h.access(&mine), &foreign).await.unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::CursorTooOld), "{error}");
    assert_eq!(error.api_calls(), 1, "refused at once, not retried");
    let text = error.to_string();
    assert!(text.contains("client acme") && text.contains(&mine.item_id), "{text}");
    let mut lines = Lines::default();
    lines.apply(&h.client.sync(&h.access(&mine), "").await.unwrap());
    assert_eq!(lines.0, h.truth(&mine));
}

#[tokio::test]
async fn pending_lines_post_with_changed_amounts_and_a_hold_that_never_posts_is_removed() {
    let h = harness(2).await;
    let linked = h.link(card_purchases());
    let item = h.access(&linked);
    let first = h.client.sync(&item, "").await.unwrap();
    let pending: Vec<_> = first.upserts.iter().filter(|l| l.pending).cloned().collect();
    assert_eq!(pending.len(), 4, "three purchases and a hold are pending");
    let mut lines = Lines::default();
    lines.apply(&first);
    h.sim.admin().advance_clock(Duration::days(7));
    let update = h.client.sync(&item, &first.next_cursor).await.unwrap();
    lines.apply(&update);
    assert_eq!(lines.0, h.truth(&linked), "nothing lost, nothing twice");
    let posted: Vec<_> = update.upserts.iter().filter(|l| !l.pending).collect();
    assert_eq!(posted.len(), 3, "the hold never posts");
    for line in &posted {
        let was = pending
            .iter()
            .find(|p| Some(&p.transaction_id) == line.pending_transaction_id.as_ref())
            .expect("a posted line names its pending line");
        assert_ne!(was.amount, line.amount, "the tip changed the amount");
        assert!(!lines.0.contains_key(&was.transaction_id), "the pending line is gone");
    }
    let removed: Vec<&str> = update.removed.iter().map(|r| r.transaction_id.as_str()).collect();
    for p in &pending {
        assert!(
            removed.contains(&p.transaction_id.as_str()),
            "{} removed",
            p.transaction_id
        );
    }
    assert!(update.removed.iter().all(|r| r.account_id.is_some()));
}

#[tokio::test]
async fn an_item_needing_login_is_needs_reauth_until_repaired() {
    let h = harness(100).await;
    let linked = h.link(small_business("c1", 5, 0.9, 2, day(12, 1)));
    let item = h.access(&linked);
    h.sim.admin().reset_login(&linked.item_id).unwrap();
    let error = h.client.sync(&item, "").await.unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::NeedsReauth), "{error}");
    assert!(!error.retryable());
    assert_eq!(error.api_calls(), 1, "not retried");
    let error = h.client.accounts(&item).await.unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::NeedsReauth));
    h.sim.admin().repair_login(&linked.item_id).unwrap();
    assert!(h.client.sync(&item, "").await.is_ok());
}

#[tokio::test]
async fn a_revoked_access_token_is_needs_reauth() {
    let h = harness(100).await;
    let linked = h.link(small_business("c1", 5, 0.9, 2, day(12, 1)));
    let mut item = h.access(&linked);
    item.access_token = "access-sandbox-00000000-0000-4000-8000-000000000000".to_owned().into();
    let error = h.client.sync(&item, "").await.unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::NeedsReauth), "{error}");
    assert!(
        !error.to_string().contains("access-sandbox"),
        "no token in errors: {error}"
    );
}

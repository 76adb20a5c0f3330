//! The Plaid `LedgerRail` against the look-alike: connect, a full listing
//! equal to what the bank shows, changes from the listing's cursor with
//! posted lines and tombstones, a foreign cursor, live balances.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::collections::BTreeMap;

use chrono::Duration;
use common::{bank, card_purchases, rail_harness};
use rowcol_core::entity::AccountType;
use rowcol_core::ports::{ChangeSet, PageRequest};
use rowcol_core::{ChangeCursor, Entity, EntityKind, LedgerRail, RailErrorKind};

/// Bank lines by id, amounts in Plaid's sign (to compare with the truth).
fn lines_of(records: &[rowcol_core::sync::SourceRecord]) -> BTreeMap<String, String> {
    records
        .iter()
        .filter_map(|r| match &r.entity {
            Entity::BankTransaction(t) => Some((
                t.meta.external_id.to_string(),
                (-t.amount.amount()).normalize().to_string(),
            )),
            _ => None,
        })
        .collect()
}

fn apply(lines: &mut BTreeMap<String, String>, set: &ChangeSet) {
    lines.extend(lines_of(&set.records));
    for t in &set.tombstones {
        assert_eq!(t.kind, EntityKind::BankTransaction);
        lines.remove(t.external_id.as_str());
    }
}

#[tokio::test]
async fn a_connected_item_lists_every_line_the_bank_shows_with_the_books_sign() {
    let r = rail_harness(50).await;
    let token = r.h.public_token(bank("client-1", 5, 0.8)).await;
    let connection = r.rail.connect(&"acme".parse().unwrap(), &token).await.unwrap();
    assert_eq!(connection.rail, rowcol_core::Rail::Plaid);
    let requests: Vec<PageRequest> = [EntityKind::Bill, EntityKind::BankTransaction, EntityKind::BankAccount]
        .into_iter()
        .map(|kind| PageRequest { kind, cursor: None })
        .collect();
    let pages = r.rail.list_pages(&connection, &requests).await.unwrap();
    assert_eq!(
        pages.iter().map(|p| p.kind).collect::<Vec<_>>(),
        vec![EntityKind::Bill, EntityKind::BankTransaction, EntityKind::BankAccount]
    );
    assert!(
        pages[0].records.is_empty() && pages[0].next.is_none(),
        "the bank holds no bills"
    );
    let truth = r.h.truth_of(connection.realm.as_str());
    assert_eq!(
        lines_of(&pages[1].records),
        truth,
        "every line once, Plaid's amount negated"
    );
    assert!(pages[1].next.is_none(), "the whole history is one page");
    assert!(pages[1].resume.as_ref().is_some_and(|c| !c.as_str().is_empty()));
    let kinds: Vec<AccountType> = pages[2]
        .records
        .iter()
        .filter_map(|r| match &r.entity {
            Entity::BankAccount(a) => Some(a.account_type),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, vec![AccountType::Bank, AccountType::CreditCard]);
    let live = r.rail.live_balances(&connection).await.unwrap();
    assert_eq!(live.len(), 2);
}

#[tokio::test]
async fn changes_from_the_listings_cursor_post_pending_lines_and_tombstone_the_rest() {
    let r = rail_harness(2).await;
    let token = r.h.public_token(card_purchases()).await;
    let connection = r.rail.connect(&"acme".parse().unwrap(), &token).await.unwrap();
    let page = r
        .rail
        .list_pages(
            &connection,
            &[PageRequest {
                kind: EntityKind::BankTransaction,
                cursor: None,
            }],
        )
        .await
        .unwrap()
        .remove(0);
    let mut lines = lines_of(&page.records);
    r.h.sim.admin().advance_clock(Duration::days(7));
    let set = r
        .rail
        .changes_since(&connection, page.resume.as_ref().unwrap(), &EntityKind::BANK)
        .await
        .unwrap();
    assert_eq!(set.tombstones.len(), 4, "three pending lines posted, a hold vanished");
    assert!(
        set.records.iter().any(|r| matches!(r.entity, Entity::BankAccount(_))),
        "accounts come free"
    );
    apply(&mut lines, &set);
    assert_eq!(
        lines,
        r.h.truth_of(connection.realm.as_str()),
        "nothing lost, nothing twice"
    );
    assert_ne!(&set.next, page.resume.as_ref().unwrap());
    let quiet = r
        .rail
        .changes_since(&connection, &set.next, &EntityKind::BANK)
        .await
        .unwrap();
    assert!(
        quiet.tombstones.is_empty() && lines_of(&quiet.records).is_empty(),
        "nothing new"
    );
    assert_eq!(quiet.api_calls, 1);
}

#[tokio::test]
async fn a_cursor_from_another_item_is_cursor_too_old() {
    let r = rail_harness(100).await;
    let token = r.h.public_token(bank("client-1", 5, 0.9)).await;
    let connection = r.rail.connect(&"acme".parse().unwrap(), &token).await.unwrap();
    let other = r.h.link(bank("client-2", 6, 0.9));
    let foreign = r.h.client.sync(&r.h.access(&other), "").await.unwrap().next_cursor;
    let error = r
        .rail
        .changes_since(&connection, &ChangeCursor::new(foreign), &EntityKind::BANK)
        .await
        .unwrap_err();
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::CursorTooOld), "{error}");
}

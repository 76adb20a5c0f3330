//! One `/transactions/sync` update, by Plaid's rule (PLAID.md §1.2):
//! remember the cursor sent on the first page; page until `has_more` is
//! false; if any page fails (the data changed between pages, or a transient
//! error), start the whole update again from that first cursor, never
//! retrying the failing page alone. What the pages say is folded into one
//! net answer: the last word on each id wins, a posted line carrying
//! `pending_transaction_id` removes its pending line (even when the pending
//! line's own `removed` entry sits on another page or was missed), and a
//! line added then removed within the update is only a removal.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::client::{ItemAccess, PlaidClient};
use crate::error::Sent;
use crate::http::{Calls, Request};
use crate::model::{PlaidAccount, PlaidTransaction, RemovedTransaction, Unreadable};
use rowcol_core::{RailErrorKind, Result, RowcolError};
use secrecy::ExposeSecret;

/// What one whole update says, netted across its pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncUpdate {
    /// Lines live at the end of the update (added or modified), each once,
    /// in the order Plaid first named them.
    pub upserts: Vec<PlaidTransaction>,
    /// Lines gone: Plaid's `removed`, plus pending lines a posted line replaced.
    pub removed: Vec<RemovedTransaction>,
    /// Objects that could not be read, with their payload and why.
    pub unreadable: Vec<Unreadable>,
    /// The Item's accounts with cached balances, from the last page.
    pub accounts: Vec<PlaidAccount>,
    /// The cursor the update started from.
    pub first_cursor: String,
    /// The cursor after the last page: where the next update starts. Empty
    /// while the Item's data is not ready.
    pub next_cursor: String,
    /// `transactions_update_status` of the last page.
    pub update_status: Option<String>,
    /// Pages read in the pass that succeeded.
    pub pages: u32,
    /// Times the update started again from its first cursor.
    pub restarts: u32,
    /// Requests sent, restarts included.
    pub api_calls: u32,
}

#[derive(Debug)]
enum Net {
    Live(Box<PlaidTransaction>),
    Gone(Option<String>),
    Bad(Unreadable),
}

/// The pages of one pass, folded as they come.
#[derive(Debug, Default)]
struct Fold {
    order: Vec<String>,
    net: HashMap<String, Net>,
    unreadable_without_id: Vec<Unreadable>,
}

impl Fold {
    fn set(&mut self, id: String, state: Net) {
        if !self.net.contains_key(&id) {
            self.order.push(id.clone());
        }
        self.net.insert(id, state);
    }

    fn line(&mut self, value: &Value) {
        match PlaidTransaction::parse(value) {
            Ok(txn) => {
                if let Some(pending) = &txn.pending_transaction_id {
                    // The posted line supersedes its pending line.
                    self.set(pending.clone(), Net::Gone(Some(txn.account_id.clone())));
                }
                self.set(txn.transaction_id.clone(), Net::Live(Box::new(txn)));
            }
            Err(bad) => match bad.id.clone() {
                Some(id) => self.set(id, Net::Bad(bad)),
                None => self.unreadable_without_id.push(bad),
            },
        }
    }

    fn removal(&mut self, value: &Value) {
        match RemovedTransaction::parse(value) {
            Ok(gone) => self.set(gone.transaction_id, Net::Gone(gone.account_id)),
            Err(bad) => self.unreadable_without_id.push(bad),
        }
    }

    fn page(&mut self, page: &Value) {
        for key in ["added", "modified"] {
            for value in page.get(key).and_then(Value::as_array).into_iter().flatten() {
                self.line(value);
            }
        }
        for value in page.get("removed").and_then(Value::as_array).into_iter().flatten() {
            self.removal(value);
        }
    }

    fn finish(mut self, update: &mut SyncUpdate) {
        for id in self.order {
            match self.net.remove(&id) {
                Some(Net::Live(txn)) => update.upserts.push(*txn),
                Some(Net::Gone(account_id)) => update.removed.push(RemovedTransaction {
                    transaction_id: id,
                    account_id,
                }),
                Some(Net::Bad(bad)) => update.unreadable.push(bad),
                None => {}
            }
        }
        update.unreadable.append(&mut self.unreadable_without_id);
    }
}

impl PlaidClient {
    /// Reads one whole update from `first_cursor` (`""`: the whole history),
    /// restarting from it under the policy when a page fails.
    ///
    /// Errors: `CursorTooOld` when Plaid refuses `first_cursor` as not the
    /// Item's (re-sync from `""`); `NeedsReauth` for a login the user must
    /// repair; retryable kinds once the policy gives up.
    pub async fn sync(&self, item: &ItemAccess, first_cursor: &str) -> Result<SyncUpdate> {
        let calls = Calls::default();
        let mut passes = 0u32;
        let result = self
            .api
            .retrying(|| {
                passes += 1;
                self.one_pass(item, first_cursor, &calls)
            })
            .await;
        result
            .map(|mut update| {
                update.restarts = passes.saturating_sub(1);
                update.api_calls = calls.get();
                update
            })
            .map_err(|mut error| {
                if let RowcolError::Rail { failure, .. } = &mut error {
                    failure.api_calls = calls.get();
                }
                error
            })
    }

    async fn one_pass(&self, item: &ItemAccess, first_cursor: &str, calls: &Calls) -> Result<SyncUpdate> {
        let mut fold = Fold::default();
        let mut update = SyncUpdate {
            first_cursor: first_cursor.to_owned(),
            ..SyncUpdate::default()
        };
        let mut cursor = first_cursor.to_owned();
        loop {
            let sent = if update.pages == 0 && !cursor.is_empty() {
                Sent::SyncFromCursor
            } else {
                Sent::Other
            };
            let body = json!({
                "access_token": item.access_token.expose_secret(),
                "cursor": cursor,
                "count": self.api.config.sync_page_size,
            });
            let request = Request {
                path: "/transactions/sync",
                context: &item.context,
                item: Some(&item.item_id),
                sent,
            };
            let page = self.api.call_once(request, &body, calls).await?;
            update.pages += 1;
            fold.page(&page);
            let (Some(next), Some(more)) = (
                page.get("next_cursor").and_then(Value::as_str),
                page.get("has_more").and_then(Value::as_bool),
            ) else {
                return Err(item.refusal(
                    RailErrorKind::Transient,
                    "/transactions/sync answered without next_cursor or has_more",
                    calls,
                ));
            };
            cursor = next.to_owned();
            if !more {
                let accounts = page.get("accounts").and_then(Value::as_array);
                for value in accounts.into_iter().flatten() {
                    match PlaidAccount::parse(value) {
                        Ok(account) => update.accounts.push(account),
                        Err(bad) => update.unreadable.push(bad),
                    }
                }
                update.update_status = page
                    .get("transactions_update_status")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                update.next_cursor = cursor;
                fold.finish(&mut update);
                return Ok(update);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, pending: bool, pending_id: Option<&str>, amount: &str) -> Value {
        serde_json::from_str(&format!(
            r#"{{"transaction_id":"{id}","account_id":"acc","amount":{amount},"date":"2026-12-01","pending":{pending},"pending_transaction_id":{},"name":"Shop"}}"#,
            pending_id.map_or("null".to_owned(), |p| format!("\"{p}\""))
        ))
        .unwrap()
    }

    fn folded(pages: &[Value]) -> SyncUpdate {
        let mut fold = Fold::default();
        for page in pages {
            fold.page(page);
        }
        let mut update = SyncUpdate::default();
        fold.finish(&mut update);
        update
    }

    fn removed_ids(update: &SyncUpdate) -> Vec<&str> {
        update.removed.iter().map(|r| r.transaction_id.as_str()).collect()
    }

    #[test]
    fn a_posted_line_supersedes_its_pending_line_even_before_the_removal_arrives() {
        let update = folded(&[
            json!({"added": [line("pend1", true, None, "10.00")], "modified": [], "removed": []}),
            json!({"added": [line("post1", false, Some("pend1"), "11.80")], "modified": [], "removed": []}),
            json!({"added": [], "modified": [], "removed": [{"transaction_id": "pend1", "account_id": "acc"}]}),
        ]);
        assert_eq!(update.upserts.len(), 1);
        assert_eq!(update.upserts[0].transaction_id, "post1");
        assert_eq!(update.upserts[0].amount.to_string(), "11.80");
        assert_eq!(removed_ids(&update), vec!["pend1"]);
    }

    #[test]
    fn the_last_word_on_an_id_wins_and_each_id_appears_once() {
        let update = folded(&[
            json!({"added": [line("a", false, None, "1"), line("b", false, None, "2")], "modified": [], "removed": []}),
            json!({"added": [], "modified": [line("a", false, None, "3")], "removed": [{"transaction_id": "b"}]}),
        ]);
        assert_eq!(update.upserts.len(), 1);
        assert_eq!(update.upserts[0].amount.to_string(), "3");
        assert_eq!(removed_ids(&update), vec!["b"]);
        assert_eq!(update.removed[0].account_id, None);
    }

    #[test]
    fn unreadable_lines_are_kept_with_their_reason_and_the_rest_lands() {
        let update = folded(&[json!({
            "added": [line("ok", false, None, "1"), {"transaction_id": "bad", "account_id": "acc", "amount": "?"}],
            "modified": [], "removed": [{"account_id": "acc"}]
        })]);
        assert_eq!(update.upserts.len(), 1);
        assert_eq!(update.unreadable.len(), 2);
        assert_eq!(update.unreadable[0].id.as_deref(), Some("bad"));
    }
}

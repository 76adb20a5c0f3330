//! `/transactions/sync`: cursors, pages and the "update" they belong to.
//!
//! A cursor is opaque base64 of (Item, base, head, offset): the update runs
//! over the log from `base` to `head` (the log's length when its first page
//! was asked for), and `offset` counts the net changes already paged. A
//! cursor with `base == head` ends an update; sending it starts the next one.
//! Another Item's cursor is refused; a continuing cursor whose `head` is no
//! longer the log's length means the data changed between pages.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::changes::Net;
use crate::error::{ErrorCode, PlaidError};
use crate::item::Item;
use crate::render;

/// Default and bounds of `count`.
pub const COUNT_DEFAULT: u64 = 100;
/// Largest `count`.
pub const COUNT_MAX: u64 = 500;
/// Longest cursor Plaid accepts.
pub const CURSOR_MAX_LEN: usize = 256;

/// A decoded cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The Item it belongs to.
    pub item_id: String,
    /// Log point the update starts from.
    pub base: usize,
    /// Log point the update runs to.
    pub head: usize,
    /// Net changes of the update already paged.
    pub offset: usize,
}

impl Cursor {
    /// The opaque text.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            "v1:{}:{}:{}:{}",
            self.item_id, self.base, self.head, self.offset
        ))
    }

    /// Reads a cursor; `None` when it is not one of ours.
    pub fn decode(text: &str) -> Option<Self> {
        let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(text).ok()?).ok()?;
        let mut parts = raw.split(':');
        if parts.next()? != "v1" {
            return None;
        }
        let cursor = Self {
            item_id: parts.next()?.to_string(),
            base: parts.next()?.parse().ok()?,
            head: parts.next()?.parse().ok()?,
            offset: parts.next()?.parse().ok()?,
        };
        (parts.next().is_none() && cursor.base <= cursor.head).then_some(cursor)
    }

    /// Whether it continues an update (its `has_more` was true).
    pub fn continues(&self) -> bool {
        self.base < self.head
    }
}

/// Whether a request's `cursor` continues a pagination (for faults).
pub fn is_mid_pagination(cursor: Option<&Value>) -> bool {
    cursor
        .and_then(Value::as_str)
        .and_then(Cursor::decode)
        .is_some_and(|c| c.continues())
}

/// What a sync call did besides its answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncAnswer {
    /// The response body (without `request_id`).
    pub body: Value,
    /// This call ended the Item's "not ready" time.
    pub became_ready: bool,
}

fn count_of(request: &Value) -> Result<usize, PlaidError> {
    let count = match request.get("count") {
        None | Some(Value::Null) => COUNT_DEFAULT,
        // PLAID.md's look-alike checklist: clamp into 1..=500.
        Some(v) => v
            .as_u64()
            .map(|c| c.clamp(1, COUNT_MAX))
            .ok_or_else(|| PlaidError::invalid_field("count must be an integer"))?,
    };
    Ok(usize::try_from(count).unwrap_or(100))
}

/// Answers one `/transactions/sync` call on `item`.
pub fn sync(item: &mut Item, request: &Value, now: DateTime<Utc>) -> Result<SyncAnswer, PlaidError> {
    let count = count_of(request)?;
    let options = request.get("options").cloned().unwrap_or(Value::Null);
    let cursor_text = match request.get("cursor") {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err(PlaidError::invalid_field("cursor must be a string")),
    };
    if cursor_text.len() > CURSOR_MAX_LEN {
        return Err(PlaidError::invalid_field("cursor must be at most 256 characters"));
    }
    item.sync_called = true;
    if item.not_ready_polls > 0 {
        item.not_ready_polls -= 1;
        return Ok(SyncAnswer {
            body: json!({
                "accounts": [], "added": [], "modified": [], "removed": [],
                "next_cursor": "", "has_more": false,
                "transactions_update_status": "NOT_READY",
            }),
            became_ready: item.not_ready_polls == 0,
        });
    }
    let head_now = item.log.head();
    let (base, head, offset) = match cursor_text {
        "" => {
            if item.history_start.is_none() {
                let days = options
                    .get("days_requested")
                    .and_then(Value::as_u64)
                    .map_or(item.days_requested, |d| u32::try_from(d).unwrap_or(730));
                let days = i64::from(days.clamp(30, 730));
                item.history_start = Some((now - Duration::days(days)).date_naive());
            }
            (0, head_now, 0)
        }
        "now" => (head_now, head_now, 0),
        text => {
            let cursor = Cursor::decode(text).ok_or_else(|| PlaidError::invalid_field("cursor is malformed"))?;
            if cursor.item_id != item.item_id {
                return Err(PlaidError::invalid_field("cursor not associated with access_token"));
            }
            if cursor.head > head_now {
                return Err(PlaidError::invalid_field("cursor is malformed"));
            }
            if cursor.continues() {
                if cursor.head != head_now {
                    return Err(PlaidError::new(ErrorCode::TransactionsSyncMutationDuringPagination));
                }
                (cursor.base, cursor.head, cursor.offset)
            } else {
                (cursor.head, head_now, 0)
            }
        }
    };
    let net = item.log.net(base, head, item.history_start);
    let end = (offset + count).min(net.len());
    let original = options
        .get("include_original_description")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let (mut added, mut modified, mut removed) = (Vec::new(), Vec::new(), Vec::new());
    for change in net.get(offset.min(end)..end).unwrap_or_default() {
        match change {
            Net::Added(t) => added.push(render::transaction(item, t, original)),
            Net::Modified(t) => modified.push(render::transaction(item, t, original)),
            Net::Removed(t) => removed.push(render::removed(item, t)),
        }
    }
    let has_more = end < net.len();
    let next = if has_more {
        Cursor {
            item_id: item.item_id.clone(),
            base,
            head,
            offset: end,
        }
    } else {
        item.last_successful_update = Some(now);
        Cursor {
            item_id: item.item_id.clone(),
            base: head,
            head,
            offset: 0,
        }
    };
    let accounts = render::accounts(item, &item.cached.balances, item.cached.at, None);
    Ok(SyncAnswer {
        body: json!({
            "accounts": accounts,
            "added": added,
            "modified": modified,
            "removed": removed,
            "next_cursor": next.encode(),
            "has_more": has_more,
            "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE",
        }),
        became_ready: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        let c = Cursor {
            item_id: "abc".into(),
            base: 3,
            head: 9,
            offset: 4,
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c.clone()));
        assert!(c.continues());
        assert!(c.encode().len() < CURSOR_MAX_LEN);
        assert_eq!(Cursor::decode("not a cursor"), None);
        assert_eq!(
            Cursor::decode(&URL_SAFE_NO_PAD.encode("v1:abc:9:3:0")),
            None,
            "base after head"
        );
        assert!(is_mid_pagination(Some(&Value::String(c.encode()))));
        assert!(!is_mid_pagination(Some(&Value::String(String::new()))));
    }
}

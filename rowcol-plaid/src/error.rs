//! Plaid's error object and the one function that maps it to the core
//! error kind (PLAID.md §1.6: branch on `error_code` / `error_type`, not on
//! the HTTP status; the status decides only when the body is not Plaid's).

use std::time::Duration;

use rowcol_core::{RailErrorKind, RailFailure};
use serde_json::Value;

/// The parts of Plaid's error object that decide what to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlaidErrorBody {
    /// `ITEM_ERROR`, `RATE_LIMIT_EXCEEDED`, `INVALID_REQUEST`, ...
    pub error_type: Option<String>,
    /// `ITEM_LOGIN_REQUIRED`, `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION`, ...
    pub error_code: Option<String>,
    /// Plaid's message for developers (never holds a token).
    pub error_message: Option<String>,
    /// Plaid's id of the request, for support.
    pub request_id: Option<String>,
}

/// Longest message kept in an error.
const MAX_TEXT: usize = 300;

impl PlaidErrorBody {
    /// Reads an error object from a JSON body; `None` when the body is not one.
    pub fn parse(body: &[u8]) -> Option<PlaidErrorBody> {
        let value: Value = serde_json::from_slice(body).ok()?;
        Self::from_json(&value)
    }

    /// Reads an error object (also the `error` of an Item or a webhook).
    pub fn from_json(value: &Value) -> Option<PlaidErrorBody> {
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
        let parsed = PlaidErrorBody {
            error_type: text("error_type"),
            error_code: text("error_code"),
            error_message: text("error_message").map(|m| m.chars().take(MAX_TEXT).collect()),
            request_id: text("request_id"),
        };
        (parsed.error_code.is_some() || parsed.error_type.is_some()).then_some(parsed)
    }

    fn code(&self) -> &str {
        self.error_code.as_deref().unwrap_or_default()
    }
}

/// The code Plaid answers when data changed between pages of one update.
pub const MUTATION_DURING_PAGINATION: &str = "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION";

/// What the failed request was, where it changes the meaning of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// A `/transactions/sync` page from a stored (non-empty) cursor: an
    /// `INVALID_FIELD` then means the cursor is not this Item's.
    SyncFromCursor,
    /// Anything else.
    Other,
}

/// Maps an HTTP status and Plaid's error object to the core error kind.
///
/// - Owner action: `ITEM_LOGIN_REQUIRED`, `INVALID_ACCESS_TOKEN`,
///   `ACCESS_NOT_GRANTED`, `USER_PERMISSION_REVOKED`, `PENDING_EXPIRATION`,
///   `PENDING_DISCONNECT`, `ITEM_NOT_FOUND`, `NO_ACCOUNTS` → `NeedsReauth`
///   (as QBO's `invalid_grant`: only the user, through Link's update mode, helps).
/// - `RATE_LIMIT_EXCEEDED` (any code) or HTTP 429 → `Throttled`.
/// - `INSTITUTION_DOWN`, `INSTITUTION_NOT_RESPONDING`, `PRODUCT_NOT_READY`,
///   `INTERNAL_SERVER_ERROR`, `PLANNED_MAINTENANCE`, the mutation during
///   pagination, types `API_ERROR` / `INSTITUTION_ERROR`, any 5xx → `Transient`.
/// - `INVALID_FIELD` on a sync from a stored cursor → `CursorTooOld` (the
///   cursor is another Item's: re-sync from the empty cursor).
/// - `INVALID_API_KEYS`, `PRODUCTS_NOT_SUPPORTED`, 401, 403 → `Forbidden`.
/// - Anything else → `Invalid` (same request, same answer).
pub fn classify(
    status: u16,
    body: Option<&PlaidErrorBody>,
    retry_after: Option<Duration>,
    sent: Sent,
) -> RailErrorKind {
    let code = body.map(PlaidErrorBody::code).unwrap_or_default();
    let error_type = body.and_then(|b| b.error_type.as_deref()).unwrap_or_default();
    match code {
        "ITEM_LOGIN_REQUIRED"
        | "INVALID_ACCESS_TOKEN"
        | "ACCESS_NOT_GRANTED"
        | "USER_PERMISSION_REVOKED"
        | "PENDING_EXPIRATION"
        | "PENDING_DISCONNECT"
        | "ITEM_NOT_FOUND"
        | "NO_ACCOUNTS" => {
            return RailErrorKind::NeedsReauth;
        }
        "INSTITUTION_DOWN"
        | "INSTITUTION_NOT_RESPONDING"
        | "PRODUCT_NOT_READY"
        | "INTERNAL_SERVER_ERROR"
        | "PLANNED_MAINTENANCE"
        | MUTATION_DURING_PAGINATION => return RailErrorKind::Transient,
        "INVALID_FIELD" if sent == Sent::SyncFromCursor => return RailErrorKind::CursorTooOld,
        "INVALID_API_KEYS" | "PRODUCTS_NOT_SUPPORTED" => return RailErrorKind::Forbidden,
        _ => {}
    }
    if error_type == "RATE_LIMIT_EXCEEDED" || status == 429 {
        return RailErrorKind::Throttled { retry_after };
    }
    if matches!(error_type, "API_ERROR" | "INSTITUTION_ERROR") || status >= 500 {
        return RailErrorKind::Transient;
    }
    if matches!(status, 401 | 403) {
        return RailErrorKind::Forbidden;
    }
    RailErrorKind::Invalid
}

/// The `Retry-After` header in seconds, when present.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The failure record of an error: status, Plaid's code and request id,
/// and a message naming the endpoint (never a token or the secret).
pub(crate) fn failure(status: Option<u16>, body: Option<&PlaidErrorBody>, what: &str) -> RailFailure {
    let message = match body.and_then(|b| b.error_message.as_deref()) {
        Some(detail) => format!("{what}: {detail}"),
        None => what.to_owned(),
    };
    RailFailure {
        http_status: status,
        code: body.and_then(|b| b.error_code.clone()),
        trace_id: body.and_then(|b| b.request_id.clone()),
        message,
        api_calls: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(error_type: &str, code: &str) -> PlaidErrorBody {
        PlaidErrorBody::from_json(&json!({
            "error_type": error_type, "error_code": code,
            "error_message": "m", "request_id": "req1"
        }))
        .unwrap()
    }

    #[test]
    fn every_code_maps_to_its_kind() {
        let throttled = RailErrorKind::Throttled { retry_after: None };
        for (status, error_type, code, sent, kind) in [
            (
                400,
                "ITEM_ERROR",
                "ITEM_LOGIN_REQUIRED",
                Sent::Other,
                RailErrorKind::NeedsReauth,
            ),
            (
                400,
                "INVALID_INPUT",
                "INVALID_ACCESS_TOKEN",
                Sent::Other,
                RailErrorKind::NeedsReauth,
            ),
            (
                400,
                "ITEM_ERROR",
                "ACCESS_NOT_GRANTED",
                Sent::Other,
                RailErrorKind::NeedsReauth,
            ),
            (
                429,
                "RATE_LIMIT_EXCEEDED",
                "ACCOUNTS_BALANCE_GET_LIMIT",
                Sent::Other,
                throttled.clone(),
            ),
            (
                429,
                "RATE_LIMIT_EXCEEDED",
                "TRANSACTIONS_SYNC_LIMIT",
                Sent::Other,
                throttled.clone(),
            ),
            (
                400,
                "INSTITUTION_ERROR",
                "INSTITUTION_DOWN",
                Sent::Other,
                RailErrorKind::Transient,
            ),
            (
                400,
                "INSTITUTION_ERROR",
                "INSTITUTION_NOT_RESPONDING",
                Sent::Other,
                RailErrorKind::Transient,
            ),
            (
                400,
                "ITEM_ERROR",
                "PRODUCT_NOT_READY",
                Sent::Other,
                RailErrorKind::Transient,
            ),
            (
                500,
                "API_ERROR",
                "INTERNAL_SERVER_ERROR",
                Sent::Other,
                RailErrorKind::Transient,
            ),
            (
                503,
                "API_ERROR",
                "PLANNED_MAINTENANCE",
                Sent::Other,
                RailErrorKind::Transient,
            ),
            (
                400,
                "TRANSACTIONS_ERROR",
                MUTATION_DURING_PAGINATION,
                Sent::SyncFromCursor,
                RailErrorKind::Transient,
            ),
            (
                400,
                "INVALID_REQUEST",
                "INVALID_FIELD",
                Sent::SyncFromCursor,
                RailErrorKind::CursorTooOld,
            ),
            (
                400,
                "INVALID_REQUEST",
                "INVALID_FIELD",
                Sent::Other,
                RailErrorKind::Invalid,
            ),
            (
                400,
                "INVALID_INPUT",
                "INVALID_API_KEYS",
                Sent::Other,
                RailErrorKind::Forbidden,
            ),
            (
                400,
                "INVALID_INPUT",
                "INVALID_PUBLIC_TOKEN",
                Sent::Other,
                RailErrorKind::Invalid,
            ),
            (
                400,
                "INVALID_REQUEST",
                "MISSING_FIELDS",
                Sent::Other,
                RailErrorKind::Invalid,
            ),
        ] {
            assert_eq!(
                classify(status, Some(&body(error_type, code)), None, sent),
                kind,
                "{code}"
            );
        }
    }

    #[test]
    fn without_plaids_body_the_status_decides() {
        assert_eq!(classify(502, None, None, Sent::Other), RailErrorKind::Transient);
        assert_eq!(
            classify(429, None, Some(Duration::from_secs(3)), Sent::Other),
            RailErrorKind::Throttled {
                retry_after: Some(Duration::from_secs(3))
            }
        );
        assert_eq!(classify(401, None, None, Sent::Other), RailErrorKind::Forbidden);
        assert_eq!(classify(404, None, None, Sent::Other), RailErrorKind::Invalid);
    }

    #[test]
    fn failures_carry_code_and_request_id_and_bounded_text() {
        let long = "x".repeat(1000);
        let parsed = PlaidErrorBody::parse(
            json!({"error_type": "ITEM_ERROR", "error_code": "ITEM_LOGIN_REQUIRED", "error_message": long, "request_id": "r1"})
                .to_string()
                .as_bytes(),
        )
        .unwrap();
        let failure = failure(Some(400), Some(&parsed), "/transactions/sync");
        assert_eq!(failure.code.as_deref(), Some("ITEM_LOGIN_REQUIRED"));
        assert_eq!(failure.trace_id.as_deref(), Some("r1"));
        assert!(failure.message.len() < 400);
        assert!(PlaidErrorBody::parse(b"<html>").is_none());
        assert!(PlaidErrorBody::parse(b"{\"ok\": true}").is_none());
    }
}

//! Sandbox levers: `/sandbox/item/reset_login`, `/sandbox/item/fire_webhook`,
//! `/sandbox/transactions/create`.

use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};

use super::{on_item, required};
use crate::bank::{LineKind, PlannedLine};
use crate::error::{ErrorCode, PlaidError};
use crate::money::from_json;
use crate::server::SimState;
use crate::store::notify;
use crate::webhooks::{default_update, item_webhook, sync_updates_available};

/// Transactions one `/sandbox/transactions/create` call may add.
const CREATE_MAX: usize = 10;
/// How far back their dates may go.
const CREATE_MAX_DAYS_BACK: i64 = 14;

pub fn reset_login(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    let now = state.clock.now();
    on_item(state, request, true, |item, webhooks| {
        item.login_required = true;
        let error = PlaidError::new(ErrorCode::ItemLoginRequired);
        notify(item, webhooks, &item_webhook(&item.item_id, "ERROR", Some(&error)), now);
        Ok(json!({ "reset_login": true }))
    })
}

pub fn fire_webhook(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    let code = required(request, "webhook_code")?.to_string();
    let now = state.clock.now();
    on_item(state, request, true, |item, webhooks| {
        let id = item.item_id.as_str();
        let body = match code.as_str() {
            "SYNC_UPDATES_AVAILABLE" => sync_updates_available(id),
            "DEFAULT_UPDATE" => default_update(id),
            "ERROR" => item_webhook(id, "ERROR", Some(&PlaidError::new(ErrorCode::ItemLoginRequired))),
            "LOGIN_REPAIRED" | "NEW_ACCOUNTS_AVAILABLE" | "PENDING_DISCONNECT" | "USER_PERMISSION_REVOKED" => {
                item_webhook(id, &code, None)
            }
            other => {
                return Err(PlaidError::invalid_field(format!(
                    "webhook_code {other} cannot be fired"
                )));
            }
        };
        if notify(item, webhooks, &body, now) {
            Ok(json!({ "webhook_fired": true }))
        } else {
            Err(PlaidError::new(ErrorCode::SandboxWebhookInvalid))
        }
    })
}

fn date_field(t: &Value, name: &str, earliest: NaiveDate, today: NaiveDate) -> Result<NaiveDate, PlaidError> {
    let text = t
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| PlaidError::missing(name))?;
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| PlaidError::invalid_field(format!("{name} must be a date YYYY-MM-DD")))?;
    if date > today || date < earliest {
        return Err(PlaidError::invalid_field(format!(
            "{name} must be today or at most {CREATE_MAX_DAYS_BACK} days back"
        )));
    }
    Ok(date)
}

pub fn transactions_create(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    let now = state.clock.now();
    let today = now.date_naive();
    let earliest = (now - Duration::days(CREATE_MAX_DAYS_BACK)).date_naive();
    let list = request
        .get("transactions")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or_else(|| PlaidError::missing("transactions"))?;
    if list.len() > CREATE_MAX {
        return Err(PlaidError::invalid_field("transactions may hold at most 10 entries"));
    }
    let mut lines = Vec::with_capacity(list.len());
    for t in list {
        let transacted = date_field(t, "date_transacted", earliest, today)?;
        let posted = date_field(t, "date_posted", earliest, today)?;
        let amount = t
            .get("amount")
            .and_then(from_json)
            .ok_or_else(|| PlaidError::missing("amount"))?;
        let description = required(t, "description")?.to_string();
        lines.push(PlannedLine {
            key: 0,
            account: 0,
            kind: LineKind::Sandbox,
            book: Vec::new(),
            description,
            merchant: None,
            amount,
            authorized: transacted,
            pending: None,
            posts_on: Some(posted),
            enriched_on: None,
            split: false,
        });
    }
    on_item(state, request, true, |item, webhooks| {
        for line in lines {
            item.add_posted_line(line);
        }
        item.cached.balances = item.balances_on(today);
        item.cached.at = now;
        if item.sync_called {
            notify(item, webhooks, &sync_updates_available(&item.item_id), now);
        }
        Ok(json!({}))
    })
}

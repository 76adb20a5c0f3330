//! Linking without Link: `/sandbox/public_token/create`,
//! `/item/public_token/exchange`; and the Item itself: `/item/get`,
//! `/item/webhook/update`.

use serde_json::{Value, json};

use super::{on_item, required};
use crate::error::PlaidError;
use crate::render;
use crate::server::SimState;
use crate::store::notify;
use crate::webhooks::item_webhook;

/// Plaid's default `days_requested`.
pub const DAYS_REQUESTED_DEFAULT: u32 = 90;

pub fn public_token_create(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    required(request, "institution_id")?;
    let products = request.get("initial_products").and_then(Value::as_array);
    if products.is_none_or(Vec::is_empty) {
        return Err(PlaidError::missing("initial_products"));
    }
    let options = request.get("options").cloned().unwrap_or(Value::Null);
    let username = options
        .get("override_username")
        .and_then(Value::as_str)
        .unwrap_or("user_good");
    let webhook = options.get("webhook").and_then(Value::as_str).map(str::to_string);
    let days = options
        .pointer("/transactions/days_requested")
        .and_then(Value::as_u64)
        .map_or(DAYS_REQUESTED_DEFAULT, |d| u32::try_from(d).unwrap_or(730));
    let token = state
        .store
        .create_public_token(username, webhook, days, state.clock.now())?;
    Ok(json!({ "public_token": token }))
}

pub fn public_token_exchange(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    let token = required(request, "public_token")?;
    let linked = state.store.exchange(token, state.clock.now())?;
    Ok(json!({ "access_token": linked.access_token, "item_id": linked.item_id }))
}

pub fn item_get(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    on_item(state, request, true, |item, _| {
        let last_webhook = item
            .last_webhook
            .as_ref()
            .map(|(code, at)| json!({ "code_sent": code, "sent_at": render::time(*at) }));
        Ok(json!({
            "item": render::item(item),
            "status": {
                "transactions": {
                    "last_successful_update": item.last_successful_update.map(render::time),
                    "last_failed_update": null,
                },
                "last_webhook": last_webhook,
            },
        }))
    })
}

pub fn webhook_update(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    let url = required(request, "webhook")?.to_string();
    let now = state.clock.now();
    on_item(state, request, false, |item, webhooks| {
        item.webhook = Some(url.clone());
        let mut body = item_webhook(&item.item_id, "WEBHOOK_UPDATE_ACKNOWLEDGED", None);
        body["new_webhook_url"] = Value::String(url);
        notify(item, webhooks, &body, now);
        Ok(json!({ "item": render::item(item) }))
    })
}

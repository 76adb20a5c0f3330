//! `/accounts/get` (cached balances, as of Plaid's last extraction) and
//! `/accounts/balance/get` (live from the lines now, limited per Item per
//! minute of the look-alike's clock).

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::error::{ErrorCode, PlaidError};
use crate::item::Item;
use crate::render;

fn account_ids(request: &Value) -> Option<Vec<String>> {
    request
        .pointer("/options/account_ids")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).map(str::to_string).collect())
}

/// `/accounts/get`: the cached balances.
pub fn accounts_get(item: &Item, request: &Value) -> Value {
    let only = account_ids(request);
    json!({
        "accounts": render::accounts(item, &item.cached.balances, item.cached.at, only.as_deref()),
        "item": render::item(item),
    })
}

/// `/accounts/balance/get`: balances worked out now; at most `per_minute`
/// calls per Item in any minute (429 `ACCOUNTS_BALANCE_GET_LIMIT` past it).
pub fn balance_get(
    item: &mut Item,
    request: &Value,
    now: DateTime<Utc>,
    per_minute: usize,
) -> Result<Value, PlaidError> {
    while item
        .balance_calls
        .front()
        .is_some_and(|t| now - *t >= Duration::minutes(1))
    {
        item.balance_calls.pop_front();
    }
    if item.balance_calls.len() >= per_minute {
        return Err(PlaidError::new(ErrorCode::AccountsBalanceGetLimit));
    }
    item.balance_calls.push_back(now);
    let only = account_ids(request);
    let live = item.balances_on(now.date_naive());
    Ok(json!({
        "accounts": render::accounts(item, &live, now, only.as_deref()),
        "item": render::item(item),
    }))
}

//! `/accounts/get` and `/accounts/balance/get`.

use serde_json::Value;

use super::on_item;
use crate::balances;
use crate::error::PlaidError;
use crate::server::SimState;

pub fn get(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    on_item(state, request, false, |item, _| {
        Ok(balances::accounts_get(item, request))
    })
}

pub fn balance_get(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    let now = state.clock.now();
    let limit = state.config.balance_get_per_minute;
    on_item(state, request, false, |item, _| {
        balances::balance_get(item, request, now, limit)
    })
}

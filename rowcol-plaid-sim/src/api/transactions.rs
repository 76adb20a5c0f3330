//! `/transactions/sync`.

use serde_json::Value;

use super::on_item;
use crate::error::PlaidError;
use crate::server::SimState;
use crate::store::notify;
use crate::webhooks::sync_updates_available;

pub fn sync(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    let now = state.clock.now();
    on_item(state, request, false, |item, webhooks| {
        let answer = crate::sync::sync(item, request, now)?;
        if answer.became_ready {
            notify(item, webhooks, &sync_updates_available(&item.item_id), now);
        }
        Ok(answer.body)
    })
}

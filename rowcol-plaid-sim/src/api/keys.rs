//! `/webhook_verification_key/get`.

use serde_json::{Value, json};

use super::required;
use crate::error::{ErrorCode, PlaidError};
use crate::server::SimState;

pub fn get(state: &SimState, request: &Value) -> Result<Value, PlaidError> {
    let kid = required(request, "key_id")?;
    let key = state
        .keys
        .jwk(kid)
        .ok_or_else(|| PlaidError::new(ErrorCode::InvalidWebhookVerificationKeyId))?;
    Ok(json!({ "key": key }))
}

//! Plaid's HTTP surface: every endpoint is a `POST` with a JSON body. Each
//! call is parsed, its `client_id` and `secret` checked (body or
//! `PLAID-CLIENT-ID` / `PLAID-SECRET` headers), faults applied, then handed
//! to its endpoint; every answer carries a `request_id`.

mod accounts;
mod keys;
mod link;
mod sandbox;
mod transactions;

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use crate::error::{ErrorCode, PlaidError};
use crate::item::Item;
use crate::server::SimState;
use crate::sync::is_mid_pagination;
use crate::webhooks::Webhooks;

type Shared = Arc<SimState>;
type Handler = fn(&SimState, &Value) -> Result<Value, PlaidError>;

/// Every endpoint the look-alike answers.
pub const ENDPOINTS: [(&str, Handler); 11] = [
    ("/sandbox/public_token/create", link::public_token_create),
    ("/item/public_token/exchange", link::public_token_exchange),
    ("/item/get", link::item_get),
    ("/item/webhook/update", link::webhook_update),
    ("/transactions/sync", transactions::sync),
    ("/accounts/get", accounts::get),
    ("/accounts/balance/get", accounts::balance_get),
    ("/sandbox/item/reset_login", sandbox::reset_login),
    ("/sandbox/item/fire_webhook", sandbox::fire_webhook),
    ("/sandbox/transactions/create", sandbox::transactions_create),
    ("/webhook_verification_key/get", keys::get),
];

/// The routes of every endpoint.
pub fn routes() -> Router<Shared> {
    ENDPOINTS.iter().fold(Router::new(), |router, &(path, handler)| {
        router.route(
            path,
            post(
                move |State(state): State<Shared>, headers: HeaderMap, body: Bytes| async move {
                    dispatch(&state, path, handler, &headers, &body).await
                },
            ),
        )
    })
}

async fn dispatch(state: &SimState, path: &str, handler: Handler, headers: &HeaderMap, body: &[u8]) -> Response {
    let request_id = state.next_request_id();
    let latency = state.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let answer = serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
        .ok_or_else(|| PlaidError::new(ErrorCode::InvalidBody))
        .and_then(|request| {
            check_credentials(state, headers, &request)?;
            let item_id = request
                .get("access_token")
                .and_then(Value::as_str)
                .and_then(|t| state.store.item_id_of(t));
            let mid = path == "/transactions/sync" && is_mid_pagination(request.get("cursor"));
            if let Some(code) = state.faults.take(path, item_id.as_deref(), mid) {
                return Err(PlaidError::new(code));
            }
            handler(state, &request)
        });
    match answer {
        Ok(mut body) => {
            if let Some(object) = body.as_object_mut() {
                object.insert("request_id".to_string(), Value::String(request_id));
            }
            Json(body).into_response()
        }
        Err(error) => error.response(&request_id),
    }
}

fn check_credentials(state: &SimState, headers: &HeaderMap, request: &Value) -> Result<(), PlaidError> {
    let field = |body_name: &str, header: &str| {
        request
            .get(body_name)
            .and_then(Value::as_str)
            .or_else(|| headers.get(header).and_then(|v| v.to_str().ok()))
            .map(str::to_string)
    };
    let client_id = field("client_id", "plaid-client-id");
    let secret = field("secret", "plaid-secret");
    match (client_id, secret) {
        (None, None) => Err(PlaidError::missing("client_id, secret")),
        (None, _) => Err(PlaidError::missing("client_id")),
        (_, None) => Err(PlaidError::missing("secret")),
        (Some(id), Some(secret)) if id == state.config.client_id && secret == state.config.secret => Ok(()),
        _ => Err(PlaidError::new(ErrorCode::InvalidApiKeys)),
    }
}

/// A required string field.
fn required<'a>(request: &'a Value, name: &str) -> Result<&'a str, PlaidError> {
    request
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| PlaidError::missing(name))
}

/// Runs `f` on the request's Item; an Item needing login refuses unless
/// `despite_login` (sandbox endpoints and `/item/get`).
fn on_item<T>(
    state: &SimState,
    request: &Value,
    despite_login: bool,
    f: impl FnOnce(&mut Item, &Webhooks) -> Result<T, PlaidError>,
) -> Result<T, PlaidError> {
    let token = required(request, "access_token")?;
    state.store.with_token(token, state.clock.now(), |item, webhooks| {
        if item.login_required && !despite_login {
            return Err(PlaidError::new(ErrorCode::ItemLoginRequired));
        }
        f(item, webhooks)
    })
}

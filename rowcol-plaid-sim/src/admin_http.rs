//! `/_sim/...`: the admin handle over HTTP, for the binary and for clients
//! in other languages. Not authenticated: the look-alike listens on loopback.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::admin::{Admin, AdminError};
use crate::derive::ClientBank;
use crate::faults::FaultRule;
use crate::server::SimState;
use crate::webhooks::DeliveryConfig;

type Shared = Arc<SimState>;

/// Admin routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/_sim/banks", get(banks).post(add_bank))
        .route("/_sim/banks/{username}/link", post(link))
        .route("/_sim/items", get(items))
        .route("/_sim/items/{item}/truth", get(truth))
        .route("/_sim/items/{item}/reset_login", post(reset_login))
        .route("/_sim/items/{item}/repair_login", post(repair_login))
        .route("/_sim/items/{item}/webhook", put(set_webhook).delete(clear_webhook))
        .route("/_sim/faults", get(faults).post(add_fault).delete(clear_faults))
        .route("/_sim/latency", put(set_latency))
        .route("/_sim/clock", get(clock).post(move_clock))
        .route("/_sim/webhooks", get(webhook_stats))
        .route("/_sim/webhooks/delivery", put(set_delivery))
        .route("/_sim/keys", get(keys))
        .route("/_sim/keys/rotate", post(rotate_key))
}

fn admin(state: &Shared) -> Admin {
    Admin::new(Arc::clone(state))
}

fn answer<T: Serialize>(result: Result<T, AdminError>) -> Response {
    match result {
        Ok(value) => Json(serde_json::to_value(value).unwrap_or(Value::Null)).into_response(),
        Err(e) => {
            let status = match e {
                AdminError::UnknownItem(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::BAD_REQUEST,
            };
            (status, Json(json!({ "error": e.to_string() }))).into_response()
        }
    }
}

async fn banks(State(state): State<Shared>) -> Response {
    answer(Ok(admin(&state).usernames()))
}

async fn add_bank(State(state): State<Shared>, Json(bank): Json<ClientBank>) -> Response {
    match admin(&state).add_bank(bank) {
        Ok(()) => StatusCode::CREATED.into_response(),
        Err(e) => answer::<()>(Err(e)),
    }
}

#[derive(Deserialize)]
struct LinkBody {
    #[serde(default)]
    webhook: Option<String>,
    #[serde(default = "ninety")]
    days_requested: u32,
}

fn ninety() -> u32 {
    90
}

async fn link(State(state): State<Shared>, Path(username): Path<String>, Json(body): Json<LinkBody>) -> Response {
    answer(admin(&state).link(&username, body.webhook, body.days_requested))
}

async fn items(State(state): State<Shared>) -> Response {
    answer(Ok(admin(&state).item_ids()))
}

async fn truth(State(state): State<Shared>, Path(item): Path<String>) -> Response {
    answer(admin(&state).ground_truth(&item))
}

async fn reset_login(State(state): State<Shared>, Path(item): Path<String>) -> Response {
    answer(admin(&state).reset_login(&item))
}

async fn repair_login(State(state): State<Shared>, Path(item): Path<String>) -> Response {
    answer(admin(&state).repair_login(&item))
}

#[derive(Deserialize)]
struct WebhookBody {
    url: String,
}

async fn set_webhook(State(state): State<Shared>, Path(item): Path<String>, Json(body): Json<WebhookBody>) -> Response {
    answer(admin(&state).set_webhook(&item, Some(body.url)))
}

async fn clear_webhook(State(state): State<Shared>, Path(item): Path<String>) -> Response {
    answer(admin(&state).set_webhook(&item, None))
}

async fn faults(State(state): State<Shared>) -> Response {
    answer(Ok(admin(&state).faults()))
}

async fn add_fault(State(state): State<Shared>, Json(rule): Json<FaultRule>) -> Response {
    admin(&state).add_fault(rule);
    StatusCode::NO_CONTENT.into_response()
}

async fn clear_faults(State(state): State<Shared>) -> Response {
    admin(&state).clear_faults();
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct LatencyBody {
    millis: u64,
}

async fn set_latency(State(state): State<Shared>, Json(body): Json<LatencyBody>) -> Response {
    admin(&state).set_latency(StdDuration::from_millis(body.millis));
    StatusCode::NO_CONTENT.into_response()
}

async fn clock(State(state): State<Shared>) -> Response {
    Json(json!({ "now": admin(&state).now().to_rfc3339() })).into_response()
}

#[derive(Deserialize)]
struct ClockBody {
    advance_seconds: Option<i64>,
    set: Option<DateTime<Utc>>,
}

async fn move_clock(State(state): State<Shared>, Json(body): Json<ClockBody>) -> Response {
    let admin = admin(&state);
    if let Some(to) = body.set {
        admin.set_clock(to);
    }
    if let Some(secs) = body.advance_seconds {
        admin.advance_clock(Duration::seconds(secs));
    }
    Json(json!({ "now": admin.now().to_rfc3339() })).into_response()
}

async fn webhook_stats(State(state): State<Shared>) -> Response {
    answer(Ok(admin(&state).webhook_stats()))
}

async fn set_delivery(State(state): State<Shared>, Json(body): Json<DeliveryConfig>) -> Response {
    admin(&state).set_webhook_delivery(body);
    StatusCode::NO_CONTENT.into_response()
}

async fn keys(State(state): State<Shared>) -> Response {
    answer(Ok(admin(&state).webhook_key_ids()))
}

async fn rotate_key(State(state): State<Shared>) -> Response {
    answer(admin(&state).rotate_webhook_key())
}

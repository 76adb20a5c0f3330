//! `/_sim/...`: the admin handle over HTTP, for the binary and for clients in
//! other languages. Not authenticated: the look-alike listens on loopback.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::admin::{Admin, AdminError};
use crate::faults::FaultConfig;
use crate::generator::{Profile, Size};
use crate::server::SimState;
use crate::store::Kind;
use crate::throttle::ThrottleConfig;
use crate::webhooks::WebhookConfig;

type Shared = Arc<SimState>;

/// Admin routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route("/_sim/realms", get(realms).post(add_realm))
        .route("/_sim/realms/{realm}/tokens", post(tokens))
        .route("/_sim/realms/{realm}/expire-tokens", post(expire_tokens))
        .route("/_sim/realms/{realm}/truth", get(truth))
        .route("/_sim/realms/{realm}/burst", post(burst))
        .route(
            "/_sim/realms/{realm}/faults",
            get(get_faults).put(put_faults).delete(delete_faults),
        )
        .route("/_sim/realms/{realm}/entities/{kind}", post(create))
        .route(
            "/_sim/realms/{realm}/entities/{kind}/{id}",
            post(update).delete(delete).get(read),
        )
        .route("/_sim/realms/{realm}/entities/{kind}/{id}/void", post(void))
        .route("/_sim/clock", get(clock).post(move_clock))
        .route("/_sim/counters", get(counters).delete(reset_counters))
        .route("/_sim/throttle", get(get_throttle).put(put_throttle))
        .route(
            "/_sim/webhook",
            get(webhook_stats).put(put_webhook).delete(delete_webhook),
        )
}

fn admin(state: &Shared) -> Admin {
    Admin::new(Arc::clone(state))
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

fn admin_error(e: AdminError) -> Response {
    let status = match &e {
        AdminError::UnknownRealm(_) | AdminError::Store(crate::store::StoreError::NotFound { .. }) => {
            StatusCode::NOT_FOUND
        }
        AdminError::Store(_) => StatusCode::BAD_REQUEST,
    };
    error(status, e)
}

fn kind(name: &str) -> Result<Kind, Response> {
    Kind::parse(name).ok_or_else(|| error(StatusCode::BAD_REQUEST, format!("unknown entity kind {name}")))
}

fn json_of<T: serde::Serialize>(value: &T) -> Response {
    Json(serde_json::to_value(value).unwrap_or(Value::Null)).into_response()
}

async fn realms(State(state): State<Shared>) -> Response {
    json_of(&admin(&state).realm_ids())
}

#[derive(Deserialize)]
struct NewRealm {
    realm_id: String,
    #[serde(default)]
    size: Size,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    multi_currency: bool,
    #[serde(default)]
    profile: Profile,
}

async fn add_realm(State(state): State<Shared>, Json(body): Json<NewRealm>) -> Response {
    admin(&state).add_realm(&body.realm_id, body.size, body.seed, body.profile, body.multi_currency);
    (StatusCode::CREATED, Json(json!({ "realm_id": body.realm_id }))).into_response()
}

async fn tokens(State(state): State<Shared>, Path(realm): Path<String>) -> Response {
    if state.store.realm(&realm).is_none() {
        return admin_error(AdminError::UnknownRealm(realm));
    }
    json_of(&admin(&state).issue_tokens(&realm))
}

async fn expire_tokens(State(state): State<Shared>, Path(realm): Path<String>) -> Response {
    admin(&state).expire_access_tokens(&realm);
    StatusCode::NO_CONTENT.into_response()
}

async fn truth(State(state): State<Shared>, Path(realm): Path<String>) -> Response {
    match admin(&state).ground_truth(&realm) {
        Ok(t) => json_of(&t),
        Err(e) => admin_error(e),
    }
}

#[derive(Deserialize)]
struct BurstBody {
    count: usize,
}

async fn burst(State(state): State<Shared>, Path(realm): Path<String>, Json(body): Json<BurstBody>) -> Response {
    match admin(&state).burst(&realm, body.count) {
        Ok(changes) => json_of(&changes),
        Err(e) => admin_error(e),
    }
}

async fn get_faults(State(state): State<Shared>, Path(realm): Path<String>) -> Response {
    json_of(&admin(&state).faults(&realm))
}

async fn put_faults(State(state): State<Shared>, Path(realm): Path<String>, Json(body): Json<FaultConfig>) -> Response {
    admin(&state).set_faults(&realm, body);
    StatusCode::NO_CONTENT.into_response()
}

async fn delete_faults(State(state): State<Shared>, Path(realm): Path<String>) -> Response {
    admin(&state).clear_faults(&realm);
    StatusCode::NO_CONTENT.into_response()
}

async fn create(
    State(state): State<Shared>,
    Path((realm, kind_name)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let kind = match kind(&kind_name) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match admin(&state).create(&realm, kind, body) {
        Ok(row) => (StatusCode::CREATED, Json(row)).into_response(),
        Err(e) => admin_error(e),
    }
}

async fn read(State(state): State<Shared>, Path((realm, kind_name, id)): Path<(String, String, u64)>) -> Response {
    let kind = match kind(&kind_name) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match admin(&state).get(&realm, kind, id) {
        Some(row) => Json(row).into_response(),
        None => error(StatusCode::NOT_FOUND, "not found"),
    }
}

async fn update(
    State(state): State<Shared>,
    Path((realm, kind_name, id)): Path<(String, String, u64)>,
    Json(patch): Json<Value>,
) -> Response {
    let kind = match kind(&kind_name) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match admin(&state).update(&realm, kind, id, &patch) {
        Ok(row) => Json(row).into_response(),
        Err(e) => admin_error(e),
    }
}

async fn delete(State(state): State<Shared>, Path((realm, kind_name, id)): Path<(String, String, u64)>) -> Response {
    let kind = match kind(&kind_name) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match admin(&state).delete(&realm, kind, id) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => admin_error(e),
    }
}

async fn void(State(state): State<Shared>, Path((realm, kind_name, id)): Path<(String, String, u64)>) -> Response {
    let kind = match kind(&kind_name) {
        Ok(k) => k,
        Err(r) => return r,
    };
    match admin(&state).void(&realm, kind, id) {
        Ok(row) => Json(row).into_response(),
        Err(e) => admin_error(e),
    }
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

async fn counters(State(state): State<Shared>) -> Response {
    json_of(&admin(&state).counters())
}

async fn reset_counters(State(state): State<Shared>) -> Response {
    admin(&state).reset_counters();
    StatusCode::NO_CONTENT.into_response()
}

async fn get_throttle(State(state): State<Shared>) -> Response {
    json_of(&admin(&state).throttle())
}

async fn put_throttle(State(state): State<Shared>, Json(body): Json<ThrottleConfig>) -> Response {
    admin(&state).set_throttle(body);
    StatusCode::NO_CONTENT.into_response()
}

async fn webhook_stats(State(state): State<Shared>) -> Response {
    json_of(&admin(&state).webhook_stats())
}

async fn put_webhook(State(state): State<Shared>, Json(body): Json<WebhookConfig>) -> Response {
    admin(&state).set_webhook(Some(body));
    StatusCode::NO_CONTENT.into_response()
}

async fn delete_webhook(State(state): State<Shared>) -> Response {
    admin(&state).set_webhook(None);
    StatusCode::NO_CONTENT.into_response()
}

//! The QBO surface under `/v3/company/{realmId}/`: query, cdc, batch, read by
//! id, companyinfo and reports, behind one guard that authenticates, throttles and
//! applies the realm's faults.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use chrono::FixedOffset;
use serde_json::{Value, json};

use crate::clock::envelope_time;
use crate::faults;
use crate::qbo_fault::{QboFault, json_response};
use crate::query;
use crate::reports;
use crate::server::SimState;
use crate::store::{Kind, RealmData};
use crate::{cdc, oauth::BearerCheck};

/// Most items in one batch request (Intuit's current documentation).
pub const BATCH_MAX_ITEMS: usize = 30;

type Shared = Arc<SimState>;

/// The `/v3` routes with their guard.
pub fn routes(state: Shared) -> Router<Shared> {
    Router::new()
        .route("/v3/company/{realm}/query", get(query_get).post(query_post))
        .route("/v3/company/{realm}/cdc", get(cdc_get))
        .route("/v3/company/{realm}/batch", post(batch))
        .route("/v3/company/{realm}/companyinfo/{id}", get(company_info))
        .route("/v3/company/{realm}/preferences", get(preferences))
        .route("/v3/company/{realm}/reports/{name}", get(report))
        .route("/v3/company/{realm}/{entity}/{id}", get(read_one))
        .route_layer(middleware::from_fn_with_state(state, guard))
}

fn realm_offset(state: &SimState, realm_id: &str) -> FixedOffset {
    state
        .store
        .realm(realm_id)
        .and_then(|r| r.read().ok().map(|r| r.offset))
        .unwrap_or_else(|| chrono::Utc.fix())
}

use chrono::Offset;

/// The time string of an envelope for `realm_id`, now.
fn now_text(state: &SimState, realm_id: &str) -> String {
    envelope_time(state.clock.now(), realm_offset(state, realm_id))
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Authentication, throttling and faults, in that order.
async fn guard(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let realm_id = path
        .strip_prefix("/v3/company/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default()
        .to_string();
    let is_batch = path.ends_with("/batch");
    let time = now_text(&state, &realm_id);
    let now = state.clock.now();
    let token = bearer(request.headers()).map(str::to_string);
    match token.as_deref().map(|t| state.oauth.check_bearer(t, &realm_id, now)) {
        Some(BearerCheck::Valid) => {}
        Some(BearerCheck::OtherRealm) => return QboFault::authorization_failed().into_response_at(&time),
        _ => return QboFault::authentication_failed().into_response_at(&time),
    }
    if state.store.realm(&realm_id).is_none() {
        return QboFault::authorization_failed().into_response_at(&time);
    }
    let plan = state.faults.plan(&realm_id);
    if plan.expire_token {
        if let Some(token) = token.as_deref() {
            state.oauth.expire_access(token, now);
        }
        return QboFault::authentication_failed().into_response_at(&time);
    }
    let permit = match state.throttle.acquire(&realm_id, is_batch) {
        Ok(permit) => permit,
        Err(refusal) => {
            let fault = QboFault::throttled(&format!("Request has been throttled ({refusal:?})"));
            return if plan.xml_throttle {
                fault.into_xml_response_at(&time)
            } else {
                fault.into_response_at(&time)
            };
        }
    };
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    if let Some(status) = plan.error_status {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return QboFault::system(status).into_response_at(&now_text(&state, &realm_id));
    }
    if plan.drop_connection {
        return dropped_connection();
    }
    let response = next.run(request).await;
    drop(permit);
    if plan.malformed || plan.truncated {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
        let broken = if plan.truncated {
            faults::truncate(&bytes)
        } else {
            faults::malform(&bytes)
        };
        let mut response = Response::from_parts(parts, Body::from(broken));
        response.headers_mut().remove(header::CONTENT_LENGTH);
        return response;
    }
    response
}

/// An answer whose body fails at once: the server aborts the connection.
fn dropped_connection() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "qbo-sim: connection dropped on purpose",
        ))
    });
    let mut response = Response::new(Body::from_stream(stream));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    response
}

fn with_realm<T>(state: &SimState, realm_id: &str, f: impl FnOnce(&RealmData) -> T) -> Option<T> {
    let handle = state.store.realm(realm_id)?;
    let realm = handle.read().ok()?;
    Some(f(&realm))
}

fn ok(body: Value) -> Response {
    json_response(StatusCode::OK, &body)
}

/// Runs one statement against a realm: the `QueryResponse` object.
pub fn run_query(state: &SimState, realm_id: &str, statement: &str) -> Result<Value, QboFault> {
    let parsed = query::parse(statement).map_err(|e| QboFault::query_parser(e.0))?;
    with_realm(state, realm_id, |realm| query::execute(&parsed, realm))
        .ok_or_else(QboFault::authorization_failed)?
        .map_err(|e| QboFault::query_parser(e.0))
}

fn answer_query(state: &SimState, realm_id: &str, statement: &str) -> Response {
    let time = now_text(state, realm_id);
    let answer = query::parse(statement)
        .map_err(|e| QboFault::query_parser(e.0))
        .and_then(|parsed| {
            with_realm(state, realm_id, |realm| query::execute_text(&parsed, realm))
                .ok_or_else(QboFault::authorization_failed)?
                .map_err(|e| QboFault::query_parser(e.0))
        });
    match answer {
        // Rows are spliced in as cached JSON text: no clone, no re-serialisation.
        Ok(inner) => json_text_response(format!("{{\"QueryResponse\":{inner},\"time\":\"{time}\"}}")),
        Err(fault) => fault.into_response_at(&time),
    }
}

fn json_text_response(text: String) -> Response {
    let mut response = Response::new(Body::from(text));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

async fn query_get(
    State(state): State<Shared>,
    Path(realm_id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    match params.get("query") {
        Some(statement) => answer_query(&state, &realm_id, statement),
        None => QboFault::query_parser("query parameter is missing").into_response_at(&now_text(&state, &realm_id)),
    }
}

async fn query_post(State(state): State<Shared>, Path(realm_id): Path<String>, body: String) -> Response {
    answer_query(&state, &realm_id, &body)
}

async fn cdc_get(
    State(state): State<Shared>,
    Path(realm_id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let time = now_text(&state, &realm_id);
    let now = state.clock.now();
    let entities = params.get("entities").map(String::as_str).unwrap_or_default();
    let Some(since) = params.get("changedSince") else {
        return QboFault::invalid_request("changedSince is required").into_response_at(&time);
    };
    let answer = with_realm(&state, &realm_id, |realm| cdc::changes(realm, entities, since, now))
        .unwrap_or_else(|| Err(QboFault::authorization_failed()));
    match answer {
        Ok(cdc) => ok(json!({ "CDCResponse": cdc, "time": time })),
        Err(fault) => fault.into_response_at(&time),
    }
}

async fn batch(State(state): State<Shared>, Path(realm_id): Path<String>, body: Bytes) -> Response {
    let time = now_text(&state, &realm_id);
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return QboFault::invalid_request(format!("Batch body is not JSON: {e}")).into_response_at(&time),
    };
    let Some(items) = request.get("BatchItemRequest").and_then(Value::as_array) else {
        return QboFault::invalid_request("BatchItemRequest is required").into_response_at(&time);
    };
    if items.len() > BATCH_MAX_ITEMS {
        return QboFault::invalid_request(format!(
            "Number of items in the batch request exceeds the limit of {BATCH_MAX_ITEMS}"
        ))
        .into_response_at(&time);
    }
    // Items run serially, in the order sent.
    let mut answers = Vec::with_capacity(items.len());
    for item in items {
        let b_id = item.get("bId").cloned().unwrap_or(Value::Null);
        let answer = match item.get("Query").and_then(Value::as_str) {
            Some(statement) => match run_query(&state, &realm_id, statement) {
                Ok(result) => json!({ "bId": b_id, "QueryResponse": result }),
                Err(fault) => json!({ "bId": b_id, "Fault": fault.batch_item() }),
            },
            None => json!({
                "bId": b_id,
                "Fault": QboFault::invalid_request("The look-alike answers Query batch items only").batch_item(),
            }),
        };
        answers.push(answer);
    }
    ok(json!({ "BatchItemResponse": answers, "time": time }))
}

async fn report(
    State(state): State<Shared>,
    Path((realm_id, name)): Path<(String, String)>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let time = now_text(&state, &realm_id);
    let now = state.clock.now();
    let limit = state
        .faults
        .get(&realm_id)
        .report_cell_limit
        .unwrap_or(reports::DEFAULT_CELL_LIMIT);
    let answer = with_realm(&state, &realm_id, |realm| {
        reports::run(realm, &name, &params, now, limit)
    })
    .unwrap_or_else(|| Err(QboFault::authorization_failed()));
    match answer {
        Ok(body) => ok(body),
        Err(fault) => fault.into_response_at(&time),
    }
}

async fn company_info(State(state): State<Shared>, Path((realm_id, id)): Path<(String, String)>) -> Response {
    let time = now_text(&state, &realm_id);
    if id != realm_id {
        return QboFault::not_found("CompanyInfo", &id).into_response_at(&time);
    }
    match with_realm(&state, &realm_id, |realm| realm.get(Kind::CompanyInfo, 1).cloned()).flatten() {
        Some(info) => ok(json!({ "CompanyInfo": info, "time": time })),
        None => QboFault::not_found("CompanyInfo", &id).into_response_at(&time),
    }
}

/// `GET preferences`: the realm's one `Preferences` object.
async fn preferences(State(state): State<Shared>, Path(realm_id): Path<String>) -> Response {
    let time = now_text(&state, &realm_id);
    match with_realm(&state, &realm_id, |realm| realm.get(Kind::Preferences, 1).cloned()).flatten() {
        Some(prefs) => ok(json!({ "Preferences": prefs, "time": time })),
        None => QboFault::not_found("Preferences", "1").into_response_at(&time),
    }
}

async fn read_one(
    State(state): State<Shared>,
    Path((realm_id, entity, id)): Path<(String, String, String)>,
) -> Response {
    let time = now_text(&state, &realm_id);
    let Some(kind) = Kind::parse(&entity).filter(|k| *k != Kind::CompanyInfo) else {
        return QboFault::invalid_request(format!("Unsupported entity: {entity}")).into_response_at(&time);
    };
    let row = id
        .parse::<u64>()
        .ok()
        .and_then(|n| with_realm(&state, &realm_id, |realm| realm.get(kind, n).cloned()).flatten());
    match row {
        Some(row) => ok(json!({ kind.json_key(): row, "time": time })),
        None => QboFault::not_found(kind.name(), &id).into_response_at(&time),
    }
}

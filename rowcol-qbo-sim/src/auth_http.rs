//! HTTP face of the authorization server: authorize (redirects at once with a
//! code), token (form-encoded; the app authenticates with HTTP Basic or with
//! `client_id` and `client_secret` in the form, as Intuit's discovery
//! document allows), revoke, and a discovery document
//! so Intuit's own OAuth client can be pointed at the look-alike.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};

use crate::oauth::OAuthError;
use crate::qbo_fault::json_response;
use crate::server::SimState;

type Shared = Arc<SimState>;

/// Path of the token endpoint.
pub const TOKEN_PATH: &str = "/oauth2/v1/tokens/bearer";
/// Path of the revoke endpoint.
pub const REVOKE_PATH: &str = "/oauth2/v1/tokens/revoke";
/// Path of the authorize endpoint.
pub const AUTHORIZE_PATH: &str = "/connect/oauth2";
/// Path of the discovery document (give `{base}{DISCOVERY_PATH}` as intuitlib's `environment`).
pub const DISCOVERY_PATH: &str = "/.well-known/openid_configuration";

/// OAuth routes.
pub fn routes() -> Router<Shared> {
    Router::new()
        .route(AUTHORIZE_PATH, get(authorize))
        .route("/oauth2/v1/authorize", get(authorize))
        .route(TOKEN_PATH, post(token))
        .route(REVOKE_PATH, post(revoke))
        .route(DISCOVERY_PATH, get(discovery))
        .route("/.well-known/openid_sandbox_configuration", get(discovery))
}

async fn discovery(State(state): State<Shared>) -> Response {
    let base = &state.base_url;
    json_response(
        StatusCode::OK,
        &json!({
            "issuer": format!("{base}/op/v1"),
            "authorization_endpoint": format!("{base}{AUTHORIZE_PATH}"),
            "token_endpoint": format!("{base}{TOKEN_PATH}"),
            "userinfo_endpoint": format!("{base}/v1/openid_connect/userinfo"),
            "revocation_endpoint": format!("{base}{REVOKE_PATH}"),
            "jwks_uri": format!("{base}/op/v1/jwks"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "scopes_supported": ["openid", "email", "profile", "address", "phone", "com.intuit.quickbooks.accounting"],
        }),
    )
}

/// Redirects at once to `redirect_uri` with `code`, `state` and `realmId`.
/// The realm is the `realmId` parameter (a look-alike extension) or the first realm.
async fn authorize(State(state): State<Shared>, Query(params): Query<HashMap<String, String>>) -> Response {
    let client_ok = params
        .get("client_id")
        .is_some_and(|id| *id == state.oauth.config().client_id);
    let Some(redirect) = params.get("redirect_uri").filter(|_| client_ok) else {
        return (StatusCode::BAD_REQUEST, "invalid client_id or missing redirect_uri").into_response();
    };
    let realm = params
        .get("realmId")
        .cloned()
        .or_else(|| state.store.realm_ids().into_iter().next())
        .unwrap_or_default();
    if state.store.realm(&realm).is_none() {
        return (StatusCode::BAD_REQUEST, "unknown realmId").into_response();
    }
    let code = state.oauth.issue_code(&realm, state.clock.now());
    let separator = if redirect.contains('?') { '&' } else { '?' };
    let mut location = format!("{redirect}{separator}code={code}&realmId={realm}");
    if let Some(s) = params.get("state") {
        location.push_str("&state=");
        location.push_str(&percent_encode(s));
    }
    let mut response = StatusCode::FOUND.into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn oauth_error(error: OAuthError) -> Response {
    let status = match error {
        OAuthError::InvalidClient => StatusCode::UNAUTHORIZED,
        _ => StatusCode::BAD_REQUEST,
    };
    json_response(status, &json!({ "error": error.to_string() }))
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// The app's credentials from the form body (`client_secret_post`).
fn posted_credentials(form: &HashMap<String, String>) -> Option<(String, String)> {
    Some((form.get("client_id")?.clone(), form.get("client_secret")?.clone()))
}

/// The token endpoint: the app authenticates with HTTP Basic
/// (`client_secret_basic`) or, when no `Authorization` header is sent, with
/// `client_id` and `client_secret` in the form (`client_secret_post`). A
/// request using both is refused, as RFC 6749 section 2.3 asks.
async fn token(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let form = parse_form(&body);
    let credentials = match (basic_credentials(&headers), posted_credentials(&form)) {
        (Some(_), Some(_)) => return oauth_error(OAuthError::InvalidRequest),
        (Some(basic), None) => basic,
        (None, Some(posted)) => posted,
        (None, None) => return oauth_error(OAuthError::InvalidClient),
    };
    if let Err(e) = state.oauth.check_client(&credentials.0, &credentials.1) {
        return oauth_error(e);
    }
    let now = state.clock.now();
    let answer = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => match form.get("code") {
            Some(code) => state.oauth.exchange_code(code, now).map(|(_, pair)| pair),
            None => Err(OAuthError::InvalidRequest),
        },
        Some("refresh_token") => match form.get("refresh_token") {
            Some(rt) => state.oauth.refresh(rt, now),
            None => Err(OAuthError::InvalidRequest),
        },
        Some(_) => Err(OAuthError::UnsupportedGrantType),
        None => Err(OAuthError::InvalidRequest),
    };
    match answer {
        Ok(pair) => json_response(StatusCode::OK, &serde_json::to_value(pair).unwrap_or(Value::Null)),
        Err(e) => oauth_error(e),
    }
}

/// Revoke takes `{"token": ...}` as JSON (Intuit's form) or form-encoded.
async fn revoke(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let Some((id, secret)) = basic_credentials(&headers) else {
        return oauth_error(OAuthError::InvalidClient);
    };
    if let Err(e) = state.oauth.check_client(&id, &secret) {
        return oauth_error(e);
    }
    let token = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("token").and_then(Value::as_str).map(str::to_string))
        .or_else(|| parse_form(&body).get("token").cloned());
    match token {
        Some(token) => {
            // Intuit answers 200 whether or not the token was known.
            state.oauth.revoke(&token);
            StatusCode::OK.into_response()
        }
        None => oauth_error(OAuthError::InvalidRequest),
    }
}

/// Parses `a=1&b=two` with percent-decoding and `+` as space.
pub fn parse_form(body: &[u8]) -> HashMap<String, String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = text.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_round_trip() {
        let form = parse_form(b"grant_type=refresh_token&refresh_token=a%2Bb+c&empty=");
        assert_eq!(form["grant_type"], "refresh_token");
        assert_eq!(form["refresh_token"], "a+b c");
        assert_eq!(form["empty"], "");
        assert_eq!(percent_encode("a b/c"), "a%20b%2Fc");
    }
}

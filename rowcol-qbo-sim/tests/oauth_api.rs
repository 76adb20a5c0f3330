//! OAuth over real HTTP: code flow, expiry, rotation, revoke, 401 Fault, intuit_tid.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use chrono::Duration;
use common::sim;
use rowcol_qbo_sim::Size;
use serde_json::Value;

async fn token_call(s: &common::Sim, form: &[(&str, &str)]) -> (u16, Value) {
    let r = s
        .http
        .post(format!("{}/oauth2/v1/tokens/bearer", s.server.base_url()))
        .basic_auth("sim-client-id", Some("sim-client-secret"))
        .form(form)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn no_or_bad_token_is_authentication_failed() {
    let s = sim(Size::Small).await;
    let r = s
        .http
        .get(s.url("query?query=select%20*%20from%20Bill"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("intuit_tid"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["Fault"]["type"], "AuthenticationFault");
    assert_eq!(body["Fault"]["Error"][0]["code"], "3200");
    assert!(
        body["Fault"]["Error"][0]["Message"]
            .as_str()
            .unwrap()
            .contains("AuthenticationFailed")
    );
    let r = s
        .http
        .get(s.url("query?query=select%20*%20from%20Bill"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn code_flow_expiry_rotation_and_revoke() {
    let mut s = sim(Size::Small).await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirects
        .get(format!("{}/connect/oauth2", s.server.base_url()))
        .query(&[
            ("client_id", "sim-client-id"),
            ("redirect_uri", "http://localhost/cb"),
            ("state", "xyz"),
            ("response_type", "code"),
            ("scope", "com.intuit.quickbooks.accounting"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("http://localhost/cb?code="), "{location}");
    assert!(location.contains(&format!("realmId={}", s.realm)) && location.contains("state=xyz"));
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_string();
    let (status, tokens) = token_call(
        &s,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://localhost/cb"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "bearer");
    assert_eq!(tokens["expires_in"], 3600);
    assert!(tokens["x_refresh_token_expires_in"].as_i64().unwrap() > 0);
    // The code is good once.
    let (status, body) = token_call(&s, &[("grant_type", "authorization_code"), ("code", &code)]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    // Bad client.
    let r = s
        .http
        .post(format!("{}/oauth2/v1/tokens/bearer", s.server.base_url()))
        .basic_auth("sim-client-id", Some("wrong"))
        .form(&[("grant_type", "refresh_token")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    s.token = tokens["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.query("select count(*) from Bill").await.0, 200);
    // Expiry: one hour later on the server clock.
    s.server.admin().advance_clock(Duration::seconds(3601));
    assert_eq!(s.query("select count(*) from Bill").await.0, 401);
    // Rotation: a new refresh token; the old one is spent.
    let old_refresh = tokens["refresh_token"].as_str().unwrap();
    let (status, fresh) = token_call(&s, &[("grant_type", "refresh_token"), ("refresh_token", old_refresh)]).await;
    assert_eq!(status, 200);
    assert_ne!(fresh["refresh_token"], tokens["refresh_token"]);
    let (status, body) = token_call(&s, &[("grant_type", "refresh_token"), ("refresh_token", old_refresh)]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    s.token = fresh["access_token"].as_str().unwrap().to_string();
    assert_eq!(s.query("select count(*) from Bill").await.0, 200);
    // Revoke kills the grant.
    let r = s
        .http
        .post(format!("{}/oauth2/v1/tokens/revoke", s.server.base_url()))
        .basic_auth("sim-client-id", Some("sim-client-secret"))
        .json(&serde_json::json!({ "token": fresh["refresh_token"] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(s.query("select count(*) from Bill").await.0, 401);
    let (status, _) = token_call(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", fresh["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn token_of_another_realm_is_refused() {
    let s = common::sim_with(rowcol_qbo_sim::SimConfig {
        portfolio: common::spec(Size::Empty, 2),
        ..Default::default()
    })
    .await;
    let other = s.server.admin().realm_ids()[1].clone();
    let r = s
        .http
        .get(format!(
            "{}/v3/company/{other}/query?query=select%20*%20from%20Bill",
            s.server.base_url()
        ))
        .bearer_auth(&s.token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn the_app_may_authenticate_by_basic_or_in_the_form_but_not_both() {
    let s = sim(Size::Small).await;
    let url = format!("{}/oauth2/v1/tokens/bearer", s.server.base_url());
    let refresh = s.server.admin().issue_tokens(&s.realm).refresh_token;
    // client_secret_post: the app's id and secret in the form body.
    let r = s
        .http
        .post(&url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", "sim-client-id"),
            ("client_secret", "sim-client-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let fresh: Value = r.json().await.unwrap();
    // client_secret_basic still works with the rotated token.
    let (status, body) = token_call(
        &s,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", fresh["refresh_token"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // A wrong secret in the form is invalid_client, as by Basic.
    let r = s
        .http
        .post(&url)
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
            ("client_id", "sim-client-id"),
            ("client_secret", "wrong"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    // Both methods in one request: RFC 6749 section 2.3 forbids it.
    let r = s
        .http
        .post(&url)
        .basic_auth("sim-client-id", Some("sim-client-secret"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", body["refresh_token"].as_str().unwrap()),
            ("client_id", "sim-client-id"),
            ("client_secret", "sim-client-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_request");
    // The discovery document lists both methods.
    let discovery: Value = s
        .http
        .get(format!("{}/.well-known/openid_configuration", s.server.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let methods = discovery["token_endpoint_auth_methods_supported"].as_array().unwrap();
    assert!(methods.contains(&Value::from("client_secret_post")), "{discovery}");
    assert!(methods.contains(&Value::from("client_secret_basic")), "{discovery}");
}

#[tokio::test]
async fn a_look_alike_with_its_own_app_refuses_the_default_credentials() {
    let s = common::sim_with(rowcol_qbo_sim::SimConfig {
        portfolio: common::spec(Size::Empty, 1),
        oauth: rowcol_qbo_sim::OAuthConfig {
            client_id: "my-app".into(),
            client_secret: "my-secret".into(),
            ..rowcol_qbo_sim::OAuthConfig::default()
        },
        ..Default::default()
    })
    .await;
    let refresh = s.server.admin().issue_tokens(&s.realm).refresh_token;
    let (status, body) = token_call(
        &s,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())],
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    let r = s
        .http
        .post(format!("{}/oauth2/v1/tokens/bearer", s.server.base_url()))
        .basic_auth("my-app", Some("my-secret"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

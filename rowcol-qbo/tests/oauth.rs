//! OAuth against the look-alike: connecting, refresh on 401, rotation that
//! survives a crash, one refresh for many concurrent callers and for two
//! processes, and `invalid_grant` that stops at once without leaking tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use rowcol_core::ports::PageRequest;
use rowcol_core::{
    ClientId, CredentialStore, EntityKind, ErrorContext, LedgerRail, OAuthTokens, Rail, RailCredentials, RailErrorKind,
    Result, RowcolError, StoreErrorKind, SystemClock,
};
use rowcol_qbo::{QboConfig, QboRail};
use rowcol_qbo_sim::Size;
use secrecy::{ExposeSecret, SecretString};

use common::{fast_policy, harness};

fn one_page() -> Vec<PageRequest> {
    vec![PageRequest {
        kind: EntityKind::Term,
        cursor: None,
    }]
}

async fn stored(store: &dyn CredentialStore, client: &ClientId) -> OAuthTokens {
    let stored = store.load_credentials(client, Rail::Qbo).await.unwrap().unwrap();
    stored.oauth().expect("QBO credentials are OAuth tokens").clone()
}

#[tokio::test]
async fn a_401_refreshes_once_then_succeeds_and_the_rotation_is_stored() {
    let h = harness(Size::Small).await;
    let rail = h.rail();
    let before = stored(h.store.as_ref(), &h.connection.client).await;
    rail.list_pages(&h.connection, &one_page()).await.unwrap();
    h.sim.admin().expire_access_tokens(&h.realm);
    rail.list_pages(&h.connection, &one_page()).await.unwrap();
    assert_eq!(rail.token_calls(), 1);
    assert_eq!(rail.total_calls(), 3, "ok, 401, ok");
    let after = stored(h.store.as_ref(), &h.connection.client).await;
    assert_ne!(
        before.refresh_token.expose_secret(),
        after.refresh_token.expose_secret(),
        "the rotated refresh token is stored"
    );
}

#[tokio::test]
async fn connecting_exchanges_the_code_and_saves_the_tokens() {
    let h = harness(Size::Small).await;
    let rail = h.rail();
    let mut url = rail.authorization_url("csrf-123");
    url.query_pairs_mut().append_pair("realmId", &h.realm);
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = no_redirects.get(url).send().await.unwrap();
    let location = reqwest::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    let param = |name: &str| {
        location
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    assert_eq!(param("state"), "csrf-123");
    let before = stored(h.store.as_ref(), &h.connection.client).await;
    let connection = rail
        .connect(&h.connection.client, &param("realmId").parse().unwrap(), &param("code"))
        .await
        .unwrap();
    assert_eq!(connection.realm, h.connection.realm);
    let after = stored(h.store.as_ref(), &h.connection.client).await;
    assert!(!after.same_tokens(&before));
    rail.list_pages(&connection, &one_page()).await.unwrap();
}

/// A credential store that saves, then fails as if the process died before
/// it could use what it saved.
struct CrashAfterSave(Arc<dyn CredentialStore>);

#[async_trait]
impl CredentialStore for CrashAfterSave {
    async fn save_credentials(&self, client: &ClientId, rail: Rail, credentials: &RailCredentials) -> Result<()> {
        self.0.save_credentials(client, rail, credentials).await?;
        Err(RowcolError::store(
            StoreErrorKind::Invalid,
            ErrorContext::client(client),
            "crashed after saving",
        ))
    }

    async fn load_credentials(&self, client: &ClientId, rail: Rail) -> Result<Option<RailCredentials>> {
        self.0.load_credentials(client, rail).await
    }
}

#[tokio::test]
async fn a_rotation_survives_a_crash_between_refresh_and_use() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    let original = stored(h.store.as_ref(), &h.connection.client).await;
    let crashing = QboRail::new(
        QboConfig::for_sim(&h.sim.base_url()).unwrap(),
        Arc::new(CrashAfterSave(h.store.clone())),
        h.store.clone(),
        Arc::new(fast_policy()),
        Arc::new(SystemClock),
    )
    .unwrap();
    admin.expire_access_tokens(&h.realm);
    let err = crashing.list_pages(&h.connection, &one_page()).await.unwrap_err();
    assert!(err.store_kind().is_some(), "{err}");
    drop(crashing);

    // The "restarted" process finds the rotated token and can refresh with it.
    let rotated = stored(h.store.as_ref(), &h.connection.client).await;
    assert!(!rotated.same_tokens(&original));
    let second = h.rail_with(QboConfig::for_sim(&h.sim.base_url()).unwrap(), fast_policy());
    admin.expire_access_tokens(&h.realm);
    second.list_pages(&h.connection, &one_page()).await.unwrap();
    assert_eq!(second.token_calls(), 1);
}

#[tokio::test]
async fn concurrent_callers_and_two_processes_spend_one_refresh_token() {
    let h = harness(Size::Small).await;
    let admin = h.sim.admin();
    // Two "processes": two rails, two connections to the same database file.
    let other_store = h.second_store().await;
    let a = Arc::new(h.rail());
    let b = Arc::new(
        QboRail::new(
            QboConfig::for_sim(&h.sim.base_url()).unwrap(),
            other_store.clone(),
            other_store.clone(),
            Arc::new(fast_policy()),
            Arc::new(SystemClock),
        )
        .unwrap(),
    );
    a.list_pages(&h.connection, &one_page()).await.unwrap();
    b.list_pages(&h.connection, &one_page()).await.unwrap();
    admin.expire_access_tokens(&h.realm);

    let mut tasks = Vec::new();
    for i in 0..12 {
        let rail = if i % 2 == 0 { Arc::clone(&a) } else { Arc::clone(&b) };
        let connection = h.connection.clone();
        tasks.push(tokio::spawn(
            async move { rail.list_pages(&connection, &one_page()).await },
        ));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(a.token_calls() + b.token_calls(), 1, "one refresh in all");
}

#[tokio::test]
async fn invalid_grant_stops_at_once_and_errors_never_show_tokens() {
    let h = harness(Size::Small).await;
    let dead = RailCredentials::OAuth(OAuthTokens {
        access_token: SecretString::from("access-SECRET-aaaa"),
        access_expires_at: chrono::Utc::now() - chrono::Duration::minutes(1),
        refresh_token: SecretString::from("refresh-SECRET-bbbb"),
        refresh_expires_at: None,
    });
    h.store
        .save_credentials(&h.connection.client, Rail::Qbo, &dead)
        .await
        .unwrap();
    let rail = h.rail();
    let err = rail.list_pages(&h.connection, &one_page()).await.unwrap_err();
    assert_eq!(err.rail_kind(), Some(&RailErrorKind::NeedsReauth));
    assert!(!err.retryable());
    assert_eq!(rail.token_calls(), 1, "never retried");
    assert_eq!(rail.total_calls(), 0, "no API call without a token");
    for text in [err.to_string(), format!("{err:?}"), format!("{rail:?}")] {
        assert!(!text.contains("SECRET"), "{text}");
        assert!(!text.contains("sim-client-secret"), "{text}");
    }
    assert!(err.to_string().contains("invalid_grant"), "{err}");
}

/// Issue 19: an `invalid_grant` from a server that is not the configured
/// authorization server (its discovery document names another issuer, or
/// it has none) is a configuration error, not a dead connection.
#[tokio::test]
async fn invalid_grant_from_a_server_with_another_issuer_is_a_configuration_error() {
    let h = harness(Size::Small).await;
    let dead = RailCredentials::OAuth(OAuthTokens {
        access_token: SecretString::from("access-SECRET-aaaa"),
        access_expires_at: chrono::Utc::now() - chrono::Duration::minutes(1),
        refresh_token: SecretString::from("refresh-SECRET-bbbb"),
        refresh_expires_at: None,
    });
    h.store
        .save_credentials(&h.connection.client, Rail::Qbo, &dead)
        .await
        .unwrap();
    let base = h.sim.base_url();
    // Configured for Intuit, but the traffic reaches the look-alike.
    let mut intuit = QboConfig::for_sim(&base).unwrap();
    intuit.issuer = rowcol_qbo::PRODUCTION_ISSUER.to_owned();
    // A server with no discovery document at the configured place.
    let mut elsewhere = QboConfig::for_sim(&base).unwrap();
    elsewhere.discovery_url = format!("{base}/no/discovery/here").parse().unwrap();
    for (config, found) in [
        (intuit, format!("found {base}/op/v1")),
        (elsewhere, "found no issuer".to_owned()),
    ] {
        let rail = h.rail_with(config, fast_policy());
        let err = rail.list_pages(&h.connection, &one_page()).await.unwrap_err();
        assert_eq!(err.rail_kind(), Some(&RailErrorKind::Invalid), "{err}");
        let rowcol_core::RowcolError::Rail { failure, .. } = &err else {
            panic!("{err}")
        };
        assert_eq!(
            failure.code.as_deref(),
            Some(rowcol_qbo::ISSUER_MISMATCH),
            "faces map it to configuration"
        );
        assert!(!err.retryable());
        assert!(err.to_string().contains("expected issuer"), "{err}");
        assert!(err.to_string().contains(&found), "{err}");
        assert!(!err.to_string().contains("SECRET"), "{err}");
        assert_eq!(rail.token_calls(), 1, "never retried");
    }
    // The look-alike's own issuer: invalid_grant is believed.
    let err = h.rail().list_pages(&h.connection, &one_page()).await.unwrap_err();
    assert_eq!(err.rail_kind(), Some(&RailErrorKind::NeedsReauth), "{err}");
}

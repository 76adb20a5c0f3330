//! Shared set-up of the integration tests: a look-alike on an ephemeral
//! port, a SQLite mirror as credential and lease store, and a `QboRail`
//! with a fast retry policy.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // shared by several test crates; a failed unwrap is a failed test

use rowcol_core::Registry;
use std::sync::Arc;
use std::time::Duration;

use rowcol_core::{
    Advisor, Client, ClientId, Connection, ConnectionStatus, CredentialStore, Currency, OAuthTokens, Rail,
    RailCredentials, RateLimit, RealmId, RetrySettings, StandardPolicy, SystemClock,
};
use rowcol_mirror::{CredentialKey, SqliteMirror};
use rowcol_qbo::{QboConfig, QboRail};
use rowcol_qbo_sim::{PortfolioSpec, SimConfig, SimServer, Size, ThrottleConfig, TokenPair};
use secrecy::SecretString;

/// A policy with millisecond backoffs so retry tests stay fast.
pub fn fast_policy() -> StandardPolicy {
    StandardPolicy {
        retry: RetrySettings {
            max_attempts: 6,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(40),
            throttle_wait: Duration::from_millis(30),
        },
        ..StandardPolicy::default()
    }
}

/// Everything a test needs.
pub struct Harness {
    pub sim: SimServer,
    pub realm: String,
    pub store: Arc<SqliteMirror>,
    pub connection: Connection,
    pub db_path: std::path::PathBuf,
    pub key: CredentialKey,
    pub _dir: tempfile::TempDir,
}

pub fn sim_config(size: Size) -> SimConfig {
    SimConfig {
        portfolio: PortfolioSpec {
            seed: 11,
            realms: 1,
            size,
            ..PortfolioSpec::default()
        },
        ..SimConfig::default()
    }
}

pub async fn harness(size: Size) -> Harness {
    harness_with(sim_config(size)).await
}

pub async fn harness_with(config: SimConfig) -> Harness {
    let sim = rowcol_qbo_sim::start(config).await.unwrap();
    let realm = sim.admin().realm_ids()[0].clone();
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("mirror.db");
    let key = CredentialKey::generate();
    let store = Arc::new(
        SqliteMirror::open(db_path.to_str().unwrap(), key.clone())
            .await
            .unwrap(),
    );
    let client: ClientId = "acme".parse().unwrap();
    store
        .upsert_advisor(&Advisor {
            id: "jane".parse().unwrap(),
            name: "Jane".into(),
        })
        .await
        .unwrap();
    let realm_id: RealmId = realm.parse().unwrap();
    let connection = Connection {
        client: client.clone(),
        rail: Rail::Qbo,
        realm: realm_id,
        status: ConnectionStatus::Active,
    };
    store
        .upsert_client(&Client {
            id: client.clone(),
            advisor: "jane".parse().unwrap(),
            name: "Acme".into(),
            home_currency: Currency::USD,
            connections: vec![connection.clone()],
        })
        .await
        .unwrap();
    let pair = sim.admin().issue_tokens(&realm);
    store
        .save_credentials(&client, Rail::Qbo, &credentials(&pair))
        .await
        .unwrap();
    Harness {
        sim,
        realm,
        store,
        connection,
        db_path,
        key,
        _dir: dir,
    }
}

pub fn credentials(pair: &TokenPair) -> RailCredentials {
    let now = chrono::Utc::now();
    RailCredentials::OAuth(OAuthTokens {
        access_token: SecretString::from(pair.access_token.clone()),
        access_expires_at: now + chrono::Duration::seconds(pair.expires_in),
        refresh_token: SecretString::from(pair.refresh_token.clone()),
        refresh_expires_at: Some(now + chrono::Duration::seconds(pair.x_refresh_token_expires_in)),
    })
}

impl Harness {
    /// A rail over the harness's store with the fast policy.
    pub fn rail(&self) -> QboRail {
        self.rail_with(QboConfig::for_sim(&self.sim.base_url()).unwrap(), fast_policy())
    }

    pub fn rail_with(&self, config: QboConfig, policy: StandardPolicy) -> QboRail {
        QboRail::new(
            config,
            self.store.clone(),
            self.store.clone(),
            Arc::new(policy),
            Arc::new(SystemClock),
        )
        .unwrap()
    }

    /// A second store on the same database file: another "process".
    pub async fn second_store(&self) -> Arc<SqliteMirror> {
        Arc::new(
            SqliteMirror::open(self.db_path.to_str().unwrap(), self.key.clone())
                .await
                .unwrap(),
        )
    }
}

/// Limits that make the look-alike throttle quickly: `per_window` requests
/// per `window`, `in_flight` at once.
pub fn throttle(window: Duration, per_window: usize, in_flight: u64) -> ThrottleConfig {
    ThrottleConfig {
        enabled: true,
        window,
        requests_per_window: per_window,
        batch_per_window: per_window,
        max_concurrent: in_flight,
    }
}

pub fn rate(per_window: u32, in_flight: u32) -> RateLimit {
    RateLimit {
        per_minute: per_window,
        max_in_flight: in_flight,
    }
}

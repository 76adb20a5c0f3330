//! Shared helpers: start a look-alike in-process and talk HTTP to it.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use rowcol_qbo_sim::{PortfolioSpec, SimConfig, SimServer, Size, ThrottleConfig, start};
use serde_json::Value;

pub struct Sim {
    pub server: SimServer,
    pub http: reqwest::Client,
    pub realm: String,
    pub token: String,
}

pub fn spec(size: Size, realms: usize) -> PortfolioSpec {
    PortfolioSpec {
        seed: 7,
        realms,
        size,
        ..PortfolioSpec::default()
    }
}

pub async fn sim_with(config: SimConfig) -> Sim {
    let server = start(config).await.unwrap();
    let realm = server.admin().realm_ids()[0].clone();
    let token = server.admin().issue_tokens(&realm).access_token;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    Sim {
        server,
        http,
        realm,
        token,
    }
}

pub async fn sim(size: Size) -> Sim {
    sim_with(SimConfig {
        portfolio: spec(size, 1),
        throttle: ThrottleConfig {
            enabled: false,
            ..ThrottleConfig::default()
        },
        ..SimConfig::default()
    })
    .await
}

impl Sim {
    pub fn url(&self, path: &str) -> String {
        format!("{}/v3/company/{}/{}", self.server.base_url(), self.realm, path)
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(&self.token)
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub async fn query(&self, statement: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url("query"))
            .query(&[("query", statement), ("minorversion", "75")])
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    pub async fn cdc(&self, entities: &str, since: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url("cdc"))
            .query(&[("entities", entities), ("changedSince", since), ("minorversion", "75")])
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }
}

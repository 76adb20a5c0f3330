//! `rowcol connect`: OAuth consent for one QBO company, with a local
//! redirect listener.

use std::collections::HashMap;

use axum::Router;
use axum::extract::Query;
use axum::routing::get;
use rowcol_core::{AdvisorId, Client, ClientId, Currency, RealmId};
use tokio::sync::mpsc;

use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::setup::{self, parse_id};

/// Registers the client, prints the consent URL, waits for QBO's redirect
/// on `listen`, exchanges the code and records the connection.
pub async fn run(config: &Config, client: &str, name: &str, currency: &str, listen: &str) -> CliResult {
    let client: ClientId = parse_id(client)?;
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let home_currency: Currency = currency
        .parse()
        .map_err(|e: rowcol_core::CurrencyError| CliError::Config(e.to_string()))?;
    let parts = setup::parts(config, &setup::holder_name("connect")).await?;
    parts
        .mirror
        .upsert_advisor(&rowcol_core::Advisor {
            id: advisor.clone(),
            name: config.advisor.clone(),
        })
        .await?;
    let mut record = Client {
        id: client.clone(),
        advisor,
        name: name.to_owned(),
        home_currency,
        connections: Vec::new(),
    };
    parts.mirror.upsert_client(&record).await?;

    let state = format!("rowcol-{}", setup::holder_name(client.as_str()));
    let (code, realm) = wait_for_redirect(listen, parts.rail.authorization_url(&state).as_ref(), &state).await?;
    let connection = parts.rail.connect(&client, &realm, &code).await?;
    record.connections.push(connection);
    parts.mirror.upsert_client(&record).await?;
    println!("connected {client} to QBO company {realm}; tokens stored encrypted");
    Ok(())
}

/// Serves the redirect URI until QBO calls it with `code` and `realmId`.
async fn wait_for_redirect(listen: &str, consent_url: &str, state: &str) -> CliResult<(String, RealmId)> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| CliError::Io(format!("cannot listen on {listen}: {e}")))?;
    println!("Open this address to connect the company:\n{consent_url}");
    eprintln!("waiting for the redirect on http://{listen}/callback ...");
    let (tx, mut rx) = mpsc::channel::<HashMap<String, String>>(1);
    let app = Router::new().route(
        "/callback",
        get(move |Query(params): Query<HashMap<String, String>>| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(params).await;
                "RowCol: the company is connected; you can close this window."
            }
        }),
    );
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let params = rx
        .recv()
        .await
        .ok_or_else(|| CliError::Io("the redirect listener stopped".into()))?;
    server.abort();
    if params.get("state").map(String::as_str) != Some(state) {
        return Err(CliError::Config(
            "the redirect's state does not match: refusing it".into(),
        ));
    }
    if let Some(error) = params.get("error") {
        return Err(CliError::Config(format!("QBO refused the connection: {error}")));
    }
    let code = params
        .get("code")
        .cloned()
        .ok_or_else(|| CliError::Config("the redirect carries no code".into()))?;
    let realm = parse_id(params.get("realmId").map_or("", String::as_str))?;
    Ok((code, realm))
}

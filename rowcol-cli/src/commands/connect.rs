//! `rowcol connect`: OAuth consent for one QBO company, with a local
//! redirect listener, or a bank Item linked through Plaid from Link's
//! public token. The page the browser lands on tells the truth: it says
//! the company is connected only once the tokens are stored, and otherwise
//! what failed, with a 4xx/5xx status.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::routing::get;
use rowcol_core::{AdvisorId, Client, ClientId, Currency, RealmId, RowcolError};
use secrecy::SecretString;
use tokio::sync::{mpsc, oneshot};

use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::setup::{self, parse_id};
use rowcol_stack::Stack;

/// The page the browser gets: a status and a line of text.
type Page = (StatusCode, String);

/// How long the listener may take to deliver the last page after the
/// outcome is known, before the command returns anyway.
const LAST_PAGE_GRACE: Duration = Duration::from_secs(5);

/// The client a connection is for, as given on the command line.
pub struct Asked<'a> {
    /// Its id.
    pub client: &'a str,
    /// Its display name (required for a client not registered yet).
    pub name: Option<&'a str>,
    /// Its home currency, for a new client.
    pub currency: &'a str,
}

/// Registers the client, prints the consent URL, waits for QBO's redirect
/// on `listen`, exchanges the code and records the connection; the
/// browser's page then says what happened.
pub async fn run(config: &Config, asked: &Asked<'_>, listen: &str) -> CliResult {
    let name = asked
        .name
        .ok_or_else(|| CliError::Usage("--name is required to connect a QBO company".into()))?;
    let client: ClientId = parse_id(asked.client)?;
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let home_currency = currency_of(asked)?;
    let parts = setup::parts(config, &rowcol_stack::holder_name("connect")).await?;
    upsert_advisor(&parts, config, &advisor).await?;
    let record = Client {
        id: client.clone(),
        advisor,
        name: name.to_owned(),
        home_currency,
        connections: Vec::new(),
    };
    parts.mirror.upsert_client(&record).await?;

    let state = format!("rowcol-{}", rowcol_stack::holder_name(client.as_str()));
    let mut listener = Listener::start(listen).await?;
    println!(
        "Open this address to connect the company:\n{}",
        qbo(&parts)?.authorization_url(&state).as_ref()
    );
    eprintln!("waiting for the redirect on http://{listen}/callback ...");
    let (params, reply) = listener.next().await?;
    let outcome = finish(&parts, record, &state, &params).await;
    let page = match &outcome {
        Ok(realm) => (
            StatusCode::OK,
            format!(
                "RowCol: {client} is connected to QBO company {realm} and its tokens are stored encrypted; you can close this window."
            ),
        ),
        Err(e) => (
            status_for(e),
            format!("RowCol could not link the company: {e}. Nothing was stored; see the terminal."),
        ),
    };
    listener.answer(reply, page).await;
    let realm = outcome?;
    println!("connected {client} to QBO company {realm}; tokens stored encrypted");
    Ok(())
}

/// Links a bank Item for the client: exchanges Link's `public_token`
/// through the Plaid rail, which seals the access token in the credential
/// store, and registers the Plaid connection (replacing an earlier one).
/// The client must be registered already, unless a name is given.
pub async fn plaid(config: &Config, asked: &Asked<'_>, public_token: Option<&str>) -> CliResult {
    let token = public_token.ok_or_else(|| {
        CliError::Usage(
            "--public-token (or ROWCOL_PLAID_PUBLIC_TOKEN) is required with --rail plaid: the token Plaid Link gave"
                .into(),
        )
    })?;
    let client: ClientId = parse_id(asked.client)?;
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let home_currency = currency_of(asked)?;
    let parts = setup::parts(config, &rowcol_stack::holder_name("connect")).await?;
    let rail = parts.plaid.as_deref().ok_or_else(|| {
        CliError::Config(
            "Plaid is not configured: set plaid.environment (or ROWCOL_PLAID_ENVIRONMENT) to production, sandbox or a look-alike's URL"
                .into(),
        )
    })?;
    upsert_advisor(&parts, config, &advisor).await?;
    let registered = parts
        .mirror
        .portfolio(&advisor)
        .await?
        .into_iter()
        .any(|c| c.id == client);
    match (registered, asked.name) {
        (true, _) => {}
        (false, Some(name)) => {
            let record = Client {
                id: client.clone(),
                advisor: advisor.clone(),
                name: name.to_owned(),
                home_currency,
                connections: Vec::new(),
            };
            parts.mirror.upsert_client(&record).await?;
        }
        (false, None) => {
            return Err(CliError::Usage(format!(
                "{client} is not registered: connect its QBO company first, or give --name to register it"
            )));
        }
    }
    let token = SecretString::from(token.to_owned());
    let connection = rowcol_stack::link_bank(parts.mirror.as_ref(), rail, &advisor, &client, &token).await?;
    let item = connection.realm;
    println!("connected {client} to Plaid Item {item}; access token stored encrypted");
    Ok(())
}

/// The home currency asked for.
fn currency_of(asked: &Asked<'_>) -> CliResult<Currency> {
    asked
        .currency
        .parse()
        .map_err(|e: rowcol_core::CurrencyError| CliError::Config(e.to_string()))
}

/// Registers the configured advisor (idempotent).
async fn upsert_advisor(parts: &Stack, config: &Config, advisor: &AdvisorId) -> CliResult {
    parts
        .mirror
        .upsert_advisor(&rowcol_core::Advisor {
            id: advisor.clone(),
            name: config.advisor.clone(),
        })
        .await?;
    Ok(())
}

/// Checks the redirect, exchanges the code and stores the connection.
async fn finish(
    parts: &Stack,
    mut record: Client,
    state: &str,
    params: &HashMap<String, String>,
) -> CliResult<RealmId> {
    let (code, realm) = read_redirect(params, state)?;
    let connection = qbo(parts)?.connect(&record.id, &realm, &code).await?;
    record.connections.push(connection);
    parts.mirror.upsert_client(&record).await?;
    Ok(realm)
}

/// The code and realm of a redirect carrying our `state`.
fn read_redirect(params: &HashMap<String, String>, state: &str) -> CliResult<(String, RealmId)> {
    if params.get("state").map(String::as_str) != Some(state) {
        return Err(CliError::Config(
            "the redirect's state does not match this consent request: refusing it".into(),
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

/// The page's status for a failed connect: 403 for a redirect that is not
/// ours, 400 for refused consent or a code QBO will not exchange, 502 when
/// QBO could not be reached, 500 otherwise (the mirror failed).
fn status_for(error: &CliError) -> StatusCode {
    match error {
        CliError::Config(message) if message.contains("state does not match") => StatusCode::FORBIDDEN,
        CliError::Config(_) | CliError::Rowcol(RowcolError::Id(_)) => StatusCode::BAD_REQUEST,
        CliError::Rowcol(RowcolError::Rail { .. }) if error.exit_code() == 3 => StatusCode::BAD_REQUEST,
        CliError::Rowcol(RowcolError::Rail { .. }) => StatusCode::BAD_GATEWAY,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The redirect listener: hands each request's query to the command and
/// answers with the page the command decides.
struct Listener {
    requests: mpsc::Receiver<(HashMap<String, String>, oneshot::Sender<Page>)>,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Listener {
    async fn start(listen: &str) -> CliResult<Listener> {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| CliError::Io(format!("cannot listen on {listen}: {e}")))?;
        let (tx, requests) = mpsc::channel(1);
        let app = Router::new().route(
            "/callback",
            get(move |Query(params): Query<HashMap<String, String>>| {
                let tx = tx.clone();
                async move {
                    let (reply, page) = oneshot::channel::<Page>();
                    if tx.send((params, reply)).await.is_err() {
                        return (
                            StatusCode::GONE,
                            "RowCol is no longer waiting for this redirect; see the terminal.".to_owned(),
                        );
                    }
                    page.await.unwrap_or((
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "RowCol stopped before finishing; see the terminal.".to_owned(),
                    ))
                }
            }),
        );
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Listener { requests, stop, server })
    }

    /// The first redirect's query, and where to send its page.
    async fn next(&mut self) -> CliResult<(HashMap<String, String>, oneshot::Sender<Page>)> {
        self.requests
            .recv()
            .await
            .ok_or_else(|| CliError::Io("the redirect listener stopped".into()))
    }

    /// Sends the page, then stops the listener once it is delivered (or
    /// after a short grace).
    async fn answer(self, reply: oneshot::Sender<Page>, page: Page) {
        // The browser may have gone; the terminal still says what happened.
        let _ = reply.send(page);
        drop(self.requests);
        let _ = self.stop.send(());
        let mut server = self.server;
        if tokio::time::timeout(LAST_PAGE_GRACE, &mut server).await.is_err() {
            server.abort();
        }
    }
}

/// The stack's QBO rail: `setup::parts` always wires one.
fn qbo(parts: &Stack) -> CliResult<&rowcol_qbo::QboRail> {
    parts
        .qbo
        .as_deref()
        .ok_or_else(|| CliError::Config("no QBO app is configured".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_redirects_get_a_client_error_status() {
        let state = "rowcol-s";
        let forged = read_redirect(&HashMap::from([("state".into(), "x".into())]), state).unwrap_err();
        assert_eq!(status_for(&forged), StatusCode::FORBIDDEN);
        let denied = read_redirect(
            &HashMap::from([("state".into(), state.into()), ("error".into(), "access_denied".into())]),
            state,
        )
        .unwrap_err();
        assert_eq!(status_for(&denied), StatusCode::BAD_REQUEST);
        assert_eq!(denied.exit_code(), 2);
    }
}

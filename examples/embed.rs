//! Embedding RowCol as a crate: connect QBO companies through OAuth, sync
//! them into a SQLite mirror, and compute the advisor's digest from it.
//!
//! QBO here is the local look-alike (`rowcol-qbo-sim`); against Intuit, use
//! `QboConfig::production(client_id, secret, redirect_uri)` and send the
//! advisor's browser to the consent URL instead of following it in code.
//!
//! `cargo run -p rowcol-examples --example embed`

use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::SyncTrigger;
use rowcol_core::{Advisor, AdvisorId, Client, Currency, StandardPolicy, SyncPolicy};
use rowcol_mirror::CredentialKey;
use rowcol_qbo::QboConfig;
use rowcol_qbo_sim::{PortfolioSpec, SimConfig, Size};
use rowcol_runway::DigestClock;
use rowcol_stack::Stack;
use rowcol_sync::portfolio::load_snapshots;

type Error = Box<dyn std::error::Error + Send + Sync>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    // QBO: three small companies in the look-alike.
    let qbo = rowcol_qbo_sim::start(SimConfig {
        portfolio: PortfolioSpec {
            realms: 3,
            size: Size::Small,
            ..PortfolioSpec::default()
        },
        ..SimConfig::default()
    })
    .await?;

    // The mirror: a SQLite file; the key seals the stored OAuth tokens.
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("books.db").display());
    let mirror = rowcol_mirror::open(&url, CredentialKey::generate()).await?;

    // The QBO rail and the sync engine over the mirror's ports.
    let Stack { qbo: rail, engine, .. } = Stack::builder(mirror.clone())
        .qbo(QboConfig::for_sim(&qbo.base_url())?)
        .holder("embed-example")
        .build()?;
    let rail = rail.ok_or("the stack was given a QBO app")?;

    // The advisor's clients, each connected through OAuth consent.
    let advisor: AdvisorId = "jane-cfo".parse()?;
    mirror
        .upsert_advisor(&Advisor {
            id: advisor.clone(),
            name: "Jane, fractional CFO".into(),
        })
        .await?;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    for (n, realm) in qbo.admin().realm_ids().into_iter().enumerate() {
        let mut client = Client {
            id: format!("client-{}", n + 1).parse()?,
            advisor: advisor.clone(),
            name: format!("Client {}", n + 1),
            home_currency: Currency::USD,
            connections: Vec::new(),
        };
        mirror.upsert_client(&client).await?;
        // The consent page redirects to our redirect URI with a one-time code.
        let consent = format!("{}&realmId={realm}", rail.authorization_url("example-state"));
        let redirect = browser.get(consent).send().await?;
        let location = redirect
            .headers()
            .get("location")
            .ok_or("consent did not redirect")?
            .to_str()?;
        let code = reqwest::Url::parse(location)?
            .query_pairs()
            .find(|(name, _)| name == "code")
            .map(|(_, code)| code.into_owned())
            .ok_or("the redirect carries no code")?;
        let connection = rail.connect(&client.id, &realm.parse()?, &code).await?;
        client.connections.push(connection);
        mirror.upsert_client(&client).await?;
    }

    // Sync every connection (a first full sync each), then read the digest.
    let connections = mirror.connections().await?;
    for (connection, result) in engine.sync_all(&connections, SyncTrigger::OnDemand, 4, |_, _| {}).await {
        let report = result?;
        println!(
            "{}: {} records in {} API calls",
            connection.client, report.counts.applied, report.counts.api_calls
        );
    }
    let now = qbo.admin().now();
    let clock = DigestClock {
        as_of: now.date_naive(),
        now,
        freshness_target: StandardPolicy::default().freshness_target(),
    };
    let snapshots = load_snapshots(&mirror, &advisor, SnapshotRequest::as_of(clock.as_of)).await?;
    let digest = rowcol_runway::digest(&snapshots, clock);
    println!("{}", rowcol_report::table(&digest));
    assert_eq!(digest.clients.len(), connections.len(), "every client is in the digest");
    qbo.stop().await;
    Ok(())
}

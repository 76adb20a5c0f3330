//! `qbo-sim`: serves a generated portfolio of QBO companies on loopback.

use std::net::SocketAddr;

use clap::Parser;
use rowcol_qbo_sim::{OAuthConfig, PortfolioSpec, SimConfig, Size, ThrottleConfig, start};

/// A local QuickBooks Online look-alike.
#[derive(Debug, Parser)]
#[command(name = "qbo-sim", version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free one; the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:0", env = "QBO_SIM_BIND")]
    bind: SocketAddr,
    /// Seed of the generated books.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of realms (companies).
    #[arg(long, default_value_t = 3)]
    realms: usize,
    /// Size of each realm.
    #[arg(long, value_enum, default_value = "typical")]
    size: Size,
    /// Id of the first realm.
    #[arg(long, default_value_t = 9_341_450_000_000_001)]
    first_realm_id: u64,
    /// Every n-th realm is multi-currency (0: none).
    #[arg(long, default_value_t = 4)]
    multi_currency_every: usize,
    /// Server clock start (RFC 3339); fix it for reproducible books.
    #[arg(long)]
    start_time: Option<chrono::DateTime<chrono::Utc>>,
    /// OAuth client id.
    #[arg(long, default_value = "sim-client-id")]
    client_id: String,
    /// OAuth client secret.
    #[arg(
        long,
        default_value = "sim-client-secret",
        env = "QBO_SIM_CLIENT_SECRET",
        hide_env_values = true
    )]
    client_secret: String,
    /// Access-token lifetime, seconds.
    #[arg(long, default_value_t = 3600)]
    access_ttl: i64,
    /// Requests per minute per realm.
    #[arg(long, default_value_t = 500)]
    rate: usize,
    /// Concurrent requests per realm.
    #[arg(long, default_value_t = 10)]
    concurrency: u64,
    /// Turn throttling off (counters still run).
    #[arg(long)]
    no_throttle: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let config = SimConfig {
        bind: args.bind,
        portfolio: PortfolioSpec {
            seed: args.seed,
            realms: args.realms,
            size: args.size,
            first_realm_id: args.first_realm_id,
            multi_currency_every: args.multi_currency_every,
        },
        start_time: args.start_time,
        oauth: OAuthConfig {
            client_id: args.client_id,
            client_secret: args.client_secret,
            access_ttl_secs: args.access_ttl,
            ..OAuthConfig::default()
        },
        throttle: ThrottleConfig {
            enabled: !args.no_throttle,
            requests_per_window: args.rate,
            max_concurrent: args.concurrency,
            ..ThrottleConfig::default()
        },
    };
    let server = match start(config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("qbo-sim: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // One machine-readable line on stdout so wrappers (tests, scripts) find the port.
    println!(
        "qbo-sim listening on {} realms={}",
        server.base_url(),
        server.admin().realm_ids().join(",")
    );
    tokio::select! {
        () = server_wait(server) => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    std::process::ExitCode::SUCCESS
}

async fn server_wait(server: rowcol_qbo_sim::SimServer) {
    server.wait().await;
}

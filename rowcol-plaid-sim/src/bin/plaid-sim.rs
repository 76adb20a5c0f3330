//! `plaid-sim`: serves a Plaid look-alike on loopback. Banks are added and
//! Items linked through `/_sim` (or `/sandbox/public_token/create` with
//! Plaid's test users `user_good` and `user_transactions_dynamic`).

use std::net::SocketAddr;

use clap::Parser;
use rowcol_plaid_sim::{SimConfig, start};

/// A local Plaid look-alike.
#[derive(Debug, Parser)]
#[command(name = "plaid-sim", version, about)]
struct Args {
    /// Address to listen on (port 0 picks a free one; the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:0", env = "PLAID_SIM_BIND")]
    bind: SocketAddr,
    /// Seed of ids, the webhook key and the sample banks.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Clock start (RFC 3339); fix it for reproducible lines.
    #[arg(long)]
    start_time: Option<chrono::DateTime<chrono::Utc>>,
    /// The app's client_id.
    #[arg(long, default_value = "sim-client-id")]
    client_id: String,
    /// The app's secret.
    #[arg(long, default_value = "sim-secret", env = "PLAID_SIM_SECRET", hide_env_values = true)]
    secret: String,
    /// `/accounts/balance/get` calls per Item per minute.
    #[arg(long, default_value_t = 5)]
    balance_per_minute: usize,
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
        seed: args.seed,
        start_time: args.start_time,
        client_id: args.client_id,
        secret: args.secret,
        balance_get_per_minute: args.balance_per_minute,
        ..SimConfig::default()
    };
    let server = match start(config).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("plaid-sim: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    // One machine-readable line on stdout so wrappers (tests, scripts) find the port.
    println!("plaid-sim listening on {}", server.base_url());
    tokio::select! {
        () = server.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    std::process::ExitCode::SUCCESS
}

//! `rowcol`: the command-line face of RowCol. Wiring only: every decision is
//! made by the library crates.

mod cli;
mod commands;
mod config;
mod error;
mod output;
mod setup;

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;

use crate::cli::{Cli, Command, ConnectRail, DeadLetterAction};
use crate::config::Config;
use crate::error::CliResult;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,sqlx=error")),
        )
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

async fn run(cli: Cli) -> CliResult {
    let env = |name: &str| std::env::var(name).ok();
    let config = || Config::load(cli.config.as_deref(), &env);
    match &cli.command {
        Command::Demo {
            clients,
            db,
            format,
            out,
        } => commands::demo::run(*clients, db, *format, out.as_deref()).await,
        Command::Connect {
            client,
            name,
            rail,
            public_token,
            currency,
            listen,
        } => {
            let asked = commands::connect::Asked {
                client,
                name: name.as_deref(),
                currency,
            };
            match rail {
                ConnectRail::Qbo => commands::connect::run(&config()?, &asked, listen).await,
                ConnectRail::Plaid => commands::connect::plaid(&config()?, &asked, public_token.as_deref()).await,
            }
        }
        Command::BankCheck {
            client,
            format,
            approve,
            postings,
            exclude,
            fixed,
        } => {
            use rowcol_core::BankReviewAction;
            let decision = match (approve, exclude, fixed) {
                (Some(line), _, _) => Some((
                    line.as_str(),
                    BankReviewAction::Approve {
                        postings: postings.clone(),
                    },
                )),
                (_, Some(line), _) => Some((line.as_str(), BankReviewAction::Exclude)),
                (_, _, Some(line)) => Some((line.as_str(), BankReviewAction::FixedAtSource)),
                _ => None,
            };
            commands::bank_check::run(&config()?, client, decision, *format).await
        }
        Command::Balances { client, live, format } => commands::balances::run(&config()?, client, *live, *format).await,
        Command::Sync {
            watch,
            concurrency,
            tick_every,
        } => {
            let tick_every = Duration::from_secs(*tick_every);
            commands::sync::run(&config()?, watch.then_some(tick_every), *concurrency).await
        }
        Command::Health { json } => commands::read::health(&config()?, *json).await,
        Command::Digest { format, out } => commands::read::digest(&config()?, *format, out.as_deref()).await,
        Command::Cash { client, months, format } => commands::cash::run(&config()?, client, *months, *format).await,
        Command::Scenario {
            client,
            delay_vendor,
            hire,
            equity,
            loan,
            customer_late,
            format,
        } => {
            let asked = commands::scenario::Asked {
                delay_vendor,
                hire,
                equity: equity.as_ref(),
                loan: loan.as_ref(),
                customer_late,
            };
            commands::scenario::run(&config()?, client, &asked, *format).await
        }
        Command::VerifyAudit { client } => commands::read::verify_audit(&config()?, client.as_deref()).await,
        Command::DeadLetters { action } => match action {
            DeadLetterAction::List { json } => commands::read::dead_letters(&config()?, *json).await,
            DeadLetterAction::Replay => commands::read::replay(&config()?).await,
        },
        Command::Reconcile {
            client,
            full,
            repair,
            json,
        } => commands::reconcile::run(&config()?, client.as_deref(), *full, *repair, *json).await,
        Command::Serve {
            concurrency,
            header_timeout,
            request_timeout,
            grace,
        } => {
            let options = commands::serve::ServeOptions {
                concurrency: *concurrency,
                limits: rowcol_worker::http::ServeLimits {
                    header_read: Duration::from_secs(*header_timeout),
                    request: Duration::from_secs(*request_timeout),
                    drain: Duration::from_secs(*request_timeout),
                },
                grace: Duration::from_secs(*grace),
            };
            commands::serve::run(&config()?, options).await
        }
    }
}

//! `rowcol`: the command-line face of RowCol. Wiring only: every decision is
//! made by the library crates.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rowcol_core::{ClientId, EntityKind, StandardPolicy, SyncPolicy};

/// RowCol keeps a local mirror of each client's books and computes the
/// advisor's views from it.
#[derive(Parser)]
#[command(name = "rowcol", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the sync plan for a demo portfolio: which kinds each client
    /// mirrors and when its scheduled sync fires inside the interval.
    /// (Later: sync the local QBO look-alike into SQLite and print the digest.)
    Demo {
        /// How many clients the demo portfolio holds.
        #[arg(long, default_value_t = 100)]
        clients: u32,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { clients } => demo(clients),
    }
}

fn demo(clients: u32) -> ExitCode {
    let policy = StandardPolicy::default();
    let kinds: Vec<&str> = EntityKind::ALL.iter().map(EntityKind::as_str).collect();
    println!(
        "Sync plan for {clients} clients: every {} min, mirroring {}",
        policy.interval.as_secs() / 60,
        kinds.join(", ")
    );
    println!("{:<14} {:>14}", "client", "offset (m:ss)");
    for i in 1..=clients {
        let client: ClientId = match format!("client-{i:03}").parse() {
            Ok(id) => id,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        };
        let offset = policy.schedule_offset(&client).as_secs();
        println!("{:<14} {:>11}:{:02}", client, offset / 60, offset % 60);
    }
    ExitCode::SUCCESS
}

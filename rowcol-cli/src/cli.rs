//! The command line: subcommands, their flags and their help.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// RowCol keeps a local mirror of each client's QuickBooks Online books,
/// keeps it fresh in the background, and computes the advisor's views
/// (cash runway, hygiene tray, decision console, digest) from it.
///
/// Configuration comes from a TOML file (`--config`, or `rowcol.toml` in the
/// working directory) and `ROWCOL_*` environment variables, which win:
/// ROWCOL_DATABASE_URL (sqlite:///absolute/path.db, sqlite://relative/path.db
/// under the working directory, or postgres://user@host/db; a plain path,
/// sqlite:/x or another scheme is refused), ROWCOL_QUEUE_URL (same forms;
/// default: the database),
/// ROWCOL_ADVISOR, ROWCOL_QBO_CLIENT_ID, ROWCOL_QBO_REDIRECT_URI,
/// ROWCOL_QBO_ENVIRONMENT ("production" or a look-alike's base URL),
/// ROWCOL_PLAID_ENVIRONMENT ("production", "sandbox" or a look-alike's base
/// URL; unset: no Plaid), ROWCOL_PLAID_CLIENT_ID,
/// ROWCOL_LISTEN (webhooks and /healthz, default 127.0.0.1:8080),
/// ROWCOL_METRICS_LISTEN (/metrics, which names every client: default
/// 127.0.0.1:9464, loopback only; widen it only behind a firewall). Secrets come only from the environment:
/// ROWCOL_CREDENTIAL_KEY (64 hex characters sealing stored tokens),
/// ROWCOL_QBO_CLIENT_SECRET, ROWCOL_PLAID_SECRET, ROWCOL_WEBHOOK_VERIFIER.
///
/// Exit codes: 0 done, 1 failure, 2 configuration or usage (a missing or
/// malformed setting, a refused or failed consent, a bad argument), 3 credentials (reconnect or wrong
/// key), 4 database unavailable (unreachable, cannot be opened, read-only or
/// full), 5 QBO unavailable, 6 some clients not done (failed, busy, skipped),
/// drift left, or live balances answered from the mirror because a rail
/// failed (the answer is printed in full, the stale rows flagged). When a command working client by client (sync, reconcile)
/// gets no client done, it exits with the most severe cause among them, in
/// the order 4, 2, 3, 5, 1.
#[derive(Debug, Parser)]
#[command(name = "rowcol", version, about, long_about)]
pub struct Cli {
    /// The configuration file (default: ./rowcol.toml when present).
    #[arg(long, global = true, env = "ROWCOL_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a local QBO look-alike with a portfolio, sync it into a SQLite
    /// file, and print the digest. Needs no configuration.
    Demo {
        /// Clients in the demo portfolio.
        #[arg(long, default_value_t = 100)]
        clients: usize,
        /// The SQLite file to mirror into (replaced).
        #[arg(long, default_value = "rowcol-demo.db")]
        db: PathBuf,
        /// How to show the digest.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write the digest to this file instead of the terminal.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Connect a rail. QBO (the default): prints the consent URL, waits for
    /// the redirect on a local listener, exchanges the code and stores the
    /// tokens encrypted. Plaid (`--rail plaid --public-token T`, Plaid
    /// configured): exchanges Link's public token for the Item's access
    /// token, stores it encrypted and registers the bank connection of an
    /// existing client (or a new one, given --name).
    Connect {
        /// The client's id in RowCol (lower-case letters, digits, dashes).
        #[arg(long)]
        client: String,
        /// The client's display name (required to register a new client).
        #[arg(long)]
        name: Option<String>,
        /// The rail to connect.
        #[arg(long, value_enum, default_value_t = ConnectRail::Qbo)]
        rail: ConnectRail,
        /// With --rail plaid: the public token Plaid Link gave (single use,
        /// 30 minutes).
        #[arg(long, env = "ROWCOL_PLAID_PUBLIC_TOKEN", hide_env_values = true)]
        public_token: Option<String>,
        /// The client's home currency.
        #[arg(long, default_value = "USD")]
        currency: String,
        /// Where the redirect listener listens (must match the redirect URI).
        #[arg(long, default_value = "127.0.0.1:8765")]
        listen: String,
    },
    /// Sync every connected client once (a line per client as it finishes,
    /// then a table), or keep syncing on the schedule. A client another
    /// process is syncing is reported busy with the lease holder and counts
    /// as not done (exit 6); one sync of one client stops at the policy's
    /// deadline (5 minutes), keeping what it committed.
    Sync {
        /// Keep running: sync on the schedule from the job queue until Ctrl-C.
        #[arg(long)]
        watch: bool,
        /// Clients synced at once.
        #[arg(long, default_value_t = 8)]
        concurrency: usize,
        /// With --watch: seconds between the scheduler's looks for clients
        /// due a sync or their daily reconcile (each client's own schedule
        /// stays every 15 minutes).
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
        tick_every: u64,
    },
    /// One client's bank and card balances: the books' accounts (QBO) and
    /// the bank's (Plaid, where linked), each with where it came from and
    /// how old it is. `--live` asks each rail now, within its limits (QBO:
    /// the sync policy's rate; Plaid: 5 live reads a minute per Item) and
    /// records what it read in the balance history; a rail that is down,
    /// throttled or too slow leaves its rows at the mirror's figure,
    /// flagged stale with the reason, and the command exits 6.
    Balances {
        /// The client.
        #[arg(long)]
        client: String,
        /// Read the balances from the rails now.
        #[arg(long)]
        live: bool,
        /// How to show them: a table, or JSON (exact amounts, every field).
        #[arg(long, value_enum, default_value_t = ViewFormat::Table)]
        format: ViewFormat,
    },
    /// Books against the bank for one client with a bank linked (`connect
    /// --rail plaid`, then `sync`): per linked account the lines matched,
    /// to review, not in the books, and the postings the bank has not shown;
    /// the walk from the ledger balance to the bank balance line by line;
    /// the findings with their suggested fixes; the definitions. With
    /// --approve, --exclude or --fixed, first records the advisor's decision
    /// on one bank line (kept through every re-sync, audit-logged).
    BankCheck {
        /// The client.
        #[arg(long)]
        client: String,
        /// How to show it: a table, or JSON (exact amounts, every line).
        #[arg(long, value_enum, default_value_t = ViewFormat::Table)]
        format: ViewFormat,
        /// Approve bank line LINE as the postings given by --postings.
        #[arg(long, value_name = "LINE", requires = "postings", conflicts_with_all = ["exclude", "fixed"])]
        approve: Option<String>,
        /// With --approve: the postings the line is, KIND:ID separated by
        /// commas (`deposit:812,payment:77`).
        #[arg(long, value_name = "KIND:ID[,KIND:ID...]", value_delimiter = ',', requires = "approve", value_parser = parse_posting)]
        postings: Vec<rowcol_core::PostingRef>,
        /// Exclude bank line LINE: neither matched nor reported missing.
        #[arg(long, value_name = "LINE", conflicts_with = "fixed")]
        exclude: Option<String>,
        /// Mark bank line LINE fixed at source: no finding while the
        /// correction syncs.
        #[arg(long, value_name = "LINE")]
        fixed: Option<String>,
    },
    /// Per-client freshness and failures.
    Health {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The portfolio digest from the mirror.
    Digest {
        /// How to show it.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Write it to this file instead of the terminal.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// One client's monthly cash roll-forward from the mirror: per bank
    /// account and in total, opening, cash in, cash out, transfers between
    /// own accounts (and card statements paid), financing, closing. The
    /// definition is printed with the figures.
    Cash {
        /// The client.
        #[arg(long)]
        client: String,
        /// Months, ending with the current one (to date).
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=24))]
        months: u32,
        /// How to show it: a table, JSON, or CSV (exact amounts, one row per
        /// account and month, total rows last).
        #[arg(long, value_enum, default_value_t = CashFormat::Table)]
        format: CashFormat,
    },
    /// One client's 13-week forecast and runway, base and under a scenario
    /// side by side: vendors paid later, new hires, a loan or equity raise,
    /// customers paying later. Amounts are in the client's home currency.
    /// The rules are printed with the figures.
    Scenario {
        /// The client.
        #[arg(long)]
        client: String,
        /// Pay a vendor's bills DAYS later: VENDOR_ID:DAYS (repeatable).
        #[arg(long = "delay-vendor", value_name = "VENDOR_ID:DAYS", value_parser = parse_party_days)]
        delay_vendor: Vec<(String, i64)>,
        /// A new hire costing AMOUNT a month from a date: AMOUNT:YYYY-MM-DD
        /// (repeatable); paid half on the 15th, the rest at month end.
        #[arg(long, value_name = "AMOUNT:YYYY-MM-DD", value_parser = parse_dated_amount)]
        hire: Vec<(rust_decimal::Decimal, chrono::NaiveDate)>,
        /// An equity raise received on a date: AMOUNT:YYYY-MM-DD.
        #[arg(long = "raise", value_name = "AMOUNT:YYYY-MM-DD", value_parser = parse_dated_amount)]
        equity: Option<(rust_decimal::Decimal, chrono::NaiveDate)>,
        /// A loan received on a date: AMOUNT:YYYY-MM-DD.
        #[arg(long, value_name = "AMOUNT:YYYY-MM-DD", value_parser = parse_dated_amount)]
        loan: Option<(rust_decimal::Decimal, chrono::NaiveDate)>,
        /// A customer paying DAYS later than its habit: CUSTOMER_ID:DAYS
        /// (repeatable).
        #[arg(long = "customer-late", value_name = "CUSTOMER_ID:DAYS", value_parser = parse_party_days)]
        customer_late: Vec<(String, i64)>,
        /// How to show it: a table, or JSON (exact amounts, every line).
        #[arg(long, value_enum, default_value_t = ViewFormat::Table)]
        format: ViewFormat,
    },
    /// Walk each client's audit chain and report the first broken link.
    VerifyAudit {
        /// Only this client.
        #[arg(long)]
        client: Option<String>,
    },
    /// List or replay records that could not be mirrored.
    DeadLetters {
        /// List or replay.
        #[command(subcommand)]
        action: DeadLetterAction,
    },
    /// Compare each client's mirror with QBO (counts first, ids and versions
    /// where counts differ) and list every drift; `--repair` re-reads and
    /// applies what drifted, then checks that nothing is left. Each check is
    /// recorded in the client's health; connections needing re-auth are
    /// skipped without a call. Exits 6 when drift is left (found without
    /// --repair, or remaining after it) or a client could not be checked.
    Reconcile {
        /// Only this client.
        #[arg(long)]
        client: Option<String>,
        /// Compare every kind's ids, versions and money totals, not counts first.
        #[arg(long)]
        full: bool,
        /// Repair the drift found (recorded as a reconcile run).
        #[arg(long)]
        repair: bool,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Serve webhooks (signature-checked) and /healthz on ROWCOL_LISTEN,
    /// /metrics on ROWCOL_METRICS_LISTEN (loopback by default: it names every
    /// client), and run the scheduler and sync workers. SIGTERM or SIGINT
    /// stops it gracefully: no new connections or jobs, syncs in flight
    /// finish (up to --grace) so their runs close and leases are released.
    /// Refused webhooks log at most one line per 10 seconds, with a count.
    Serve {
        /// Sync jobs run at once.
        #[arg(long, default_value_t = 4)]
        concurrency: usize,
        /// Seconds a connection may take to send a request's headers before
        /// it is closed (slow or idle clients).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        header_timeout: u64,
        /// Seconds a request may take, body and answer included, before it
        /// is answered 408; also how long requests may drain at shutdown.
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
        request_timeout: u64,
        /// Seconds syncs in flight may take to finish after a stop signal.
        #[arg(long, default_value_t = 30)]
        grace: u64,
    },
}

/// What to do with dead letters.
#[derive(Debug, Subcommand)]
pub enum DeadLetterAction {
    /// List them.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Read each record again and land those that now map.
    Replay,
}

/// A rail `rowcol connect` links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConnectRail {
    /// QuickBooks Online (OAuth consent in the browser).
    Qbo,
    /// Plaid (a public token from Plaid Link).
    Plaid,
}

/// How to show a cash roll-forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CashFormat {
    /// A terminal table.
    Table,
    /// JSON (exact amounts).
    Json,
    /// CSV (exact amounts).
    Csv,
}

/// How to show a scenario comparison, balances or a bank check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViewFormat {
    /// A terminal table.
    Table,
    /// JSON (exact amounts).
    Json,
}

/// `ID:DAYS`, days a whole number of 0 or more.
fn parse_party_days(text: &str) -> Result<(String, i64), String> {
    let (id, days) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("expected ID:DAYS, got {text:?}"))?;
    let days: i64 = days
        .parse()
        .map_err(|_| format!("expected a whole number of days after the colon, got {days:?}"))?;
    if id.is_empty() {
        return Err(format!("expected ID:DAYS, got {text:?}"));
    }
    if days < 0 {
        return Err(format!("days must be 0 or more, got {days}"));
    }
    Ok((id.to_owned(), days))
}

/// `KIND:ID`, the kind as the mirror names it (`deposit`, `bill_payment`).
fn parse_posting(text: &str) -> Result<rowcol_core::PostingRef, String> {
    let (kind, id) = text
        .split_once(':')
        .ok_or_else(|| format!("expected KIND:ID, got {text:?}"))?;
    Ok(rowcol_core::PostingRef {
        kind: kind.parse().map_err(|e| format!("{e}"))?,
        document: id.parse().map_err(|e| format!("{id:?} is not an id: {e}"))?,
    })
}

/// `AMOUNT:YYYY-MM-DD`, the amount a decimal number more than zero.
fn parse_dated_amount(text: &str) -> Result<(rust_decimal::Decimal, chrono::NaiveDate), String> {
    let (amount, on) = text
        .split_once(':')
        .ok_or_else(|| format!("expected AMOUNT:YYYY-MM-DD, got {text:?}"))?;
    let amount: rust_decimal::Decimal = amount
        .parse()
        .map_err(|_| format!("expected a decimal amount before the colon, got {amount:?}"))?;
    let on = chrono::NaiveDate::parse_from_str(on, "%Y-%m-%d")
        .map_err(|_| format!("expected a date YYYY-MM-DD after the colon, got {on:?}"))?;
    if amount <= rust_decimal::Decimal::ZERO {
        return Err(format!("the amount must be more than zero, got {amount}"));
    }
    Ok((amount, on))
}

/// How to show a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A terminal table.
    Table,
    /// JSON.
    Json,
    /// A self-contained HTML report with charts.
    Html,
}

//! A second `LedgerRail`, over local JSON files, to show the port is real:
//! books written as JSON are paged into a SQLite mirror through the same
//! port QBO uses, and the advisor's digest is computed from the mirror.
//!
//! `cargo run -p rowcol-examples --example json_rail`

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset, Utc};
use rowcol_core::entity::{AccountType, Entity, EntityKind};
use rowcol_core::fixtures;
use rowcol_core::ports::{ChangeSet, LiveBalance, Page, PageRequest};
use rowcol_core::sync::{
    PageCursor, RunCounts, RunStatus, SourceRecord, SyncBatch, SyncMode, SyncPosition, SyncTrigger,
};
use rowcol_core::{
    Advisor, Client, Connection, ConnectionStatus, Currency, EnabledRails, ErrorContext, ExternalId, LedgerRail, Rail,
    RailErrorKind, RailFailure, Result, RowcolError, SnapshotRequest,
};
use rowcol_runway::{DigestClock, digest};
use rust_decimal::Decimal;

/// Records per page.
const PAGE: usize = 50;

/// A rail whose books are JSON files: `<root>/<realm>/<kind>.json`, each an
/// array of `rowcol_core::Entity`. It answers as Ramp or Stripe would: through
/// the `LedgerRail` port, in domain types.
struct JsonFileRail {
    root: PathBuf,
}

impl JsonFileRail {
    fn read(&self, connection: &Connection, kind: EntityKind) -> Result<Vec<SourceRecord>> {
        let path = self.root.join(connection.realm.as_str()).join(format!("{kind}.json"));
        let context = || ErrorContext::client(&connection.client).with_kind(kind);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(failure(RailErrorKind::Transient, context(), e.to_string())),
        };
        let values: Vec<serde_json::Value> = serde_json::from_str(&text)
            .map_err(|e| failure(RailErrorKind::Invalid, context(), format!("{}: {e}", path.display())))?;
        values
            .into_iter()
            .map(|raw| {
                let mut entity: Entity = serde_json::from_value(raw.clone())
                    .map_err(|e| failure(RailErrorKind::Invalid, context(), e.to_string()))?;
                // The files do not say whose books they are; the connection does.
                entity.meta_mut().client = connection.client.clone();
                entity.meta_mut().rail = self.rail();
                Ok(SourceRecord {
                    entity,
                    raw: raw.to_string(),
                })
            })
            .collect()
    }
}

fn failure(kind: RailErrorKind, context: ErrorContext, message: String) -> RowcolError {
    RowcolError::rail(
        kind,
        context,
        RailFailure {
            message,
            ..RailFailure::default()
        },
    )
}

#[async_trait]
impl LedgerRail for JsonFileRail {
    fn rail(&self) -> Rail {
        Rail::Stripe
    }

    async fn list_pages(&self, connection: &Connection, requests: &[PageRequest]) -> Result<Vec<Page>> {
        requests
            .iter()
            .map(|request| {
                let all = self.read(connection, request.kind)?;
                let start = request.cursor.as_ref().and_then(|c| c.0.parse().ok()).unwrap_or(0usize);
                let end = (start + PAGE).min(all.len());
                Ok(Page {
                    kind: request.kind,
                    records: all.get(start..end).map(<[_]>::to_vec).unwrap_or_default(),
                    rejects: Vec::new(),
                    next: (end < all.len()).then(|| PageCursor(end.to_string())),
                    server_time: Utc::now().fixed_offset(),
                })
            })
            .collect()
    }

    async fn changes_since(
        &self,
        connection: &Connection,
        since: DateTime<FixedOffset>,
        kinds: &[EntityKind],
    ) -> Result<ChangeSet> {
        let mut records = Vec::new();
        for kind in kinds {
            records.extend(
                self.read(connection, *kind)?
                    .into_iter()
                    .filter(|r| r.entity.meta().updated_at > since),
            );
        }
        Ok(ChangeSet {
            records,
            tombstones: Vec::new(),
            rejects: Vec::new(),
            next_since: Utc::now().fixed_offset(),
            api_calls: kinds.len() as u32,
        })
    }

    async fn fetch_one(
        &self,
        connection: &Connection,
        kind: EntityKind,
        id: &ExternalId,
    ) -> Result<Option<SourceRecord>> {
        Ok(self
            .read(connection, kind)?
            .into_iter()
            .find(|r| &r.entity.meta().external_id == id))
    }

    async fn live_balances(&self, connection: &Connection) -> Result<Vec<LiveBalance>> {
        Ok(self
            .read(connection, EntityKind::Account)?
            .into_iter()
            .filter_map(|r| match r.entity {
                Entity::Account(a) if matches!(a.account_type, AccountType::Bank | AccountType::CreditCard) => {
                    Some(LiveBalance {
                        account: a.meta.external_id,
                        name: a.name,
                        account_type: a.account_type,
                        balance: a.current_balance,
                        as_of: Utc::now(),
                    })
                }
                _ => None,
            })
            .collect())
    }
}

/// Writes a small set of books for one client as JSON files.
fn write_books(root: &Path, client: &str, realm: &str, cash: i64) -> std::io::Result<()> {
    let dir = root.join(realm);
    std::fs::create_dir_all(&dir)?;
    let d = Decimal::from;
    let mut bill = fixtures::bill(client, "101", d(4_200));
    bill.txn.txn_date = fixtures::date("2026-06-20");
    bill.due_date = Some(fixtures::date("2026-07-20"));
    let mut late = fixtures::invoice(client, "201", d(9_800));
    late.txn.txn_date = fixtures::date("2026-05-01");
    late.due_date = Some(fixtures::date("2026-05-31"));
    let mut paid = fixtures::bill_payment(client, "301", d(12_000), "100");
    paid.txn.txn_date = fixtures::date("2026-05-10");
    let files: [(EntityKind, Vec<Entity>); 6] = [
        (
            EntityKind::Account,
            vec![Entity::Account(fixtures::bank_account(
                client,
                "35",
                "Checking",
                d(cash),
            ))],
        ),
        (
            EntityKind::Vendor,
            vec![Entity::Vendor(fixtures::vendor(client, "56", "Acme Supplies"))],
        ),
        (
            EntityKind::Customer,
            vec![Entity::Customer(fixtures::customer(client, "58", "Bright Cafe"))],
        ),
        (EntityKind::Bill, vec![Entity::Bill(bill)]),
        (EntityKind::Invoice, vec![Entity::Invoice(late)]),
        (EntityKind::BillPayment, vec![Entity::BillPayment(paid)]),
    ];
    for (kind, entities) in &files {
        std::fs::write(
            dir.join(format!("{kind}.json")),
            serde_json::to_string_pretty(entities)?,
        )?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    let books = tempfile::tempdir()?;
    let mirror = rowcol_mirror::open("sqlite::memory:", rowcol_mirror::CredentialKey::generate()).await?;
    let rail = JsonFileRail {
        root: books.path().to_owned(),
    };
    // Only QBO is on by default: a deployment opts into other rails.
    EnabledRails::default().with(rail.rail()).require(rail.rail())?;
    let advisor = Advisor {
        id: "jane-cfo".parse()?,
        name: "Jane".into(),
    };
    mirror.upsert_advisor(&advisor).await?;

    for (i, (client, cash)) in [("corner-bakery", 8_000), ("hilltop-dental", 95_000)]
        .into_iter()
        .enumerate()
    {
        let realm = format!("{}", 4_620_000 + i);
        write_books(books.path(), client, &realm, cash)?;
        let connection = Connection {
            client: client.parse()?,
            rail: rail.rail(),
            realm: realm.parse()?,
            status: ConnectionStatus::Active,
        };
        let record = Client {
            id: client.parse()?,
            advisor: advisor.id.clone(),
            name: client.replace('-', " "),
            home_currency: Currency::USD,
            connections: vec![connection.clone()],
        };
        mirror.upsert_client(&record).await?;

        // Page every kind through the port, one batch per page (the sync
        // engine does this, with retries and checkpoints, for real rails).
        let run = mirror
            .start_run(&connection.client, rail.rail(), SyncTrigger::OnDemand, SyncMode::Full)
            .await?;
        let mut counts = RunCounts::default();
        for kind in EntityKind::ALL {
            let mut cursor = None;
            loop {
                let pages = rail.list_pages(&connection, &[PageRequest { kind, cursor }]).await?;
                let Some(page) = pages.into_iter().next() else { break };
                let mut batch = SyncBatch::new(connection.client.clone(), rail.rail());
                batch.records = page.records;
                batch.checkpoint = Some(SyncPosition::Incremental {
                    since: page.server_time,
                });
                counts.fetched += batch.records.len() as u32;
                let outcome = mirror.apply(&batch).await?;
                counts.applied += outcome.inserted + outcome.updated;
                counts.api_calls += 1;
                match page.next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
        }
        mirror.finish_run(run, RunStatus::Succeeded, counts, None).await?;
    }

    let as_of = fixtures::date("2026-07-15");
    let mut snapshots = Vec::new();
    for client in mirror.portfolio(&advisor.id).await? {
        snapshots.push(
            mirror
                .snapshot(&advisor.id, &client.id, SnapshotRequest::as_of(as_of))
                .await?,
        );
    }
    let digest = digest(
        &snapshots,
        DigestClock {
            as_of,
            now: Utc::now(),
            freshness_target: Duration::from_secs(30 * 60),
        },
    );
    println!(
        "{:<16} {:>12} {:>10} {:>9} {:>9}",
        "client", "cash", "urgency", "findings", "to chase"
    );
    for c in &digest.clients {
        println!(
            "{:<16} {:>12} {:>10} {:>9} {:>9}",
            c.client.as_str(),
            c.cash.value.round_to_minor_units().to_string(),
            format!("{:?}", c.urgency),
            c.hygiene.value.top.len(),
            c.decisions.value.to_chase
        );
    }
    assert_eq!(digest.clients.len(), 2, "both clients came through the JSON rail");
    Ok(())
}

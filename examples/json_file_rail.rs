//! `JsonFileRail`: a second `LedgerRail`, over local JSON files, to show the
//! port is real. Books live in `<root>/<realm>/<kind>.json` (an array of
//! `rowcol_core::Entity`) and deletions in `<root>/<realm>/deleted.json`
//! (an array of tombstones). Writers go through [`JsonFileRail::put`] and
//! [`JsonFileRail::delete`], which stamp each change with the rail's clock,
//! so the change feed can answer what changed since a time. It keeps every
//! change: no cursor is ever too old.
//!
//! Shared by the `json_rail` example and the contract test
//! (`examples/tests/json_rail_contract.rs`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use rowcol_core::entity::{AccountType, Entity, EntityKind};
use rowcol_core::ports::{ChangeSet, LiveBalance, Page, PageRequest};
use rowcol_core::sync::{ChangeCursor, PageCursor, SourceRecord, Tombstone};
use rowcol_core::{
    Clock, Connection, ErrorContext, ExternalId, LedgerRail, Rail, RailErrorKind, RailFailure, RealmId, Result,
    RowcolError,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Records per page.
const PAGE: usize = 50;

/// How far a change-feed cursor stays behind the rail's clock, so a change
/// stamped in the same instant as an answer is read again, not skipped.
const OVERLAP: chrono::Duration = chrono::Duration::seconds(1);

/// A rail whose books are JSON files. It answers as Ramp or Stripe would:
/// through the `LedgerRail` port, in domain types.
pub struct JsonFileRail {
    root: PathBuf,
    clock: Arc<dyn Clock>,
}

impl JsonFileRail {
    /// A rail over the books under `root`, reading time from `clock`.
    pub fn new(root: &Path, clock: Arc<dyn Clock>) -> Self {
        JsonFileRail {
            root: root.to_owned(),
            clock,
        }
    }

    fn now(&self) -> DateTime<FixedOffset> {
        self.clock.now().fixed_offset()
    }

    fn path(&self, realm: &RealmId, file: &str) -> PathBuf {
        self.root.join(realm.as_str()).join(format!("{file}.json"))
    }

    fn load<T: DeserializeOwned>(&self, realm: &RealmId, file: &str) -> std::io::Result<Vec<T>> {
        match std::fs::read_to_string(self.path(realm, file)) {
            Ok(text) => serde_json::from_str(&text).map_err(std::io::Error::other),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    fn store<T: Serialize>(&self, realm: &RealmId, file: &str, values: &[T]) -> std::io::Result<()> {
        std::fs::create_dir_all(self.root.join(realm.as_str()))?;
        std::fs::write(self.path(realm, file), serde_json::to_string_pretty(values)?)
    }

    /// Creates or replaces a record in `realm`'s books, changed now.
    pub fn put(&self, realm: &RealmId, mut entity: Entity) -> std::io::Result<()> {
        let kind = entity.kind();
        entity.meta_mut().updated_at = self.now();
        let mut records: Vec<Entity> = self.load(realm, kind.as_str())?;
        records.retain(|e| e.meta().external_id != entity.meta().external_id);
        records.push(entity);
        self.store(realm, kind.as_str(), &records)
    }

    /// Deletes a record from `realm`'s books now, keeping its tombstone.
    pub fn delete(&self, realm: &RealmId, kind: EntityKind, id: &ExternalId) -> std::io::Result<()> {
        let mut records: Vec<Entity> = self.load(realm, kind.as_str())?;
        records.retain(|e| &e.meta().external_id != id);
        self.store(realm, kind.as_str(), &records)?;
        let mut deleted: Vec<Tombstone> = self.load(realm, "deleted")?;
        deleted.push(Tombstone {
            kind,
            external_id: id.clone(),
            deleted_at: self.now(),
            merged_into: None,
        });
        self.store(realm, "deleted", &deleted)
    }

    fn read(&self, connection: &Connection, kind: EntityKind) -> Result<Vec<SourceRecord>> {
        let entities: Vec<serde_json::Value> = self
            .load(&connection.realm, kind.as_str())
            .map_err(|e| failure(connection, kind, e))?;
        entities
            .into_iter()
            .map(|raw| {
                let mut entity: Entity =
                    serde_json::from_value(raw.clone()).map_err(|e| failure(connection, kind, e))?;
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

/// A file that cannot be read or parsed: retrying will not help until
/// someone mends it.
fn failure(connection: &Connection, kind: EntityKind, error: impl std::fmt::Display) -> RowcolError {
    RowcolError::rail(
        RailErrorKind::Invalid,
        ErrorContext::client(&connection.client).with_kind(kind),
        RailFailure {
            message: error.to_string(),
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
                let mut all = self.read(connection, request.kind)?;
                all.sort_by(|a, b| a.entity.meta().external_id.cmp(&b.entity.meta().external_id));
                let start = request.cursor.as_ref().and_then(|c| c.0.parse().ok()).unwrap_or(0usize);
                let end = (start + PAGE).min(all.len());
                Ok(Page {
                    kind: request.kind,
                    records: all.get(start..end).map(<[_]>::to_vec).unwrap_or_default(),
                    rejects: Vec::new(),
                    next: (end < all.len()).then(|| PageCursor(end.to_string())),
                    resume: None,
                    server_time: self.now(),
                })
            })
            .collect()
    }

    async fn changes_since(
        &self,
        connection: &Connection,
        cursor: &ChangeCursor,
        kinds: &[EntityKind],
    ) -> Result<ChangeSet> {
        let Some(since) = cursor.time() else {
            return Err(RowcolError::rail(
                RailErrorKind::CursorTooOld,
                ErrorContext::client(&connection.client),
                RailFailure {
                    message: format!("{cursor:?} is not a change cursor of this rail"),
                    ..RailFailure::default()
                },
            ));
        };
        let server_time = self.now();
        let mut records = Vec::new();
        for kind in kinds {
            records.extend(
                self.read(connection, *kind)?
                    .into_iter()
                    .filter(|r| r.entity.meta().updated_at >= since),
            );
        }
        let tombstones: Vec<Tombstone> = self
            .load(&connection.realm, "deleted")
            .map_err(|e| failure(connection, EntityKind::Account, e))?;
        Ok(ChangeSet {
            records,
            tombstones: tombstones
                .into_iter()
                .filter(|t| kinds.contains(&t.kind) && t.deleted_at >= since)
                .collect(),
            rejects: Vec::new(),
            next: ChangeCursor::from_time((server_time - OVERLAP).max(since)),
            server_time,
            api_calls: 1,
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
        let now = self.clock.now();
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
                        as_of: now,
                    })
                }
                _ => None,
            })
            .collect())
    }
}

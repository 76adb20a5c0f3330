//! The world the engine and reconcile tests share: typical synthetic
//! clients in a `MemoryRail`, registered in a fresh SQLite mirror, and an
//! engine over both on a manual clock.

#![allow(clippy::unwrap_used)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{Duration, NaiveDate, Utc};
use rowcol_core::entity::EntityKind;
use rowcol_core::{
    Advisor, AdvisorId, Client, Connection, ConnectionStatus, Currency, ManualClock, Rail, RealmId, StandardPolicy,
};
use rowcol_mirror::{CredentialKey, Mirror, SqliteMirror};
use rowcol_sync::SyncEngine;
use rowcol_testkit::fixtures::{self};
use rowcol_testkit::{MemoryRail, synthetic};

pub struct World {
    _dir: tempfile::TempDir,
    pub mirror: Arc<dyn Mirror>,
    pub rail: Arc<MemoryRail>,
    pub clock: Arc<ManualClock>,
    pub engine: SyncEngine,
    pub connections: Vec<Connection>,
}

pub fn realm(i: usize) -> RealmId {
    fixtures::id(&format!("{}", 9_130_000 + i))
}

/// The advisor whose portfolio holds every client.
pub fn advisor() -> AdvisorId {
    fixtures::id("jane")
}

/// `clients` typical clients in the rail and registered in a fresh mirror.
pub async fn world(clients: usize, page_size: usize) -> World {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mirror.db").display().to_string();
    let mirror: Arc<dyn Mirror> = Arc::new(SqliteMirror::open(&path, CredentialKey::generate()).await.unwrap());
    let clock = Arc::new(ManualClock::new("2026-11-23T10:00:00Z".parse().unwrap()));
    let rail = Arc::new(MemoryRail::new(clock.clone()).with_page_size(page_size));
    let advisor = advisor();
    mirror
        .upsert_advisor(&Advisor {
            id: advisor.clone(),
            name: "Jane".into(),
        })
        .await
        .unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    let mut connections = Vec::new();
    for i in 0..clients {
        let snapshot = synthetic::typical_client(i, as_of, Utc::now());
        for record in synthetic::records(&snapshot) {
            rail.put(&realm(i), record);
        }
        let connection = Connection {
            client: snapshot.client.clone(),
            rail: Rail::Qbo,
            realm: realm(i),
            status: ConnectionStatus::Active,
        };
        mirror
            .upsert_client(&Client {
                id: snapshot.client.clone(),
                advisor: advisor.clone(),
                name: snapshot.name.clone(),
                home_currency: Currency::USD,
                connections: vec![connection.clone()],
            })
            .await
            .unwrap();
        connections.push(connection);
    }
    // The books were written an hour before the first sync.
    clock.advance(Duration::hours(1));
    let engine = SyncEngine::new(mirror.clone(), Arc::new(StandardPolicy::default()))
        .with_rail(rail.clone())
        .with_clock(clock.clone());
    World {
        _dir: dir,
        mirror,
        rail,
        clock,
        engine,
        connections,
    }
}

/// Mirror equals source: the same live ids and versions for every kind.
pub async fn assert_mirror_equals_source(w: &World, connection: &Connection) {
    let mut source: BTreeMap<EntityKind, Vec<(String, String)>> = BTreeMap::new();
    for (kind, id, version) in w.rail.live(&connection.realm) {
        source
            .entry(kind)
            .or_default()
            .push((id.as_str().into(), version.as_str().into()));
    }
    for kind in EntityKind::ALL {
        let mirrored: Vec<(String, String)> = w
            .mirror
            .live_versions(&connection.client, Rail::Qbo, kind)
            .await
            .unwrap()
            .into_iter()
            .map(|(id, v)| (id.as_str().into(), v.as_str().into()))
            .collect();
        let mut expected = source.remove(&kind).unwrap_or_default();
        expected.sort();
        assert_eq!(
            mirrored, expected,
            "{} {kind}: mirror differs from source",
            connection.client
        );
    }
}

//! Reconciliation: compare one client's mirror with its source and report
//! every drift, then repair it through the normal atomic apply path. Webhooks
//! and CDC are hints, not guarantees; this is the check behind them, and the
//! oracle the sync tests use. It talks only to the ports.
//!
//! - [`ReconcileMode::Cheap`]: live counts per kind from the rail (QBO: one
//!   batch of `SELECT COUNT(*)`) against the mirror's; id and version sets
//!   only for the kinds whose counts differ.
//! - [`ReconcileMode::Full`]: id and version sets of every kind, and with an
//!   advisor, each kind's money totals.
//!
//! [`SyncEngine::repair`] reads every drifted record again by id: a record
//! the source still has is upserted, one it lost is tombstoned, all in
//! batches applied like any sync (audit entries written, older states never
//! replacing newer ones), under a run with trigger `Reconcile`, so the drift
//! and its repair show in the client's runs and health.
//!
//! Records the rail cannot map are dead letters, not drift: they are left
//! out of both sides' id sets (a client with dead letters therefore always
//! has its id sets compared in cheap mode).
//!
//! ```no_run
//! # async fn run(engine: &rowcol_sync::SyncEngine, connection: &rowcol_core::Connection) -> rowcol_core::Result<()> {
//! use rowcol_sync::reconcile::ReconcileMode;
//!
//! let (found, repaired) = engine.reconcile_and_repair(connection, ReconcileMode::Cheap).await?;
//! for drift in &found.drift {
//!     println!("{drift}");
//! }
//! println!("{} records read again, {} applied, {} deleted", repaired.refetched, repaired.applied, repaired.deleted);
//! # Ok(()) }
//! ```

mod report;
mod totals;

use std::collections::{BTreeMap, BTreeSet};

use chrono::Months;

pub use report::{Drift, DriftReport, KindCheck, ReconcileMode, RepairReport};
pub use totals::KindTotals;

use crate::SyncEngine;
use crate::engine::{Progress, RealmLease, SyncReport, balance_points};
use rowcol_core::ports::PageRequest;
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::{SyncBatch, SyncMode, SyncTrigger, Tombstone};
use rowcol_core::{
    AdvisorId, Connection, ConnectionStatus, EntityKind, ErrorContext, ExternalId, LedgerRail, RailErrorKind,
    RailFailure, Result, RowcolError, StoreErrorKind, VersionToken,
};

/// Records re-read and applied per batch during a repair.
const REPAIR_BATCH: usize = 200;

/// Months of history the mirror side of a totals check reads: every record.
const ALL_HISTORY_MONTHS: u32 = 12 * 200;

/// Ids and versions per kind.
type IdSets = BTreeMap<EntityKind, BTreeMap<ExternalId, VersionToken>>;

/// What a listing of the source gave.
#[derive(Default)]
struct Listing {
    ids: IdSets,
    totals: BTreeMap<EntityKind, KindTotals>,
    api_calls: u32,
}

impl SyncEngine {
    /// Compares `connection`'s mirror with its source (see the module docs)
    /// and reports every drift found, changing nothing.
    ///
    /// Holds the realm's sync lease while it compares, so no sync moves the
    /// mirror under it; a realm being synced fails with a retryable
    /// `StoreErrorKind::Busy`.
    pub async fn reconcile(&self, connection: &Connection, mode: ReconcileMode) -> Result<DriftReport> {
        refuse_inactive(connection)?;
        let lease = self.reconcile_lease(connection).await?;
        let result = self.reconcile_held(connection, &mode).await;
        if let Some(lease) = lease {
            lease.release().await;
        }
        result
    }

    /// Repairs the drift `report` found for `connection` (see the module
    /// docs). A report without drift repairs nothing and records no run.
    pub async fn repair(&self, connection: &Connection, report: &DriftReport) -> Result<RepairReport> {
        if report.is_clean() {
            return Ok(RepairReport::default());
        }
        let lease = self.reconcile_lease(connection).await?;
        let result = async {
            let mut progress = self.begin(connection, SyncTrigger::Reconcile, SyncMode::Full).await?;
            let outcome = self.repair_into(connection, report, &mut progress).await;
            self.end_reconcile(connection, progress, outcome.map(|repaired| ((), repaired)))
                .await
        }
        .await;
        if let Some(lease) = lease {
            lease.release().await;
        }
        result.map(|((), repaired)| repaired)
    }

    /// [`SyncEngine::reconcile`] then [`SyncEngine::repair`] under one hold
    /// of the realm's lease: what the daily reconcile job runs. Unlike
    /// `repair` alone it always records a run with trigger `Reconcile` (the
    /// drift found in its counts, a failed check as a failed run), so the
    /// client's health shows when its mirror was last reconciled and what
    /// drifted. A repair that leaves drift (see [`RepairReport::remaining`])
    /// records its run as failed, naming what is left.
    pub async fn reconcile_and_repair(
        &self,
        connection: &Connection,
        mode: ReconcileMode,
    ) -> Result<(DriftReport, RepairReport)> {
        self.reconcile_recorded(connection, mode, true).await
    }

    /// [`SyncEngine::reconcile`] under a recorded run with trigger
    /// `Reconcile`, and with `repair` the repair too (then it is
    /// [`SyncEngine::reconcile_and_repair`]). Without `repair` the run
    /// records the drift found and succeeds; the repair report is empty.
    ///
    /// A connection that is not active is not reconciled and no run is
    /// recorded: the answer is the rail error `NeedsReauth` (or `Forbidden`
    /// for a disabled one) without a call to the rail.
    pub async fn reconcile_recorded(
        &self,
        connection: &Connection,
        mode: ReconcileMode,
        repair: bool,
    ) -> Result<(DriftReport, RepairReport)> {
        refuse_inactive(connection)?;
        let lease = self.reconcile_lease(connection).await?;
        let result = async {
            let mut progress = self.begin(connection, SyncTrigger::Reconcile, SyncMode::Full).await?;
            let outcome = async {
                let found = self.reconcile_held(connection, &mode).await?;
                progress.called(found.api_calls);
                progress.found_drift(found.drift.len());
                let repaired = if repair {
                    self.repair_into(connection, &found, &mut progress).await?
                } else {
                    RepairReport::default()
                };
                Ok((found, repaired))
            }
            .await;
            let (found, mut repaired) = self.end_reconcile(connection, progress, outcome).await?;
            // The run counts the check's calls too; the repair report does not.
            repaired.api_calls = repaired.api_calls.saturating_sub(found.api_calls);
            Ok((found, repaired))
        }
        .await;
        if let Some(lease) = lease {
            lease.release().await;
        }
        result
    }

    async fn reconcile_lease(&self, connection: &Connection) -> Result<Option<RealmLease>> {
        match self.acquire_lease(connection).await? {
            Ok(lease) => Ok(lease),
            Err(held_by) => Err(RowcolError::store(
                StoreErrorKind::Busy,
                ErrorContext::client(&connection.client).with_realm(connection.rail, &connection.realm),
                match held_by {
                    Some(hold) => format!(
                        "the realm is being synced by {} (lease until {}); reconcile it again later",
                        hold.holder,
                        hold.expires_at.format("%Y-%m-%d %H:%M:%S UTC")
                    ),
                    None => "the realm is being synced; reconcile it again later".to_owned(),
                },
            )),
        }
    }

    async fn reconcile_held(&self, connection: &Connection, mode: &ReconcileMode) -> Result<DriftReport> {
        let rail = self.rail_for(connection)?;
        let checked_at = self.clock().now();
        let mut mirror: IdSets = BTreeMap::new();
        for kind in connection.rail.kinds().iter().copied() {
            let live = self
                .mirror()
                .live_versions(&connection.client, connection.rail, kind)
                .await?;
            mirror.insert(kind, live.into_iter().collect());
        }
        let mirror_count = |kind: EntityKind| mirror.get(&kind).map_or(0, |ids| ids.len() as u64);

        let mut api_calls = 0;
        let (counted, compare): (BTreeMap<EntityKind, u64>, Vec<EntityKind>) = match mode {
            ReconcileMode::Cheap => {
                let counts = rail.count_live(connection, connection.rail.kinds()).await?;
                api_calls += counts.api_calls;
                let differ = connection
                    .rail
                    .kinds()
                    .iter()
                    .copied()
                    .filter(|kind| counts.counts.get(kind).copied().unwrap_or(0) != mirror_count(*kind))
                    .collect();
                (counts.counts, differ)
            }
            ReconcileMode::Full { .. } => (BTreeMap::new(), connection.rail.kinds().to_vec()),
        };
        let listing = list_source(rail.as_ref(), connection, &compare).await?;
        api_calls += listing.api_calls;

        let mut drift = Vec::new();
        for kind in &compare {
            let empty = BTreeMap::new();
            id_drift(
                *kind,
                mirror.get(kind).unwrap_or(&empty),
                listing.ids.get(kind).unwrap_or(&empty),
                &mut drift,
            );
        }
        let totals_as = match mode {
            ReconcileMode::Full { totals_as } => totals_as.as_ref(),
            ReconcileMode::Cheap => None,
        };
        if let Some(advisor) = totals_as {
            let mirror_totals = self.mirror_totals(advisor, connection).await?;
            for kind in connection.rail.kinds().iter().copied() {
                let source = normalized(listing.totals.get(&kind));
                let mirrored = normalized(mirror_totals.get(&kind));
                if source != mirrored {
                    drift.push(Drift::TotalsDiffer {
                        kind,
                        mirror: mirrored,
                        source,
                    });
                }
            }
        }
        drift.sort_by_key(|d| (kind_rank(d.kind()), d.id().cloned()));

        let compared: BTreeSet<EntityKind> = compare.iter().copied().collect();
        let kinds = connection
            .rail
            .kinds()
            .iter()
            .copied()
            .map(|kind| KindCheck {
                kind,
                source_count: if compared.contains(&kind) {
                    listing.ids.get(&kind).map_or(0, |ids| ids.len() as u64)
                } else {
                    counted.get(&kind).copied().unwrap_or(0)
                },
                mirror_count: mirror_count(kind),
                ids_compared: compared.contains(&kind),
                totals_compared: totals_as.is_some(),
            })
            .collect();
        let report = DriftReport {
            client: connection.client.clone(),
            rail: connection.rail,
            realm: connection.realm.clone(),
            mode: mode.clone(),
            checked_at,
            kinds,
            drift,
            api_calls,
        };
        if !report.is_clean() {
            tracing::warn!(client = %connection.client, drift = report.drift.len(), by_kind = ?report.drift_by_kind(), "mirror drifted from the source");
        }
        Ok(report)
    }

    /// The mirror's money totals per kind, from a snapshot spanning all history.
    async fn mirror_totals(
        &self,
        advisor: &AdvisorId,
        connection: &Connection,
    ) -> Result<BTreeMap<EntityKind, KindTotals>> {
        let today = self.clock().now().date_naive();
        let request = SnapshotRequest {
            // Far enough ahead to include post-dated documents.
            as_of: today.checked_add_months(Months::new(120)).unwrap_or(today),
            history_months: ALL_HISTORY_MONTHS,
        };
        let snapshot = self.mirror().snapshot(advisor, &connection.client, request).await?;
        let mut totals: BTreeMap<EntityKind, KindTotals> = BTreeMap::new();
        for entity in snapshot.entities() {
            totals.entry(entity.kind()).or_default().add(&entity);
        }
        Ok(totals)
    }

    /// Reads every drifted record of `report` again and applies what the
    /// source holds now, under `progress`'s run, then checks that the mirror
    /// holds exactly that. The batches are marked source-confirmed: a record
    /// the source holds is live in the mirror afterwards whatever the mirror
    /// believed (a tombstone from a forged notice, a state stamped in the
    /// future). The report it gives counts what was read again, what cannot
    /// be repaired by id and what drift remains; the rest is filled in from
    /// the run by [`Self::end_reconcile`].
    async fn repair_into(
        &self,
        connection: &Connection,
        report: &DriftReport,
        progress: &mut Progress,
    ) -> Result<RepairReport> {
        let targets: Vec<(EntityKind, ExternalId)> = report
            .drift
            .iter()
            .filter_map(|d| d.id().map(|id| (d.kind(), id.clone())))
            .collect();
        let mut repaired = RepairReport {
            refetched: u32::try_from(targets.len()).unwrap_or(u32::MAX),
            unrepairable: u32::try_from(report.drift.len() - targets.len()).unwrap_or(u32::MAX),
            ..RepairReport::default()
        };
        if report.is_clean() {
            return Ok(repaired);
        }
        let rail = self.rail_for(connection)?;
        // What the source said of each target: its version, or gone.
        let mut expected: BTreeMap<EntityKind, BTreeMap<ExternalId, Option<VersionToken>>> = BTreeMap::new();
        for chunk in targets.chunks(REPAIR_BATCH) {
            let mut batch = SyncBatch::new(connection.client.clone(), connection.rail);
            batch.source_confirmed = true;
            for (kind, id) in chunk {
                let found = rail.fetch_one(connection, *kind, id).await;
                progress.called(1);
                let found = found.inspect_err(|e| progress.called(e.api_calls().saturating_sub(1)))?;
                expected
                    .entry(*kind)
                    .or_default()
                    .insert(id.clone(), found.as_ref().map(|r| r.entity.meta().version.clone()));
                match found {
                    Some(record) => batch.records.push(record),
                    None => batch.tombstones.push(Tombstone {
                        kind: *kind,
                        external_id: id.clone(),
                        deleted_at: self.clock().now().fixed_offset(),
                        merged_into: None,
                    }),
                }
            }
            batch.balance_points = balance_points(&batch.records, self.clock().now().date_naive());
            self.apply(batch, progress).await?;
        }
        let mut remaining = self.unrepaired_ids(connection, &expected).await?;
        remaining.extend(self.unrepaired_totals(connection, report).await?);
        for drift in &remaining {
            tracing::warn!(client = %connection.client, %drift, "drift left after repair");
        }
        repaired.remaining = u32::try_from(remaining.len()).unwrap_or(u32::MAX);
        Ok(repaired)
    }

    /// The repaired records the mirror does not hold as the source said.
    async fn unrepaired_ids(
        &self,
        connection: &Connection,
        expected: &BTreeMap<EntityKind, BTreeMap<ExternalId, Option<VersionToken>>>,
    ) -> Result<Vec<Drift>> {
        let mut left = Vec::new();
        for (kind, ids) in expected {
            let live: BTreeMap<ExternalId, VersionToken> = self
                .mirror()
                .live_versions(&connection.client, connection.rail, *kind)
                .await?
                .into_iter()
                .collect();
            for (id, source) in ids {
                match (source, live.get(id)) {
                    (Some(source), Some(held)) if held == source => {}
                    (None, None) => {}
                    (Some(source), None) => left.push(Drift::MissingInMirror {
                        kind: *kind,
                        id: id.clone(),
                        source_version: source.clone(),
                    }),
                    (Some(source), Some(held)) => left.push(Drift::StaleVersion {
                        kind: *kind,
                        id: id.clone(),
                        mirror_version: held.clone(),
                        source_version: source.clone(),
                    }),
                    (None, Some(held)) => left.push(Drift::ExtraInMirror {
                        kind: *kind,
                        id: id.clone(),
                        mirror_version: held.clone(),
                    }),
                }
            }
        }
        Ok(left)
    }

    /// The kinds whose totals still differ from the source's after a repair.
    async fn unrepaired_totals(&self, connection: &Connection, report: &DriftReport) -> Result<Vec<Drift>> {
        let ReconcileMode::Full {
            totals_as: Some(advisor),
        } = &report.mode
        else {
            return Ok(Vec::new());
        };
        let differed: Vec<(EntityKind, &KindTotals)> = report
            .drift
            .iter()
            .filter_map(|d| match d {
                Drift::TotalsDiffer { kind, source, .. } => Some((*kind, source)),
                _ => None,
            })
            .collect();
        if differed.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.mirror_totals(advisor, connection).await?;
        Ok(differed
            .into_iter()
            .filter_map(|(kind, source)| {
                let mirrored = normalized(now.get(&kind));
                (&mirrored != source).then(|| Drift::TotalsDiffer {
                    kind,
                    mirror: mirrored,
                    source: source.clone(),
                })
            })
            .collect())
    }

    /// Ends a `Reconcile` run with `outcome` and completes its repair
    /// report from the run's counts. A repair that left drift ends the run
    /// as failed, saying how much is left, and still answers its reports.
    async fn end_reconcile<T>(
        &self,
        connection: &Connection,
        progress: Progress,
        outcome: Result<(T, RepairReport)>,
    ) -> Result<(T, RepairReport)> {
        let run = progress.run;
        let mut sync = SyncReport::new(connection, SyncTrigger::Reconcile);
        let left = match &outcome {
            Ok((_, repaired)) if repaired.remaining > 0 => Some(format!(
                "repair left {} drift(s) unrepaired: see the reconcile report",
                repaired.remaining
            )),
            _ => None,
        };
        let (answer, repaired) = match left {
            None => self.end(connection, progress, outcome, &mut sync).await?,
            Some(left) => self.end_failed(progress, outcome, left, &mut sync).await?,
        };
        self.announce(&sync);
        Ok((
            answer,
            RepairReport {
                run: Some(run),
                applied: sync.counts.applied,
                deleted: sync.counts.deleted,
                api_calls: sync.counts.api_calls,
                ..repaired
            },
        ))
    }
}

/// Refuses to reconcile a connection that is not active, before any call.
fn refuse_inactive(connection: &Connection) -> Result<()> {
    let kind = match connection.status {
        ConnectionStatus::Active => return Ok(()),
        ConnectionStatus::NeedsReauth => RailErrorKind::NeedsReauth,
        _ => RailErrorKind::Forbidden,
    };
    Err(RowcolError::rail(
        kind,
        ErrorContext::client(&connection.client).with_realm(connection.rail, &connection.realm),
        RailFailure {
            message: format!(
                "the connection is {}: not reconciled, no call made",
                connection.status.as_str()
            ),
            ..RailFailure::default()
        },
    ))
}

/// Pages through every kind in `kinds`, keeping ids, versions and totals.
async fn list_source(rail: &dyn LedgerRail, connection: &Connection, kinds: &[EntityKind]) -> Result<Listing> {
    let mut listing = Listing::default();
    let mut pending: Vec<PageRequest> = kinds
        .iter()
        .map(|kind| PageRequest {
            kind: *kind,
            cursor: None,
        })
        .collect();
    for kind in kinds {
        listing.ids.entry(*kind).or_default();
    }
    while !pending.is_empty() {
        let pages = rail.list_pages(connection, &pending).await?;
        listing.api_calls += 1;
        pending.clear();
        for page in pages {
            let ids = listing.ids.entry(page.kind).or_default();
            let totals = listing.totals.entry(page.kind).or_default();
            for record in &page.records {
                let meta = record.entity.meta();
                ids.insert(meta.external_id.clone(), meta.version.clone());
                totals.add(&record.entity);
            }
            if let Some(cursor) = page.next {
                pending.push(PageRequest {
                    kind: page.kind,
                    cursor: Some(cursor),
                });
            }
        }
    }
    Ok(listing)
}

/// Adds the differences between the mirror's and the source's ids of one kind.
fn id_drift(
    kind: EntityKind,
    mirror: &BTreeMap<ExternalId, VersionToken>,
    source: &BTreeMap<ExternalId, VersionToken>,
    drift: &mut Vec<Drift>,
) {
    for (id, source_version) in source {
        match mirror.get(id) {
            None => drift.push(Drift::MissingInMirror {
                kind,
                id: id.clone(),
                source_version: source_version.clone(),
            }),
            Some(mirror_version) if mirror_version != source_version => drift.push(Drift::StaleVersion {
                kind,
                id: id.clone(),
                mirror_version: mirror_version.clone(),
                source_version: source_version.clone(),
            }),
            Some(_) => {}
        }
    }
    for (id, mirror_version) in mirror {
        if !source.contains_key(id) {
            drift.push(Drift::ExtraInMirror {
                kind,
                id: id.clone(),
                mirror_version: mirror_version.clone(),
            });
        }
    }
}

/// Totals without zero sums, so "no records" equals "records summing to zero".
fn normalized(totals: Option<&KindTotals>) -> KindTotals {
    let mut out = totals.cloned().unwrap_or_default();
    out.amounts.retain(|_, sum| !sum.is_zero());
    out.balances.retain(|_, sum| !sum.is_zero());
    out
}

fn kind_rank(kind: EntityKind) -> usize {
    EntityKind::ALL.iter().position(|k| *k == kind).unwrap_or(usize::MAX)
}

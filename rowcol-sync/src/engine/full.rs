//! A full sync: page through every mirrored kind, applying each rail answer
//! as one batch with the position reached, then switch to incremental from
//! the change cursor the listing ended with (a rail's `resume`, or its
//! cursor at the time the full sync began). Deletions are found by difference: when a
//! kind's listing ends, live mirror records it did not list are tombstoned.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, FixedOffset};

use rowcol_core::ports::PageRequest;
use rowcol_core::sync::{ChangeCursor, ChangeNotice, PageCursor, SyncBatch, SyncPosition, Tombstone};
use rowcol_core::{
    Connection, EntityKind, ErrorContext, ExternalId, LedgerRail, RailErrorKind, RailFailure, Result, RowcolError,
};

use super::{Progress, RealmLease, SyncEngine, balance_points, notices};

/// Margin taken off the first answer's server time for the CDC cursor that
/// follows, so a change landing while the first page was read is not lost.
const START_OVERLAP: chrono::Duration = chrono::Duration::seconds(60);

/// Kinds still to list, each with the cursor of its next page.
type Pending = BTreeMap<EntityKind, Option<PageCursor>>;

/// Runs a full sync, fresh (`resume` is `None` or not a full-sync position)
/// or resumed after a crash. A resumed kind restarts at its first page: the
/// ids listed before the crash are not known, and deletion by difference
/// needs the whole listing; upserts are idempotent, so re-reading is safe.
/// Answers the change cursor it committed once every kind was listed
/// (`None` when no page was read): read from it at once, the change feed
/// brings the kinds listed first up to date.
pub(super) async fn run(
    engine: &SyncEngine,
    connection: &Connection,
    rail: &dyn LedgerRail,
    resume: Option<SyncPosition>,
    notices: &[ChangeNotice],
    lease: Option<&RealmLease>,
    progress: &mut Progress,
) -> Result<Option<ChangeCursor>> {
    let (mut started_at, mut pending, mut feed): (Option<DateTime<FixedOffset>>, Pending, Option<ChangeCursor>) =
        match resume {
            Some(SyncPosition::FullSync {
                started_at,
                pending,
                resume,
            }) => (
                Some(started_at),
                pending.into_keys().map(|kind| (kind, None)).collect(),
                resume,
            ),
            _ => (
                None,
                connection.rail.kinds().iter().map(|kind| (*kind, None)).collect(),
                None,
            ),
        };
    let mut seen: BTreeMap<EntityKind, HashSet<ExternalId>> = BTreeMap::new();
    let mut committed = None;
    while !pending.is_empty() {
        if let Some(lease) = lease {
            lease.check().await?;
        }
        let requests: Vec<PageRequest> = pending
            .iter()
            .map(|(kind, cursor)| PageRequest {
                kind: *kind,
                cursor: cursor.clone(),
            })
            .collect();
        let pages = progress.count(rail.list_pages(connection, &requests).await)?;
        progress.called(1);
        check_answer(connection, &requests, pages.len())?;

        let mut batch = SyncBatch::new(connection.client.clone(), connection.rail);
        let mut finished = Vec::new();
        for page in pages {
            started_at.get_or_insert(page.server_time - START_OVERLAP);
            let ids = seen.entry(page.kind).or_default();
            ids.extend(page.records.iter().map(|r| r.entity.meta().external_id.clone()));
            ids.extend(page.rejects.iter().filter_map(|r| r.external_id.clone()));
            batch
                .balance_points
                .extend(balance_points(&page.records, page.server_time.date_naive()));
            batch.records.extend(page.records);
            batch.rejects.extend(page.rejects);
            if let Some(cursor) = page.resume {
                feed = Some(cursor);
            }
            match page.next {
                Some(cursor) => {
                    pending.insert(page.kind, Some(cursor));
                }
                None => {
                    pending.remove(&page.kind);
                    finished.push((page.kind, page.server_time));
                }
            }
        }
        for (kind, listed_at) in finished {
            let listed = seen.remove(&kind).unwrap_or_default();
            for (id, _) in engine
                .mirror
                .live_versions(&connection.client, connection.rail, kind)
                .await?
            {
                if !listed.contains(&id) {
                    batch.tombstones.push(Tombstone {
                        kind,
                        external_id: id,
                        deleted_at: listed_at,
                        merged_into: None,
                    });
                }
            }
        }
        notices::name_survivors(&mut batch.tombstones, notices);
        let Some(started_at) = started_at else {
            // Only reachable when the rail answered no page at all, which
            // `check_answer` refused above.
            break;
        };
        batch.checkpoint = Some(if pending.is_empty() {
            let cursor = feed.clone().unwrap_or_else(|| rail.cursor_at(started_at));
            committed = Some(cursor.clone());
            SyncPosition::Incremental { cursor }
        } else {
            SyncPosition::FullSync {
                started_at,
                pending: pending.clone(),
                resume: feed.clone(),
            }
        });
        engine.apply(batch, progress).await?;
    }
    Ok(committed)
}

/// Refuses an answer that does not hold one page per request (a rail bug):
/// applying it could move the checkpoint past unread data.
fn check_answer(connection: &Connection, requests: &[PageRequest], pages: usize) -> Result<()> {
    if pages == requests.len() {
        return Ok(());
    }
    Err(RowcolError::rail(
        RailErrorKind::Invalid,
        ErrorContext::client(&connection.client).with_realm(connection.rail, &connection.realm),
        RailFailure {
            message: format!("the rail answered {pages} pages for {} page requests", requests.len()),
            ..RailFailure::default()
        },
    ))
}

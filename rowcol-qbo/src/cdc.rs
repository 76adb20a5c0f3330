//! Change data capture: every change of the mirrored kinds since a cursor,
//! deletions included, in one call per realm when it fits.
//!
//! QBO's CDC answer holds at most 1000 objects across all kinds and does not
//! say which kind was cut. CDC has no upper time bound, so "splitting the
//! window" works from the bottom: a saturated answer is asked again per kind;
//! a saturated single-kind answer (oldest change first) is complete for every
//! time before its newest one, so the kind is asked again from that time
//! (inclusive, de-duplicated) until an answer is under the cap. Only then is
//! the cursor moved, to the server's time of the first answer less an
//! overlap: it never passes a change that was not seen.

use std::collections::HashMap;

use chrono::Timelike;
use chrono::{DateTime, Duration, FixedOffset};
use rowcol_core::ports::ChangeSet;
use rowcol_core::sync::{Rejected, SourceRecord, Tombstone};
use rowcol_core::{ChangeCursor, Connection, EntityKind, RailErrorKind, Result, RowcolError};
use serde_json::Value;

use crate::QboRail;
use crate::fault;
use crate::http::{ApiRequest, CallCount, context};
use crate::map::{qbo_json_key, qbo_name, time};

/// Most objects in one CDC answer, all kinds together.
pub(crate) const CDC_CAP: usize = 1000;
/// How far back QBO's CDC looks.
pub(crate) const LOOKBACK_DAYS: i64 = 30;

/// One CDC answer: rows per kind, in the order given, and the server's time.
struct CdcAnswer {
    rows: Vec<(EntityKind, Vec<Value>)>,
    time: Value,
}

impl CdcAnswer {
    fn len(&self) -> usize {
        self.rows.iter().map(|(_, rows)| rows.len()).sum()
    }
}

/// The newest state seen of each changed record.
#[derive(Default)]
struct Latest {
    records: HashMap<(EntityKind, String), SourceRecord>,
    tombstones: HashMap<(EntityKind, String), Tombstone>,
    rejects: Vec<Rejected>,
}

impl Latest {
    fn add_record(&mut self, record: SourceRecord) {
        let meta = record.entity.meta();
        let key = (record.entity.kind(), meta.external_id.as_str().to_owned());
        if let Some(t) = self.tombstones.get(&key)
            && t.deleted_at >= meta.updated_at
        {
            return;
        }
        let newer = self
            .records
            .get(&key)
            .is_none_or(|held| meta.is_newer_than(held.entity.meta()));
        if newer {
            self.tombstones.remove(&key);
            self.records.insert(key, record);
        }
    }

    fn add_tombstone(&mut self, tombstone: Tombstone) {
        let key = (tombstone.kind, tombstone.external_id.as_str().to_owned());
        if let Some(held) = self.records.get(&key) {
            // A deletion at the same instant as an update wins: ids are not reused.
            if held.entity.meta().updated_at > tombstone.deleted_at {
                return;
            }
            self.records.remove(&key);
        }
        self.tombstones.insert(key, tombstone);
    }

    fn add_reject(&mut self, rejected: Rejected) {
        if !self.rejects.contains(&rejected) {
            self.rejects.push(rejected);
        }
    }

    fn into_change_set(
        self,
        next_since: DateTime<FixedOffset>,
        server_time: DateTime<FixedOffset>,
        api_calls: u32,
    ) -> ChangeSet {
        let mut records: Vec<SourceRecord> = self.records.into_values().collect();
        records.sort_by(|a, b| {
            let (a, b) = (a.entity.meta(), b.entity.meta());
            (a.updated_at, a.external_id.as_str()).cmp(&(b.updated_at, b.external_id.as_str()))
        });
        let mut tombstones: Vec<Tombstone> = self.tombstones.into_values().collect();
        tombstones.sort_by(|a, b| (a.deleted_at, a.external_id.as_str()).cmp(&(b.deleted_at, b.external_id.as_str())));
        ChangeSet {
            records,
            tombstones,
            rejects: self.rejects,
            next: ChangeCursor::from_time(next_since),
            server_time,
            api_calls,
        }
    }
}

fn too_old(connection: &Connection, message: String) -> RowcolError {
    RowcolError::rail(
        RailErrorKind::CursorTooOld,
        context(connection, None),
        fault::failure(None, None, None, &message),
    )
}

impl QboRail {
    /// Every change of `kinds` since `cursor`, a time (CompanyInfo is not in
    /// QBO's CDC and is skipped: list it with `list_pages`). A cursor that is
    /// no time is `CursorTooOld`, as one past the window is.
    pub(crate) async fn cdc(
        &self,
        connection: &Connection,
        cursor: &ChangeCursor,
        kinds: &[EntityKind],
    ) -> Result<ChangeSet> {
        // QBO stamps changes in whole seconds: a cursor inside a second
        // would skip a change made earlier in that same second.
        let Some(since) = cursor.time().and_then(|t| t.with_nanosecond(0)) else {
            return Err(too_old(
                connection,
                format!("the change cursor {cursor:?} is not a time"),
            ));
        };
        let mut wanted: Vec<EntityKind> = Vec::new();
        for kind in kinds {
            if *kind != EntityKind::CompanyInfo && !wanted.contains(kind) {
                wanted.push(*kind);
            }
        }
        if wanted.is_empty() {
            return Ok(Latest::default().into_change_set(since, since, 0));
        }
        if since < self.clock.now() - Duration::days(LOOKBACK_DAYS) {
            return Err(too_old(
                connection,
                format!("changedSince {since} is older than QBO's {LOOKBACK_DAYS}-day CDC window"),
            ));
        }
        let count = CallCount::default();
        let mut latest = Latest::default();
        let first = self.cdc_call(connection, &wanted, since, &count).await?;
        let first_time = self.server_time(&first.time);
        let saturated = first.len() >= CDC_CAP;
        self.absorb(connection, first, &mut latest, &count).await?;
        if saturated {
            for kind in &wanted {
                self.drain_kind(connection, *kind, since, &mut latest, &count).await?;
            }
        }
        let overlap = Duration::from_std(self.api.config.cdc_overlap).unwrap_or_else(|_| Duration::zero());
        let next_since = (first_time - overlap).max(since);
        Ok(latest.into_change_set(next_since, first_time, count.get()))
    }

    /// Reads one kind's changes from `since` until an answer is under the cap.
    async fn drain_kind(
        &self,
        connection: &Connection,
        kind: EntityKind,
        since: DateTime<FixedOffset>,
        latest: &mut Latest,
        count: &CallCount,
    ) -> Result<()> {
        let mut from = since;
        loop {
            let answer = self.cdc_call(connection, &[kind], from, count).await?;
            let saturated = answer.len() >= CDC_CAP;
            let times: Vec<DateTime<FixedOffset>> = answer
                .rows
                .iter()
                .flat_map(|(_, rows)| rows.iter())
                .filter_map(|row| time(row.get("MetaData").and_then(|m| m.get("LastUpdatedTime")), "").ok())
                .collect();
            self.absorb(connection, answer, latest, count).await?;
            if !saturated {
                return Ok(());
            }
            // A cut answer is only safe to continue from when it is oldest-first.
            let sorted = times.windows(2).all(|w| w[0] <= w[1]);
            let newest = times.last().copied().unwrap_or(from);
            if !sorted || newest <= from {
                return Err(too_old(
                    connection,
                    format!(
                        "more than {CDC_CAP} {kind} changes at {from} cannot all be read through CDC; a full re-sync is needed"
                    ),
                ));
            }
            from = newest;
        }
    }

    async fn absorb(
        &self,
        connection: &Connection,
        answer: CdcAnswer,
        latest: &mut Latest,
        count: &CallCount,
    ) -> Result<()> {
        for (kind, rows) in answer.rows {
            let mapped = self.map_rows(connection, kind, &rows, count).await?;
            mapped.records.into_iter().for_each(|r| latest.add_record(r));
            mapped.tombstones.into_iter().for_each(|t| latest.add_tombstone(t));
            mapped.rejects.into_iter().for_each(|r| latest.add_reject(r));
        }
        Ok(())
    }

    async fn cdc_call(
        &self,
        connection: &Connection,
        kinds: &[EntityKind],
        since: DateTime<FixedOffset>,
        count: &CallCount,
    ) -> Result<CdcAnswer> {
        let entities: Vec<&str> = kinds.iter().map(|k| qbo_name(*k)).collect();
        let request = ApiRequest::get(
            "cdc",
            vec![("entities", entities.join(",")), ("changedSince", since.to_rfc3339())],
            (kinds.len() == 1).then(|| kinds[0]),
        );
        let answer = match self.api.send(connection, &request, count).await {
            Ok(answer) => answer,
            // QBO refuses a changedSince past its window as a validation fault.
            Err(RowcolError::Rail {
                kind: RailErrorKind::Invalid,
                context,
                failure,
            }) if failure.message.contains("changedSince") => {
                return Err(RowcolError::rail(RailErrorKind::CursorTooOld, context, failure));
            }
            Err(e) => return Err(e),
        };
        let mut rows = Vec::new();
        let responses = answer
            .body
            .get("CDCResponse")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        for entry in responses
            .iter()
            .filter_map(|r| r.get("QueryResponse").and_then(Value::as_array))
            .flatten()
        {
            for kind in kinds {
                if let Some(found) = entry.get(qbo_json_key(*kind)).and_then(Value::as_array) {
                    rows.push((*kind, found.clone()));
                }
            }
        }
        Ok(CdcAnswer {
            rows,
            time: answer.body.get("time").cloned().unwrap_or(Value::Null),
        })
    }
}

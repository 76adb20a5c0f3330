//! `apply`: one sync batch, one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rowcol_core::entity::EntityKind;
use rowcol_core::sync::{ApplyOutcome, AuditEntry, GENESIS_HASH, SyncBatch};
use rowcol_core::{ClientId, ErrorContext, ExternalId, Rail, RowcolError, VersionToken};
use sha2::{Digest, Sha256};

use crate::backend::{Backend, Column, Val};
use crate::codec::{self, parse};
use crate::error::store_error;
use crate::plan::{self, AuditDraft, Encoded, Held, Key, Plan, RecordWrite};
use crate::store::{SqlMirror, bind_int, bind_money, bind_text, need_int, need_text, sql};

/// Ids per held-state lookup and rows per balance-point statement: well
/// under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const CHUNK: usize = 1_000;

/// Whether rows being written are new to the mirror or replace rows it
/// holds. New keys take a plain `INSERT`: on PostgreSQL it skips
/// `ON CONFLICT`'s speculative insertion (about a quarter of a first sync's
/// insert time).
#[derive(Debug, Clone, Copy)]
enum Rows {
    /// Keys the mirror has no row for.
    New,
    /// Keys it holds (a newer state, or a state after a tombstone).
    Held,
}

impl Rows {
    /// What follows the `records` insert.
    fn records_tail(self) -> &'static str {
        match self {
            Rows::New => "",
            Rows::Held => {
                "ON CONFLICT (client_id, rail, kind, external_id) DO UPDATE SET version = excluded.version, \
                 updated_us = excluded.updated_us, deleted = excluded.deleted, merged_into = NULL, \
                 txn_date = excluded.txn_date, due_date = excluded.due_date, currency = excluded.currency, \
                 total = excluded.total, balance = excluded.balance, is_open = excluded.is_open, \
                 party_id = excluded.party_id, active = excluded.active, doc = excluded.doc, \
                 synced_us = excluded.synced_us"
            }
        }
    }

    /// What follows the `record_sources` insert (a held key may have no
    /// payload yet: a tombstone for a record never seen leaves none).
    fn sources_tail(self) -> &'static str {
        match self {
            Rows::New => "",
            Rows::Held => "ON CONFLICT (client_id, rail, kind, external_id) DO UPDATE SET raw = excluded.raw",
        }
    }
}

impl<DB: Backend> SqlMirror<DB> {
    pub(crate) async fn apply_batch(&self, batch: &SyncBatch) -> Result<ApplyOutcome, RowcolError> {
        plan::check_batch(batch)?;
        let ctx = ErrorContext::client(&batch.client);
        let fail = |doing: &'static str| {
            let ctx = ctx.clone();
            move |e: sqlx::Error| store_error(e, ctx, doing)
        };
        let now = self.clock.now();
        let mut tx = self
            .pool
            .begin_with(DB::BEGIN_WRITE)
            .await
            .map_err(fail("starting the apply transaction"))?;

        // Lock the client's row: audit appends for one client are serialised.
        let mut q = sql::<DB>("SELECT id FROM clients WHERE id = ");
        bind_text(&mut q, batch.client.as_str());
        q.push(DB::FOR_UPDATE);
        if DB::fetch_all(&mut tx, &mut q)
            .await
            .map_err(fail("locking the client"))?
            .is_empty()
        {
            return Err(RowcolError::InvalidInput {
                context: ctx,
                reason: "unknown client: register it before syncing".to_owned(),
            });
        }

        // The records are encoded (typed columns, packed doc) while the held
        // states are read: the encoding does not depend on them, and the
        // database works on the lookup meanwhile.
        let (held, encoded) = futures::join!(self.held_states(&mut tx, batch), encode_in_slices(batch));
        let mut plan = plan::plan(batch, encoded?, &mut held?);
        let records = std::mem::take(&mut plan.records);
        let chain_end = match plan.audit.is_empty() {
            true => (0, GENESIS_HASH.to_owned()),
            false => self.audit_chain_end(&mut tx, &batch.client).await?,
        };
        // The audit entries are chained, hashed and laid out as columns while
        // the rows are written.
        let (written, sealed) = futures::join!(
            async {
                self.write_records(&mut tx, batch, records, now).await?;
                self.write_tombstones(&mut tx, batch, &plan, now).await
            },
            async {
                let entries = seal_audit(batch, &plan.audit, chain_end, now).await?;
                Ok::<_, RowcolError>(audit_columns(&batch.client, entries))
            }
        );
        written?;
        self.append_audit(&mut tx, &batch.client, sealed?).await?;
        self.write_dead_letters(&mut tx, batch, now).await?;
        self.write_balance_points(&mut tx, batch).await?;
        if let Some(position) = &batch.checkpoint {
            let json = serde_json::to_string(position).map_err(|e| RowcolError::InvalidInput {
                context: ctx.clone(),
                reason: format!("checkpoint does not encode: {e}"),
            })?;
            let mut q = sql::<DB>("INSERT INTO checkpoints (client_id, rail, position, committed_us) VALUES (");
            bind_text(&mut q, batch.client.as_str());
            q.push(", ");
            bind_text(&mut q, batch.rail.as_str());
            q.push(", ");
            bind_text(&mut q, &json);
            q.push(", ");
            bind_int(&mut q, codec::micros(now));
            q.push(
                ") ON CONFLICT (client_id, rail) DO UPDATE SET position = excluded.position, \
                 committed_us = excluded.committed_us",
            );
            DB::execute(&mut tx, &mut q)
                .await
                .map_err(fail("moving the checkpoint"))?;
        }
        if let Some(run) = batch.run {
            // The run's counts grow with each committed batch, so a run cut
            // off by a dead process still says what it committed.
            let o = &plan.outcome;
            let fetched = batch.records.len() + batch.rejects.len();
            let mut q = sql::<DB>("UPDATE sync_runs SET fetched = fetched + ");
            bind_int(&mut q, i64::try_from(fetched).unwrap_or(i64::MAX));
            for (column, value) in [
                ("applied", o.inserted + o.updated),
                ("unchanged", o.unchanged + o.stale),
                ("deleted", o.deleted),
                ("dead_lettered", o.dead_lettered),
            ] {
                q.push(format!(", {column} = {column} + "));
                bind_int(&mut q, i64::from(value));
            }
            q.push(" WHERE id = ");
            bind_int(&mut q, run.0);
            DB::execute(&mut tx, &mut q)
                .await
                .map_err(fail("counting the batch in its run"))?;
        }
        tx.commit().await.map_err(fail("committing the batch"))?;
        if !plan.audit.is_empty() {
            self.upkeep.after_batch(&self.pool);
        }
        Ok(plan.outcome)
    }

    /// What the mirror holds for the batch's records and tombstones.
    async fn held_states(
        &self,
        conn: &mut DB::Connection,
        batch: &SyncBatch,
    ) -> Result<HashMap<Key, Held>, RowcolError> {
        let keys = batch
            .records
            .iter()
            .map(|r| (r.entity.kind(), &r.entity.meta().external_id))
            .chain(batch.tombstones.iter().map(|t| (t.kind, &t.external_id)));
        held_by_key::<DB>(conn, &batch.client, batch.rail, keys).await
    }

    /// Writes the planned rows, new keys and held keys apart (see [`Rows`]).
    async fn write_records(
        &self,
        conn: &mut DB::Connection,
        batch: &SyncBatch,
        records: Vec<RecordWrite<'_>>,
        now: DateTime<Utc>,
    ) -> Result<(), RowcolError> {
        let (new, held): (Vec<_>, Vec<_>) = records.into_iter().partition(|w| w.new);
        self.insert_records(conn, batch, new, Rows::New, now).await?;
        self.insert_records(conn, batch, held, Rows::Held, now).await
    }

    /// Inserts full rows into `records` and their payloads into
    /// `record_sources`, as `rows_are` says (plainly or as upserts).
    async fn insert_records(
        &self,
        conn: &mut DB::Connection,
        batch: &SyncBatch,
        records: Vec<RecordWrite<'_>>,
        rows_are: Rows,
        now: DateTime<Utc>,
    ) -> Result<(), RowcolError> {
        if records.is_empty() {
            return Ok(());
        }
        let rows = records.len();
        let mut kind = Vec::with_capacity(rows);
        let mut external_id = Vec::with_capacity(rows);
        let mut version = Vec::with_capacity(rows);
        let mut updated_us = Vec::with_capacity(rows);
        let (mut txn_date, mut due_date, mut currency) = (
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
        );
        let (mut total, mut balance, mut is_open) = (
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
        );
        let (mut party_id, mut active, mut doc, mut raw) = (
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
            Vec::with_capacity(rows),
        );
        for w in records {
            let Encoded {
                record,
                columns: c,
                doc: d,
            } = w.encoded;
            let meta = record.entity.meta();
            kind.push(record.entity.kind().as_str().to_owned());
            external_id.push(meta.external_id.as_str().to_owned());
            version.push(meta.version.as_str().to_owned());
            updated_us.push(w.updated_us);
            txn_date.push(c.txn_date);
            due_date.push(c.due_date);
            currency.push(c.currency);
            total.push(c.total);
            balance.push(c.balance);
            is_open.push(c.is_open);
            party_id.push(c.party_id);
            active.push(c.active);
            doc.push(d);
            raw.push(record.raw.clone());
        }
        let columns = vec![
            Column::Same(Val::Text(batch.client.as_str().to_owned())),
            Column::Same(Val::Text(batch.rail.as_str().to_owned())),
            Column::Text(kind.clone()),
            Column::Text(external_id.clone()),
            Column::Text(version),
            Column::Int(updated_us),
            Column::Same(Val::Bool(false)),
            Column::Same(Val::OptText(None)),
            Column::OptText(txn_date),
            Column::OptText(due_date),
            Column::OptText(currency),
            Column::Money(total),
            Column::Money(balance),
            Column::Bool(is_open),
            Column::OptText(party_id),
            Column::OptBool(active),
            Column::Bytes(doc),
            Column::Same(Val::Int(codec::micros(now))),
        ];
        let sources = vec![
            Column::Same(Val::Text(batch.client.as_str().to_owned())),
            Column::Same(Val::Text(batch.rail.as_str().to_owned())),
            Column::Text(kind),
            Column::Text(external_id),
            Column::Text(raw),
        ];
        DB::insert_rows(
            conn,
            "INSERT INTO records (client_id, rail, kind, external_id, version, updated_us, deleted, merged_into, \
             txn_date, due_date, currency, total, balance, is_open, party_id, active, doc, synced_us)",
            columns,
            rows_are.records_tail(),
        )
        .await
        .map_err(|e| store_error(e, ErrorContext::client(&batch.client), "writing records"))?;
        DB::insert_rows(
            conn,
            "INSERT INTO record_sources (client_id, rail, kind, external_id, raw)",
            sources,
            rows_are.sources_tail(),
        )
        .await
        .map_err(|e| store_error(e, ErrorContext::client(&batch.client), "writing source payloads"))?;
        Ok(())
    }

    /// Tombstones keep the last known state of a record (its doc and typed
    /// columns) and only flip it to deleted; for a record never seen they
    /// leave a bare row so that a late older state cannot resurrect it.
    async fn write_tombstones(
        &self,
        conn: &mut DB::Connection,
        batch: &SyncBatch,
        plan: &Plan<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), RowcolError> {
        if plan.tombstones.is_empty() {
            return Ok(());
        }
        let columns = vec![
            Column::Same(Val::Text(batch.client.as_str().to_owned())),
            Column::Same(Val::Text(batch.rail.as_str().to_owned())),
            Column::Text(
                plan.tombstones
                    .iter()
                    .map(|t| t.tombstone.kind.as_str().to_owned())
                    .collect(),
            ),
            Column::Text(
                plan.tombstones
                    .iter()
                    .map(|t| t.tombstone.external_id.as_str().to_owned())
                    .collect(),
            ),
            Column::Same(Val::Text(String::new())),
            Column::Int(plan.tombstones.iter().map(|t| t.deleted_us).collect()),
            Column::Same(Val::Bool(true)),
            Column::OptText(
                plan.tombstones
                    .iter()
                    .map(|t| t.tombstone.merged_into.as_ref().map(ToString::to_string))
                    .collect(),
            ),
            Column::Same(Val::Bool(false)),
            Column::Same(Val::Int(codec::micros(now))),
        ];
        DB::insert_rows(
            conn,
            "INSERT INTO records (client_id, rail, kind, external_id, version, updated_us, deleted, merged_into, \
             is_open, synced_us)",
            columns,
            "ON CONFLICT (client_id, rail, kind, external_id) DO UPDATE SET updated_us = excluded.updated_us, \
             deleted = excluded.deleted, merged_into = excluded.merged_into, is_open = excluded.is_open, \
             synced_us = excluded.synced_us",
        )
        .await
        .map_err(|e| store_error(e, ErrorContext::client(&batch.client), "writing tombstones"))?;
        Ok(())
    }

    /// The client's last audit entry (seq and hash; genesis when there is
    /// none): read with the client's row locked, only when there is an
    /// entry to chain onto it.
    pub(crate) async fn audit_chain_end(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
    ) -> Result<(i64, String), RowcolError> {
        let mut q = sql::<DB>("SELECT seq, hash FROM audit_log WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" ORDER BY seq DESC LIMIT 1");
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ErrorContext::client(client), "reading the audit chain's end"))?;
        match rows.first() {
            Some(row) => Ok((need_int::<DB>(row, 0)?, need_text::<DB>(row, 1)?)),
            None => Ok((0, GENESIS_HASH.to_owned())),
        }
    }

    /// Appends sealed audit entries, given as [`audit_columns`].
    pub(crate) async fn append_audit(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
        columns: Option<Vec<Column>>,
    ) -> Result<(), RowcolError> {
        let Some(columns) = columns else {
            return Ok(());
        };
        DB::insert_rows(
            conn,
            "INSERT INTO audit_log (client_id, seq, recorded_us, action, kind, external_id, version, \
             source_updated_at, source_updated_us, txn_date, run_id, prev_hash, hash)",
            columns,
            "",
        )
        .await
        .map_err(|e| store_error(e, ErrorContext::client(client), "appending to the audit log"))?;
        Ok(())
    }

    async fn write_dead_letters(
        &self,
        conn: &mut DB::Connection,
        batch: &SyncBatch,
        now: DateTime<Utc>,
    ) -> Result<(), RowcolError> {
        for reject in &batch.rejects {
            let fingerprint = match &reject.external_id {
                Some(id) => id.to_string(),
                None => format!("sha256:{}", hex::encode(Sha256::digest(reject.raw.as_bytes()))),
            };
            let mut q = sql::<DB>(
                "INSERT INTO dead_letters (client_id, rail, kind, fingerprint, external_id, raw, reason, first_us, \
                 last_us, attempts) VALUES (",
            );
            bind_text(&mut q, batch.client.as_str());
            q.push(", ");
            bind_text(&mut q, batch.rail.as_str());
            q.push(", ");
            bind_text(&mut q, reject.kind.as_str());
            q.push(", ");
            bind_text(&mut q, &fingerprint);
            q.push(", ");
            DB::bind(
                &mut q,
                Val::OptText(reject.external_id.as_ref().map(ToString::to_string)),
            );
            q.push(", ");
            bind_text(&mut q, &reject.raw);
            q.push(", ");
            bind_text(&mut q, &reject.reason);
            q.push(", ");
            bind_int(&mut q, codec::micros(now));
            q.push(", ");
            bind_int(&mut q, codec::micros(now));
            q.push(
                ", 1) ON CONFLICT (client_id, rail, kind, fingerprint) DO UPDATE SET raw = excluded.raw, \
                 reason = excluded.reason, last_us = excluded.last_us, attempts = dead_letters.attempts + 1",
            );
            DB::execute(conn, &mut q)
                .await
                .map_err(|e| store_error(e, ErrorContext::client(&batch.client), "storing a dead letter"))?;
        }
        Ok(())
    }

    async fn write_balance_points(&self, conn: &mut DB::Connection, batch: &SyncBatch) -> Result<(), RowcolError> {
        for chunk in batch.balance_points.chunks(CHUNK) {
            let mut q =
                sql::<DB>("INSERT INTO balance_history (client_id, account_id, on_date, currency, balance) VALUES ");
            for (i, p) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                bind_text(&mut q, batch.client.as_str());
                q.push(", ");
                bind_text(&mut q, p.account.as_str());
                q.push(", ");
                bind_text(&mut q, &codec::date_text(p.on));
                q.push(", ");
                bind_text(&mut q, p.balance.currency().code());
                q.push(", ");
                bind_money(&mut q, Some(p.balance.amount().to_string()));
                q.push(")");
            }
            q.push(
                " ON CONFLICT (client_id, account_id, on_date) DO UPDATE SET currency = excluded.currency, \
                 balance = excluded.balance",
            );
            DB::execute(conn, &mut q)
                .await
                .map_err(|e| store_error(e, ErrorContext::client(&batch.client), "writing balance history"))?;
        }
        Ok(())
    }
}

/// The columns [`SqlMirror::append_audit`] writes for `client`'s sealed
/// entries (built while the records are written); `None` for no entries.
pub(crate) fn audit_columns(client: &ClientId, entries: Vec<AuditEntry>) -> Option<Vec<Column>> {
    if entries.is_empty() {
        return None;
    }
    Some(vec![
        Column::Same(Val::Text(client.as_str().to_owned())),
        Column::Int(entries.iter().map(|e| e.seq).collect()),
        Column::Int(entries.iter().map(|e| codec::micros(e.recorded_at)).collect()),
        Column::Text(entries.iter().map(|e| e.action.as_str().to_owned()).collect()),
        Column::Text(entries.iter().map(|e| e.kind.as_str().to_owned()).collect()),
        Column::Text(entries.iter().map(|e| e.external_id.as_str().to_owned()).collect()),
        Column::Text(entries.iter().map(|e| e.version.as_str().to_owned()).collect()),
        Column::Text(entries.iter().map(|e| e.source_updated_at.to_rfc3339()).collect()),
        Column::Int(entries.iter().map(|e| e.source_updated_at.timestamp_micros()).collect()),
        Column::OptText(entries.iter().map(|e| e.txn_date.map(codec::date_text)).collect()),
        Column::OptInt(entries.iter().map(|e| e.run.map(|r| r.0)).collect()),
        Column::Text(entries.iter().map(|e| e.prev_hash.clone()).collect()),
        Column::Text(entries.into_iter().map(|e| e.hash).collect()),
    ])
}

/// Records or audit entries per slice of the CPU work `apply` does beside a
/// database call: the task yields after each slice, so the call moves on
/// meanwhile. On PostgreSQL a statement takes two round trips (prepare, then
/// execute); done in one piece, the work held the second back until it ended
/// (the held-state lookup and the encoding of 1,000 bills ran one after the
/// other, 7.3 ms, instead of side by side).
const SLICE: usize = 100;

/// Encodes the batch's records ([`plan::encode`]) in slices of [`SLICE`].
async fn encode_in_slices(batch: &SyncBatch) -> Result<Vec<Encoded<'_>>, RowcolError> {
    let mut encoded = Vec::with_capacity(batch.records.len());
    for slice in batch.records.chunks(SLICE) {
        encoded.extend(plan::encode(slice)?);
        tokio::task::yield_now().await;
    }
    Ok(encoded)
}

/// Chains the drafts onto the client's last entry (`chain_end`: its seq and
/// hash) as entries recorded `now`, yielding after every [`SLICE`] entries.
async fn seal_audit(
    batch: &SyncBatch,
    drafts: &[AuditDraft],
    chain_end: (i64, String),
    now: DateTime<Utc>,
) -> Result<Vec<AuditEntry>, RowcolError> {
    let (mut seq, mut prev) = chain_end;
    // Stored with microsecond precision, so hash exactly that.
    let recorded_at = codec::instant(codec::micros(now))?;
    let mut entries = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.iter().enumerate() {
        if i > 0 && i % SLICE == 0 {
            tokio::task::yield_now().await;
        }
        seq += 1;
        let entry = AuditEntry {
            seq,
            client: batch.client.clone(),
            recorded_at,
            action: d.action,
            kind: d.kind,
            external_id: d.external_id.clone(),
            version: d.version.clone(),
            source_updated_at: d.source_updated_at,
            txn_date: d.txn_date,
            run: batch.run,
            prev_hash: String::new(),
            hash: String::new(),
        }
        .seal(&prev);
        prev.clone_from(&entry.hash);
        entries.push(entry);
    }
    Ok(entries)
}

/// What the mirror holds for `keys` of `client` on `rail` (keys without a
/// row are left out), read by kind in chunks.
pub(crate) async fn held_by_key<'k, DB: Backend>(
    conn: &mut DB::Connection,
    client: &ClientId,
    rail: Rail,
    keys: impl Iterator<Item = (EntityKind, &'k ExternalId)>,
) -> Result<HashMap<Key, Held>, RowcolError> {
    let mut by_kind: HashMap<EntityKind, Vec<&ExternalId>> = HashMap::new();
    for (kind, id) in keys {
        by_kind.entry(kind).or_default().push(id);
    }
    let fail = |e| store_error(e, ErrorContext::client(client), "reading held versions");
    let mut held = HashMap::new();
    for (kind, ids) in by_kind {
        for chunk in ids.chunks(CHUNK) {
            let mut q = sql::<DB>("SELECT external_id, version, updated_us, deleted FROM records WHERE client_id = ");
            bind_text(&mut q, client.as_str());
            q.push(" AND rail = ");
            bind_text(&mut q, rail.as_str());
            q.push(" AND kind = ");
            bind_text(&mut q, kind.as_str());
            q.push(" AND external_id");
            DB::push_any(&mut q, chunk.iter().map(|id| id.as_str().to_owned()).collect());
            let rows = DB::fetch_all(conn, &mut q).await.map_err(fail)?;
            for row in rows {
                let id: ExternalId = parse(&need_text::<DB>(&row, 0)?, "external id")?;
                let deleted = DB::flag(&row, 3).map_err(fail)?.unwrap_or(false);
                held.insert(
                    (kind, id),
                    Held {
                        version: VersionToken::new(need_text::<DB>(&row, 1)?),
                        updated_us: need_int::<DB>(&row, 2)?,
                        deleted,
                    },
                );
            }
        }
    }
    Ok(held)
}

//! `apply`: one sync batch, one transaction.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rowcol_core::entity::EntityKind;
use rowcol_core::sync::{ApplyOutcome, AuditEntry, GENESIS_HASH, SyncBatch};
use rowcol_core::{ErrorContext, ExternalId, RowcolError, VersionToken};
use sha2::{Digest, Sha256};
use sqlx::QueryBuilder;

use crate::backend::{Backend, Val};
use crate::codec::{self, parse};
use crate::error::store_error;
use crate::plan::{self, AuditDraft, Held, Key, Plan};
use crate::store::{SqlMirror, bind_int, bind_money, bind_text, need_int, need_text, sql};

/// Rows per multi-row statement: well under SQLite's 32,766 and PostgreSQL's
/// 65,535 bound parameters at 19 columns a row.
const CHUNK: usize = 500;

/// Opens the `i`-th row tuple of a multi-row insert into `records` with its
/// key (client, rail, kind, external id) and a trailing separator.
fn push_key<DB: Backend>(q: &mut QueryBuilder<DB>, i: usize, batch: &SyncBatch, kind: EntityKind, id: &ExternalId) {
    q.push(if i == 0 { "(" } else { ", (" });
    bind_text(q, batch.client.as_str());
    q.push(", ");
    bind_text(q, batch.rail.as_str());
    q.push(", ");
    bind_text(q, kind.as_str());
    q.push(", ");
    bind_text(q, id.as_str());
    q.push(", ");
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

        let mut held = self.held_states(&mut tx, batch).await?;
        let plan = plan::plan(batch, &mut held)?;
        self.write_records(&mut tx, batch, &plan, now).await?;
        self.write_tombstones(&mut tx, batch, &plan, now).await?;
        self.append_audit(&mut tx, batch, &plan.audit, now).await?;
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
        tx.commit().await.map_err(fail("committing the batch"))?;
        Ok(plan.outcome)
    }

    /// What the mirror holds for the batch's records and tombstones.
    async fn held_states(
        &self,
        conn: &mut DB::Connection,
        batch: &SyncBatch,
    ) -> Result<HashMap<Key, Held>, RowcolError> {
        let mut by_kind: HashMap<EntityKind, Vec<&ExternalId>> = HashMap::new();
        for r in &batch.records {
            by_kind
                .entry(r.entity.kind())
                .or_default()
                .push(&r.entity.meta().external_id);
        }
        for t in &batch.tombstones {
            by_kind.entry(t.kind).or_default().push(&t.external_id);
        }
        let mut held = HashMap::new();
        for (kind, ids) in by_kind {
            for chunk in ids.chunks(CHUNK) {
                let mut q =
                    sql::<DB>("SELECT external_id, version, updated_us, deleted FROM records WHERE client_id = ");
                bind_text(&mut q, batch.client.as_str());
                q.push(" AND rail = ");
                bind_text(&mut q, batch.rail.as_str());
                q.push(" AND kind = ");
                bind_text(&mut q, kind.as_str());
                q.push(" AND external_id IN (");
                for (i, id) in chunk.iter().enumerate() {
                    if i > 0 {
                        q.push(", ");
                    }
                    bind_text(&mut q, id.as_str());
                }
                q.push(")");
                let rows = DB::fetch_all(conn, &mut q)
                    .await
                    .map_err(|e| store_error(e, ErrorContext::client(&batch.client), "reading held versions"))?;
                for row in rows {
                    let id: ExternalId = parse(&need_text::<DB>(&row, 0)?, "external id")?;
                    let deleted = DB::flag(&row, 3)
                        .map_err(|e| store_error(e, ErrorContext::client(&batch.client), "reading held versions"))?
                        .unwrap_or(false);
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

    async fn write_records(
        &self,
        conn: &mut DB::Connection,
        batch: &SyncBatch,
        plan: &Plan<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), RowcolError> {
        for chunk in plan.records.chunks(CHUNK) {
            let mut q = sql::<DB>(
                "INSERT INTO records (client_id, rail, kind, external_id, version, updated_us, deleted, \
                 merged_into, txn_date, due_date, currency, total, balance, is_open, party_id, active, doc, raw, \
                 synced_us) VALUES ",
            );
            for (i, w) in chunk.iter().enumerate() {
                let meta = w.record.entity.meta();
                let c = &w.columns;
                push_key(&mut q, i, batch, w.record.entity.kind(), &meta.external_id);
                bind_text(&mut q, meta.version.as_str());
                q.push(", ");
                bind_int(&mut q, w.updated_us);
                q.push(", ");
                DB::bind(&mut q, Val::Bool(false));
                q.push(", NULL, ");
                DB::bind(&mut q, Val::OptText(c.txn_date.clone()));
                q.push(", ");
                DB::bind(&mut q, Val::OptText(c.due_date.clone()));
                q.push(", ");
                DB::bind(&mut q, Val::OptText(c.currency.clone()));
                q.push(", ");
                bind_money(&mut q, c.total.clone());
                q.push(", ");
                bind_money(&mut q, c.balance.clone());
                q.push(", ");
                DB::bind(&mut q, Val::Bool(c.is_open));
                q.push(", ");
                DB::bind(&mut q, Val::OptText(c.party_id.clone()));
                q.push(", ");
                DB::bind(&mut q, Val::OptBool(c.active));
                q.push(", ");
                bind_text(&mut q, &w.doc);
                q.push(", ");
                bind_text(&mut q, &w.record.raw);
                q.push(", ");
                bind_int(&mut q, codec::micros(now));
                q.push(")");
            }
            q.push(
                " ON CONFLICT (client_id, rail, kind, external_id) DO UPDATE SET version = excluded.version, \
                 updated_us = excluded.updated_us, deleted = excluded.deleted, merged_into = NULL, \
                 txn_date = excluded.txn_date, due_date = excluded.due_date, currency = excluded.currency, \
                 total = excluded.total, balance = excluded.balance, is_open = excluded.is_open, \
                 party_id = excluded.party_id, active = excluded.active, doc = excluded.doc, raw = excluded.raw, \
                 synced_us = excluded.synced_us",
            );
            DB::execute(conn, &mut q)
                .await
                .map_err(|e| store_error(e, ErrorContext::client(&batch.client), "writing records"))?;
        }
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
        for chunk in plan.tombstones.chunks(CHUNK) {
            let mut q = sql::<DB>(
                "INSERT INTO records (client_id, rail, kind, external_id, version, updated_us, deleted, \
                 merged_into, is_open, synced_us) VALUES ",
            );
            for (i, t) in chunk.iter().enumerate() {
                push_key(&mut q, i, batch, t.tombstone.kind, &t.tombstone.external_id);
                q.push("'', ");
                bind_int(&mut q, t.deleted_us);
                q.push(", ");
                DB::bind(&mut q, Val::Bool(true));
                q.push(", ");
                DB::bind(
                    &mut q,
                    Val::OptText(t.tombstone.merged_into.as_ref().map(ToString::to_string)),
                );
                q.push(", ");
                DB::bind(&mut q, Val::Bool(false));
                q.push(", ");
                bind_int(&mut q, codec::micros(now));
                q.push(")");
            }
            q.push(
                " ON CONFLICT (client_id, rail, kind, external_id) DO UPDATE SET updated_us = excluded.updated_us, \
                 deleted = excluded.deleted, merged_into = excluded.merged_into, is_open = excluded.is_open, \
                 synced_us = excluded.synced_us",
            );
            DB::execute(conn, &mut q)
                .await
                .map_err(|e| store_error(e, ErrorContext::client(&batch.client), "writing tombstones"))?;
        }
        Ok(())
    }

    /// Chains the drafts onto the client's last audit entry and appends them.
    async fn append_audit(
        &self,
        conn: &mut DB::Connection,
        batch: &SyncBatch,
        drafts: &[AuditDraft],
        now: DateTime<Utc>,
    ) -> Result<(), RowcolError> {
        if drafts.is_empty() {
            return Ok(());
        }
        let ctx = ErrorContext::client(&batch.client);
        let mut q = sql::<DB>("SELECT seq, hash FROM audit_log WHERE client_id = ");
        bind_text(&mut q, batch.client.as_str());
        q.push(" ORDER BY seq DESC LIMIT 1");
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "reading the audit chain's end"))?;
        let (mut seq, mut prev) = match rows.first() {
            Some(row) => (need_int::<DB>(row, 0)?, need_text::<DB>(row, 1)?),
            None => (0, GENESIS_HASH.to_owned()),
        };
        // Stored with microsecond precision, so hash exactly that.
        let recorded_at = codec::instant(codec::micros(now))?;
        let mut entries = Vec::with_capacity(drafts.len());
        for d in drafts {
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
        for chunk in entries.chunks(CHUNK) {
            let mut q = sql::<DB>(
                "INSERT INTO audit_log (client_id, seq, recorded_us, action, kind, external_id, version, \
                 source_updated_at, source_updated_us, txn_date, run_id, prev_hash, hash) VALUES ",
            );
            for (i, e) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                bind_text(&mut q, e.client.as_str());
                q.push(", ");
                bind_int(&mut q, e.seq);
                q.push(", ");
                bind_int(&mut q, codec::micros(e.recorded_at));
                q.push(", ");
                bind_text(&mut q, e.action.as_str());
                q.push(", ");
                bind_text(&mut q, e.kind.as_str());
                q.push(", ");
                bind_text(&mut q, e.external_id.as_str());
                q.push(", ");
                bind_text(&mut q, e.version.as_str());
                q.push(", ");
                bind_text(&mut q, &e.source_updated_at.to_rfc3339());
                q.push(", ");
                bind_int(&mut q, e.source_updated_at.timestamp_micros());
                q.push(", ");
                DB::bind(&mut q, Val::OptText(e.txn_date.map(codec::date_text)));
                q.push(", ");
                DB::bind(&mut q, Val::OptInt(e.run.map(|r| r.0)));
                q.push(", ");
                bind_text(&mut q, &e.prev_hash);
                q.push(", ");
                bind_text(&mut q, &e.hash);
                q.push(")");
            }
            DB::execute(conn, &mut q)
                .await
                .map_err(|e| store_error(e, ctx.clone(), "appending to the audit log"))?;
        }
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

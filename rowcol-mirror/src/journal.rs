//! The sync journal: runs, dead letters and the audit log.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rowcol_core::sync::{
    ApplyOutcome, AuditEntry, AuditVerification, ChainWalker, Checkpoint, DeadLetter, RecordState, Rejected, RunCounts,
    RunId, RunStatus, SyncBatch, SyncMode, SyncRun, SyncTrigger,
};
use rowcol_core::{
    ClientId, EntityKind, ErrorContext, ExternalId, Rail, RowcolError, StoreErrorKind, SyncJournal, VersionToken,
};

use crate::backend::{Backend, Val};
use crate::codec::{self, corrupt, enum_text, parse, parse_enum};
use crate::error::store_error;
use crate::store::{SqlMirror, bind_int, bind_text, count, need_int, need_text, opt_int, opt_text, sql};

/// Audit entries read per round trip while verifying a chain.
const VERIFY_PAGE: u32 = 5_000;

#[async_trait]
impl<DB: Backend> SyncJournal for SqlMirror<DB> {
    async fn start_run(
        &self,
        client: &ClientId,
        rail: Rail,
        trigger: SyncTrigger,
        mode: SyncMode,
    ) -> Result<RunId, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("INSERT INTO sync_runs (client_id, rail, trigger, mode, status, started_us) VALUES (");
        bind_text(&mut q, client.as_str());
        q.push(", ");
        bind_text(&mut q, rail.as_str());
        q.push(", ");
        bind_text(&mut q, &enum_text(&trigger));
        q.push(", ");
        bind_text(&mut q, &enum_text(&mode));
        q.push(", ");
        bind_text(&mut q, &enum_text(&RunStatus::Running));
        q.push(", ");
        bind_int(&mut q, self.now_us());
        q.push(") RETURNING id");
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "starting a run"))?;
        let row = rows
            .first()
            .ok_or_else(|| corrupt("run insert returned no id".to_owned()))?;
        Ok(RunId(need_int::<DB>(row, 0)?))
    }

    async fn abandon_runs(&self, client: &ClientId, rail: Rail, reason: &str) -> Result<u32, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("UPDATE sync_runs SET status = ");
        bind_text(&mut q, &enum_text(&RunStatus::Failed));
        q.push(", finished_us = ");
        bind_int(&mut q, self.now_us());
        q.push(", error = ");
        bind_text(&mut q, reason);
        q.push(" WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND rail = ");
        bind_text(&mut q, rail.as_str());
        // A literal, not a parameter, so the planner can use the partial
        // index `sync_runs_running`.
        q.push(" AND status = 'running'");
        let closed = DB::execute(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "closing interrupted runs"))?;
        Ok(u32::try_from(closed).unwrap_or(u32::MAX))
    }

    async fn finish_run(
        &self,
        run: RunId,
        status: RunStatus,
        counts: RunCounts,
        error: Option<String>,
    ) -> Result<(), RowcolError> {
        let ctx = ErrorContext::default();
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("UPDATE sync_runs SET status = ");
        bind_text(&mut q, &enum_text(&status));
        q.push(", finished_us = ");
        bind_int(&mut q, self.now_us());
        for (column, value) in [
            ("fetched", counts.fetched),
            ("applied", counts.applied),
            ("unchanged", counts.unchanged),
            ("deleted", counts.deleted),
            ("dead_lettered", counts.dead_lettered),
            ("api_calls", counts.api_calls),
            ("drift", counts.drift),
        ] {
            q.push(format!(", {column} = "));
            bind_int(&mut q, i64::from(value));
        }
        q.push(", error = ");
        DB::bind(&mut q, Val::OptText(error));
        q.push(" WHERE id = ");
        bind_int(&mut q, run.0);
        let changed = DB::execute(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "finishing a run"))?;
        if changed == 0 {
            return Err(RowcolError::store(
                StoreErrorKind::NotFound,
                ctx,
                format!("no run {}", run.0),
            ));
        }
        Ok(())
    }

    async fn api_calls_since(&self, rail: Rail, since: DateTime<Utc>) -> Result<u64, RowcolError> {
        let ctx = ErrorContext::default();
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("SELECT CAST(COALESCE(SUM(api_calls), 0) AS BIGINT) FROM sync_runs WHERE rail = ");
        bind_text(&mut q, rail.as_str());
        q.push(" AND started_us >= ");
        bind_int(&mut q, codec::micros(since));
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "summing API calls"))?;
        let total = match rows.first() {
            Some(row) => need_int::<DB>(row, 0)?,
            None => 0,
        };
        Ok(u64::try_from(total).unwrap_or(0))
    }

    async fn runs(&self, client: &ClientId, limit: u32) -> Result<Vec<SyncRun>, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>(
            "SELECT id, rail, trigger, mode, status, started_us, finished_us, fetched, applied, unchanged, deleted, \
             dead_lettered, api_calls, error, drift FROM sync_runs WHERE client_id = ",
        );
        bind_text(&mut q, client.as_str());
        q.push(" ORDER BY id DESC LIMIT ");
        bind_int(&mut q, i64::from(limit));
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "listing runs"))?;
        rows.iter()
            .map(|row| {
                Ok(SyncRun {
                    id: RunId(need_int::<DB>(row, 0)?),
                    client: client.clone(),
                    rail: parse(&need_text::<DB>(row, 1)?, "rail")?,
                    trigger: parse_enum(&need_text::<DB>(row, 2)?, "trigger")?,
                    mode: parse_enum(&need_text::<DB>(row, 3)?, "mode")?,
                    status: parse_enum(&need_text::<DB>(row, 4)?, "run status")?,
                    started_at: codec::instant(need_int::<DB>(row, 5)?)?,
                    finished_at: opt_int::<DB>(row, 6)?.map(codec::instant).transpose()?,
                    counts: RunCounts {
                        fetched: count::<DB>(row, 7)?,
                        applied: count::<DB>(row, 8)?,
                        unchanged: count::<DB>(row, 9)?,
                        deleted: count::<DB>(row, 10)?,
                        dead_lettered: count::<DB>(row, 11)?,
                        api_calls: count::<DB>(row, 12)?,
                        drift: count::<DB>(row, 14)?,
                    },
                    error: opt_text::<DB>(row, 13)?,
                })
            })
            .collect()
    }

    async fn dead_letters(&self, client: &ClientId) -> Result<Vec<DeadLetter>, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>(
            "SELECT id, rail, kind, external_id, raw, reason, first_us, last_us, attempts FROM dead_letters \
             WHERE client_id = ",
        );
        bind_text(&mut q, client.as_str());
        q.push(" ORDER BY first_us, id");
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "listing dead letters"))?;
        rows.iter()
            .map(|row| {
                Ok(DeadLetter {
                    id: need_int::<DB>(row, 0)?,
                    client: client.clone(),
                    rail: parse(&need_text::<DB>(row, 1)?, "rail")?,
                    rejected: Rejected {
                        kind: parse(&need_text::<DB>(row, 2)?, "kind")?,
                        external_id: opt_text::<DB>(row, 3)?
                            .map(|id| parse(&id, "external id"))
                            .transpose()?,
                        raw: need_text::<DB>(row, 4)?,
                        reason: need_text::<DB>(row, 5)?,
                    },
                    first_seen: codec::instant(need_int::<DB>(row, 6)?)?,
                    last_seen: codec::instant(need_int::<DB>(row, 7)?)?,
                    attempts: count::<DB>(row, 8)?,
                })
            })
            .collect()
    }

    async fn resolve_dead_letter(&self, client: &ClientId, id: i64) -> Result<(), RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("DELETE FROM dead_letters WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND id = ");
        bind_int(&mut q, id);
        let changed = DB::execute(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "resolving a dead letter"))?;
        if changed == 0 {
            return Err(RowcolError::store(
                StoreErrorKind::NotFound,
                ctx,
                format!("no dead letter {id}"),
            ));
        }
        Ok(())
    }

    async fn audit_entries(&self, client: &ClientId, after: i64, limit: u32) -> Result<Vec<AuditEntry>, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>(
            "SELECT seq, recorded_us, action, kind, external_id, version, source_updated_at, txn_date, run_id, \
             prev_hash, hash, fingerprint FROM audit_log WHERE client_id = ",
        );
        bind_text(&mut q, client.as_str());
        q.push(" AND seq > ");
        bind_int(&mut q, after);
        q.push(" ORDER BY seq LIMIT ");
        bind_int(&mut q, i64::from(limit));
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "reading the audit log"))?;
        rows.iter()
            .map(|row| {
                Ok(AuditEntry {
                    seq: need_int::<DB>(row, 0)?,
                    client: client.clone(),
                    recorded_at: codec::instant(need_int::<DB>(row, 1)?)?,
                    action: parse_enum(&need_text::<DB>(row, 2)?, "audit action")?,
                    kind: parse(&need_text::<DB>(row, 3)?, "kind")?,
                    external_id: parse(&need_text::<DB>(row, 4)?, "external id")?,
                    version: VersionToken::new(need_text::<DB>(row, 5)?),
                    source_updated_at: chrono::DateTime::parse_from_rfc3339(&need_text::<DB>(row, 6)?)
                        .map_err(|_| corrupt("audit source time does not parse".to_owned()))?,
                    txn_date: opt_text::<DB>(row, 7)?.map(|d| codec::parse_date(&d)).transpose()?,
                    run: opt_int::<DB>(row, 8)?.map(RunId),
                    fingerprint: opt_text::<DB>(row, 11)?,
                    prev_hash: need_text::<DB>(row, 9)?,
                    hash: need_text::<DB>(row, 10)?,
                })
            })
            .collect()
    }

    /// Walks the chain page by page.
    async fn verify_audit(&self, client: &ClientId) -> Result<AuditVerification, RowcolError> {
        let mut walker = ChainWalker::new(client.clone());
        let mut after = 0i64;
        loop {
            let page = self.audit_entries(client, after, VERIFY_PAGE).await?;
            let Some(last) = page.last() else {
                break;
            };
            after = last.seq;
            if !page.iter().all(|entry| walker.push(entry)) {
                break;
            }
        }
        Ok(walker.finish())
    }

    async fn apply(&self, batch: &SyncBatch) -> Result<ApplyOutcome, RowcolError> {
        self.apply_batch(batch).await
    }

    async fn live_versions(
        &self,
        client: &ClientId,
        rail: Rail,
        kind: EntityKind,
    ) -> Result<Vec<(ExternalId, VersionToken)>, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("SELECT external_id, version FROM records WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND rail = ");
        bind_text(&mut q, rail.as_str());
        q.push(" AND kind = ");
        bind_text(&mut q, kind.as_str());
        q.push(" AND deleted = FALSE ORDER BY external_id");
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "reading record versions"))?;
        rows.iter()
            .map(|row| {
                let id: ExternalId = parse(&need_text::<DB>(row, 0)?, "external id")?;
                Ok((id, VersionToken::new(need_text::<DB>(row, 1)?)))
            })
            .collect()
    }

    async fn record_states(
        &self,
        client: &ClientId,
        rail: Rail,
        keys: &[(EntityKind, ExternalId)],
    ) -> Result<Vec<RecordState>, RowcolError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn(&ErrorContext::client(client)).await?;
        let held =
            crate::write::held_by_key::<DB>(&mut conn, client, rail, keys.iter().map(|(k, id)| (*k, id))).await?;
        Ok(held
            .into_iter()
            .map(|((kind, external_id), held)| RecordState {
                kind,
                external_id,
                version: held.version,
                updated_at: DateTime::<Utc>::from_timestamp_micros(held.updated_us).unwrap_or_default(),
                deleted: held.deleted,
            })
            .collect())
    }

    async fn checkpoint(&self, client: &ClientId, rail: Rail) -> Result<Option<Checkpoint>, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        let mut q = sql::<DB>("SELECT position, committed_us FROM checkpoints WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND rail = ");
        bind_text(&mut q, rail.as_str());
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "reading the checkpoint"))?;
        let Some(row) = rows.first() else {
            return Ok(None);
        };
        let position = serde_json::from_str(&need_text::<DB>(row, 0)?)
            .map_err(|e| codec::corrupt(format!("stored checkpoint of {client} does not parse: {e}")))?;
        Ok(Some(Checkpoint {
            client: client.clone(),
            rail,
            position,
            committed_at: codec::instant(need_int::<DB>(row, 1)?)?,
        }))
    }
}

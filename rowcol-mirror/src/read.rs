//! The read side: snapshots for the calculators, purpose queries, health.

use async_trait::async_trait;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use rowcol_core::entity::EntityKind;
use rowcol_core::snapshot::{ClientSnapshot, LateChange, SnapshotRequest};
use rowcol_core::sync::{BalancePoint, ClientHealth, KindHealth, ReconcileHealth, RunStatus};
use rowcol_core::{
    AdvisorId, ClientId, ClientSettings, ConnectionStatus, Currency, ErrorContext, ExternalId, MirrorReader, Money,
    Rail, RowcolError,
};
use rust_decimal::Decimal;

use crate::backend::Backend;
use crate::cache::CachedRecords;
use crate::codec::{self, corrupt, parse};
use crate::error::store_error;
use crate::store::{
    SqlMirror, bind_int, bind_text, count, need_int, need_text, opt_bytes, opt_int, opt_str, opt_text,
    outside_portfolio, sql,
};

/// Runs looked at to compute health: enough to count a long failure streak.
const HEALTH_RUNS: i64 = 200;

/// Stored settings JSON (none stored: the defaults).
fn parse_settings(client: &ClientId, json: Option<String>) -> Result<ClientSettings, RowcolError> {
    match json {
        None => Ok(ClientSettings::default()),
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| corrupt(format!("stored settings of {client} do not parse: {e}")))
        }
    }
}

impl<DB: Backend> SqlMirror<DB> {
    /// The snapshot's records, read and decoded (every other field is a
    /// placeholder that `load_snapshot` overwrites).
    async fn read_records(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
        request: SnapshotRequest,
    ) -> Result<ClientSnapshot, RowcolError> {
        let start = codec::date_text(request.history_start());
        // One row holding every record (sorted here, not by the database):
        // a row at a time, each crossing from SQLite's worker thread to this
        // task, cost more than decoding it, and SQLite sorts an ordered
        // aggregate through a temporary index.
        let mut q = sql::<DB>(&format!(
            "SELECT {}, {}, {}, {} FROM records WHERE client_id = ",
            DB::lines_agg("kind"),
            DB::lines_agg("external_id"),
            DB::lines_agg(&DB::octet_length("doc")),
            DB::bytes_agg("doc")
        ));
        bind_text(&mut q, client.as_str());
        q.push(
            " AND deleted = FALSE AND doc IS NOT NULL AND (kind IN ('account', 'term', 'vendor', 'customer', \
             'company_info', 'item', 'class', 'department', \
             'preferences', 'bank_account') OR (kind IN ('bill', 'invoice', 'credit_memo', \
             'vendor_credit', 'payment') AND (is_open = TRUE OR txn_date >= ",
        );
        bind_text(&mut q, &start);
        q.push(
            ")) OR (kind IN ('bill_payment', 'purchase', 'deposit', 'journal_entry', 'transfer', \
             'sales_receipt', 'refund_receipt', 'credit_card_payment', 'tax_payment', \
             'bank_transaction') AND txn_date >= ",
        );
        bind_text(&mut q, &start);
        q.push("))");
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ErrorContext::client(client), "reading the snapshot"))?;
        let health = ClientHealth::unknown(client.clone());
        let mut snap = ClientSnapshot::empty(
            client.clone(),
            String::new(),
            Currency::USD,
            request,
            chrono::DateTime::UNIX_EPOCH,
            health,
            ClientSettings::default(),
        );
        if let Some(row) = rows.first() {
            let stored = codec::StoredRecords {
                kinds: opt_str::<DB>(row, 0)?.unwrap_or_default(),
                ids: opt_str::<DB>(row, 1)?.unwrap_or_default(),
                lengths: opt_str::<DB>(row, 2)?.unwrap_or_default(),
                docs: opt_bytes::<DB>(row, 3)?.unwrap_or_default(),
            };
            codec::decode_aggregated(&stored, |entity| snap.add(entity))?;
        }
        snap.habit_history = self
            .read_habit_history(conn, client, request.history_start(), &snap)
            .await?
            .into();
        Ok(snap)
    }

    /// Adds the live documents `wanted` names to `snap`, keeping its lists in
    /// external-id order: the documents a past day's view needs that the
    /// history window left out (see `ClientSnapshot::documents_paid_after`).
    async fn add_documents(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
        wanted: &[(EntityKind, ExternalId)],
        snap: &mut ClientSnapshot,
    ) -> Result<(), RowcolError> {
        let mut q = sql::<DB>("SELECT kind, doc FROM records WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND deleted = FALSE AND doc IS NOT NULL AND external_id IN (");
        for (i, (_, id)) in wanted.iter().enumerate() {
            if i > 0 {
                q.push(", ");
            }
            bind_text(&mut q, id.as_str());
        }
        q.push(")");
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ErrorContext::client(client), "reading documents paid later"))?;
        for row in &rows {
            let kind: EntityKind = parse(&need_text::<DB>(row, 0)?, "kind")?;
            let Some(doc) = opt_bytes::<DB>(row, 1)? else { continue };
            let entity = codec::decode(kind, doc)?;
            if wanted
                .iter()
                .any(|(k, id)| *k == kind && id == &entity.meta().external_id)
            {
                snap.add(entity);
            }
        }
        let by_id = |a: &rowcol_core::entity::SourceMeta, b: &rowcol_core::entity::SourceMeta| {
            a.external_id.cmp(&b.external_id)
        };
        snap.invoices.sort_by(|a, b| by_id(&a.meta, &b.meta));
        snap.bills.sort_by(|a, b| by_id(&a.meta, &b.meta));
        snap.credit_memos.sort_by(|a, b| by_id(&a.meta, &b.meta));
        snap.vendor_credits.sort_by(|a, b| by_id(&a.meta, &b.meta));
        Ok(())
    }

    /// Audit entries for transactions dated on or before `close` whose source
    /// change happened after the close date's end (UTC): every such change,
    /// in the order recorded, with its content fingerprint and that of the
    /// record's fingerprinted version before it, so a rule can tell an edit
    /// from a payment applied to the same record. The version before is
    /// found through `audit_by_record`, which holds only fingerprinted
    /// entries: when the entry just before is older than fingerprints, so
    /// are all before it, and none is found.
    async fn read_late_changes(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
        close: NaiveDate,
    ) -> Result<Vec<LateChange>, RowcolError> {
        let after = close
            .succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp_micros())
            .unwrap_or(i64::MAX);
        let mut q = sql::<DB>(
            "SELECT a.kind, a.external_id, a.txn_date, a.source_updated_at, a.fingerprint, \
             (SELECT p.fingerprint FROM audit_log p WHERE p.client_id = a.client_id AND p.kind = a.kind \
             AND p.external_id = a.external_id AND p.fingerprint IS NOT NULL AND p.seq < a.seq \
             ORDER BY p.seq DESC LIMIT 1) \
             FROM audit_log a WHERE a.client_id = ",
        );
        bind_text(&mut q, client.as_str());
        q.push(" AND a.txn_date <= ");
        bind_text(&mut q, &codec::date_text(close));
        q.push(" AND a.source_updated_us >= ");
        bind_int(&mut q, after);
        q.push(" ORDER BY a.seq");
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ErrorContext::client(client), "reading late changes"))?;
        rows.iter()
            .map(|row| {
                Ok(LateChange {
                    kind: parse(&need_text::<DB>(row, 0)?, "kind")?,
                    external_id: parse(&need_text::<DB>(row, 1)?, "external id")?,
                    txn_date: codec::parse_date(&need_text::<DB>(row, 2)?)?,
                    changed_at: chrono::DateTime::parse_from_rfc3339(&need_text::<DB>(row, 3)?)
                        .map_err(|_| corrupt("audit source time does not parse".to_owned()))?,
                    fingerprint: opt_text::<DB>(row, 4)?,
                    previous_fingerprint: opt_text::<DB>(row, 5)?,
                })
            })
            .collect()
    }

    pub(crate) async fn read_settings(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
    ) -> Result<ClientSettings, RowcolError> {
        let mut q = sql::<DB>("SELECT settings FROM client_settings WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ErrorContext::client(client), "reading settings"))?;
        match rows.first() {
            None => Ok(ClientSettings::default()),
            Some(row) => parse_settings(client, Some(need_text::<DB>(row, 0)?)),
        }
    }

    /// Health from the run journal: a rail's runs cover every kind it
    /// mirrors, so last success, last attempt and the failure streak are
    /// the rail's, given to each of its kinds ([`Rail::kinds`], each kind
    /// once, rails in name order; a client without a connection: the
    /// ledger's kinds, from all its runs); the connection status is the one
    /// most in need of a person (needs re-auth, then disabled, then active);
    /// dead letters are counted per kind.
    pub(crate) async fn read_health(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
    ) -> Result<ClientHealth, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut q = sql::<DB>("SELECT status, started_us, finished_us, rail FROM sync_runs WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND trigger <> 'reconcile' ORDER BY id DESC LIMIT ");
        bind_int(&mut q, HEALTH_RUNS);
        let runs = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "reading runs for health"))?;
        let mut all = RunStreak::default();
        let mut per_rail: std::collections::HashMap<Rail, RunStreak> = std::collections::HashMap::new();
        for row in &runs {
            let status: RunStatus = codec::parse_enum(&need_text::<DB>(row, 0)?, "run status")?;
            let started = codec::instant(need_int::<DB>(row, 1)?)?;
            let finished = opt_int::<DB>(row, 2)?.map(codec::instant).transpose()?;
            let rail: Rail = parse(&need_text::<DB>(row, 3)?, "rail")?;
            all.older(status, started, finished);
            per_rail.entry(rail).or_default().older(status, started, finished);
        }

        let mut q = sql::<DB>("SELECT kind, COUNT(*) FROM dead_letters WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" GROUP BY kind");
        let letters = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "counting dead letters"))?;
        let mut per_kind = std::collections::HashMap::new();
        for row in &letters {
            let kind: EntityKind = parse(&need_text::<DB>(row, 0)?, "kind")?;
            per_kind.insert(kind, count::<DB>(row, 1)?);
        }

        let mut q = sql::<DB>("SELECT status, rail FROM connections WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" ORDER BY rail");
        let conns = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "reading the connections"))?;
        let mut connection: Option<ConnectionStatus> = None;
        let mut kinds: Vec<(EntityKind, RunStreak)> = Vec::new();
        for row in &conns {
            let status: ConnectionStatus = codec::parse_enum(&need_text::<DB>(row, 0)?, "connection status")?;
            if connection.is_none_or(|c| attention(status) > attention(c)) {
                connection = Some(status);
            }
            let rail: Rail = parse(&need_text::<DB>(row, 1)?, "rail")?;
            let streak = per_rail.get(&rail).copied().unwrap_or_default();
            for kind in rail.kinds() {
                if !kinds.iter().any(|(k, _)| k == kind) {
                    kinds.push((*kind, streak));
                }
            }
        }
        if conns.is_empty() {
            kinds.extend(EntityKind::ALL.iter().map(|k| (*k, all)));
        }

        let mut q = sql::<DB>(
            "SELECT status, started_us, drift, applied + deleted FROM sync_runs WHERE trigger = 'reconcile' \
             AND client_id = ",
        );
        bind_text(&mut q, client.as_str());
        q.push(" ORDER BY id DESC LIMIT 1");
        let reconciles = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "reading the last reconcile"))?;
        let last_reconcile = match reconciles.first() {
            Some(row) => Some(ReconcileHealth {
                status: codec::parse_enum(&need_text::<DB>(row, 0)?, "run status")?,
                checked_at: codec::instant(need_int::<DB>(row, 1)?)?,
                drift: count::<DB>(row, 2)?,
                repaired: count::<DB>(row, 3)?,
            }),
            None => None,
        };

        Ok(ClientHealth {
            client: client.clone(),
            connection,
            last_reconcile,
            kinds: kinds
                .into_iter()
                .map(|(kind, streak)| KindHealth {
                    kind,
                    last_success: streak.last_success,
                    last_attempt: streak.last_attempt,
                    consecutive_failures: streak.failures,
                    dead_letters: per_kind.get(&kind).copied().unwrap_or(0),
                })
                .collect(),
        })
    }
}

/// What the runs of one rail (or of all rails) say, newest first: the last
/// attempt, the last success and the failures since it.
#[derive(Debug, Clone, Copy, Default)]
struct RunStreak {
    last_attempt: Option<DateTime<Utc>>,
    last_success: Option<DateTime<Utc>>,
    failures: u32,
    /// A success was met: older runs change nothing.
    settled: bool,
}

impl RunStreak {
    /// Takes in the next older run.
    fn older(&mut self, status: RunStatus, started: DateTime<Utc>, finished: Option<DateTime<Utc>>) {
        if self.last_attempt.is_none() {
            self.last_attempt = Some(started);
        }
        if self.settled {
            return;
        }
        match status {
            RunStatus::Succeeded => {
                self.last_success = finished;
                self.settled = true;
            }
            RunStatus::Failed => self.failures += 1,
            RunStatus::Pending | RunStatus::Running => {}
        }
    }
}

/// How much a connection status needs a person: re-auth most, then a
/// disabled connection, an active one least.
fn attention(status: ConnectionStatus) -> u8 {
    match status {
        ConnectionStatus::NeedsReauth => 2,
        ConnectionStatus::Disabled => 1,
        ConnectionStatus::Active => 0,
    }
}

#[async_trait]
impl<DB: Backend> MirrorReader for SqlMirror<DB> {
    /// A client's snapshot: the head (scope, client, settings, record
    /// generation) in one statement, reviews (of hygiene items and of bank
    /// lines) and health fresh, and the records from the cache when the
    /// client's generation has not moved (see `cache.rs`), else read and
    /// decoded.
    async fn snapshot(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        request: SnapshotRequest,
    ) -> Result<ClientSnapshot, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        let loaded_at = self.clock.now();

        // The generation is read before the records: records read later can
        // only be newer than the generation they are cached under, so a
        // later read with the newer generation misses and reads them again.
        let mut q = sql::<DB>(
            "SELECT c.name, c.home_currency, (SELECT s.settings FROM client_settings s WHERE s.client_id = c.id), \
             (SELECT COALESCE(MAX(a.seq), 0) FROM audit_log a WHERE a.client_id = c.id) FROM clients c WHERE c.id = ",
        );
        bind_text(&mut q, client.as_str());
        q.push(" AND c.advisor_id = ");
        bind_text(&mut q, advisor.as_str());
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx.clone(), "reading the client"))?;
        let row = rows.first().ok_or_else(|| outside_portfolio(advisor, client))?;
        let name = need_text::<DB>(row, 0)?;
        let home_currency: Currency = parse(&need_text::<DB>(row, 1)?, "currency")?;
        let settings = parse_settings(client, opt_text::<DB>(row, 2)?)?;
        // The history the client's own settings need (a long burn window).
        let request = request.covering(&settings);
        let generation = need_int::<DB>(row, 3)?;

        let reviews = self.read_reviews(&mut conn, client).await?;
        let bank_reviews = self.read_bank_reviews(&mut conn, client).await?;
        let health = self.read_health(&mut conn, client).await?;
        let key = (client.clone(), request.history_start());
        let mut snap = match self.cache.get(&key, generation) {
            Some(hit) => hit.records.clone(),
            None => {
                let records = self.read_records(&mut conn, client, request).await?;
                let entry = Arc::new(CachedRecords { generation, records });
                self.cache.put(key, Arc::clone(&entry));
                // Not kept (cache off or over budget): no copy needed.
                Arc::try_unwrap(entry).map_or_else(|kept| kept.records.clone(), |entry| entry.records)
            }
        };
        let missing = snap.documents_paid_after(request.as_of);
        if !missing.is_empty() {
            self.add_documents(&mut conn, client, &missing, &mut snap).await?;
        }
        snap.name = name;
        snap.home_currency = home_currency;
        snap.as_of = request.as_of;
        snap.loaded_at = loaded_at;
        snap.health = health;
        snap.settings = settings;
        snap.reviews = reviews;
        snap.bank_reviews = bank_reviews;
        if let Some(close) = snap.settings.close_date {
            snap.late_changes = self.read_late_changes(&mut conn, client, close).await?;
        }
        Ok(snap)
    }

    async fn balance_history(
        &self,
        advisor: &AdvisorId,
        client: &ClientId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<BalancePoint>, RowcolError> {
        let ctx = ErrorContext::client(client);
        let mut conn = self.conn(&ctx).await?;
        self.check_scope(&mut conn, advisor, client).await?;
        let mut q = sql::<DB>("SELECT account_id, on_date, currency, ");
        q.push(DB::money_out("balance"));
        q.push(" FROM balance_history WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND on_date >= ");
        bind_text(&mut q, &codec::date_text(from));
        q.push(" AND on_date <= ");
        bind_text(&mut q, &codec::date_text(to));
        q.push(" ORDER BY account_id, on_date");
        let rows = DB::fetch_all(&mut conn, &mut q)
            .await
            .map_err(|e| store_error(e, ctx, "reading balance history"))?;
        rows.iter()
            .map(|row| {
                let amount: Decimal = parse(&need_text::<DB>(row, 3)?, "balance")?;
                Ok(BalancePoint {
                    account: parse(&need_text::<DB>(row, 0)?, "account id")?,
                    on: codec::parse_date(&need_text::<DB>(row, 1)?)?,
                    balance: Money::new(amount, parse(&need_text::<DB>(row, 2)?, "currency")?),
                })
            })
            .collect()
    }

    async fn health(&self, advisor: &AdvisorId, client: &ClientId) -> Result<ClientHealth, RowcolError> {
        let mut conn = self.conn(&ErrorContext::client(client)).await?;
        self.check_scope(&mut conn, advisor, client).await?;
        self.read_health(&mut conn, client).await
    }
}

//! The mirror: open by URL, register advisors and clients, apply records,
//! and read snapshots and figures, each call with the GIL released.

use std::sync::Arc;

use chrono::Utc;
use pyo3::prelude::*;
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::{SourceRecord, SyncBatch};
use rowcol_core::{
    Advisor, AdvisorId, Client, ClientId, ClientSnapshot, Connection, ConnectionStatus, EntityKind, ExternalId,
    OAuthTokens, Rail, RailCredentials, ReviewDecision, ReviewState, RowcolError, StoreErrorKind, VersionToken,
};
use rowcol_mirror::{CredentialKey, MirrorUrl};

use crate::bank::{self, Balances, BankCheck};
use crate::calculators::{Aging, Forecast, Outlook, Runway};
use crate::console::DecisionConsole;
use crate::convert;
use crate::digest::{Digest, Portfolio, clock};
use crate::error::Error;
use crate::history::{
    AuditData, AuditLog, BalanceHistory, BalancesData, DeadLetters, DeadLettersData, RunsData, SyncRuns,
};
use crate::hygiene::HygieneTray;
use crate::plaid::PlaidApp;
use crate::records::{self, advisor_id, client_id};
use crate::runtime::{block_on, block_on_made_watched};
use crate::snapshot::{Snapshot, settings_from, side_of};
use crate::sync::{self, DEFAULT_CONCURRENCY, Engines, QboApp, SyncReport, SyncResults};

fn rail(text: &str) -> Result<Rail, Error> {
    text.parse()
        .map_err(|e: rowcol_core::UnknownRail| Error::input(e.to_string()))
}

/// A RowCol mirror (SQLite or PostgreSQL).
#[pyclass(module = "rowcol._rowcol", frozen)]
pub struct Mirror {
    /// `None` once closed.
    store: std::sync::Mutex<Option<Arc<dyn rowcol_mirror::Mirror>>>,
    backend: &'static str,
    pid: u32,
    engines: Engines,
    /// Names this mirror object in realm leases: its syncs take back a
    /// lease a stopped sync of its own left, other holders wait.
    holder: String,
}

impl Mirror {
    /// The store, refused in a child process after `fork()`.
    pub(crate) fn store(&self) -> Result<Arc<dyn rowcol_mirror::Mirror>, Error> {
        if self.pid != std::process::id() {
            return Err(Error::Core(RowcolError::store(
                StoreErrorKind::Unavailable,
                rowcol_core::ErrorContext::default(),
                "this mirror was opened before fork(): open it again in this process",
            )));
        }
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(Arc::clone)
            .ok_or_else(|| {
                Error::Core(RowcolError::store(
                    StoreErrorKind::Unavailable,
                    rowcol_core::ErrorContext::default(),
                    "this mirror was closed: open it again",
                ))
            })
    }

    /// Closes the progress bar, and the runs a stopped sync left open.
    fn after_sync(
        &self,
        py: Python<'_>,
        watch: &sync::SyncWatch,
        store: Arc<dyn rowcol_mirror::Mirror>,
        clients: Vec<ClientId>,
    ) -> Result<(), Error> {
        watch.finish(py)?;
        if watch.was_stopped() {
            let rt = crate::runtime::runtime()?;
            let holder = self.holder.as_str();
            py.detach(|| rt.block_on(sync::close_stopped_syncs(store.as_ref(), holder, &clients)))?;
        }
        Ok(())
    }

    async fn load(
        store: &dyn rowcol_mirror::Mirror,
        advisor: &AdvisorId,
        client: &ClientId,
        request: SnapshotRequest,
    ) -> Result<ClientSnapshot, Error> {
        Ok(store.snapshot(advisor, client, request).await?)
    }

    fn one(
        &self,
        advisor: &str,
        client: &str,
        as_of: &Bound<'_, PyAny>,
        history_months: u32,
    ) -> Result<(Arc<dyn rowcol_mirror::Mirror>, AdvisorId, ClientId, SnapshotRequest), Error> {
        Ok((
            self.store()?,
            advisor_id(advisor)?,
            client_id(client)?,
            SnapshotRequest {
                as_of: convert::to_date(as_of, "as_of")?,
                history_months,
            },
        ))
    }
}

#[pymethods]
impl Mirror {
    /// Opens (and migrates) the mirror a URL names, read by the same parser
    /// as the `rowcol` command (`rowcol_mirror::MirrorUrl`), so one URL
    /// names one file everywhere: `sqlite:///absolute/path.db` (or
    /// SQLAlchemy's `sqlite:////absolute/path.db`), `sqlite://relative.db`,
    /// `sqlite::memory:`, `sqlite://` or `:memory:`, or
    /// `postgresql://user@host/db` (a driver suffix such as `+psycopg` is
    /// dropped). Anything else (a plain path, `sqlite:/x`, another scheme)
    /// raises `InvalidInputError` saying what was understood.
    ///
    /// The key sealing stored rail tokens must be chosen: `key_hex` (64 hex
    /// digits), else the `ROWCOL_CREDENTIAL_KEY` environment variable (as
    /// the `rowcol` command reads it), else `ephemeral=True` for a fresh key
    /// that lives as long as the process (tokens sealed with it cannot be
    /// read after a restart). Without any, `InvalidInputError`.
    #[staticmethod]
    #[pyo3(signature = (url, key_hex=None, *, ephemeral=false))]
    fn open(py: Python<'_>, url: &str, key_hex: Option<&str>, ephemeral: bool) -> Result<Self, Error> {
        let url = MirrorUrl::parse(url).map_err(|e| Error::input(format!("database URL {e}")))?;
        let from_env = std::env::var("ROWCOL_CREDENTIAL_KEY")
            .ok()
            .filter(|k| !k.trim().is_empty());
        let key = match (key_hex, ephemeral) {
            (Some(_), true) => {
                return Err(Error::input("Mirror.open: give key_hex or ephemeral=True, not both"));
            }
            (Some(hex), false) => CredentialKey::from_hex(hex)?,
            (None, true) => CredentialKey::generate(),
            (None, false) => match from_env {
                Some(hex) => CredentialKey::from_hex(hex.trim())?,
                None => {
                    return Err(Error::input(
                        "Mirror.open needs the key that seals stored tokens: key_hex=\"<64 hex digits>\" (the \
                         ROWCOL_CREDENTIAL_KEY the rowcol command uses; make one with secrets.token_hex(32)), or \
                         ephemeral=True for a throwaway key whose sealed tokens die with this process",
                    ));
                }
            },
        };
        let backend = url.backend();
        let store = block_on(py, async move { Ok(rowcol_mirror::open_url(&url, key).await?) })?;
        Ok(Mirror {
            store: std::sync::Mutex::new(Some(store)),
            backend,
            pid: std::process::id(),
            engines: Engines::default(),
            holder: format!(
                "python-{}-{}",
                std::process::id(),
                chrono::Utc::now().timestamp_micros()
            ),
        })
    }

    /// Closes the mirror: its connections are released once no call is
    /// using them; later calls raise `StoreError`. Closing twice is fine.
    fn close(&self) {
        let store = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        self.engines.clear();
        drop(store);
    }

    /// True once `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_none()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Closes the mirror; exceptions propagate.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.close();
        false
    }

    /// `"sqlite"` or `"postgresql"`.
    #[getter]
    fn backend(&self) -> &'static str {
        self.backend
    }

    /// Creates or renames an advisor.
    fn add_advisor(&self, py: Python<'_>, advisor: &str, name: &str) -> Result<(), Error> {
        let store = self.store()?;
        let a = Advisor {
            id: advisor_id(advisor)?,
            name: name.to_owned(),
        };
        block_on(py, async move { Ok(store.upsert_advisor(&a).await?) })
    }

    /// Creates or updates a client in an advisor's portfolio; with `realm`,
    /// also its active connection to `rail`.
    #[pyo3(signature = (advisor, client, name, *, home_currency="USD", realm=None, rail="qbo"))]
    #[allow(clippy::too_many_arguments)]
    fn add_client(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        name: &str,
        home_currency: &str,
        realm: Option<&str>,
        rail: &str,
    ) -> Result<(), Error> {
        let store = self.store()?;
        let id = client_id(client)?;
        let connections = match realm {
            Some(r) => vec![Connection {
                client: id.clone(),
                rail: self::rail(rail)?,
                realm: r.parse().map_err(|e: rowcol_core::IdError| Error::Core(e.into()))?,
                status: ConnectionStatus::Active,
            }],
            None => Vec::new(),
        };
        let c = Client {
            id,
            advisor: advisor_id(advisor)?,
            name: name.to_owned(),
            home_currency: convert::currency(home_currency, "home_currency")?,
            connections,
        };
        block_on(py, async move { Ok(store.upsert_client(&c).await?) })
    }

    /// The advisor's clients with their connections, by client id (dicts).
    fn portfolio<'py>(&self, py: Python<'py>, advisor: &str) -> Result<Bound<'py, PyAny>, Error> {
        let store = self.store()?;
        let a = advisor_id(advisor)?;
        let clients = block_on(py, async move { Ok(store.portfolio(&a).await?) })?;
        convert::to_py(py, &clients)
    }

    /// Applies records to a client's mirror in one transaction, as a sync
    /// would: newer versions replace older ones, replays change nothing.
    /// Returns the counts (`inserted`, `updated`, `unchanged`, `stale`, ...).
    #[pyo3(signature = (client, records, *, rail="qbo"))]
    fn apply<'py>(
        &self,
        py: Python<'py>,
        client: &str,
        records: &Bound<'py, PyAny>,
        rail: &str,
    ) -> Result<Bound<'py, PyAny>, Error> {
        let store = self.store()?;
        let id = client_id(client)?;
        let mut batch = SyncBatch::new(id.clone(), self::rail(rail)?);
        batch.records = records::parse(records, &id)?
            .into_iter()
            .map(|(entity, raw)| SourceRecord { entity, raw })
            .collect();
        let outcome = block_on(py, async move { Ok(store.apply(&batch).await?) })?;
        convert::to_py(py, &outcome)
    }

    /// One client's snapshot as of a date, with `history_months` of history.
    #[pyo3(signature = (advisor, client, as_of, *, history_months=6))]
    fn snapshot(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        as_of: &Bound<'_, PyAny>,
        history_months: u32,
    ) -> Result<Snapshot, Error> {
        let (store, a, c, req) = self.one(advisor, client, as_of, history_months)?;
        block_on(py, async move { Mirror::load(store.as_ref(), &a, &c, req).await }).map(Snapshot::new)
    }

    /// Every client's snapshot in the advisor's portfolio as of a date.
    #[pyo3(signature = (advisor, as_of, *, history_months=6))]
    fn load_portfolio(
        &self,
        py: Python<'_>,
        advisor: &str,
        as_of: &Bound<'_, PyAny>,
        history_months: u32,
    ) -> Result<Portfolio, Error> {
        let store = self.store()?;
        let a = advisor_id(advisor)?;
        let req = SnapshotRequest {
            as_of: convert::to_date(as_of, "as_of")?,
            history_months,
        };
        let snapshots = block_on(py, async move {
            let mut out = Vec::new();
            for client in store.portfolio(&a).await? {
                out.push(Mirror::load(store.as_ref(), &a, &client.id, req).await?);
            }
            Ok(out)
        })?;
        Ok(Portfolio::new(snapshots))
    }

    /// The portfolio digest as of a date (see `Portfolio.digest`).
    #[pyo3(signature = (advisor, as_of, *, now=None, freshness_target=None, history_months=6))]
    #[allow(clippy::too_many_arguments)]
    fn digest(
        &self,
        py: Python<'_>,
        advisor: &str,
        as_of: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
        freshness_target: Option<&Bound<'_, PyAny>>,
        history_months: u32,
    ) -> Result<Digest, Error> {
        let portfolio = self.load_portfolio(py, advisor, as_of, history_months)?;
        let clock = clock(&portfolio.inner, Some(as_of), now, freshness_target)?;
        let inner = Arc::clone(&portfolio.inner);
        Ok(Digest::new(crate::runtime::compute(py, move || {
            rowcol_runway::digest(&inner, clock)
        })))
    }

    /// One client's hygiene tray as of a date.
    fn tray(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        as_of: &Bound<'_, PyAny>,
    ) -> Result<HygieneTray, Error> {
        let (store, a, c, req) = self.one(advisor, client, as_of, 6)?;
        block_on(py, async move {
            let s = Mirror::load(store.as_ref(), &a, &c, req).await?;
            Ok(HygieneTray::new(rowcol_runway::tray(&s, req.as_of)))
        })
    }

    /// One client's decision console as of a date.
    fn console(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        as_of: &Bound<'_, PyAny>,
    ) -> Result<DecisionConsole, Error> {
        let (store, a, c, req) = self.one(advisor, client, as_of, 6)?;
        block_on(py, async move {
            let s = Mirror::load(store.as_ref(), &a, &c, req).await?;
            let tray = rowcol_runway::tray(&s, req.as_of);
            Ok(DecisionConsole::new(rowcol_runway::console(&s, req.as_of, &tray)))
        })
    }

    /// One client's cash outlook (every calculator) as of a date.
    fn outlook(&self, py: Python<'_>, advisor: &str, client: &str, as_of: &Bound<'_, PyAny>) -> Result<Outlook, Error> {
        let (store, a, c, req) = self.one(advisor, client, as_of, 6)?;
        block_on(py, async move {
            let s = Mirror::load(store.as_ref(), &a, &c, req).await?;
            Ok(Outlook::new(rowcol_runway::outlook(&s, req.as_of)).with_client(Some(s.client.to_string())))
        })
    }

    /// One client's runway as of a date.
    fn runway(&self, py: Python<'_>, advisor: &str, client: &str, as_of: &Bound<'_, PyAny>) -> Result<Runway, Error> {
        let o = self.outlook(py, advisor, client, as_of)?;
        Ok(Runway::new(o.inner.runway.clone()).with_client(o.client.clone()))
    }

    /// One client's 13-week forecast from a date.
    fn forecast(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        as_of: &Bound<'_, PyAny>,
    ) -> Result<Forecast, Error> {
        let o = self.outlook(py, advisor, client, as_of)?;
        Ok(Forecast::new(o.inner.forecast.clone()).with_client(o.client.clone()))
    }

    /// One client's receivables (`side="receivable"`, or `"ar"`) or
    /// payables (`"payable"`, `"ap"`) aging as of a date.
    fn aging(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        side: &str,
        as_of: &Bound<'_, PyAny>,
    ) -> Result<Aging, Error> {
        let side = side_of(side)?;
        let (store, a, c, req) = self.one(advisor, client, as_of, 6)?;
        block_on(py, async move {
            let s = Mirror::load(store.as_ref(), &a, &c, req).await?;
            Ok(Aging::new(rowcol_runway::calc::aging::aging(&s, side, req.as_of)).with_client(Some(c.to_string())))
        })
    }

    /// One client's sync health (per entity kind), as a dict.
    fn health<'py>(&self, py: Python<'py>, advisor: &str, client: &str) -> Result<Bound<'py, PyAny>, Error> {
        let store = self.store()?;
        let (a, c) = (advisor_id(advisor)?, client_id(client)?);
        let h = block_on(py, async move { Ok(store.health(&a, &c).await?) })?;
        convert::to_py(py, &h)
    }

    /// One client's settings (guardrail, close date, vendor tiers, rules), as a dict.
    fn settings<'py>(&self, py: Python<'py>, advisor: &str, client: &str) -> Result<Bound<'py, PyAny>, Error> {
        let store = self.store()?;
        let (a, c) = (advisor_id(advisor)?, client_id(client)?);
        let s = block_on(py, async move { Ok(store.settings(&a, &c).await?) })?;
        convert::to_py(py, &s)
    }

    /// Saves one client's settings: a partial dict laid over the defaults.
    fn save_settings(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        settings: &Bound<'_, PyAny>,
    ) -> Result<(), Error> {
        let store = self.store()?;
        let (a, c) = (advisor_id(advisor)?, client_id(client)?);
        let s = settings_from(Some(settings))?;
        block_on(py, async move { Ok(store.save_settings(&a, &c, &s).await?) })
    }

    /// Records an advisor's review of a hygiene finding: `decision` is
    /// `"approved"` (quiet until the record changes from `version`) or
    /// `"excluded"` (never flag it under this rule). `at` defaults to now.
    #[pyo3(signature = (advisor, client, *, rule_id, kind, external_id, version, decision, at=None))]
    #[allow(clippy::too_many_arguments)]
    fn save_review(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        rule_id: &str,
        kind: &str,
        external_id: &str,
        version: &str,
        decision: &str,
        at: Option<&Bound<'_, PyAny>>,
    ) -> Result<(), Error> {
        let store = self.store()?;
        let a = advisor_id(advisor)?;
        let review = ReviewState {
            client: client_id(client)?,
            rule_id: rule_id.to_owned(),
            kind: kind.parse::<EntityKind>().map_err(|e| Error::input(e.to_string()))?,
            external_id: external_id.parse::<ExternalId>().map_err(|e| Error::Core(e.into()))?,
            version: VersionToken::new(version),
            decision: serde_json::from_value::<ReviewDecision>(serde_json::Value::String(decision.to_owned()))
                .map_err(|_| Error::input(format!("decision {decision:?}: expected \"approved\" or \"excluded\"")))?,
            by: a.clone(),
            at: match at {
                Some(t) => convert::to_datetime(t, "at")?.with_timezone(&Utc),
                None => Utc::now(),
            },
        };
        block_on(py, async move { Ok(store.save_review(&a, &review).await?) })
    }

    /// Stores a client's rail tokens, sealed with the mirror's key. The
    /// tokens are never logged nor shown.
    #[pyo3(signature = (client, *, access_token, refresh_token, access_expires_at, refresh_expires_at=None, rail="qbo"))]
    #[allow(clippy::too_many_arguments)]
    fn save_credentials(
        &self,
        py: Python<'_>,
        client: &str,
        access_token: String,
        refresh_token: String,
        access_expires_at: &Bound<'_, PyAny>,
        refresh_expires_at: Option<&Bound<'_, PyAny>>,
        rail: &str,
    ) -> Result<(), Error> {
        let store = self.store()?;
        let c = client_id(client)?;
        let r = self::rail(rail)?;
        let creds = RailCredentials::OAuth(OAuthTokens {
            access_token: access_token.into(),
            access_expires_at: convert::to_datetime(access_expires_at, "access_expires_at")?.with_timezone(&Utc),
            refresh_token: refresh_token.into(),
            refresh_expires_at: refresh_expires_at
                .map(|t| convert::to_datetime(t, "refresh_expires_at").map(|t| t.with_timezone(&Utc)))
                .transpose()?,
        });
        block_on(py, async move { Ok(store.save_credentials(&c, r, &creds).await?) })
    }

    /// True when the client has rail credentials that open with this
    /// mirror's key; `WrongKeyError` when they exist but do not open.
    #[pyo3(signature = (client, *, rail="qbo"))]
    fn has_credentials(&self, py: Python<'_>, client: &str, rail: &str) -> Result<bool, Error> {
        let store = self.store()?;
        let c = client_id(client)?;
        let r = self::rail(rail)?;
        block_on(py, async move { Ok(store.load_credentials(&c, r).await?.is_some()) })
    }

    /// Every connection of every advisor (dicts), ordered by client then rail.
    fn connections<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
        let store = self.store()?;
        let all = block_on(py, async move { Ok(store.connections().await?) })?;
        convert::to_py(py, &all)
    }

    /// Sets a connection's status: `"active"` (e.g. after reconnecting),
    /// `"needs_reauth"` or `"disabled"`.
    #[pyo3(signature = (client, status, *, rail="qbo"))]
    fn set_connection_status(&self, py: Python<'_>, client: &str, status: &str, rail: &str) -> Result<(), Error> {
        let store = self.store()?;
        let c = client_id(client)?;
        let r = self::rail(rail)?;
        let s =
            serde_json::from_value::<ConnectionStatus>(serde_json::Value::String(status.to_owned())).map_err(|_| {
                Error::input(format!(
                    "status {status:?}: expected \"active\", \"needs_reauth\" or \"disabled\""
                ))
            })?;
        block_on(py, async move { Ok(store.set_connection_status(&c, r, s).await?) })
    }

    /// Where the client's sync stands on a rail (dict: `position`,
    /// `committed_at`), or `None` before its first committed batch.
    #[pyo3(signature = (client, *, rail="qbo"))]
    fn checkpoint<'py>(&self, py: Python<'py>, client: &str, rail: &str) -> Result<Bound<'py, PyAny>, Error> {
        let store = self.store()?;
        let c = client_id(client)?;
        let r = self::rail(rail)?;
        let checkpoint = block_on(py, async move { Ok(store.checkpoint(&c, r).await?) })?;
        convert::to_py(py, &checkpoint)
    }

    /// Syncs one client's QBO connection through `app` (full the first
    /// time, then changes since the checkpoint), retrying as the app's
    /// policy says; the GIL is released throughout. Raises the error the
    /// sync ended with (`RailError`, `StoreError`, ... with `retryable`,
    /// `client`, `realm`); a QBO address that refuses connections fails at
    /// once. Ctrl-C (Jupyter's "interrupt kernel") stops it with
    /// `KeyboardInterrupt`, as does `timeout` (timedelta or seconds) with a
    /// retryable `RailError` of kind `"timeout"`; what was committed stays
    /// committed. `progress=True` shows a tqdm bar when tqdm is installed.
    #[pyo3(signature = (app, client, *, timeout=None, progress=false))]
    fn sync(
        &self,
        py: Python<'_>,
        app: &QboApp,
        client: &str,
        timeout: Option<&Bound<'_, PyAny>>,
        progress: bool,
    ) -> Result<SyncReport, Error> {
        let store = self.store()?;
        let engine = self.engines.get(&store, app, &self.holder)?;
        let c = client_id(client)?;
        let watch = sync::SyncWatch::new(py, timeout, progress, 1, Some(&c))?;
        sync::preflight(py, app, Some(&c))?;
        let done = watch.counter();
        let (held, clients) = (Arc::clone(&store), vec![c.clone()]);
        let out = block_on_made_watched(py, &watch, move || sync::sync_one(engine, store, c, done));
        self.after_sync(py, &watch, held, clients)?;
        out.map(SyncReport::new)
    }

    /// Syncs every QBO connection of `advisor`'s clients (of every advisor
    /// when `None`), `concurrency` at a time. A client whose sync fails
    /// does not stop the others: see `SyncResults.errors`. Interrupted,
    /// timed out and refused connections as `sync`; `progress=True` shows
    /// a bar over the clients when tqdm is installed.
    #[pyo3(signature = (app, *, advisor=None, concurrency=DEFAULT_CONCURRENCY, timeout=None, progress=false))]
    fn sync_all(
        &self,
        py: Python<'_>,
        app: &QboApp,
        advisor: Option<&str>,
        concurrency: usize,
        timeout: Option<&Bound<'_, PyAny>>,
        progress: bool,
    ) -> Result<SyncResults, Error> {
        let store = self.store()?;
        let engine = self.engines.get(&store, app, &self.holder)?;
        let a = advisor.map(advisor_id).transpose()?;
        let clients: Vec<ClientId> = {
            let (store, a) = (Arc::clone(&store), a.clone());
            block_on(
                py,
                async move { sync::qbo_connections(store.as_ref(), a.as_ref()).await },
            )?
            .into_iter()
            .map(|c| c.client)
            .collect()
        };
        let watch = sync::SyncWatch::new(py, timeout, progress, clients.len(), None)?;
        if !clients.is_empty() {
            sync::preflight(py, app, None)?;
        }
        let done = watch.counter();
        let held = Arc::clone(&store);
        let out = block_on_made_watched(py, &watch, move || sync::sync_many(engine, store, a, concurrency, done));
        self.after_sync(py, &watch, held, clients)?;
        out.map(SyncResults::new)
    }

    /// Reads the client's dead letters again from QBO through `app`: those
    /// that now map (or were deleted at the source) land and are resolved.
    /// Returns `{"resolved": n, "kept": m}`.
    fn replay_dead_letters<'py>(
        &self,
        py: Python<'py>,
        app: &QboApp,
        client: &str,
    ) -> Result<Bound<'py, PyAny>, Error> {
        let store = self.store()?;
        let engine = self.engines.get(&store, app, &self.holder)?;
        let c = client_id(client)?;
        let report = block_on(py, async move {
            let connection = sync::qbo_connection(store.connections().await?, &c)?;
            Ok(engine.replay_dead_letters(&connection).await?)
        })?;
        let out = pyo3::types::PyDict::new(py);
        out.set_item("resolved", report.resolved)?;
        out.set_item("kept", report.kept)?;
        Ok(out.into_any())
    }

    /// The client's latest sync runs, newest first.
    #[pyo3(signature = (client, *, limit=20))]
    fn runs(&self, py: Python<'_>, client: &str, limit: u32) -> Result<SyncRuns, Error> {
        let store = self.store()?;
        let c = client_id(client)?;
        block_on(py, async move {
            let runs = store.runs(&c, limit).await?;
            Ok(SyncRuns::new(RunsData { client: c, runs }))
        })
    }

    /// The client's dead letters (records that could not be mapped), oldest first.
    fn dead_letters(&self, py: Python<'_>, client: &str) -> Result<DeadLetters, Error> {
        let store = self.store()?;
        let c = client_id(client)?;
        block_on(py, async move {
            let dead_letters = store.dead_letters(&c).await?;
            Ok(DeadLetters::new(DeadLettersData {
                client: c,
                dead_letters,
            }))
        })
    }

    /// Up to `limit` audit entries of the client after sequence number
    /// `after`, oldest first (page on with `after=log.last_seq`).
    #[pyo3(signature = (client, *, after=0, limit=1000))]
    fn audit_entries(&self, py: Python<'_>, client: &str, after: i64, limit: u32) -> Result<AuditLog, Error> {
        let store = self.store()?;
        let c = client_id(client)?;
        block_on(py, async move {
            let entries = store.audit_entries(&c, after, limit).await?;
            Ok(AuditLog::new(AuditData { client: c, entries }))
        })
    }

    /// Walks the client's whole audit chain: `{"client", "entries_checked",
    /// "first_broken" (None when intact), "intact"}`.
    fn verify_audit<'py>(&self, py: Python<'py>, client: &str) -> Result<Bound<'py, PyAny>, Error> {
        let store = self.store()?;
        let c = client_id(client)?;
        let verdict = block_on(py, async move { Ok(store.verify_audit(&c).await?) })?;
        let out = convert::to_py(py, &verdict)?;
        out.set_item("intact", verdict.is_intact())?;
        Ok(out)
    }

    /// The client's daily bank and card balances from `start` to `end`
    /// inclusive, by account then day.
    fn balance_history(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        start: &Bound<'_, PyAny>,
        end: &Bound<'_, PyAny>,
    ) -> Result<BalanceHistory, Error> {
        let store = self.store()?;
        let (a, c) = (advisor_id(advisor)?, client_id(client)?);
        let (start, end) = (convert::to_date(start, "start")?, convert::to_date(end, "end")?);
        block_on(py, async move {
            let points = store.balance_history(&a, &c, start, end).await?;
            Ok(BalanceHistory::new(BalancesData {
                client: c,
                start,
                end,
                points,
            }))
        })
    }

    /// One client's bank and card balances (`Balances`): from the mirror
    /// with their age, or with `live=True` read now from QBO through `app`
    /// and from the bank through `plaid` (each within its rail's limits and
    /// live timeout), the mirror's figure standing in, flagged `stale` with
    /// the reason, where a rail is down, throttled, too slow or not given;
    /// what a live read answered is recorded in the balance history. The
    /// same engine call as `rowcol balances`.
    #[pyo3(signature = (advisor, client, *, live=false, app=None, plaid=None))]
    fn balances(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        live: bool,
        app: Option<&QboApp>,
        plaid: Option<&PlaidApp>,
    ) -> Result<Balances, Error> {
        let store = self.store()?;
        let (a, c) = (advisor_id(advisor)?, client_id(client)?);
        if live && app.is_none() && plaid.is_none() {
            return Err(Error::input(
                "balances(live=True) reads the rails: pass app=QboApp(...) and/or plaid=PlaidApp(...)",
            ));
        }
        let engine = match (live, app, plaid) {
            // QBO alone: the mirror's engine for the app, whose rate limits
            // and token refreshes its syncs share.
            (true, Some(app), None) => self.engines.get(&store, app, &self.holder)?,
            (true, app, Some(plaid)) => {
                let mut stack = rowcol_stack::Stack::builder(Arc::clone(&store)).holder(self.holder.clone());
                if let Some(app) = app {
                    stack = stack.policy(Arc::new(app.policy.clone())).qbo(app.config.clone());
                }
                stack.rail(plaid.ledger_rail(&store)).build()?.engine
            }
            _ => rowcol_stack::Stack::builder(Arc::clone(&store)).build()?.engine,
        };
        let label = Some(c.to_string());
        block_on(py, async move { Ok(engine.balances(&a, &c, live).await?) })
            .map(|b| Balances::new(b).with_client(label))
    }

    /// Links a bank Item for a registered client: exchanges Plaid Link's
    /// `public_token` through `plaid`, seals the access token in the
    /// mirror and registers the Plaid connection (as `rowcol connect
    /// --rail plaid`). Returns the connection (`{"client", "rail",
    /// "realm": Item id, "status"}`).
    fn link_bank<'py>(
        &self,
        py: Python<'py>,
        plaid: &PlaidApp,
        advisor: &str,
        client: &str,
        public_token: String,
    ) -> Result<Bound<'py, PyAny>, Error> {
        let store = self.store()?;
        let (a, c) = (advisor_id(advisor)?, client_id(client)?);
        let rail = plaid.rail(&store);
        let token = secrecy::SecretString::from(public_token);
        let connection = block_on(py, async move {
            Ok(rowcol_stack::link_bank(store.as_ref(), &rail, &a, &c, &token).await?)
        })?;
        convert::to_py(py, &connection)
    }

    /// One client's books against its bank as of a date (`BankCheck`): the
    /// same check as `rowcol bank-check`, from the mirror (six months of
    /// lines and postings before `as_of`; each account's `findings_from`
    /// says from which day lines and postings are reported, a match window
    /// after the books' first day).
    fn bank_check(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        as_of: &Bound<'_, PyAny>,
    ) -> Result<BankCheck, Error> {
        let (store, a, c, req) = self.one(advisor, client, as_of, 6)?;
        let label = Some(c.to_string());
        block_on(py, async move {
            let s = Mirror::load(store.as_ref(), &a, &c, req).await?;
            Ok(rowcol_runway::bank_check::check(
                &s,
                &rowcol_runway::bank_match::MatchSettings::default(),
            ))
        })
        .map(|b| BankCheck::new(b).with_client(label))
    }

    /// Records the advisor's decision on one bank line: `action`
    /// `"approve"` (with `postings`, each `"KIND:ID"` such as
    /// `"deposit:812"`), `"exclude"` or `"fixed_at_source"`. Kept through
    /// every re-sync and audit-logged. Raises `InvalidInputError`, writing
    /// nothing, for a line or posting the mirror does not hold.
    #[pyo3(signature = (advisor, client, line, action, *, postings=None, at=None))]
    #[allow(clippy::too_many_arguments)]
    fn review_bank_line(
        &self,
        py: Python<'_>,
        advisor: &str,
        client: &str,
        line: &str,
        action: &str,
        postings: Option<Vec<String>>,
        at: Option<&Bound<'_, PyAny>>,
    ) -> Result<(), Error> {
        let store = self.store()?;
        let (a, c) = (advisor_id(advisor)?, client_id(client)?);
        let line: ExternalId = line.parse().map_err(|e| Error::Core(RowcolError::from(e)))?;
        let action = bank::action_of(action, postings)?;
        let at = match at {
            Some(t) => convert::to_datetime(t, "at")?.with_timezone(&Utc),
            None => Utc::now(),
        };
        block_on(py, async move {
            rowcol_stack::review_bank_line(store.as_ref(), &a, &c, &line, action, at).await?;
            Ok(())
        })
    }

    fn __repr__(&self) -> String {
        // Never the URL: it may hold a password.
        format!("Mirror(backend={:?})", self.backend)
    }
}

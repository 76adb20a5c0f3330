//! Sync from Python: the QBO app a sync talks through (`QboApp`), the
//! engine wired over a mirror (rowcol-qbo's `QboRail` under rowcol-core's
//! `SyncEngine`, as the CLI wires them), and what a sync reports
//! (`SyncReport`, `SyncResults`). The engine decides everything; this file
//! only builds it and converts its answers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rowcol_core::sync::{RunCounts, RunId, SyncMode, SyncTrigger};
use rowcol_core::{
    ClientId, Connection, ConnectionStatus, EntityKind, ErrorContext, ExternalId, Rail, RailErrorKind, RailFailure,
    RealmId, RowcolError, StandardPolicy, StoreErrorKind,
};
use rowcol_qbo::QboConfig;
use rowcol_stack::Stack;
use rowcol_sync::{SyncEngine, SyncOutcome};
use secrecy::SecretString;
use serde::Serialize;

use crate::convert;
use crate::error::{Error, classify, core_to_py};
use crate::results::result_class;

/// Syncs of many clients run at once by default: QBO's limits are per
/// realm, so realms sync in parallel (the CLI's demo uses 16).
pub const DEFAULT_CONCURRENCY: usize = 8;

static NEXT_APP: AtomicU64 = AtomicU64::new(1);

/// The QBO app a sync talks through: endpoints, the app's client id and
/// secret, and the retry settings of the sync policy. The secret is never
/// shown, logged or put in an error.
#[pyclass(module = "rowcol._rowcol", frozen)]
pub struct QboApp {
    pub(crate) config: QboConfig,
    pub(crate) policy: StandardPolicy,
    /// Identifies this app's engine in a mirror's cache.
    pub(crate) id: u64,
}

impl QboApp {
    /// An app over a built configuration with the standard policy, its
    /// retry settings overridden where given.
    pub fn new(
        config: QboConfig,
        max_attempts: Option<u32>,
        base_delay: Option<&Bound<'_, PyAny>>,
    ) -> Result<Self, Error> {
        let mut policy = StandardPolicy::default();
        if let Some(attempts) = max_attempts {
            if attempts == 0 {
                return Err(Error::input(
                    "max_attempts must be at least 1 (the first attempt counts)",
                ));
            }
            policy.retry.max_attempts = attempts;
        }
        if let Some(delay) = base_delay {
            policy.retry.base_delay = convert::to_duration(delay, "base_delay")?;
        }
        Ok(QboApp {
            config,
            policy,
            id: NEXT_APP.fetch_add(1, Ordering::Relaxed),
        })
    }
}

fn config_error(e: rowcol_qbo::ConfigError) -> Error {
    Error::input(format!("QBO app configuration: {e}"))
}

#[pymethods]
impl QboApp {
    /// Intuit's production endpoints for the app `client_id`; the secret is
    /// kept sealed in memory. `max_attempts` and `base_delay` (timedelta or
    /// seconds) override the standard policy's retries (6 attempts, 0.5 s
    /// doubling backoff with jitter).
    #[new]
    #[pyo3(signature = (client_id, client_secret, *, redirect_uri, max_attempts=None, base_delay=None))]
    fn production(
        client_id: String,
        client_secret: String,
        redirect_uri: String,
        max_attempts: Option<u32>,
        base_delay: Option<&Bound<'_, PyAny>>,
    ) -> Result<Self, Error> {
        let config =
            QboConfig::production(client_id, SecretString::from(client_secret), redirect_uri).map_err(config_error)?;
        QboApp::new(config, max_attempts, base_delay)
    }

    /// The look-alike (`rowcol-qbo-sim`) at `base_url`, with its default app.
    #[staticmethod]
    #[pyo3(signature = (base_url, *, max_attempts=None, base_delay=None))]
    fn look_alike(
        base_url: &str,
        max_attempts: Option<u32>,
        base_delay: Option<&Bound<'_, PyAny>>,
    ) -> Result<Self, Error> {
        QboApp::new(
            QboConfig::for_sim(base_url).map_err(config_error)?,
            max_attempts,
            base_delay,
        )
    }

    /// The API base URL.
    #[getter]
    fn api_base(&self) -> String {
        self.config.api_base.to_string()
    }

    /// The app's client id (not a secret).
    #[getter]
    fn client_id(&self) -> String {
        self.config.client_id.clone()
    }

    /// Attempts a failing call gets in all, the first included.
    #[getter]
    fn max_attempts(&self) -> u32 {
        self.policy.retry.max_attempts
    }

    fn __repr__(&self) -> String {
        // Never the secret.
        format!(
            "QboApp(api_base={:?}, client_id={:?})",
            self.config.api_base.as_str(),
            self.config.client_id
        )
    }
}

/// The sync engines a mirror has built, one per app, kept so that token
/// refreshes and per-realm rate limits carry over from one call to the next.
#[derive(Default)]
pub struct Engines(Mutex<BTreeMap<u64, Arc<SyncEngine>>>);

impl Engines {
    /// Drops every engine (the mirror is closing).
    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clear();
    }

    /// The engine for `app` over `mirror`, built on first use; `holder`
    /// names this mirror object in realm leases.
    pub fn get(
        &self,
        mirror: &Arc<dyn rowcol_mirror::Mirror>,
        app: &QboApp,
        holder: &str,
    ) -> Result<Arc<SyncEngine>, Error> {
        let mut engines = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(engine) = engines.get(&app.id) {
            return Ok(Arc::clone(engine));
        }
        let engine = build_engine(mirror, app, holder)?;
        engines.insert(app.id, Arc::clone(&engine));
        Ok(engine)
    }
}

/// The engine for `app` over `mirror`, wired by `rowcol-stack` as every
/// face wires it.
fn build_engine(mirror: &Arc<dyn rowcol_mirror::Mirror>, app: &QboApp, holder: &str) -> Result<Arc<SyncEngine>, Error> {
    let stack = Stack::builder(mirror.clone())
        .policy(Arc::new(app.policy.clone()))
        .qbo(app.config.clone())
        .holder(holder)
        .build()?;
    Ok(stack.engine)
}

/// The client's QBO connection, or `NotFoundError` naming the client.
pub fn qbo_connection(connections: Vec<Connection>, client: &ClientId) -> Result<Connection, Error> {
    connections
        .into_iter()
        .find(|c| &c.client == client && c.rail == Rail::Qbo)
        .ok_or_else(|| {
            Error::Core(RowcolError::store(
                StoreErrorKind::NotFound,
                ErrorContext::client(client),
                "the client has no QBO connection: add one with add_client(..., realm=...)",
            ))
        })
}

/// One run a sync call recorded.
#[derive(Debug, Clone, Serialize)]
pub struct RunRef {
    /// The run's id (see `Mirror.runs`).
    pub id: RunId,
    /// Full or incremental.
    pub mode: SyncMode,
}

/// A record the sync changed.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    /// Its kind.
    pub kind: EntityKind,
    /// Its id.
    pub external_id: ExternalId,
}

/// What one client's sync did, in the shape Python sees.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReportData {
    /// The client.
    pub client: ClientId,
    /// The rail.
    pub rail: Rail,
    /// The company on the rail.
    pub realm: RealmId,
    /// What asked for it.
    pub trigger: SyncTrigger,
    /// `synced`, `busy` (another process holds the realm) or `not_active`.
    pub outcome: &'static str,
    /// The connection's status when the outcome is `not_active`.
    pub connection_status: Option<ConnectionStatus>,
    /// The runs recorded, in order (an incremental run whose cursor was too
    /// old is followed by a full one).
    pub runs: Vec<RunRef>,
    /// Counts over every run.
    pub counts: RunCounts,
    /// Wall time in milliseconds.
    pub duration_ms: u64,
    /// Records inserted, updated or deleted, by kind and id.
    pub changed: Vec<Changed>,
}

impl SyncReportData {
    /// The Python shape of the engine's report for `connection`.
    pub fn new(connection: &Connection, report: rowcol_sync::SyncReport) -> Self {
        let (outcome, connection_status) = match report.outcome {
            SyncOutcome::Synced => ("synced", None),
            SyncOutcome::Busy => ("busy", None),
            SyncOutcome::NotActive(status) => ("not_active", Some(status)),
        };
        SyncReportData {
            client: report.client,
            rail: report.rail,
            realm: connection.realm.clone(),
            trigger: report.trigger,
            outcome,
            connection_status,
            runs: report.runs.into_iter().map(|(id, mode)| RunRef { id, mode }).collect(),
            counts: report.counts,
            duration_ms: u64::try_from(report.duration.as_millis()).unwrap_or(u64::MAX),
            changed: report
                .changed
                .into_iter()
                .map(|(kind, external_id)| Changed { kind, external_id })
                .collect(),
        }
    }
}

result_class!(
    /// What one client's sync did: outcome, runs (full or incremental),
    /// counts (fetched, applied, unchanged, deleted, dead-lettered, API
    /// calls), wall time and the records it changed.
    SyncReport,
    SyncReportData,
    "sync_report",
    {
        /// The client.
        #[getter]
        fn client(&self) -> String {
            self.inner.client.to_string()
        }

        /// `"synced"`, `"busy"` or `"not_active"`.
        #[getter]
        fn outcome(&self) -> &'static str {
            self.inner.outcome
        }

        /// The modes of the runs recorded, in order (`"full"`, `"incremental"`).
        #[getter]
        fn modes(&self, py: Python<'_>) -> Result<Vec<String>, Error> {
            self.inner
                .runs
                .iter()
                .map(|r| Ok(convert::to_py(py, &r.mode)?.extract::<String>()?))
                .collect()
        }

        /// The counts, as a dict of ints.
        #[getter]
        fn counts<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            convert::to_py(py, &self.inner.counts)
        }

        /// Wall time, as a `datetime.timedelta`.
        #[getter]
        fn duration<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            Ok(Duration::from_millis(self.inner.duration_ms).into_pyobject(py)?.into_any())
        }

        fn __repr__(&self) -> String {
            format!(
                "SyncReport(client={:?}, outcome={:?}, applied={}, deleted={}, api_calls={})",
                self.inner.client.as_str(),
                self.inner.outcome,
                self.inner.counts.applied,
                self.inner.counts.deleted,
                self.inner.counts.api_calls
            )
        }
    }
);

/// Why one client's sync failed, in the shape Python sees.
#[derive(Debug, Serialize)]
pub struct SyncFailure {
    /// The exception class it raises (`RailError`, `StoreError`, ...).
    pub error_type: &'static str,
    /// Its `kind` (rail or store error kind), if any.
    pub kind: Option<&'static str>,
    /// Whether trying again later can help.
    pub retryable: bool,
    /// The message (never holds a secret).
    pub message: String,
    /// The error itself, raised on demand.
    #[serde(skip)]
    pub error: RowcolError,
}

/// One connection's result in a sync of many.
#[derive(Debug, Serialize)]
pub struct SyncEntry {
    /// The client.
    pub client: ClientId,
    /// The company on the rail.
    pub realm: RealmId,
    /// The report, when the sync ended without an error.
    pub report: Option<SyncReportData>,
    /// The error, when it failed (after the policy's retries).
    pub failure: Option<SyncFailure>,
}

/// The results of syncing many clients, in completion order.
#[derive(Debug, Serialize)]
pub struct SyncResultsData {
    /// One entry per connection.
    pub results: Vec<SyncEntry>,
}

impl SyncResultsData {
    /// The Python shape of `SyncEngine::sync_all`'s answer.
    pub fn new(results: Vec<(Connection, rowcol_core::Result<rowcol_sync::SyncReport>)>) -> Self {
        SyncResultsData {
            results: results
                .into_iter()
                .map(|(connection, result)| match result {
                    Ok(report) => SyncEntry {
                        client: connection.client.clone(),
                        realm: connection.realm.clone(),
                        report: Some(SyncReportData::new(&connection, report)),
                        failure: None,
                    },
                    Err(error) => {
                        let (family, kind) = classify(&error);
                        SyncEntry {
                            client: connection.client,
                            realm: connection.realm,
                            report: None,
                            failure: Some(SyncFailure {
                                error_type: family.name(),
                                kind,
                                retryable: error.retryable(),
                                message: error.to_string(),
                                error,
                            }),
                        }
                    }
                })
                .collect(),
        }
    }
}

result_class!(
    /// The results of syncing many clients: each client's `SyncReport` or
    /// the error its sync ended with (the other clients still synced).
    SyncResults,
    SyncResultsData,
    "sync_results",
    {
        /// Number of clients synced or attempted.
        fn __len__(&self) -> usize {
            self.inner.results.len()
        }

        /// True when no client's sync failed.
        #[getter]
        fn ok(&self) -> bool {
            self.inner.results.iter().all(|e| e.failure.is_none())
        }

        /// The reports of the syncs that ended without an error, by client id.
        #[getter]
        fn reports<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            let out = PyDict::new(py);
            for entry in &self.inner.results {
                if let Some(report) = &entry.report {
                    out.set_item(entry.client.as_str(), SyncReport::new(report.clone()))?;
                }
            }
            Ok(out)
        }

        /// The exceptions of the syncs that failed, by client id (each a
        /// `RowcolError` with `retryable`, `client`, `realm`, ...).
        #[getter]
        fn errors<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
            let out = PyDict::new(py);
            for entry in &self.inner.results {
                if let Some(failure) = &entry.failure {
                    out.set_item(entry.client.as_str(), core_to_py(py, &failure.error).value(py))?;
                }
            }
            Ok(out)
        }

        /// Raises the first failure's exception, if any client's sync failed.
        fn raise_errors(&self, py: Python<'_>) -> PyResult<()> {
            match self.inner.results.iter().find_map(|e| e.failure.as_ref()) {
                Some(failure) => Err(core_to_py(py, &failure.error)),
                None => Ok(()),
            }
        }

        fn __repr__(&self) -> String {
            let failed = self.inner.results.iter().filter(|e| e.failure.is_some()).count();
            format!(
                "SyncResults(clients={}, failed={failed})",
                self.inner.results.len()
            )
        }
    }
);

/// What a sync call is watched for: its `timeout=` and its `progress=` bar
/// (tqdm, when installed), fed by a counter of finished clients.
pub struct SyncWatch {
    deadline: Option<(Instant, Duration)>,
    bar: Option<Py<PyAny>>,
    done: Arc<AtomicUsize>,
    shown: AtomicUsize,
    client: Option<ClientId>,
    stopped: AtomicBool,
}

impl SyncWatch {
    /// A watch from the Python arguments; `total` clients are to be synced.
    pub fn new(
        py: Python<'_>,
        timeout: Option<&Bound<'_, PyAny>>,
        progress: bool,
        total: usize,
        client: Option<&ClientId>,
    ) -> Result<Self, Error> {
        let timeout = timeout.map(|t| convert::to_duration(t, "timeout")).transpose()?;
        let bar = if progress {
            match py.import("tqdm.auto") {
                Ok(tqdm) => {
                    let kwargs = PyDict::new(py);
                    kwargs.set_item("total", total)?;
                    kwargs.set_item("desc", client.map_or("sync", ClientId::as_str))?;
                    kwargs.set_item("unit", "client")?;
                    Some(tqdm.getattr("tqdm")?.call((), Some(&kwargs))?.unbind())
                }
                Err(_) => {
                    let warnings = py.import("warnings")?;
                    warnings.call_method1(
                        "warn",
                        ("progress=True shows a bar when tqdm is installed: pip install tqdm",),
                    )?;
                    None
                }
            }
        } else {
            None
        };
        Ok(SyncWatch {
            deadline: timeout.map(|t| (Instant::now() + t, t)),
            bar,
            done: Arc::new(AtomicUsize::new(0)),
            shown: AtomicUsize::new(0),
            client: client.cloned(),
            stopped: AtomicBool::new(false),
        })
    }

    /// True when the wait ended early (Ctrl-C or `timeout=`).
    pub fn was_stopped(&self) -> bool {
        self.stopped.load(Ordering::Relaxed)
    }

    /// The counter the engine's completion callback bumps.
    pub fn counter(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.done)
    }

    /// Brings the bar up to date and closes it.
    pub fn finish(&self, py: Python<'_>) -> Result<(), Error> {
        crate::runtime::Watch::tick(self, py)?;
        if let Some(bar) = &self.bar {
            bar.call_method0(py, "close")?;
        }
        Ok(())
    }
}

impl crate::runtime::Watch for SyncWatch {
    fn deadline(&self) -> Option<Instant> {
        self.deadline.map(|(at, _)| at)
    }

    fn tick(&self, py: Python<'_>) -> PyResult<()> {
        let done = self.done.load(Ordering::Relaxed);
        let shown = self.shown.swap(done, Ordering::Relaxed);
        if let (Some(bar), true) = (&self.bar, done > shown) {
            bar.call_method1(py, "update", (done - shown,))?;
        }
        Ok(())
    }

    fn stopped(&self) {
        self.stopped.store(true, Ordering::Relaxed);
    }

    fn expired(&self) -> Error {
        let secs = self.deadline.map_or(0.0, |(_, t)| t.as_secs_f64());
        let context = self
            .client
            .as_ref()
            .map_or_else(ErrorContext::default, ErrorContext::client);
        Error::Core(RowcolError::rail(
            RailErrorKind::Timeout,
            context,
            RailFailure {
                message: format!(
                    "the sync did not finish within timeout={secs} s; it was stopped, what it committed stays"
                ),
                ..RailFailure::default()
            },
        ))
    }
}

/// Fails at once when the app's API address refuses connections (nothing
/// listens there), instead of spending the policy's retries on it: a
/// refused connection does not heal within a sync's backoff. Any other
/// outcome (it connects, a slow or unknown host) leaves it to the sync.
pub fn preflight(py: Python<'_>, app: &QboApp, client: Option<&ClientId>) -> Result<(), Error> {
    let url = &app.config.api_base;
    let (Some(host), Some(port)) = (url.host_str().map(str::to_owned), url.port_or_known_default()) else {
        return Ok(());
    };
    let target = format!("{host}:{port}");
    let refused = crate::runtime::block_on(py, async move {
        let attempt = tokio::time::timeout(Duration::from_secs(3), tokio::net::TcpStream::connect(&target)).await;
        Ok(match attempt {
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => Some(format!("{target}: {e}")),
            _ => None,
        })
    })?;
    match refused {
        Some(why) => Err(Error::Core(RowcolError::rail(
            RailErrorKind::Transient,
            client.map_or_else(ErrorContext::default, ErrorContext::client),
            RailFailure {
                message: format!(
                    "could not connect to the QBO API at {why} (nothing listens there: is the address right, the look-alike running?)"
                ),
                ..RailFailure::default()
            },
        ))),
        None => Ok(()),
    }
}

/// After a sync stopped from Python (Ctrl-C, `timeout=`): marks the runs
/// it left open as failed, saying why, then releases the realm leases its
/// dropped attempts held (holders `<holder>#n`), so the next sync of these
/// clients, from here or from another process, need not wait out
/// `SYNC_LEASE_TTL`. The engine names a realm's lease `sync:<client>:<rail>`
/// (`rowcol-core` `engine/lease.rs`); releasing on drop there would make
/// this unnecessary.
pub async fn close_stopped_syncs(
    store: &dyn rowcol_mirror::Mirror,
    holder: &str,
    clients: &[ClientId],
) -> Result<(), Error> {
    let ours = format!("{holder}#");
    for client in clients {
        store
            .abandon_runs(
                client,
                Rail::Qbo,
                "stopped from Python (KeyboardInterrupt or timeout=); what it committed is kept and the next sync resumes from there",
            )
            .await?;
        let name = format!("sync:{client}:{}", Rail::Qbo);
        if let Some(hold) = store.holder(&name).await?
            && hold.holder.starts_with(&ours)
        {
            store.release(&name, &hold.holder).await?;
        }
    }
    Ok(())
}

/// The QBO connections of `advisor`'s clients (every advisor's when `None`).
pub async fn qbo_connections(
    store: &dyn rowcol_mirror::Mirror,
    advisor: Option<&rowcol_core::AdvisorId>,
) -> Result<Vec<Connection>, Error> {
    let connections: Vec<Connection> = match advisor {
        Some(a) => store
            .portfolio(a)
            .await?
            .into_iter()
            .flat_map(|c| c.connections)
            .collect(),
        None => store.connections().await?,
    };
    Ok(connections.into_iter().filter(|c| c.rail == Rail::Qbo).collect())
}

/// Syncs one client's QBO connection once, with the policy's retries.
pub async fn sync_one(
    engine: Arc<SyncEngine>,
    store: Arc<dyn rowcol_mirror::Mirror>,
    client: ClientId,
    done: Arc<AtomicUsize>,
) -> Result<SyncReportData, Error> {
    let connection = qbo_connection(store.connections().await?, &client)?;
    let mut results = engine
        .sync_all(std::slice::from_ref(&connection), SyncTrigger::OnDemand, 1, |_, _| {
            done.fetch_add(1, Ordering::Relaxed);
        })
        .await;
    match results.pop() {
        Some((connection, result)) => Ok(SyncReportData::new(&connection, result?)),
        None => Err(Error::input(format!("no sync ran for {client}"))),
    }
}

/// Syncs the QBO connections of `advisor`'s clients (every advisor's when
/// `None`), `concurrency` at a time, each with the policy's retries.
pub async fn sync_many(
    engine: Arc<SyncEngine>,
    store: Arc<dyn rowcol_mirror::Mirror>,
    advisor: Option<rowcol_core::AdvisorId>,
    concurrency: usize,
    done: Arc<AtomicUsize>,
) -> Result<SyncResultsData, Error> {
    let qbo = qbo_connections(store.as_ref(), advisor.as_ref()).await?;
    let results = engine
        .sync_all(&qbo, SyncTrigger::OnDemand, concurrency, |_, _| {
            done.fetch_add(1, Ordering::Relaxed);
        })
        .await;
    Ok(SyncResultsData::new(results))
}

//! Plaid from Python: the app a bank link and a live bank balance talk
//! through (`PlaidApp`), and the Plaid look-alike (`rowcol-plaid-sim`)
//! started inside the process (`PlaidLookAlike`) with a bank to link and
//! faults on demand. The rail (`rowcol-plaid`) decides everything.

use std::sync::Arc;

use pyo3::prelude::*;
use rowcol_core::{LedgerRail, StandardPolicy, SystemClock};
use rowcol_plaid::{PlaidClient, PlaidConfig, PlaidRail};
use rowcol_plaid_sim::{Admin, ErrorCode, FaultRule, SimConfig, SimServer};

use crate::error::Error;
use crate::runtime::block_on;
use crate::server_slot::ServerSlot;

/// The Plaid app: its host, `client_id` and secret (never shown), and one
/// client whose per-Item limits (5 live balances a minute) carry over from
/// call to call.
#[pyclass(module = "rowcol._rowcol", frozen)]
pub struct PlaidApp {
    config: PlaidConfig,
    client: Arc<PlaidClient>,
}

impl PlaidApp {
    fn new(config: PlaidConfig) -> Result<Self, Error> {
        let client = Arc::new(PlaidClient::new(config.clone(), Arc::new(StandardPolicy::default()))?);
        Ok(PlaidApp { config, client })
    }

    /// The rail over this app's client, keeping access tokens in `store`.
    pub fn rail(&self, store: &Arc<dyn rowcol_mirror::Mirror>) -> Arc<PlaidRail> {
        Arc::new(PlaidRail::new(
            Arc::clone(&self.client),
            Arc::clone(store) as Arc<dyn rowcol_core::CredentialStore>,
            Arc::new(SystemClock),
        ))
    }

    /// The same rail as a `LedgerRail`, for the engine.
    pub fn ledger_rail(&self, store: &Arc<dyn rowcol_mirror::Mirror>) -> Arc<dyn LedgerRail> {
        self.rail(store)
    }
}

fn config_error(e: rowcol_plaid::ConfigError) -> Error {
    Error::input(format!("Plaid app configuration: {e}"))
}

#[pymethods]
impl PlaidApp {
    /// The app `client_id` / `secret` against `environment`: `"sandbox"`,
    /// `"production"` or a base URL. The secret is kept sealed in memory.
    #[new]
    #[pyo3(signature = (client_id, secret, *, environment="sandbox"))]
    fn create(client_id: String, secret: String, environment: &str) -> Result<Self, Error> {
        let host = match environment {
            "sandbox" => rowcol_plaid::config::SANDBOX_URL,
            "production" => rowcol_plaid::config::PRODUCTION_URL,
            url => url,
        };
        PlaidApp::new(PlaidConfig::new(host, client_id, secret.into()).map_err(config_error)?)
    }

    /// The look-alike (`rowcol-plaid-sim`) at `base_url`, with its default app.
    #[staticmethod]
    fn look_alike(base_url: &str) -> Result<Self, Error> {
        PlaidApp::new(PlaidConfig::for_sim(base_url).map_err(config_error)?)
    }

    /// The host every endpoint is under.
    #[getter]
    fn base_url(&self) -> String {
        self.config.base_url.to_string()
    }

    fn __repr__(&self) -> String {
        // Never the secret.
        format!(
            "PlaidApp(base_url={:?}, client_id={:?})",
            self.config.base_url.as_str(),
            self.config.client_id
        )
    }
}

/// A running Plaid look-alike. Use it as a context manager (`with
/// rowcol.PlaidLookAlike() as bank:`) or call `stop()`.
#[pyclass(module = "rowcol._rowcol", frozen)]
pub struct PlaidLookAlike {
    server: ServerSlot<SimServer>,
    admin: Admin,
    base_url: String,
}

impl PlaidLookAlike {
    fn admin(&self) -> Result<&Admin, Error> {
        self.server.check()?;
        Ok(&self.admin)
    }
}

#[pymethods]
impl PlaidLookAlike {
    /// Starts the look-alike on a free loopback port, ids drawn from `seed`.
    #[new]
    #[pyo3(signature = (*, seed=42))]
    fn start(py: Python<'_>, seed: u64) -> Result<Self, Error> {
        let config = SimConfig {
            seed,
            ..SimConfig::default()
        };
        let server = block_on(py, async move {
            rowcol_plaid_sim::start(config)
                .await
                .map_err(|e| Error::Os(format!("cannot start the Plaid look-alike: {e}")))
        })?;
        Ok(PlaidLookAlike {
            admin: server.admin(),
            base_url: server.base_url(),
            server: ServerSlot::new(server, "Plaid look-alike"),
        })
    }

    /// Stops the server (idempotent).
    fn stop(&self, py: Python<'_>) -> Result<(), Error> {
        self.server.stop(py, |server| async move { server.stop().await })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Stops the server; exceptions propagate.
    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> Result<bool, Error> {
        self.stop(py)?;
        Ok(false)
    }

    /// Where it listens, e.g. `http://127.0.0.1:41234`.
    #[getter]
    fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The app that reaches it (see `PlaidApp.look_alike`).
    fn app(&self) -> Result<PlaidApp, Error> {
        self.admin()?;
        PlaidApp::look_alike(&self.base_url)
    }

    /// Adds a small business's bank for the Link login `username`: a
    /// checking account and a card with `months` months of lines, a
    /// bookkeeper `diligence` of 0.0 to 1.0 (the share of bank activity
    /// the books would hold).
    #[pyo3(signature = (username, *, seed=5, diligence=0.9, months=3))]
    fn add_bank(&self, username: &str, seed: u64, diligence: f64, months: u32) -> Result<(), Error> {
        let admin = self.admin()?;
        let today = admin.now().date_naive();
        let bank = rowcol_plaid_sim::derive::sample::small_business(username, seed, diligence, months, today);
        admin
            .add_bank(bank)
            .map_err(|e| Error::input(format!("Plaid look-alike: {e}")))
    }

    /// The next `times` calls of `endpoint` (`"/accounts/balance/get"`;
    /// `None`: any) fail with Plaid's error `code` (`"INSTITUTION_DOWN"`,
    /// `"RATE_LIMIT_EXCEEDED"`, `"ITEM_LOGIN_REQUIRED"`, ...).
    #[pyo3(signature = (code, *, endpoint=None, times=1))]
    fn add_fault(&self, code: &str, endpoint: Option<String>, times: u32) -> Result<(), Error> {
        let code: ErrorCode = serde_json::from_value(serde_json::Value::String(code.to_owned()))
            .map_err(|_| Error::input(format!("Plaid error code {code:?} is not one the look-alike knows")))?;
        self.admin()?.add_fault(FaultRule {
            endpoint,
            item_id: None,
            code,
            times,
        });
        Ok(())
    }

    /// Drops every fault rule.
    fn clear_faults(&self) -> Result<(), Error> {
        self.admin()?.clear_faults();
        Ok(())
    }
}

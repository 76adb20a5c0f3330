//! The QBO look-alike (`rowcol-qbo-sim`) started inside the Python process
//! on a free loopback port: a portfolio of generated companies to sync
//! against, the app that reaches it, and a few of its admin levers (change
//! books, faults, token expiry) for notebooks and tests.

use rowcol_stack::{LookAlikeClient, register_look_alike};

use pyo3::prelude::*;
use rowcol_core::Advisor;
use rowcol_qbo_sim::{Admin, FaultConfig, Kind, PortfolioSpec, SimConfig, SimServer, Size};

use crate::convert;
use crate::error::Error;
use crate::mirror::Mirror;
use crate::records::{advisor_id, client_id};
use crate::runtime::block_on;
use crate::server_slot::ServerSlot;
use crate::sync::QboApp;

/// A running QBO look-alike with generated companies. Use it as a context
/// manager (`with rowcol.LookAlike(clients=3) as sim:`) or call `stop()`.
#[pyclass(module = "rowcol._rowcol", frozen)]
pub struct LookAlike {
    server: ServerSlot<SimServer>,
    admin: Admin,
    base_url: String,
    /// The app `app()` answers without options: one, so that a mirror
    /// reuses one engine for it across calls.
    default_app: Py<QboApp>,
}

fn size(text: &str) -> Result<Size, Error> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).map_err(|_| {
        Error::input(format!(
            "size {text:?}: expected \"empty\", \"small\", \"typical\" or \"large\""
        ))
    })
}

fn kind(text: &str) -> Result<Kind, Error> {
    Kind::parse(text).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        Error::input(format!("kind {text:?}: expected one of {}", known.join(", ")))
    })
}

fn object_id(id: &Bound<'_, PyAny>) -> Result<u64, Error> {
    if let Ok(n) = id.extract::<u64>() {
        return Ok(n);
    }
    let text: String = id
        .extract()
        .map_err(|_| Error::input("id: expected the object's Id (an int or digits)"))?;
    text.trim()
        .parse()
        .map_err(|_| Error::input(format!("id {text:?}: the look-alike's ids are digits")))
}

fn sim_app(base_url: &str, max_attempts: Option<u32>, base_delay: Option<&Bound<'_, PyAny>>) -> Result<QboApp, Error> {
    let config =
        rowcol_qbo::QboConfig::for_sim(base_url).map_err(|e| Error::input(format!("QBO app configuration: {e}")))?;
    QboApp::new(config, max_attempts, base_delay)
}

fn admin_error(e: rowcol_qbo_sim::AdminError) -> Error {
    Error::input(format!("look-alike: {e}"))
}

impl LookAlike {
    fn admin(&self) -> Result<&Admin, Error> {
        self.server.check()?;
        Ok(&self.admin)
    }
}

#[pymethods]
impl LookAlike {
    /// Starts the look-alike with `clients` generated companies of `size`
    /// (`"empty"`, `"small"`, `"typical"`, `"large"`) from `seed`; every
    /// `multi_currency_every`-th company is multi-currency besides the
    /// importers (the 4th, 14th, 24th, ... company), which always are (0:
    /// the importers only).
    #[new]
    #[pyo3(signature = (clients=3, *, size="small", seed=42, multi_currency_every=0))]
    fn start(
        py: Python<'_>,
        clients: usize,
        size: &str,
        seed: u64,
        multi_currency_every: usize,
    ) -> Result<Self, Error> {
        let config = SimConfig {
            portfolio: PortfolioSpec {
                seed,
                realms: clients,
                size: self::size(size)?,
                multi_currency_every,
                ..PortfolioSpec::default()
            },
            ..SimConfig::default()
        };
        let server = block_on(py, async move {
            rowcol_qbo_sim::start(config)
                .await
                .map_err(|e| Error::Os(format!("cannot start the QBO look-alike: {e}")))
        })?;
        let default_app = Py::new(py, sim_app(&server.base_url(), None, None)?)?;
        Ok(LookAlike {
            admin: server.admin(),
            base_url: server.base_url(),
            server: ServerSlot::new(server, "look-alike"),
            default_app,
        })
    }

    /// Stops the server (idempotent).
    fn stop(&self, py: Python<'_>) -> Result<(), Error> {
        self.server.stop(py, |server| async move { server.stop().await })
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, pyo3::types::PyTuple>) -> Result<bool, Error> {
        self.stop(py)?;
        Ok(false)
    }

    /// True until `stop()`.
    #[getter]
    fn running(&self) -> bool {
        self.server.running()
    }

    /// Where it listens, e.g. `http://127.0.0.1:41234`.
    #[getter]
    fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The QBO app that reaches it (see `QboApp.look_alike`): the same
    /// object on every call without options, a new one with them;
    /// `OSError` after `stop()`.
    #[pyo3(signature = (*, max_attempts=None, base_delay=None))]
    fn app(
        &self,
        py: Python<'_>,
        max_attempts: Option<u32>,
        base_delay: Option<&Bound<'_, PyAny>>,
    ) -> Result<Py<QboApp>, Error> {
        // A stopped look-alike has no app worth handing out: refuse here
        // rather than let the sync fail later against a closed port.
        self.admin()?;
        if max_attempts.is_none() && base_delay.is_none() {
            return Ok(self.default_app.clone_ref(py));
        }
        Ok(Py::new(py, sim_app(&self.base_url, max_attempts, base_delay)?)?)
    }

    /// The companies' realm ids, in order.
    #[getter]
    fn realm_ids(&self) -> Result<Vec<String>, Error> {
        Ok(self.admin()?.realm_ids())
    }

    /// The server's clock (an aware UTC datetime).
    #[getter]
    fn now<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
        Ok(convert::datetime(py, self.admin()?.now().fixed_offset())?)
    }

    /// Registers every company as a client of `advisor` in `mirror`, as
    /// `rowcol connect` would for a real one: the advisor, each client
    /// (`client-001`, ... after `prefix`) with its active QBO connection,
    /// and tokens the look-alike issued, sealed in the mirror. Returns the
    /// client ids.
    #[pyo3(signature = (mirror, advisor="demo-advisor", *, advisor_name="Demo advisor", prefix="client-"))]
    fn register(
        &self,
        py: Python<'_>,
        mirror: &Mirror,
        advisor: &str,
        advisor_name: &str,
        prefix: &str,
    ) -> Result<Vec<String>, Error> {
        let admin = self.admin()?.clone();
        let store = mirror.store()?;
        let advisor = Advisor {
            id: advisor_id(advisor)?,
            name: advisor_name.to_owned(),
        };
        let mut clients = Vec::new();
        for (i, realm) in admin.realm_ids().into_iter().enumerate() {
            clients.push(LookAlikeClient {
                id: client_id(&format!("{prefix}{:03}", i + 1))?,
                name: format!("Look-alike company {:03}", i + 1),
                realm: realm.parse().map_err(|e: rowcol_core::IdError| Error::Core(e.into()))?,
            });
        }
        block_on(py, async move {
            let connections = register_look_alike(store.as_ref(), &admin, &advisor, &clients).await?;
            Ok(connections.into_iter().map(|c| c.client.to_string()).collect())
        })
    }

    /// Creates an object from QBO-shaped JSON (amounts as `Decimal` or
    /// text); the look-alike stamps `Id`, `SyncToken` and `MetaData`.
    /// Returns the stored object.
    fn create<'py>(
        &self,
        py: Python<'py>,
        realm: &str,
        kind: &str,
        body: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyAny>, Error> {
        let row = self
            .admin()?
            .create(realm, self::kind(kind)?, convert::to_json(body, "body")?)
            .map_err(admin_error)?;
        convert::json_to_py(py, &row, "")
    }

    /// Merges `patch` into an object (bumps its `SyncToken`). Returns it.
    fn update<'py>(
        &self,
        py: Python<'py>,
        realm: &str,
        kind: &str,
        id: &Bound<'py, PyAny>,
        patch: &Bound<'py, PyAny>,
    ) -> Result<Bound<'py, PyAny>, Error> {
        let row = self
            .admin()?
            .update(
                realm,
                self::kind(kind)?,
                object_id(id)?,
                &convert::to_json(patch, "patch")?,
            )
            .map_err(admin_error)?;
        convert::json_to_py(py, &row, "")
    }

    /// Deletes an object (CDC reports it deleted).
    fn delete(&self, realm: &str, kind: &str, id: &Bound<'_, PyAny>) -> Result<(), Error> {
        self.admin()?
            .delete(realm, self::kind(kind)?, object_id(id)?)
            .map_err(admin_error)
    }

    /// Makes a realm misbehave: shares (0 to 1) of answers replaced by 500
    /// or 503 faults or dropped connections, drawn from `seed`.
    #[pyo3(signature = (realm, *, error_500=0.0, error_503=0.0, drop_connection=0.0, seed=0))]
    fn set_faults(
        &self,
        realm: &str,
        error_500: f64,
        error_503: f64,
        drop_connection: f64,
        seed: u64,
    ) -> Result<(), Error> {
        for (name, share) in [
            ("error_500", error_500),
            ("error_503", error_503),
            ("drop_connection", drop_connection),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(Error::input(format!("{name} is a share from 0 to 1, got {share}")));
            }
        }
        self.admin()?.set_faults(
            realm,
            FaultConfig {
                seed,
                error_500,
                error_503,
                drop_connection,
                ..FaultConfig::none()
            },
        );
        Ok(())
    }

    /// Ends every fault of a realm.
    fn clear_faults(&self, realm: &str) -> Result<(), Error> {
        self.admin()?.clear_faults(realm);
        Ok(())
    }

    /// Expires a realm's access tokens now (refresh tokens stay good).
    fn expire_access_tokens(&self, realm: &str) -> Result<(), Error> {
        self.admin()?.expire_access_tokens(realm);
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!("LookAlike(base_url={:?}, running={})", self.base_url, self.running())
    }
}

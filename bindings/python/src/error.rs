//! The one place where Rust errors become Python exceptions.
//!
//! ```text
//! RowcolError                 .retryable .client .realm .rail .entity_kind .external_id .kind
//! ├── RailError               + .http_status .code .trace_id .retry_after (seconds)
//! ├── StoreError
//! │   ├── NotFoundError
//! │   ├── OutsidePortfolioError
//! │   └── WrongKeyError
//! ├── MappingError
//! ├── InvalidInputError       bad ids, currencies, records, floats on the money path
//! └── MoneyError              mixed currencies, overflow
//! ```

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use rowcol_core::{RailErrorKind, RowcolError, StoreErrorKind};

create_exception!(rowcol, RowcolErrorPy, PyException, "Base of every RowCol error.");
create_exception!(rowcol, RailError, RowcolErrorPy, "A call to a rail (QBO) failed.");
create_exception!(
    rowcol,
    StoreError,
    RowcolErrorPy,
    "A mirror (database) operation failed."
);
create_exception!(rowcol, NotFoundError, StoreError, "The thing asked for does not exist.");
create_exception!(
    rowcol,
    OutsidePortfolioError,
    StoreError,
    "The client is not in the asking advisor's portfolio."
);
create_exception!(
    rowcol,
    WrongKeyError,
    StoreError,
    "Stored credentials do not decrypt with the key given."
);
create_exception!(
    rowcol,
    MappingError,
    RowcolErrorPy,
    "A record from a rail could not be mapped."
);
create_exception!(
    rowcol,
    InvalidInputError,
    RowcolErrorPy,
    "Input was refused (bad id, currency, record shape, or a float on the money path); nothing was written."
);
create_exception!(
    rowcol,
    MoneyError,
    RowcolErrorPy,
    "Money arithmetic refused (mixed currencies or overflow)."
);

/// Why a binding call failed: a core error, refused input, or Python itself.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error from RowCol's crates.
    #[error(transparent)]
    Core(#[from] RowcolError),
    /// Input the binding refused before calling Rust.
    #[error("{0}")]
    Input(String),
    /// A Python exception raised while converting.
    #[error(transparent)]
    Python(#[from] PyErr),
    /// A local resource failed (the look-alike's port, a stopped server):
    /// Python's `OSError`.
    #[error("{0}")]
    Os(String),
}

impl Error {
    /// Refused input, with the reason.
    pub fn input(reason: impl Into<String>) -> Self {
        Error::Input(reason.into())
    }
}

/// The attributes every RowCol exception carries.
#[derive(Default)]
struct Attrs {
    retryable: bool,
    client: Option<String>,
    realm: Option<String>,
    rail: Option<String>,
    entity_kind: Option<String>,
    external_id: Option<String>,
    kind: Option<String>,
    http_status: Option<u16>,
    code: Option<String>,
    trace_id: Option<String>,
    retry_after: Option<f64>,
}

fn rail_kind(kind: &RailErrorKind) -> &'static str {
    match kind {
        RailErrorKind::Throttled { .. } => "throttled",
        RailErrorKind::Transient => "transient",
        RailErrorKind::Timeout => "timeout",
        RailErrorKind::Unauthorized => "unauthorized",
        RailErrorKind::NeedsReauth => "needs_reauth",
        RailErrorKind::Forbidden => "forbidden",
        RailErrorKind::NotFound => "not_found",
        RailErrorKind::Invalid => "invalid",
        RailErrorKind::CursorTooOld => "cursor_too_old",
        RailErrorKind::BudgetExhausted => "budget_exhausted",
    }
}

fn store_kind(kind: StoreErrorKind) -> &'static str {
    match kind {
        StoreErrorKind::Unavailable => "unavailable",
        StoreErrorKind::Busy => "busy",
        StoreErrorKind::NotFound => "not_found",
        StoreErrorKind::OutsidePortfolio => "outside_portfolio",
        StoreErrorKind::WrongKey => "wrong_key",
        StoreErrorKind::Corrupt => "corrupt",
        StoreErrorKind::Invalid => "invalid",
        StoreErrorKind::Migration => "migration",
    }
}

/// The Python exception class a core error maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `RailError`.
    Rail,
    /// `StoreError`.
    Store,
    /// `NotFoundError`.
    NotFound,
    /// `OutsidePortfolioError`.
    OutsidePortfolio,
    /// `WrongKeyError`.
    WrongKey,
    /// `MappingError`.
    Mapping,
    /// `InvalidInputError`.
    InvalidInput,
    /// `MoneyError`.
    Money,
}

impl Family {
    /// The Python class name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Rail => "RailError",
            Family::Store => "StoreError",
            Family::NotFound => "NotFoundError",
            Family::OutsidePortfolio => "OutsidePortfolioError",
            Family::WrongKey => "WrongKeyError",
            Family::Mapping => "MappingError",
            Family::InvalidInput => "InvalidInputError",
            Family::Money => "MoneyError",
        }
    }

    fn new_err(self, message: String) -> PyErr {
        match self {
            Family::Rail => RailError::new_err(message),
            Family::Store => StoreError::new_err(message),
            Family::NotFound => NotFoundError::new_err(message),
            Family::OutsidePortfolio => OutsidePortfolioError::new_err(message),
            Family::WrongKey => WrongKeyError::new_err(message),
            Family::Mapping => MappingError::new_err(message),
            Family::InvalidInput => InvalidInputError::new_err(message),
            Family::Money => MoneyError::new_err(message),
        }
    }
}

/// The exception class of a core error and its `kind` attribute (the rail
/// or store error kind; `None` for the other families).
pub fn classify(err: &RowcolError) -> (Family, Option<&'static str>) {
    match err {
        RowcolError::Rail { kind, .. } => (Family::Rail, Some(rail_kind(kind))),
        RowcolError::RailDisabled(_) => (Family::Rail, Some("disabled")),
        RowcolError::Store { kind, .. } => (
            match kind {
                StoreErrorKind::NotFound => Family::NotFound,
                StoreErrorKind::OutsidePortfolio => Family::OutsidePortfolio,
                StoreErrorKind::WrongKey => Family::WrongKey,
                _ => Family::Store,
            },
            Some(store_kind(*kind)),
        ),
        RowcolError::Mapping { .. } => (Family::Mapping, None),
        RowcolError::InvalidInput { .. } | RowcolError::Id(_) | RowcolError::Currency(_) => {
            (Family::InvalidInput, None)
        }
        RowcolError::Money(_) => (Family::Money, None),
    }
}

/// The Python exception for a core error, with its attributes set.
pub fn core_to_py(py: Python<'_>, err: &RowcolError) -> PyErr {
    let (family, kind) = classify(err);
    let mut attrs = Attrs {
        retryable: err.retryable(),
        kind: kind.map(str::to_owned),
        ..Attrs::default()
    };
    if let Some(ctx) = err.context() {
        attrs.client = ctx.client.as_ref().map(ToString::to_string);
        attrs.realm = ctx.realm.as_ref().map(ToString::to_string);
        attrs.rail = ctx.rail.map(|r| r.as_str().to_owned());
        attrs.entity_kind = ctx.kind.map(|k| k.as_str().to_owned());
        attrs.external_id = ctx.external_id.as_ref().map(ToString::to_string);
    }
    match err {
        RowcolError::Rail { failure, .. } => {
            attrs.http_status = failure.http_status;
            attrs.code.clone_from(&failure.code);
            attrs.trace_id.clone_from(&failure.trace_id);
            attrs.retry_after = err.retry_after().map(|d| d.as_secs_f64());
        }
        RowcolError::RailDisabled(e) => attrs.rail = Some(e.rail.as_str().to_owned()),
        _ => {}
    }
    let exc = family.new_err(message(err));
    set_attrs(py, &exc, attrs);
    exc
}

/// The core's message, without the "no context" it writes when an error
/// names no client, realm or record (noise in a notebook's traceback).
fn message(err: &RowcolError) -> String {
    err.to_string()
        .replacen(": no context — ", ": ", 1)
        .replacen(" for no context:", ":", 1)
        .replacen("cannot map no context:", "cannot map:", 1)
}

fn set_attrs(py: Python<'_>, exc: &PyErr, a: Attrs) {
    let value = exc.value(py);
    // Setting attributes on a fresh exception instance cannot fail short of
    // memory exhaustion; the message stays correct either way.
    let _ = value.setattr("retryable", a.retryable);
    let _ = value.setattr("client", a.client);
    let _ = value.setattr("realm", a.realm);
    let _ = value.setattr("rail", a.rail);
    let _ = value.setattr("entity_kind", a.entity_kind);
    let _ = value.setattr("external_id", a.external_id);
    let _ = value.setattr("kind", a.kind);
    let _ = value.setattr("http_status", a.http_status);
    let _ = value.setattr("code", a.code);
    let _ = value.setattr("trace_id", a.trace_id);
    let _ = value.setattr("retry_after", a.retry_after);
}

impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        match err {
            Error::Python(e) => e,
            Error::Core(e) => Python::attach(|py| core_to_py(py, &e)),
            Error::Os(reason) => pyo3::exceptions::PyOSError::new_err(reason),
            Error::Input(reason) => Python::attach(|py| {
                let exc = InvalidInputError::new_err(reason);
                set_attrs(py, &exc, Attrs::default());
                exc
            }),
        }
    }
}

/// Registers the exception classes on the module, with class-level defaults
/// for the attributes so that `except RowcolError as e: e.retryable` always works.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<RowcolErrorPy>();
    for (name, value) in [
        ("retryable", false.into_pyobject(py)?.to_owned().into_any()),
        ("client", py.None().into_bound(py)),
        ("realm", py.None().into_bound(py)),
        ("rail", py.None().into_bound(py)),
        ("entity_kind", py.None().into_bound(py)),
        ("external_id", py.None().into_bound(py)),
        ("kind", py.None().into_bound(py)),
        ("http_status", py.None().into_bound(py)),
        ("code", py.None().into_bound(py)),
        ("trace_id", py.None().into_bound(py)),
        ("retry_after", py.None().into_bound(py)),
    ] {
        base.setattr(name, value)?;
    }
    m.add("RowcolError", base)?;
    m.add("RailError", py.get_type::<RailError>())?;
    m.add("StoreError", py.get_type::<StoreError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("OutsidePortfolioError", py.get_type::<OutsidePortfolioError>())?;
    m.add("WrongKeyError", py.get_type::<WrongKeyError>())?;
    m.add("MappingError", py.get_type::<MappingError>())?;
    m.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    m.add("MoneyError", py.get_type::<MoneyError>())?;
    Ok(())
}

/// A representative core error of each family, mapped: lets the Python
/// tests check the whole table, including errors a sync against the
/// look-alike cannot provoke quickly (a throttle answer waits a minute).
#[pyfunction]
#[pyo3(name = "_sample_error")]
pub fn sample_error(py: Python<'_>, family: &str) -> PyResult<PyErr> {
    use rowcol_core::{Currency, ErrorContext, MoneyError, Rail, RailFailure};
    use std::time::Duration;
    let client: rowcol_core::ClientId = crate::records::client_id("acme")?;
    let realm: rowcol_core::RealmId = "9130"
        .parse()
        .map_err(|e: rowcol_core::IdError| Error::Core(e.into()))?;
    let ctx = ErrorContext::client(&client).with_realm(Rail::Qbo, &realm);
    let err = match family {
        "throttled" => RowcolError::rail(
            RailErrorKind::Throttled {
                retry_after: Some(Duration::from_secs(60)),
            },
            ctx,
            RailFailure {
                http_status: Some(429),
                code: Some("003001".into()),
                trace_id: Some("1-abc".into()),
                message: "ThrottleExceeded".into(),
                api_calls: 0,
            },
        ),
        "needs_reauth" => RowcolError::rail(
            RailErrorKind::NeedsReauth,
            ctx,
            RailFailure {
                http_status: Some(400),
                code: None,
                trace_id: None,
                message: "invalid_grant".into(),
                api_calls: 0,
            },
        ),
        "busy" => RowcolError::store(StoreErrorKind::Busy, ctx, "locked"),
        "not_found" => RowcolError::store(StoreErrorKind::NotFound, ctx, "no such client"),
        "outside_portfolio" => RowcolError::store(StoreErrorKind::OutsidePortfolio, ctx, "not yours"),
        "wrong_key" => RowcolError::store(StoreErrorKind::WrongKey, ctx, "sealed"),
        "mapping" => RowcolError::Mapping {
            context: ctx,
            reason: "TotalAmt missing".into(),
        },
        "invalid_input" => RowcolError::InvalidInput {
            context: ctx,
            reason: "bad".into(),
        },
        "money" => RowcolError::Money(MoneyError::CurrencyMismatch {
            operation: "add",
            left: Currency::USD,
            right: Currency::EUR,
        }),
        other => return Err(Error::input(format!("unknown error family {other:?}")).into()),
    };
    Ok(core_to_py(py, &err))
}

//! The portfolio digest and the portfolio it is computed over.

use std::sync::Arc;
use std::time::Instant;

use chrono::{NaiveDate, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use rowcol_core::{ClientSnapshot, StandardPolicy};
use rowcol_runway::calc::CashOutlook;
use rowcol_runway::calc::rollforward::{RollForward, rollforward};
use rowcol_runway::{Digest as DigestT, DigestClock};

use crate::calculators::Outlook;
use crate::convert;
use crate::error::Error;
use crate::results::result_class;
use crate::runtime::compute;
use crate::snapshot::Snapshot;

result_class!(
    /// The portfolio digest: one line per client (urgency, cash, runway,
    /// guardrail, hygiene and decisions in brief, each with its freshness),
    /// most urgent first, and portfolio totals.
    Digest,
    DigestT,
    "digest",
    pickle,
    {
        /// Number of clients.
        fn __len__(&self) -> usize {
            self.inner.clients.len()
        }

        /// The date figures are as of.
        #[getter]
        fn as_of<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::date(py, self.inner.as_of)?)
        }

        /// The client ids, most urgent first.
        #[getter]
        fn client_ids(&self) -> Vec<String> {
            self.inner.clients.iter().map(|c| c.client.to_string()).collect()
        }

        fn __repr__(&self) -> String {
            format!("Digest(as_of={}, clients={})", self.inner.as_of, self.inner.clients.len())
        }
    }
);

/// The digest clock from Python arguments; `as_of` defaults to the
/// snapshots' common date, `now` to the current time, the freshness target
/// to the standard sync policy's.
pub fn clock(
    snapshots: &[ClientSnapshot],
    as_of: Option<&Bound<'_, PyAny>>,
    now: Option<&Bound<'_, PyAny>>,
    freshness_target: Option<&Bound<'_, PyAny>>,
) -> Result<DigestClock, Error> {
    let as_of = match as_of {
        Some(d) => convert::to_date(d, "as_of")?,
        None => common_as_of(snapshots)?,
    };
    Ok(DigestClock {
        as_of,
        now: match now {
            Some(t) => convert::to_datetime(t, "now")?.with_timezone(&Utc),
            None => Utc::now(),
        },
        freshness_target: match freshness_target {
            Some(d) => convert::to_duration(d, "freshness_target")?,
            None => StandardPolicy::default().freshness_target,
        },
    })
}

fn common_as_of(snapshots: &[ClientSnapshot]) -> Result<NaiveDate, Error> {
    let mut dates = snapshots.iter().map(|s| s.as_of);
    let first = dates
        .next()
        .ok_or_else(|| Error::input("as_of is needed for an empty portfolio"))?;
    if dates.all(|d| d == first) {
        Ok(first)
    } else {
        Err(Error::input("the snapshots have different dates: pass as_of"))
    }
}

/// The snapshots of several clients, held on the Rust side so that a digest
/// over them costs no conversion.
#[pyclass(module = "rowcol._rowcol", frozen)]
pub struct Portfolio {
    pub(crate) inner: Arc<Vec<ClientSnapshot>>,
}

impl Portfolio {
    /// Wraps loaded snapshots.
    pub fn new(snapshots: Vec<ClientSnapshot>) -> Self {
        Portfolio {
            inner: Arc::new(snapshots),
        }
    }
}

impl Portfolio {
    /// Every client's outlook as of `as_of` (default: the common date), with its id.
    fn computed(&self, py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> Result<Vec<(String, CashOutlook)>, Error> {
        let as_of = match as_of {
            Some(d) => convert::to_date(d, "as_of")?,
            None => common_as_of(&self.inner)?,
        };
        let inner = Arc::clone(&self.inner);
        Ok(compute(py, move || {
            inner
                .iter()
                .map(|s| (s.client.to_string(), rowcol_runway::outlook(s, as_of)))
                .collect()
        }))
    }
}

/// `rowcol._frames.long_frame(kind, [(client, data), ...], money)`.
fn long_frame<'py, 'a>(
    py: Python<'py>,
    kind: &str,
    parts: impl Iterator<Item = (&'a String, Result<Bound<'py, PyAny>, Error>)>,
    money: &str,
) -> Result<Bound<'py, PyAny>, Error> {
    let list = PyList::empty(py);
    for (client, data) in parts {
        list.append((client, data?))?;
    }
    Ok(py
        .import("rowcol._frames")?
        .getattr("long_frame")?
        .call1((kind, list, money))?)
}

#[pymethods]
impl Portfolio {
    /// A portfolio of the given snapshots (copied).
    #[new]
    fn py_new(snapshots: Vec<PyRef<'_, Snapshot>>) -> Self {
        Portfolio::new(snapshots.iter().map(|s| (*s.inner).clone()).collect())
    }

    /// A portfolio from JSON text: a list of snapshots (what `to_json()` returns).
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> Result<Self, Error> {
        let text = text.to_owned();
        compute(py, move || serde_json::from_str(&text))
            .map(Portfolio::new)
            .map_err(|e| Error::input(format!("portfolio JSON: {e}")))
    }

    /// The portfolio as JSON text.
    fn to_json(&self, py: Python<'_>) -> Result<String, Error> {
        let inner = Arc::clone(&self.inner);
        compute(py, move || convert::to_json_text(&*inner))
    }

    fn __len__(&self) -> usize {
        self.inner.len()
    }

    /// The snapshots, one per client.
    #[getter]
    fn snapshots<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        PyList::new(py, self.inner.iter().map(|s| Snapshot::new(s.clone())))
    }

    /// The client ids, in load order.
    #[getter]
    fn client_ids(&self) -> Vec<String> {
        self.inner.iter().map(|s| s.client.to_string()).collect()
    }

    /// The digest as of `as_of` (default: the snapshots' date), judging
    /// freshness at `now` (aware datetime, default: now) against
    /// `freshness_target` (timedelta or seconds; default: the standard sync
    /// policy's 30 minutes). Clients are computed in parallel, GIL released.
    #[pyo3(signature = (as_of=None, *, now=None, freshness_target=None))]
    fn digest(
        &self,
        py: Python<'_>,
        as_of: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
        freshness_target: Option<&Bound<'_, PyAny>>,
    ) -> Result<Digest, Error> {
        let clock = clock(&self.inner, as_of, now, freshness_target)?;
        let inner = Arc::clone(&self.inner);
        Ok(Digest::new(compute(py, move || rowcol_runway::digest(&inner, clock))))
    }

    /// The HTML report of the digest as of `as_of` (arguments as for
    /// `digest`): one self-contained page (inline CSS and SVG, no script)
    /// with each client's 13-week forecast against its guardrail, aging,
    /// hygiene findings and decisions; the same page `rowcol digest --format
    /// html` writes. Computed with the GIL released.
    #[pyo3(signature = (as_of=None, *, now=None, freshness_target=None))]
    fn to_html(
        &self,
        py: Python<'_>,
        as_of: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
        freshness_target: Option<&Bound<'_, PyAny>>,
    ) -> Result<String, Error> {
        let clock = clock(&self.inner, as_of, now, freshness_target)?;
        let inner = Arc::clone(&self.inner);
        Ok(compute(py, move || rowcol_report::html(&inner, clock)))
    }

    /// Every client's cash outlook (runway, forecast, aging, ...) as of
    /// `as_of`, by client id (in load order).
    #[pyo3(signature = (as_of=None))]
    fn outlooks<'py>(&self, py: Python<'py>, as_of: Option<&Bound<'_, PyAny>>) -> Result<Bound<'py, PyDict>, Error> {
        let out = PyDict::new(py);
        for (client, outlook) in self.computed(py, as_of)? {
            out.set_item(&client, Outlook::new(outlook).with_client(Some(client.clone())))?;
        }
        Ok(out)
    }

    /// Every client's 13-week forecast as one long DataFrame: a row per
    /// client and week, with a `client` column (columns as
    /// `Forecast.to_pandas()`), ready for `pivot(index="start",
    /// columns="client", values="closing")` or a plot.
    #[pyo3(signature = (as_of=None, *, money=crate::results::DEFAULT_MONEY))]
    fn forecasts<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'_, PyAny>>,
        money: &str,
    ) -> Result<Bound<'py, PyAny>, Error> {
        let parts = self.computed(py, as_of)?;
        long_frame(
            py,
            "forecast",
            parts.iter().map(|(c, o)| (c, convert::result_to_py(py, &o.forecast))),
            money,
        )
    }

    /// Receivables and payables aging of every client as one long
    /// DataFrame: a row per client, side and bucket.
    #[pyo3(signature = (as_of=None, *, money=crate::results::DEFAULT_MONEY))]
    fn agings<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'_, PyAny>>,
        money: &str,
    ) -> Result<Bound<'py, PyAny>, Error> {
        let parts = self.computed(py, as_of)?;
        let sides = parts.iter().flat_map(|(c, o)| {
            [
                (c, convert::result_to_py(py, &o.ar_aging)),
                (c, convert::result_to_py(py, &o.ap_aging)),
            ]
        });
        long_frame(py, "aging", sides, money)
    }

    /// Every client's cash position and runway as of `as_of`, one row per
    /// client (cash, card debt, net, burn, runway, and the currencies left
    /// out of cash for want of a rate). The month-by-month movements are
    /// `rollforward()`.
    #[pyo3(signature = (as_of=None, *, money=crate::results::DEFAULT_MONEY))]
    fn cash<'py>(
        &self,
        py: Python<'py>,
        as_of: Option<&Bound<'_, PyAny>>,
        money: &str,
    ) -> Result<Bound<'py, PyAny>, Error> {
        let parts = self.computed(py, as_of)?;
        long_frame(
            py,
            "cash",
            parts.iter().map(|(c, o)| (c, convert::result_to_py(py, o))),
            money,
        )
    }

    /// Every client's monthly cash roll-forward: the `months` calendar
    /// months ending with the month of `as_of` (default: the common date),
    /// one row per client, bank account and month, plus `TOTAL` rows over
    /// the home-currency accounts: opening, cash in, cash out, transfers
    /// between own accounts (card statements included), financing,
    /// closing (each account in its own currency; the definition is
    /// `rowcol_runway::calc::rollforward`'s, as `rowcol cash` prints it).
    #[pyo3(signature = (months=6, as_of=None, *, money=crate::results::DEFAULT_MONEY))]
    fn rollforward<'py>(
        &self,
        py: Python<'py>,
        months: u32,
        as_of: Option<&Bound<'_, PyAny>>,
        money: &str,
    ) -> Result<Bound<'py, PyAny>, Error> {
        if !(1..=24).contains(&months) {
            return Err(Error::input(format!("months={months}: expected 1 to 24")));
        }
        let as_of = match as_of {
            Some(d) => convert::to_date(d, "as_of")?,
            None => common_as_of(&self.inner)?,
        };
        let inner = Arc::clone(&self.inner);
        let rolls: Vec<(String, RollForward)> = compute(py, move || {
            inner
                .iter()
                .map(|s| (s.client.to_string(), rollforward(s, as_of, months)))
                .collect()
        });
        long_frame(
            py,
            "rollforward",
            rolls.iter().map(|(c, r)| (c, convert::result_to_py(py, r))),
            money,
        )
    }

    /// Benchmark aid: runs the digest `runs` times inside Rust (no Python
    /// between runs) and returns each run's wall time in seconds.
    #[pyo3(signature = (runs, as_of=None, *, now=None, freshness_target=None))]
    fn _time_digest(
        &self,
        py: Python<'_>,
        runs: u32,
        as_of: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
        freshness_target: Option<&Bound<'_, PyAny>>,
    ) -> Result<Vec<f64>, Error> {
        let clock = clock(&self.inner, as_of, now, freshness_target)?;
        let inner = Arc::clone(&self.inner);
        Ok(compute(py, move || {
            (0..runs)
                .map(|_| {
                    let start = Instant::now();
                    std::hint::black_box(rowcol_runway::digest(std::hint::black_box(&inner), clock));
                    start.elapsed().as_secs_f64()
                })
                .collect()
        }))
    }

    fn __repr__(&self) -> String {
        format!("Portfolio(clients={})", self.inner.len())
    }
}

/// The digest of the given snapshots (a list of `Snapshot` or a `Portfolio`).
#[pyfunction]
#[pyo3(signature = (snapshots, as_of=None, *, now=None, freshness_target=None))]
pub fn digest(
    py: Python<'_>,
    snapshots: &Bound<'_, PyAny>,
    as_of: Option<&Bound<'_, PyAny>>,
    now: Option<&Bound<'_, PyAny>>,
    freshness_target: Option<&Bound<'_, PyAny>>,
) -> Result<Digest, Error> {
    let portfolio = match snapshots.downcast::<Portfolio>() {
        Ok(p) => Portfolio {
            inner: Arc::clone(&p.get().inner),
        },
        Err(_) => Portfolio::py_new(snapshots.extract()?),
    };
    portfolio.digest(py, as_of, now, freshness_target)
}

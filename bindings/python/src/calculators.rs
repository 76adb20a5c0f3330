//! The calculators' results: the cash outlook and its parts (runway,
//! 13-week forecast, aging).

use pyo3::prelude::*;
use rowcol_runway::calc::CashOutlook;
use rowcol_runway::calc::aging::Aging as AgingT;
use rowcol_runway::calc::forecast::Forecast as ForecastT;
use rowcol_runway::calc::runway::{Runway as RunwayT, RunwayState};

use crate::convert;
use crate::error::Error;
use crate::results::result_class;

fn decimal_or_none<'py>(py: Python<'py>, d: Option<rust_decimal::Decimal>) -> Result<Bound<'py, PyAny>, Error> {
    Ok(match d {
        Some(d) => convert::decimal(py, &d.to_string())?,
        None => py.None().into_bound(py),
    })
}

result_class!(
    /// Every calculator's figure for one client as of one date: cash, burn,
    /// runway, AR/AP aging, DSO/DPO, the 13-week forecast and the guardrail.
    Outlook,
    CashOutlook,
    "outlook",
    pickle,
    {
        /// The date figures are computed as of.
        #[getter]
        fn as_of<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::date(py, self.inner.as_of)?)
        }

        /// The client the figures are about (`None` when not known).
        #[getter]
        fn client(&self) -> Option<String> {
            self.client.clone()
        }

        /// Runway.
        #[getter]
        fn runway(&self) -> Runway {
            Runway::new(self.inner.runway.clone()).with_client(self.client.clone())
        }

        /// The 13-week forecast.
        #[getter]
        fn forecast(&self) -> Forecast {
            Forecast::new(self.inner.forecast.clone()).with_client(self.client.clone())
        }

        /// Receivables aging.
        #[getter]
        fn ar_aging(&self) -> Aging {
            Aging::new(self.inner.ar_aging.clone()).with_client(self.client.clone())
        }

        /// Payables aging.
        #[getter]
        fn ap_aging(&self) -> Aging {
            Aging::new(self.inner.ap_aging.clone()).with_client(self.client.clone())
        }

        fn __repr__(&self) -> String {
            format!(
                "Outlook({}as_of={}, cash={}, runway={})",
                self.client.as_deref().map(|c| format!("client={c}, ")).unwrap_or_default(),
                self.inner.as_of,
                self.inner.cash.cash.round_to_minor_units(),
                runway_text(&self.inner.runway)
            )
        }
    }
);

fn runway_text(r: &RunwayT) -> String {
    match &r.state {
        RunwayState::Months { months, .. } => format!("{months} months"),
        RunwayState::NotBurning => "not burning".to_owned(),
        RunwayState::InsufficientData { reason } => format!("unknown: {reason}"),
    }
}

result_class!(
    /// Runway: available cash over average monthly net burn, with its definition.
    Runway,
    RunwayT,
    "runway",
    pickle,
    {
        /// `"months"`, `"not_burning"` or `"insufficient_data"`.
        #[getter]
        fn state(&self) -> &'static str {
            match self.inner.state {
                RunwayState::Months { .. } => "months",
                RunwayState::NotBurning => "not_burning",
                RunwayState::InsufficientData { .. } => "insufficient_data",
            }
        }

        /// Months of runway (`Decimal`, 2 places), or `None` when not burning or unknown.
        #[getter]
        fn months<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            decimal_or_none(py, self.inner.months())
        }

        /// Weeks of runway (`Decimal`, 2 places), or `None`.
        #[getter]
        fn weeks<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            decimal_or_none(
                py,
                match self.inner.state {
                    RunwayState::Months { weeks, .. } => Some(weeks),
                    _ => None,
                },
            )
        }

        /// The client (`None` when not known).
        #[getter]
        fn client(&self) -> Option<String> {
            self.client.clone()
        }

        /// Available cash in the home currency (`Decimal`, rounded to the minor unit).
        #[getter]
        fn cash<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::decimal(py, &convert::rounded(&self.inner.cash))?)
        }

        /// Average monthly net burn (`Decimal`, rounded half away from zero to the minor unit).
        #[getter]
        fn net_burn_monthly<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::decimal(py, &convert::rounded(&self.inner.net_burn_monthly))?)
        }

        /// The home currency code.
        #[getter]
        fn currency(&self) -> String {
            self.inner.cash.currency().to_string()
        }

        /// How runway is computed, in words.
        #[getter]
        fn definition(&self) -> String {
            self.inner.definition.clone()
        }

        fn __repr__(&self) -> String {
            format!("Runway({})", runway_text(&self.inner))
        }
    }
);

result_class!(
    /// The 13-week cash forecast.
    Forecast,
    ForecastT,
    "forecast",
    pickle,
    {
        /// Number of weeks (13).
        fn __len__(&self) -> usize {
            self.inner.weeks.len()
        }

        /// The client (`None` when not known).
        #[getter]
        fn client(&self) -> Option<String> {
            self.client.clone()
        }

        /// The date the forecast starts from.
        #[getter]
        fn as_of<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::date(py, self.inner.as_of)?)
        }

        /// The weeks as dicts (`week`, `start`, `end`, `opening`, `inflows`,
        /// `bill_outflows`, `recurring_outflows`, `closing`), money rounded.
        #[getter]
        fn weeks<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            convert::result_to_py(py, &self.inner.weeks)
        }

        /// The first week whose closing cash is under the guardrail, if any.
        #[getter]
        fn first_week_below_guardrail(&self) -> Option<u32> {
            self.inner.first_week_below_guardrail
        }

        fn __repr__(&self) -> String {
            format!(
                "Forecast({}as_of={}, starting_cash={}, weeks={})",
                self.client.as_deref().map(|c| format!("client={c}, ")).unwrap_or_default(),
                self.inner.as_of,
                self.inner.starting_cash.round_to_minor_units(),
                self.inner.weeks.len()
            )
        }
    }
);

result_class!(
    /// Receivables or payables aging in five buckets.
    Aging,
    AgingT,
    "aging",
    pickle,
    {
        /// The client (`None` when not known).
        #[getter]
        fn client(&self) -> Option<String> {
            self.client.clone()
        }

        /// `"receivable"` or `"payable"`.
        #[getter]
        fn side(&self) -> &'static str {
            match self.inner.side {
                rowcol_runway::calc::aging::Side::Receivable => "receivable",
                rowcol_runway::calc::aging::Side::Payable => "payable",
            }
        }

        /// The date the buckets are aged as of.
        #[getter]
        fn as_of<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::date(py, self.inner.as_of)?)
        }

        /// Total open balance (`Decimal`, home currency, rounded to the minor unit).
        #[getter]
        fn total<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::decimal(py, &convert::rounded(&self.inner.total))?)
        }

        fn __repr__(&self) -> String {
            format!(
                "Aging(side={:?}, as_of={}, total={})",
                self.side(),
                self.inner.as_of,
                self.inner.total.round_to_minor_units()
            )
        }
    }
);

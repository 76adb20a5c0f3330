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
    {
        /// The date figures are computed as of.
        #[getter]
        fn as_of<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::date(py, self.inner.as_of)?)
        }

        /// Runway.
        #[getter]
        fn runway(&self) -> Runway {
            Runway::new(self.inner.runway.clone())
        }

        /// The 13-week forecast.
        #[getter]
        fn forecast(&self) -> Forecast {
            Forecast::new(self.inner.forecast.clone())
        }

        /// Receivables aging.
        #[getter]
        fn ar_aging(&self) -> Aging {
            Aging::new(self.inner.ar_aging.clone())
        }

        /// Payables aging.
        #[getter]
        fn ap_aging(&self) -> Aging {
            Aging::new(self.inner.ap_aging.clone())
        }

        fn __repr__(&self) -> String {
            format!(
                "Outlook(as_of={}, cash={}, runway={})",
                self.inner.as_of,
                self.inner.cash.cash,
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

        /// Available cash in the home currency (`Decimal`).
        #[getter]
        fn cash<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::decimal(py, &self.inner.cash.amount().to_string())?)
        }

        /// Average monthly net burn (`Decimal`).
        #[getter]
        fn net_burn_monthly<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::decimal(py, &self.inner.net_burn_monthly.amount().to_string())?)
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
    {
        /// Number of weeks (13).
        fn __len__(&self) -> usize {
            self.inner.weeks.len()
        }

        /// The first week whose closing cash is under the guardrail, if any.
        #[getter]
        fn first_week_below_guardrail(&self) -> Option<u32> {
            self.inner.first_week_below_guardrail
        }

        fn __repr__(&self) -> String {
            format!(
                "Forecast(as_of={}, starting_cash={}, weeks={})",
                self.inner.as_of,
                self.inner.starting_cash,
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
    {
        /// Total open balance (`Decimal`, home currency).
        #[getter]
        fn total<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::decimal(py, &self.inner.total.amount().to_string())?)
        }

        fn __repr__(&self) -> String {
            format!("Aging(side={:?}, as_of={}, total={})", self.inner.side, self.inner.as_of, self.inner.total)
        }
    }
);

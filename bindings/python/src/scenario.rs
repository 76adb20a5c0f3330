//! Scenarios: one client's forecast and runway, base and under a what-if,
//! side by side (`Snapshot.scenario(...)`).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use rowcol_runway::scenario::{Scenario, ScenarioComparison as ComparisonT};
use serde_json::{Value, json};

use crate::calculators::{Forecast, Runway};
use crate::convert;
use crate::error::Error;
use crate::results::result_class;

result_class!(
    /// Base and scenario side by side: the weeks' closing balances both
    /// ways, each side's forecast and runway, and the rules applied.
    ScenarioComparison,
    ComparisonT,
    "scenario",
    pickle,
    {
        /// The client (`None` when not known).
        #[getter]
        fn client(&self) -> Option<String> {
            self.client.clone()
        }

        /// The date figures are computed as of.
        #[getter]
        fn as_of<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(convert::date(py, self.inner.as_of)?)
        }

        /// The weeks as dicts (`week`, `start`, `end`, `base_closing`,
        /// `scenario_closing`, `difference`), money rounded.
        #[getter]
        fn weeks<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            convert::result_to_py(py, &self.inner.weeks)
        }

        /// Runway without the scenario.
        #[getter]
        fn base_runway(&self) -> Runway {
            Runway::new(self.inner.base.runway.clone()).with_client(self.client.clone())
        }

        /// Runway under the scenario.
        #[getter]
        fn scenario_runway(&self) -> Runway {
            Runway::new(self.inner.scenario.runway.clone()).with_client(self.client.clone())
        }

        /// The 13-week forecast without the scenario.
        #[getter]
        fn base_forecast(&self) -> Forecast {
            Forecast::new(self.inner.base.forecast.clone()).with_client(self.client.clone())
        }

        /// The 13-week forecast under the scenario.
        #[getter]
        fn scenario_forecast(&self) -> Forecast {
            Forecast::new(self.inner.scenario.forecast.clone()).with_client(self.client.clone())
        }

        /// How the scenario is applied, in words.
        #[getter]
        fn definition(&self) -> String {
            self.inner.definition.clone()
        }

        fn __repr__(&self) -> String {
            format!(
                "ScenarioComparison({}as_of={}, adjustments={})",
                self.client.as_deref().map(|c| format!("client={c}, ")).unwrap_or_default(),
                self.inner.as_of,
                self.inner.applied.adjustments.len()
            )
        }
    }
);

/// `(amount, date)` as the JSON of a money amount in `home` and a date.
fn dated(value: &Bound<'_, PyAny>, home: &str, what: &str) -> Result<(Value, Value), Error> {
    let (amount, on): (Bound<'_, PyAny>, Bound<'_, PyAny>) = value
        .extract()
        .map_err(|_| Error::input(format!("{what} must be an (amount, date) pair")))?;
    let on = convert::to_date(&on, what)?.format("%Y-%m-%d").to_string();
    Ok((
        json!({"amount": convert::to_json(&amount, what)?, "currency": home}),
        Value::String(on),
    ))
}

/// `{party id: days}` as adjustments of `kind` naming the party `field`.
fn by_party(value: Option<&Bound<'_, PyDict>>, kind: &str, field: &str, out: &mut Vec<Value>) -> Result<(), Error> {
    for (party, days) in value.into_iter().flat_map(|d| d.iter()) {
        let party: String = party
            .extract()
            .map_err(|_| Error::input(format!("{kind}: ids must be text")))?;
        let days = convert::to_json(&days, &format!("{kind}[{party:?}]"))?;
        out.push(json!({"kind": kind, field: party, "days": days}));
    }
    Ok(())
}

/// The scenario from `Snapshot.scenario`'s keyword arguments, amounts in
/// the home currency.
pub fn from_arguments(
    home: &str,
    delay_vendors: Option<&Bound<'_, PyDict>>,
    customers_late: Option<&Bound<'_, PyDict>>,
    hires: Option<&Bound<'_, PyAny>>,
    equity: Option<&Bound<'_, PyAny>>,
    loan: Option<&Bound<'_, PyAny>>,
) -> Result<Scenario, Error> {
    let mut adjustments = Vec::new();
    by_party(delay_vendors, "delay_vendor", "vendor", &mut adjustments)?;
    by_party(customers_late, "customer_late", "customer", &mut adjustments)?;
    for (i, hire) in hires
        .into_iter()
        .flat_map(|h| h.try_iter().into_iter().flatten())
        .enumerate()
    {
        let (cost, from) = dated(&hire?, home, &format!("hires[{i}]"))?;
        adjustments.push(json!({"kind": "new_hire", "monthly_cost": cost, "from": from}));
    }
    for (raised, financing) in [(equity, "equity"), (loan, "loan")] {
        if let Some(raised) = raised {
            let (amount, on) = dated(raised, home, financing)?;
            adjustments.push(json!({"kind": "financing", "amount": amount, "on": on, "financing": financing}));
        }
    }
    serde_json::from_value(json!({ "adjustments": adjustments })).map_err(|e| Error::input(format!("scenario: {e}")))
}

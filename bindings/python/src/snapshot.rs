//! Client snapshots: loaded from a mirror, or built from plain Python data
//! for notebooks; the calculators run on them with the GIL released.

use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use pyo3::prelude::*;
use rowcol_core::entity::Entity;
use rowcol_core::{
    ClientHealth, ClientSettings, ClientSnapshot, ConnectionStatus, Currency, EntityKind, KindHealth, SnapshotRequest,
};
use rowcol_runway::calc::aging::Side;

use crate::calculators::{Aging, Forecast, Outlook, Runway};
use crate::console::DecisionConsole;
use crate::convert;
use crate::error::Error;
use crate::hygiene::HygieneTray;
use crate::records;
use crate::runtime::compute;
use crate::scenario::{self, ScenarioComparison};

/// Everything the calculators need about one client, as of one date.
#[pyclass(module = "rowcol._rowcol", frozen)]
pub struct Snapshot {
    pub(crate) inner: Arc<ClientSnapshot>,
}

impl Snapshot {
    /// Wraps a loaded snapshot.
    pub fn new(s: ClientSnapshot) -> Self {
        Snapshot { inner: Arc::new(s) }
    }

    fn date_or_own(&self, as_of: Option<&Bound<'_, PyAny>>) -> Result<NaiveDate, Error> {
        as_of.map_or(Ok(self.inner.as_of), |d| convert::to_date(d, "as_of"))
    }
}

/// Settings from a partial dict laid over the defaults.
pub fn settings_from(value: Option<&Bound<'_, PyAny>>) -> Result<ClientSettings, Error> {
    let Some(value) = value else {
        return Ok(ClientSettings::default());
    };
    let mut base =
        serde_json::to_value(ClientSettings::default()).map_err(|e| Error::input(format!("settings: {e}")))?;
    let given = convert::to_json(value, "settings")?;
    let (Some(base_map), serde_json::Value::Object(given)) = (base.as_object_mut(), given) else {
        return Err(Error::input("settings: expected a dict"));
    };
    // A typo (`guardrail_week`) would otherwise be dropped without a word by serde.
    for key in given.keys() {
        if !base_map.contains_key(key) {
            let known: Vec<&str> = base_map.keys().map(String::as_str).collect();
            let near = known
                .iter()
                .find(|k| similar(k, key))
                .map(|k| format!(" (did you mean {k:?}?)"))
                .unwrap_or_default();
            return Err(Error::input(format!(
                "settings: unknown key {key:?}{near}; known keys: {}",
                known.join(", ")
            )));
        }
    }
    base_map.extend(given);
    serde_json::from_value(base).map_err(|e| Error::input(format!("settings: {e}")))
}

/// Whether two keys look like one typo apart: a shared prefix of at least
/// half the longer one's length (`guardrail_week` and `guardrail`).
fn similar(known: &str, given: &str) -> bool {
    let shared = known.bytes().zip(given.bytes()).take_while(|(a, b)| a == b).count();
    shared * 2 >= known.len().max(given.len()) || given.starts_with(known) || known.starts_with(given)
}

/// `"receivable"`/`"payable"` in any case (the repr says `Receivable`), or `"ar"`/`"ap"`.
pub fn side_of(text: &str) -> Result<Side, Error> {
    match text.to_ascii_lowercase().as_str() {
        "receivable" | "receivables" | "ar" => Ok(Side::Receivable),
        "payable" | "payables" | "ap" => Ok(Side::Payable),
        _ => Err(Error::input(format!(
            "side {text:?}: expected \"receivable\" (or \"ar\") or \"payable\" (or \"ap\")"
        ))),
    }
}

fn sort<T>(items: &mut [T], key: impl Fn(&T) -> &rowcol_core::ExternalId) {
    items.sort_by(|a, b| key(a).cmp(key(b)));
}

#[pymethods]
impl Snapshot {
    /// A snapshot from a dict shaped like the serde JSON of `ClientSnapshot`
    /// (what `to_dict()` returns).
    #[staticmethod]
    fn from_dict(data: &Bound<'_, PyAny>) -> Result<Self, Error> {
        Ok(Snapshot::new(convert::from_py(data, "snapshot")?))
    }

    /// A snapshot from JSON text (what `to_json()` returns).
    #[staticmethod]
    fn from_json(text: &str) -> Result<Self, Error> {
        serde_json::from_str(text)
            .map(Snapshot::new)
            .map_err(|e| Error::input(format!("snapshot JSON: {e}")))
    }

    /// A snapshot built from plain records (dicts as `rowcol.records` makes
    /// them, or shaped like the serde JSON of `rowcol_core::Entity`), for
    /// running the calculators in a notebook without a mirror.
    ///
    /// Deleted records are left out, as the mirror leaves them out.
    /// `settings` is a partial dict over the defaults. `synced_at` (aware
    /// datetime) marks every kind as synced then, with an active connection;
    /// without it the data counts as never synced (figures flagged stale).
    #[staticmethod]
    #[pyo3(signature = (client, records, as_of, *, name=None, home_currency="USD", settings=None, synced_at=None, history_months=6))]
    #[allow(clippy::too_many_arguments)]
    fn from_records(
        client: &str,
        records: &Bound<'_, PyAny>,
        as_of: &Bound<'_, PyAny>,
        name: Option<String>,
        home_currency: &str,
        settings: Option<&Bound<'_, PyAny>>,
        synced_at: Option<&Bound<'_, PyAny>>,
        history_months: u32,
    ) -> Result<Self, Error> {
        let client = records::client_id(client)?;
        let as_of = convert::to_date(as_of, "as_of")?;
        let home: Currency = convert::currency(home_currency, "home_currency")?;
        let synced = synced_at.map(|t| convert::to_datetime(t, "synced_at")).transpose()?;
        let request = SnapshotRequest { as_of, history_months };
        let health = ClientHealth {
            client: client.clone(),
            connection: synced.map(|_| ConnectionStatus::Active),
            kinds: synced
                .map(|t| {
                    EntityKind::ALL
                        .iter()
                        .map(|kind| KindHealth {
                            kind: *kind,
                            last_success: Some(t.with_timezone(&Utc)),
                            last_attempt: Some(t.with_timezone(&Utc)),
                            consecutive_failures: 0,
                            dead_letters: 0,
                        })
                        .collect()
                })
                .unwrap_or_default(),
            last_reconcile: None,
        };
        let mut s = ClientSnapshot::empty(
            client.clone(),
            name.clone().unwrap_or_else(|| client.to_string()),
            home,
            request,
            synced.map_or_else(Utc::now, |t| t.with_timezone(&Utc)),
            health,
            settings_from(settings)?,
        );
        for (entity, _) in records::parse(records, &client)? {
            if entity.meta().deleted {
                continue;
            }
            if let (Entity::CompanyInfo(company), None) = (&entity, &name) {
                s.name.clone_from(&company.company_name);
            }
            s.add(entity);
        }
        // The snapshot's documented order: lists sorted by external id.
        sort(&mut s.accounts, |e| &e.meta.external_id);
        sort(&mut s.terms, |e| &e.meta.external_id);
        sort(&mut s.vendors, |e| &e.party.meta.external_id);
        sort(&mut s.customers, |e| &e.party.meta.external_id);
        sort(&mut s.bills, |e| &e.meta.external_id);
        sort(&mut s.invoices, |e| &e.meta.external_id);
        sort(&mut s.payments, |e| &e.meta.external_id);
        sort(&mut s.bill_payments, |e| &e.meta.external_id);
        sort(&mut s.purchases, |e| &e.meta.external_id);
        sort(&mut s.deposits, |e| &e.meta.external_id);
        Ok(Snapshot::new(s))
    }

    /// The client id.
    #[getter]
    fn client(&self) -> String {
        self.inner.client.to_string()
    }

    /// The client's display name.
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// The home currency code.
    #[getter]
    fn home_currency(&self) -> String {
        self.inner.home_currency.to_string()
    }

    /// The date the snapshot was taken as of.
    #[getter]
    fn as_of<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
        Ok(convert::date(py, self.inner.as_of)?)
    }

    /// The snapshot as plain Python data.
    fn to_dict<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
        convert::to_py(py, &*self.inner)
    }

    /// The snapshot as JSON text.
    fn to_json(&self) -> Result<String, Error> {
        convert::to_json_text(&*self.inner)
    }

    /// Every figure (cash, burn, runway, aging, DSO/DPO, forecast, guardrail)
    /// as of `as_of` (default: the snapshot's date).
    #[pyo3(signature = (as_of=None))]
    fn outlook(&self, py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> Result<Outlook, Error> {
        let d = self.date_or_own(as_of)?;
        let s = Arc::clone(&self.inner);
        let client = Some(s.client.to_string());
        Ok(Outlook::new(compute(py, move || rowcol_runway::outlook(&s, d))).with_client(client))
    }

    /// Runway as of `as_of`.
    #[pyo3(signature = (as_of=None))]
    fn runway(&self, py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> Result<Runway, Error> {
        let d = self.date_or_own(as_of)?;
        let s = Arc::clone(&self.inner);
        let client = Some(s.client.to_string());
        Ok(Runway::new(compute(py, move || rowcol_runway::outlook(&s, d).runway)).with_client(client))
    }

    /// The 13-week forecast from `as_of`.
    #[pyo3(signature = (as_of=None))]
    fn forecast(&self, py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> Result<Forecast, Error> {
        let d = self.date_or_own(as_of)?;
        let s = Arc::clone(&self.inner);
        let client = Some(s.client.to_string());
        Ok(Forecast::new(compute(py, move || rowcol_runway::outlook(&s, d).forecast)).with_client(client))
    }

    /// The forecast and runway as of `as_of`, base and under a scenario side
    /// by side: `delay_vendors={vendor id: days}` (its bills paid that much
    /// later), `customers_late={customer id: days}`, `hires=[(monthly cost,
    /// start date), ...]`, `equity=(amount, date)`, `loan=(amount, date)`;
    /// amounts are `Decimal` in the home currency. Raises
    /// `InvalidInputError` for an unknown party, negative days or an amount
    /// of zero or less.
    #[pyo3(signature = (*, delay_vendors=None, customers_late=None, hires=None, equity=None, loan=None, as_of=None))]
    #[allow(clippy::too_many_arguments)]
    fn scenario(
        &self,
        py: Python<'_>,
        delay_vendors: Option<&Bound<'_, pyo3::types::PyDict>>,
        customers_late: Option<&Bound<'_, pyo3::types::PyDict>>,
        hires: Option<&Bound<'_, PyAny>>,
        equity: Option<&Bound<'_, PyAny>>,
        loan: Option<&Bound<'_, PyAny>>,
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> Result<ScenarioComparison, Error> {
        let d = self.date_or_own(as_of)?;
        let home = self.inner.home_currency.to_string();
        let asked = scenario::from_arguments(&home, delay_vendors, customers_late, hires, equity, loan)?;
        let s = Arc::clone(&self.inner);
        let client = Some(s.client.to_string());
        let compared = compute(py, move || rowcol_runway::scenario::compare(&s, d, &asked));
        Ok(ScenarioComparison::new(compared.map_err(|e| Error::input(e.to_string()))?).with_client(client))
    }

    /// Receivables (`side="receivable"`) or payables (`"payable"`) aging.
    #[pyo3(signature = (side, as_of=None))]
    fn aging(&self, py: Python<'_>, side: &str, as_of: Option<&Bound<'_, PyAny>>) -> Result<Aging, Error> {
        let side = side_of(side)?;
        let d = self.date_or_own(as_of)?;
        let s = Arc::clone(&self.inner);
        let client = Some(self.inner.client.to_string());
        Ok(Aging::new(compute(py, move || rowcol_runway::calc::aging::aging(&s, side, d))).with_client(client))
    }

    /// The hygiene tray as of `as_of`.
    #[pyo3(signature = (as_of=None))]
    fn tray(&self, py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> Result<HygieneTray, Error> {
        let d = self.date_or_own(as_of)?;
        let s = Arc::clone(&self.inner);
        Ok(HygieneTray::new(compute(py, move || rowcol_runway::tray(&s, d))))
    }

    /// The decision console as of `as_of` (its tray is computed first).
    #[pyo3(signature = (as_of=None))]
    fn console(&self, py: Python<'_>, as_of: Option<&Bound<'_, PyAny>>) -> Result<DecisionConsole, Error> {
        let d = self.date_or_own(as_of)?;
        let s = Arc::clone(&self.inner);
        Ok(DecisionConsole::new(compute(py, move || {
            let tray = rowcol_runway::tray(&s, d);
            rowcol_runway::console(&s, d, &tray)
        })))
    }

    fn __repr__(&self) -> String {
        let s = &self.inner;
        format!(
            "Snapshot(client={}, as_of={}, accounts={}, bills={}, invoices={})",
            s.client,
            s.as_of,
            s.accounts.len(),
            s.bills.len(),
            s.invoices.len()
        )
    }
}

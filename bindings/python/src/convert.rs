//! The one place where Python values and RowCol's serde shapes meet.
//!
//! Into Rust: Python values become `serde_json::Value` (exact `Decimal`
//! text, ISO dates, RFC 3339 times with their offset; a `float` is refused so
//! no binary fraction ever reaches money), then serde builds the core type.
//!
//! Out of Rust: a result is serialised with serde and walked once. Money
//! (`{"amount": Decimal, "currency": "USD"}`) and the other fields the Rust
//! types declare as `Decimal` become `decimal.Decimal`; the fields declared as dates or times
//! become `datetime.date` or aware `datetime.datetime`. The field names come
//! from the Rust types; `tests/test_conversion.py` fails when a new field
//! would slip through as date- or number-looking text.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Timelike};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::Error;

/// Fields whose Rust type is `Decimal` (or `Option<Decimal>`), besides the
/// amount inside money.
const DECIMAL_FIELDS: &[&str] = &[
    "amount",
    "annualised_rate",
    "average_days_late",
    "cost_of_money",
    "days",
    "days_late",
    "default_threshold",
    "discount_percent",
    "exchange_rate",
    "months",
    "percent",
    "rate_to_home",
    "runway_effect_months",
    "runway_months_after",
    "runway_months_before",
    "score",
    "threshold",
    "weeks",
];

/// Fields whose Rust type is a `NaiveDate` or a `DateTime` (the text tells
/// which: a date is exactly `YYYY-MM-DD`).
const TEMPORAL_FIELDS: &[&str] = &[
    "access_expires_at",
    "as_of",
    "at",
    "changed_at",
    "close_date",
    "committed_at",
    "created_at",
    "data_as_of",
    "deadline",
    "deleted_at",
    "due_date",
    "end",
    "finished_at",
    "first_seen",
    "history_start",
    "last_attempt",
    "last_seen",
    "last_success",
    "loaded_at",
    "next_since",
    "now",
    "on",
    "recorded_at",
    "refresh_expires_at",
    "send_by",
    "server_time",
    "since",
    "source_updated_at",
    "start",
    "started_at",
    "txn_date",
    "updated_at",
];

static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DATE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static DATETIME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TIMEZONE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TIMEDELTA: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn class<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyAny>>,
    module: &str,
    name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || Ok::<_, PyErr>(py.import(module)?.getattr(name)?.unbind()))
        .map(|c| c.bind(py).clone())
}

/// `decimal.Decimal(text)`: exact, never through a float.
pub fn decimal<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    class(py, &DECIMAL, "decimal", "Decimal")?.call1((text,))
}

/// A `datetime.date`.
pub fn date<'py>(py: Python<'py>, d: NaiveDate) -> PyResult<Bound<'py, PyAny>> {
    class(py, &DATE, "datetime", "date")?.call1((d.year(), d.month(), d.day()))
}

/// An aware `datetime.datetime` keeping the offset.
pub fn datetime<'py>(py: Python<'py>, t: DateTime<FixedOffset>) -> PyResult<Bound<'py, PyAny>> {
    let offset = t.offset().local_minus_utc();
    let tz = if offset == 0 {
        class(py, &TIMEZONE, "datetime", "timezone")?.getattr("utc")?
    } else {
        let delta = class(py, &TIMEDELTA, "datetime", "timedelta")?.call1((0, offset))?;
        class(py, &TIMEZONE, "datetime", "timezone")?.call1((delta,))?
    };
    let micros = t.nanosecond() / 1_000 % 1_000_000;
    class(py, &DATETIME, "datetime", "datetime")?.call1((
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        micros,
        tz,
    ))
}

/// A Python `date` (not a `datetime`) as a `NaiveDate`.
pub fn to_date(value: &Bound<'_, PyAny>, what: &str) -> Result<NaiveDate, Error> {
    if value.is_instance(&class(value.py(), &DATETIME, "datetime", "datetime")?)? {
        return Err(Error::input(format!(
            "{what}: expected a datetime.date, got a datetime"
        )));
    }
    if !value.is_instance(&class(value.py(), &DATE, "datetime", "date")?)? {
        return Err(Error::input(format!("{what}: expected a datetime.date")));
    }
    let text: String = value.call_method0("isoformat")?.extract()?;
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").map_err(|e| Error::input(format!("{what}: {e}")))
}

/// An aware Python `datetime` as a `DateTime<FixedOffset>`; naive ones are refused.
pub fn to_datetime(value: &Bound<'_, PyAny>, what: &str) -> Result<DateTime<FixedOffset>, Error> {
    if !value.is_instance(&class(value.py(), &DATETIME, "datetime", "datetime")?)? {
        return Err(Error::input(format!("{what}: expected an aware datetime.datetime")));
    }
    if value.call_method0("utcoffset")?.is_none() {
        return Err(Error::input(format!(
            "{what}: naive datetime refused; give it a tzinfo (e.g. datetime.timezone.utc)"
        )));
    }
    let text: String = value.call_method0("isoformat")?.extract()?;
    DateTime::parse_from_rfc3339(&text).map_err(|e| Error::input(format!("{what}: {e}")))
}

/// A duration from a `datetime.timedelta` or a whole number of seconds;
/// negative ones are refused.
pub fn to_duration(value: &Bound<'_, PyAny>, what: &str) -> Result<std::time::Duration, Error> {
    if let Ok(secs) = value.extract::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    let days: i64 = value.getattr("days")?.extract()?;
    let secs: i64 = value.getattr("seconds")?.extract()?;
    let micros: i64 = value.getattr("microseconds")?.extract()?;
    let total = days * 86_400 * 1_000_000 + secs * 1_000_000 + micros;
    u64::try_from(total)
        .map(std::time::Duration::from_micros)
        .map_err(|_| Error::input(format!("{what} must not be negative")))
}

/// A Python value as JSON, for serde to build a core type from. `path`
/// names where the value sits, for error messages.
pub fn to_json(value: &Bound<'_, PyAny>, path: &str) -> Result<Value, Error> {
    let py = value.py();
    if value.is_none() {
        return Ok(Value::Null);
    }
    if value.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(value.extract()?));
    }
    if value.is_instance_of::<PyInt>() {
        let text = value.str()?.to_string();
        return number(&text, path);
    }
    if value.is_instance_of::<PyFloat>() {
        return Err(Error::input(format!(
            "{path}: float refused; money and rates must be decimal.Decimal or text so that no binary \
             fraction creeps in (0.1 + 0.2 != 0.3 in float)"
        )));
    }
    if value.is_instance_of::<PyString>() {
        return Ok(Value::String(value.extract()?));
    }
    if value.is_instance(&class(py, &DECIMAL, "decimal", "Decimal")?)? {
        if !value.call_method0("is_finite")?.extract::<bool>()? {
            return Err(Error::input(format!("{path}: {} is not a finite amount", value.str()?)));
        }
        // Fixed-point text: `Decimal("1E+2")` becomes "100", never an exponent.
        return Ok(Value::String(value.call_method1("__format__", ("f",))?.extract()?));
    }
    if value.is_instance(&class(py, &DATETIME, "datetime", "datetime")?)? {
        return Ok(Value::String(to_datetime(value, path)?.to_rfc3339()));
    }
    if value.is_instance(&class(py, &DATE, "datetime", "date")?)? {
        return Ok(Value::String(to_date(value, path)?.format("%Y-%m-%d").to_string()));
    }
    if let Ok(dict) = value.downcast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in dict.iter() {
            let key: String = k
                .extract()
                .map_err(|_| Error::input(format!("{path}: dictionary keys must be text")))?;
            let inner = to_json(&v, &format!("{path}.{key}"))?;
            map.insert(key, inner);
        }
        return Ok(Value::Object(map));
    }
    if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in value.try_iter()?.enumerate() {
            items.push(to_json(&item?, &format!("{path}[{i}]"))?);
        }
        return Ok(Value::Array(items));
    }
    Err(Error::input(format!(
        "{path}: cannot convert a {} (use dict, list, str, int, bool, None, Decimal, date or aware datetime)",
        value.get_type().name()?
    )))
}

fn number(text: &str, path: &str) -> Result<Value, Error> {
    serde_json::from_str::<Value>(text).map_err(|e| Error::input(format!("{path}: {e}")))
}

/// Builds a core type from a Python value shaped like its serde JSON.
pub fn from_py<T: DeserializeOwned>(value: &Bound<'_, PyAny>, what: &str) -> Result<T, Error> {
    let json = to_json(value, what)?;
    serde_json::from_value(json).map_err(|e| Error::input(format!("{what}: {e}")))
}

/// A Rust result as plain Python data (dicts, lists, `Decimal`, dates).
pub fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> Result<Bound<'py, PyAny>, Error> {
    let json = serde_json::to_value(value).map_err(|e| Error::input(format!("cannot serialise a result: {e}")))?;
    json_to_py(py, &json, "")
}

/// A Rust result as JSON text (Decimals as strings, dates ISO).
pub fn to_json_text<T: Serialize>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| Error::input(format!("cannot serialise a result: {e}")))
}

/// Walks serde JSON into Python; `key` is the field the value sits under.
pub fn json_to_py<'py>(py: Python<'py>, value: &Value, key: &str) -> Result<Bound<'py, PyAny>, Error> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Value::Number(n) => {
            let text = n.to_string();
            // Decimals serialise as strings, so a JSON number is a counter
            // (u32, i64): an int. Anything else keeps its exact text.
            if !text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                decimal(py, &text)?
            } else if let Some(i) = n.as_i64() {
                let Ok(v) = i.into_pyobject(py);
                v.into_any()
            } else if let Some(u) = n.as_u64() {
                let Ok(v) = u.into_pyobject(py);
                v.into_any()
            } else {
                // Larger than 64 bits: Python's int reads the exact text.
                py.import("builtins")?.getattr("int")?.call1((text,))?
            }
        }
        Value::String(s) => {
            if DECIMAL_FIELDS.contains(&key) {
                decimal(py, s)?
            } else if TEMPORAL_FIELDS.contains(&key) {
                temporal(py, s)?
            } else {
                PyString::new(py, s).into_any()
            }
        }
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item, key)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v, k)?)?;
            }
            dict.into_any()
        }
    })
}

fn temporal<'py>(py: Python<'py>, text: &str) -> Result<Bound<'py, PyAny>, Error> {
    if text.len() == 10 {
        let d = NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|e| Error::input(format!("date {text:?} in a result does not parse: {e}")))?;
        return Ok(date(py, d)?);
    }
    let t = DateTime::parse_from_rfc3339(text)
        .map_err(|e| Error::input(format!("time {text:?} in a result does not parse: {e}")))?;
    Ok(datetime(py, t)?)
}

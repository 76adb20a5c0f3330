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
    "bank",
    "cost_of_money",
    "days",
    "days_late",
    "default_threshold",
    "discount_percent",
    "exchange_rate",
    "ledger",
    "months",
    "percent",
    "rate_to_home",
    "recorded",
    "residual",
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
    "authorized_date",
    "balance_as_of",
    "bank_as_of",
    "changed_at",
    "close_date",
    "committed_at",
    "created_at",
    "data_as_of",
    "date",
    "deadline",
    "deleted_at",
    "due_date",
    "end",
    "findings_from",
    "finished_at",
    "first_seen",
    "history_start",
    "last_attempt",
    "last_seen",
    "last_success",
    "loaded_at",
    "now",
    "on",
    "read_at",
    "recorded_at",
    "refresh_expires_at",
    "rolled_back_to",
    "send_by",
    "server_time",
    "since",
    "source_updated_at",
    "start",
    "started_at",
    "synced_at",
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

/// A date from what a notebook holds: a `datetime.date`, a midnight
/// `datetime.datetime` or `pandas.Timestamp` (what a DataFrame row gives;
/// a time of day is refused rather than dropped), a `numpy.datetime64`, or
/// ISO text `"2026-07-15"`.
pub fn to_date(value: &Bound<'_, PyAny>, what: &str) -> Result<NaiveDate, Error> {
    let py = value.py();
    if value.is_instance_of::<PyString>() {
        let text: String = value.extract()?;
        return NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
            Error::input(format!(
                "{what}: {text:?} is not an ISO date (expected YYYY-MM-DD, e.g. \"2026-07-15\")"
            ))
        });
    }
    if numpy_datetime64(value)? {
        // str() of a datetime64 is ISO text: "2026-07-15" or "2026-07-15T00:00:00.000000000".
        let text = value.str()?.to_string();
        return date_of_text(&text, what);
    }
    if value.is_instance(&class(py, &DATETIME, "datetime", "datetime")?)? {
        if value.call_method0("utcoffset")?.is_none() {
            let clock: String = value.call_method0("time")?.call_method0("isoformat")?.extract()?;
            if clock.trim_start_matches(['0', ':', '.']).is_empty() {
                let text: String = value.call_method0("date")?.call_method0("isoformat")?.extract()?;
                return date_of_text(&text, what);
            }
            return Err(Error::input(format!(
                "{what}: expected a date, got a datetime at {clock} (pass .date() or a midnight timestamp)"
            )));
        }
        return Err(Error::input(format!(
            "{what}: expected a date, got an aware datetime (pass .date() of it in the zone you mean)"
        )));
    }
    if !value.is_instance(&class(py, &DATE, "datetime", "date")?)? {
        return Err(Error::input(format!(
            "{what}: expected a date (datetime.date, pandas.Timestamp at midnight, numpy.datetime64 or \"YYYY-MM-DD\"), got a {}",
            value.get_type().name()?
        )));
    }
    let text: String = value.call_method0("isoformat")?.extract()?;
    date_of_text(&text, what)
}

fn date_of_text(text: &str, what: &str) -> Result<NaiveDate, Error> {
    let (day, clock) = text.split_once('T').unwrap_or((text, ""));
    if !clock.trim_start_matches(['0', ':', '.']).is_empty() {
        return Err(Error::input(format!(
            "{what}: expected a date, got {text:?} with a time of day"
        )));
    }
    NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|e| Error::input(format!("{what}: {text:?}: {e}")))
}

fn numpy_datetime64(value: &Bound<'_, PyAny>) -> PyResult<bool> {
    let ty = value.get_type();
    Ok(ty.name()? == "datetime64" && ty.module()? == "numpy")
}

/// ISO 4217 codes in use (the list of 2024), so that a typo such as "USX"
/// or "XYZ" is refused at the face instead of flowing into figures.
/// `rowcol_core::Currency` admits any three letters; this check belongs
/// there once the core carries the list.
const ISO_4217: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN \
BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD \
GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR \
LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP \
PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND \
TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG ZWL";

/// A currency code, refused unless it is a three-letter ISO 4217 code in use.
pub fn currency(code: &str, what: &str) -> Result<rowcol_core::Currency, Error> {
    let parsed: rowcol_core::Currency = code
        .parse()
        .map_err(|e: rowcol_core::CurrencyError| Error::input(format!("{what}: {e}")))?;
    if !ISO_4217.split_whitespace().any(|c| c == parsed.code()) {
        return Err(Error::input(format!(
            "{what}: unknown currency code {code:?}: expected an ISO 4217 code such as USD, EUR, GBP or CAD"
        )));
    }
    Ok(parsed)
}

/// Refuses unknown currency codes anywhere in converted input: every string
/// under a key named `currency` or ending in `_currency`.
pub fn check_currencies(value: &Value, path: &str) -> Result<(), Error> {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{path}.{k}");
                if let (true, Value::String(code)) = (k == "currency" || k.ends_with("_currency"), v) {
                    currency(code, &here)?;
                }
                check_currencies(v, &here)?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_currencies(item, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
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

/// A duration from a `datetime.timedelta` or a number of seconds (`0.5`
/// is fine here: a duration is not money); negative ones are refused.
pub fn to_duration(value: &Bound<'_, PyAny>, what: &str) -> Result<std::time::Duration, Error> {
    if let Ok(secs) = value.extract::<u64>() {
        return Ok(std::time::Duration::from_secs(secs));
    }
    if value.is_instance_of::<PyFloat>() {
        let secs: f64 = value.extract()?;
        return std::time::Duration::try_from_secs_f64(secs)
            .map_err(|_| Error::input(format!("{what} must be a finite, non-negative number of seconds")));
    }
    if !value.hasattr("days")? {
        return Err(Error::input(format!(
            "{what}: expected seconds or a datetime.timedelta, got a {}",
            value.get_type().name()?
        )));
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
        if value.extract::<f64>().is_ok_and(f64::is_nan) {
            return Err(Error::input(format!(
                "{path}: NaN (a missing value from a DataFrame?) refused: leave the field out or pass None"
            )));
        }
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
        if value.call_method0("utcoffset")?.is_none()
            && let Ok(day) = to_date(value, path)
        {
            // A naive midnight (a DataFrame's dates come as pandas.Timestamp) is a date.
            return Ok(Value::String(day.format("%Y-%m-%d").to_string()));
        }
        return Ok(Value::String(to_datetime(value, path)?.to_rfc3339()));
    }
    if numpy_datetime64(value)? {
        return Ok(Value::String(to_date(value, path)?.format("%Y-%m-%d").to_string()));
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
    if value.hasattr("__index__")?
        && let Ok(i) = value.call_method0("__index__")
    {
        // numpy integers (what a DataFrame's int64 column gives) are whole numbers.
        return number(&i.str()?.to_string(), path);
    }
    let type_name = value.get_type().name()?;
    if type_name == "NaTType" || type_name == "NAType" {
        return Err(Error::input(format!(
            "{path}: a missing value (NaT/NA from a DataFrame) refused: leave the field out or pass None"
        )));
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

/// A computed result as plain Python data, for presentation: like
/// [`to_py`], with every money value (`{"amount", "currency"}`) rounded
/// half away from zero to its currency's minor unit by
/// `rowcol_core::Money::round_to_minor_units`, the rule stated there.
pub fn result_to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> Result<Bound<'py, PyAny>, Error> {
    let mut json = serde_json::to_value(value).map_err(|e| Error::input(format!("cannot serialise a result: {e}")))?;
    round_money(&mut json);
    json_to_py(py, &json, "")
}

/// Rounds every money object in place (amount text and currency code);
/// anything that does not parse as money is left as it is.
pub fn round_money(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.len() == 2
                && let (Some(Value::String(amount)), Some(Value::String(code))) =
                    (map.get("amount"), map.get("currency"))
                && let (Ok(amount), Ok(currency)) = (amount.parse::<rust_decimal::Decimal>(), code.parse())
            {
                let rounded = rowcol_core::Money::new(amount, currency).round_to_minor_units();
                map.insert("amount".to_owned(), Value::String(rounded.amount().to_string()));
                return;
            }
            map.values_mut().for_each(round_money);
        }
        Value::Array(items) => items.iter_mut().for_each(round_money),
        _ => {}
    }
}

/// The exact decimal text of a money amount rounded for presentation.
pub fn rounded(money: &rowcol_core::Money) -> String {
    money.round_to_minor_units().amount().to_string()
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

//! What every result object shares: it holds the Rust value as computed and
//! converts on demand (`to_dict`, `to_json`, `to_pandas`, `result["field"]`).
//! Holding the Rust value keeps a call as fast as the Rust call itself; the
//! conversion cost is paid only for what is looked at.
//!
//! Results behave as read-only mappings of their top-level fields (`in`,
//! iteration over field names, `keys()`), compare by value, render in
//! notebooks (`_repr_html_`), and those computed by `rowcol-runway` pickle
//! (through their exact JSON).

use pyo3::prelude::*;

use crate::error::Error;

/// How `to_pandas` presents money: `"float"` (float64, for pandas' numeric
/// tools), `"decimal"` (exact `decimal.Decimal`, object dtype) or
/// `"arrow"` (pyarrow decimal128, when pyarrow is installed). Checked in
/// `rowcol._frames`, which names the choices in its error.
pub const DEFAULT_MONEY: &str = "float";

/// `rowcol._frames.frame(kind, data, client, money)`: the tidy DataFrame of
/// a result, shaped in Python (pandas is optional and imported only here).
pub fn frame<'py>(
    py: Python<'py>,
    kind: &str,
    data: Bound<'py, PyAny>,
    client: Option<&str>,
    money: &str,
) -> Result<Bound<'py, PyAny>, Error> {
    Ok(py
        .import("rowcol._frames")?
        .getattr("frame")?
        .call1((kind, data, client, money))?)
}

/// `rowcol._frames.html(kind, data, client)`: a compact HTML rendering.
pub fn html<'py>(
    py: Python<'py>,
    kind: &str,
    data: Bound<'py, PyAny>,
    client: Option<&str>,
) -> Result<Bound<'py, PyAny>, Error> {
    Ok(py
        .import("rowcol._frames")?
        .getattr("html")?
        .call1((kind, data, client))?)
}

/// One top-level field of a result's `to_dict()`, or `KeyError`.
pub fn field<'py>(dict: Bound<'py, PyAny>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    dict.get_item(key)
}

/// Two results' values are equal (compared as serde JSON, exact amounts).
pub fn same<T: serde::Serialize>(a: &T, b: &T) -> bool {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Defines a result class around a Rust value: `to_dict`, `to_json`,
/// `to_pandas`, `__getitem__`, `keys`, `__contains__`, `__iter__`, `__eq__`,
/// `_repr_html_`, plus the extra methods given. With `pickle`, the inner
/// type is `Deserialize` and the class pickles through its exact JSON.
macro_rules! result_class {
    ($(#[$doc:meta])* $name:ident, $inner:ty, $kind:literal, pickle, { $($extra:tt)* }) => {
        crate::results::result_class!($(#[$doc])* $name, $inner, $kind, {
            /// Pickling: the class, and the exact JSON with the client.
            fn __reduce__<'py>(slf: &Bound<'py, Self>) -> Result<(Bound<'py, PyAny>, (String, Option<String>)), crate::error::Error> {
                let this = slf.get();
                Ok((
                    slf.get_type().getattr("_from_json")?,
                    (crate::convert::to_json_text(&*this.inner)?, this.client.clone()),
                ))
            }

            /// Rebuilds a result from `to_json()` text (what pickling uses).
            #[staticmethod]
            #[pyo3(signature = (text, client=None))]
            fn _from_json(text: &str, client: Option<String>) -> Result<Self, crate::error::Error> {
                let inner: $inner = serde_json::from_str(text)
                    .map_err(|e| crate::error::Error::input(format!("{} JSON: {e}", stringify!($name))))?;
                Ok($name::new(inner).with_client(client))
            }

            $($extra)*
        });
    };
    ($(#[$doc:meta])* $name:ident, $inner:ty, $kind:literal, { $($extra:tt)* }) => {
        $(#[$doc])*
        #[pyclass(module = "rowcol._rowcol", frozen)]
        pub struct $name {
            pub(crate) inner: std::sync::Arc<$inner>,
            /// The client the result is about, when the value does not say.
            pub(crate) client: Option<String>,
        }

        impl $name {
            /// Wraps a computed value.
            pub fn new(value: $inner) -> Self {
                $name { inner: std::sync::Arc::new(value), client: None }
            }

            /// The same, labelled with the client it is about.
            pub fn with_client(mut self, client: Option<String>) -> Self {
                self.client = client;
                self
            }

            fn data<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, crate::error::Error> {
                crate::convert::result_to_py(py, &*self.inner)
            }
        }

        #[pymethods]
        impl $name {
            /// The result as plain Python data: dicts and lists, money as
            /// `{"amount": Decimal, "currency": str}` rounded half away from
            /// zero to the currency's minor unit, dates as `datetime.date`,
            /// times as aware `datetime.datetime`.
            fn to_dict<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, crate::error::Error> {
                self.data(py)
            }

            /// The result as JSON text: the exact figures, unrounded
            /// (amounts as decimal strings).
            fn to_json(&self) -> Result<String, crate::error::Error> {
                crate::convert::to_json_text(&*self.inner)
            }

            /// A tidy `pandas.DataFrame` (raises `ImportError` without
            /// pandas): dates as `datetime64`, money rounded to the minor
            /// unit as `float64` (`money="float"`), exact `Decimal`
            /// (`"decimal"`) or pyarrow decimals (`"arrow"`).
            #[pyo3(signature = (*, money=crate::results::DEFAULT_MONEY))]
            fn to_pandas<'py>(&self, py: Python<'py>, money: &str) -> Result<Bound<'py, PyAny>, crate::error::Error> {
                let data = self.data(py)?;
                crate::results::frame(py, $kind, data, self.client.as_deref(), money)
            }

            /// One top-level field, converted as in `to_dict()`.
            fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> Result<Bound<'py, PyAny>, crate::error::Error> {
                Ok(crate::results::field(self.data(py)?, key)?)
            }

            /// The top-level field names.
            fn keys(&self, py: Python<'_>) -> Result<Vec<String>, crate::error::Error> {
                Ok(self.data(py)?.call_method0("keys")?.try_iter()?
                    .map(|k| k.and_then(|k| k.extract::<String>()))
                    .collect::<PyResult<Vec<String>>>()?)
            }

            /// `"weeks" in forecast`: whether a top-level field exists.
            fn __contains__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> Result<bool, crate::error::Error> {
                Ok(self.data(py)?.contains(key)?)
            }

            /// Iterates over the top-level field names, as a dict does.
            fn __iter__<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, crate::error::Error> {
                Ok(self.keys(py)?.into_pyobject(py)?.into_any().try_iter()?.into_any())
            }

            /// Equal when the values are (exact figures, and the client).
            fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
                match other.downcast::<$name>() {
                    Ok(o) => {
                        let o = o.get();
                        o.client == self.client && crate::results::same(&*o.inner, &*self.inner)
                    }
                    Err(_) => false,
                }
            }

            /// A compact HTML table for notebooks.
            fn _repr_html_<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, crate::error::Error> {
                let data = self.data(py)?;
                crate::results::html(py, $kind, data, self.client.as_deref())
            }

            $($extra)*
        }
    };
}

pub(crate) use result_class;

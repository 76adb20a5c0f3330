//! What every result object shares: it holds the Rust value as computed and
//! converts on demand (`to_dict`, `to_json`, `to_pandas`, `result["field"]`).
//! Holding the Rust value keeps a call as fast as the Rust call itself; the
//! conversion cost is paid only for what is looked at.

use pyo3::prelude::*;

use crate::error::Error;

/// `rowcol._frames.frame(kind, data)`: the tidy DataFrame of a result,
/// shaped in Python (pandas is optional and imported only here).
pub fn frame<'py>(py: Python<'py>, kind: &str, data: Bound<'py, PyAny>) -> Result<Bound<'py, PyAny>, Error> {
    Ok(py.import("rowcol._frames")?.getattr("frame")?.call1((kind, data))?)
}

/// One top-level field of a result's `to_dict()`, or `KeyError`.
pub fn field<'py>(dict: Bound<'py, PyAny>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    dict.get_item(key)
}

/// Defines a result class around a Rust value: `to_dict`, `to_json`,
/// `to_pandas`, `__getitem__`, `keys`, `__repr__`, plus the extra methods given.
macro_rules! result_class {
    ($(#[$doc:meta])* $name:ident, $inner:ty, $kind:literal, { $($extra:tt)* }) => {
        $(#[$doc])*
        #[pyclass(module = "rowcol._rowcol", frozen)]
        pub struct $name {
            pub(crate) inner: std::sync::Arc<$inner>,
        }

        impl $name {
            /// Wraps a computed value.
            pub fn new(value: $inner) -> Self {
                $name { inner: std::sync::Arc::new(value) }
            }
        }

        #[pymethods]
        impl $name {
            /// The result as plain Python data: dicts and lists, money as
            /// `{"amount": Decimal, "currency": str}`, dates as `datetime.date`,
            /// times as aware `datetime.datetime`.
            fn to_dict<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, crate::error::Error> {
                crate::convert::to_py(py, &*self.inner)
            }

            /// The result as JSON text (amounts as exact decimal strings).
            fn to_json(&self) -> Result<String, crate::error::Error> {
                crate::convert::to_json_text(&*self.inner)
            }

            /// A tidy `pandas.DataFrame` (raises `ImportError` without pandas).
            fn to_pandas<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, crate::error::Error> {
                let data = crate::convert::to_py(py, &*self.inner)?;
                crate::results::frame(py, $kind, data)
            }

            /// One top-level field, converted as in `to_dict()`.
            fn __getitem__<'py>(&self, py: Python<'py>, key: &str) -> Result<Bound<'py, PyAny>, crate::error::Error> {
                Ok(crate::results::field(crate::convert::to_py(py, &*self.inner)?, key)?)
            }

            /// The top-level field names.
            fn keys(&self, py: Python<'_>) -> Result<Vec<String>, crate::error::Error> {
                Ok(crate::convert::to_py(py, &*self.inner)?.call_method0("keys")?.try_iter()?
                    .map(|k| k.and_then(|k| k.extract::<String>()))
                    .collect::<PyResult<Vec<String>>>()?)
            }

            $($extra)*
        }
    };
}

pub(crate) use result_class;

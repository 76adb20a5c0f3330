//! The hygiene tray: open bookkeeping findings of one client.

use pyo3::prelude::*;
use rowcol_runway::HygieneTray as TrayT;

use crate::error::Error;
use crate::results::result_class;

result_class!(
    /// The hygiene tray of one client: findings, most severe first.
    HygieneTray,
    TrayT,
    "tray",
    pickle,
    {
        /// Number of open findings.
        fn __len__(&self) -> usize {
            self.inner.findings.len()
        }

        /// Open findings per severity: `{"error": n, "warning": n, "info": n}`.
        #[getter]
        fn counts<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            crate::convert::to_py(py, &self.inner.counts)
        }

        fn __repr__(&self) -> String {
            let c = self.inner.counts;
            format!(
                "HygieneTray(client={}, as_of={}, errors={}, warnings={}, info={})",
                self.inner.client, self.inner.as_of, c.error, c.warning, c.info
            )
        }
    }
);

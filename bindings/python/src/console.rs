//! The decision console: which bills to pay now, which can wait, which are
//! at risk, and which invoices to chase.

use pyo3::prelude::*;
use rowcol_runway::DecisionConsole as ConsoleT;

use crate::calculators::Outlook;
use crate::results::result_class;

result_class!(
    /// The decision console of one client.
    DecisionConsole,
    ConsoleT,
    "console",
    pickle,
    {
        /// The cash outlook the decisions rest on.
        #[getter]
        fn outlook(&self) -> Outlook {
            Outlook::new(self.inner.outlook.clone()).with_client(Some(self.inner.client.to_string()))
        }

        fn __repr__(&self) -> String {
            format!(
                "DecisionConsole(client={}, as_of={}, pay_now={}, at_risk={}, can_wait={}, to_chase={})",
                self.inner.client,
                self.inner.as_of,
                self.inner.pay_now.len(),
                self.inner.at_risk.len(),
                self.inner.can_wait.len(),
                self.inner.to_chase.len()
            )
        }
    }
);

//! The bank from Python: a client's balances with their age, from the
//! mirror or live (`rowcol_sync::balances`), and its books checked against
//! the bank (`rowcol_runway::bank_check`), as result objects; decisions on
//! bank lines recorded through `rowcol_stack::review_bank_line`. This file
//! converts; the library crates decide.

use pyo3::prelude::*;
use rowcol_core::{BankReviewAction, PostingRef};
use rowcol_runway::bank_check::BankCheck as Checked;
use rowcol_sync::ClientBalances;

use crate::error::Error;
use crate::results::result_class;

result_class!(
    /// A client's bank and card balances: one row per account (the books'
    /// from QBO, the bank's from Plaid where linked), each with its source
    /// (`mirror` or `live`), when it was true at the rail and how old it
    /// was, and, when a live read failed, why the row is the mirror's
    /// (`stale`); `rails` says how each rail's live read went.
    Balances,
    ClientBalances,
    "client_balances",
    {
        /// True when live figures were asked for and some row is the
        /// mirror's instead (a rail was down, throttled or too slow).
        #[getter]
        fn fell_back(&self) -> bool {
            self.inner.fell_back()
        }

        /// Number of accounts.
        fn __len__(&self) -> usize {
            self.inner.accounts.len()
        }

        fn __repr__(&self) -> String {
            format!(
                "Balances(client={:?}, accounts={}, live={}, fell_back={})",
                self.inner.client.as_str(),
                self.inner.accounts.len(),
                self.inner.live,
                self.inner.fell_back()
            )
        }
    }
);

result_class!(
    /// A client's books against its bank: per linked account the lines
    /// matched, waiting for review, not in the books, the postings the bank
    /// has not shown, and the walk from the ledger balance to the bank
    /// balance; `summary` holds the figures in brief.
    BankCheck,
    Checked,
    "bank_check",
    pickle,
    {
        /// What the walk leaves unexplained over every linked account, home
        /// currency, exact.
        #[getter]
        fn unexplained<'py>(&self, py: Python<'py>) -> Result<Bound<'py, PyAny>, Error> {
            Ok(crate::convert::decimal(py, &self.inner.summary.unexplained.amount().to_string())?)
        }

        /// Bank accounts linked to a ledger account.
        #[getter]
        fn linked_accounts(&self) -> usize {
            self.inner.summary.linked_accounts
        }

        fn __repr__(&self) -> String {
            let s = &self.inner.summary;
            format!(
                "BankCheck(as_of={}, linked_accounts={}, unexplained={}, to_review={}, unrecorded={})",
                self.inner.as_of, s.linked_accounts, s.unexplained, s.to_review, s.unrecorded
            )
        }
    }
);

/// The decision `action` names (`"approve"`, `"exclude"`,
/// `"fixed_at_source"`), with the postings of an approval as `KIND:ID`.
pub fn action_of(action: &str, postings: Option<Vec<String>>) -> Result<BankReviewAction, Error> {
    let postings = postings.unwrap_or_default();
    match action {
        "approve" => Ok(BankReviewAction::Approve {
            postings: postings.iter().map(|p| posting_of(p)).collect::<Result<_, _>>()?,
        }),
        "exclude" | "fixed_at_source" if !postings.is_empty() => Err(Error::input(format!(
            "action {action:?} takes no postings (only \"approve\" does)"
        ))),
        "exclude" => Ok(BankReviewAction::Exclude),
        "fixed_at_source" => Ok(BankReviewAction::FixedAtSource),
        other => Err(Error::input(format!(
            "action {other:?}: expected \"approve\", \"exclude\" or \"fixed_at_source\""
        ))),
    }
}

/// `KIND:ID` (`deposit:812`), the kind as the mirror names it.
fn posting_of(text: &str) -> Result<PostingRef, Error> {
    let (kind, id) = text
        .split_once(':')
        .ok_or_else(|| Error::input(format!("posting {text:?}: expected KIND:ID, e.g. \"deposit:812\"")))?;
    Ok(PostingRef {
        kind: kind
            .parse()
            .map_err(|e: rowcol_core::entity::UnknownEntityKind| Error::input(format!("posting {text:?}: {e}")))?,
        document: id.parse().map_err(|e: rowcol_core::IdError| Error::Core(e.into()))?,
    })
}

//! The hygiene rules, one file per family. [`catalogue`] lists them all with
//! their ids, severities and thresholds.

mod balances;
mod banking;
mod bills;
mod coding;
mod dating;
mod receivables;

use chrono::NaiveDate;
use rowcol_core::{ClientSnapshot, Money};
use rust_decimal::Decimal;
use serde::Serialize;

use super::Severity;
use super::pending::{Pending, Seen};
use crate::bank_check::BankCheck;
use crate::perf::index::SnapshotIndex;

/// What a rule sees.
pub(crate) struct RuleCtx<'a, 'r> {
    pub(crate) s: &'a ClientSnapshot,
    pub(crate) as_of: NaiveDate,
    pub(crate) ix: &'r SnapshotIndex<'a>,
    /// The bank check as of the same day, `None` without a linked bank
    /// account.
    pub(crate) bank: Option<&'r BankCheck>,
}

/// Where a rule reports what it found.
pub(crate) struct Emit<'o, 'a> {
    rule: &'static RuleSpec,
    out: &'o mut Vec<Pending<'a>>,
}

impl<'o, 'a> Emit<'o, 'a> {
    pub(super) fn new(rule: &'static RuleSpec, out: &'o mut Vec<Pending<'a>>) -> Self {
        Emit { rule, out }
    }

    /// Records a finding of this rule; `explain` writes its explanation
    /// when the tray keeps the finding for output.
    pub(crate) fn flag(
        &mut self,
        entities: Vec<Seen<'a>>,
        explain: impl FnOnce() -> String + 'a,
        fix: &'static str,
        amount: Option<Money>,
    ) {
        self.out
            .push(Pending::new(self.rule, entities, Box::new(explain), fix, amount));
    }

    /// Records a finding of this rule at `severity`, lower than the rule's
    /// (a rule whose summary says some of its findings matter less).
    pub(crate) fn flag_as(
        &mut self,
        severity: Severity,
        entities: Vec<Seen<'a>>,
        explain: impl FnOnce() -> String + 'a,
        fix: &'static str,
        amount: Option<Money>,
    ) {
        let finding = Pending::new(self.rule, entities, Box::new(explain), fix, amount);
        self.out.push(finding.with_severity(severity.min(self.rule.severity)));
    }
}

/// A rule: id, severity, what it checks and its threshold.
#[derive(Debug, Serialize)]
pub struct RuleSpec {
    /// Stable id, the key of `ClientSettings::rules` and of review states.
    pub id: &'static str,
    /// The family (file) it belongs to.
    pub family: &'static str,
    /// Severity of its findings (the most: a rule may report some lower,
    /// as its summary says).
    pub severity: Severity,
    /// What it checks, in one line.
    pub summary: &'static str,
    /// Threshold used when the client sets none.
    pub default_threshold: Option<Decimal>,
    /// What the threshold means (unit), when the rule has one.
    pub threshold_meaning: Option<&'static str>,
    #[serde(skip)]
    pub(crate) check: for<'a> fn(&RuleCtx<'a, '_>, Decimal, &mut Emit<'_, 'a>),
}

/// Every rule, in the order they run.
pub fn catalogue() -> &'static [RuleSpec] {
    CATALOGUE
}

static CATALOGUE: &[RuleSpec] = &[
    bills::MISSING_DUE_DATE,
    bills::MISSING_VENDOR,
    bills::INACTIVE_VENDOR,
    bills::DUPLICATE,
    bills::LINES_MISMATCH,
    receivables::OVERDUE_NOT_SENT,
    receivables::PAYMENT_UNAPPLIED,
    balances::CREDIT_UNAPPLIED,
    balances::NEGATIVE_PARTY_BALANCE,
    banking::NEGATIVE_BANK_BALANCE,
    banking::UNDEPOSITED_FUNDS,
    banking::BANK_LINE_UNRECORDED,
    banking::BOOK_POSTING_UNCLEARED,
    coding::UNCATEGORIZED,
    coding::UNUSUAL_ACCOUNT,
    coding::PURCHASE_WITHOUT_PAYEE,
    coding::BANK_FEE_WITHOUT_PAYEE,
    dating::FUTURE_DATED,
    dating::INACTIVE_ACCOUNT,
    dating::CLOSED_PERIOD_CHANGED,
];

/// A small non-negative constant threshold (`n` x 10^-`scale`).
const fn threshold(n: u32, scale: u32) -> Option<Decimal> {
    Some(Decimal::from_parts(n, 0, 0, false, scale))
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Runs one rule over a snapshot for the firing / not-firing tests.
    use super::*;
    use crate::hygiene::Finding;

    /// Findings of rule `id` alone, with its default threshold.
    pub(crate) fn run(id: &str, s: &ClientSnapshot, as_of: NaiveDate) -> Vec<Finding> {
        let ix = SnapshotIndex::new(s);
        let bank = crate::bank_check::check_linked(s, &crate::bank_match::MatchSettings::default(), as_of);
        let ctx = RuleCtx {
            s,
            as_of,
            ix: &ix,
            bank: bank.as_ref(),
        };
        let mut out = Vec::new();
        for rule in catalogue().iter().filter(|r| r.id == id) {
            (rule.check)(
                &ctx,
                rule.default_threshold.unwrap_or_default(),
                &mut Emit::new(rule, &mut out),
            );
        }
        assert!(catalogue().iter().any(|r| r.id == id), "no rule {id}");
        out.into_iter().map(Pending::finish).collect()
    }
}

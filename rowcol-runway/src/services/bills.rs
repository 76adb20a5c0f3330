//! Bills: overdue, due soon, with hygiene issues, ready for a decision.

use chrono::NaiveDate;
use rowcol_core::entity::Bill;
use rowcol_core::{ClientSnapshot, EntityKind};

use crate::hygiene::{HygieneTray, Severity};
use crate::perf::id_table::IdTable;
use crate::perf::sign::positive;
use crate::period::shift;

/// Filters over a snapshot's bills. Lists come back by due date, then id.
#[derive(Debug, Clone, Copy)]
pub struct BillService<'a> {
    s: &'a ClientSnapshot,
}

impl<'a> BillService<'a> {
    /// Over one snapshot.
    pub fn new(s: &'a ClientSnapshot) -> Self {
        BillService { s }
    }

    /// Bills still owing money (positive balance, not deleted).
    pub fn open(&self) -> impl Iterator<Item = &'a Bill> + 'a {
        self.s.bills.iter().filter(|b| !b.meta.deleted && positive(b.balance))
    }

    fn sorted(&self, bills: impl Iterator<Item = &'a Bill>) -> Vec<&'a Bill> {
        // Sized for every bill: one allocation, not a series of doublings.
        let mut v = Vec::with_capacity(self.s.bills.len());
        v.extend(bills);
        v.sort_by(|a, b| (a.due_date, &a.meta.external_id).cmp(&(b.due_date, &b.meta.external_id)));
        v
    }

    /// Open bills due before `as_of`.
    pub fn overdue(&self, as_of: NaiveDate) -> Vec<&'a Bill> {
        self.sorted(self.open().filter(|b| b.due_date.is_some_and(|d| d < as_of)))
    }

    /// Open bills due from `as_of` to `as_of + days`, both included.
    pub fn due_within(&self, as_of: NaiveDate, days: u32) -> Vec<&'a Bill> {
        let last = shift(as_of, i64::from(days));
        self.sorted(
            self.open()
                .filter(|b| b.due_date.is_some_and(|d| as_of <= d && d <= last)),
        )
    }

    /// Open bills named by an open hygiene finding of warning or error
    /// severity: fix these before paying them.
    pub fn bills_with_issues(&self, tray: &HygieneTray) -> Vec<&'a Bill> {
        self.with_issues(&flagged_bills(tray))
    }

    /// Open bills with a due date and no such finding: the console decides
    /// about these.
    pub fn bills_ready_for_decision(&self, tray: &HygieneTray) -> Vec<&'a Bill> {
        self.ready_for_decision(&flagged_bills(tray))
    }

    /// [`Self::bills_with_issues`], given the flagged bills' ids.
    pub(crate) fn with_issues(&self, flagged: &IdTable<'_, ()>) -> Vec<&'a Bill> {
        self.sorted(self.open().filter(|b| flagged.contains_key(&b.meta.external_id)))
    }

    /// [`Self::bills_ready_for_decision`], given the flagged bills' ids.
    pub(crate) fn ready_for_decision(&self, flagged: &IdTable<'_, ()>) -> Vec<&'a Bill> {
        self.sorted(
            self.open()
                .filter(|b| b.due_date.is_some() && !flagged.contains_key(&b.meta.external_id)),
        )
    }
}

/// Bills named by an open finding of warning or error severity.
pub(crate) fn flagged_bills(tray: &HygieneTray) -> IdTable<'_, ()> {
    tray.flagged(EntityKind::Bill, Severity::Warning)
}

#[cfg(test)]
mod tests {
    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    use super::*;
    use crate::hygiene::tray;
    use crate::test_snapshot::snapshot;

    #[test]
    fn overdue_due_soon_issues_and_ready() {
        let mut s = snapshot();
        let mut late = fixtures::bill("acme", "1", dec!(100));
        late.due_date = Some(date("2026-01-25"));
        let soon = fixtures::bill("acme", "2", dec!(200)); // due 2026-02-14
        let mut paid = fixtures::bill("acme", "3", dec!(300));
        paid.balance = fixtures::usd(dec!(0));
        let mut undated = fixtures::bill("acme", "4", dec!(50));
        undated.due_date = None;
        *s.bills = vec![late, soon, paid, undated];
        let svc = BillService::new(&s);
        let ids = |v: Vec<&Bill>| {
            v.iter()
                .map(|b| b.meta.external_id.as_str().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(svc.overdue(date("2026-02-01"))), ["1"]);
        assert_eq!(ids(svc.due_within(date("2026-02-01"), 13)), ["2"]);
        assert_eq!(ids(svc.due_within(date("2026-02-01"), 12)), Vec::<String>::new());
        let t = tray(&s, date("2026-02-01"));
        assert_eq!(ids(svc.bills_with_issues(&t)), ["4"], "no due date");
        assert_eq!(ids(svc.bills_ready_for_decision(&t)), ["1", "2"]);
    }
}

//! An Item's change log: every transaction the bank showed, changed or took
//! back, in the order it happened (a growing sequence), and the net view
//! `/transactions/sync` pages through: for each transaction touched between
//! two points of the log, added, modified or removed, ordered by its last
//! change.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// One transaction as the bank shows it at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Txn {
    /// `transaction_id`.
    pub id: String,
    /// Index of its account in the Item.
    pub account: usize,
    /// The planned line it belongs to.
    pub key: u32,
    /// `pending`.
    pub pending: bool,
    /// `pending_transaction_id` (a posted line that was pending).
    pub pending_transaction_id: Option<String>,
    /// Plaid's sign: positive out.
    pub amount: Decimal,
    /// `date`: posted date, or the pending date while pending.
    pub date: NaiveDate,
    /// `authorized_date`.
    pub authorized_date: NaiveDate,
    /// `name` (and `original_description` on request).
    pub name: String,
    /// `merchant_name`.
    pub merchant_name: Option<String>,
}

/// What happened to a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// It appeared or changed: its new state.
    Upsert(Txn),
    /// It was taken back: its last state.
    Remove(Txn),
}

impl Change {
    /// The transaction concerned.
    pub fn txn(&self) -> &Txn {
        match self {
            Self::Upsert(t) | Self::Remove(t) => t,
        }
    }
}

/// Net effect on one transaction between two points of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Net {
    /// New since the earlier point.
    Added(Txn),
    /// Known at the earlier point, changed since.
    Modified(Txn),
    /// Known at the earlier point, gone since.
    Removed(Txn),
}

/// The last net view computed: base, head, history start, changes.
type CachedNet = (usize, usize, Option<NaiveDate>, Arc<Vec<Net>>);

/// The log of one Item.
#[derive(Debug, Clone, Default)]
pub struct ChangeLog {
    entries: Vec<Change>,
    cache: Option<CachedNet>,
}

impl ChangeLog {
    /// Appends a change.
    pub fn push(&mut self, change: Change) {
        self.entries.push(change);
    }

    /// The latest state of a transaction the bank still shows; `None` when
    /// it was never shown or was taken back.
    pub fn current(&self, id: &str) -> Option<&Txn> {
        match self.entries.iter().rev().find(|c| c.txn().id == id)? {
            Change::Upsert(t) => Some(t),
            Change::Remove(_) => None,
        }
    }

    /// How many changes so far: the point a new update runs up to.
    pub fn head(&self) -> usize {
        self.entries.len()
    }

    /// The net changes from point `base` to point `head`, ordered by last
    /// change, leaving out transactions dated before `since`.
    pub fn net(&mut self, base: usize, head: usize, since: Option<NaiveDate>) -> Arc<Vec<Net>> {
        if let Some((b, h, s, net)) = &self.cache
            && (*b, *h, *s) == (base, head, since)
        {
            return Arc::clone(net);
        }
        let head = head.min(self.entries.len());
        let base = base.min(head);
        let mut before: HashMap<&str, bool> = HashMap::new();
        for change in &self.entries[..base] {
            before.insert(change.txn().id.as_str(), matches!(change, Change::Upsert(_)));
        }
        let mut last: HashMap<&str, usize> = HashMap::new();
        for (i, change) in self.entries[base..head].iter().enumerate() {
            last.insert(change.txn().id.as_str(), base + i);
        }
        let mut touched: Vec<(usize, &str)> = last.into_iter().map(|(id, i)| (i, id)).collect();
        touched.sort_unstable();
        let mut out = Vec::with_capacity(touched.len());
        for (i, id) in touched {
            let existed = before.get(id).copied().unwrap_or(false);
            let net = match (&self.entries[i], existed) {
                (Change::Upsert(t), false) => Net::Added(t.clone()),
                (Change::Upsert(t), true) => Net::Modified(t.clone()),
                (Change::Remove(t), true) => Net::Removed(t.clone()),
                (Change::Remove(_), false) => continue,
            };
            let txn = match &net {
                Net::Added(t) | Net::Modified(t) | Net::Removed(t) => t,
            };
            if since.is_none_or(|s| txn.date >= s) {
                out.push(net);
            }
        }
        let out = Arc::new(out);
        self.cache = Some((base, head, since, Arc::clone(&out)));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn txn(id: &str, amount: i64) -> Txn {
        Txn {
            id: id.into(),
            account: 0,
            key: 0,
            pending: false,
            pending_transaction_id: None,
            amount: Decimal::new(amount, 0),
            date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            authorized_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            name: String::new(),
            merchant_name: None,
        }
    }

    #[test]
    fn net_changes_collapse_within_an_update_and_keep_change_order() {
        let mut log = ChangeLog::default();
        log.push(Change::Upsert(txn("a", 1)));
        log.push(Change::Upsert(txn("b", 2)));
        let base = log.head();
        log.push(Change::Remove(txn("a", 1)));
        log.push(Change::Upsert(txn("c", 3)));
        log.push(Change::Upsert(txn("b", 5)));
        log.push(Change::Upsert(txn("d", 4)));
        log.push(Change::Remove(txn("d", 4)));
        let head = log.head();
        let net = log.net(base, head, None);
        assert_eq!(
            *net,
            vec![
                Net::Removed(txn("a", 1)),
                Net::Added(txn("c", 3)),
                Net::Modified(txn("b", 5)),
            ],
            "d came and went within the update: nothing"
        );
        let all = log.net(0, head, None);
        assert_eq!(all.len(), 2, "from the start only b and c exist: {all:?}");
        let later = NaiveDate::from_ymd_opt(2026, 12, 2);
        assert!(log.net(0, head, later).is_empty(), "all dated before the history start");
    }
}

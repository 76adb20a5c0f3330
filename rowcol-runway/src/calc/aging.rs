//! Receivable and payable aging as of a date.

use chrono::NaiveDate;
use rowcol_core::{ClientSnapshot, EntityKind, ExternalId, Money};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::home::HomeRates;
use crate::period::days_between;

/// How far past due an open amount is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgingBucket {
    /// Not yet due (due on or after the as-of date).
    Current,
    /// 1 to 30 days past due.
    Days1To30,
    /// 31 to 60 days past due.
    Days31To60,
    /// 61 to 90 days past due.
    Days61To90,
    /// More than 90 days past due.
    Over90,
}

impl AgingBucket {
    /// Every bucket, youngest first.
    pub const ALL: [AgingBucket; 5] = [
        AgingBucket::Current,
        AgingBucket::Days1To30,
        AgingBucket::Days31To60,
        AgingBucket::Days61To90,
        AgingBucket::Over90,
    ];

    /// The bucket for a number of days past due (0 or less is current).
    pub fn for_days_past_due(days: i64) -> AgingBucket {
        match days {
            i64::MIN..=0 => AgingBucket::Current,
            1..=30 => AgingBucket::Days1To30,
            31..=60 => AgingBucket::Days31To60,
            61..=90 => AgingBucket::Days61To90,
            _ => AgingBucket::Over90,
        }
    }
}

/// Which side of the books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// What customers owe (open invoices).
    Receivable,
    /// What the client owes (open bills).
    Payable,
}

/// The total and count in one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketTotal {
    /// The bucket.
    pub bucket: AgingBucket,
    /// Open balance in it, home currency.
    pub amount: Money,
    /// Open documents in it.
    pub count: u32,
}

/// An aging report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aging {
    /// Receivable or payable.
    pub side: Side,
    /// The date days past due are counted to.
    pub as_of: NaiveDate,
    /// One total per bucket, youngest first.
    pub buckets: Vec<BucketTotal>,
    /// Total open balance (the sum of the buckets).
    pub total: Money,
    /// How the figure was computed.
    pub method: String,
}

/// One open document, in home units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenItem<'a> {
    pub(crate) kind: EntityKind,
    pub(crate) id: &'a ExternalId,
    /// The due date, or the transaction date when none is set.
    pub(crate) due: NaiveDate,
    pub(crate) balance: Decimal,
}

/// Open items of one side (non-zero, not deleted, convertible), in home
/// units: documents owed, and credits against them as negative items aged
/// from their own date (customer credit memos and unapplied payments on the
/// receivable side, vendor credits on the payable side), so the aging is net
/// of credits as QBO's aging reports are. A foreign item's home balance is
/// its balance at the document's own rate, rounded to the home currency's
/// minor unit (half away from zero), as a ledger records a document's home
/// amount.
pub(crate) fn open_items<'a>(s: &'a ClientSnapshot, side: Side, rates: &HomeRates) -> Vec<OpenItem<'a>> {
    let minor = s.home_currency.minor_units();
    let home = |txn: &rowcol_core::entity::TxnCommon, m: Money| {
        let amount = rates.on_txn(txn, m)?;
        Some(if m.currency() == s.home_currency {
            amount
        } else {
            amount.round_dp_with_strategy(minor, RoundingStrategy::MidpointAwayFromZero)
        })
    };
    let item = |kind, meta: &'a rowcol_core::entity::SourceMeta, due, balance: Option<Decimal>| {
        Some(OpenItem {
            kind,
            id: &meta.external_id,
            due,
            balance: balance?,
        })
    };
    match side {
        Side::Receivable => {
            let invoices = s
                .invoices
                .iter()
                .filter(|i| !i.meta.deleted && !i.balance.is_zero())
                .filter_map(|i| {
                    item(
                        EntityKind::Invoice,
                        &i.meta,
                        i.due_date.unwrap_or(i.txn.txn_date),
                        home(&i.txn, i.balance),
                    )
                });
            let credits = s
                .credit_memos
                .iter()
                .filter(|m| !m.meta.deleted && !m.remaining_credit.is_zero())
                .filter_map(|m| {
                    item(
                        EntityKind::CreditMemo,
                        &m.meta,
                        m.txn.txn_date,
                        home(&m.txn, m.remaining_credit).map(|a| -a),
                    )
                });
            let unapplied = s
                .payments
                .iter()
                .filter(|p| !p.meta.deleted && !p.unapplied.is_zero())
                .filter_map(|p| {
                    item(
                        EntityKind::Payment,
                        &p.meta,
                        p.txn.txn_date,
                        home(&p.txn, p.unapplied).map(|a| -a),
                    )
                });
            invoices.chain(credits).chain(unapplied).collect()
        }
        Side::Payable => {
            let bills = s
                .bills
                .iter()
                .filter(|b| !b.meta.deleted && !b.balance.is_zero())
                .filter_map(|b| {
                    item(
                        EntityKind::Bill,
                        &b.meta,
                        b.due_date.unwrap_or(b.txn.txn_date),
                        home(&b.txn, b.balance),
                    )
                });
            let credits = s
                .vendor_credits
                .iter()
                .filter(|c| !c.meta.deleted && !c.balance.is_zero())
                .filter_map(|c| {
                    item(
                        EntityKind::VendorCredit,
                        &c.meta,
                        c.txn.txn_date,
                        home(&c.txn, c.balance).map(|a| -a),
                    )
                });
            bills.chain(credits).collect()
        }
    }
}

/// Ages the documents of one side that were open at the end of `as_of`
/// (see [`crate::history`]).
pub fn aging(s: &ClientSnapshot, side: Side, as_of: NaiveDate) -> Aging {
    let s = &*crate::history::as_it_stood(s, as_of);
    let rates = HomeRates::from_snapshot(s);
    aging_of(&open_items(s, side, &rates), side, as_of, &rates)
}

pub(crate) fn aging_of(items: &[OpenItem<'_>], side: Side, as_of: NaiveDate, rates: &HomeRates) -> Aging {
    let mut sums = [(Decimal::ZERO, 0u32); 5];
    for item in items {
        let b = AgingBucket::for_days_past_due(days_between(item.due, as_of)) as usize;
        sums[b].0 += item.balance;
        sums[b].1 += 1;
    }
    let total = sums.iter().map(|(a, _)| *a).sum();
    Aging {
        side,
        as_of,
        buckets: AgingBucket::ALL
            .iter()
            .zip(sums)
            .map(|(bucket, (amount, count))| BucketTotal {
                bucket: *bucket,
                amount: rates.money(amount),
                count,
            })
            .collect(),
        total: rates.money(total),
        method: format!(
            "open balance of each {} by days past due as of {as_of} (due date, or the transaction date when none), \
             less {} aged from their own date; foreign items at the document's own exchange rate, each rounded \
             to the cent",
            match side {
                Side::Receivable => "invoice",
                Side::Payable => "bill",
            },
            match side {
                Side::Receivable => "open credit memos and unapplied payments",
                Side::Payable => "open vendor credits",
            }
        ),
    }
}

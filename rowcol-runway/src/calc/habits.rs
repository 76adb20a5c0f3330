//! Customers' payment habits: how late each pays, from its own history.

use chrono::NaiveDate;
use rowcol_core::{ClientSnapshot, EntityKind, ExternalId};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::perf::id_table::IdTable;
use crate::perf::index::SnapshotIndex;
use crate::period::{days_between, shift};

/// Where an expected collection date came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "basis")]
pub enum CollectionBasis {
    /// The customer's own average lateness.
    CustomerHistory {
        /// Average days paid after the due date (negative: early).
        average_days_late: Decimal,
        /// Payments it rests on.
        observations: u32,
    },
    /// The client's average lateness over all customers.
    ClientAverage {
        /// Average days paid after the due date.
        average_days_late: Decimal,
    },
    /// No history at all: the due date.
    DueDate,
}

impl CollectionBasis {
    /// Days after the due date the money is expected.
    pub fn days_late(&self) -> Decimal {
        match self {
            CollectionBasis::CustomerHistory { average_days_late, .. }
            | CollectionBasis::ClientAverage { average_days_late } => *average_days_late,
            CollectionBasis::DueDate => Decimal::ZERO,
        }
    }
}

/// Lateness observed per customer and over the whole client.
#[derive(Debug, Clone)]
pub(crate) struct PaymentHabits<'a> {
    per_customer: IdTable<'a, Habit>,
    fallback: Habit,
    /// Average days from an invoice's date to its payment, over every
    /// payment observed; `None` without any.
    pub(crate) collection_days: Option<i64>,
}

/// A basis with its lateness rounded to whole days once, for the forecast's
/// expected dates.
#[derive(Debug, Clone)]
struct Habit {
    basis: CollectionBasis,
    days: i64,
}

impl Habit {
    fn new(basis: CollectionBasis) -> Self {
        let days = basis
            .days_late()
            .round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        let days = rust_decimal::prelude::ToPrimitive::to_i64(&days).unwrap_or(0);
        Habit { basis, days }
    }
}

impl<'a> PaymentHabits<'a> {
    /// Learns from every payment applied to an invoice whose due date is
    /// known: days late = payment date - invoice due date.
    pub(crate) fn learn(s: &'a ClientSnapshot, ix: &SnapshotIndex<'a>) -> Self {
        let mut per_customer: IdTable<'a, (i64, u32)> = IdTable::with_capacity(s.customers.len());
        let mut all = (0i64, 0u32);
        let mut collection = (0i64, 0u32);
        for p in s.payments.iter().filter(|p| !p.meta.deleted) {
            for link in p.applied_to.iter().filter(|l| l.kind == EntityKind::Invoice) {
                let Some(inv) = ix.invoices.get(&link.id) else { continue };
                collection.0 += days_between(inv.txn.txn_date, p.txn.txn_date).max(0);
                collection.1 += 1;
                let (Some(due), Some(customer)) = (inv.due_date, inv.customer.as_ref()) else {
                    continue;
                };
                let late = days_between(due, p.txn.txn_date);
                let entry = per_customer.get_or_insert_with(&customer.id, Default::default);
                entry.0 += late;
                entry.1 += 1;
                all.0 += late;
                all.1 += 1;
            }
        }
        // Averages once here: callers ask per open invoice.
        PaymentHabits {
            per_customer: per_customer.map_values(|(days, n)| {
                Habit::new(CollectionBasis::CustomerHistory {
                    average_days_late: average(days, n),
                    observations: n,
                })
            }),
            fallback: Habit::new(if all.1 > 0 {
                CollectionBasis::ClientAverage {
                    average_days_late: average(all.0, all.1),
                }
            } else {
                CollectionBasis::DueDate
            }),
            collection_days: (collection.1 > 0).then(|| collection.0 / i64::from(collection.1)),
        }
    }

    fn habit(&self, customer: Option<&ExternalId>) -> &Habit {
        customer
            .and_then(|c| self.per_customer.get(c))
            .unwrap_or(&self.fallback)
    }

    /// How late `customer` is expected to pay, and on what basis.
    pub(crate) fn basis_for(&self, customer: Option<&ExternalId>) -> CollectionBasis {
        self.habit(customer).basis.clone()
    }

    /// When `customer` is expected to pay a document due on `due`: the due
    /// date moved by its expected lateness, rounded to whole days half away
    /// from zero.
    pub(crate) fn expected_date(&self, due: NaiveDate, customer: Option<&ExternalId>) -> NaiveDate {
        shift(due, self.habit(customer).days)
    }
}

fn average(total: i64, n: u32) -> Decimal {
    super::runway::round_ratio(Decimal::from(total) / Decimal::from(n))
}

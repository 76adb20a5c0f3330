//! The suggested payment set for the coming week.
//!
//! Baseline: the forecast with this week's candidate bills taken out (they
//! are what is being decided). Paying a set in week 1 lowers every later
//! closing balance by the set's total, so the set fits when the lowest
//! baseline closing balance, less the total, stays at or above the guardrail
//! (at or above zero when the guardrail cannot be sized). Payroll, taxes and
//! secured debt are always in, first, even when they take a week under the
//! floor (the set then says so); the other candidates are taken greedily in
//! priority order; one that does not fit is skipped and smaller ones after
//! it may still fit. Amounts are what leaves the bank: net of a discount
//! taken and of the vendor's open credits.

use rowcol_core::Money;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calc::forecast::Forecast;
use crate::calc::runway::{exact_months, round_ratio};
use crate::hygiene::EntityRef;

/// A bill being decided this week, as the selection sees it.
pub(crate) struct Candidate {
    /// What paying it takes from the bank, home units.
    pub(crate) amount: Decimal,
    /// Its open balance as the forecast holds it, home units.
    pub(crate) in_forecast: Decimal,
    /// Forecast week (0-based) its outflow sits in, if within the horizon.
    pub(crate) week: Option<usize>,
    /// Paid whatever the guardrail says (payroll, taxes, secured debt).
    pub(crate) must_pay: bool,
}

/// The bills suggested for payment this week, and what they do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSet {
    /// The bills, in priority order.
    pub bills: Vec<EntityRef>,
    /// Their total, home currency.
    pub total: Money,
    /// The floor kept: the guardrail, or zero when it cannot be sized.
    pub floor: Money,
    /// The forecast week (1-13) with the lowest projected balance after the set.
    pub lowest_week: Option<u32>,
    /// That lowest projected balance.
    pub lowest_balance: Option<Money>,
    /// Runway in months before the set is paid (`None` when not burning).
    pub runway_months_before: Option<Decimal>,
    /// Runway in months after it is paid.
    pub runway_months_after: Option<Decimal>,
    /// Why this set, in plain words.
    pub explanation: String,
}

/// Outcome of the selection: which candidates were chosen, and the set.
pub(crate) struct Selection {
    pub(crate) chosen: Vec<bool>,
    pub(crate) set: PaymentSet,
}

/// Chooses from `candidates` (already in priority order). The set's
/// `bills` are left empty for the caller to name from the chosen ones: the
/// digest shows only the explanation.
pub(crate) fn choose(
    candidates: &[Candidate],
    forecast: &Forecast,
    cash: Money,
    net_burn_monthly: Decimal,
) -> Selection {
    let money = |d: Decimal| Money::new(d, cash.currency());
    let (floor, floor_name) = match forecast.guardrail {
        Some(g) => (g.amount(), "the guardrail"),
        None => (Decimal::ZERO, "zero (the guardrail cannot be sized)"),
    };
    let mut baseline: Vec<Decimal> = forecast.weeks.iter().map(|w| w.closing.amount()).collect();
    for c in candidates {
        if let Some(w) = c.week {
            baseline.iter_mut().skip(w).for_each(|b| *b += c.in_forecast);
        }
    }
    let lowest = baseline
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.cmp(b.1).then_with(|| a.0.cmp(&b.0)))
        .map(|(w, b)| (w, *b));
    let mut room = lowest.map_or(Decimal::ZERO, |(_, b)| b - floor);
    let mut chosen = vec![false; candidates.len()];
    let mut total = Decimal::ZERO;
    let (mut forced, mut forced_total) = (0usize, Decimal::ZERO);
    for (i, c) in candidates.iter().enumerate().filter(|(_, c)| c.must_pay) {
        chosen[i] = true;
        room -= c.amount;
        total += c.amount;
        forced += 1;
        forced_total += c.amount;
    }
    for (i, c) in candidates.iter().enumerate().filter(|(_, c)| !c.must_pay) {
        if c.amount <= room {
            chosen[i] = true;
            room -= c.amount;
            total += c.amount;
        }
    }
    let before = exact_months(cash.amount(), net_burn_monthly).map(round_ratio);
    let after = exact_months(cash.amount() - total, net_burn_monthly).map(round_ratio);
    let skipped = chosen.iter().filter(|c| !**c).count();
    let explanation = match lowest {
        Some((w, b)) => format!(
            "{} of {} bills needing a decision this week are in: with this week's candidates left out, the lowest \
             projected balance is {} in week {}; paying {} now leaves it at {}, {} {floor_name} of {}{}{}",
            candidates.len() - skipped,
            candidates.len(),
            money(b).round_to_minor_units(),
            w + 1,
            money(total).round_to_minor_units(),
            money(b - total).round_to_minor_units(),
            if b - total < floor { "under" } else { "at or above" },
            money(floor).round_to_minor_units(),
            if forced > 0 {
                format!(
                    "; {forced} payroll, tax or secured-debt bills ({}) are paid whatever the guardrail",
                    money(forced_total).round_to_minor_units()
                )
            } else {
                String::new()
            },
            if skipped > 0 {
                format!("; {skipped} did not fit and are left out of the projection until decided")
            } else {
                String::new()
            },
        ),
        None => "no forecast weeks to test against".to_owned(),
    };
    Selection {
        chosen,
        set: PaymentSet {
            bills: Vec::new(),
            total: money(total),
            floor: money(floor),
            lowest_week: lowest.map(|(w, _)| u32::try_from(w + 1).unwrap_or(u32::MAX)),
            lowest_balance: lowest.map(|(_, b)| money(b - total)),
            runway_months_before: before,
            runway_months_after: after,
            explanation,
        },
    }
}

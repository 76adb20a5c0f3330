//! Scenarios: what-ifs an advisor toggles per client (delay a vendor, hire,
//! raise money, a customer paying later), with the 13-week forecast and the
//! runway shown base and scenario side by side.
//!
//! A [`Scenario`] is plain data (serde); [`compare`] computes the base
//! figures exactly as [`crate::outlook`] does, then the same forecast with
//! the scenario's changes fed into its inputs, and runway with the
//! scenario's cash and burn run down month by month. The rules:
//!
//! - **delay a vendor N days**: its open bills are paid N days after the base
//!   forecast pays them (an overdue one N days after the as-of date), and its
//!   share of the window's billing (the new-bills run rate) is paid N days
//!   after the usual delay. Burn is unchanged: the money still goes out.
//! - **a customer paying N days later**: each of its open invoices' parts is
//!   collected N days after the base forecast collects it. New invoicing and
//!   burn are unchanged.
//! - **a new hire** costing M a month from a date: half of M (rounded half
//!   away from zero to the minor unit) on each 15th and the rest on each
//!   month's last day, every such payday on or after the start date (no
//!   proration); runway's monthly net burn rises by M from the start date.
//! - **a loan or equity raise** of A on a date: A in on that date (week 1 when
//!   on or before the as-of date); runway's cash rises by A on that date.
//!   Neither changes burn; loan repayments and interest are not modelled.
//!
//! Amounts are in the client's home currency; another currency is an error,
//! not converted. Both forecasts compare against the base's guardrail, so
//! the columns compare like with like.

use chrono::{Datelike, NaiveDate};
use rowcol_core::{ClientSnapshot, Currency, ExternalId, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calc::forecast::{self, Adjustments, Forecast, ForecastInputs, ForecastSource, WEEKS};
use crate::calc::habits::PaymentHabits;
use crate::calc::rollforward::{self, AccountTypes};
use crate::calc::runway::{Runway, RunwayState, round_ratio};
use crate::home::HomeRates;
use crate::perf::index::SnapshotIndex;
use crate::period::{days_between, shift};

/// Whether money raised is borrowed or invested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinancingKind {
    /// Borrowed: repayments and interest are not modelled.
    Loan,
    /// Invested by owners or investors.
    Equity,
}

/// One change a scenario makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Adjustment {
    /// Pay a vendor's bills `days` later.
    DelayVendor {
        /// The vendor.
        vendor: ExternalId,
        /// Days later, 0 or more.
        days: i64,
    },
    /// A new hire costing `monthly_cost` a month from `from`.
    NewHire {
        /// Monthly cost (salary and on-costs), more than zero.
        monthly_cost: Money,
        /// First day employed.
        from: NaiveDate,
    },
    /// A loan or equity raise of `amount` received `on` a date.
    Financing {
        /// Amount received, more than zero.
        amount: Money,
        /// When it arrives.
        on: NaiveDate,
        /// Loan or equity.
        financing: FinancingKind,
    },
    /// A customer paying `days` later than its habit.
    CustomerLate {
        /// The customer.
        customer: ExternalId,
        /// Days later, 0 or more.
        days: i64,
    },
}

/// A set of changes toggled together; empty is the base.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// The changes, applied together (several delays of one party add up).
    pub adjustments: Vec<Adjustment>,
}

/// Why a scenario cannot be applied to a client.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScenarioError {
    /// An amount is not in the client's home currency.
    #[error("{what} is in {given} but the client's home currency is {home}: give it in {home}")]
    Currency {
        /// Which amount.
        what: &'static str,
        /// Its currency.
        given: Currency,
        /// The client's.
        home: Currency,
    },
    /// A vendor the books do not have.
    #[error("vendor {0} is not in the client's books")]
    UnknownVendor(ExternalId),
    /// A customer the books do not have.
    #[error("customer {0} is not in the client's books")]
    UnknownCustomer(ExternalId),
    /// A delay of fewer than 0 days.
    #[error("{what} must be 0 days or more, not {days}")]
    NegativeDays {
        /// Which delay.
        what: &'static str,
        /// The days given.
        days: i64,
    },
    /// An amount of zero or less.
    #[error("{what} must be more than zero, not {amount}")]
    NotPositive {
        /// Which amount.
        what: &'static str,
        /// The amount given.
        amount: Money,
    },
}

/// The forecast and runway one way (base or scenario).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Projection {
    /// The 13-week forecast.
    pub forecast: Forecast,
    /// Runway.
    pub runway: Runway,
}

/// One forecast week's closing balance both ways.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekComparison {
    /// 1 to 13.
    pub week: u32,
    /// First day.
    pub start: NaiveDate,
    /// Last day (included).
    pub end: NaiveDate,
    /// Closing balance in the base forecast.
    pub base_closing: Money,
    /// Closing balance under the scenario.
    pub scenario_closing: Money,
    /// `scenario_closing - base_closing`.
    pub difference: Money,
}

/// Base and scenario side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioComparison {
    /// The date figures are computed as of.
    pub as_of: NaiveDate,
    /// The scenario applied.
    pub applied: Scenario,
    /// The weeks' closing balances both ways.
    pub weeks: Vec<WeekComparison>,
    /// The figures without the scenario (as [`crate::outlook`] has them).
    pub base: Projection,
    /// The figures with it.
    pub scenario: Projection,
    /// How the scenario is applied.
    pub definition: String,
}

/// The rules [`compare`] applies, as every comparison states them.
pub const SCENARIO_DEFINITION: &str = "base: the outlook's forecast and runway. Scenario: a delayed vendor's open \
     bills paid N days after the base forecast pays them (overdue ones N days after the as-of date) and its share \
     of the new-bills rate paid N days later; a late customer's open invoices collected N days after the base \
     forecast collects them; a new hire's monthly cost out half on each 15th (rounded to the minor unit) and the \
     rest on each month's last day, from its start date; a loan or equity raise in on its date (week 1 when on or \
     before the as-of date). Runway: net cash run down at monthly net burn, a month being 52/12 weeks; a raise \
     adds to cash on its date, a new hire adds its monthly cost to burn from its start date; delays and late \
     customers do not change burn; loan repayments are not modelled. Both forecasts against the base guardrail";

impl Scenario {
    /// Checks the scenario against a client's books: amounts in the home
    /// currency and more than zero, days 0 or more, parties known.
    pub fn check(&self, s: &ClientSnapshot) -> Result<(), ScenarioError> {
        let home = s.home_currency;
        let money = |what: &'static str, m: &Money| {
            if m.currency() != home {
                Err(ScenarioError::Currency {
                    what,
                    given: m.currency(),
                    home,
                })
            } else if m.amount() <= Decimal::ZERO {
                Err(ScenarioError::NotPositive { what, amount: *m })
            } else {
                Ok(())
            }
        };
        let days = |what: &'static str, d: i64| {
            if d < 0 {
                Err(ScenarioError::NegativeDays { what, days: d })
            } else {
                Ok(())
            }
        };
        for a in &self.adjustments {
            match a {
                Adjustment::DelayVendor { vendor, days: d } => {
                    days("a vendor's delay", *d)?;
                    if !s.vendors.iter().any(|v| &v.party.meta.external_id == vendor) {
                        return Err(ScenarioError::UnknownVendor(vendor.clone()));
                    }
                }
                Adjustment::CustomerLate { customer, days: d } => {
                    days("a customer's lateness", *d)?;
                    if !s.customers.iter().any(|c| &c.party.meta.external_id == customer) {
                        return Err(ScenarioError::UnknownCustomer(customer.clone()));
                    }
                }
                Adjustment::NewHire { monthly_cost, .. } => money("a new hire's monthly cost", monthly_cost)?,
                Adjustment::Financing { amount, .. } => money("a raise's amount", amount)?,
            }
        }
        Ok(())
    }

    /// The forecast's inputs changed by this scenario over the forecast's
    /// 13 weeks from `as_of`.
    fn adjustments(&self, as_of: NaiveDate) -> Adjustments {
        let mut adjust = Adjustments::default();
        let last = shift(as_of, i64::try_from(WEEKS * 7).unwrap_or(0) - 1);
        for a in &self.adjustments {
            match a {
                Adjustment::DelayVendor { vendor, days } => {
                    *adjust.vendor_days.entry(vendor.clone()).or_default() += days;
                }
                Adjustment::CustomerLate { customer, days } => {
                    *adjust.customer_days.entry(customer.clone()).or_default() += days;
                }
                Adjustment::NewHire { monthly_cost, from } => {
                    let cost = monthly_cost.amount();
                    let half = Money::new(cost / Decimal::TWO, monthly_cost.currency())
                        .round_to_minor_units()
                        .amount();
                    let mut day = (*from).max(as_of);
                    while day <= last {
                        if shift(day, 1).month() != day.month() {
                            adjust.dated.push((day, ForecastSource::NewHire, half - cost));
                        } else if day.day() == 15 {
                            adjust.dated.push((day, ForecastSource::NewHire, Decimal::ZERO - half));
                        }
                        day = shift(day, 1);
                    }
                }
                Adjustment::Financing { amount, on, financing } => {
                    let source = ForecastSource::Financing { kind: *financing };
                    adjust.dated.push((*on, source, amount.amount()));
                }
            }
        }
        adjust
    }

    /// Runway under the scenario from the base's: net cash run down at net
    /// burn, raises adding to cash and hires to burn on their dates.
    fn runway(&self, base: &Runway, as_of: NaiveDate) -> Runway {
        // (months from as_of, cash in, burn added)
        let mut events: Vec<(Decimal, Decimal, Decimal)> = Vec::new();
        let months_to =
            |d: NaiveDate| Decimal::from(days_between(as_of, d).max(0)) * Decimal::from(12) / Decimal::from(52 * 7);
        for a in &self.adjustments {
            match a {
                Adjustment::NewHire { monthly_cost, from } => {
                    events.push((months_to(*from), Decimal::ZERO, monthly_cost.amount()))
                }
                Adjustment::Financing { amount, on, .. } => {
                    events.push((months_to(*on), amount.amount(), Decimal::ZERO))
                }
                Adjustment::DelayVendor { .. } | Adjustment::CustomerLate { .. } => {}
            }
        }
        events.sort_by_key(|e| e.0);
        let cash_in: Decimal = events.iter().map(|e| e.1).sum();
        let burn_added: Decimal = events.iter().map(|e| e.2).sum();
        let state = match &base.state {
            RunwayState::InsufficientData { .. } => base.state.clone(),
            RunwayState::Months { .. } | RunwayState::NotBurning => {
                run_down(base.cash.amount(), base.net_burn_monthly.amount(), &events)
            }
        };
        let currency = base.cash.currency();
        Runway {
            state,
            cash: Money::new(base.cash.amount() + cash_in, currency),
            net_burn_monthly: Money::new(base.net_burn_monthly.amount() + burn_added, currency),
            definition: format!(
                "{}; under the scenario, cash and burn are the base's plus every raise and every hire (cash \
                 {} and burn {} per month before any of them), run down month by month with each on its date",
                crate::calc::runway::RUNWAY_DEFINITION,
                base.cash,
                base.net_burn_monthly
            ),
            balances: base.balances.clone(),
        }
    }
}

/// When cash runs out: starting from `cash` burning `burn` a month, with
/// `events` (months from now, cash in, burn added) in time order.
fn run_down(mut cash: Decimal, mut burn: Decimal, events: &[(Decimal, Decimal, Decimal)]) -> RunwayState {
    let mut t = Decimal::ZERO;
    let months = |m: Decimal| RunwayState::Months {
        months: round_ratio(m),
        weeks: round_ratio(m * Decimal::from(52) / Decimal::from(12)),
    };
    for &(at, cash_in, burn_added) in events {
        if burn > Decimal::ZERO {
            let lasts = (cash / burn).max(Decimal::ZERO);
            // Out of cash before the change arrives.
            if t + lasts < at {
                return months(t + lasts);
            }
        }
        cash -= burn * (at - t);
        t = at;
        cash += cash_in;
        burn += burn_added;
    }
    if burn > Decimal::ZERO {
        months(t + (cash / burn).max(Decimal::ZERO))
    } else {
        RunwayState::NotBurning
    }
}

/// Computes `s`'s forecast and runway as of `as_of` with and without
/// `scenario`; the base figures are the outlook's.
pub fn compare(s: &ClientSnapshot, as_of: NaiveDate, scenario: &Scenario) -> Result<ScenarioComparison, ScenarioError> {
    let s = &*crate::history::as_it_stood(s, as_of);
    scenario.check(s)?;
    let rates = HomeRates::from_snapshot(s);
    let ix = SnapshotIndex::new(s);
    let habits = PaymentHabits::learn(s, &ix);
    let base = crate::calc::figures_with(s, as_of, &rates, &habits);
    let moves = rollforward::movements(s, &AccountTypes::of(s));
    let adjust = scenario.adjustments(as_of);
    let changed = forecast::forecast_with(
        s,
        &habits,
        &ForecastInputs {
            as_of,
            starting_cash: base.cash.net,
            window: base.burn.window,
            movements: &moves,
            guardrail: base.guardrail.level.amount,
            rates: &rates,
            adjust: &adjust,
        },
    );
    let weeks = base
        .forecast
        .weeks
        .iter()
        .zip(&changed.weeks)
        .map(|(b, c)| WeekComparison {
            week: b.week,
            start: b.start,
            end: b.end,
            base_closing: b.closing,
            scenario_closing: c.closing,
            difference: Money::new(c.closing.amount() - b.closing.amount(), c.closing.currency()),
        })
        .collect();
    let runway = scenario.runway(&base.runway, as_of);
    Ok(ScenarioComparison {
        as_of,
        applied: scenario.clone(),
        weeks,
        base: Projection {
            forecast: base.forecast,
            runway: base.runway,
        },
        scenario: Projection {
            forecast: changed,
            runway,
        },
        definition: SCENARIO_DEFINITION.to_owned(),
    })
}

#[cfg(test)]
mod tests;

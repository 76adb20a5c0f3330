//! Calculators: pure functions from a client snapshot to stated figures.
//!
//! [`outlook`] runs them all once, in the order their inputs need (cash and
//! burn, then runway and the guardrail's size, then the forecast, then
//! whether the guardrail holds); each is also callable alone.

pub mod aging;
pub mod burn;
pub mod cash;
pub mod days_outstanding;
pub mod forecast;
pub mod guardrail;
pub mod habits;
pub mod profit;
pub mod rollforward;
pub mod runway;

use chrono::NaiveDate;
use rowcol_core::ClientSnapshot;
use serde::{Deserialize, Serialize};

use crate::home::HomeRates;
use crate::perf::index::SnapshotIndex;
use crate::period::Window;
use aging::{Aging, Side};
use burn::Burn;
use cash::CashPosition;
use days_outstanding::DaysOutstanding;
use forecast::{Forecast, ForecastInputs};
use guardrail::GuardrailStatus;
use habits::PaymentHabits;
use runway::Runway;

/// Every calculator's figure for one client as of one date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashOutlook {
    /// The date figures are computed as of.
    pub as_of: NaiveDate,
    /// Cash and card balances.
    pub cash: CashPosition,
    /// Gross and net burn.
    pub burn: Burn,
    /// Runway.
    pub runway: Runway,
    /// Receivables aging.
    pub ar_aging: Aging,
    /// Payables aging.
    pub ap_aging: Aging,
    /// Days sales outstanding.
    pub dso: DaysOutstanding,
    /// Days payables outstanding.
    pub dpo: DaysOutstanding,
    /// The 13-week forecast.
    pub forecast: Forecast,
    /// The minimum cash buffer and whether it holds.
    pub guardrail: GuardrailStatus,
}

/// Computes every figure for `s` as it stood at the end of `as_of` (see
/// [`crate::history`]), with the burn window from the client's settings
/// (`burn_window_months`).
pub fn outlook(s: &ClientSnapshot, as_of: NaiveDate) -> CashOutlook {
    let s = &*crate::history::as_it_stood(s, as_of);
    let rates = HomeRates::from_snapshot(s);
    let ix = SnapshotIndex::new(s);
    outlook_with(s, as_of, &rates, &PaymentHabits::learn(s, &ix))
}

/// The figures the decision console and the digest rest on: cash, burn,
/// runway, the forecast and the guardrail (no aging, DSO or DPO, which
/// only the full outlook shows).
#[derive(Debug, Clone)]
pub(crate) struct CashFigures {
    pub(crate) cash: CashPosition,
    pub(crate) burn: Burn,
    pub(crate) runway: Runway,
    pub(crate) forecast: Forecast,
    pub(crate) guardrail: GuardrailStatus,
}

/// Cash and burn, then runway and the guardrail's size, then the forecast,
/// then whether the guardrail holds.
pub(crate) fn figures_with<'a>(
    s: &'a ClientSnapshot,
    as_of: NaiveDate,
    rates: &HomeRates,
    habits: &PaymentHabits<'a>,
) -> CashFigures {
    let window = Window::trailing_full_months(as_of, s.settings.burn_window_months);
    let cash = cash::cash_position_with(s, rates);
    let moves = rollforward::movements(s, &rollforward::AccountTypes::of(s));
    let burn = burn::burn_with(s, rates, window, &moves);
    let runway = runway::runway(&cash, &burn);
    let level = guardrail::level(s.settings.guardrail, &burn, rates);
    let forecast = forecast::forecast_with(
        s,
        habits,
        &ForecastInputs {
            as_of,
            starting_cash: cash.net,
            window,
            movements: &moves,
            guardrail: level.amount,
            rates,
            adjust: &forecast::Adjustments::default(),
        },
    );
    let guardrail = guardrail::status(level, cash.net, forecast.first_week_below_guardrail);
    CashFigures {
        cash,
        burn,
        runway,
        forecast,
        guardrail,
    }
}

/// [`figures_with`] plus receivable and payable aging and DSO / DPO.
pub(crate) fn outlook_with<'a>(
    s: &'a ClientSnapshot,
    as_of: NaiveDate,
    rates: &HomeRates,
    habits: &PaymentHabits<'a>,
) -> CashOutlook {
    let CashFigures {
        cash,
        burn,
        runway,
        forecast,
        guardrail,
    } = figures_with(s, as_of, rates, habits);
    let window = burn.window;
    let ar_aging = aging::aging_of(
        &aging::open_items(s, Side::Receivable, rates),
        Side::Receivable,
        as_of,
        rates,
    );
    let ap_aging = aging::aging_of(&aging::open_items(s, Side::Payable, rates), Side::Payable, as_of, rates);
    CashOutlook {
        as_of,
        dso: days_outstanding::days_outstanding_with(s, Side::Receivable, window, ar_aging.total.amount(), rates),
        dpo: days_outstanding::days_outstanding_with(s, Side::Payable, window, ap_aging.total.amount(), rates),
        ar_aging,
        ap_aging,
        cash,
        burn,
        runway,
        forecast,
        guardrail,
    }
}

#[cfg(test)]
mod tests;

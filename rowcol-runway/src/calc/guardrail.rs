//! The guardrail: the minimum cash buffer a client keeps.

use rowcol_core::{Guardrail, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::burn::Burn;
use crate::home::HomeRates;

/// The buffer in home units with how it was set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailLevel {
    /// The setting it came from.
    pub setting: Guardrail,
    /// The buffer in the home currency; `None` when a fixed amount is in a
    /// currency with no known rate, or burn is too thin to size it.
    pub amount: Option<Money>,
    /// How the amount was computed.
    pub basis: String,
}

/// Whether a client keeps its buffer, now and over the forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailStatus {
    /// The buffer.
    pub level: GuardrailLevel,
    /// Available cash now.
    pub cash: Money,
    /// True when cash is under the buffer now.
    pub breached_now: bool,
    /// The first forecast week (1-13) whose closing balance is under it.
    pub first_week_below: Option<u32>,
}

impl GuardrailStatus {
    /// True when the buffer is breached now or in any forecast week.
    pub fn breached_within_forecast(&self) -> bool {
        self.breached_now || self.first_week_below.is_some()
    }
}

/// Sizes the buffer: weeks of gross burn (monthly gross x 12 / 52 per week)
/// or a fixed amount converted to the home currency.
pub(crate) fn level(setting: Guardrail, burn: &Burn, rates: &HomeRates) -> GuardrailLevel {
    match setting {
        Guardrail::WeeksOfGrossBurn(weeks) => {
            let weekly = burn.gross_monthly.amount() * Decimal::from(12) / Decimal::from(52);
            GuardrailLevel {
                setting,
                amount: (!burn.too_thin()).then(|| rates.money(weekly * Decimal::from(weeks))),
                basis: format!(
                    "{weeks} weeks of gross burn: {weeks} x monthly gross burn {} x 12 / 52",
                    burn.gross_monthly
                ),
            }
        }
        Guardrail::Fixed(m) => GuardrailLevel {
            setting,
            amount: rates.balance(m).map(|a| rates.money(a)),
            basis: format!("fixed amount {m} set by the advisor"),
        },
    }
}

/// Checks cash and forecast closing balances against the buffer.
pub(crate) fn status(level: GuardrailLevel, cash: Money, first_week_below: Option<u32>) -> GuardrailStatus {
    let breached_now = level.amount.is_some_and(|g| cash.amount() < g.amount());
    GuardrailStatus {
        level,
        cash,
        breached_now,
        first_week_below,
    }
}

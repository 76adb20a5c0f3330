//! Runway: how long available cash lasts at the current net burn.

use rowcol_core::Money;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::burn::Burn;
use super::cash::{BalanceBasis, CashPosition};

/// The definition every runway figure states.
pub const RUNWAY_DEFINITION: &str = "net cash (bank balances less credit-card balances owed, home currency) divided \
     by average monthly net operating burn over the trailing full months; weeks = months x 52 / 12; both rounded half away from zero to 2 decimals";

/// What can be said about runway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum RunwayState {
    /// Cash lasts this long at the current net burn (0 when cash is gone).
    Months {
        /// Months of runway.
        months: Decimal,
        /// The same in weeks.
        weeks: Decimal,
    },
    /// Net burn is zero or negative: cash is not running down.
    NotBurning,
    /// Too little data to say, and why.
    InsufficientData {
        /// Why.
        reason: String,
    },
}

/// Runway with the figures it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Runway {
    /// The verdict.
    pub state: RunwayState,
    /// Net cash used: bank balances less card balances owed.
    pub cash: Money,
    /// Monthly net burn used.
    pub net_burn_monthly: Money,
    /// Which definition was used.
    pub definition: String,
    /// Which balances the cash came from and how old they are (empty when
    /// the JSON read holds none).
    #[serde(default)]
    pub balances: BalanceBasis,
}

impl Runway {
    /// Months of runway when the client is burning with enough data.
    pub fn months(&self) -> Option<Decimal> {
        match self.state {
            RunwayState::Months { months, .. } => Some(months),
            _ => None,
        }
    }
}

/// Rounds a ratio for presentation: 2 decimals, half away from zero.
pub(crate) fn round_ratio(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Unrounded months of runway: `cash / net monthly burn`, floored at 0;
/// `None` when not burning.
pub(crate) fn exact_months(cash: Decimal, net_monthly: Decimal) -> Option<Decimal> {
    (net_monthly > Decimal::ZERO).then(|| (cash / net_monthly).max(Decimal::ZERO))
}

/// Computes runway from a cash position and a burn.
pub fn runway(cash: &CashPosition, burn: &Burn) -> Runway {
    let state = if cash.bank_accounts == 0 {
        RunwayState::InsufficientData {
            reason: "no bank account in the books".to_owned(),
        }
    } else if burn.too_thin() {
        RunwayState::InsufficientData {
            reason: format!(
                "history does not cover the {} full months from {} with any money movement",
                burn.window.months, burn.window.start
            ),
        }
    } else {
        match exact_months(cash.net.amount(), burn.net_monthly.amount()) {
            None => RunwayState::NotBurning,
            Some(m) => RunwayState::Months {
                months: round_ratio(m),
                weeks: round_ratio(m * Decimal::from(52) / Decimal::from(12)),
            },
        }
    };
    Runway {
        state,
        cash: cash.net,
        net_burn_monthly: burn.net_monthly,
        definition: RUNWAY_DEFINITION.to_owned(),
        balances: cash.balances.clone(),
    }
}

//! Rails (the systems RowCol mirrors) and the gate that says which are on.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::EntityKind;

/// A source system behind the `LedgerRail` port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rail {
    /// QuickBooks Online: the ledger (the only rail built today).
    Qbo,
    /// Ramp: bill and card execution (planned).
    Ramp,
    /// Plaid: bank verification (planned).
    Plaid,
    /// Stripe: receivables insight (planned).
    Stripe,
}

impl Rail {
    /// Every rail, in a stable order.
    pub const ALL: [Rail; 4] = [Rail::Qbo, Rail::Ramp, Rail::Plaid, Rail::Stripe];

    /// Lower-case name used in storage and configuration (`qbo`, `ramp`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            Rail::Qbo => "qbo",
            Rail::Ramp => "ramp",
            Rail::Plaid => "plaid",
            Rail::Stripe => "stripe",
        }
    }
}

impl Rail {
    /// The kinds RowCol mirrors from this rail: what the engine lists in a
    /// full sync and asks the change feed for. Plaid: the bank's kinds
    /// ([`EntityKind::BANK`]); the others the ledger's ([`EntityKind::ALL`]),
    /// until they get kinds of their own (the JSON example rail stands in
    /// as Stripe with ledger records).
    pub fn kinds(&self) -> &'static [EntityKind] {
        match self {
            Rail::Plaid => &EntityKind::BANK,
            Rail::Qbo | Rail::Ramp | Rail::Stripe => &EntityKind::ALL,
        }
    }
}

impl fmt::Display for Rail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rail name that RowCol does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown rail {0:?}: expected one of qbo, ramp, plaid, stripe")]
pub struct UnknownRail(pub String);

impl FromStr for Rail {
    type Err = UnknownRail;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rail::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownRail(s.chars().take(32).collect()))
    }
}

/// Which rails a deployment may use. The default is QBO only: a rail that is
/// not enabled is refused before any adapter is called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnabledRails(BTreeSet<Rail>);

impl Default for EnabledRails {
    fn default() -> Self {
        EnabledRails(BTreeSet::from([Rail::Qbo]))
    }
}

/// A rail was asked for that this deployment has not enabled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rail {rail} is not enabled here (enabled: {enabled})")]
pub struct RailDisabled {
    /// The rail asked for.
    pub rail: Rail,
    /// The enabled rails, comma-separated.
    pub enabled: String,
}

impl EnabledRails {
    /// Exactly the given rails.
    pub fn only(rails: impl IntoIterator<Item = Rail>) -> Self {
        EnabledRails(rails.into_iter().collect())
    }

    /// This set plus `rail`.
    pub fn with(mut self, rail: Rail) -> Self {
        self.0.insert(rail);
        self
    }

    /// True when `rail` may be used.
    pub fn is_enabled(&self, rail: Rail) -> bool {
        self.0.contains(&rail)
    }

    /// `Ok` when `rail` may be used, else an error naming what is enabled.
    pub fn require(&self, rail: Rail) -> Result<(), RailDisabled> {
        if self.is_enabled(rail) {
            return Ok(());
        }
        Err(RailDisabled {
            rail,
            enabled: self.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
        })
    }

    /// The enabled rails in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = Rail> + '_ {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_gate_is_qbo_only() {
        let rails = EnabledRails::default();
        assert!(rails.is_enabled(Rail::Qbo));
        assert!(!rails.is_enabled(Rail::Ramp));
        let err = rails.require(Rail::Stripe).unwrap_err();
        assert_eq!(err.to_string(), "rail stripe is not enabled here (enabled: qbo)");
        assert!(rails.with(Rail::Ramp).require(Rail::Ramp).is_ok());
    }

    #[test]
    fn each_rail_names_the_kinds_it_mirrors() {
        assert_eq!(Rail::Qbo.kinds(), &EntityKind::ALL[..]);
        assert_eq!(
            Rail::Plaid.kinds(),
            &[EntityKind::BankAccount, EntityKind::BankTransaction][..]
        );
        assert_eq!(Rail::Stripe.kinds(), Rail::Qbo.kinds());
    }

    #[test]
    fn rails_parse_from_their_names() {
        assert_eq!("QBO".parse::<Rail>(), Ok(Rail::Qbo));
        assert_eq!("plaid".parse::<Rail>(), Ok(Rail::Plaid));
        assert!("xero".parse::<Rail>().is_err());
        assert_eq!(serde_json::to_string(&Rail::Stripe).unwrap(), "\"stripe\"");
    }
}

//! The client's own settings, as the advisor set them.

use rowcol_core::{ClientSettings, ClientSnapshot, ExternalId, Guardrail, RuleSetting, VendorTier};
use rust_decimal::Decimal;

/// Reads a client's settings with their defaults applied.
#[derive(Debug, Clone, Copy)]
pub struct BusinessService<'a> {
    settings: &'a ClientSettings,
}

impl<'a> BusinessService<'a> {
    /// Over one snapshot.
    pub fn new(s: &'a ClientSnapshot) -> Self {
        BusinessService { settings: &s.settings }
    }

    /// All settings.
    pub fn settings(&self) -> &'a ClientSettings {
        self.settings
    }

    /// A vendor's tier (standard when the advisor set none).
    pub fn vendor_tier(&self, vendor: &ExternalId) -> VendorTier {
        self.settings.vendor_tiers.get(vendor).copied().unwrap_or_default()
    }

    /// The guardrail setting.
    pub fn guardrail(&self) -> Guardrail {
        self.settings.guardrail
    }

    /// Annual cost of money, as a fraction.
    pub fn cost_of_money(&self) -> Decimal {
        self.settings.cost_of_money
    }

    /// A hygiene rule's switch and threshold, if the client set one.
    pub fn rule_setting(&self, rule_id: &str) -> Option<&'a RuleSetting> {
        self.settings.rules.get(rule_id)
    }
}

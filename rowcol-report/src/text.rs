//! Money and figures as text: exact `Decimal` digits, never via a float.

use rowcol_core::Money;
use rowcol_runway::calc::runway::{Runway, RunwayState};
use rowcol_runway::digest::{GuardrailSummary, Urgency};
use rust_decimal::{Decimal, RoundingStrategy};

/// The one rounding rule the report applies, stated on every page.
pub const ROUNDING_RULE: &str = "Amounts are exact; an amount with more digits than its currency's minor unit \
     (a computed buffer, say) is shown rounded half away from zero to the minor unit.";

/// `USD 12,345.67`: the currency code, then the amount with thousands
/// separators, padded to the currency's minor unit.
///
/// The digits are the exact `Decimal`; only an amount with more digits than
/// the minor unit is rounded, half away from zero ([`ROUNDING_RULE`], the
/// rule of [`Money::round_to_minor_units`]).
pub fn money_text(m: &Money) -> String {
    format!("{} {}", m.currency(), amount_text(m))
}

/// The amount of `m` alone (`-1,234.50`), by the rule of [`money_text`].
pub(crate) fn amount_text(m: &Money) -> String {
    let minor = m.currency().minor_units();
    let mut a = m.amount();
    if a.scale() > minor {
        a = m.round_to_minor_units().amount();
    }
    if a.scale() < minor {
        // Adding zeros after the point changes no value.
        a.rescale(minor);
    }
    grouped(a)
}

/// A decimal with thousands separators in its integer part, digits as is.
pub(crate) fn grouped(d: Decimal) -> String {
    let text = d.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// A short axis label for an amount (`120k`, `-1.5M`, `950`), computed in
/// `Decimal`: one decimal at most, half away from zero.
pub(crate) fn compact(d: Decimal) -> String {
    let abs = d.abs();
    let (div, suffix) = if abs >= Decimal::from(1_000_000_000) {
        (Decimal::from(1_000_000_000), "B")
    } else if abs >= Decimal::from(1_000_000) {
        (Decimal::from(1_000_000), "M")
    } else if abs >= Decimal::from(1_000) {
        (Decimal::from(1_000), "k")
    } else {
        (Decimal::ONE, "")
    };
    let v = (d / div)
        .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
        .normalize();
    format!("{v}{suffix}")
}

/// The urgency's word.
pub(crate) fn urgency_label(u: Urgency) -> &'static str {
    match u {
        Urgency::Critical => "critical",
        Urgency::High => "high",
        Urgency::Watch => "watch",
        Urgency::Calm => "calm",
    }
}

/// The abbreviated runway definition printed beside runway figures.
pub(crate) const RUNWAY_SHORT: &str = "runway = net cash (banks less cards owed) / average monthly net operating burn over the trailing full months (2 dp, half away from zero)";

/// Runway in a few words: `4.52 mo (19.59 wk)`, `not burning`, `unknown`.
pub(crate) fn runway_text(r: &Runway) -> String {
    match &r.state {
        RunwayState::Months { months, weeks } => format!("{months} mo ({weeks} wk)"),
        RunwayState::NotBurning => "not burning".to_owned(),
        RunwayState::InsufficientData { .. } => "unknown".to_owned(),
    }
}

/// The guardrail's status in a few words.
pub(crate) fn guardrail_text(g: &GuardrailSummary) -> String {
    match (g.amount.is_some(), g.breached_now, g.first_week_below) {
        (false, _, _) => "not sized".to_owned(),
        (true, true, _) => "BREACHED now".to_owned(),
        (true, false, Some(w)) => format!("below in wk {w}"),
        (true, false, None) => "holds 13 wk".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowcol_core::Currency;
    use rust_decimal_macros::dec;

    fn usd(d: Decimal) -> Money {
        Money::new(d, Currency::USD)
    }

    #[test]
    fn money_keeps_exact_digits_with_separators() {
        assert_eq!(money_text(&usd(dec!(1234567.89))), "USD 1,234,567.89");
        assert_eq!(money_text(&usd(dec!(-1234.5))), "USD -1,234.50");
        assert_eq!(money_text(&usd(dec!(12000))), "USD 12,000.00");
        assert_eq!(money_text(&usd(dec!(999.99))), "USD 999.99");
        assert_eq!(money_text(&usd(dec!(0))), "USD 0.00");
        assert_eq!(money_text(&usd(dec!(-100))), "USD -100.00");
    }

    #[test]
    fn extra_digits_round_half_away_from_zero() {
        assert_eq!(money_text(&usd(dec!(0.125))), "USD 0.13");
        assert_eq!(money_text(&usd(dec!(-0.125))), "USD -0.13");
        assert_eq!(money_text(&usd(dec!(1234.384615384615))), "USD 1,234.38");
        let yen = Money::new(dec!(1234567.5), "JPY".parse().unwrap());
        assert_eq!(money_text(&yen), "JPY 1,234,568");
    }

    #[test]
    fn compact_labels() {
        assert_eq!(compact(dec!(120000)), "120k");
        assert_eq!(compact(dec!(-1550000)), "-1.6M");
        assert_eq!(compact(dec!(950)), "950");
        assert_eq!(compact(dec!(0)), "0");
        assert_eq!(compact(dec!(12500)), "12.5k");
    }
}

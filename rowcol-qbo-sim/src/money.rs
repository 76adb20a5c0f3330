//! Money in QBO JSON: exact decimals written as JSON numbers, never through a float.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Number, Value};

/// A JSON number carrying exactly the digits of `amount` (two decimal places).
///
/// serde_json's `arbitrary_precision` keeps the number's text, so `12.30`
/// stays `12.30` on the wire.
pub fn num(amount: Decimal) -> Value {
    let text = amount.round_dp(2).to_string();
    match Number::from_str(&text) {
        Ok(n) => Value::Number(n),
        // Unreachable for a Decimal's own rendering; keep the text rather than lose it.
        Err(_) => Value::String(text),
    }
}

/// A JSON number carrying every digit of `value`, unrounded: exchange rates
/// (QBO's `ExchangeRate` has more than two decimals, and documents post at
/// the rate they state).
pub fn exact(value: Decimal) -> Value {
    let text = value.normalize().to_string();
    match Number::from_str(&text) {
        Ok(n) => Value::Number(n),
        Err(_) => Value::String(text),
    }
}

/// Reads an exact decimal from a JSON number (or numeric string).
pub fn dec(value: &Value) -> Option<Decimal> {
    match value {
        Value::Number(n) => Decimal::from_str(&n.to_string())
            .ok()
            .or_else(|| Decimal::from_scientific(&n.to_string()).ok()),
        Value::String(s) => Decimal::from_str(s).ok(),
        _ => None,
    }
}

/// Reads `field` of `row` as an exact decimal, zero when absent.
pub fn field(row: &Value, name: &str) -> Decimal {
    row.get(name).and_then(dec).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_exact_digits() {
        let amount = Decimal::from_str("1234567890123.45").unwrap();
        let json = serde_json::to_string(&num(amount)).unwrap();
        assert_eq!(json, "1234567890123.45");
        assert_eq!(dec(&num(amount)), Some(amount));
        assert_eq!(
            serde_json::to_string(&num(Decimal::from_str("0.10").unwrap())).unwrap(),
            "0.10"
        );
    }
}

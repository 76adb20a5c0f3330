//! Plaid amounts on the wire: JSON numbers written from a `Decimal`'s text,
//! never through a float (serde_json's `arbitrary_precision` keeps the digits).

use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::{Number, Value};

/// `amount` as a JSON number with two decimal places (`12.30` stays `12.30`).
pub fn to_json(amount: Decimal) -> Value {
    let text = amount.round_dp(2).to_string();
    Number::from_str(&text).map_or(Value::String(text), Value::Number)
}

/// An optional amount: `null` when absent (a depository account's `limit`).
pub fn opt_to_json(amount: Option<Decimal>) -> Value {
    amount.map_or(Value::Null, to_json)
}

/// Reads an exact decimal from a JSON number's text (or a numeric string).
pub fn from_json(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    Decimal::from_str(&text)
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_survive_the_round_trip() {
        let amount = Decimal::from_str("987654321.10").unwrap();
        let wire = serde_json::to_string(&to_json(amount)).unwrap();
        assert_eq!(wire, "987654321.10");
        let back: Value = serde_json::from_str(&wire).unwrap();
        assert_eq!(from_json(&back), Some(amount));
        assert_eq!(from_json(&Value::Bool(true)), None);
        assert_eq!(opt_to_json(None), Value::Null);
    }
}

//! Money: an exact [`Decimal`] amount with an ISO 4217 currency.
//!
//! Arithmetic between two amounts refuses mixed currencies instead of
//! guessing a rate; conversion is explicit ([`Money::convert`]) and takes the
//! rate carried on the data. Rounding happens once, at presentation, with the
//! rule stated on [`Money::round_to_minor_units`].

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code: three upper-case ASCII letters, e.g. `USD`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency([u8; 3]);

impl Currency {
    /// US dollar, the home currency most QBO companies in the demo use.
    pub const USD: Currency = Currency(*b"USD");
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// Pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");
    /// Canadian dollar.
    pub const CAD: Currency = Currency(*b"CAD");

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // The constructor admits only ASCII letters, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Number of digits after the decimal point in the currency's minor unit
    /// (ISO 4217): 0 for JPY, KRW and a few others, 3 for the dinars, 2 otherwise.
    pub fn minor_units(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"VND" | b"CLP" | b"ISK" | b"UGX" | b"XAF" | b"XOF" | b"PYG" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" | b"LYD" | b"IQD" => 3,
            _ => 2,
        }
    }
}

/// A currency code that is not three ASCII letters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid currency code {value:?}: expected three ASCII letters such as USD")]
pub struct CurrencyError {
    /// The rejected input (truncated to 16 characters).
    pub value: String,
}

impl FromStr for Currency {
    type Err = CurrencyError;

    /// Parses a code case-insensitively (`usd` is `USD`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_alphabetic) {
            return Err(CurrencyError {
                value: s.chars().take(16).collect(),
            });
        }
        Ok(Currency([
            bytes[0].to_ascii_uppercase(),
            bytes[1].to_ascii_uppercase(),
            bytes[2].to_ascii_uppercase(),
        ]))
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_owned()
    }
}

/// Serialises as its code, `"USD"`.
impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

/// Reads a code as [`FromStr`] does, without copying it first (every
/// amount of every stored record carries one).
impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CodeVisitor;
        impl serde::de::Visitor<'_> for CodeVisitor {
            type Value = Currency;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a three-letter currency code")
            }
            fn visit_str<E: serde::de::Error>(self, code: &str) -> Result<Currency, E> {
                code.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(CodeVisitor)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why a money operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Two amounts in different currencies were combined without a rate.
    #[error("cannot {operation} {left} and {right} amounts: convert one with an exchange rate first")]
    CurrencyMismatch {
        /// What was attempted (`add`, `subtract`, `compare`, `sum`).
        operation: &'static str,
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// The result does not fit a 96-bit decimal.
    #[error("{operation} of {currency} amounts overflowed")]
    Overflow {
        /// What was attempted.
        operation: &'static str,
        /// Currency of the operands.
        currency: Currency,
    },
}

/// An exact amount of money in one currency.
///
/// Serialises as `{"amount": "12.34", "currency": "USD"}`; the amount is a
/// string so no JSON reader turns it into a float.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount in a currency, kept exactly as given (no rounding).
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Zero in a currency.
    pub fn zero(currency: Currency) -> Self {
        Money::new(Decimal::ZERO, currency)
    }

    /// The exact amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// True when the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// True when the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount < Decimal::ZERO
    }

    /// True when the amount is above zero.
    pub fn is_positive(&self) -> bool {
        self.amount > Decimal::ZERO
    }

    fn same_currency(&self, other: &Money, operation: &'static str) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                operation,
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// `self + other`; refuses mixed currencies and overflow.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other, "add")?;
        self.amount
            .checked_add(other.amount)
            .map(|amount| Money::new(amount, self.currency))
            .ok_or(MoneyError::Overflow {
                operation: "add",
                currency: self.currency,
            })
    }

    /// `self - other`; refuses mixed currencies and overflow.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other, "subtract")?;
        self.amount
            .checked_sub(other.amount)
            .map(|amount| Money::new(amount, self.currency))
            .ok_or(MoneyError::Overflow {
                operation: "subtract",
                currency: self.currency,
            })
    }

    /// Orders two amounts of the same currency.
    pub fn checked_cmp(&self, other: &Money) -> Result<std::cmp::Ordering, MoneyError> {
        self.same_currency(other, "compare")?;
        Ok(self.amount.cmp(&other.amount))
    }

    /// The amount with its sign flipped.
    pub fn negated(&self) -> Money {
        Money::new(-self.amount, self.currency)
    }

    /// The amount multiplied by a plain factor (a share, a rate per period).
    pub fn checked_mul(&self, factor: Decimal) -> Result<Money, MoneyError> {
        self.amount
            .checked_mul(factor)
            .map(|amount| Money::new(amount, self.currency))
            .ok_or(MoneyError::Overflow {
                operation: "multiply",
                currency: self.currency,
            })
    }

    /// Converts into `to` with `rate` units of `to` per unit of this currency
    /// (QBO's `ExchangeRate` is home-currency units per foreign unit).
    /// Exact: round afterwards, at presentation.
    pub fn convert(&self, rate: Decimal, to: Currency) -> Result<Money, MoneyError> {
        if self.currency == to {
            return Ok(*self);
        }
        self.amount
            .checked_mul(rate)
            .map(|amount| Money::new(amount, to))
            .ok_or(MoneyError::Overflow {
                operation: "convert",
                currency: self.currency,
            })
    }

    /// Rounds to the currency's minor unit (cents for USD), **half away from
    /// zero** ("half-up" as accountants and QBO present it: 0.125 -> 0.13,
    /// -0.125 -> -0.13), not banker's rounding.
    pub fn round_to_minor_units(&self) -> Money {
        Money::new(
            self.amount
                .round_dp_with_strategy(self.currency.minor_units(), RoundingStrategy::MidpointAwayFromZero),
            self.currency,
        )
    }

    /// Sums amounts that must all be in `currency`; an empty input is zero.
    pub fn sum<'a, I>(currency: Currency, amounts: I) -> Result<Money, MoneyError>
    where
        I: IntoIterator<Item = &'a Money>,
    {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }
}

impl fmt::Display for Money {
    /// `USD 1234.50`: the exact amount, not rounded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.amount)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Money({} {})", self.currency, self.amount)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    fn usd(a: Decimal) -> Money {
        Money::new(a, Currency::USD)
    }

    #[test]
    fn currency_parses_case_insensitively_and_rejects_junk() {
        assert_eq!("usd".parse::<Currency>().map(|c| c.to_string()), Ok("USD".to_owned()));
        assert!("US".parse::<Currency>().is_err());
        assert!("US1".parse::<Currency>().is_err());
        assert!("USDX".parse::<Currency>().is_err());
        assert!("€€€".parse::<Currency>().is_err());
    }

    #[test]
    fn adding_mixed_currencies_is_a_clear_error() {
        let err = usd(dec!(1)).checked_add(&Money::new(dec!(1), Currency::EUR));
        assert_eq!(
            err,
            Err(MoneyError::CurrencyMismatch {
                operation: "add",
                left: Currency::USD,
                right: Currency::EUR
            })
        );
        let text = err.unwrap_err().to_string();
        assert!(text.contains("USD") && text.contains("EUR"), "{text}");
    }

    #[test]
    fn subtract_and_compare_refuse_mixed_currencies() {
        let eur = Money::new(dec!(2), Currency::EUR);
        assert!(usd(dec!(1)).checked_sub(&eur).is_err());
        assert!(usd(dec!(1)).checked_cmp(&eur).is_err());
        assert_eq!(usd(dec!(5)).checked_sub(&usd(dec!(7.5))), Ok(usd(dec!(-2.5))));
    }

    #[test]
    fn rounding_is_half_away_from_zero_to_minor_units() {
        assert_eq!(usd(dec!(0.125)).round_to_minor_units().amount(), dec!(0.13));
        assert_eq!(usd(dec!(0.135)).round_to_minor_units().amount(), dec!(0.14));
        assert_eq!(usd(dec!(-0.125)).round_to_minor_units().amount(), dec!(-0.13));
        assert_eq!(usd(dec!(2.344)).round_to_minor_units().amount(), dec!(2.34));
        let yen = Money::new(dec!(100.5), "JPY".parse().unwrap());
        assert_eq!(yen.round_to_minor_units().amount(), dec!(101));
        let dinar = Money::new(dec!(1.2345), "KWD".parse().unwrap());
        assert_eq!(dinar.round_to_minor_units().amount(), dec!(1.235));
    }

    #[test]
    fn conversion_uses_the_given_rate_exactly() {
        let cad = Money::new(dec!(100.00), Currency::CAD);
        assert_eq!(cad.convert(dec!(0.7312), Currency::USD), Ok(usd(dec!(73.12))));
        assert_eq!(usd(dec!(5)).convert(dec!(9), Currency::USD), Ok(usd(dec!(5))));
    }

    #[test]
    fn sum_of_nothing_is_zero_and_overflow_is_reported() {
        assert_eq!(Money::sum(Currency::USD, []), Ok(usd(Decimal::ZERO)));
        let big = usd(Decimal::MAX);
        assert!(matches!(big.checked_add(&big), Err(MoneyError::Overflow { .. })));
    }

    #[test]
    fn serde_keeps_the_exact_digits_as_a_string() {
        let m = usd(dec!(1234.5600));
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"1234.5600","currency":"USD"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.amount().scale(), 4);
        // A JSON number is read from its text, never through f64.
        let from_number: Money = serde_json::from_str(r#"{"amount":0.30000000000000000004,"currency":"USD"}"#).unwrap();
        assert_eq!(from_number.amount(), dec!(0.30000000000000000004));
        let lower: Money = serde_json::from_str(r#"{"amount":"1","currency":"usd"}"#).unwrap();
        assert_eq!(lower.currency(), Currency::USD, "codes read as FromStr reads them");
        let bad = serde_json::from_str::<Money>(r#"{"amount":"1","currency":"US"}"#).unwrap_err();
        assert!(bad.to_string().contains("invalid currency code"), "{bad}");
    }

    proptest! {
        /// Summing cents as Money equals summing the same cents as integers:
        /// no float error creeps in, whatever the order or count.
        #[test]
        fn money_sums_are_exact(cents in proptest::collection::vec(-10_000_000_000i64..10_000_000_000i64, 0..200)) {
            let amounts: Vec<Money> = cents.iter().map(|c| usd(Decimal::new(*c, 2))).collect();
            let total = Money::sum(Currency::USD, &amounts);
            let expected: i128 = cents.iter().map(|c| i128::from(*c)).sum();
            prop_assert_eq!(total.map(|m| m.amount()), Ok(Decimal::from_i128_with_scale(expected, 2)));
            let mut reversed = amounts.clone();
            reversed.reverse();
            prop_assert_eq!(Money::sum(Currency::USD, &reversed), Money::sum(Currency::USD, &amounts));
        }

        /// a + b - b == a exactly.
        #[test]
        fn add_then_subtract_round_trips(a in -1_000_000_000_000i64..1_000_000_000_000i64, b in -1_000_000_000_000i64..1_000_000_000_000i64, scale in 0u32..6) {
            let ma = usd(Decimal::new(a, scale));
            let mb = usd(Decimal::new(b, 2));
            let back = ma.checked_add(&mb).and_then(|s| s.checked_sub(&mb));
            prop_assert_eq!(back, Ok(ma));
        }
    }
}

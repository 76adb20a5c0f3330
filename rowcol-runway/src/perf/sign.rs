//! The sign of an amount from its sign and zero bits.
//!
//! `Money::is_positive` compares with `Decimal::ZERO` through `Decimal`'s
//! general comparison, which rescales one side first; the calculators ask
//! it of every open document several times per client. These answer the
//! same question (negative zero is neither positive nor negative) in a few
//! instructions.

use rowcol_core::Money;

/// True when the amount is above zero.
pub(crate) fn positive(m: Money) -> bool {
    let a = m.amount();
    !a.is_zero() && a.is_sign_positive()
}

/// True when the amount is below zero.
pub(crate) fn negative(m: Money) -> bool {
    let a = m.amount();
    !a.is_zero() && a.is_sign_negative()
}

#[cfg(test)]
mod tests {
    use rowcol_core::Currency;
    use rust_decimal::Decimal;
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn agrees_with_money_comparisons() {
        let mut minus_zero = Decimal::ZERO;
        minus_zero.set_sign_negative(true);
        for a in [
            dec!(0),
            dec!(0.00),
            minus_zero,
            dec!(0.01),
            dec!(-0.01),
            dec!(1e-28),
            dec!(-1e-28),
            dec!(1500),
            dec!(-7),
        ] {
            let m = Money::new(a, Currency::USD);
            assert_eq!(positive(m), m.is_positive(), "{a}");
            assert_eq!(negative(m), m.is_negative(), "{a}");
        }
    }
}

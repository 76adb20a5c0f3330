//! Sums that leave out the terms known to be zero.
//!
//! The calculators sum every transaction of a kind, counting the ones
//! outside the window as `Decimal::ZERO`; `Decimal` addition is a call even
//! for a zero. [`sum_present`] skips those terms and gives exactly the sum
//! the zeros would have given, scale included: `x + 0` is `x`, and a zero
//! sum plus `0` is plain `0`.

use rust_decimal::Decimal;

/// The sum of `terms`, `None` standing for a `Decimal::ZERO` term.
pub(crate) fn sum_present(terms: impl Iterator<Item = Option<Decimal>>) -> Decimal {
    terms.fold(Decimal::ZERO, |sum, term| match term {
        Some(x) => sum + x,
        None if sum.is_zero() => Decimal::ZERO,
        None => sum,
    })
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    /// The same sum with every `None` added as `Decimal::ZERO`.
    fn with_zeros(terms: &[Option<Decimal>]) -> Decimal {
        terms.iter().map(|t| t.unwrap_or_default()).sum()
    }

    #[test]
    fn equals_the_sum_with_zeros_added_scale_and_sign_included() {
        let cases: Vec<Vec<Option<Decimal>>> = vec![
            vec![],
            vec![None],
            vec![Some(dec!(1.50)), None, Some(dec!(2))],
            // A zero sum with a scale, then a left-out zero: plain 0.
            vec![Some(dec!(1.50)), Some(dec!(-1.50)), None],
            vec![Some(dec!(1.50)), Some(dec!(-1.50)), None, Some(dec!(3))],
            vec![None, Some(dec!(-0.00)), None],
            vec![Some(dec!(-0.00))],
            vec![Some(dec!(79228162514264337593543950335)), None, Some(dec!(-1))],
            vec![Some(dec!(0.000)), Some(dec!(5.1)), None, Some(dec!(-5.100))],
        ];
        for terms in cases {
            let (got, want) = (sum_present(terms.iter().copied()), with_zeros(&terms));
            assert_eq!(
                (got.to_string(), got.serialize()),
                (want.to_string(), want.serialize()),
                "{terms:?}"
            );
        }
    }
}

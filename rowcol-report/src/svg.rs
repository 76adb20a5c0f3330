//! SVG chart primitives: a linear scale from exact amounts to pixels, tick
//! values chosen in `Decimal`, and element helpers.
//!
//! Coordinates are `f64` because they are drawing, not money; every label
//! drawn next to them is made from the exact `Decimal` (see
//! [`crate::text`]).

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::escape::escape;

/// Maps amounts in `[lo, hi]` to pixels in `[px_lo, px_hi]` (`px_hi` may be
/// smaller than `px_lo`: SVG's y axis grows downwards).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scale {
    lo: Decimal,
    hi: Decimal,
    px_lo: f64,
    px_hi: f64,
}

impl Scale {
    /// A scale over `[lo, hi]`; an empty domain is widened by one unit so
    /// that nothing divides by zero.
    pub(crate) fn new(lo: Decimal, hi: Decimal, px_lo: f64, px_hi: f64) -> Self {
        let hi = if hi > lo { hi } else { lo + Decimal::ONE };
        Scale { lo, hi, px_lo, px_hi }
    }

    /// The pixel position of `v` (values outside the domain extrapolate).
    pub(crate) fn at(&self, v: Decimal) -> f64 {
        // The share is computed exactly; only the drawing position is a float.
        let share = (v - self.lo).checked_div(self.hi - self.lo).unwrap_or_default();
        self.px_lo + to_coord(share) * (self.px_hi - self.px_lo)
    }
}

/// A drawing coordinate from an exact share.
#[allow(clippy::disallowed_methods)] // chart coordinates only: never money text
fn to_coord(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// A coordinate as SVG text, one decimal.
pub(crate) fn c(x: f64) -> String {
    format!("{x:.1}")
}

/// Round tick values covering `[lo, hi]`: multiples of 1, 2 or 5 times a
/// power of ten, about `target` of them, the first at or below `lo` and the
/// last at or above `hi`. Exact decimals, so tick labels are exact.
pub(crate) fn ticks(lo: Decimal, hi: Decimal, target: u32) -> Vec<Decimal> {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + Decimal::ONE) };
    let step = nice_step((hi - lo) / Decimal::from(target.max(1)));
    let first = (lo / step).floor() * step;
    let mut out = Vec::new();
    let mut v = first;
    // Bounded: the step is at least a tenth of the range over `target`.
    while out.len() < 64 {
        out.push(v);
        if v >= hi {
            break;
        }
        v += step;
    }
    out
}

/// The smallest of 1, 2, 5 x 10^k that is at least `rough` (> 0).
fn nice_step(rough: Decimal) -> Decimal {
    let ten = Decimal::TEN;
    let floor = Decimal::new(1, 6);
    let rough = rough.max(floor);
    let mut mag = Decimal::ONE;
    for _ in 0..28 {
        match mag.checked_mul(ten) {
            Some(next) if next <= rough => mag = next,
            _ => break,
        }
    }
    while mag > rough && mag > floor {
        mag /= ten;
    }
    for m in [1, 2, 5, 10] {
        let step = mag * Decimal::from(m);
        if step >= rough {
            return step;
        }
    }
    mag * ten
}

/// `<text>` with escaped content and extra attributes (already escaped).
pub(crate) fn text(x: f64, y: f64, attrs: &str, content: &str) -> String {
    format!(r#"<text x="{}" y="{}" {attrs}>{}</text>"#, c(x), c(y), escape(content))
}

/// A horizontal line.
pub(crate) fn hline(x1: f64, x2: f64, y: f64, class: &str) -> String {
    format!(
        r#"<line class="{class}" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
        c(x1),
        c(y),
        c(x2),
        c(y)
    )
}

/// A `points` attribute value from coordinates.
pub(crate) fn points(pts: &[(f64, f64)]) -> String {
    pts.iter()
        .map(|(x, y)| format!("{},{}", c(*x), c(*y)))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn scale_maps_ends_and_middle() {
        let s = Scale::new(dec!(0), dec!(100), 200.0, 0.0);
        assert!((s.at(dec!(0)) - 200.0).abs() < 1e-9);
        assert!((s.at(dec!(100)) - 0.0).abs() < 1e-9);
        assert!((s.at(dec!(25)) - 150.0).abs() < 1e-9);
    }

    #[test]
    fn empty_domain_does_not_divide_by_zero() {
        let s = Scale::new(dec!(5), dec!(5), 0.0, 10.0);
        assert!(s.at(dec!(5)).is_finite());
    }

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(
            ticks(dec!(0), dec!(97000), 5),
            vec![
                dec!(0),
                dec!(20000),
                dec!(40000),
                dec!(60000),
                dec!(80000),
                dec!(100000)
            ]
        );
        let t = ticks(dec!(-1234.5), dec!(8765.4), 4);
        assert!(t[0] <= dec!(-1234.5) && *t.last().unwrap() >= dec!(8765.4));
        assert_eq!(t[1] - t[0], dec!(5000));
        assert_eq!(
            ticks(dec!(0), dec!(0), 5),
            vec![dec!(0), dec!(0.2), dec!(0.4), dec!(0.6), dec!(0.8), dec!(1.0)]
        );
    }
}

//! Rules about bills: due date, vendor, duplicates, lines.

use std::collections::BTreeSet;

use rowcol_core::EntityKind;

use rowcol_core::entity::Bill;
use rust_decimal::Decimal;

use super::{RuleCtx, RuleSpec, threshold};
use crate::hygiene::Severity;
use crate::hygiene::pending::Seen;
use crate::perf::id_map::{FewIds, IdMap};
use crate::period::days_between;

fn bill_ref(b: &Bill) -> Seen<'_> {
    Seen::new(EntityKind::Bill, &b.meta)
}

fn live_bills<'a>(ctx: &RuleCtx<'a, '_>) -> impl Iterator<Item = &'a Bill> {
    ctx.s.bills.iter().filter(|b| !b.meta.deleted)
}

/// True for a voided bill: QBO keeps it with its total, balance and lines
/// zeroed and "Voided" in its private note. A bill of zero owes nothing and
/// cannot be paid twice, so it is never a duplicate of its re-entry.
fn is_void(b: &Bill) -> bool {
    b.txn.total.is_zero() && b.balance.is_zero()
}

fn open_bills<'a>(ctx: &RuleCtx<'a, '_>) -> impl Iterator<Item = &'a Bill> {
    live_bills(ctx).filter(|b| !b.balance.is_zero())
}

/// `bill_missing_due_date`.
pub(super) const MISSING_DUE_DATE: RuleSpec = RuleSpec {
    id: "bill_missing_due_date",
    family: "bills",
    severity: Severity::Warning,
    summary: "an open bill has no due date, so it cannot be scheduled",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        for b in open_bills(ctx).filter(|b| b.due_date.is_none()) {
            emit.flag(
                vec![bill_ref(b)],
                move || format!("Bill {} dated {} has no due date.", b.meta.external_id, b.txn.txn_date),
                "Set the due date (or the vendor's terms) on the bill.",
                Some(b.balance),
            );
        }
    },
};

/// `bill_missing_vendor`.
pub(super) const MISSING_VENDOR: RuleSpec = RuleSpec {
    id: "bill_missing_vendor",
    family: "bills",
    severity: Severity::Error,
    summary: "a bill names no vendor, or a vendor missing from the books",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        let slots = ctx.ix.vendor_slots();
        for (b, slot) in ctx.s.bills.iter().zip(&slots.bills).filter(|(b, _)| !b.meta.deleted) {
            let known = slot.and_then(|v| slots.known.get(v)).is_some_and(Option::is_some);
            if !known {
                emit.flag(
                    vec![bill_ref(b)],
                    move || format!("Bill {} has no vendor the books know.", b.meta.external_id),
                    "Assign the bill to its vendor.",
                    Some(b.txn.total),
                );
            }
        }
    },
};

/// `bill_inactive_vendor`.
pub(super) const INACTIVE_VENDOR: RuleSpec = RuleSpec {
    id: "bill_inactive_vendor",
    family: "bills",
    severity: Severity::Warning,
    summary: "an open bill belongs to an inactive vendor",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        // Usually none or one: each bill's vendor is compared with the few
        // inactive ids rather than hashed, and looked up only on a match.
        let inactive: FewIds<'_> = ctx
            .ix
            .vendors
            .iter()
            .filter(|(_, v)| !v.party.active)
            .map(|(id, _)| id)
            .collect();
        if inactive.is_empty() {
            return;
        }
        for b in open_bills(ctx) {
            let Some(v) = b
                .vendor
                .as_ref()
                .filter(|v| inactive.contains(&v.id))
                .and_then(|v| ctx.ix.vendors.get(&v.id).copied())
            else {
                continue;
            };
            if !v.party.active {
                emit.flag(
                    vec![bill_ref(b), Seen::new(EntityKind::Vendor, &v.party.meta)],
                    move || {
                        format!(
                            "Open bill {} is from {}, a vendor marked inactive.",
                            b.meta.external_id, v.party.display_name
                        )
                    },
                    "Reactivate the vendor if the bill is real, or void the bill.",
                    Some(b.balance),
                );
            }
        }
    },
};

/// A later bill, the earlier one it repeats, and why.
type Pair<'a> = (&'a Bill, &'a Bill, &'static str);

/// Pairs of bills sharing a key: sorts the bills by key, date and id, and
/// pairs each with the one before it under the same key.
fn neighbours<'a, K: Ord + Copy>(
    mut keyed: Vec<(K, &'a Bill)>,
    within: Option<Decimal>,
    why: &'static str,
    found: &mut Vec<Pair<'a>>,
) {
    keyed.sort_by(|(ka, a), (kb, b)| {
        ka.cmp(kb)
            .then_with(|| (a.txn.txn_date, &a.meta.external_id).cmp(&(b.txn.txn_date, &b.meta.external_id)))
    });
    for pair in keyed.windows(2) {
        let ((k1, earlier), (k2, later)) = (pair[0], pair[1]);
        let apart = Decimal::from(days_between(earlier.txn.txn_date, later.txn.txn_date));
        if k1 == k2 && within.is_none_or(|d| apart <= d) {
            found.push((later, earlier, why));
        }
    }
}

/// A bill's total normalised (trailing zeros stripped, as
/// `Decimal::normalize` strips them), as mantissa and scale.
fn amount_key(b: &Bill) -> (i128, u32) {
    let amount = b.txn.total.amount();
    let mut scale = amount.scale();
    // Amounts of money fit in 64 bits: stripping zeros there is a multiply
    // per digit, where `normalize` divides 96 bits.
    if let Ok(mut mantissa) = i64::try_from(amount.mantissa()) {
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        return (i128::from(mantissa), scale);
    }
    let amount = amount.normalize();
    (amount.mantissa(), amount.scale())
}

/// An amount key folded into one word: equal keys fold alike.
fn fold((mantissa, scale): (i128, u32)) -> u64 {
    let [low, high] = [mantissa as u64, (mantissa >> 64) as u64];
    low ^ high.rotate_left(29) ^ u64::from(scale).rotate_right(8)
}

/// Which words occur more than once: each word with a "seen again" mark
/// (fewer instructions than sorting them and searching the sorted list).
struct Repeats(IdMap<u64, bool>);

impl Repeats {
    fn of(words: impl Iterator<Item = u64>, n: usize) -> Self {
        let mut seen = IdMap::with_capacity_and_hasher(n, Default::default());
        for w in words {
            seen.entry(w).and_modify(|again| *again = true).or_insert(false);
        }
        Repeats(seen)
    }

    /// True when `w` occurred more than once.
    fn repeated(&self, w: u64) -> bool {
        self.0.get(&w).copied().unwrap_or(false)
    }
}

/// `duplicate_bill`: threshold = days apart still counted as a duplicate.
pub(super) const DUPLICATE: RuleSpec = RuleSpec {
    id: "duplicate_bill",
    family: "bills",
    severity: Severity::Warning,
    summary: "two bills from the same vendor with the same amount a few days apart, or the same doc number",
    default_threshold: threshold(5, 0),
    threshold_meaning: Some("days between the two bills' dates"),
    check: |ctx, days, emit| {
        // Amounts are keyed normalised (100 and 100.00 are the same amount)
        // as mantissa and scale, which compare fast.
        let mut folded = Vec::with_capacity(ctx.s.bills.len());
        let mut by_doc = Vec::new();
        for b in live_bills(ctx).filter(|b| !is_void(b)) {
            let Some(v) = &b.vendor else { continue };
            folded.push((fold(amount_key(b)), b));
            if let Some(doc) = b.txn.doc_number.as_deref().filter(|d| !d.trim().is_empty()) {
                by_doc.push(((&v.id, doc), b));
            }
        }
        // Nearly every amount is unique: only bills whose amount may repeat
        // (found by sorting the amounts folded into one word, which is
        // cheap) are keyed and paired up. Two amounts folding alike only let
        // their bills through to the exact keys.
        let repeats = Repeats::of(folded.iter().map(|(w, _)| *w), folded.len());
        let by_amount: Vec<_> = folded
            .into_iter()
            .filter(|(w, _)| repeats.repeated(*w))
            .filter_map(|(_, b)| {
                let (mantissa, scale) = amount_key(b);
                Some(((mantissa, scale, b.txn.total.currency(), &b.vendor.as_ref()?.id), b))
            })
            .collect();
        // (later, earlier) pairs, so a pair found both ways is flagged once.
        let mut found: Vec<Pair<'_>> = Vec::new();
        neighbours(by_doc, None, "the same doc number", &mut found);
        neighbours(by_amount, Some(days), "the same amount", &mut found);
        let mut seen = BTreeSet::new();
        found.retain(|(later, earlier, _)| seen.insert((&later.meta.external_id, &earlier.meta.external_id)));
        found.sort_by(|a, b| {
            (&a.0.meta.external_id, &a.1.meta.external_id).cmp(&(&b.0.meta.external_id, &b.1.meta.external_id))
        });
        for (later, earlier, why) in found {
            emit.flag(
                vec![bill_ref(later), bill_ref(earlier)],
                move || {
                    format!(
                        "Bill {} ({}) looks like a duplicate of bill {} ({}): same vendor and {why}.",
                        later.meta.external_id, later.txn.txn_date, earlier.meta.external_id, earlier.txn.txn_date
                    )
                },
                "Compare the two bills; void the duplicate before it is paid twice.",
                Some(later.txn.total),
            );
        }
    },
};

/// The largest tax, as a share of a bill's lines, that a total may carry
/// beyond its lines: 0.30 is above every standard VAT, GST or sales-tax
/// rate (the highest, Hungary's VAT, is 27 %).
const MAX_TAX_SHARE: Decimal = Decimal::from_parts(30, 0, 0, false, 2);

/// True when a total above its lines by `gap` is the tax of a bill entered
/// tax-exclusive. QBO keeps line amounts net of tax and the tax in
/// `TxnTaxDetail.TotalTax`, so such a bill totals its lines plus tax; the
/// mirror keeps neither the tax nor `GlobalTaxCalculation`, so a gap
/// between nothing and [`MAX_TAX_SHARE`] of the lines is taken as tax.
fn is_tax(gap: Decimal, lines: Decimal) -> bool {
    gap > Decimal::ZERO && lines > Decimal::ZERO && gap <= lines * MAX_TAX_SHARE
}

/// `bill_lines_mismatch`: threshold = tolerated difference.
pub(super) const LINES_MISMATCH: RuleSpec = RuleSpec {
    id: "bill_lines_mismatch",
    family: "bills",
    severity: Severity::Error,
    summary: "a bill's total differs from the sum of its lines by more than its tax could",
    default_threshold: threshold(0, 2),
    threshold_meaning: Some("tolerated difference, in the bill's currency"),
    check: |ctx, tolerance, emit| {
        // A bill whose single line carries exactly its total differs by
        // zero, within any tolerance that is not negative: nothing to add up.
        let zero_passes = tolerance >= Decimal::ZERO;
        for b in live_bills(ctx) {
            let currency = b.txn.total.currency();
            if let [line] = b.txn.lines.as_slice()
                && zero_passes
                && line.amount.currency() == currency
                && line.amount.amount().serialize() == b.txn.total.amount().serialize()
            {
                continue;
            }
            let lines: Decimal = b
                .txn
                .lines
                .iter()
                .filter(|l| l.amount.currency() == currency)
                .map(|l| l.amount.amount())
                .sum();
            let diff = b.txn.total.amount() - lines;
            if diff.abs() > tolerance && !is_tax(diff, lines) {
                emit.flag(
                    vec![bill_ref(b)],
                    move || {
                        format!(
                            "Bill {} totals {} but its lines add up to {currency} {lines} (difference {diff}).",
                            b.meta.external_id, b.txn.total
                        )
                    },
                    "Correct the lines or the total so they agree.",
                    Some(rowcol_core::Money::new(diff, currency)),
                );
            }
        }
    },
};

#[cfg(test)]
mod tests {
    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    use crate::hygiene::rules::test_support::run;
    use crate::test_snapshot::snapshot;

    #[test]
    fn missing_due_date_fires_on_open_bill_only() {
        let mut s = snapshot();
        let mut b = fixtures::bill("acme", "1", dec!(100));
        b.due_date = None;
        s.bills.push(b.clone());
        assert_eq!(run("bill_missing_due_date", &s, date("2026-02-01")).len(), 1);
        s.bills[0].due_date = Some(date("2026-02-14"));
        assert!(run("bill_missing_due_date", &s, date("2026-02-01")).is_empty());
    }

    #[test]
    fn missing_and_inactive_vendor() {
        let mut s = snapshot();
        let mut b = fixtures::bill("acme", "1", dec!(100));
        s.bills.push(b.clone());
        assert!(run("bill_missing_vendor", &s, date("2026-02-01")).is_empty());
        assert!(run("bill_inactive_vendor", &s, date("2026-02-01")).is_empty());
        s.vendors[0].party.active = false;
        assert_eq!(run("bill_inactive_vendor", &s, date("2026-02-01")).len(), 1);
        b.vendor = None;
        s.bills[0] = b;
        assert_eq!(run("bill_missing_vendor", &s, date("2026-02-01")).len(), 1);
    }

    #[test]
    fn duplicates_by_amount_within_days_or_by_doc_number() {
        let mut s = snapshot();
        let a = fixtures::bill("acme", "1", dec!(100));
        let mut b = fixtures::bill("acme", "2", dec!(100));
        b.txn.txn_date = date("2026-01-18"); // 3 days after a: within the default 5
        *s.bills = vec![a.clone(), b.clone()];
        let f = run("duplicate_bill", &s, date("2026-02-01"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].entities[0].id.as_str(), "2", "the later bill is the subject");
        b.txn.txn_date = date("2026-01-25"); // 10 days apart: not a duplicate
        *s.bills = vec![a.clone(), b.clone()];
        assert!(run("duplicate_bill", &s, date("2026-02-01")).is_empty());
        // Far apart but the same doc number: a duplicate, flagged once.
        s.bills[0].txn.doc_number = Some("INV-7".into());
        s.bills[1].txn.doc_number = Some("INV-7".into());
        assert_eq!(run("duplicate_bill", &s, date("2026-02-01")).len(), 1);
    }

    #[test]
    fn a_voided_bill_is_not_a_duplicate_of_its_re_entry() {
        let mut s = snapshot();
        // Bill 1 was voided (QBO zeroes it and notes "Voided"), then entered
        // again as bill 2 with the same doc number a day later.
        let mut voided = fixtures::bill("acme", "1", dec!(0));
        voided.balance = fixtures::usd(dec!(0));
        voided.txn.private_note = Some("Voided".into());
        voided.txn.doc_number = Some("INV-7".into());
        let mut again = fixtures::bill("acme", "2", dec!(100));
        again.txn.txn_date = date("2026-01-16");
        again.txn.doc_number = Some("INV-7".into());
        *s.bills = vec![voided, again.clone()];
        assert!(run("duplicate_bill", &s, date("2026-02-01")).is_empty());
        // Two zeroed bills of one vendor a day apart: both void, no pair.
        let mut void_again = s.bills[0].clone();
        void_again.meta.external_id = fixtures::id("3");
        void_again.txn.txn_date = date("2026-01-16");
        s.bills.push(void_again);
        assert!(run("duplicate_bill", &s, date("2026-02-01")).is_empty());
        // Not voided: bill 1 still owes its 100 and repeats bill 2.
        let mut kept = again;
        kept.meta.external_id = fixtures::id("1");
        kept.txn.txn_date = date("2026-01-15");
        s.bills[0] = kept;
        let f = run("duplicate_bill", &s, date("2026-02-01"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].entities[1].id.as_str(), "1");
    }

    #[test]
    fn repeats_are_the_words_seen_twice() {
        let words = [5u64, 9, 5, 0, 1 << 40, 9, 9, 7, 0, u64::MAX];
        let repeats = super::Repeats::of(words.iter().copied(), words.len());
        for w in words.iter().copied().chain([3, 6, 1 << 41]) {
            let n = words.iter().filter(|x| **x == w).count();
            assert_eq!(repeats.repeated(w), n > 1, "{w}");
        }
    }

    #[test]
    fn amount_keys_are_normalised_totals() {
        use rust_decimal::Decimal;
        let amounts = [
            dec!(100),
            dec!(100.00),
            dec!(-12.30),
            dec!(0.000),
            dec!(-0.00),
            dec!(0.05),
            dec!(79228162514264337593543950335),
            dec!(79228162514264337593543950.30),
        ];
        for amount in amounts {
            let b = fixtures::bill("acme", "1", amount);
            let n: Decimal = amount.normalize();
            assert_eq!(super::amount_key(&b), (n.mantissa(), n.scale()), "{amount}");
        }
    }

    #[test]
    fn lines_matching_the_total_pass_unless_the_tolerance_is_negative() {
        let mut s = snapshot();
        s.bills.push(fixtures::bill("acme", "1", dec!(100)));
        s.bills[0].txn.lines[0].amount = fixtures::usd(dec!(100.00));
        assert!(run("bill_lines_mismatch", &s, date("2026-02-01")).is_empty());
        s.settings.rules.insert(
            "bill_lines_mismatch".to_owned(),
            rowcol_core::RuleSetting {
                enabled: true,
                threshold: Some(dec!(-1)),
            },
        );
        let f = crate::hygiene::tray(&s, date("2026-02-01"));
        assert_eq!(
            f.findings.iter().filter(|f| f.rule_id == "bill_lines_mismatch").count(),
            1
        );
    }

    #[test]
    fn lines_mismatch() {
        let mut s = snapshot();
        s.bills.push(fixtures::bill("acme", "1", dec!(100)));
        assert!(run("bill_lines_mismatch", &s, date("2026-02-01")).is_empty());
        // Total 100, lines 60 + 90 = 150: off by -50 (more than the total,
        // which no tax explains).
        s.bills[0].txn.lines[0].amount = fixtures::usd(dec!(60));
        let mut second = s.bills[0].txn.lines[0].clone();
        second.amount = fixtures::usd(dec!(90));
        s.bills[0].txn.lines.push(second);
        let f = run("bill_lines_mismatch", &s, date("2026-02-01"));
        assert_eq!(f[0].amount, Some(fixtures::usd(dec!(-50))));
    }

    #[test]
    fn a_tax_exclusive_bill_totals_its_lines_plus_tax() {
        let mut s = snapshot();
        // Lines 100 net of tax, total 113 with 13 % HST: the 13 is the tax.
        s.bills.push(fixtures::bill("acme", "1", dec!(113)));
        s.bills[0].txn.lines[0].amount = fixtures::usd(dec!(100));
        assert!(run("bill_lines_mismatch", &s, date("2026-02-01")).is_empty());
        // A total 40 above lines of 100 is more than any tax: flagged.
        s.bills[0].txn.total = fixtures::usd(dec!(140));
        let f = run("bill_lines_mismatch", &s, date("2026-02-01"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].amount, Some(fixtures::usd(dec!(40))));
        // Lines above the total: no tax explains that.
        s.bills[0].txn.total = fixtures::usd(dec!(90));
        assert_eq!(run("bill_lines_mismatch", &s, date("2026-02-01")).len(), 1);
    }
}

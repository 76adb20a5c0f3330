//! Rules about how spending is coded: catch-all accounts, a vendor's unusual
//! account, purchases without a payee.

use rowcol_core::entity::{Account, Line, Purchase, SourceMeta};
use rowcol_core::{EntityKind, ExternalId, Money};
use rust_decimal::Decimal;

use super::{RuleCtx, RuleSpec, threshold};
use crate::hygiene::Severity;
use crate::hygiene::pending::Seen;
use crate::perf::id_map::{FewIds, same_id};

/// A spending transaction: bill or purchase, with its vendor's slot.
struct Spend<'a> {
    kind: EntityKind,
    meta: &'a SourceMeta,
    /// The vendor's slot ([`VendorSlots`](crate::perf::index::VendorSlots)).
    vendor: Option<usize>,
    lines: &'a [Line],
    total: Money,
}

fn spending<'a>(ctx: &RuleCtx<'a, '_>) -> impl Iterator<Item = Spend<'a>> {
    let slots = ctx.ix.vendor_slots();
    let bills = ctx
        .s
        .bills
        .iter()
        .zip(&slots.bills)
        .filter(|(b, _)| !b.meta.deleted)
        .map(|(b, v)| Spend {
            kind: EntityKind::Bill,
            meta: &b.meta,
            vendor: *v,
            lines: &b.txn.lines,
            total: b.txn.total,
        });
    let purchases = ctx
        .s
        .purchases
        .iter()
        .zip(&slots.purchases)
        .filter(|(p, _)| !p.meta.deleted)
        .map(|(p, v)| Spend {
            kind: EntityKind::Purchase,
            meta: &p.meta,
            vendor: *v,
            lines: &p.txn.lines,
            total: p.txn.total,
        });
    bills.chain(purchases)
}

fn account_name<'a>(ctx: &RuleCtx<'a, '_>, id: &ExternalId) -> &'a str {
    ctx.ix
        .accounts
        .get(id)
        .map_or("an unknown account", |a| a.name.as_str())
}

/// True when `name` lowercased (ASCII) contains `needle` (lowercase ASCII),
/// without writing the lowercased copy.
fn contains_ignoring_case(name: &str, needle: &str) -> bool {
    name.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// `uncategorized_spending`.
pub(super) const UNCATEGORIZED: RuleSpec = RuleSpec {
    id: "uncategorized_spending",
    family: "coding",
    severity: Severity::Warning,
    summary: "spending is coded to an Uncategorized or Ask My Accountant account",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        let catch_all: FewIds<'_> = ctx
            .s
            .accounts
            .iter()
            .filter(|a| {
                let name = a.fully_qualified_name.as_deref().unwrap_or(&a.name);
                contains_ignoring_case(name, "uncategorized") || contains_ignoring_case(name, "ask my accountant")
            })
            .map(|a| &a.meta.external_id)
            .collect();
        if catch_all.is_empty() {
            return;
        }
        spending(ctx).for_each(|sp| {
            let hit = sp
                .lines
                .iter()
                .filter_map(|l| l.account.as_ref())
                .find(|r| catch_all.contains(&r.id));
            if let Some(acc) = hit {
                let (kind, meta, total) = (sp.kind, sp.meta, sp.total);
                let name = account_name(ctx, &acc.id);
                emit.flag(
                    vec![Seen::new(kind, meta)],
                    move || format!("The {kind} {} of {total} is coded to \"{name}\".", meta.external_id),
                    "Code the spending to the expense account it belongs to.",
                    Some(sp.total),
                );
            }
        });
    },
};

/// `unusual_vendor_account`: threshold = share of the vendor's lines on its
/// usual account before a different account counts as unusual.
pub(super) const UNUSUAL_ACCOUNT: RuleSpec = RuleSpec {
    id: "unusual_vendor_account",
    family: "coding",
    severity: Severity::Info,
    summary: "a vendor's spending is coded to an account unlike its usual one",
    default_threshold: threshold(75, 2),
    threshold_meaning: Some("share (0-1) of the vendor's coded lines on its usual account"),
    check: |ctx, share, emit| {
        // Coded lines per vendor slot: its few accounts with counts (found
        // by a short scan, cheaper than hashing pairs). A vendor needs 4
        // coded lines for a habit; its usual account is the most used, ties
        // to the lower id.
        let mut slots: Vec<Vec<(&ExternalId, u32)>> = Vec::new();
        slots.resize_with(ctx.ix.vendor_slots().known.len(), Vec::new);
        // `for_each` walks the chained lists as two plain loops.
        spending(ctx).for_each(|sp| {
            let Some(accounts) = sp.vendor.and_then(|v| slots.get_mut(v)) else {
                return;
            };
            for acc in sp.lines.iter().filter_map(|l| l.account.as_ref()) {
                match accounts.iter_mut().find(|(a, _)| same_id(a, &acc.id)) {
                    Some((_, n)) => *n += 1,
                    None => accounts.push((&acc.id, 1)),
                }
            }
        });
        let usual: Vec<Option<(&ExternalId, u32, u32)>> = slots
            .iter()
            .map(|accounts| {
                let total: u32 = accounts.iter().map(|(_, n)| n).sum();
                let (acc, n) = accounts
                    .iter()
                    .copied()
                    .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))?;
                // A vendor coded to one account only has no odd spending.
                let habitual = accounts.len() > 1 && total >= 4 && Decimal::from(n) >= share * Decimal::from(total);
                habitual.then_some((acc, n, total))
            })
            .collect();
        spending(ctx).for_each(|sp| {
            let Some(&(acc, n, total)) = sp.vendor.and_then(|v| usual.get(v)).and_then(Option::as_ref) else {
                return;
            };
            let odd = sp
                .lines
                .iter()
                .filter_map(|l| l.account.as_ref())
                .find(|r| !same_id(&r.id, acc));
            if let Some(odd) = odd {
                let (kind, meta) = (sp.kind, sp.meta);
                let (odd_name, usual_name) = (account_name(ctx, &odd.id), account_name(ctx, acc));
                emit.flag(
                    vec![Seen::new(kind, meta)],
                    move || {
                        format!(
                            "The {kind} {} is coded to \"{odd_name}\", but this vendor's spending usually goes to \"{usual_name}\" ({n} of {total} lines).",
                            meta.external_id
                        )
                    },
                    "Check the coding; recode it if the usual account is right.",
                    Some(sp.total),
                );
            }
        });
    },
};

/// True for an account that holds bank fees: QBO's `BankCharges` expense
/// subtype, or a name saying so in books that customised the chart.
fn is_bank_charges(a: &Account) -> bool {
    a.sub_type.as_deref() == Some("BankCharges")
        || ["bank charge", "bank fee", "bank service charge"]
            .iter()
            .any(|n| contains_ignoring_case(&a.name, n))
}

/// True for a bank fee: every coded line of the purchase goes to a bank
/// charges account. The bank takes it without an invoice, so it often
/// names no payee, and no 1099 or vendor report needs one.
fn is_bank_fee(ctx: &RuleCtx<'_, '_>, p: &Purchase) -> bool {
    let mut coded = p.txn.lines.iter().filter_map(|l| l.account.as_ref()).peekable();
    coded.peek().is_some() && coded.all(|r| ctx.ix.accounts.get(&r.id).is_some_and(|a| is_bank_charges(a)))
}

/// Purchases that name no payee.
fn without_payee<'a>(ctx: &RuleCtx<'a, '_>) -> impl Iterator<Item = &'a Purchase> {
    ctx.s.purchases.iter().filter(|p| !p.meta.deleted && p.payee.is_none())
}

/// `purchase_without_payee`: bank fees are left to
/// [`BANK_FEE_WITHOUT_PAYEE`].
pub(super) const PURCHASE_WITHOUT_PAYEE: RuleSpec = RuleSpec {
    id: "purchase_without_payee",
    family: "coding",
    severity: Severity::Warning,
    summary: "a purchase other than a bank fee names no payee",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        for p in without_payee(ctx).filter(|p| !is_bank_fee(ctx, p)) {
            emit.flag(
                vec![Seen::new(EntityKind::Purchase, &p.meta)],
                move || {
                    format!(
                        "Purchase {} of {} on {} names no payee.",
                        p.meta.external_id, p.txn.total, p.txn.txn_date
                    )
                },
                "Add the payee so spending by vendor and 1099 reporting are right.",
                Some(p.txn.total),
            );
        }
    },
};

/// `bank_fee_without_payee`.
pub(super) const BANK_FEE_WITHOUT_PAYEE: RuleSpec = RuleSpec {
    id: "bank_fee_without_payee",
    family: "coding",
    severity: Severity::Info,
    summary: "a bank fee names no payee",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| {
        for p in without_payee(ctx).filter(|p| is_bank_fee(ctx, p)) {
            emit.flag(
                vec![Seen::new(EntityKind::Purchase, &p.meta)],
                move || {
                    format!(
                        "Bank fee {} of {} on {} names no payee.",
                        p.meta.external_id, p.txn.total, p.txn.txn_date
                    )
                },
                "Name the bank as payee if you report spending by vendor; nothing else needs it.",
                Some(p.txn.total),
            );
        }
    },
};

#[cfg(test)]
mod tests {
    use rowcol_core::entity::AccountType;
    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    use crate::hygiene::rules::test_support::run;
    use crate::test_snapshot::{account, snapshot};

    #[test]
    fn catch_all_names_match_in_any_case() {
        use super::contains_ignoring_case;
        let names = [
            "Uncategorized Expense",
            "ASK MY ACCOUNTANT",
            "Ask my accountant (Ç)",
            "Uncat",
            "Ümlaut Uncategorized",
            "",
        ];
        for name in names {
            for needle in ["uncategorized", "ask my accountant"] {
                let want = name.to_ascii_lowercase().contains(needle);
                assert_eq!(contains_ignoring_case(name, needle), want, "{name} {needle}");
            }
        }
    }

    #[test]
    fn uncategorized_spending() {
        let mut s = snapshot();
        s.purchases.push(fixtures::purchase("acme", "1", dec!(40))); // coded to 60 Supplies
        assert!(run("uncategorized_spending", &s, date("2026-02-01")).is_empty());
        s.accounts
            .push(account("61", "Ask My Accountant", AccountType::Expense, dec!(0)));
        s.purchases[0].txn.lines[0].account = Some(fixtures::reference("61", "Ask My Accountant"));
        assert_eq!(run("uncategorized_spending", &s, date("2026-02-01")).len(), 1);
    }

    #[test]
    fn unusual_account_for_a_vendor() {
        let mut s = snapshot();
        for i in 1..=4 {
            s.purchases.push(fixtures::purchase("acme", &i.to_string(), dec!(40)));
        }
        assert!(run("unusual_vendor_account", &s, date("2026-02-01")).is_empty());
        // 5 lines: 4 on Supplies (80 % >= 75 %), 1 on Rent: the odd one is flagged.
        s.accounts.push(account("62", "Rent", AccountType::Expense, dec!(0)));
        let mut odd = fixtures::purchase("acme", "5", dec!(40));
        odd.txn.lines[0].account = Some(fixtures::reference("62", "Rent"));
        s.purchases.push(odd);
        let f = run("unusual_vendor_account", &s, date("2026-02-01"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].entities[0].id.as_str(), "5");
    }

    #[test]
    fn purchase_without_payee() {
        let mut s = snapshot();
        s.purchases.push(fixtures::purchase("acme", "1", dec!(40)));
        assert!(run("purchase_without_payee", &s, date("2026-02-01")).is_empty());
        s.purchases[0].payee = None;
        assert_eq!(run("purchase_without_payee", &s, date("2026-02-01")).len(), 1);
        assert!(run("bank_fee_without_payee", &s, date("2026-02-01")).is_empty());
    }

    #[test]
    fn a_bank_fee_without_payee_is_only_info() {
        let mut s = snapshot();
        let mut charges = account("63", "Bank Charges", AccountType::Expense, dec!(0));
        charges.sub_type = Some("BankCharges".into());
        s.accounts.push(charges);
        let mut fee = fixtures::purchase("acme", "1", dec!(15));
        fee.payee = None;
        fee.txn.lines[0].account = Some(fixtures::reference("63", "Bank Charges"));
        s.purchases.push(fee);
        assert!(run("purchase_without_payee", &s, date("2026-02-01")).is_empty());
        let f = run("bank_fee_without_payee", &s, date("2026-02-01"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, crate::hygiene::Severity::Info);
        // Named by the account's name alone in a customised chart.
        s.accounts[3].sub_type = None;
        s.accounts[3].name = "Bank service charges".into();
        assert!(run("purchase_without_payee", &s, date("2026-02-01")).is_empty());
        // A fee line beside a supplies line: a purchase like any other.
        let mut supplies = s.purchases[0].txn.lines[0].clone();
        supplies.account = Some(fixtures::reference("60", "Supplies"));
        s.purchases[0].txn.lines.push(supplies);
        assert_eq!(run("purchase_without_payee", &s, date("2026-02-01")).len(), 1);
        assert!(run("bank_fee_without_payee", &s, date("2026-02-01")).is_empty());
    }
}

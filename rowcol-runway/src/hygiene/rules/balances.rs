//! Rules about vendor and customer balances: unapplied credits, negative
//! balances.

use rowcol_core::entity::{Party, Payment};
use rowcol_core::{Currency, EntityKind, ExternalId, Money};
use rust_decimal::Decimal;

use super::{Emit, RuleCtx, RuleSpec, threshold};
use crate::hygiene::Severity;
use crate::hygiene::pending::Seen;
use crate::perf::id_table::IdTable;
use crate::perf::sign;

/// Open balances of documents per party id, per currency.
type OpenPerParty<'a> = IdTable<'a, PerCurrency>;

/// Sums per currency: the first currency seen in line (nearly always the
/// only one), any other in a list.
#[derive(Debug, Default)]
struct PerCurrency {
    first: Option<(Currency, Decimal)>,
    others: Vec<(Currency, Decimal)>,
}

impl PerCurrency {
    /// The sum in `currency`, started at zero when new.
    fn sum_mut(&mut self, currency: Currency) -> &mut Decimal {
        let first = self.first.get_or_insert((currency, Decimal::ZERO));
        if first.0 == currency {
            return &mut first.1;
        }
        let at = match self.others.iter().position(|(c, _)| *c == currency) {
            Some(at) => at,
            None => {
                self.others.push((currency, Decimal::ZERO));
                self.others.len() - 1
            }
        };
        &mut self.others[at].1
    }

    /// The sum in `currency`, if any document was in it.
    fn get(&self, currency: Currency) -> Option<Decimal> {
        self.first
            .iter()
            .chain(&self.others)
            .find(|(c, _)| *c == currency)
            .map(|(_, sum)| *sum)
    }
}

fn open_per_party<'a>(parties: usize, docs: impl Iterator<Item = (Option<&'a ExternalId>, Money)>) -> OpenPerParty<'a> {
    let mut map = OpenPerParty::with_capacity(parties);
    for (party, balance) in docs {
        if let Some(p) = party {
            *map.get_or_insert_with(p, PerCurrency::default)
                .sum_mut(balance.currency()) += balance.amount();
        }
    }
    map
}

/// The open documents and the credit not applied to them, for a party
/// whose rail balance is below its open documents by more than `min`.
fn credit_of(party: &Party, open: &OpenPerParty<'_>, min: Decimal) -> Option<(Decimal, Decimal)> {
    let currency = party.balance.currency();
    let docs = open.get(&party.meta.external_id).and_then(|p| p.get(currency))?;
    // The usual case: the balance is exactly the open documents, so the
    // credit is zero, which no minimum that is not negative flags.
    if docs.serialize() == party.balance.amount().serialize() && min >= Decimal::ZERO {
        return None;
    }
    let credit = docs - party.balance.amount();
    (docs > Decimal::ZERO && credit > min).then_some((docs, credit))
}

/// Open bills per vendor and open invoices per customer.
fn open_documents<'a>(ctx: &RuleCtx<'a, '_>) -> (OpenPerParty<'a>, OpenPerParty<'a>) {
    let bills = open_per_party(
        ctx.s.vendors.len(),
        ctx.s
            .bills
            .iter()
            .filter(|b| !b.meta.deleted && !b.balance.is_zero())
            .map(|b| (b.vendor.as_ref().map(|r| &r.id), b.balance)),
    );
    let invoices = open_per_party(
        ctx.s.customers.len(),
        ctx.s
            .invoices
            .iter()
            .filter(|i| !i.meta.deleted && !i.balance.is_zero())
            .map(|i| (i.customer.as_ref().map(|r| &r.id), i.balance)),
    );
    (bills, invoices)
}

/// Payments applied in part whose rest, above `min`, is left as a credit.
fn part_applied<'a>(ctx: &RuleCtx<'a, '_>, min: Decimal) -> impl Iterator<Item = &'a Payment> {
    ctx.s
        .payments
        .iter()
        .filter(move |p| !p.meta.deleted && !p.applied_to.is_empty() && p.unapplied.amount() > min)
}

/// Flags a party whose rail balance is below its open documents: credits
/// (vendor credits, credit memos, unapplied payments) that could be set
/// against those documents but are not.
fn unapplied_credit<'a>(
    party: &'a Party,
    kind: EntityKind,
    open: &OpenPerParty<'_>,
    min: Decimal,
    emit: &mut Emit<'_, 'a>,
) {
    let currency = party.balance.currency();
    if let Some((docs, credit)) = credit_of(party, open, min) {
        let (who, what) = match kind {
            EntityKind::Vendor => ("vendor", "open bills"),
            _ => ("customer", "open invoices"),
        };
        emit.flag(
            vec![Seen::new(kind, &party.meta)],
            move || {
                format!(
                    "The {who} {} has {currency} {docs} of {what} but a balance of {}: {currency} {credit} of credit is not applied.",
                    party.display_name, party.balance
                )
            },
            "Apply the credit to the open documents, or refund it.",
            Some(Money::new(credit, currency)),
        );
    }
}

/// `credit_unapplied`: threshold = smallest credit flagged.
pub(super) const CREDIT_UNAPPLIED: RuleSpec = RuleSpec {
    id: "credit_unapplied",
    family: "balances",
    severity: Severity::Warning,
    summary: "a vendor credit or customer credit is left unapplied while documents are open",
    default_threshold: threshold(0, 0),
    threshold_meaning: Some("smallest unapplied credit flagged, in the party's currency"),
    check: |ctx, min, emit| {
        let (bills, invoices) = open_documents(ctx);
        for v in ctx.s.vendors.iter().filter(|v| !v.party.meta.deleted) {
            unapplied_credit(&v.party, EntityKind::Vendor, &bills, min, emit);
        }
        for c in ctx.s.customers.iter().filter(|c| !c.party.meta.deleted) {
            unapplied_credit(&c.party, EntityKind::Customer, &invoices, min, emit);
        }
        // A payment applied in part leaves the rest as a customer credit.
        for p in part_applied(ctx, min) {
            emit.flag(
                vec![Seen::new(EntityKind::Payment, &p.meta)],
                move || {
                    format!(
                        "Payment {} leaves {} unapplied as a customer credit.",
                        p.meta.external_id, p.unapplied
                    )
                },
                "Apply the rest to the customer's open invoices, or refund it.",
                Some(p.unapplied),
            );
        }
    },
};

/// The parties `credit_unapplied` names for this client (itself, or through
/// one of their payments), when it runs: their negative balance is that
/// credit, already reported.
fn named_by_credit_unapplied<'a>(ctx: &RuleCtx<'a, '_>) -> IdTable<'a, ()> {
    let mut named = IdTable::default();
    let setting = ctx.s.settings.rules.get(CREDIT_UNAPPLIED.id);
    if setting.is_some_and(|r| !r.enabled) {
        return named;
    }
    let min = setting
        .and_then(|r| r.threshold)
        .or(CREDIT_UNAPPLIED.default_threshold)
        .unwrap_or_default();
    let (bills, invoices) = open_documents(ctx);
    let vendors = ctx.s.vendors.iter().map(|v| (&v.party, &bills));
    let customers = ctx.s.customers.iter().map(|c| (&c.party, &invoices));
    for (party, open) in vendors.chain(customers) {
        if !party.meta.deleted && credit_of(party, open, min).is_some() {
            named.insert(&party.meta.external_id, ());
        }
    }
    named.extend(part_applied(ctx, min).filter_map(|p| Some((&p.customer.as_ref()?.id, ()))));
    named
}

fn negative<'a>(ctx: &RuleCtx<'a, '_>, emit: &mut Emit<'_, 'a>) {
    let parties = ctx
        .s
        .vendors
        .iter()
        .map(|v| (EntityKind::Vendor, &v.party))
        .chain(ctx.s.customers.iter().map(|c| (EntityKind::Customer, &c.party)));
    let mut negatives = parties
        .filter(|(_, p)| !p.meta.deleted && sign::negative(p.balance))
        .peekable();
    if negatives.peek().is_none() {
        return;
    }
    let named = named_by_credit_unapplied(ctx);
    for (kind, p) in negatives.filter(|(_, p)| !named.contains_key(&p.meta.external_id)) {
        emit.flag(
            vec![Seen::new(kind, &p.meta)],
            move || format!("The {kind} {} has a negative balance of {}.", p.display_name, p.balance),
            "Find the overpayment or unapplied credit behind it and apply or refund it.",
            Some(p.balance),
        );
    }
}

/// `negative_party_balance`: parties that `credit_unapplied` already names
/// are left to it.
pub(super) const NEGATIVE_PARTY_BALANCE: RuleSpec = RuleSpec {
    id: "negative_party_balance",
    family: "balances",
    severity: Severity::Warning,
    summary: "a customer or vendor has a negative balance that no unapplied-credit finding explains",
    default_threshold: None,
    threshold_meaning: None,
    check: |ctx, _, emit| negative(ctx, emit),
};

#[cfg(test)]
mod tests {
    use rowcol_testkit::fixtures::{self, date};
    use rust_decimal_macros::dec;

    use crate::hygiene::rules::test_support::run;
    use crate::test_snapshot::snapshot;

    #[test]
    fn sums_per_currency_start_at_zero_and_stay_apart() {
        use rowcol_core::Currency;
        let mut sums = super::PerCurrency::default();
        for (currency, amount) in [
            (Currency::USD, dec!(1.50)),
            (Currency::CAD, dec!(2)),
            (Currency::USD, dec!(3)),
            (Currency::EUR, dec!(4)),
            (Currency::CAD, dec!(-2)),
        ] {
            *sums.sum_mut(currency) += amount;
        }
        assert_eq!(sums.get(Currency::USD), Some(dec!(4.50)));
        assert_eq!(sums.get(Currency::CAD).map(|d| d.to_string()), Some("0".to_owned()));
        assert_eq!(sums.get(Currency::EUR), Some(dec!(4)));
        assert_eq!(sums.get(Currency::GBP), None);
    }

    #[test]
    fn vendor_credit_unapplied_against_open_bills() {
        let mut s = snapshot();
        s.bills.push(fixtures::bill("acme", "1", dec!(500)));
        s.vendors[0].party.balance = fixtures::usd(dec!(500));
        assert!(run("credit_unapplied", &s, date("2026-02-01")).is_empty());
        // Bills 500 open, balance 350: a 150 vendor credit sits unapplied.
        s.vendors[0].party.balance = fixtures::usd(dec!(350));
        let f = run("credit_unapplied", &s, date("2026-02-01"));
        assert_eq!(f[0].amount, Some(fixtures::usd(dec!(150))));
    }

    #[test]
    fn customer_credit_left_on_a_payment() {
        let mut s = snapshot();
        s.payments.push(fixtures::payment("acme", "1", dec!(100), "9"));
        assert!(run("credit_unapplied", &s, date("2026-02-01")).is_empty());
        s.payments[0].unapplied = fixtures::usd(dec!(20));
        assert_eq!(run("credit_unapplied", &s, date("2026-02-01")).len(), 1);
    }

    #[test]
    fn negative_balances() {
        let mut s = snapshot();
        assert!(run("negative_party_balance", &s, date("2026-02-01")).is_empty());
        s.customers[0].party.balance = fixtures::usd(dec!(-5));
        assert_eq!(run("negative_party_balance", &s, date("2026-02-01")).len(), 1);
    }

    #[test]
    fn a_negative_balance_is_left_to_credit_unapplied_when_it_reports_it() {
        let mut s = snapshot();
        // Vendor 56: bill 1 open for 100, balance -50: a 150 credit sits
        // unapplied, which credit_unapplied reports; not reported twice.
        s.bills.push(fixtures::bill("acme", "1", dec!(100)));
        s.vendors[0].party.balance = fixtures::usd(dec!(-50));
        assert_eq!(run("credit_unapplied", &s, date("2026-02-01")).len(), 1);
        assert!(run("negative_party_balance", &s, date("2026-02-01")).is_empty());
        // Customer 58: payment 1 applied in part leaves 20 as credit, the
        // customer's balance -20: reported once, on the payment.
        s.payments.push(fixtures::payment("acme", "1", dec!(100), "9"));
        s.payments[0].unapplied = fixtures::usd(dec!(20));
        s.customers[0].party.balance = fixtures::usd(dec!(-20));
        assert_eq!(run("credit_unapplied", &s, date("2026-02-01")).len(), 2);
        assert!(run("negative_party_balance", &s, date("2026-02-01")).is_empty());
        // With credit_unapplied switched off, the negative balances are the
        // only report of them.
        s.settings.rules.insert(
            "credit_unapplied".to_owned(),
            rowcol_core::RuleSetting {
                enabled: false,
                threshold: None,
            },
        );
        assert_eq!(run("negative_party_balance", &s, date("2026-02-01")).len(), 2);
    }
}

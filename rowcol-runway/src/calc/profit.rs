//! Cash-basis profit and loss from the mirror: income, expenses and net
//! income per period, recognised when money moves, in home currency.
//!
//! Definition. Every transaction is read as double-entry legs in home
//! currency (debit positive), each leg in one of three places: an income
//! account (`Income`, `OtherIncome`), an expense account (`CostOfGoodsSold`,
//! `Expense`, `OtherExpense`) or the balance sheet (everything else). On the
//! cash basis:
//! - **invoices, credit memos, bills and vendor credits** post nothing on
//!   their own date. Each payment (bill payment) link applied to one of them
//!   recognises that document's legs (lines and tax, not its A/R or A/P leg)
//!   in proportion to the amount applied, on the payment's date. Shares are
//!   cumulative over the document's applications in date order: after each,
//!   every leg has recognised `round(leg × applied so far / total)`, the
//!   largest leg taking what the rounding left so the legs sum to the
//!   rounded share of their total (rounding to the cent, half to even).
//!   A settled document therefore recognises exactly its legs. The part of
//!   a payment not applied to such a document (unapplied money, links to
//!   journal entries) stays on A/R (A/P) and is not income.
//! - **everything else posts on its own date as on the accrual basis**:
//!   sales receipts and refunds (income per line less discounts, tax to the
//!   balance sheet), purchases (expense per line; a card refund,
//!   `Purchase.credit`, reverses it), deposits (lines coded to an account
//!   credit it, lines carrying payments or cash sales empty Undeposited
//!   Funds, cash back debits the balance sheet), journal entries (each
//!   line's account and side), transfers, card payments and tax payments
//!   (balance sheet on both sides unless an account says otherwise).
//! - a sales line posts to its own account, else its item's income
//!   account, else income; an expense line to its own account, else its
//!   item's expense account, else expenses; a deposit line without account
//!   to income; a journal line without a known account to the balance
//!   sheet. Tax is what the total holds beyond the item and discount (or
//!   expense) lines.
//! - amounts in another currency convert leg by leg at the document's own
//!   rate, each rounded to the cent half away from zero; a payment's cash
//!   converts at the payment's rate. What the legs of one transaction leave
//!   over (rate differences between a document and its payment, rounding)
//!   is an exchange gain or loss, which counts in net income.
//!
//! `net income = income - expenses + exchange`, which equals the change the
//! period's transactions make to the balance sheet legs (net assets).
//!
//! Documents a payment applies to that the snapshot does not hold (dated
//! before its history and closed) are recognised whole, as income (or
//! expense) without tax, and counted in [`PeriodProfit::assumed`]: load a
//! longer history when that count matters.

use std::collections::HashMap;

use chrono::{Datelike, Months, NaiveDate};
use rowcol_core::entity::{AccountType, Item, Line, LineDetail, Reference, TxnCommon, TxnLink};
use rowcol_core::{ClientSnapshot, EntityKind, ExternalId, Money};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::rollforward::AccountTypes;
use crate::home::HomeRates;

/// Cash-basis income and expenses over one period, in home currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodProfit {
    /// First day counted.
    pub start: NaiveDate,
    /// Last day counted.
    pub end: NaiveDate,
    /// Credits less debits to income accounts (sales less discounts,
    /// credits and refunds).
    pub income: Money,
    /// Debits less credits to expense accounts (cost of sales included).
    pub expenses: Money,
    /// Exchange gains less losses (rate differences and rounding between
    /// documents in another currency and their payments).
    pub exchange: Money,
    /// `income - expenses + exchange`.
    pub net_income: Money,
    /// Transactions dated in the period that moved income, expenses or
    /// exchange.
    pub transactions: u32,
    /// Payment links in the period to documents the snapshot does not hold,
    /// recognised whole (see the module docs).
    pub assumed: u32,
}

/// Cash-basis profit and loss month by month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashBasisProfit {
    /// The day the last month runs to.
    pub as_of: NaiveDate,
    /// Oldest month first; each runs from its first day to its last (the
    /// last month to `as_of`).
    pub months: Vec<PeriodProfit>,
    /// True when the snapshot's history reaches the first month's start.
    pub history_covers: bool,
    /// How the figures were computed.
    pub definition: String,
}

/// The definition [`CashBasisProfit::definition`] states.
pub const DEFINITION: &str = "cash basis, home currency: invoices, credit memos, bills and vendor credits are \
    recognised when paid, each payment link recognising the document's lines (not its tax) in proportion to the \
    amount applied (cumulative shares, each line rounded to the cent, the largest taking the rounding), on the \
    payment's date; unapplied money is not income. Sales receipts, refunds, purchases (card refunds reversed), \
    deposits coded to income, journal entries and cash back post on their own date. Foreign amounts convert at \
    each document's rate; what a payment's rate leaves over is exchange gain or loss. Net income = income - \
    expenses + exchange";

/// Cash-basis income, expenses and net income from `start` to `end`, both
/// included.
pub fn cash_basis(s: &ClientSnapshot, start: NaiveDate, end: NaiveDate) -> PeriodProfit {
    let rates = HomeRates::from_snapshot(s);
    let effects = effects(s, &rates);
    period(&effects, start, end, &rates)
}

/// Cash-basis net income from `start` to `end`, both included.
pub fn cash_basis_net_income(s: &ClientSnapshot, start: NaiveDate, end: NaiveDate) -> Money {
    cash_basis(s, start, end).net_income
}

/// The cash-basis profit and loss of the `months` calendar months ending
/// with the month of `as_of` (that month up to `as_of`): the months of
/// [`super::rollforward::rollforward`].
pub fn cash_basis_by_month(s: &ClientSnapshot, as_of: NaiveDate, months: u32) -> CashBasisProfit {
    let rates = HomeRates::from_snapshot(s);
    let effects = effects(s, &rates);
    let current = as_of.with_day(1).unwrap_or(as_of);
    let starts: Vec<NaiveDate> = (0..months.max(1))
        .rev()
        .filter_map(|back| current.checked_sub_months(Months::new(back)))
        .collect();
    let months = starts
        .iter()
        .map(|start| {
            let end = start
                .checked_add_months(Months::new(1))
                .and_then(|n| n.pred_opt())
                .unwrap_or(*start)
                .min(as_of);
            period(&effects, *start, end, &rates)
        })
        .collect();
    CashBasisProfit {
        as_of,
        months,
        history_covers: starts.first().is_some_and(|first| s.history_start <= *first),
        definition: DEFINITION.to_owned(),
    }
}

/// Where a leg posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Income,
    Expense,
    Sheet,
}

/// Home-unit legs of one transaction, debit positive.
type Legs = Vec<(Place, Decimal)>;

/// What one transaction does to the profit and loss.
#[derive(Debug, Clone, Copy)]
struct Effect {
    date: NaiveDate,
    income: Decimal,
    expenses: Decimal,
    exchange: Decimal,
    assumed: u32,
}

fn period(effects: &[Effect], start: NaiveDate, end: NaiveDate, rates: &HomeRates<'_>) -> PeriodProfit {
    let (mut income, mut expenses, mut exchange) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    let (mut transactions, mut assumed) = (0, 0);
    for e in effects.iter().filter(|e| start <= e.date && e.date <= end) {
        income += e.income;
        expenses += e.expenses;
        exchange += e.exchange;
        transactions += 1;
        assumed += e.assumed;
    }
    PeriodProfit {
        start,
        end,
        income: rates.money(income),
        expenses: rates.money(expenses),
        exchange: rates.money(exchange),
        net_income: rates.money(income - expenses + exchange),
        transactions,
        assumed,
    }
}

/// `amount × rate` rounded to the cent half away from zero: a leg's home
/// amount (as the ledger keeps a rounded home amount per leg).
fn home(amount: Decimal, rate: Decimal) -> Decimal {
    (amount * rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// A share rounded to the cent, half to even.
fn cents(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven)
}

/// The chart and items of one snapshot, for placing legs.
struct Chart<'a> {
    types: AccountTypes<'a>,
    items: HashMap<&'a ExternalId, &'a Item>,
    rates: &'a HomeRates<'a>,
}

impl<'a> Chart<'a> {
    /// Where `account` posts; `default` when it names no account the chart
    /// knows.
    fn place(&self, account: Option<&Reference>, default: Place) -> Place {
        match account.and_then(|r| self.types.type_of(&r.id)) {
            Some(AccountType::Income | AccountType::OtherIncome) => Place::Income,
            Some(AccountType::CostOfGoodsSold | AccountType::Expense | AccountType::OtherExpense) => Place::Expense,
            Some(_) => Place::Sheet,
            None => default,
        }
    }

    /// The rate of a transaction into home currency: its own, else the
    /// latest known for its currency (1 for the home currency).
    fn rate(&self, txn: &TxnCommon) -> Option<Decimal> {
        txn.exchange_rate
            .filter(|r| *r > Decimal::ZERO)
            .or_else(|| self.rates.balance_rate(txn.total.currency()))
    }

    /// The income lines of a sales document in its currency, credit
    /// positive, then the tax (the total beyond them) on the balance sheet.
    fn sales_lines(&self, txn: &TxnCommon) -> Vec<(Place, Decimal)> {
        let mut out = Vec::new();
        for line in &txn.lines {
            match line.detail {
                Some(LineDetail::SalesItem) | None => out.push((
                    self.line_place(line, |i| i.income_account.as_ref(), Place::Income),
                    line.amount.amount(),
                )),
                Some(LineDetail::Discount) => {
                    out.push((self.place(line.account.as_ref(), Place::Income), -line.amount.amount()))
                }
                Some(_) => {}
            }
        }
        with_tax(out, txn.total.amount())
    }

    /// The expense lines of a purchase document in its currency, debit
    /// positive, then the tax on the balance sheet.
    fn expense_lines(&self, txn: &TxnCommon) -> Vec<(Place, Decimal)> {
        let mut out = Vec::new();
        for line in &txn.lines {
            if matches!(
                line.detail,
                Some(LineDetail::AccountExpense | LineDetail::ItemExpense) | None
            ) {
                out.push((
                    self.line_place(line, |i| i.expense_account.as_ref(), Place::Expense),
                    line.amount.amount(),
                ));
            }
        }
        with_tax(out, txn.total.amount())
    }

    /// A line's own account, else its item's account, else `default`.
    fn line_place(&self, line: &Line, item_account: fn(&Item) -> Option<&Reference>, default: Place) -> Place {
        let account = line.account.as_ref().or_else(|| {
            line.item
                .as_ref()
                .and_then(|i| self.items.get(&i.id))
                .and_then(|i| item_account(i))
        });
        self.place(account, default)
    }

    /// The legs of an invoice, credit memo, bill or vendor credit other
    /// than its A/R or A/P leg, in home units, debit positive; `None`
    /// without a rate.
    fn document_legs(&self, kind: EntityKind, txn: &TxnCommon) -> Option<Legs> {
        let rate = self.rate(txn)?;
        let (lines, sign) = match kind {
            EntityKind::Invoice => (self.sales_lines(txn), -Decimal::ONE),
            EntityKind::CreditMemo => (self.sales_lines(txn), Decimal::ONE),
            EntityKind::Bill => (self.expense_lines(txn), Decimal::ONE),
            _ => (self.expense_lines(txn), -Decimal::ONE),
        };
        Some(lines.into_iter().map(|(p, a)| (p, sign * home(a, rate))).collect())
    }
}

/// `lines` followed by the tax: what `total` holds beyond them.
fn with_tax(mut lines: Vec<(Place, Decimal)>, total: Decimal) -> Vec<(Place, Decimal)> {
    let tax = total - lines.iter().map(|(_, a)| *a).sum::<Decimal>();
    if !tax.is_zero() {
        lines.push((Place::Sheet, tax));
    }
    lines
}

/// `fraction` of each leg, rounded to the cent, the largest leg (the first
/// of equals) taking what rounding left so that they sum to the rounded
/// fraction of the total.
fn share(legs: &Legs, fraction: Decimal) -> Vec<Decimal> {
    let mut out: Vec<Decimal> = legs.iter().map(|(_, a)| cents(*a * fraction)).collect();
    let mut largest: Option<usize> = None;
    for (i, (_, a)) in legs.iter().enumerate() {
        if largest.is_none_or(|l| a.abs() > legs[l].1.abs()) {
            largest = Some(i);
        }
    }
    if let Some(l) = largest {
        let target = cents(legs.iter().map(|(_, a)| *a).sum::<Decimal>() * fraction);
        let others: Decimal = out.iter().enumerate().filter(|(i, _)| *i != l).map(|(_, a)| *a).sum();
        out[l] = target - others;
    }
    out
}

/// +1 for a link that pays a document, -1 for one that uses a credit,
/// `None` for links the cash basis does not recognise.
fn link_sign(kind: EntityKind) -> Option<Decimal> {
    match kind {
        EntityKind::Invoice | EntityKind::Bill => Some(Decimal::ONE),
        EntityKind::CreditMemo | EntityKind::VendorCredit => Some(-Decimal::ONE),
        _ => None,
    }
}

/// An id's order: numeric ids by value, before other ids by text.
fn id_order(id: &ExternalId) -> (u64, &str) {
    (id.as_str().parse().unwrap_or(u64::MAX), id.as_str())
}

/// What a payment link recognises: the legs it brings and whether the
/// document was assumed.
#[derive(Debug, Default, Clone)]
struct Recognised {
    legs: Legs,
    assumed: bool,
}

/// The legs each payment and bill payment link recognises, keyed by
/// (payer kind, index of the payer in the snapshot, index of the link).
fn recognition(s: &ClientSnapshot, chart: &Chart<'_>) -> HashMap<(EntityKind, usize, usize), Recognised> {
    type Application<'s> = (NaiveDate, u8, (u64, &'s str), usize, EntityKind, usize, Decimal);
    let mut by_document: HashMap<(EntityKind, &ExternalId), Vec<Application<'_>>> = HashMap::new();
    let payers = s
        .payments
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.meta.deleted)
        .map(|(i, p)| (EntityKind::Payment, 0, i, &p.txn, &p.meta.external_id, &p.applied_to))
        .chain(
            s.bill_payments
                .iter()
                .enumerate()
                .filter(|(_, p)| !p.meta.deleted)
                .map(|(i, p)| {
                    (
                        EntityKind::BillPayment,
                        1,
                        i,
                        &p.txn,
                        &p.meta.external_id,
                        &p.applied_to,
                    )
                }),
        );
    for (payer, order, index, txn, id, links) in payers {
        for (n, link) in links.iter().enumerate() {
            if link_sign(link.kind).is_none() {
                continue;
            }
            let amount = link.amount.map(|m| m.amount()).unwrap_or_default();
            by_document.entry((link.kind, &link.id)).or_default().push((
                txn.txn_date,
                order,
                id_order(id),
                n,
                payer,
                index,
                amount,
            ));
        }
    }
    let mut documents: HashMap<(EntityKind, &ExternalId), &TxnCommon> = HashMap::new();
    let live = |deleted: bool| !deleted;
    documents.extend(
        s.invoices
            .iter()
            .filter(|d| live(d.meta.deleted))
            .map(|d| ((EntityKind::Invoice, &d.meta.external_id), &d.txn)),
    );
    documents.extend(
        s.credit_memos
            .iter()
            .filter(|d| live(d.meta.deleted))
            .map(|d| ((EntityKind::CreditMemo, &d.meta.external_id), &d.txn)),
    );
    documents.extend(
        s.bills
            .iter()
            .filter(|d| live(d.meta.deleted))
            .map(|d| ((EntityKind::Bill, &d.meta.external_id), &d.txn)),
    );
    documents.extend(
        s.vendor_credits
            .iter()
            .filter(|d| live(d.meta.deleted))
            .map(|d| ((EntityKind::VendorCredit, &d.meta.external_id), &d.txn)),
    );
    let mut out = HashMap::new();
    for ((kind, id), mut applications) in by_document {
        applications.sort_by(|a, b| (a.0, a.1, a.2, a.3).cmp(&(b.0, b.1, b.2, b.3)));
        let Some(doc) = documents.get(&(kind, id)) else {
            // Not in the snapshot: recognised whole, as a line of its side.
            for (_, _, _, n, payer, index, amount) in applications {
                let place = if matches!(kind, EntityKind::Invoice | EntityKind::CreditMemo) {
                    Place::Income
                } else {
                    Place::Expense
                };
                // Debit positive: a paid invoice credits income, a paid
                // bill debits expenses, credits the reverse.
                let sign = link_sign(kind).unwrap_or(Decimal::ONE)
                    * if place == Place::Income {
                        -Decimal::ONE
                    } else {
                        Decimal::ONE
                    };
                let rate = match payer {
                    EntityKind::Payment => s.payments.get(index).and_then(|p| chart.rate(&p.txn)),
                    _ => s.bill_payments.get(index).and_then(|p| chart.rate(&p.txn)),
                };
                let legs = rate.map(|r| vec![(place, sign * home(amount, r))]).unwrap_or_default();
                out.insert((payer, index, n), Recognised { legs, assumed: true });
            }
            continue;
        };
        let total = doc.total.amount();
        let Some(legs) = chart.document_legs(kind, doc).filter(|_| !total.is_zero()) else {
            continue;
        };
        let mut applied = Decimal::ZERO;
        let mut before = vec![Decimal::ZERO; legs.len()];
        for (_, _, _, n, payer, index, amount) in applications {
            applied += amount;
            let now = share(&legs, applied / total);
            let step = legs
                .iter()
                .zip(now.iter().zip(&before))
                .map(|((place, _), (now, before))| (*place, *now - *before))
                .collect();
            before = now;
            out.insert(
                (payer, index, n),
                Recognised {
                    legs: step,
                    assumed: false,
                },
            );
        }
    }
    out
}

/// What every transaction of `s` does to the profit and loss, by date.
fn effects(s: &ClientSnapshot, rates: &HomeRates<'_>) -> Vec<Effect> {
    let chart = Chart {
        types: AccountTypes::of(s),
        items: s
            .items
            .iter()
            .filter(|i| !i.meta.deleted)
            .map(|i| (&i.meta.external_id, i))
            .collect(),
        rates,
    };
    let recognised = recognition(s, &chart);
    let mut out = Vec::new();
    let mut push = |date: NaiveDate, legs: Legs, assumed: u32| {
        let (mut income, mut expenses, mut all) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
        for (place, amount) in &legs {
            match place {
                Place::Income => income -= amount,
                Place::Expense => expenses += amount,
                Place::Sheet => {}
            }
            all += amount;
        }
        // What the legs leave unbalanced posts to exchange gain or loss:
        // legs summing above zero leave a credit there, a gain.
        if !(income.is_zero() && expenses.is_zero() && all.is_zero()) || assumed > 0 {
            out.push(Effect {
                date,
                income,
                expenses,
                exchange: all,
                assumed,
            });
        }
    };
    let sheet = |r: &Option<Reference>| chart.place(r.as_ref(), Place::Sheet);

    // Payments and bill payments: the cash, what stays on A/R (A/P), and
    // the legs their links recognise.
    for (i, p) in s.payments.iter().enumerate().filter(|(_, p)| !p.meta.deleted) {
        let Some(rate) = chart.rate(&p.txn) else { continue };
        let (legs, assumed) = payer_legs(EntityKind::Payment, i, &p.txn, &p.applied_to, &recognised);
        let total = p.txn.total.amount();
        let mut all = vec![
            (sheet(&p.deposit_to), home(total, rate)),
            (Place::Sheet, -home(legs.1, rate)),
        ];
        all.extend(legs.0);
        push(p.txn.txn_date, all, assumed);
    }
    for (i, p) in s.bill_payments.iter().enumerate().filter(|(_, p)| !p.meta.deleted) {
        let Some(rate) = chart.rate(&p.txn) else { continue };
        let (legs, assumed) = payer_legs(EntityKind::BillPayment, i, &p.txn, &p.applied_to, &recognised);
        let total = p.txn.total.amount();
        let mut all = vec![
            (sheet(&p.paid_from), -home(total, rate)),
            (Place::Sheet, home(legs.1, rate)),
        ];
        all.extend(legs.0);
        push(p.txn.txn_date, all, assumed);
    }
    // Cash sales and refunds: cash against income lines and tax.
    for r in s.sales_receipts.iter().filter(|r| !r.meta.deleted) {
        let Some(rate) = chart.rate(&r.txn) else { continue };
        let mut legs = vec![(sheet(&r.deposit_to), home(r.txn.total.amount(), rate))];
        legs.extend(chart.sales_lines(&r.txn).into_iter().map(|(p, a)| (p, -home(a, rate))));
        push(r.txn.txn_date, legs, 0);
    }
    for r in s.refund_receipts.iter().filter(|r| !r.meta.deleted) {
        let Some(rate) = chart.rate(&r.txn) else { continue };
        let mut legs = vec![(sheet(&r.paid_from), -home(r.txn.total.amount(), rate))];
        legs.extend(chart.sales_lines(&r.txn).into_iter().map(|(p, a)| (p, home(a, rate))));
        push(r.txn.txn_date, legs, 0);
    }
    // Purchases: expense lines against the bank or card; a card refund
    // reverses both.
    for p in s.purchases.iter().filter(|p| !p.meta.deleted) {
        let Some(rate) = chart.rate(&p.txn) else { continue };
        let sign = if p.credit { -Decimal::ONE } else { Decimal::ONE };
        let mut legs = vec![(sheet(&p.paid_from), -sign * home(p.txn.total.amount(), rate))];
        legs.extend(
            chart
                .expense_lines(&p.txn)
                .into_iter()
                .map(|(pl, a)| (pl, sign * home(a, rate))),
        );
        push(p.txn.txn_date, legs, 0);
    }
    for d in s.deposits.iter().filter(|d| !d.meta.deleted) {
        let Some(rate) = chart.rate(&d.txn) else { continue };
        let mut legs = Legs::new();
        let mut lines = Decimal::ZERO;
        for line in &d.txn.lines {
            let amount = home(line.amount.amount(), rate);
            lines += amount;
            // A line coded to an account (QBO `DepositLineDetail`; records
            // mirrored before the line type was read: a line with an
            // account) credits it; a line carrying a payment or cash sale
            // empties the account that held it (Undeposited Funds).
            let coded = line.detail == Some(LineDetail::Deposit) || (line.detail.is_none() && line.account.is_some());
            let place = if coded {
                chart.place(line.account.as_ref(), Place::Income)
            } else {
                Place::Sheet
            };
            legs.push((place, -amount));
        }
        let back = d.cash_back.map(|m| home(m.amount(), rate)).unwrap_or_default();
        legs.push((Place::Sheet, back));
        legs.push((sheet(&d.deposit_to), lines - back));
        push(d.txn.txn_date, legs, 0);
    }
    for je in s.journal_entries.iter().filter(|je| !je.meta.deleted) {
        let Some(rate) = chart.rate(&je.txn) else { continue };
        let legs = je
            .txn
            .lines
            .iter()
            .filter_map(|line| {
                let amount = home(line.amount.amount(), rate);
                let signed = match line.posting? {
                    rowcol_core::entity::Posting::Debit => amount,
                    rowcol_core::entity::Posting::Credit => -amount,
                };
                Some((sheet(&line.account), signed))
            })
            .collect();
        push(je.txn.txn_date, legs, 0);
    }
    for t in s.transfers.iter().filter(|t| !t.meta.deleted) {
        let Some(rate) = chart.rate(&t.txn) else { continue };
        let amount = home(t.txn.total.amount(), rate);
        push(
            t.txn.txn_date,
            vec![(sheet(&t.to), amount), (sheet(&t.from), -amount)],
            0,
        );
    }
    for c in s.card_payments.iter().filter(|c| !c.meta.deleted) {
        let amount = c.txn.total.amount();
        push(
            c.txn.txn_date,
            vec![(sheet(&c.card_account), amount), (sheet(&c.bank_account), -amount)],
            0,
        );
    }
    for t in s.tax_payments.iter().filter(|t| !t.meta.deleted) {
        let amount = if t.refund {
            -t.txn.total.amount()
        } else {
            t.txn.total.amount()
        };
        push(
            t.txn.txn_date,
            vec![(Place::Sheet, amount), (sheet(&t.paid_from), -amount)],
            0,
        );
    }
    out
}

/// The legs a payer's links recognise, what stays on its control account
/// (in its currency), and how many links were assumed.
fn payer_legs(
    payer: EntityKind,
    index: usize,
    txn: &TxnCommon,
    links: &[TxnLink],
    recognised: &HashMap<(EntityKind, usize, usize), Recognised>,
) -> ((Legs, Decimal), u32) {
    let mut legs = Legs::new();
    let mut on_control = txn.total.amount();
    let mut assumed = 0;
    for (n, link) in links.iter().enumerate() {
        let (Some(sign), Some(r)) = (link_sign(link.kind), recognised.get(&(payer, index, n))) else {
            continue;
        };
        on_control -= sign * link.amount.map(|m| m.amount()).unwrap_or_default();
        legs.extend(r.legs.iter().copied());
        assumed += u32::from(r.assumed);
    }
    ((legs, on_control), assumed)
}

#[cfg(test)]
mod tests;

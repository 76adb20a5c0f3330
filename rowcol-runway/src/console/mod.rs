//! The decision console: which open bills to pay now, which can wait, which
//! are at risk, the suggested payment set for the coming week, and the
//! invoices to chase.
//!
//! A bill needs a decision this week when its send-by date (due date less
//! the payment method's lead time) falls in the week, it is overdue, or an
//! early-payment discount worth more than the client's cost of money must be
//! sent this week. Those bills are taken in priority order (vendor tier,
//! overdue first, discount, send-by date, larger first, id) into the payment
//! set while the projected balance stays above the guardrail in every
//! forecast week ([`payment_set`]); a bill that needs paying but does not fit
//! is *at risk* (a deferrable vendor's simply *can wait*). Bills with open
//! hygiene issues are held back until fixed.

pub mod payment_set;
pub mod terms;
mod tiers;

use std::borrow::Cow;

use chrono::NaiveDate;
use rowcol_core::entity::{Bill, PaymentMethod};
use rowcol_core::{ClientId, ClientSnapshot, EntityKind, Money, VendorTier};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::calc::forecast::{Forecast, bill_pay_date, week_index};
use crate::calc::habits::PaymentHabits;
use crate::calc::runway::round_ratio;
use crate::calc::{CashOutlook, outlook_with};
use crate::home::HomeRates;
use crate::hygiene::{EntityRef, HygieneTray};
use crate::perf::id_table::IdTable;
use crate::perf::index::SnapshotIndex;
use crate::perf::sign::positive;
use crate::period::{days_between, shift};
use crate::services::bills::flagged_bills;
use crate::services::invoices::Chase;
use crate::services::{BillService, BusinessService, ChaseItem, InvoiceService};
use payment_set::{Candidate, PaymentSet};
use terms::{EarlyDiscount, TermRates, UsualMethods, lead_days};

/// Where a bill lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// In this week's payment set.
    PayNow,
    /// Not needed this week (or a deferrable vendor).
    CanWait,
    /// Needs paying this week but does not fit above the guardrail.
    AtRisk,
}

/// One open bill with the decision and its reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillDecision {
    /// The bill.
    pub bill: EntityRef,
    /// The vendor's display name, when known.
    pub vendor: Option<String>,
    /// The vendor's tier.
    pub tier: VendorTier,
    /// Open balance in the home currency.
    pub amount: Money,
    /// What paying it takes from the bank: the open balance less an
    /// early-payment discount taken now and open credits from the same
    /// vendor applied to it, home currency.
    pub pay_amount: Money,
    /// Due date.
    pub due_date: NaiveDate,
    /// How the vendor is usually paid.
    pub method: PaymentMethod,
    /// Days that method takes to arrive.
    pub lead_days: i64,
    /// Last day to send the payment for it to arrive by the due date.
    pub send_by: NaiveDate,
    /// Days past due (0 when not due yet).
    pub days_overdue: i64,
    /// True when the payment will arrive late unless sent now (or already is late).
    pub late_fee_risk: bool,
    /// An early-payment discount on its terms, while it can still be earned
    /// (its deadline less the lead time is not past).
    pub discount: Option<EarlyDiscount>,
    /// The decision.
    pub decision: Decision,
    /// Why, in plain words, most important first.
    pub reasons: Vec<String>,
    /// Change in runway months if paid now (`None` when not burning), 2 decimals.
    pub runway_effect_months: Option<Decimal>,
}

/// The decision console of one client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionConsole {
    /// The client.
    pub client: ClientId,
    /// The date decided as of.
    pub as_of: NaiveDate,
    /// The figures decisions rest on.
    pub outlook: CashOutlook,
    /// In this week's payment set, in priority order.
    pub pay_now: Vec<BillDecision>,
    /// Needing payment this week but not fitting, in priority order.
    pub at_risk: Vec<BillDecision>,
    /// Not needed this week, by send-by date.
    pub can_wait: Vec<BillDecision>,
    /// Open bills with hygiene issues, not decided until fixed.
    pub held_for_hygiene: Vec<EntityRef>,
    /// The suggested payment set.
    pub payment_set: PaymentSet,
    /// Overdue invoices, best to chase first.
    pub to_chase: Vec<ChaseItem>,
}

/// Builds the console for `s` as it stood at the end of `as_of` (see
/// [`crate::history`]), holding back the bills `tray` has issues with.
pub fn console(s: &ClientSnapshot, as_of: NaiveDate, tray: &HygieneTray) -> DecisionConsole {
    let s = &*crate::history::as_it_stood(s, as_of);
    let rates = HomeRates::from_snapshot(s);
    let ix = SnapshotIndex::new(s);
    let habits = PaymentHabits::learn(s, &ix);
    let outlook = outlook_with(s, as_of, &rates, &habits);
    let flagged = flagged_bills(tray);
    let figures = Figures {
        cash: outlook.cash.net,
        net_burn: outlook.burn.net_monthly.amount(),
        forecast: &outlook.forecast,
    };
    let decisions = decide(s, as_of, &flagged, figures, (&rates, &ix, &habits));
    let write = |drafts: Vec<Draft<'_>>| -> Vec<BillDecision> {
        drafts
            .into_iter()
            .map(|d| d.written(&ix, &rates, decisions.net_burn))
            .collect()
    };
    let mut payment_set = decisions.payment_set;
    payment_set.bills = decisions
        .pay_now
        .iter()
        .map(|d| EntityRef::new(EntityKind::Bill, &d.bill.meta))
        .collect();
    let mut can_wait = decisions.can_wait;
    can_wait.sort_by(|a, b| (a.send_by, &a.bill.meta.external_id).cmp(&(b.send_by, &b.bill.meta.external_id)));
    DecisionConsole {
        client: s.client.clone(),
        as_of,
        pay_now: write(decisions.pay_now),
        at_risk: write(decisions.at_risk),
        can_wait: write(can_wait),
        held_for_hygiene: decisions
            .held
            .iter()
            .map(|b| EntityRef::new(EntityKind::Bill, &b.meta))
            .collect(),
        payment_set,
        to_chase: decisions.to_chase.iter().map(|c| c.item(&ix, &rates)).collect(),
        outlook,
    }
}

/// A bill being decided, borrowed from the snapshot: its [`BillDecision`]
/// (ids, vendor name, reasons) is written only when shown.
pub(crate) struct Draft<'a> {
    bill: &'a Bill,
    tier: VendorTier,
    /// Open balance in home units.
    pub(crate) amount: Decimal,
    /// Cash it takes if paid now, home units: `amount` less the discount
    /// taken now and the vendor credits applied.
    pub(crate) pay_amount: Decimal,
    /// The early-payment discount taken if paid now, home units.
    discount_taken: Decimal,
    /// Open vendor credits applied to it, home units.
    credit_applied: Decimal,
    due: NaiveDate,
    method: PaymentMethod,
    lead: i64,
    send_by: NaiveDate,
    days_overdue: i64,
    late_fee_risk: bool,
    discount: Option<EarlyDiscount>,
    decision: Decision,
    urgent: bool,
    discount_now: bool,
    /// The last reason, set when the decision is taken.
    closing: Cow<'static, str>,
}

fn draft<'a>(
    bill: &'a Bill,
    as_of: NaiveDate,
    ctx: (
        &SnapshotIndex<'a>,
        &UsualMethods<'a>,
        &TermRates<'a>,
        &HomeRates,
        (BusinessService<'a>, &IdTable<'a, VendorTier>),
    ),
) -> Option<Draft<'a>> {
    let (ix, methods, term_rates, rates, (business, tiers)) = ctx;
    let due = bill.due_date?;
    let amount = rates.on_txn(&bill.txn, bill.balance)?;
    let vendor_id = bill.vendor.as_ref().map(|v| &v.id);
    let tier = vendor_id.and_then(|v| tiers.get(v)).copied().unwrap_or_default();
    let method = methods.of(vendor_id);
    let lead = lead_days(method);
    let send_by = shift(due, -lead);
    let week_end = shift(as_of, 6);
    // Only a discount that can still be earned comes back: one sent today
    // by the usual method arrives by its deadline.
    let discount = terms::discount(bill, (ix, term_rates), business.cost_of_money(), (as_of, lead));
    let discount_send_by = discount.as_ref().map(|d| shift(d.deadline, -lead));
    let discount_now = discount.as_ref().is_some_and(|d| d.worth_taking)
        && discount_send_by.is_some_and(|s| as_of <= s && s <= week_end);
    let discount_taken = match &discount {
        Some(d) if discount_now => rates.on_txn(&bill.txn, d.saving).unwrap_or_default(),
        _ => Decimal::ZERO,
    };
    Some(Draft {
        bill,
        tier,
        amount,
        pay_amount: amount - discount_taken,
        discount_taken,
        credit_applied: Decimal::ZERO,
        due,
        method,
        lead,
        send_by,
        days_overdue: days_between(due, as_of).max(0),
        late_fee_risk: send_by < as_of,
        discount,
        decision: Decision::CanWait,
        urgent: send_by <= week_end || discount_now,
        discount_now,
        closing: Cow::Borrowed(NOT_NEEDED_THIS_WEEK),
    })
}

const NOT_NEEDED_THIS_WEEK: &str = "not needed this week";

impl Draft<'_> {
    /// The decision written out: the bill and vendor named, the effect on
    /// runway at `net_burn`, and the reasons (tier, timing, discount, then
    /// the closing reason).
    pub(crate) fn written(self, ix: &SnapshotIndex<'_>, rates: &HomeRates, net_burn: Decimal) -> BillDecision {
        let (due, method, lead) = (self.due, self.method, self.lead);
        let mut reasons = Vec::with_capacity(4);
        match self.tier {
            VendorTier::Taxes | VendorTier::Payroll | VendorTier::SecuredDebt => {
                reasons.push(format!("{:?} vendor: pay on time, always", self.tier))
            }
            VendorTier::KeepTheDoorsOpen => {
                reasons.push("keeps the doors open: the business stops without it".to_owned())
            }
            VendorTier::Deferrable => reasons.push("deferrable vendor: can wait when cash is short".to_owned()),
            VendorTier::Standard => {}
        }
        if self.days_overdue > 0 {
            reasons.push(format!(
                "{} days overdue: late fees and the relationship at risk",
                self.days_overdue
            ));
        } else if self.late_fee_risk {
            reasons.push(format!(
                "due {due}; {method:?} takes {lead} days, so it arrives late unless sent today"
            ));
        } else {
            reasons.push(format!(
                "due {due}; {method:?} takes {lead} days, so send by {}",
                self.send_by
            ));
        }
        if let Some(x) = &self.discount {
            let verdict = if x.worth_taking {
                "worth taking"
            } else {
                "not worth taking"
            };
            reasons.push(format!(
                "{}% off if paid by {} ({} saved): {}% a year against a cost of money of {}%: {verdict}",
                x.percent,
                x.deadline,
                x.saving.round_to_minor_units(),
                round_ratio(x.annualised_rate * Decimal::ONE_HUNDRED),
                round_ratio(x.cost_of_money * Decimal::ONE_HUNDRED)
            ));
        }
        let mut less = Vec::with_capacity(2);
        if !self.discount_taken.is_zero() {
            less.push(format!(
                "{} discount taken",
                rates.money(self.discount_taken).round_to_minor_units()
            ));
        }
        if !self.credit_applied.is_zero() {
            less.push(format!(
                "{} of open vendor credits",
                rates.money(self.credit_applied).round_to_minor_units()
            ));
        }
        if !less.is_empty() {
            reasons.push(format!(
                "pays {}: the balance of {} less {}",
                rates.money(self.pay_amount).round_to_minor_units(),
                rates.money(self.amount).round_to_minor_units(),
                less.join(" and ")
            ));
        }
        reasons.push(self.closing.into_owned());
        BillDecision {
            bill: EntityRef::new(EntityKind::Bill, &self.bill.meta),
            vendor: self
                .bill
                .vendor
                .as_ref()
                .and_then(|v| ix.vendors.get(&v.id))
                .map(|v| v.party.display_name.clone()),
            tier: self.tier,
            amount: rates.money(self.amount),
            pay_amount: rates.money(self.pay_amount),
            due_date: due,
            method,
            lead_days: lead,
            send_by: self.send_by,
            days_overdue: self.days_overdue,
            late_fee_risk: self.late_fee_risk,
            discount: self.discount,
            decision: self.decision,
            reasons,
            runway_effect_months: (net_burn > Decimal::ZERO).then(|| round_ratio(-(self.amount / net_burn))),
        }
    }
}

/// The figures decisions rest on, from the client's outlook.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Figures<'o> {
    /// Net cash (banks less cards owed), home currency.
    pub(crate) cash: Money,
    /// Monthly net burn, home units.
    pub(crate) net_burn: Decimal,
    /// The 13-week forecast.
    pub(crate) forecast: &'o Forecast,
}

/// The console's decisions with bills and invoices still borrowed and
/// nothing written out: the console writes every one, the digest counts
/// them and writes only the few it shows.
pub(crate) struct Decisions<'a> {
    /// In this week's payment set, in priority order.
    pub(crate) pay_now: Vec<Draft<'a>>,
    /// Needing payment this week but not fitting, in priority order.
    pub(crate) at_risk: Vec<Draft<'a>>,
    /// Not needed this week (in no particular order).
    pub(crate) can_wait: Vec<Draft<'a>>,
    /// Open bills with hygiene issues, by due date and id.
    pub(crate) held: Vec<&'a Bill>,
    /// The suggested payment set, its bills not named yet (they are
    /// `pay_now`).
    pub(crate) payment_set: PaymentSet,
    /// Overdue invoices, best to chase first.
    pub(crate) to_chase: Vec<Chase<'a>>,
    /// Monthly net burn, home units (for the runway effect of each bill).
    pub(crate) net_burn: Decimal,
}

/// Decides every open bill of `s`, holding back the `flagged` ones (named
/// by open hygiene findings of warning or error severity), and ranks the
/// invoices to chase.
pub(crate) fn decide<'a>(
    s: &'a ClientSnapshot,
    as_of: NaiveDate,
    flagged: &IdTable<'_, ()>,
    figures: Figures<'_>,
    (rates, ix, habits): (&HomeRates, &SnapshotIndex<'a>, &PaymentHabits<'a>),
) -> Decisions<'a> {
    let bills = BillService::new(s);
    let methods = UsualMethods::learn(s);
    let term_rates = TermRates::new(ix);
    let business = BusinessService::new(s);
    // The client's vendor tiers as a table, looked up once per bill.
    let tiers = tiers::vendor_tiers(s, ix);
    let ready = bills.ready_for_decision(flagged);
    // Lists below are sized up front: one allocation each, not a series of
    // doublings.
    let mut drafts: Vec<Draft<'_>> = Vec::with_capacity(ready.len());
    drafts.extend(
        ready
            .into_iter()
            .filter_map(|b| draft(b, as_of, (ix, &methods, &term_rates, rates, (business, &tiers)))),
    );
    drafts.sort_by(|a, b| {
        let key = |x: &Draft<'_>| (x.tier, x.days_overdue == 0, !x.discount_now, x.send_by);
        key(a)
            .cmp(&key(b))
            .then_with(|| b.amount.cmp(&a.amount))
            .then_with(|| a.bill.meta.external_id.cmp(&b.bill.meta.external_id))
    });
    let n = drafts.len();
    let (mut urgent, mut later) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for d in drafts {
        if d.urgent {
            urgent.push(d);
        } else {
            later.push(d);
        }
    }
    apply_vendor_credits(s, rates, &mut urgent);
    let candidates: Vec<Candidate> = urgent
        .iter()
        .map(|d| Candidate {
            amount: d.pay_amount,
            in_forecast: d.amount,
            week: week_index(as_of, bill_pay_date(d.bill)),
            must_pay: tiers::non_discretionary(d.tier),
        })
        .collect();
    let selection = payment_set::choose(&candidates, figures.forecast, figures.cash, figures.net_burn);
    let floor = selection.set.floor;
    let lowest = selection.set.lowest_week.zip(selection.set.lowest_balance);
    let (mut pay_now, mut at_risk) = (Vec::with_capacity(urgent.len()), Vec::with_capacity(urgent.len()));
    let mut can_wait = Vec::with_capacity(n);
    for (mut d, chosen) in urgent.into_iter().zip(selection.chosen) {
        let (week, low) = lowest.map_or((0, Decimal::ZERO), |(w, b)| (w, b.amount()));
        if chosen {
            d.decision = Decision::PayNow;
            d.closing = Cow::Owned(if low < floor.amount() {
                format!(
                    "paid whatever the guardrail ({:?}); with this week's set the lowest forecast week is week \
                     {week} at {}, under the floor of {}",
                    d.tier,
                    rates.money(low).round_to_minor_units(),
                    floor.round_to_minor_units()
                )
            } else {
                format!(
                    "in this week's set: the lowest forecast week is then week {week} at {}, at or above the floor \
                     of {}",
                    rates.money(low).round_to_minor_units(),
                    floor.round_to_minor_units()
                )
            });
            pay_now.push(d);
        } else {
            d.closing = Cow::Owned(format!(
                "paying it now too would take week {week} to {}, under the floor of {}",
                rates.money(low - d.pay_amount).round_to_minor_units(),
                floor.round_to_minor_units()
            ));
            if d.tier == VendorTier::Deferrable {
                can_wait.push(d);
            } else {
                d.decision = Decision::AtRisk;
                at_risk.push(d);
            }
        }
    }
    can_wait.extend(later);
    Decisions {
        pay_now,
        at_risk,
        can_wait,
        held: bills.with_issues(flagged),
        payment_set: selection.set,
        to_chase: InvoiceService::new(s).ranked_with(as_of, habits, rates),
        net_burn: figures.net_burn,
    }
}

/// Applies each vendor's open credits (vendor credits with a balance) to
/// its bills in `drafts`, in their order, lowering what each takes from the
/// bank.
fn apply_vendor_credits(s: &ClientSnapshot, rates: &HomeRates, drafts: &mut [Draft<'_>]) {
    let mut left: IdTable<'_, Decimal> = IdTable::with_capacity(s.vendor_credits.len());
    for c in s
        .vendor_credits
        .iter()
        .filter(|c| !c.meta.deleted && positive(c.balance))
    {
        if let (Some(v), Some(amount)) = (c.vendor.as_ref(), rates.on_txn(&c.txn, c.balance)) {
            *left.get_or_insert_with(&v.id, || Decimal::ZERO) += amount;
        }
    }
    if left.len() == 0 {
        return;
    }
    for d in drafts.iter_mut() {
        let Some(credit) = d.bill.vendor.as_ref().and_then(|v| left.get_mut(&v.id)) else {
            continue;
        };
        let used = (*credit).min(d.pay_amount).max(Decimal::ZERO);
        *credit -= used;
        d.pay_amount -= used;
        d.credit_applied += used;
    }
}

#[cfg(test)]
mod tests;

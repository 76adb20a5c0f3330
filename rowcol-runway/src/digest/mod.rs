//! The portfolio digest: per client runway, cash, guardrail status and the
//! top items of the hygiene tray and the decision console, sorted by
//! urgency, with portfolio totals.
//!
//! Each client's entry is what [`compose`] makes of that client's
//! [`HygieneTray`] and [`DecisionConsole`]; nothing is recomputed beside
//! them. [`client_digest`] builds only the parts the line shows (no aging
//! or DSO/DPO; decisions counted, and only the top ones written out), and
//! `tests/digest.rs` checks that it equals [`compose`]. Every figure
//! carries the freshness of the kinds of data it rests on ([`freshness`]);
//! figures on stale data are flagged. Clients are processed in parallel.
//!
//! Clients with a bank account linked to the books also carry their bank
//! check in brief ([`BankCheckSummary`]: the unexplained difference and
//! lines to review); it is computed only for them, so a client without a
//! bank feed costs nothing more. An unexplained difference moves urgency
//! (see [`bank_urgency`]).

pub mod freshness;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use rayon::prelude::*;
use rowcol_core::{ClientId, ClientSnapshot, Currency, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::bank_check::{BankCheckSummary, check_linked};
use crate::bank_match::MatchSettings;
use crate::calc::guardrail::GuardrailStatus;
use crate::calc::habits::PaymentHabits;
use crate::calc::runway::{Runway, RunwayState};
use crate::console::{BillDecision, DecisionConsole, Draft, Figures, decide};
use crate::home::HomeRates;
use crate::hygiene::{Finding, HygieneTray, SeverityCounts, tray_with};
use crate::perf::index::SnapshotIndex;
use crate::services::ChaseItem;
use freshness::{BOOKS_KINDS, CASH_KINDS, Freshness, GUARDRAIL_KINDS, RUNWAY_KINDS, Stated};

/// Top items kept per list.
pub const TOP_ITEMS: usize = 3;

/// How soon a client needs the advisor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Under the guardrail now, cash negative, or under 3 months of runway.
    Critical,
    /// Under the guardrail within the forecast, bills at risk, under 6
    /// months of runway, or bank and books apart by more than 10 % of cash
    /// unexplained ([`bank_urgency`]).
    High,
    /// Hygiene errors, runway unknown, stale data, or bank and books apart
    /// by more than 1 % of cash unexplained ([`bank_urgency`]).
    Watch,
    /// Nothing pressing.
    Calm,
}

/// Where the guardrail stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailSummary {
    /// The buffer, home currency (`None`: cannot be sized).
    pub amount: Option<Money>,
    /// How it was sized.
    pub basis: String,
    /// Cash under it now.
    pub breached_now: bool,
    /// First forecast week under it.
    pub first_week_below: Option<u32>,
}

/// The hygiene tray in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraySummary {
    /// Open findings per severity.
    pub counts: SeverityCounts,
    /// The most severe findings, in tray order.
    pub top: Vec<Finding>,
}

/// The decision console in brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsoleSummary {
    /// Bills in this week's payment set.
    pub pay_now: u32,
    /// Their total.
    pub pay_now_total: Money,
    /// Bills at risk.
    pub at_risk: u32,
    /// Their total.
    pub at_risk_total: Money,
    /// Bills that can wait.
    pub can_wait: u32,
    /// Bills held for hygiene issues.
    pub held_for_hygiene: u32,
    /// Overdue invoices to chase.
    pub to_chase: u32,
    /// Top bills: at risk first, then pay now, in console order.
    pub top_bills: Vec<BillDecision>,
    /// Top invoices to chase.
    pub top_to_chase: Vec<ChaseItem>,
    /// The payment set's explanation.
    pub payment_set: String,
}

/// One client's line in the digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientDigest {
    /// The client.
    pub client: ClientId,
    /// Its name.
    pub name: String,
    /// Its home currency.
    pub home_currency: Currency,
    /// How soon it needs the advisor.
    pub urgency: Urgency,
    /// Why.
    pub urgency_reasons: Vec<String>,
    /// True when any figure below rests on stale data.
    pub stale: bool,
    /// Net cash: bank balances less card balances owed.
    pub cash: Stated<Money>,
    /// Runway, with its definition.
    pub runway: Stated<Runway>,
    /// The guardrail.
    pub guardrail: Stated<GuardrailSummary>,
    /// The hygiene tray in brief.
    pub hygiene: Stated<TraySummary>,
    /// The decision console in brief.
    pub decisions: Stated<ConsoleSummary>,
    /// The bank check in brief, on the freshness of the books (the mirror's
    /// health is per client, not per rail); `None` when no bank account is
    /// linked to the books.
    #[serde(default)]
    pub bank: Option<Stated<BankCheckSummary>>,
}

/// Sums over the portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioTotals {
    /// Clients in the digest.
    pub clients: u32,
    /// Clients per urgency, most urgent first.
    pub by_urgency: Vec<(Urgency, u32)>,
    /// Clients with any figure on stale data.
    pub stale_clients: u32,
    /// Clients under their guardrail now.
    pub guardrail_breached_now: u32,
    /// Open hygiene findings per severity.
    pub findings: SeverityCounts,
    /// Bills at risk.
    pub at_risk_bills: u32,
    /// Bills in payment sets.
    pub pay_now_bills: u32,
    /// Net cash per home currency (never added across currencies).
    pub cash: Vec<Money>,
    /// At-risk bill totals per home currency.
    pub at_risk: Vec<Money>,
}

/// The portfolio digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// The date figures are as of.
    pub as_of: NaiveDate,
    /// The time freshness is judged at.
    pub now: DateTime<Utc>,
    /// The freshness target, in seconds.
    pub freshness_target_seconds: u64,
    /// Clients, most urgent first (then shortest runway, then id).
    pub clients: Vec<ClientDigest>,
    /// Portfolio totals.
    pub totals: PortfolioTotals,
}

/// When and against what freshness target the digest is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigestClock {
    /// The date figures are as of.
    pub as_of: NaiveDate,
    /// The time freshness is judged at.
    pub now: DateTime<Utc>,
    /// Data older than this is stale.
    pub freshness_target: Duration,
}

/// The digest of a portfolio, clients in parallel.
pub fn digest(snapshots: &[ClientSnapshot], clock: DigestClock) -> Digest {
    let mut clients: Vec<ClientDigest> = snapshots.par_iter().map(|s| client_digest(s, clock)).collect();
    clients.sort_by(|a, b| {
        let months = |c: &ClientDigest| c.runway.value.months();
        a.urgency
            .cmp(&b.urgency)
            .then_with(|| match (months(a), months(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.client.cmp(&b.client))
    });
    Digest {
        as_of: clock.as_of,
        now: clock.now,
        freshness_target_seconds: clock.freshness_target.as_secs(),
        totals: totals(&clients),
        clients,
    }
}

/// One client's digest line: its tray and console decisions, composed as
/// [`compose`] composes them. Only what the line shows is written out: the
/// first findings, bills and invoices; the rest are counted.
pub fn client_digest(s: &ClientSnapshot, clock: DigestClock) -> ClientDigest {
    let s = &*crate::history::as_it_stood(s, clock.as_of);
    // Built once and shared by the tray and the console.
    let rates = HomeRates::from_snapshot(s);
    let ix = SnapshotIndex::new(s);
    let habits = PaymentHabits::learn(s, &ix);
    // Shared by the tray's banking rules and the line.
    let bank = check_linked(s, &MatchSettings::default(), clock.as_of);
    let (tray, flagged) = tray_with(s, clock.as_of, &ix, bank.as_ref(), TOP_ITEMS);
    let f = crate::calc::figures_with(s, clock.as_of, &rates, &habits);
    let figures = Figures {
        cash: f.cash.net,
        net_burn: f.burn.net_monthly.amount(),
        forecast: &f.forecast,
    };
    let d = decide(s, clock.as_of, &flagged, figures, (&rates, &ix, &habits));
    let home = s.home_currency;
    let total = |drafts: &[Draft<'_>]| Money::new(drafts.iter().map(|d| d.amount).sum(), home);
    let decisions = ConsoleSummary {
        pay_now: count(d.pay_now.len()),
        pay_now_total: total(&d.pay_now),
        at_risk: count(d.at_risk.len()),
        at_risk_total: total(&d.at_risk),
        can_wait: count(d.can_wait.len()),
        held_for_hygiene: count(d.held.len()),
        to_chase: count(d.to_chase.len()),
        top_bills: d
            .at_risk
            .into_iter()
            .chain(d.pay_now)
            .take(TOP_ITEMS)
            .map(|b| b.written(&ix, &rates, d.net_burn))
            .collect(),
        top_to_chase: d.to_chase.iter().take(TOP_ITEMS).map(|c| c.item(&ix, &rates)).collect(),
        payment_set: d.payment_set.explanation,
    };
    let hygiene = TraySummary {
        counts: tray.counts,
        top: tray.findings,
    };
    let bank = bank.map(|b| b.summary);
    line(s, hygiene, decisions, bank, (f.cash.net, f.runway, &f.guardrail), clock)
}

/// Composes a client's digest line from its tray and console outputs, and
/// its bank check as of the digest's day.
pub fn compose(s: &ClientSnapshot, tray: &HygieneTray, console: &DecisionConsole, clock: DigestClock) -> ClientDigest {
    let o = &console.outlook;
    let home = s.home_currency;
    let total = |bills: &[BillDecision]| Money::new(bills.iter().map(|b| b.amount.amount()).sum(), home);
    let decisions = ConsoleSummary {
        pay_now: count(console.pay_now.len()),
        pay_now_total: total(&console.pay_now),
        at_risk: count(console.at_risk.len()),
        at_risk_total: total(&console.at_risk),
        can_wait: count(console.can_wait.len()),
        held_for_hygiene: count(console.held_for_hygiene.len()),
        to_chase: count(console.to_chase.len()),
        top_bills: console
            .at_risk
            .iter()
            .chain(&console.pay_now)
            .take(TOP_ITEMS)
            .cloned()
            .collect(),
        top_to_chase: console.to_chase.iter().take(TOP_ITEMS).cloned().collect(),
        payment_set: console.payment_set.explanation.clone(),
    };
    let hygiene = TraySummary {
        counts: tray.counts,
        top: tray.findings.iter().take(TOP_ITEMS).cloned().collect(),
    };
    let stood = crate::history::as_it_stood(s, clock.as_of);
    let bank = check_linked(&stood, &MatchSettings::default(), clock.as_of).map(|b| b.summary);
    line(
        s,
        hygiene,
        decisions,
        bank,
        (o.cash.net, o.runway.clone(), &o.guardrail),
        clock,
    )
}

/// The line from its summaries and figures (cash, runway, guardrail), with
/// freshness, staleness and urgency.
fn line(
    s: &ClientSnapshot,
    hygiene: TraySummary,
    decisions: ConsoleSummary,
    bank: Option<BankCheckSummary>,
    (cash, runway, guardrail): (Money, Runway, &GuardrailStatus),
    clock: DigestClock,
) -> ClientDigest {
    let fresh = |kinds| freshness::freshness(&s.health, kinds, clock.now, clock.freshness_target);
    let books = fresh(BOOKS_KINDS);
    let mut line = ClientDigest {
        client: s.client.clone(),
        name: s.name.clone(),
        home_currency: s.home_currency,
        urgency: Urgency::Calm,
        urgency_reasons: Vec::new(),
        stale: false,
        cash: Stated {
            value: cash,
            freshness: fresh(CASH_KINDS),
        },
        runway: Stated {
            value: runway,
            freshness: fresh(RUNWAY_KINDS),
        },
        guardrail: Stated {
            value: GuardrailSummary {
                amount: guardrail.level.amount,
                basis: guardrail.level.basis.clone(),
                breached_now: guardrail.breached_now,
                first_week_below: guardrail.first_week_below,
            },
            freshness: fresh(GUARDRAIL_KINDS),
        },
        hygiene: Stated {
            value: hygiene,
            freshness: books.clone(),
        },
        bank: bank.map(|value| Stated {
            value,
            freshness: books.clone(),
        }),
        decisions: Stated {
            value: decisions,
            freshness: books,
        },
    };
    line.stale = [
        &line.cash.freshness,
        &line.runway.freshness,
        &line.guardrail.freshness,
        &line.hygiene.freshness,
        &line.decisions.freshness,
    ]
    .iter()
    .any(|f: &&Freshness| f.stale);
    (line.urgency, line.urgency_reasons) = urgency(&line);
    line
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The urgency of a composed line, with its reasons.
fn urgency(line: &ClientDigest) -> (Urgency, Vec<String>) {
    let mut reasons = Vec::new();
    let mut level = Urgency::Calm;
    let mut raise = |to: Urgency, why: String| {
        level = level.min(to);
        reasons.push(why);
    };
    let g = &line.guardrail.value;
    let months = line.runway.value.months();
    if g.breached_now {
        raise(Urgency::Critical, "cash is under the guardrail now".to_owned());
    }
    if line.cash.value.is_negative() {
        raise(
            Urgency::Critical,
            "net cash (banks less cards owed) is negative".to_owned(),
        );
    }
    match months {
        Some(m) if m < rust_decimal::Decimal::from(3) => raise(Urgency::Critical, format!("{m} months of runway")),
        Some(m) if m < rust_decimal::Decimal::from(6) => raise(Urgency::High, format!("{m} months of runway")),
        _ => {}
    }
    if let (false, Some(w)) = (g.breached_now, g.first_week_below) {
        raise(Urgency::High, format!("cash falls under the guardrail in week {w}"));
    }
    let d = &line.decisions.value;
    if d.at_risk > 0 {
        raise(
            Urgency::High,
            format!(
                "{} bills at risk ({})",
                d.at_risk,
                d.at_risk_total.round_to_minor_units()
            ),
        );
    }
    if let Some((to, why)) = line.bank.as_ref().and_then(|b| bank_urgency(&b.value, line.cash.value)) {
        raise(to, why);
    }
    if line.hygiene.value.counts.error > 0 {
        raise(
            Urgency::Watch,
            format!("{} hygiene errors", line.hygiene.value.counts.error),
        );
    }
    if let RunwayState::InsufficientData { reason } = &line.runway.value.state {
        raise(Urgency::Watch, format!("runway unknown: {reason}"));
    }
    if line.stale {
        raise(Urgency::Watch, "figures rest on stale data".to_owned());
    }
    (level, reasons)
}

/// Differences up to this many home-currency units are noise (rounding,
/// a fee in flight), never worth the advisor's attention by themselves.
const BANK_NOISE_UNITS: Decimal = Decimal::from_parts(50, 0, 0, false, 0);

/// The share of net cash above which an unexplained difference is watched (1 %).
const BANK_WATCH_SHARE: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// The share of net cash above which it is urgent (10 %): cash, runway and
/// the guardrail, read from the books, may be off by that much.
const BANK_HIGH_SHARE: Decimal = Decimal::from_parts(10, 0, 0, false, 2);

/// The urgency an unexplained bank difference calls for, with its reason.
///
/// Definition: with `u` the bank check's unexplained difference and `c` the
/// absolute net cash (both home currency), `u` above 50 units and above
/// 10 % of `c` is High; above 50 units and above 1 % of `c` is Watch;
/// anything less is noise and moves nothing. Lines to review and lines
/// the books miss move nothing here: the hygiene tray counts them.
pub fn bank_urgency(bank: &BankCheckSummary, cash: Money) -> Option<(Urgency, String)> {
    let u = bank.unexplained.amount();
    let c = cash.amount().abs();
    if u <= BANK_NOISE_UNITS {
        return None;
    }
    let why = || {
        format!(
            "bank and books differ by {} that no line explains",
            bank.unexplained.round_to_minor_units()
        )
    };
    if u > c * BANK_HIGH_SHARE {
        Some((Urgency::High, why()))
    } else if u > c * BANK_WATCH_SHARE {
        Some((Urgency::Watch, why()))
    } else {
        None
    }
}

fn totals(clients: &[ClientDigest]) -> PortfolioTotals {
    let mut by_urgency: BTreeMap<Urgency, u32> = BTreeMap::new();
    let mut cash: BTreeMap<Currency, rust_decimal::Decimal> = BTreeMap::new();
    let mut at_risk: BTreeMap<Currency, rust_decimal::Decimal> = BTreeMap::new();
    let mut findings = SeverityCounts::default();
    let (mut stale, mut breached, mut at_risk_bills, mut pay_now_bills) = (0, 0, 0, 0);
    for c in clients {
        *by_urgency.entry(c.urgency).or_default() += 1;
        *cash.entry(c.home_currency).or_default() += c.cash.value.amount();
        *at_risk.entry(c.home_currency).or_default() += c.decisions.value.at_risk_total.amount();
        let counts = c.hygiene.value.counts;
        findings.error += counts.error;
        findings.warning += counts.warning;
        findings.info += counts.info;
        stale += u32::from(c.stale);
        breached += u32::from(c.guardrail.value.breached_now);
        at_risk_bills += c.decisions.value.at_risk;
        pay_now_bills += c.decisions.value.pay_now;
    }
    let per_currency =
        |m: BTreeMap<Currency, rust_decimal::Decimal>| m.into_iter().map(|(c, a)| Money::new(a, c)).collect();
    PortfolioTotals {
        clients: count(clients.len()),
        by_urgency: by_urgency.into_iter().collect(),
        stale_clients: stale,
        guardrail_breached_now: breached,
        findings,
        at_risk_bills,
        pay_now_bills,
        cash: per_currency(cash),
        at_risk: per_currency(at_risk),
    }
}

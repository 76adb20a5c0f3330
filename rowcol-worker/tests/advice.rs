//! Issue 21's advice, point by point, on the look-alike's profiled
//! portfolio mirrored through the real QBO rail (ten typical realms: every
//! profile, the startup short of cash included). The look-alike's clock
//! starts on the 6th of a month, so last month's payroll provider and state
//! payroll tax bills (dated the month's last day, due on the 15th) stand
//! open and need sending this week.
//!
//! - a payment set never leaves a payroll, tax or secured-debt bill unpaid;
//! - what a bill takes from the bank is its balance less the discount
//!   earnable today less the vendor's open credits applied;
//! - no discount past its deadline less lead time is offered anywhere;
//! - scenarios move what they name by their stated rule.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod sim_portfolio;

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use rowcol_core::{ClientSnapshot, ExternalId, Guardrail, Money, VendorTier};
use rowcol_qbo_sim::{Profile, Size};
use rowcol_runway::calc::forecast::{Forecast, ForecastSource};
use rowcol_runway::console::BillDecision;
use rowcol_runway::scenario::{Adjustment, FinancingKind};
use rowcol_runway::{DecisionConsole, DigestClock, Scenario, compare, console, digest, tray};
use rust_decimal::Decimal;

/// The synced portfolio: each client's profile and snapshot, and the day.
struct Portfolio {
    today: NaiveDate,
    clients: Vec<(Profile, ClientSnapshot)>,
}

/// The most recent 6th of a month, 18:00 UTC (the 6th in every realm's
/// offset), not after now: the look-alike's books end there.
fn sixth_of_a_month() -> chrono::DateTime<Utc> {
    let now = Utc::now();
    let at_sixth = |day: NaiveDate| Utc.from_utc_datetime(&day.with_day(6).unwrap().and_hms_opt(18, 0, 0).unwrap());
    let this_month = at_sixth(now.date_naive());
    if this_month <= now {
        this_month
    } else {
        at_sixth(now.date_naive() - chrono::Months::new(1))
    }
}

/// Syncs the portfolio once for every test of this file.
fn portfolio() -> &'static Portfolio {
    static PORTFOLIO: OnceLock<Portfolio> = OnceLock::new();
    PORTFOLIO.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let l = sim_portfolio::start_at(10, Size::Typical, sixth_of_a_month()).await;
            sim_portfolio::sync_everything(&l, "advice-test", 8).await;
            let today = sim_portfolio::today(&l);
            assert_eq!(today.day(), 6);
            let clients = sim_portfolio::profiled_snapshots(&l, today).await;
            Portfolio { today, clients }
        })
    })
}

fn consoles(p: &Portfolio) -> Vec<(Profile, &ClientSnapshot, DecisionConsole)> {
    p.clients
        .iter()
        .map(|(profile, s)| (*profile, s, console(s, p.today, &tray(s, p.today))))
        .collect()
}

fn decisions(c: &DecisionConsole) -> impl Iterator<Item = &BillDecision> {
    c.pay_now.iter().chain(&c.at_risk).chain(&c.can_wait)
}

fn must_pay(tier: VendorTier) -> bool {
    matches!(tier, VendorTier::Payroll | VendorTier::Taxes | VendorTier::SecuredDebt)
}

fn shift(day: NaiveDate, days: i64) -> NaiveDate {
    day + chrono::Duration::days(days)
}

/// Checks one console: no payroll, tax or secured-debt bill needed this
/// week is left out of the set; returns how many payroll and tax bills the
/// set pays.
fn must_pays_are_paid(who: &str, c: &DecisionConsole, today: NaiveDate) -> (usize, usize) {
    for d in &c.at_risk {
        assert!(
            !must_pay(d.tier),
            "{who}: {:?} bill {} left at risk: {:?}",
            d.tier,
            d.bill.id,
            d.reasons
        );
    }
    for d in &c.can_wait {
        assert!(
            !must_pay(d.tier) || d.send_by > shift(today, 6),
            "{who}: {:?} bill {} needed this week but waits",
            d.tier,
            d.bill.id
        );
    }
    let paid = |tier| c.pay_now.iter().filter(|d| d.tier == tier).count();
    (paid(VendorTier::Payroll), paid(VendorTier::Taxes))
}

#[test]
fn no_payment_set_leaves_a_payroll_tax_or_secured_debt_bill_unpaid() {
    let p = portfolio();
    let (mut payroll_paid, mut tax_paid) = (0, 0);
    for (profile, s, c) in consoles(p) {
        let who = format!("{} ({profile:?})", s.client);
        let (payroll, tax) = must_pays_are_paid(&who, &c, p.today);
        payroll_paid += payroll;
        tax_paid += tax;
        // The same client short of cash: a guardrail a million above its
        // cash puts every forecast week under the floor, so nothing
        // discretionary fits, yet last month's provider fees and state tax
        // are paid, and the set says they take a week under the floor.
        let mut short = s.clone();
        let above = c.outlook.cash.net.amount() + Decimal::from(1_000_000);
        short.settings.guardrail = Guardrail::Fixed(Money::new(above, s.home_currency));
        let c = console(&short, p.today, &tray(&short, p.today));
        let who = format!("{who}, short of cash");
        let (payroll, tax) = must_pays_are_paid(&who, &c, p.today);
        assert!(payroll >= 1 && tax >= 1, "{who}: payroll {payroll}, tax {tax}");
        for d in &c.pay_now {
            assert!(
                must_pay(d.tier),
                "{who}: {:?} bill {} paid under the floor",
                d.tier,
                d.bill.id
            );
            assert!(
                d.reasons
                    .last()
                    .is_some_and(|r| r.starts_with("paid whatever the guardrail")),
                "{who}: {:?}",
                d.reasons
            );
        }
        assert!(!c.at_risk.is_empty(), "{who}: the rest waits for cash");
    }
    // Every client has last month's two bills to send this week.
    assert!(
        payroll_paid >= 10 && tax_paid >= 10,
        "payroll {payroll_paid}, tax {tax_paid}"
    );
}

/// The lender of the look-alike's equipment loans (importer and seasonal
/// retailer), as its vendor record names it.
const LENDER: &str = "First Commerce Equipment Finance";

#[test]
fn the_lenders_due_installment_is_paid_whatever_the_guardrail_and_says_why() {
    let p = portfolio();
    let mut lenders = 0;
    for (profile, s, c) in consoles(p) {
        let Some(lender) = s.vendors.iter().find(|v| v.party.display_name == LENDER) else {
            assert!(
                !matches!(profile, Profile::Importer | Profile::SeasonalRetailer),
                "{profile:?}: an equipment loan"
            );
            continue;
        };
        lenders += 1;
        let who = format!("{} ({profile:?})", s.client);
        // Last month's installment, due on the 15th, stands open.
        let due: Vec<&ExternalId> = s
            .bills
            .iter()
            .filter(|b| !b.meta.deleted && b.balance.amount() > Decimal::ZERO)
            .filter(|b| b.vendor.as_ref().is_some_and(|v| v.id == lender.party.meta.external_id))
            .map(|b| &b.meta.external_id)
            .collect();
        assert_eq!(due.len(), 1, "{who}");
        // Paid as synced, and with the client short of cash (a guardrail a
        // million above its cash), saying it is secured debt paid whatever
        // the guardrail.
        let mut short = s.clone();
        let above = c.outlook.cash.net.amount() + Decimal::from(1_000_000);
        short.settings.guardrail = Guardrail::Fixed(Money::new(above, s.home_currency));
        let under = console(&short, p.today, &tray(&short, p.today));
        for (case, c) in [("as synced", &c), ("short of cash", &under)] {
            let paid = c
                .pay_now
                .iter()
                .find(|d| &d.bill.id == due[0])
                .unwrap_or_else(|| panic!("{who}, {case}: the installment is not in the payment set"));
            assert_eq!(paid.tier, VendorTier::SecuredDebt, "{who}, {case}");
            assert!(c.payment_set.bills.iter().any(|b| &b.id == due[0]), "{who}, {case}");
        }
        let paid = under.pay_now.iter().find(|d| &d.bill.id == due[0]).unwrap();
        assert!(
            paid.reasons
                .last()
                .is_some_and(|r| r.starts_with("paid whatever the guardrail (SecuredDebt)")),
            "{who}: {:?}",
            paid.reasons
        );
    }
    assert_eq!(lenders, 2, "the importer and the seasonal retailer borrow");
}

/// Open vendor credits per vendor, home currency (the look-alike gives
/// credits to home-currency vendors only).
fn open_credits(s: &ClientSnapshot) -> HashMap<ExternalId, Decimal> {
    let mut out: HashMap<ExternalId, Decimal> = HashMap::new();
    for c in s
        .vendor_credits
        .iter()
        .filter(|c| !c.meta.deleted && !c.balance.is_zero())
    {
        assert_eq!(c.balance.currency(), s.home_currency);
        *out.entry(c.vendor.clone().unwrap().id).or_default() += c.balance.amount();
    }
    out
}

/// The discount a bill earns if paid today: one worth taking whose send-by
/// day (deadline less lead time) falls in the coming week.
fn discount_earned_today(d: &BillDecision, today: NaiveDate) -> Decimal {
    d.discount
        .as_ref()
        .filter(|x| x.worth_taking)
        .filter(|x| (today..=shift(today, 6)).contains(&shift(x.deadline, -d.lead_days)))
        .map_or(Decimal::ZERO, |x| x.saving.amount())
}

#[test]
fn each_pay_amount_is_the_balance_less_the_discount_earned_today_less_open_vendor_credits() {
    let p = portfolio();
    let (mut credited, mut discounted) = (0, 0);
    for (profile, s, c) in consoles(p) {
        let who = format!("{} ({profile:?})", s.client);
        let credits = open_credits(s);
        let bills: HashMap<&str, &rowcol_core::entity::Bill> =
            s.bills.iter().map(|b| (b.meta.external_id.as_str(), b)).collect();
        // Per vendor: what its urgent bills could take after discounts, and
        // the credits its bills were given.
        let mut owed: HashMap<ExternalId, Decimal> = HashMap::new();
        let mut given: HashMap<ExternalId, Decimal> = HashMap::new();
        for d in decisions(&c) {
            assert_ne!(
                d.tier,
                VendorTier::Deferrable,
                "{who}: no deferrable vendor in the look-alike"
            );
            let bill = bills[d.bill.id.as_str()];
            let home = bill.balance.currency() == s.home_currency;
            let discount = discount_earned_today(d, p.today);
            let credit = d.amount.amount() - discount - d.pay_amount.amount();
            if !home {
                // Foreign bills have no credits; their discount is in the
                // bill's currency.
                assert!(d.pay_amount.amount() <= d.amount.amount(), "{who}: {}", d.bill.id);
                continue;
            }
            assert_eq!(d.amount.amount(), bill.balance.amount(), "{who}: {}", d.bill.id);
            assert!(
                credit >= Decimal::ZERO,
                "{who}: {} pays {} of {}",
                d.bill.id,
                d.pay_amount,
                d.amount
            );
            let vendor = bill.vendor.clone().unwrap().id;
            if d.send_by <= shift(p.today, 6) {
                *owed.entry(vendor.clone()).or_default() += d.amount.amount() - discount;
            } else {
                assert!(
                    credit.is_zero(),
                    "{who}: credit applied to {} not paid this week",
                    d.bill.id
                );
            }
            *given.entry(vendor).or_default() += credit;
            credited += usize::from(credit > Decimal::ZERO);
            discounted += usize::from(discount > Decimal::ZERO);
        }
        for (vendor, given) in &given {
            let expected = credits
                .get(vendor)
                .copied()
                .unwrap_or_default()
                .min(owed.get(vendor).copied().unwrap_or_default());
            assert_eq!(*given, expected, "{who}: vendor {vendor}'s credits");
        }
    }
    assert!(credited > 0, "some bill this week has a vendor credit to net");
    assert!(discounted > 0, "some bill this week earns a discount");
}

/// Bills whose discount window closed before `today` while they stayed
/// open: what the console offered as savings before discounts expired.
fn lapsed_discounts(s: &ClientSnapshot, today: NaiveDate) -> usize {
    let terms: HashMap<&str, u32> = s
        .terms
        .iter()
        .filter_map(|t| Some((t.meta.external_id.as_str(), t.discount_days?)))
        .collect();
    s.bills
        .iter()
        .filter(|b| !b.balance.is_zero())
        .filter_map(|b| terms.get(b.terms.as_ref()?.id.as_str()).map(|days| (b, *days)))
        .filter(|(b, days)| shift(b.txn.txn_date, i64::from(*days)) < today)
        .count()
}

/// The day an "N% off if paid by D" reason names.
fn paid_by(text: &str) -> Option<NaiveDate> {
    let at = text.find("if paid by ")? + "if paid by ".len();
    NaiveDate::parse_from_str(text.get(at..at + 10)?, "%Y-%m-%d").ok()
}

#[test]
fn no_expired_discount_is_offered_in_the_console_or_the_digest() {
    let p = portfolio();
    let lapsed: usize = p.clients.iter().map(|(_, s)| lapsed_discounts(s, p.today)).sum();
    assert!(lapsed > 0, "open bills whose discount lapsed: the case to get right");
    let check = |who: &str, d: &BillDecision| {
        if let Some(x) = &d.discount {
            assert!(
                shift(x.deadline, -d.lead_days) >= p.today,
                "{who}: bill {} offers a discount to {} with {} days' lead",
                d.bill.id,
                x.deadline,
                d.lead_days
            );
        }
        for reason in &d.reasons {
            if let Some(by) = paid_by(reason) {
                assert!(shift(by, -d.lead_days) >= p.today, "{who}: {reason}");
            }
        }
    };
    for (profile, s, c) in consoles(p) {
        let who = format!("{} ({profile:?})", s.client);
        decisions(&c).for_each(|d| check(&who, d));
    }
    let snapshots: Vec<ClientSnapshot> = p.clients.iter().map(|(_, s)| s.clone()).collect();
    let d = digest(
        &snapshots,
        DigestClock {
            as_of: p.today,
            now: Utc::now(),
            freshness_target: Duration::from_secs(30 * 60),
        },
    );
    for line in &d.clients {
        let who = line.client.to_string();
        line.decisions.value.top_bills.iter().for_each(|b| check(&who, b));
    }
    // Anywhere in the digest's text, a discount offered names a day to come.
    let text = serde_json::to_string(&d).unwrap();
    for (at, _) in text.match_indices("if paid by ") {
        let by = paid_by(&text[at..]).unwrap();
        assert!(by >= p.today, "the digest offers a discount to {by}");
    }
}

/// Each open document's week in a forecast, by its id.
fn open_bill(src: &ForecastSource) -> Option<&ExternalId> {
    match src {
        ForecastSource::OpenBill { id } => Some(id),
        _ => None,
    }
}

fn open_invoice(src: &ForecastSource) -> Option<&ExternalId> {
    match src {
        ForecastSource::OpenInvoice { id } => Some(id),
        _ => None,
    }
}

fn weeks_of(f: &Forecast, want: fn(&ForecastSource) -> Option<&ExternalId>) -> HashMap<ExternalId, (u32, Decimal)> {
    let mut out = HashMap::new();
    for w in &f.weeks {
        for line in &w.lines {
            if let Some(id) = want(&line.source) {
                let entry = out.entry(id.clone()).or_insert((w.week, Decimal::ZERO));
                entry.0 = entry.0.max(w.week);
                entry.1 += line.amount.amount();
            }
        }
    }
    out
}

fn closings(f: &Forecast) -> Vec<Decimal> {
    f.weeks.iter().map(|w| w.closing.amount()).collect()
}

/// Documents by id, each with its party.
type Owners<'a> = HashMap<&'a ExternalId, &'a ExternalId>;

/// The party with the most documents forecast in weeks 1 to `last_week`.
fn busiest<'a>(docs: &HashMap<ExternalId, (u32, Decimal)>, owners: &Owners<'a>, last_week: u32) -> &'a ExternalId {
    let mut count: HashMap<&ExternalId, usize> = HashMap::new();
    for (id, (week, _)) in docs {
        if *week <= last_week {
            *count.entry(owners[id]).or_default() += 1;
        }
    }
    count.into_iter().max_by_key(|(party, n)| (*n, *party)).unwrap().0
}

/// Checks that `party`'s documents still inside the forecast moved exactly
/// `weeks` later with the same amounts, and every other document stayed
/// put; returns how many moved.
fn assert_moved(
    base: &HashMap<ExternalId, (u32, Decimal)>,
    moved: &HashMap<ExternalId, (u32, Decimal)>,
    owners: &Owners<'_>,
    party: &ExternalId,
    weeks: u32,
) -> usize {
    let mut shifted = 0;
    for (id, (week, amount)) in base {
        if owners[id] != party {
            assert_eq!(moved.get(id), Some(&(*week, *amount)), "another party's {id} moved");
        } else if week + weeks <= 13 {
            assert_eq!(
                moved[id],
                (week + weeks, *amount),
                "{id}: {weeks} weeks later, the same money"
            );
            shifted += 1;
        }
    }
    shifted
}

#[test]
fn scenarios_move_what_they_name_by_their_rule_on_a_healthy_firm() {
    let p = portfolio();
    let (_, s) = p
        .clients
        .iter()
        .find(|(profile, _)| *profile == Profile::Healthy)
        .unwrap();
    let today = p.today;
    let run = |adjustments: Vec<Adjustment>| compare(s, today, &Scenario { adjustments }).unwrap();
    let base = run(Vec::new());
    let base_closings = closings(&base.base.forecast);
    assert_eq!(
        base_closings,
        closings(&base.scenario.forecast),
        "an empty scenario is the base"
    );
    let money = |amount: i64| Money::new(Decimal::from(amount), s.home_currency);

    // Delay the vendor with the most open bills in the forecast 14 days.
    let bill_vendor: Owners<'_> = s
        .bills
        .iter()
        .filter_map(|b| Some((&b.meta.external_id, &b.vendor.as_ref()?.id)))
        .collect();
    let base_bills = weeks_of(&base.base.forecast, open_bill);
    let vendor = busiest(&base_bills, &bill_vendor, 11);
    let delayed = run(vec![Adjustment::DelayVendor {
        vendor: vendor.clone(),
        days: 14,
    }]);
    let moved = weeks_of(&delayed.scenario.forecast, open_bill);
    let later = assert_moved(&base_bills, &moved, &bill_vendor, vendor, 2);
    assert!(later > 0, "vendor {vendor} has bills to delay");
    for (w, (b, d)) in base_closings
        .iter()
        .zip(closings(&delayed.scenario.forecast))
        .enumerate()
    {
        assert!(
            d >= *b,
            "week {}: paying later never leaves less cash ({d} < {b})",
            w + 1
        );
    }

    // A new hire at 9,000 a month from ten days on: half on each 15th,
    // the rest on each month's last day.
    let start = shift(today, 10);
    let hired = run(vec![Adjustment::NewHire {
        monthly_cost: money(9_000),
        from: start,
    }]);
    let mut paid = Decimal::ZERO;
    let mut day = start;
    for (w, cmp) in hired.weeks.iter().enumerate() {
        while day <= cmp.end {
            if shift(day, 1).month() != day.month() || day.day() == 15 {
                paid += Decimal::from(4_500);
            }
            day = shift(day, 1);
        }
        assert_eq!(
            cmp.difference.amount(),
            -paid,
            "week {}: the hire's paydays so far",
            w + 1
        );
        assert_eq!(cmp.base_closing.amount(), base_closings[w]);
    }
    assert!(paid >= Decimal::from(9_000 * 2), "at least two months paid in 13 weeks");

    // A loan of 50,000 three weeks on raises cash from that day only.
    let on = shift(today, 20);
    let loaned = run(vec![Adjustment::Financing {
        amount: money(50_000),
        on,
        financing: FinancingKind::Loan,
    }]);
    for cmp in &loaned.weeks {
        let expected = if cmp.end < on { 0 } else { 50_000 };
        assert_eq!(cmp.difference.amount(), Decimal::from(expected), "week {}", cmp.week);
    }
}

#[test]
fn a_customer_paying_later_shifts_only_its_receipts() {
    let p = portfolio();
    let (_, s) = p
        .clients
        .iter()
        .find(|(profile, _)| *profile == Profile::SlowPayingAgency)
        .unwrap();
    let invoice_customer: Owners<'_> = s
        .invoices
        .iter()
        .filter_map(|i| Some((&i.meta.external_id, &i.customer.as_ref()?.id)))
        .collect();
    let base = compare(s, p.today, &Scenario::default()).unwrap();
    let base_invoices = weeks_of(&base.base.forecast, open_invoice);
    let customer = busiest(&base_invoices, &invoice_customer, 10);
    let late = compare(
        s,
        p.today,
        &Scenario {
            adjustments: vec![Adjustment::CustomerLate {
                customer: customer.clone(),
                days: 21,
            }],
        },
    )
    .unwrap();
    let moved = weeks_of(&late.scenario.forecast, open_invoice);
    let shifted = assert_moved(&base_invoices, &moved, &invoice_customer, customer, 3);
    assert!(shifted > 0);
    for cmp in &late.weeks {
        assert!(
            cmp.difference.amount() <= Decimal::ZERO,
            "week {}: money later, never sooner",
            cmp.week
        );
    }
}

/// `closed_period_changed` end to end through the real QBO rail: the
/// advisor closes the books through the date of a bill still open; after
/// the first sync a payment is applied to it (the look-alike moves its
/// balance and links and bumps its version and time, as QBO does) and
/// another bill of the closed period has its amount edited. After the next
/// sync only the edited bill is flagged, and the paid one's late change
/// carries the fingerprint of the version before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_the_close_a_payment_applied_is_not_flagged_and_an_edit_is() {
    use rowcol_core::snapshot::SnapshotRequest;
    use rowcol_core::sync::SyncTrigger;
    use rowcol_qbo_sim::Kind;
    use serde_json::json;

    let l = sim_portfolio::start(1, Size::Small).await;
    let (_, engine) = sim_portfolio::sync_everything(&l, "closed-period-test", 1).await;
    let c = &l.connections[0];
    let today = sim_portfolio::today(&l);
    let snapshot = || async {
        l.mirror
            .snapshot(&l.advisor, &c.client, SnapshotRequest::as_of(today))
            .await
            .unwrap()
    };
    let s = snapshot().await;
    let home = |b: &&rowcol_core::entity::Bill| !b.meta.deleted && b.txn.total.currency() == s.home_currency;
    // The latest open bill dated two days back or more and not changed
    // since its date (so its first sync is no late change of its own).
    let open = s
        .bills
        .iter()
        .filter(home)
        .filter(|b| b.balance.amount() > Decimal::ZERO && b.txn.txn_date <= shift(today, -2))
        .filter(|b| b.meta.updated_at.date_naive() <= b.txn.txn_date)
        .max_by_key(|b| b.txn.txn_date)
        .expect("an open bill")
        .clone();
    let close = open.txn.txn_date;
    let edited = s
        .bills
        .iter()
        .filter(home)
        .filter(|b| b.txn.txn_date <= close && b.meta.external_id != open.meta.external_id)
        .max_by_key(|b| b.txn.txn_date)
        .expect("another bill of the closed period")
        .clone();
    let mut settings = s.settings.clone();
    settings.close_date = Some(close);
    l.mirror.save_settings(&l.advisor, &c.client, &settings).await.unwrap();

    let realm = c.realm.as_str();
    let id = |b: &rowcol_core::entity::Bill| b.meta.external_id.as_str().parse::<u64>().unwrap();
    let checking = s.accounts.iter().find(|a| a.name == "Checking").unwrap();
    // Amounts as JSON numbers with their exact digits.
    let num = |d: Decimal| serde_json::Value::Number(d.to_string().parse().unwrap());
    let dec = |v: &serde_json::Value| v.to_string().parse::<Decimal>().unwrap();
    let balance = num(open.balance.amount());
    let payment = l
        .admin
        .create(
            realm,
            Kind::BillPayment,
            json!({
                "VendorRef": { "value": open.vendor.as_ref().unwrap().id.as_str() },
                "PayType": "Check", "TxnDate": today.to_string(), "TotalAmt": balance,
                "CheckPayment": { "BankAccountRef": { "value": checking.meta.external_id.as_str(), "name": "Checking" } },
                "CurrencyRef": { "value": s.home_currency.code() },
                "Line": [{ "Amount": balance,
                           "LinkedTxn": [{ "TxnId": open.meta.external_id.as_str(), "TxnType": "Bill" }] }],
            }),
        )
        .unwrap();
    let source = l.admin.get(realm, Kind::Bill, id(&open)).unwrap();
    let mut links = source["LinkedTxn"].as_array().cloned().unwrap_or_default();
    links.push(json!({ "TxnId": payment["Id"], "TxnType": "BillPaymentCheck" }));
    l.admin
        .update(
            realm,
            Kind::Bill,
            id(&open),
            &json!({ "Balance": 0, "LinkedTxn": links }),
        )
        .unwrap();
    // The edit: ten more on the total and the first line.
    let mut source = l.admin.get(realm, Kind::Bill, id(&edited)).unwrap();
    let more = |v: &serde_json::Value| num(dec(v) + Decimal::TEN);
    let total = more(&source["TotalAmt"]);
    let balance = more(&source["Balance"]);
    source["Line"][0]["Amount"] = more(&source["Line"][0]["Amount"]);
    l.admin
        .update(
            realm,
            Kind::Bill,
            id(&edited),
            &json!({ "TotalAmt": total, "Balance": balance, "Line": source["Line"] }),
        )
        .unwrap();

    for (c, result) in engine
        .sync_all(&l.connections, SyncTrigger::OnDemand, 1, |_, _| {})
        .await
    {
        result.unwrap_or_else(|e| panic!("{}: {e}", c.client));
    }
    let s = snapshot().await;
    let changes_of = |b: &rowcol_core::entity::Bill| {
        s.late_changes
            .iter()
            .filter(|ch| ch.external_id == b.meta.external_id)
            .collect::<Vec<_>>()
    };
    // The payment's change, the last of the paid bill's (its first sync may
    // count too: the query's day ends at midnight UTC, the rule's in the
    // source's offset).
    let paid = changes_of(&open);
    let applied = paid.last().unwrap();
    assert!(applied.fingerprint.is_some() && applied.fingerprint == applied.previous_fingerprint);
    let edit = changes_of(&edited);
    assert!(edit.last().is_some_and(|ch| ch.fingerprint != ch.previous_fingerprint));
    let flagged: Vec<String> = tray(&s, today)
        .findings
        .iter()
        .filter(|f| f.rule_id == "closed_period_changed")
        .filter_map(|f| f.subject().map(|e| e.id.to_string()))
        .collect();
    assert!(flagged.contains(&edited.meta.external_id.to_string()), "{flagged:?}");
    assert!(!flagged.contains(&open.meta.external_id.to_string()), "{flagged:?}");
}

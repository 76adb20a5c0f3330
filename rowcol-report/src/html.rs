//! The self-contained HTML report: portfolio totals, an overview table, and
//! one section per client with its forecast and aging charts, hygiene
//! findings and decisions.

use std::collections::BTreeSet;

use rowcol_core::{ClientSnapshot, Money};
use rowcol_runway::bank_check::{BankCheck, check_linked};
use rowcol_runway::bank_match::MatchSettings;
use rowcol_runway::calc::cash::{BalanceBasis, age_text};
use rowcol_runway::calc::rollforward::{MonthFlow, RollForward, rollforward};
use rowcol_runway::console::BillDecision;
use rowcol_runway::digest::freshness::Freshness;
use rowcol_runway::services::ChaseItem;
use rowcol_runway::{ClientDigest, DecisionConsole, Digest, DigestClock, Finding, HygieneTray, Severity};

use crate::bank::bank_section;
use crate::charts::{aging_chart, aging_legend, forecast_chart};
use crate::escape::escape;
use crate::text::{ROUNDING_RULE, RUNWAY_SHORT, guardrail_text, money_text, runway_text, urgency_label};

/// Months of cash roll-forward shown per client.
const ROLLFORWARD_MONTHS: u32 = 3;

/// Items shown per list before "and N more".
const LIST_MAX: usize = 6;

/// The page's stylesheet, inlined.
const CSS: &str = include_str!("report.css");

/// Renders the digest of `snapshots` as one self-contained HTML page.
///
/// Figures come from rowcol-runway's public functions: the order, urgency,
/// freshness and totals from [`rowcol_runway::digest`]; per client, the
/// findings from [`rowcol_runway::tray`] and the forecast, aging and
/// decisions from [`rowcol_runway::console`], all as of `clock.as_of`.
///
/// The page holds a header with portfolio totals, an overview table linking
/// to each client, and per client (digest order): a `<svg
/// class="forecast-chart">` of the 13 weekly closing balances against the
/// dashed guardrail, a `<svg class="aging-chart">` of AR and AP buckets, and
/// the net-cash roll-forward of the last three months, and lists of hygiene
/// findings, bills to pay now, bills at risk and invoices to chase; and
/// for a client with a bank account linked to the books, "Books against the
/// bank" ([`rowcol_runway::bank_check`]: counts per account, what is
/// unexplained, the findings with their fixes). Stale figures are flagged with why. Styles and charts are inline;
/// there is no script and nothing is fetched. All text is escaped.
pub fn html(snapshots: &[ClientSnapshot], clock: DigestClock) -> String {
    let digest = rowcol_runway::digest(snapshots, clock);
    let mut body = String::new();
    body.push_str(&header(&digest));
    body.push_str(&overview(&digest));
    body.push_str("<main>");
    for line in &digest.clients {
        let Some(s) = snapshots.iter().find(|s| s.client == line.client) else {
            continue;
        };
        let tray = rowcol_runway::tray(s, clock.as_of);
        let console = rowcol_runway::console(s, clock.as_of, &tray);
        let roll = rollforward(s, clock.as_of, ROLLFORWARD_MONTHS);
        let bank = check_linked(s, &MatchSettings::default(), clock.as_of);
        body.push_str(&client_section(
            line,
            &tray,
            &console,
            &roll,
            bank.as_ref().map(|b| (s, b)),
        ));
    }
    body.push_str("</main>");
    body.push_str(&footer());
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>RowCol digest as of {}</title><style>{CSS}</style></head><body>{body}</body></html>"#,
        digest.as_of
    )
}

fn per_currency(ms: &[Money]) -> String {
    if ms.is_empty() {
        return "&mdash;".to_owned();
    }
    ms.iter()
        .map(|m| format!(r#"<span class="money">{}</span>"#, escape(&money_text(m))))
        .collect::<Vec<_>>()
        .join("<br>")
}

fn card(label: &str, value: &str, note: &str, class: &str) -> String {
    format!(
        r#"<div class="card {class}"><div class="card-label">{}</div><div class="card-value">{value}</div><div class="card-note">{}</div></div>"#,
        escape(label),
        escape(note)
    )
}

fn header(d: &Digest) -> String {
    let t = &d.totals;
    let chips: String = t
        .by_urgency
        .iter()
        .map(|(u, n)| format!(r#"<span class="badge u-{0}">{n} {0}</span>"#, urgency_label(*u)))
        .collect();
    let findings = format!(
        r#"<span class="sev sev-error">{}</span> <span class="sev sev-warning">{}</span> <span class="sev sev-info">{}</span>"#,
        t.findings.error, t.findings.warning, t.findings.info
    );
    let at_risk_class = if t.at_risk_bills > 0 { "warn" } else { "" };
    let cards = [
        card(
            "Net cash",
            &per_currency(&t.cash),
            "banks less cards owed, per currency",
            "",
        ),
        card(
            "Bills at risk",
            &per_currency(&t.at_risk),
            &format!("{} bills that do not fit above a guardrail", t.at_risk_bills),
            at_risk_class,
        ),
        card(
            "Pay now",
            &t.pay_now_bills.to_string(),
            "bills in this week's payment sets",
            "",
        ),
        card(
            "Under guardrail now",
            &t.guardrail_breached_now.to_string(),
            "clients",
            if t.guardrail_breached_now > 0 { "bad" } else { "" },
        ),
        card("Hygiene findings", &findings, "errors / warnings / info", ""),
        card(
            "Stale data",
            &t.stale_clients.to_string(),
            "clients with a figure on stale data",
            if t.stale_clients > 0 { "warn" } else { "" },
        ),
    ]
    .concat();
    format!(
        r#"<header class="page-head"><div class="brand">RowCol</div><h1>Portfolio digest</h1><p class="sub">{} clients &middot; figures as of <b>{}</b> &middot; freshness judged at {} against a {}-minute target</p><div class="chips">{chips}</div><div class="cards">{cards}</div></header>"#,
        t.clients,
        d.as_of,
        d.now.format("%Y-%m-%d %H:%M UTC"),
        d.freshness_target_seconds / 60,
    )
}

fn anchor(c: &ClientDigest) -> String {
    escape(&format!("client-{}", c.client.as_str()))
}

fn overview(d: &Digest) -> String {
    let rows: String = d
        .clients
        .iter()
        .map(|c| {
            let dec = &c.decisions.value;
            let h = c.hygiene.value.counts;
            format!(
                r##"<tr><td><span class="badge u-{u}">{u}</span></td><td><a href="#{a}">{name}</a> <span class="cid">{id}</span></td><td class="num">{cash}</td><td class="num">{runway}</td><td>{guard}</td><td class="num">{e}/{w}/{i}</td><td class="num">{pay}</td><td class="num">{risk}</td><td class="num">{chase}</td><td>{stale}</td></tr>"##,
                u = urgency_label(c.urgency),
                a = anchor(c),
                name = escape(&c.name),
                id = escape(c.client.as_str()),
                cash = escape(&money_text(&c.cash.value)),
                runway = escape(&runway_text(&c.runway.value)),
                guard = escape(&guardrail_text(&c.guardrail.value)),
                e = h.error,
                w = h.warning,
                i = h.info,
                pay = dec.pay_now,
                risk = dec.at_risk,
                chase = dec.to_chase,
                stale = if c.stale { r#"<span class="badge stale">stale</span>"# } else { "" },
            )
        })
        .collect();
    format!(
        r#"<section class="overview"><h2>Clients, most urgent first</h2><table><thead><tr><th>Urgency</th><th>Client</th><th class="num">Cash</th><th class="num" title="{}">Runway</th><th>Guardrail</th><th class="num">Hygiene E/W/I</th><th class="num">Pay now</th><th class="num">At risk</th><th class="num">To chase</th><th>Data</th></tr></thead><tbody>{rows}</tbody></table></section>"#,
        escape(RUNWAY_SHORT)
    )
}

fn kpi(label: &str, value: &str, note: &str) -> String {
    format!(
        r#"<div class="kpi"><div class="kpi-label">{}</div><div class="kpi-value">{}</div><div class="kpi-note">{}</div></div>"#,
        escape(label),
        escape(value),
        escape(note)
    )
}

/// Why any of the client's figures is stale, each reason once.
fn stale_reasons(c: &ClientDigest) -> Vec<String> {
    let all: [&Freshness; 5] = [
        &c.cash.freshness,
        &c.runway.freshness,
        &c.guardrail.freshness,
        &c.hygiene.freshness,
        &c.decisions.freshness,
    ];
    let mut seen = BTreeSet::new();
    all.iter()
        .filter_map(|f| f.why_stale.as_deref())
        .flat_map(|w| w.split("; "))
        .filter(|w| seen.insert(w.to_owned()))
        .map(str::to_owned)
        .collect()
}

fn freshness_note(c: &ClientDigest) -> String {
    let f = &c.decisions.freshness;
    match (f.data_as_of, f.lag_seconds) {
        (Some(t), Some(lag)) => format!(
            "books synced {} ({} min before the digest)",
            t.format("%Y-%m-%d %H:%M UTC"),
            lag / 60
        ),
        _ => "some books never synced".to_owned(),
    }
}

/// One line of a month's flows.
type FlowField = fn(&MonthFlow) -> &Money;

/// The roll-forward's total (net cash) as a table, a column per month.
fn rollforward_table(roll: &RollForward) -> String {
    if roll.total.is_empty() {
        return String::new();
    }
    let head: String = roll
        .total
        .iter()
        .map(|m| format!(r#"<th class="num">{}</th>"#, m.month.format("%Y-%m")))
        .collect();
    let rows: [(&str, FlowField); 6] = [
        ("Opening", |m| &m.opening),
        ("Cash in", |m| &m.cash_in),
        ("Cash out", |m| &m.cash_out),
        ("Transfers", |m| &m.transfers),
        ("Financing", |m| &m.financing),
        ("Closing", |m| &m.closing),
    ];
    let body: String = rows
        .iter()
        .map(|(label, field)| {
            let cells: String = roll
                .total
                .iter()
                .map(|m| format!(r#"<td class="num">{}</td>"#, escape(&money_text(field(m)))))
                .collect();
            format!("<tr><th>{label}</th>{cells}</tr>")
        })
        .collect();
    let left_out = if roll.left_out_of_total.is_empty() {
        String::new()
    } else {
        format!(
            " {} account(s) in another currency not added.",
            roll.left_out_of_total.len()
        )
    };
    format!(
        r#"<figure class="chart wide rollforward"><figcaption>Cash roll-forward <span class="fine">net cash: home-currency banks less cards owed; the last month runs to the as-of date</span></figcaption><table><thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table><p class="fine">Transfers between own accounts and card statements paid, and financing (equity, loans), are shown apart from operating cash in and out.{}</p></figure>"#,
        escape(&left_out)
    )
}

/// The net cash card's note: what it is, and how old its balances were
/// when the snapshot was loaded.
fn cash_note(b: &BalanceBasis) -> String {
    match b.age_seconds {
        Some(age) => format!("banks less cards owed; balances {} old", age_text(age)),
        None => "banks less cards owed; balances never synced".to_owned(),
    }
}

fn client_section(
    c: &ClientDigest,
    tray: &HygieneTray,
    console: &DecisionConsole,
    roll: &RollForward,
    bank: Option<(&ClientSnapshot, &BankCheck)>,
) -> String {
    let u = urgency_label(c.urgency);
    let o = &console.outlook;
    let f = &o.forecast;
    let stale_badge = if c.stale {
        r#"<span class="badge stale">stale data</span>"#
    } else {
        r#"<span class="badge fresh">fresh</span>"#
    };
    let reasons: String = c
        .urgency_reasons
        .iter()
        .map(|r| format!("<li>{}</li>", escape(r)))
        .collect();
    let g = &c.guardrail.value;
    let guard_value = g.amount.as_ref().map_or("not sized".to_owned(), money_text);
    let kpis = [
        kpi(
            "Net cash",
            &money_text(&c.cash.value),
            &cash_note(&c.runway.value.balances),
        ),
        kpi("Runway", &runway_text(&c.runway.value), "cash / monthly net burn"),
        kpi(
            "Net burn / month",
            &money_text(&c.runway.value.net_burn_monthly),
            "trailing full months",
        ),
        kpi("Guardrail", &guard_value, &guardrail_text(g)),
        kpi("Data", if c.stale { "stale" } else { "fresh" }, &freshness_note(c)),
    ]
    .concat();
    let stale_note = if c.stale {
        format!(
            r#"<p class="stale-note"><b>Stale:</b> {}. Figures below may not be current.</p>"#,
            escape(&stale_reasons(c).join("; "))
        )
    } else {
        String::new()
    };
    let lowest = f.weeks.iter().min_by_key(|w| w.closing.amount());
    let forecast_note = format!(
        "Start {} · inflows {} · outflows {} · lowest {}{}",
        money_text(&f.starting_cash),
        money_text(&f.total_inflows),
        money_text(&f.total_outflows),
        lowest.map_or("n/a".to_owned(), |w| format!(
            "{} (week {})",
            money_text(&w.closing),
            w.week
        )),
        f.first_week_below_guardrail
            .map_or(String::new(), |w| format!(" · under the guardrail from week {w}"))
    );
    let d = &c.decisions.value;
    let lists = [
        list_block(
            &format!(
                "Hygiene findings ({} / {} / {})",
                tray.counts.error, tray.counts.warning, tray.counts.info
            ),
            &tray.findings,
            finding_item,
            "No open findings.",
        ),
        list_block(
            &format!("Pay now ({} · {})", d.pay_now, money_text(&d.pay_now_total)),
            &console.pay_now,
            bill_item,
            "Nothing to pay this week.",
        ),
        list_block(
            &format!("At risk ({} · {})", d.at_risk, money_text(&d.at_risk_total)),
            &console.at_risk,
            bill_item,
            "No bill at risk.",
        ),
        list_block(
            &format!("To chase ({})", d.to_chase),
            &console.to_chase,
            chase_item,
            "No overdue invoice.",
        ),
    ]
    .concat();
    format!(
        r#"<section class="client u-{u}" id="{a}"><div class="client-head"><h2>{name}</h2><span class="cid">{id}</span><span class="badge u-{u}">{u}</span>{stale_badge}</div><ul class="reasons">{reasons}</ul>{stale_note}<div class="kpis">{kpis}</div><div class="charts"><figure class="chart wide"><figcaption>13-week cash forecast <span class="fine">weekly closing balance; dashed line: guardrail</span></figcaption>{fc}<p class="fine">{fnote}</p></figure><figure class="chart"><figcaption>Aging <span class="fine">by days past due</span></figcaption>{ac}{legend}</figure>{rf}</div><div class="lists">{lists}</div>{bank}</section>"#,
        a = anchor(c),
        name = escape(&c.name),
        id = escape(c.client.as_str()),
        fc = forecast_chart(f, &c.name),
        fnote = escape(&forecast_note),
        ac = aging_chart(&o.ar_aging, &o.ap_aging, &c.name),
        legend = aging_legend(&o.ar_aging.total, &o.ap_aging.total),
        rf = rollforward_table(roll),
        bank = bank.map_or_else(String::new, |(s, b)| bank_section(s, b)),
    )
}

fn list_block<T>(title: &str, items: &[T], item: fn(&T) -> String, empty: &str) -> String {
    let mut lis: String = items.iter().take(LIST_MAX).map(item).collect();
    if items.len() > LIST_MAX {
        lis.push_str(&format!(r#"<li class="more">and {} more</li>"#, items.len() - LIST_MAX));
    }
    if items.is_empty() {
        lis = format!(r#"<li class="empty">{}</li>"#, escape(empty));
    }
    format!(r#"<div class="list"><h3>{}</h3><ul>{lis}</ul></div>"#, escape(title))
}

fn finding_item(f: &Finding) -> String {
    let (class, word) = match f.severity {
        Severity::Error => ("sev-error", "error"),
        Severity::Warning => ("sev-warning", "warning"),
        Severity::Info => ("sev-info", "info"),
    };
    let amount = f.amount.as_ref().map_or(String::new(), |m| {
        format!(r#" <span class="money">{}</span>"#, escape(&money_text(m)))
    });
    format!(
        r#"<li><span class="sev {class}">{word}</span> {}{amount}<div class="fine">{} &middot; fix: {}</div></li>"#,
        escape(&f.explanation),
        escape(&f.rule_id),
        escape(&f.suggested_fix)
    )
}

fn bill_item(b: &BillDecision) -> String {
    let vendor = b.vendor.as_deref().unwrap_or("unknown vendor");
    let why = b.reasons.first().map(String::as_str).unwrap_or_default();
    format!(
        r#"<li><b>{}</b> <span class="money">{}</span><div class="fine">bill {} &middot; due {} &middot; send by {} &middot; {}</div></li>"#,
        escape(vendor),
        escape(&money_text(&b.amount)),
        escape(b.bill.id.as_str()),
        b.due_date,
        b.send_by,
        escape(why)
    )
}

fn chase_item(i: &ChaseItem) -> String {
    let customer = i.customer.as_deref().unwrap_or("unknown customer");
    let why = i.reasons.first().map(String::as_str).unwrap_or_default();
    format!(
        r#"<li><b>{}</b> <span class="money">{}</span><div class="fine">invoice {} &middot; {} days overdue &middot; {}</div></li>"#,
        escape(customer),
        escape(&money_text(&i.amount)),
        escape(i.invoice.id.as_str()),
        i.days_overdue,
        escape(why)
    )
}

fn footer() -> String {
    format!(
        r#"<footer><p>{}.</p><p>{}</p><p>Forecast: 13 weeks of 7 days from the as-of date; inflows are open invoices at their expected payment date, outflows open bills at their due date plus recurring spending. Hover a point or bar for its exact figures.</p><p>Generated by rowcol. Self-contained: no scripts, nothing fetched.</p></footer>"#,
        escape(RUNWAY_SHORT),
        escape(ROUNDING_RULE)
    )
}

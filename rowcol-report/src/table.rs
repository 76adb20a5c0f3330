//! The digest as a terminal table.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};
use rowcol_runway::Digest;

use crate::text::{RUNWAY_SHORT, guardrail_text, money_text, runway_text, urgency_label};

const HEADER: [&str; 12] = [
    "Urgency",
    "Client",
    "Name",
    "Cash",
    "Runway",
    "Guardrail",
    "Hygiene E/W/I",
    "Pay now",
    "At risk",
    "At risk total",
    "To chase",
    "Stale",
];

/// Columns holding figures, right-aligned.
const NUMERIC: [usize; 7] = [3, 4, 7, 8, 9, 10, 6];

/// Renders `digest` as a terminal table: one row per client in digest order
/// (most urgent first), then one `TOTAL` row with the portfolio totals, then
/// a legend (runway definition, rounding rule, how freshness was judged).
///
/// Money is printed from its exact `Decimal` with thousands separators
/// ([`money_text`](crate::money_text)); totals are per currency, never added
/// across currencies.
pub fn table(digest: &Digest) -> String {
    let mut t = Table::new();
    t.load_style(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(HEADER.iter().map(Cell::new).collect::<Vec<_>>());
    for c in &digest.clients {
        let d = &c.decisions.value;
        let h = c.hygiene.value.counts;
        t.add_row(vec![
            Cell::new(urgency_label(c.urgency)),
            Cell::new(c.client.as_str()),
            Cell::new(one_line(&c.name)),
            Cell::new(money_text(&c.cash.value)),
            Cell::new(runway_text(&c.runway.value)),
            Cell::new(guardrail_text(&c.guardrail.value)),
            Cell::new(format!("{}/{}/{}", h.error, h.warning, h.info)),
            Cell::new(d.pay_now),
            Cell::new(d.at_risk),
            Cell::new(money_text(&d.at_risk_total)),
            Cell::new(d.to_chase),
            Cell::new(if c.stale { "STALE" } else { "" }),
        ]);
    }
    let tot = &digest.totals;
    let to_chase: u32 = digest.clients.iter().map(|c| c.decisions.value.to_chase).sum();
    let by_urgency = tot
        .by_urgency
        .iter()
        .map(|(u, n)| format!("{n} {}", urgency_label(*u)))
        .collect::<Vec<_>>()
        .join(", ");
    let per_currency = |ms: &[rowcol_core::Money]| ms.iter().map(money_text).collect::<Vec<_>>().join("\n");
    t.add_row(vec![
        Cell::new("TOTAL"),
        Cell::new(format!("{} clients", tot.clients)),
        Cell::new(by_urgency),
        Cell::new(per_currency(&tot.cash)),
        Cell::new(""),
        Cell::new(format!("{} breached now", tot.guardrail_breached_now)),
        Cell::new(format!(
            "{}/{}/{}",
            tot.findings.error, tot.findings.warning, tot.findings.info
        )),
        Cell::new(tot.pay_now_bills),
        Cell::new(tot.at_risk_bills),
        Cell::new(per_currency(&tot.at_risk)),
        Cell::new(to_chase),
        Cell::new(format!("{} stale", tot.stale_clients)),
    ]);
    for i in NUMERIC {
        if let Some(col) = t.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    format!(
        "Portfolio digest as of {} (freshness judged at {}, target {} min)\n{t}\n{RUNWAY_SHORT}.\n{}\n",
        digest.as_of,
        digest.now.format("%Y-%m-%d %H:%M UTC"),
        digest.freshness_target_seconds / 60,
        crate::text::ROUNDING_RULE,
    )
}

/// A name on one line: a newline in a client name must not break the row.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

//! The report's two charts, drawn from [`crate::svg`] primitives: the
//! 13-week forecast against the guardrail, and AR/AP aging.

use rowcol_core::Money;
use rowcol_runway::calc::aging::{Aging, AgingBucket};
use rowcol_runway::calc::forecast::Forecast;
use rust_decimal::Decimal;

use crate::escape::escape;
use crate::svg::{Scale, c, hline, points, text, ticks};
use crate::text::{compact, money_text};

const W: f64 = 640.0;
const H: f64 = 250.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 30.0;

/// The forecast as `<svg class="forecast-chart">`: one point per forecast
/// week (its closing balance) joined by a line over a shaded area, the
/// guardrail as a dashed line with the zone under it tinted, weeks under the
/// guardrail marked red. Each point's tooltip has the week's exact figures.
pub(crate) fn forecast_chart(f: &Forecast, client_name: &str) -> String {
    let closings: Vec<Decimal> = f.weeks.iter().map(|w| w.closing.amount()).collect();
    let guard = f.guardrail.map(|g| g.amount());
    let mut values = closings.clone();
    values.push(Decimal::ZERO);
    values.push(f.starting_cash.amount());
    values.extend(guard);
    let lo = values.iter().copied().min().unwrap_or_default();
    let hi = values.iter().copied().max().unwrap_or_default();
    let tick_values = ticks(lo, hi, 4);
    let (t_lo, t_hi) = (
        tick_values.first().copied().unwrap_or(lo),
        tick_values.last().copied().unwrap_or(hi),
    );
    let y = Scale::new(t_lo, t_hi, H - BOTTOM, TOP);
    let n = closings.len().max(1);
    let step = (W - LEFT - RIGHT) / (n.max(2) - 1) as f64;
    let x = |i: usize| LEFT + step * i as f64;
    let x_end = x(n - 1);
    let mut s = format!(
        r#"<svg class="forecast-chart" data-points="{}" viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="{}">"#,
        closings.len(),
        escape(&format!("13-week cash forecast for {client_name}"))
    );
    s.push_str(&format!(
        "<title>{}</title>",
        escape(&format!("13-week cash forecast for {client_name}"))
    ));
    if let Some(g) = guard {
        let gy = y.at(g).clamp(TOP, H - BOTTOM);
        s.push_str(&format!(
            r#"<rect class="danger-zone" x="{}" y="{}" width="{}" height="{}"/>"#,
            c(LEFT),
            c(gy),
            c(x_end - LEFT),
            c((H - BOTTOM - gy).max(0.0))
        ));
    }
    for t in &tick_values {
        let ty = y.at(*t);
        s.push_str(&hline(LEFT, x_end, ty, if t.is_zero() { "axis" } else { "grid" }));
        s.push_str(&text(
            LEFT - 6.0,
            ty + 3.5,
            r#"class="tick" text-anchor="end""#,
            &compact(*t),
        ));
    }
    let pts: Vec<(f64, f64)> = closings.iter().enumerate().map(|(i, v)| (x(i), y.at(*v))).collect();
    if !pts.is_empty() {
        let base = y.at(Decimal::ZERO.clamp(t_lo, t_hi));
        let mut area = pts.clone();
        area.push((x_end, base));
        area.push((LEFT, base));
        s.push_str(&format!(r#"<polygon class="area" points="{}"/>"#, points(&area)));
        s.push_str(&format!(r#"<polyline class="closing" points="{}"/>"#, points(&pts)));
    }
    if let (Some(g), Some(amount)) = (guard, f.guardrail) {
        let gy = y.at(g);
        s.push_str(&hline(LEFT, x_end, gy, "guardrail"));
        s.push_str(&text(
            x_end,
            gy - 5.0,
            r#"class="guardrail-label" text-anchor="end""#,
            &format!("guardrail {}", money_text(&amount)),
        ));
    }
    for (i, (w, (px, py))) in f.weeks.iter().zip(&pts).enumerate() {
        let below = guard.is_some_and(|g| w.closing.amount() < g);
        let tip = format!(
            "Week {} ({} to {}): opening {}, inflows {}, bills {}, recurring {}, closing {}{}",
            w.week,
            w.start,
            w.end,
            money_text(&w.opening),
            money_text(&w.inflows),
            money_text(&w.bill_outflows),
            money_text(&w.recurring_outflows),
            money_text(&w.closing),
            if below { " (under the guardrail)" } else { "" }
        );
        s.push_str(&format!(
            r#"<circle class="pt{}" cx="{}" cy="{}" r="3.5"><title>{}</title></circle>"#,
            if below { " below" } else { "" },
            c(*px),
            c(*py),
            escape(&tip)
        ));
        // Every week labelled: 13 short labels fit the width.
        s.push_str(&text(
            x(i),
            H - BOTTOM + 16.0,
            r#"class="tick" text-anchor="middle""#,
            &format!("W{}", w.week),
        ));
    }
    s.push_str("</svg>");
    s
}

/// The short label of an aging bucket.
fn bucket_label(b: AgingBucket) -> &'static str {
    match b {
        AgingBucket::Current => "Current",
        AgingBucket::Days1To30 => "1-30",
        AgingBucket::Days31To60 => "31-60",
        AgingBucket::Days61To90 => "61-90",
        AgingBucket::Over90 => "90+",
    }
}

const AW: f64 = 420.0;

/// Receivables and payables aging as `<svg class="aging-chart">`: one group
/// per bucket, a receivable (AR) and a payable (AP) bar in each, amounts
/// above the bars, exact totals and counts in each bar's tooltip.
pub(crate) fn aging_chart(ar: &Aging, ap: &Aging, client_name: &str) -> String {
    let amounts = ar.buckets.iter().chain(&ap.buckets).map(|b| b.amount.amount());
    let hi = amounts.fold(Decimal::ZERO, Decimal::max);
    let tick_values = ticks(Decimal::ZERO, hi, 4);
    let t_hi = tick_values.last().copied().unwrap_or(hi);
    let y = Scale::new(Decimal::ZERO, t_hi, H - BOTTOM, TOP);
    let label = escape(&format!("Receivables and payables aging for {client_name}"));
    let mut s = format!(
        r#"<svg class="aging-chart" viewBox="0 0 {AW} {H}" width="100%" role="img" aria-label="{label}"><title>{label}</title>"#
    );
    for t in &tick_values {
        let ty = y.at(*t);
        s.push_str(&hline(LEFT, AW - RIGHT, ty, if t.is_zero() { "axis" } else { "grid" }));
        s.push_str(&text(
            LEFT - 6.0,
            ty + 3.5,
            r#"class="tick" text-anchor="end""#,
            &compact(*t),
        ));
    }
    let groups = AgingBucket::ALL.len();
    let gw = (AW - LEFT - RIGHT) / groups as f64;
    let bw = (gw - 18.0) / 2.0;
    let base = y.at(Decimal::ZERO);
    for (g, bucket) in AgingBucket::ALL.iter().enumerate() {
        let gx = LEFT + gw * g as f64 + 9.0;
        for (k, (side, class, aging)) in [("Receivable", "ar", ar), ("Payable", "ap", ap)].iter().enumerate() {
            let Some(b) = aging.buckets.iter().find(|b| b.bucket == *bucket) else {
                continue;
            };
            let v = b.amount.amount();
            let top = y.at(v);
            let bx = gx + bw * k as f64;
            let tip = format!(
                "{side} {}: {} in {} document{}",
                bucket_label(*bucket),
                money_text(&b.amount),
                b.count,
                if b.count == 1 { "" } else { "s" }
            );
            s.push_str(&format!(
                r#"<rect class="bar {class}" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>"#,
                c(bx),
                c(top.min(base)),
                c(bw - 2.0),
                c((base - top).abs()),
                escape(&tip)
            ));
            if !v.is_zero() {
                s.push_str(&text(
                    bx + (bw - 2.0) / 2.0,
                    top.min(base) - 4.0,
                    r#"class="bar-value" text-anchor="middle""#,
                    &compact(v),
                ));
            }
        }
        s.push_str(&text(
            gx + bw,
            H - BOTTOM + 16.0,
            r#"class="tick" text-anchor="middle""#,
            bucket_label(*bucket),
        ));
    }
    s.push_str("</svg>");
    s
}

/// The legend under the aging chart: exact totals per side.
pub(crate) fn aging_legend(ar_total: &Money, ap_total: &Money) -> String {
    format!(
        r#"<div class="legend"><span><i class="key ar"></i>Receivable (AR) {}</span><span><i class="key ap"></i>Payable (AP) {}</span></div>"#,
        escape(&money_text(ar_total)),
        escape(&money_text(ap_total))
    )
}

//! The digest's presentation: terminal table and HTML report, including a
//! render in headless Chromium (run `scripts/ensure-chromium` first).

// A test file: a failed unwrap in a helper is a failed test, with its line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use chrono::{NaiveDate, TimeZone, Utc};
use rowcol_core::ClientSnapshot;
use rowcol_report::{html, money_text, table};
use rowcol_runway::DigestClock;
use rowcol_testkit::synthetic::portfolio;

const HOSTILE: &str = r#"<script>alert(1)</script> & "Co""#;

fn clock() -> DigestClock {
    DigestClock {
        as_of: NaiveDate::from_ymd_opt(2026, 4, 15).unwrap(),
        now: Utc.with_ymd_and_hms(2026, 4, 15, 9, 0, 0).unwrap(),
        freshness_target: Duration::from_secs(30 * 60),
    }
}

fn clients(n: usize) -> Vec<ClientSnapshot> {
    let synced = Utc.with_ymd_and_hms(2026, 4, 15, 8, 50, 0).unwrap();
    portfolio(n, clock().as_of, synced)
}

#[test]
fn table_has_one_row_per_client_plus_totals_and_exact_money() {
    let snaps = clients(12);
    let d = rowcol_runway::digest(&snaps, clock());
    let t = table(&d);
    for c in &d.clients {
        let rows = t
            .lines()
            .filter(|l| l.contains(&format!(" {} ", c.client.as_str())))
            .count();
        assert_eq!(rows, 1, "client {} rows in\n{t}", c.client.as_str());
        assert!(t.contains(&money_text(&c.cash.value)), "cash of {}", c.client.as_str());
    }
    assert_eq!(t.lines().filter(|l| l.contains("TOTAL")).count(), 1);
    // Exact text, cents kept: client 0 holds 40,000 + 10,000 in the bank
    // and owes 3,926.01 on its card, so its net cash is 46,073.99.
    assert!(t.contains("USD 46,073.99"), "{t}");
    for m in &d.totals.cash {
        assert!(t.contains(&money_text(m)));
    }
}

#[test]
fn html_has_one_chart_pair_per_client_escapes_and_fetches_nothing() {
    let mut snaps = clients(7);
    snaps[2].name = HOSTILE.to_owned();
    let page = html(&snaps, clock());
    assert_eq!(page.matches(r#"<svg class="forecast-chart""#).count(), 7);
    assert_eq!(page.matches(r#"<svg class="aging-chart""#).count(), 7);
    assert!(!page.contains("<script"), "an unescaped script tag");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot;"));
    assert!(!page.contains("http://") && !page.contains("https://"));
    // Each forecast line has one point per forecast week.
    let lines: Vec<&str> = page.split(r#"<polyline class="closing" points=""#).skip(1).collect();
    assert_eq!(lines.len(), 7);
    for l in lines {
        let pts = l.split('"').next().unwrap().split_whitespace().count();
        assert_eq!(pts, rowcol_runway::calc::forecast::WEEKS);
        assert_eq!(pts, 13);
    }
    assert_eq!(page.matches(r#"data-points="13""#).count(), 7);
    // Each client shows its net-cash roll-forward, closing on the figure
    // rowcol-runway computes.
    assert_eq!(page.matches(r#"<figure class="chart wide rollforward">"#).count(), 7);
    for s in &snaps {
        let roll = rowcol_runway::calc::rollforward::rollforward(s, clock().as_of, 3);
        let closing = money_text(&roll.total.last().unwrap().closing);
        assert!(
            page.contains(&format!(r#"<td class="num">{closing}</td></tr></tbody>"#)),
            "{} closes on {closing}",
            s.client
        );
    }
}

#[test]
fn html_shows_books_against_the_bank_only_for_a_client_with_a_linked_bank() {
    use rowcol_testkit::fixtures::{bank_feed_account, bank_transaction, date};
    use rust_decimal_macros::dec;

    let mut snaps = clients(3);
    let s = &mut snaps[1];
    let checking = s
        .accounts
        .iter()
        .find(|a| a.account_type == rowcol_core::entity::AccountType::Bank)
        .unwrap()
        .meta
        .external_id
        .clone();
    let client = s.client.to_string();
    s.bank_accounts.push(bank_feed_account(&client, "plaid-1", dec!(1000)));
    s.settings.bank_links.insert("plaid-1".parse().unwrap(), checking);
    let mut fee = bank_transaction(&client, "txn-fee", "plaid-1", dec!(-15));
    fee.date = date("2026-04-10");
    fee.name = format!("MONTHLY SERVICE FEE {HOSTILE}");
    s.bank_transactions.push(fee);
    let check = rowcol_runway::bank_check::check(s, &Default::default());
    assert_eq!(check.summary.linked_accounts, 1);

    let page = html(&snaps, clock());
    assert_eq!(
        page.matches("<h3>Books against the bank</h3>").count(),
        1,
        "only the linked client"
    );
    assert!(
        page.contains("record a bank fee expense of 15 on 2026-04-10"),
        "the fee's fix"
    );
    assert!(
        page.contains(&money_text(&check.summary.unexplained)),
        "the summary's figure"
    );
    assert!(!page.contains("<script"), "the bank's text is escaped");

    let text = rowcol_report::bank_check_text(&snaps[1], &check);
    assert!(text.contains("Balance walk: "), "{text}");
    assert!(text.contains("line not in the books: MONTHLY SERVICE FEE"), "{text}");
    assert!(
        text.contains("= bank balance") && text.contains("USD 1,000.00"),
        "{text}"
    );
    assert!(text.contains(rowcol_report::BANK_CHECK_SUMMARY_DEFINITION), "{text}");
}

#[test]
fn html_flags_stale_clients() {
    // The fixture makes every tenth client's data two hours old.
    let page = html(&clients(10), clock());
    assert!(page.contains("stale data"));
    assert!(page.contains("Stale:"));
    // Net cash says how old its balances were when loaded: the fixture
    // loads at its sync time, the stale clients' accounts synced 2 h before.
    assert!(
        page.contains("banks less cards owed; balances 0 s old"),
        "a fresh client's cash"
    );
    assert!(
        page.contains("banks less cards owed; balances 2 h old"),
        "a stale client's cash"
    );
}

fn chromium() -> &'static str {
    let found = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "chromium is not on PATH: run scripts/ensure-chromium (installs Debian's chromium); this test never skips"
    );
    "chromium"
}

fn screenshot(page: &str, dir: &Path, png: &Path, height: u32) -> String {
    let file = dir.join("report.html");
    std::fs::write(&file, page).unwrap();
    let url = format!("file://{}", file.display());
    let common = ["--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars"];
    let shot = Command::new(chromium())
        .args(common)
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size=1280,{height}"))
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        shot.status.success(),
        "screenshot: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    let dom = Command::new(chromium())
        .args(common)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "dump-dom: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    String::from_utf8_lossy(&dom.stdout).into_owned()
}

#[test]
fn renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("report.png");
    let dom = screenshot(&html(&clients(5), clock()), dir.path(), &png, 4000);
    let bytes = std::fs::read(&png).expect("chromium wrote no screenshot");
    assert!(bytes.len() > 50_000, "screenshot only {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(dom.matches(r#"<svg class="forecast-chart""#).count(), 5);
    assert_eq!(dom.matches(r#"<svg class="aging-chart""#).count(), 5);
}

/// Refreshes `docs/digest-report.png` (the README's picture) from 3 clients.
#[test]
#[ignore = "writes docs/digest-report.png; run with --ignored to refresh it"]
fn write_docs_screenshot() {
    let dir = tempfile::tempdir().unwrap();
    let png = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/digest-report.png");
    let snaps: Vec<ClientSnapshot> = clients(10)
        .into_iter()
        .filter(|s| [0, 3, 9].contains(&s.client.as_str()[7..].parse::<usize>().unwrap()))
        .collect();
    screenshot(&html(&snaps, clock()), dir.path(), &png, 1800);
    assert!(std::fs::metadata(&png).unwrap().len() < 500_000);
}

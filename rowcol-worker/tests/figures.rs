//! Figures that reconcile (issue 20): for every client of a 100-client
//! look-alike portfolio synced through the QBO rail into a SQLite mirror
//! (and of a 20-client one into PostgreSQL),
//! RowCol's receivable and payable aging, computed from the mirror, equal
//! the look-alike's own AgedReceivables and AgedPayables reports (computed
//! from its books by code that shares nothing with RowCol) bucket by bucket
//! to the cent, credits and unapplied payments included; and the monthly
//! cash roll-forward closes, for each home-currency bank and card account
//! at each month's end, on the balance the look-alike's BalanceSheet gives;
//! and the cash-basis net income of each roll-forward month equals the
//! look-alike's ProfitAndLoss on the cash basis for the same days.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod common;
mod sim_portfolio;

use std::time::Duration;

use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::sync::SyncTrigger;
use rowcol_qbo::reports::{AgingReport, ReportBasis};
use rowcol_qbo_sim::{Kind, Size};
use rowcol_runway::calc::aging::{Aging, Side, aging};
use rowcol_runway::calc::profit::cash_basis_by_month;
use rowcol_runway::calc::rollforward::rollforward;
use rust_decimal::Decimal;

const CLIENTS: usize = 100;

/// RowCol's buckets and total, rounded to the cent for comparison.
fn rowcol_buckets(a: &Aging) -> ([Decimal; 5], Decimal) {
    let mut out = [Decimal::ZERO; 5];
    for (slot, bucket) in out.iter_mut().zip(&a.buckets) {
        *slot = bucket.amount.round_to_minor_units().amount();
    }
    (out, a.total.round_to_minor_units().amount())
}

/// The report's buckets and total, summed over its parties.
fn report_buckets(r: &AgingReport) -> ([Decimal; 5], Decimal) {
    let mut out = [Decimal::ZERO; 5];
    for row in &r.rows {
        for (slot, amount) in out.iter_mut().zip(row.buckets) {
            *slot += amount;
        }
    }
    (out, r.total)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn aging_and_cash_from_the_mirror_equal_the_sources_reports_for_every_client() {
    let l = sim_portfolio::start(CLIENTS, Size::Small).await;
    figures_reconcile(&l).await;
    books_close_dates_reach_the_mirror(&l).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn aging_and_cash_from_a_postgresql_mirror_equal_the_sources_reports() {
    let db = common::FreshDatabase::create().await;
    let l = sim_portfolio::start_on(20, Size::Small, Some(db.url.clone())).await;
    figures_reconcile(&l).await;
    books_close_dates_reach_the_mirror(&l).await;
    drop(l);
    drop(db);
}

/// Both agings of `s` as of `day` equal the source's aging reports as of
/// that day, bucket by bucket to the cent.
async fn agings_equal_the_reports(
    s: &rowcol_core::ClientSnapshot,
    rail: &rowcol_qbo::QboRail,
    c: &rowcol_core::Connection,
    day: chrono::NaiveDate,
) {
    for side in [Side::Receivable, Side::Payable] {
        let ours = aging(s, side, day);
        let theirs = match side {
            Side::Receivable => rail.aged_receivables(c, day).await,
            Side::Payable => rail.aged_payables(c, day).await,
        };
        let theirs = match theirs {
            Ok(report) => report_buckets(&report),
            Err(e) if rowcol_qbo::reports::refusal(&e) == Some(rowcol_qbo::reports::ReportRefusal::NoData) => {
                ([Decimal::ZERO; 5], Decimal::ZERO)
            }
            Err(e) => panic!("{}: {e}", c.client),
        };
        assert_eq!(rowcol_buckets(&ours), theirs, "{} {side:?} as of {day}", c.client);
    }
}

/// A past day's view from a snapshot loaded as of that day (its default
/// history window, so documents paid since and dated before the window
/// must be fetched): both agings equal the source's aging reports as of
/// that day, and net cash equals the roll-forward's closing total then.
/// (That such documents are fetched is proven on both backends by the
/// mirror's `a_long_burn_window_widens_the_history_and_a_past_day_gets_what_was_open`.)
async fn past_day_reconciles(
    l: &sim_portfolio::Lookalike,
    rail: &rowcol_qbo::QboRail,
    c: &rowcol_core::Connection,
    day: chrono::NaiveDate,
    net_cash: Decimal,
) {
    let s = l
        .mirror
        .snapshot(&l.advisor, &c.client, SnapshotRequest::as_of(day))
        .await
        .unwrap();
    agings_equal_the_reports(&s, rail, c, day).await;
    let cash = rowcol_runway::outlook(&s, day).cash;
    if cash.by_currency.iter().all(|b| b.currency == s.home_currency) {
        assert_eq!(cash.net.amount(), net_cash, "{} net cash on {day}", c.client);
    }
}

/// Syncs every client of `l`, then compares both agings and the cash
/// roll-forward of each with the look-alike's reports.
async fn figures_reconcile(l: &sim_portfolio::Lookalike) {
    let (rail, _engine) = sim_portfolio::sync_everything(l, "figures-test", 16).await;
    let mut credits_seen = 0;
    let mut closings_checked = 0;
    let mut past_days_checked = 0;
    let mut months_checked = 0;
    let mut months_with_income = 0;
    for c in &l.connections {
        // The source's today, in the company's offset: both sides age to it.
        let truth = l.admin.ground_truth(c.realm.as_str()).unwrap();
        let today = chrono::DateTime::parse_from_rfc3339(&truth.as_of).unwrap().date_naive();
        let s = l
            .mirror
            .snapshot(&l.advisor, &c.client, SnapshotRequest::as_of(today))
            .await
            .unwrap();
        credits_seen += s.credit_memos.len() + s.vendor_credits.len();
        agings_equal_the_reports(&s, &rail, c, today).await;
        // The roll-forward's closing balances are what the source's own
        // balance sheet says each bank account held, and each card account
        // owed (negated), at each month's end.
        let roll = rollforward(&s, today, 3);
        assert!(roll.history_covers, "{}", c.client);
        for account in roll.accounts.iter().filter(|a| a.currency == s.home_currency) {
            for month in &account.months {
                let sheet = rail
                    .balance_sheet(c, month.through, ReportBasis::Accrual)
                    .await
                    .unwrap();
                let held = sheet
                    .accounts
                    .iter()
                    .find(|line| line.account_id.as_ref() == Some(&account.account))
                    .map_or(Decimal::ZERO, |line| line.amount);
                assert_eq!(
                    month.closing.amount(),
                    account.kind.as_cash(held),
                    "{} {} closing on {}",
                    c.client,
                    account.name,
                    month.through
                );
                closings_checked += 1;
            }
            for pair in account.months.windows(2) {
                assert_eq!(pair[0].closing, pair[1].opening, "{} {}", c.client, account.name);
            }
        }
        // The two past month ends, as a true historical view.
        for month in &roll.total[..roll.total.len() - 1] {
            past_day_reconciles(l, &rail, c, month.through, month.closing.amount()).await;
            past_days_checked += 1;
        }
        // Cash-basis net income over the same months equals the source's
        // ProfitAndLoss(Cash). Recognising a payment needs the document it
        // pays, however old: load the whole history for this figure.
        let whole = l
            .mirror
            .snapshot(
                &l.advisor,
                &c.client,
                SnapshotRequest {
                    as_of: today,
                    history_months: 120,
                },
            )
            .await
            .unwrap();
        let profit = cash_basis_by_month(&whole, today, 3);
        assert_eq!(profit.months.len(), roll.total.len(), "{}", c.client);
        for (month, flow) in profit.months.iter().zip(&roll.total) {
            assert_eq!((month.start, month.end), (flow.month, flow.through), "{}", c.client);
            assert_eq!(
                month.assumed, 0,
                "{} {}: every paid document is in the mirror",
                c.client, month.start
            );
            let theirs = match rail.profit_and_loss(c, month.start, month.end, ReportBasis::Cash).await {
                Ok(report) => {
                    assert_eq!(report.basis, ReportBasis::Cash, "{}", c.client);
                    report.net_income
                }
                Err(e) if rowcol_qbo::reports::refusal(&e) == Some(rowcol_qbo::reports::ReportRefusal::NoData) => {
                    Decimal::ZERO
                }
                Err(e) => panic!("{}: {e}", c.client),
            };
            assert_eq!(
                month.net_income.amount(),
                theirs,
                "{} cash-basis net income {}..{} (income {}, expenses {}, exchange {})",
                c.client,
                month.start,
                month.end,
                month.income.amount(),
                month.expenses.amount(),
                month.exchange.amount()
            );
            months_checked += 1;
            months_with_income += usize::from(!month.income.is_zero());
        }
    }
    assert_eq!(months_checked, l.connections.len() * 3, "three months per client");
    assert!(
        months_with_income > months_checked / 2,
        "most months recognise income: {months_with_income} of {months_checked}"
    );
    assert_eq!(past_days_checked, l.connections.len() * 2);
    assert!(
        closings_checked >= l.connections.len() * 9,
        "two bank accounts and a card, three month ends each: {closings_checked}"
    );
    assert!(
        credits_seen > l.connections.len() / 5,
        "the portfolio holds credits to net: {credits_seen}"
    );
}

/// The source's `BookCloseDate` of every client, as the look-alike holds it.
fn source_close_date(l: &sim_portfolio::Lookalike, realm: &str) -> Option<chrono::NaiveDate> {
    let prefs = l
        .admin
        .get(realm, Kind::Preferences, 1)
        .expect("every generated realm has preferences");
    prefs["AccountingInfoPrefs"]["BookCloseDate"]
        .as_str()
        .map(|d| d.parse().unwrap())
}

/// After `figures_reconcile` synced every client: each snapshot's
/// `books_closed_through` is the source's `BookCloseDate`; a later close
/// (a `Preferences` update, announced by CDC) reaches the mirror on the
/// next sync.
async fn books_close_dates_reach_the_mirror(l: &sim_portfolio::Lookalike) {
    let mut closed = 0;
    for c in &l.connections {
        let s = l
            .mirror
            .snapshot(
                &l.advisor,
                &c.client,
                SnapshotRequest::as_of(chrono::Utc::now().date_naive()),
            )
            .await
            .unwrap();
        let source = source_close_date(l, c.realm.as_str());
        assert_eq!(s.books_closed_through(), source, "{}", c.client);
        closed += usize::from(source.is_some());
    }
    assert!(
        closed * 10 >= l.connections.len() * 7,
        "most clients closed their books: {closed} of {}",
        l.connections.len()
    );
    // The first client closes one more month.
    let c = &l.connections[0];
    let realm = c.realm.as_str();
    let mut prefs = l.admin.get(realm, Kind::Preferences, 1).unwrap();
    let later = source_close_date(l, realm).map_or_else(
        || "2020-12-31".parse::<chrono::NaiveDate>().unwrap(),
        |d| d.checked_add_months(chrono::Months::new(1)).unwrap(),
    );
    prefs["AccountingInfoPrefs"]["BookCloseDate"] = later.to_string().into();
    l.admin
        .update(
            realm,
            Kind::Preferences,
            1,
            &serde_json::json!({ "AccountingInfoPrefs": prefs["AccountingInfoPrefs"] }),
        )
        .unwrap();
    let (_, engine) = sim_portfolio::engine(
        l.mirror.clone(),
        &l.sim.base_url(),
        "figures-test-close",
        Duration::from_secs(30),
        1000,
    );
    for (c, result) in engine
        .sync_all(&l.connections[..1], SyncTrigger::OnDemand, 1, |_, _| {})
        .await
    {
        result.unwrap_or_else(|e| panic!("{}: {e}", c.client));
    }
    let s = l
        .mirror
        .snapshot(
            &l.advisor,
            &c.client,
            SnapshotRequest::as_of(chrono::Utc::now().date_naive()),
        )
        .await
        .unwrap();
    assert_eq!(s.books_closed_through(), Some(later), "{}", c.client);
}

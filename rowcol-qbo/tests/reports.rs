//! The reports client against the look-alike over HTTP: aging per party and
//! as of a past date, P&L and balance sheet totals, and the typed refusals
//! for empty and cut-off reports.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests: a failed unwrap is a failed test

mod common;

use std::str::FromStr;

use chrono::NaiveDate;
use common::{Harness, harness};
use rowcol_core::{RailErrorKind, RowcolError};
use rowcol_qbo::reports::{ReportRefusal, refusal};
use rowcol_qbo::{AgingRow, ReportBasis};
use rowcol_qbo_sim::{FaultConfig, Kind, Size};
use rust_decimal::Decimal;
use serde_json::{Number, Value, json};

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn n(text: &str) -> Value {
    Value::Number(Number::from_str(text).unwrap())
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn create(h: &Harness, kind: Kind, body: Value) -> String {
    let row = h.sim.admin().create(&h.realm, kind, body).unwrap();
    row["Id"].as_str().unwrap().to_string()
}

fn r(id: &str, name: &str) -> Value {
    json!({ "value": id, "name": name })
}

/// A small chart: id by name.
fn chart(h: &Harness) -> std::collections::BTreeMap<&'static str, String> {
    [
        ("Checking", "Bank", "Asset"),
        ("Accounts Receivable (A/R)", "Accounts Receivable", "Asset"),
        ("Accounts Payable (A/P)", "Accounts Payable", "Liability"),
        ("Opening Balance Equity", "Equity", "Equity"),
        ("Services", "Income", "Revenue"),
        ("Rent or Lease", "Expense", "Expense"),
    ]
    .into_iter()
    .map(|(name, account_type, class)| {
        let id = create(
            h,
            Kind::Account,
            json!({ "Name": name, "AccountType": account_type, "Classification": class }),
        );
        (name, id)
    })
    .collect()
}

fn invoice(customer: &Value, date: &str, due: &str, amount: &str, services: &Value) -> Value {
    json!({ "CustomerRef": customer, "TxnDate": date, "DueDate": due, "TotalAmt": n(amount), "Balance": n(amount),
            "Line": [{ "Amount": n(amount), "DetailType": "SalesItemLineDetail",
                       "SalesItemLineDetail": { "ItemAccountRef": services } }] })
}

fn row<'a>(rows: &'a [AgingRow], id: &str) -> &'a AgingRow {
    rows.iter().find(|r| r.party_id.as_str() == id).unwrap()
}

#[tokio::test]
async fn aging_rows_are_exact_per_party_and_bucket_and_historical() {
    let h = harness(Size::Empty).await;
    let rail = h.rail();
    let ids = chart(&h);
    let services = r(&ids["Services"], "Services");
    let parent = create(&h, Kind::Customer, json!({ "DisplayName": "Parent Co" }));
    let child = create(
        &h,
        Kind::Customer,
        json!({ "DisplayName": "Child Site", "ParentRef": r(&parent, "Parent Co") }),
    );
    let p = r(&parent, "Parent Co");
    let c = r(&child, "Child Site");
    let first = create(
        &h,
        Kind::Invoice,
        invoice(&p, "2026-05-01", "2026-05-31", "120.00", &services),
    );
    create(
        &h,
        Kind::Invoice,
        invoice(&p, "2026-06-20", "2026-07-20", "80.00", &services),
    );
    create(
        &h,
        Kind::Invoice,
        invoice(&c, "2026-02-01", "2026-03-01", "33.33", &services),
    );
    create(
        &h,
        Kind::CreditMemo,
        json!({ "CustomerRef": p, "TxnDate": "2026-06-25", "TotalAmt": n("10.00"),
                "Line": [{ "Amount": n("10.00"), "DetailType": "SalesItemLineDetail",
                           "SalesItemLineDetail": { "ItemAccountRef": services } }] }),
    );
    // Paid in July: not applied as of June 30.
    create(
        &h,
        Kind::Payment,
        json!({ "CustomerRef": p, "TxnDate": "2026-07-05", "TotalAmt": n("120.00"),
                "DepositToAccountRef": r(&ids["Checking"], "Checking"),
                "Line": [{ "Amount": n("120.00"), "LinkedTxn": [{ "TxnId": first, "TxnType": "Invoice" }] }] }),
    );

    let june = rail.aged_receivables(&h.connection, day("2026-06-30")).await.unwrap();
    assert_eq!(june.as_of, day("2026-06-30"));
    assert_eq!(june.currency, "USD");
    assert_eq!(june.rows.len(), 2, "leaf rows only: {:?}", june.rows);
    let parent_row = row(&june.rows, &parent);
    assert_eq!(parent_row.party_name, "Parent Co");
    // 80 current, 120 30 days late, -10 credit 5 days old.
    assert_eq!(parent_row.buckets, [d("80.00"), d("110.00"), d("0"), d("0"), d("0")]);
    assert_eq!(parent_row.total, d("190.00"));
    // 33.33 is 121 days late.
    assert_eq!(row(&june.rows, &child).buckets[4], d("33.33"));
    assert_eq!(june.total, d("223.33"));
    assert_eq!(june.buckets, [d("80.00"), d("110.00"), d("0"), d("0"), d("33.33")]);

    let july = rail.aged_receivables(&h.connection, day("2026-07-31")).await.unwrap();
    assert_eq!(row(&july.rows, &parent).total, d("70.00"));
    assert_eq!(july.total, d("103.33"));
}

#[tokio::test]
async fn aging_matches_the_books_of_a_generated_client() {
    let h = harness(Size::Small).await;
    let rail = h.rail();
    let admin = h.sim.admin();
    admin.burst(&h.realm, 30).unwrap();
    let today = admin
        .now()
        .with_timezone(&chrono::FixedOffset::west_opt(8 * 3600).unwrap())
        .date_naive();
    let truth = admin.ground_truth(&h.realm).unwrap();
    for (report, party_kind) in [("AgedReceivables", Kind::Customer), ("AgedPayables", Kind::Vendor)] {
        let aging = if report == "AgedReceivables" {
            rail.aged_receivables(&h.connection, today).await.unwrap()
        } else {
            rail.aged_payables(&h.connection, today).await.unwrap()
        };
        assert_eq!(aging.report, report);
        // Party balances are open documents less unapplied payments.
        assert_eq!(aging.total, truth.kinds[party_kind.name()].balance, "{report}");
        for id in truth.kinds[party_kind.name()].live.keys() {
            let party = admin.get(&h.realm, party_kind, id.parse().unwrap()).unwrap();
            let balance = d(&party["Balance"].to_string());
            let got = aging
                .rows
                .iter()
                .find(|r| r.party_id.as_str() == id)
                .map_or(Decimal::ZERO, |r| r.total);
            assert_eq!(got, balance, "{report} party {id}");
        }
    }
}

#[tokio::test]
async fn profit_and_loss_and_balance_sheet_totals() {
    let h = harness(Size::Empty).await;
    let rail = h.rail();
    let ids = chart(&h);
    let a = |name: &str| r(&ids[name], name);
    let customer = create(&h, Kind::Customer, json!({ "DisplayName": "Acme" }));
    let vendor = create(&h, Kind::Vendor, json!({ "DisplayName": "Landlord" }));
    create(
        &h,
        Kind::JournalEntry,
        json!({ "TxnDate": "2026-01-01", "Line": [
            { "Amount": n("5000.00"), "DetailType": "JournalEntryLineDetail",
              "JournalEntryLineDetail": { "PostingType": "Debit", "AccountRef": a("Checking") } },
            { "Amount": n("5000.00"), "DetailType": "JournalEntryLineDetail",
              "JournalEntryLineDetail": { "PostingType": "Credit", "AccountRef": a("Opening Balance Equity") } },
        ] }),
    );
    let inv = create(
        &h,
        Kind::Invoice,
        invoice(
            &r(&customer, "Acme"),
            "2026-03-02",
            "2026-04-01",
            "1000.00",
            &a("Services"),
        ),
    );
    create(
        &h,
        Kind::Payment,
        json!({ "CustomerRef": r(&customer, "Acme"), "TxnDate": "2026-03-20", "TotalAmt": n("250.00"),
                "DepositToAccountRef": a("Checking"),
                "Line": [{ "Amount": n("250.00"), "LinkedTxn": [{ "TxnId": inv, "TxnType": "Invoice" }] }] }),
    );
    create(
        &h,
        Kind::Bill,
        json!({ "VendorRef": r(&vendor, "Landlord"), "TxnDate": "2026-03-05", "DueDate": "2026-03-20",
                "TotalAmt": n("400.00"),
                "Line": [{ "Amount": n("400.00"), "DetailType": "AccountBasedExpenseLineDetail",
                           "AccountBasedExpenseLineDetail": { "AccountRef": a("Rent or Lease") } }] }),
    );
    let (start, end) = (day("2026-03-01"), day("2026-03-31"));
    let accrual = rail
        .profit_and_loss(&h.connection, start, end, ReportBasis::Accrual)
        .await
        .unwrap();
    assert_eq!(
        (accrual.start, accrual.end, accrual.basis),
        (start, end, ReportBasis::Accrual)
    );
    assert_eq!(accrual.net_income, d("600.00"));
    let income = accrual.sections.iter().find(|s| s.group == "Income").unwrap();
    assert_eq!((income.label.as_str(), income.amount), ("Total Income", d("1000.00")));
    let expenses = accrual.sections.iter().find(|s| s.group == "Expenses").unwrap();
    assert_eq!(expenses.amount, d("400.00"));
    let cash = rail
        .profit_and_loss(&h.connection, start, end, ReportBasis::Cash)
        .await
        .unwrap();
    // A quarter of the invoice was paid; the bill was not.
    assert_eq!(cash.net_income, d("250.00"));

    let sheet = rail
        .balance_sheet(&h.connection, end, ReportBasis::Accrual)
        .await
        .unwrap();
    assert_eq!(sheet.total_assets, sheet.total_liabilities_and_equity);
    assert_eq!(sheet.total_assets, d("6000.00"));
    let by_id = |name: &str| {
        sheet
            .accounts
            .iter()
            .find(|acc| acc.account_id.as_ref().map(|i| i.as_str()) == Some(ids[name].as_str()))
            .unwrap()
            .clone()
    };
    assert_eq!(by_id("Checking").amount, d("5250.00"));
    assert_eq!(by_id("Checking").group, "BankAccounts");
    assert_eq!(by_id("Accounts Receivable (A/R)").amount, d("750.00"));
    assert_eq!(by_id("Accounts Payable (A/P)").amount, d("400.00"));
    let net = sheet.accounts.iter().find(|acc| acc.group == "NetIncome").unwrap();
    assert_eq!((net.account_id.is_none(), net.amount), (true, d("600.00")));
}

fn assert_names_client(error: &RowcolError, report: &str) {
    let text = error.to_string();
    assert!(text.contains("client acme"), "{text}");
    assert!(text.contains(report), "{text}");
}

#[tokio::test]
async fn empty_reports_are_a_typed_refusal() {
    let h = harness(Size::Empty).await;
    let rail = h.rail();
    let error = rail
        .aged_receivables(&h.connection, day("2026-06-30"))
        .await
        .unwrap_err();
    assert_eq!(refusal(&error), Some(ReportRefusal::NoData));
    assert_eq!(error.rail_kind(), Some(&RailErrorKind::Invalid));
    assert!(!error.retryable());
    assert_names_client(&error, "AgedReceivables");
    let error = rail
        .profit_and_loss(&h.connection, day("2026-01-01"), day("2026-06-30"), ReportBasis::Cash)
        .await
        .unwrap_err();
    assert_eq!(refusal(&error), Some(ReportRefusal::NoData));
    assert_names_client(&error, "ProfitAndLoss");
}

#[tokio::test]
async fn cut_off_reports_are_a_typed_refusal_naming_the_row() {
    let h = harness(Size::Small).await;
    let rail = h.rail();
    let admin = h.sim.admin();
    let today = admin.now().date_naive() + chrono::Duration::days(1);
    assert!(rail.aged_payables(&h.connection, today).await.is_ok());
    admin.set_faults(
        &h.realm,
        FaultConfig {
            report_cell_limit: Some(15),
            ..FaultConfig::default()
        },
    );
    let error = rail.aged_payables(&h.connection, today).await.unwrap_err();
    assert_eq!(refusal(&error), Some(ReportRefusal::CutOff));
    assert_names_client(&error, "AgedPayables");
    assert!(error.to_string().contains("cut off at row"), "{error}");
    // One call: the same request would get the same answer, so no retry.
    let before = rail.total_calls();
    let error = rail
        .balance_sheet(&h.connection, today, ReportBasis::Accrual)
        .await
        .unwrap_err();
    assert_eq!(refusal(&error), Some(ReportRefusal::CutOff));
    assert_eq!(rail.total_calls() - before, 1);
    admin.clear_faults(&h.realm);
    rail.balance_sheet(&h.connection, today, ReportBasis::Cash)
        .await
        .unwrap();
}

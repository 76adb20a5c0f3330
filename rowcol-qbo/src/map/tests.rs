use std::str::FromStr;

use rowcol_core::entity::{AccountType, EmailStatus, LineDetail, PaymentMethod, Posting};
use rowcol_core::{ClientId, Currency, Entity, EntityKind};
use rust_decimal::Decimal;
use serde_json::Value;

use super::{Mapped, kind_from_qbo_name, map_row};

fn client() -> ClientId {
    "acme".parse().unwrap()
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn record(kind: EntityKind, text: &str) -> (Entity, String) {
    match map_row(&client(), Some(Currency::USD), kind, &parse(text)) {
        Mapped::Record(r) => (r.entity, r.raw),
        other => panic!("expected a record, got {other:?}"),
    }
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

const BILL: &str = r#"{
  "Id": "145", "SyncToken": "3", "domain": "QBO", "SomeFutureField": {"x": [1, 2]},
  "MetaData": {"CreateTime": "2026-03-04T10:15:00-08:00", "LastUpdatedTime": "2026-03-05T11:00:00-08:00"},
  "VendorRef": {"value": "56", "name": "O'Brien & Sons"},
  "APAccountRef": {"value": "33"},
  "TxnDate": "2026-03-04", "DueDate": "2026-04-03",
  "CurrencyRef": {"value": "EUR", "name": "Euro"}, "ExchangeRate": 1.0835,
  "TotalAmt": 1234567.891, "Balance": 0.10,
  "Line": [
    {"Id": "1", "Amount": 1234567.791, "DetailType": "AccountBasedExpenseLineDetail",
     "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "7", "name": "Rent"}}},
    {"Id": "2", "Amount": 0.1, "DetailType": "AccountBasedExpenseLineDetail",
     "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "8"}}, "Description": "fee"},
    {"Amount": 1234567.891, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
  ],
  "LinkedTxn": [{"TxnId": "900", "TxnType": "BillPaymentCheck"}, {"TxnId": "5", "TxnType": "VendorCredit"},
                {"TxnId": "6", "TxnType": "PurchaseOrder"}]
}"#;

#[test]
fn bills_keep_exact_money_currency_rate_offsets_and_links() {
    let (entity, raw) = record(EntityKind::Bill, BILL);
    let Entity::Bill(bill) = entity else { panic!() };
    assert_eq!(bill.txn.total.amount(), dec("1234567.891"));
    assert_eq!(bill.txn.total.currency(), Currency::EUR);
    assert_eq!(bill.balance.amount(), dec("0.10"));
    assert_eq!(bill.txn.exchange_rate, Some(dec("1.0835")));
    assert_eq!(bill.txn.lines.len(), 2, "the subtotal line is skipped");
    assert_eq!(bill.txn.lines[1].amount.amount(), dec("0.1"));
    assert_eq!(bill.txn.lines[0].account.as_ref().unwrap().id.as_str(), "7");
    assert_eq!(bill.vendor.as_ref().unwrap().name.as_deref(), Some("O'Brien & Sons"));
    assert_eq!(bill.meta.updated_at.offset().local_minus_utc(), -8 * 3600);
    assert_eq!(bill.meta.version.as_str(), "3");
    assert_eq!(bill.linked.len(), 2, "kinds not mirrored stay in the raw payload only");
    assert_eq!(bill.linked[0].kind, EntityKind::BillPayment);
    assert_eq!(bill.linked[1].kind, EntityKind::VendorCredit);
    assert!(raw.contains("1234567.891") && raw.contains("SomeFutureField"));
}

#[test]
fn inactive_parties_stay_inactive() {
    let (entity, _) = record(
        EntityKind::Vendor,
        r#"{"Id": "9", "SyncToken": "0", "DisplayName": "Old Co", "Active": false, "Balance": 0,
            "CurrencyRef": {"value": "USD"}, "Vendor1099": true,
            "MetaData": {"CreateTime": "2025-01-01T00:00:00-05:00", "LastUpdatedTime": "2025-02-01T00:00:00-05:00"}}"#,
    );
    let Entity::Vendor(v) = entity else { panic!() };
    assert!(!v.party.active && !v.party.meta.deleted && v.is_1099);
}

#[test]
fn deleted_rows_become_tombstones() {
    let row = parse(
        r#"{"Id": "42", "status": "Deleted", "domain": "QBO", "MetaData": {"LastUpdatedTime": "2026-03-05T11:00:00-08:00"}}"#,
    );
    let Mapped::Deleted(t) = map_row(&client(), None, EntityKind::Invoice, &row) else {
        panic!()
    };
    assert_eq!(
        (t.kind, t.external_id.as_str(), t.merged_into),
        (EntityKind::Invoice, "42", None)
    );
}

#[test]
fn unmappable_rows_are_rejected_with_raw_and_reason() {
    let row = parse(
        r#"{"Id": "7", "TotalAmt": "lots", "TxnDate": "2026-01-01", "MetaData": {"LastUpdatedTime": "2026-03-05T11:00:00-08:00"}}"#,
    );
    let Mapped::Rejected(r) = map_row(&client(), Some(Currency::USD), EntityKind::Invoice, &row) else {
        panic!()
    };
    assert_eq!(r.external_id.as_ref().map(|i| i.as_str()), Some("7"));
    assert!(r.reason.contains("TotalAmt"), "{}", r.reason);
    assert!(r.raw.contains("lots"));
    let no_currency =
        parse(r#"{"Id": "8", "DisplayName": "X", "MetaData": {"LastUpdatedTime": "2026-03-05T11:00:00-08:00"}}"#);
    let Mapped::Rejected(r) = map_row(&client(), None, EntityKind::Customer, &no_currency) else {
        panic!()
    };
    assert!(r.reason.contains("CurrencyRef"));
}

#[test]
fn payments_accounts_and_company_map() {
    let (entity, _) = record(
        EntityKind::BillPayment,
        r#"{"Id": "3", "SyncToken": "1", "PayType": "CreditCard", "TxnDate": "2026-02-02", "TotalAmt": 50,
            "CreditCardPayment": {"CCAccountRef": {"value": "41", "name": "Mastercard"}},
            "Line": [{"Amount": 50.00, "LinkedTxn": [{"TxnId": "145", "TxnType": "Bill"}]}],
            "MetaData": {"LastUpdatedTime": "2026-03-05T11:00:00-08:00"}}"#,
    );
    let Entity::BillPayment(bp) = entity else { panic!() };
    assert_eq!(bp.method, PaymentMethod::CreditCard);
    assert_eq!(bp.paid_from.unwrap().id.as_str(), "41");
    assert_eq!(bp.applied_to[0].amount.unwrap().amount(), dec("50.00"));
    assert_eq!(
        bp.txn.total.currency(),
        Currency::USD,
        "home currency when no CurrencyRef"
    );

    let (entity, _) = record(
        EntityKind::Account,
        r#"{"Id": "41", "Name": "Mastercard", "AccountType": "Credit Card", "CurrentBalance": -12.5,
            "Active": true, "CurrencyRef": {"value": "USD"}, "MetaData": {"LastUpdatedTime": "2026-03-05T11:00:00-08:00"}}"#,
    );
    let Entity::Account(a) = entity else { panic!() };
    assert_eq!(a.account_type, AccountType::CreditCard);
    assert_eq!(a.current_balance.amount(), dec("-12.5"));

    let (entity, _) = record(
        EntityKind::CompanyInfo,
        r#"{"Id": "1", "CompanyName": "Sim Co", "Country": "US", "FiscalYearStartMonth": "April",
            "NameValue": [{"Name": "HomeCurrency", "Value": "CAD"}],
            "MetaData": {"LastUpdatedTime": "2026-03-05T11:00:00-08:00"}}"#,
    );
    let Entity::CompanyInfo(c) = entity else { panic!() };
    assert_eq!((c.fiscal_year_start_month, c.home_currency), (Some(4), Currency::CAD));

    let (entity, _) = record(
        EntityKind::Invoice,
        r#"{"Id": "2", "TxnDate": "2026-02-02", "TotalAmt": 10, "EmailStatus": "NeedToSend",
            "MetaData": {"LastUpdatedTime": "2026-03-05T11:00:00-08:00"}}"#,
    );
    let Entity::Invoice(i) = entity else { panic!() };
    assert_eq!(i.email_status, EmailStatus::NeedToSend);
}

#[test]
fn qbo_names_round_trip() {
    for kind in EntityKind::ALL {
        assert_eq!(kind_from_qbo_name(super::qbo_name(kind)), Some(kind));
    }
    assert_eq!(kind_from_qbo_name("billpayment"), Some(EntityKind::BillPayment));
    assert_eq!(kind_from_qbo_name("Estimate"), None);
}

const UPDATED: &str = r#""MetaData": {"LastUpdatedTime": "2026-03-05T11:00:00-08:00"}"#;

#[test]
fn journal_entries_keep_sides_and_parties_and_total_their_debits() {
    // A payroll as Gusto posts it: wages and employer tax debited, the bank
    // and the tax liability credited; QBO's TotalAmt of 0 is not relied on.
    let text = format!(
        r#"{{"Id": "70", "SyncToken": "0", "TxnDate": "2026-02-15", "TotalAmt": 0, "Adjustment": false,
            "Line": [
              {{"Amount": 8000.00, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail":
                {{"PostingType": "Debit", "AccountRef": {{"value": "61", "name": "Wages"}}}}}},
              {{"Amount": 612.00, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail":
                {{"PostingType": "Debit", "AccountRef": {{"value": "62", "name": "Payroll taxes"}}}}}},
              {{"Amount": 7388.00, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail":
                {{"PostingType": "Credit", "AccountRef": {{"value": "35", "name": "Checking"}},
                  "Entity": {{"Type": "Vendor", "EntityRef": {{"value": "90", "name": "Gusto"}}}}}}}},
              {{"Amount": 1224.00, "DetailType": "JournalEntryLineDetail", "JournalEntryLineDetail":
                {{"PostingType": "Credit", "AccountRef": {{"value": "24", "name": "Payroll liabilities"}}}}}}
            ], {UPDATED}}}"#
    );
    let (entity, _) = record(EntityKind::JournalEntry, &text);
    let Entity::JournalEntry(je) = entity else { panic!() };
    assert_eq!(je.txn.total.amount(), dec("8612.00"), "the sum of the debits");
    assert_eq!(je.txn.lines[0].posting, Some(Posting::Debit));
    assert_eq!(je.txn.lines[2].posting, Some(Posting::Credit));
    assert_eq!(je.txn.lines[2].party.as_ref().unwrap().id.as_str(), "90");
    assert_eq!(je.txn.lines[2].account.as_ref().unwrap().id.as_str(), "35");

    let unbalanced = text.replace("7388.00", "7388.01");
    let Mapped::Rejected(r) = map_row(
        &client(),
        Some(Currency::USD),
        EntityKind::JournalEntry,
        &parse(&unbalanced),
    ) else {
        panic!()
    };
    assert!(
        r.reason.contains("debits 8612.00 do not equal credits 8612.01"),
        "{}",
        r.reason
    );
    assert_eq!(r.external_id.as_ref().map(|i| i.as_str()), Some("70"));
    let no_account = text.replace(
        r#""AccountRef": {"value": "62", "name": "Payroll taxes"}"#,
        r#""Memo": "x""#,
    );
    let Mapped::Rejected(r) = map_row(
        &client(),
        Some(Currency::USD),
        EntityKind::JournalEntry,
        &parse(&no_account),
    ) else {
        panic!()
    };
    assert!(r.reason.contains("names no account"), "{}", r.reason);
}

#[test]
fn transfers_card_payments_credits_and_refunds_map() {
    let (entity, _) = record(
        EntityKind::Transfer,
        &format!(
            r#"{{"Id": "80", "TxnDate": "2026-02-01", "Amount": 5000.00,
                "FromAccountRef": {{"value": "35"}}, "ToAccountRef": {{"value": "36"}}, {UPDATED}}}"#
        ),
    );
    let Entity::Transfer(t) = entity else { panic!() };
    assert_eq!(
        (
            t.txn.total.amount(),
            t.from.unwrap().id.as_str(),
            t.to.unwrap().id.as_str()
        ),
        (dec("5000.00"), "35", "36")
    );

    let (entity, _) = record(
        EntityKind::CreditCardPayment,
        &format!(
            r#"{{"Id": "81", "TxnDate": "2026-02-03", "Amount": 1830.25,
                "CreditCardAccountRef": {{"value": "41"}}, "BankAccountRef": {{"value": "35"}}, {UPDATED}}}"#
        ),
    );
    let Entity::CreditCardPayment(p) = entity else { panic!() };
    assert_eq!(p.txn.total.amount(), dec("1830.25"));
    assert_eq!(p.card_account.unwrap().id.as_str(), "41");

    let (entity, _) = record(
        EntityKind::Purchase,
        &format!(
            r#"{{"Id": "82", "TxnDate": "2026-02-04", "TotalAmt": 19.99, "PaymentType": "CreditCard",
                "Credit": true, "AccountRef": {{"value": "41"}}, {UPDATED}}}"#
        ),
    );
    let Entity::Purchase(p) = entity else { panic!() };
    assert!(p.credit, "a card refund");

    let (entity, _) = record(
        EntityKind::CreditMemo,
        &format!(
            r#"{{"Id": "83", "TxnDate": "2026-02-05", "TotalAmt": 100, "RemainingCredit": 40.00,
                "CustomerRef": {{"value": "58"}}, {UPDATED}}}"#
        ),
    );
    let Entity::CreditMemo(m) = entity else { panic!() };
    assert_eq!(m.remaining_credit.amount(), dec("40.00"));

    let (entity, _) = record(
        EntityKind::Deposit,
        &format!(
            r#"{{"Id": "84", "TxnDate": "2026-02-06", "TotalAmt": 900, "DepositToAccountRef": {{"value": "35"}},
                "CashBack": {{"AccountRef": {{"value": "30"}}, "Amount": 100.00}}, {UPDATED}}}"#
        ),
    );
    let Entity::Deposit(d) = entity else { panic!() };
    assert_eq!(d.cash_back.unwrap().amount(), dec("100.00"));

    let (entity, _) = record(
        EntityKind::TaxPayment,
        &format!(
            r#"{{"Id": "85", "TxnDate": "2026-02-07", "PaymentAmount": 320.10, "Refund": false,
                "PaymentAccountRef": {{"value": "35"}}, {UPDATED}}}"#
        ),
    );
    let Entity::TaxPayment(t) = entity else { panic!() };
    assert_eq!((t.txn.total.amount(), t.refund), (dec("320.10"), false));
}

#[test]
fn sales_lines_keep_their_type_item_and_discount_account_and_groups_open_up() {
    let (entity, _) = record(
        EntityKind::Invoice,
        r#"{
  "Id": "9", "SyncToken": "0", "MetaData": {"CreateTime": "2026-03-04T10:15:00-08:00", "LastUpdatedTime": "2026-03-04T10:15:00-08:00"},
  "CustomerRef": {"value": "58"}, "TxnDate": "2026-03-04", "TotalAmt": 362.07, "Balance": 362.07,
  "Line": [
    {"Id": "1", "Amount": 275.0, "DetailType": "SalesItemLineDetail",
     "SalesItemLineDetail": {"ItemRef": {"value": "5", "name": "Rock Fountain"}}},
    {"Id": "2", "Amount": 60.25, "DetailType": "GroupLineDetail",
     "GroupLineDetail": {"GroupItemRef": {"value": "19"}, "Line": [
       {"Id": "3", "Amount": 12.75, "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "11"}, "ItemAccountRef": {"value": "79"}}},
       {"Id": "4", "Amount": 47.5, "DetailType": "SalesItemLineDetail",
        "SalesItemLineDetail": {"ItemRef": {"value": "12"}}}]}},
    {"Amount": 335.25, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}},
    {"Amount": 10.0, "DetailType": "DiscountLineDetail",
     "DiscountLineDetail": {"PercentBased": false, "DiscountAccountRef": {"value": "86", "name": "Discounts given"}}},
    {"Id": "5", "DetailType": "DescriptionOnly", "DescriptionLineDetail": {}, "Description": "thanks"}
  ]
}"#,
    );
    let Entity::Invoice(invoice) = entity else { panic!() };
    type Seen = (String, Option<LineDetail>, Option<String>, Option<String>);
    let seen: Vec<Seen> = invoice
        .txn
        .lines
        .iter()
        .map(|l| {
            (
                l.amount.amount().to_string(),
                l.detail,
                l.item.as_ref().map(|r| r.id.to_string()),
                l.account.as_ref().map(|r| r.id.to_string()),
            )
        })
        .collect();
    let line = |a: &str, d, item: Option<&str>, account: Option<&str>| {
        (
            a.to_owned(),
            Some(d),
            item.map(str::to_owned),
            account.map(str::to_owned),
        )
    };
    assert_eq!(
        seen,
        vec![
            line("275.0", LineDetail::SalesItem, Some("5"), None),
            line("12.75", LineDetail::SalesItem, Some("11"), Some("79")),
            line("47.5", LineDetail::SalesItem, Some("12"), None),
            line("10.0", LineDetail::Discount, None, Some("86")),
        ],
        "the group opens into its lines, the subtotal and the amount-less line are skipped"
    );
}

#[test]
fn preferences_carry_the_books_close_date_when_there_is_one() {
    let prefs = |accounting: &str| {
        format!(
            r#"{{"Id": "1", "SyncToken": "4",
  "MetaData": {{"CreateTime": "2024-01-04T10:15:00-08:00", "LastUpdatedTime": "2026-10-05T17:00:00-08:00"}},
  "AccountingInfoPrefs": {accounting}, "CurrencyPrefs": {{"HomeCurrency": {{"value": "USD"}}}}}}"#
        )
    };
    let (entity, _) = record(
        EntityKind::Preferences,
        &prefs(r#"{"TrackDepartments": true, "BookCloseDate": "2026-09-30"}"#),
    );
    let Entity::Preferences(p) = entity else { panic!() };
    assert_eq!(p.book_close_date, Some("2026-09-30".parse().unwrap()));
    assert_eq!(p.meta.external_id.as_str(), "1");
    let (entity, _) = record(EntityKind::Preferences, &prefs(r#"{"TrackDepartments": false}"#));
    let Entity::Preferences(p) = entity else { panic!() };
    assert_eq!(p.book_close_date, None, "never closed");
    let bad = map_row(
        &client(),
        None,
        EntityKind::Preferences,
        &parse(&prefs(r#"{"BookCloseDate": "30/09/2026"}"#)),
    );
    assert!(matches!(bad, Mapped::Rejected(_)), "{bad:?}");
}

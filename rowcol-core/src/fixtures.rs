//! Builders for realistic entities in tests of any crate (feature `fixtures`).
//!
//! Every builder fills the fields a test does not care about with plausible
//! values; the test then sets the fields it checks, e.g.
//! `let mut b = fixtures::bill("acme", "7", dec!(120)); b.due_date = None;`.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;

use crate::entity::*;
use crate::{ClientId, Currency, ExternalId, Money, Rail, VersionToken};

/// Parses an id that a test spells out; panics with the bad text (tests only).
pub fn id<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    match s.parse() {
        Ok(v) => v,
        Err(e) => panic!("fixture id {s:?} is invalid: {e:?}"),
    }
}

/// A `YYYY-MM-DD` date; panics on a typo (tests only).
pub fn date(s: &str) -> NaiveDate {
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => d,
        Err(e) => panic!("fixture date {s:?} is invalid: {e}"),
    }
}

/// An RFC 3339 time with offset; panics on a typo (tests only).
pub fn time(s: &str) -> DateTime<FixedOffset> {
    match DateTime::parse_from_rfc3339(s) {
        Ok(t) => t,
        Err(e) => panic!("fixture time {s:?} is invalid: {e}"),
    }
}

/// US dollars.
pub fn usd(amount: Decimal) -> Money {
    Money::new(amount, Currency::USD)
}

/// Source metadata for a QBO record, version 0, created and updated on
/// 2026-01-15 at 09:00 Pacific.
pub fn meta(client: &str, external_id: &str) -> SourceMeta {
    SourceMeta {
        client: id::<ClientId>(client),
        rail: Rail::Qbo,
        external_id: id::<ExternalId>(external_id),
        version: VersionToken::new("0"),
        created_at: time("2026-01-15T09:00:00-08:00"),
        updated_at: time("2026-01-15T09:00:00-08:00"),
        deleted: false,
    }
}

/// A reference to record `id`.
pub fn reference(external_id: &str, name: &str) -> Reference {
    Reference {
        id: id(external_id),
        name: Some(name.to_owned()),
    }
}

/// Transaction fields: dated 2026-01-15, total USD 100, one line coded to
/// account 60 ("Supplies").
pub fn txn(total: Decimal) -> TxnCommon {
    TxnCommon {
        txn_date: date("2026-01-15"),
        total: usd(total),
        exchange_rate: None,
        doc_number: None,
        private_note: None,
        lines: vec![Line {
            amount: usd(total),
            account: Some(reference("60", "Supplies")),
            description: None,
        }],
    }
}

/// An active bank account with the given balance.
pub fn bank_account(client: &str, external_id: &str, name: &str, balance: Decimal) -> Account {
    Account {
        meta: meta(client, external_id),
        name: name.to_owned(),
        fully_qualified_name: Some(name.to_owned()),
        account_type: AccountType::Bank,
        sub_type: Some("Checking".to_owned()),
        current_balance: usd(balance),
        active: true,
    }
}

/// An active vendor with a zero balance.
pub fn vendor(client: &str, external_id: &str, name: &str) -> Vendor {
    Vendor {
        party: party(client, external_id, name),
        is_1099: false,
    }
}

/// An active customer with a zero balance.
pub fn customer(client: &str, external_id: &str, name: &str) -> Customer {
    Customer {
        party: party(client, external_id, name),
    }
}

fn party(client: &str, external_id: &str, name: &str) -> Party {
    Party {
        meta: meta(client, external_id),
        display_name: name.to_owned(),
        company_name: None,
        active: true,
        balance: usd(Decimal::ZERO),
        email: None,
        terms: None,
    }
}

/// An open bill from vendor 56, dated 2026-01-15, due 2026-02-14, fully unpaid.
pub fn bill(client: &str, external_id: &str, total: Decimal) -> Bill {
    Bill {
        meta: meta(client, external_id),
        txn: txn(total),
        vendor: Some(reference("56", "Acme Supplies")),
        ap_account: Some(reference("33", "Accounts Payable")),
        due_date: Some(date("2026-02-14")),
        terms: None,
        balance: usd(total),
        linked: vec![],
    }
}

/// An open invoice to customer 58, dated 2026-01-15, due 2026-02-14, sent,
/// fully unpaid.
pub fn invoice(client: &str, external_id: &str, total: Decimal) -> Invoice {
    Invoice {
        meta: meta(client, external_id),
        txn: txn(total),
        customer: Some(reference("58", "Bright Cafe")),
        due_date: Some(date("2026-02-14")),
        terms: None,
        balance: usd(total),
        email_status: EmailStatus::EmailSent,
        bill_email: Some("ap@brightcafe.example".to_owned()),
        linked: vec![],
    }
}

/// A customer payment from customer 58 applied in full to `invoice_id`.
pub fn payment(client: &str, external_id: &str, total: Decimal, invoice_id: &str) -> Payment {
    Payment {
        meta: meta(client, external_id),
        txn: txn(total),
        customer: Some(reference("58", "Bright Cafe")),
        unapplied: usd(Decimal::ZERO),
        deposit_to: Some(reference("35", "Checking")),
        applied_to: vec![TxnLink {
            kind: EntityKind::Invoice,
            id: id(invoice_id),
            amount: Some(usd(total)),
        }],
    }
}

/// A cheque bill payment to vendor 56 paying `bill_id` in full.
pub fn bill_payment(client: &str, external_id: &str, total: Decimal, bill_id: &str) -> BillPayment {
    BillPayment {
        meta: meta(client, external_id),
        txn: txn(total),
        vendor: Some(reference("56", "Acme Supplies")),
        method: PaymentMethod::Check,
        paid_from: Some(reference("35", "Checking")),
        applied_to: vec![TxnLink {
            kind: EntityKind::Bill,
            id: id(bill_id),
            amount: Some(usd(total)),
        }],
    }
}

/// A card purchase from account 41 paid to vendor 56.
pub fn purchase(client: &str, external_id: &str, total: Decimal) -> Purchase {
    Purchase {
        meta: meta(client, external_id),
        txn: txn(total),
        method: PaymentMethod::CreditCard,
        paid_from: Some(reference("41", "Visa")),
        payee: Some(reference("56", "Acme Supplies")),
    }
}

/// A deposit into account 35 ("Checking").
pub fn deposit(client: &str, external_id: &str, total: Decimal) -> Deposit {
    Deposit {
        meta: meta(client, external_id),
        txn: txn(total),
        deposit_to: Some(reference("35", "Checking")),
        linked: vec![],
    }
}

/// Net 30 terms with an optional early-payment discount.
pub fn term(client: &str, external_id: &str, name: &str, due_days: u32, discount: Option<(Decimal, u32)>) -> Term {
    Term {
        meta: meta(client, external_id),
        name: name.to_owned(),
        due_days: Some(due_days),
        discount_percent: discount.map(|(p, _)| p),
        discount_days: discount.map(|(_, d)| d),
        active: true,
    }
}

/// The company record, home currency USD.
pub fn company(client: &str, name: &str) -> CompanyInfo {
    CompanyInfo {
        meta: meta(client, "1"),
        company_name: name.to_owned(),
        country: Some("US".to_owned()),
        fiscal_year_start_month: Some(1),
        home_currency: Currency::USD,
    }
}

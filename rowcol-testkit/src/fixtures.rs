//! Builders for realistic entities in tests of any crate.
//!
//! Every builder fills the fields a test does not care about with plausible
//! values; the test then sets the fields it checks, e.g.
//! `let mut b = fixtures::bill("acme", "7", dec!(120)); b.due_date = None;`.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rust_decimal::Decimal;

use rowcol_core::entity::*;
use rowcol_core::{ClientId, Currency, ExternalId, Money, Rail, VersionToken};

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
            posting: None,
            party: None,
            detail: None,
            item: None,
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
        credit: false,
    }
}

/// A deposit into account 35 ("Checking").
pub fn deposit(client: &str, external_id: &str, total: Decimal) -> Deposit {
    Deposit {
        meta: meta(client, external_id),
        txn: txn(total),
        deposit_to: Some(reference("35", "Checking")),
        linked: vec![],
        cash_back: None,
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

/// The company's preferences with the books closed through `close`.
pub fn preferences(client: &str, close: Option<NaiveDate>) -> Preferences {
    Preferences {
        meta: meta(client, "1"),
        book_close_date: close,
    }
}

/// A payroll journal entry: wages (61) debited, checking (35) credited,
/// the credit line naming the payroll provider (vendor 90).
pub fn journal_entry(client: &str, external_id: &str, amount: Decimal) -> JournalEntry {
    let line = |account: Reference, posting: Posting, party: Option<Reference>| Line {
        amount: usd(amount),
        account: Some(account),
        description: None,
        posting: Some(posting),
        party,
        detail: Some(LineDetail::Journal),
        item: None,
    };
    JournalEntry {
        meta: meta(client, external_id),
        txn: TxnCommon {
            lines: vec![
                line(reference("61", "Wages"), Posting::Debit, None),
                line(
                    reference("35", "Checking"),
                    Posting::Credit,
                    Some(reference("90", "Gusto")),
                ),
            ],
            ..txn(amount)
        },
        adjustment: false,
    }
}

/// A transfer from checking (35) to savings (36).
pub fn transfer(client: &str, external_id: &str, amount: Decimal) -> Transfer {
    Transfer {
        meta: meta(client, external_id),
        txn: TxnCommon {
            lines: vec![],
            ..txn(amount)
        },
        from: Some(reference("35", "Checking")),
        to: Some(reference("36", "Savings")),
    }
}

/// A cash sale to customer 58 deposited to checking (35).
pub fn sales_receipt(client: &str, external_id: &str, total: Decimal) -> SalesReceipt {
    SalesReceipt {
        meta: meta(client, external_id),
        txn: txn(total),
        customer: Some(reference("58", "Bright Cafe")),
        deposit_to: Some(reference("35", "Checking")),
    }
}

/// A refund to customer 58 paid from checking (35).
pub fn refund_receipt(client: &str, external_id: &str, total: Decimal) -> RefundReceipt {
    RefundReceipt {
        meta: meta(client, external_id),
        txn: txn(total),
        customer: Some(reference("58", "Bright Cafe")),
        paid_from: Some(reference("35", "Checking")),
    }
}

/// A credit memo for customer 58, `remaining` of it not yet applied.
pub fn credit_memo(client: &str, external_id: &str, total: Decimal, remaining: Decimal) -> CreditMemo {
    CreditMemo {
        meta: meta(client, external_id),
        txn: txn(total),
        customer: Some(reference("58", "Bright Cafe")),
        remaining_credit: usd(remaining),
    }
}

/// A vendor credit from vendor 56, `balance` of it not yet applied.
pub fn vendor_credit(client: &str, external_id: &str, total: Decimal, balance: Decimal) -> VendorCredit {
    VendorCredit {
        meta: meta(client, external_id),
        txn: txn(total),
        vendor: Some(reference("56", "Acme Supplies")),
        balance: usd(balance),
    }
}

/// The Visa card (41) paid down from checking (35).
pub fn card_payment(client: &str, external_id: &str, amount: Decimal) -> CreditCardPayment {
    CreditCardPayment {
        meta: meta(client, external_id),
        txn: TxnCommon {
            lines: vec![],
            ..txn(amount)
        },
        card_account: Some(reference("41", "Visa")),
        bank_account: Some(reference("35", "Checking")),
        vendor: None,
    }
}

/// Sales tax paid from checking (35).
pub fn tax_payment(client: &str, external_id: &str, amount: Decimal) -> TaxPayment {
    TaxPayment {
        meta: meta(client, external_id),
        txn: TxnCommon {
            lines: vec![],
            ..txn(amount)
        },
        paid_from: Some(reference("35", "Checking")),
        refund: false,
    }
}

/// A service item selling into income account 40.
pub fn item(client: &str, external_id: &str, name: &str) -> Item {
    Item {
        meta: meta(client, external_id),
        name: name.to_owned(),
        fully_qualified_name: Some(name.to_owned()),
        item_type: Some("Service".to_owned()),
        income_account: Some(reference("40", "Services")),
        expense_account: None,
        active: true,
    }
}

/// A class or department without a parent.
pub fn segment(client: &str, external_id: &str, name: &str) -> Segment {
    Segment {
        meta: meta(client, external_id),
        name: name.to_owned(),
        fully_qualified_name: Some(name.to_owned()),
        parent: None,
        active: true,
    }
}

/// Source metadata for a bank rail (Plaid) record, as [`meta`] otherwise.
fn bank_meta(client: &str, external_id: &str) -> SourceMeta {
    SourceMeta {
        rail: Rail::Plaid,
        ..meta(client, external_id)
    }
}

/// A checking account at the bank (Plaid's view), holding `current`.
pub fn bank_feed_account(client: &str, external_id: &str, current: Decimal) -> BankAccount {
    BankAccount {
        meta: bank_meta(client, external_id),
        name: "Plaid Checking".to_owned(),
        official_name: Some("Business Checking 0000".to_owned()),
        mask: Some("0000".to_owned()),
        account_type: AccountType::Bank,
        sub_type: Some("checking".to_owned()),
        current: Some(usd(current)),
        available: Some(usd(current)),
        limit: None,
        balance_as_of: Some(time("2026-01-15T17:00:00Z").to_utc()),
    }
}

/// A posted bank line on `account`, dated 2026-01-15, `amount` signed as
/// the books see it (money in positive).
pub fn bank_transaction(client: &str, external_id: &str, account: &str, amount: Decimal) -> BankTransaction {
    BankTransaction {
        meta: bank_meta(client, external_id),
        account: id(account),
        date: date("2026-01-15"),
        authorized_date: Some(date("2026-01-14")),
        amount: usd(amount),
        pending: false,
        pending_transaction_id: None,
        name: "ACH DEBIT PAPER CO".to_owned(),
        merchant_name: Some("Paper Co".to_owned()),
    }
}

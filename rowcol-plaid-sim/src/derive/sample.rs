//! Made-up banks: the one behind Plaid's own sandbox test users
//! (`user_good`, `user_transactions_dynamic`: three accounts named as
//! Plaid's sandbox names them, two months of books drawn from a seed), and
//! a small business's for tests, examples and benchmarks.

use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use super::calendar::{first_of_month, first_of_next_month, minus_days, plus_days};
use super::{ClientBank, Habits};
use crate::bank::{AccountKind, AccountSpec, BookPosting};

/// Plaid's sandbox test users that link without an admin-made bank.
pub const TEST_USERS: [&str; 2] = ["user_good", "user_transactions_dynamic"];

const MERCHANTS: [&str; 5] = [
    "Uber",
    "Starbucks",
    "United Airlines",
    "McDonald's",
    "Touchstone Climbing",
];

/// The sample bank of a test user, books dated up to `today`.
pub fn sample_bank(username: &str, seed: u64, today: NaiveDate) -> ClientBank {
    let mut rng = StdRng::seed_from_u64(seed);
    let accounts = vec![
        account("Plaid Checking", AccountKind::Checking, Some("0000"), 110),
        account("Plaid Saving", AccountKind::Savings, Some("1111"), 210),
        account("Plaid Credit Card", AccountKind::CreditCard, Some("3333"), 410),
    ];
    let mut books = Books::default();
    for days_ago in (2..60).step_by(6) {
        let merchant = MERCHANTS[rng.random_range(0..MERCHANTS.len())];
        let cents = -rng.random_range(500..9_000);
        books.post(
            "Plaid Credit Card",
            minus_days(today, days_ago),
            cents,
            Some(merchant),
            "Purchase",
        );
    }
    books.post(
        "Plaid Checking",
        minus_days(today, 45),
        250_000,
        Some("Acme Payroll Client"),
        "Payment",
    );
    books.post(
        "Plaid Checking",
        minus_days(today, 15),
        250_000,
        Some("Acme Payroll Client"),
        "Payment",
    );
    books.post(
        "Plaid Checking",
        minus_days(today, 30),
        -50_000,
        None,
        "CreditCardPayment",
    );
    books.post(
        "Plaid Credit Card",
        minus_days(today, 30),
        50_000,
        None,
        "CreditCardPayment",
    );
    books.post(
        "Plaid Checking",
        minus_days(today, 20),
        -120_000,
        Some("Landlord LLC"),
        "BillPayment",
    );
    bank(username, seed, accounts, books, Habits::default())
}

/// A small business's bank for tests, examples and benchmarks: Checking
/// (opening 20,000) and a card (nothing owed), `months` months of books
/// before `today`'s month (on the 3rd, 10th, 17th and 24th a card purchase,
/// two customer receipts and next day's rent; on the 15th the card paid
/// from Checking), a bill paid yesterday and a card purchase made today.
/// Habits are the defaults but for `diligence`.
pub fn small_business(username: &str, seed: u64, diligence: f64, months: u32, today: NaiveDate) -> ClientBank {
    let accounts = vec![
        account("Checking", AccountKind::Checking, None, 20_000),
        account("Card", AccountKind::CreditCard, None, 0),
    ];
    let mut books = Books::default();
    let this_month = first_of_month(today);
    let mut month = this_month;
    for _ in 0..months {
        month = first_of_month(minus_days(month, 1));
    }
    while month < this_month {
        for d in [3, 10, 17, 24] {
            let date = month.with_day(d).unwrap_or(month);
            books.post("Card", date, -4_217, Some("Cafe Uno"), "Purchase");
            books.post("Checking", date, 120_000, Some("Acme Corp"), "Payment");
            books.post("Checking", date, 35_050, Some("Beta LLC"), "Payment");
            books.post("Checking", plus_days(date, 1), -80_000, Some("Landlord"), "BillPayment");
        }
        let fifteenth = month.with_day(15).unwrap_or(month);
        books.post("Checking", fifteenth, -50_000, None, "CreditCardPayment");
        books.post("Card", fifteenth, 50_000, None, "CreditCardPayment");
        month = first_of_next_month(month);
    }
    books.post(
        "Checking",
        minus_days(today, 1),
        -97_525,
        Some("Gamma Supplies"),
        "BillPayment",
    );
    books.post("Card", today, -12_999, Some("Office Depot"), "Purchase");
    let habits = Habits {
        diligence,
        ..Habits::default()
    };
    bank(username, seed, accounts, books, habits)
}

fn account(name: &str, kind: AccountKind, mask: Option<&str>, opening: i64) -> AccountSpec {
    AccountSpec {
        name: name.to_string(),
        kind,
        mask: mask.map(str::to_string),
        opening_balance: Decimal::new(opening, 0),
        limit: None,
        currency: "USD".to_string(),
    }
}

/// Book postings numbered as they are made (`Purchase:0`, `Payment:1`...).
#[derive(Default)]
struct Books {
    postings: Vec<BookPosting>,
}

impl Books {
    fn post(&mut self, account: &str, date: NaiveDate, cents: i64, payee: Option<&str>, txn_type: &str) {
        self.postings.push(BookPosting {
            account: account.to_string(),
            date,
            amount: Decimal::new(cents, 2),
            payee: payee.map(str::to_string),
            txn_id: format!("{txn_type}:{}", self.postings.len()),
            txn_type: Some(txn_type.to_string()),
        });
    }
}

fn bank(username: &str, seed: u64, accounts: Vec<AccountSpec>, books: Books, habits: Habits) -> ClientBank {
    ClientBank {
        username: username.to_string(),
        institution_id: "ins_109508".to_string(),
        accounts,
        postings: books.postings,
        seed,
        habits,
        not_ready_polls: 0,
    }
}

//! The bank behind Plaid's own sandbox test users (`user_good`,
//! `user_transactions_dynamic`): three accounts named as Plaid's sandbox
//! names them, and two months of small made-up books, drawn from a seed.

use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use super::calendar::minus_days;
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
    let account = |name: &str, kind, mask: &str, opening: i64| AccountSpec {
        name: name.to_string(),
        kind,
        mask: Some(mask.to_string()),
        opening_balance: Decimal::new(opening, 0),
        limit: None,
        currency: "USD".to_string(),
    };
    let accounts = vec![
        account("Plaid Checking", AccountKind::Checking, "0000", 110),
        account("Plaid Saving", AccountKind::Savings, "1111", 210),
        account("Plaid Credit Card", AccountKind::CreditCard, "3333", 410),
    ];
    let mut postings = Vec::new();
    let mut post = |account: &str, days_ago: u64, cents: i64, payee: Option<&str>, txn_type: &str| {
        postings.push(BookPosting {
            account: account.to_string(),
            date: minus_days(today, days_ago),
            amount: Decimal::new(cents, 2),
            payee: payee.map(str::to_string),
            txn_id: format!("sample-{}", postings.len() + 1),
            txn_type: Some(txn_type.to_string()),
        });
    };
    for days_ago in (2..60).step_by(6) {
        let merchant = MERCHANTS[rng.random_range(0..MERCHANTS.len())];
        post(
            "Plaid Credit Card",
            days_ago,
            -rng.random_range(500..9_000),
            Some(merchant),
            "Purchase",
        );
    }
    post("Plaid Checking", 45, 250_000, Some("Acme Payroll Client"), "Payment");
    post("Plaid Checking", 15, 250_000, Some("Acme Payroll Client"), "Payment");
    post("Plaid Checking", 30, -50_000, None, "CreditCardPayment");
    post("Plaid Credit Card", 30, 50_000, None, "CreditCardPayment");
    post("Plaid Checking", 20, -120_000, Some("Landlord LLC"), "BillPayment");
    ClientBank {
        username: username.to_string(),
        institution_id: "ins_109508".to_string(),
        accounts,
        postings,
        seed,
        habits: Habits::default(),
        not_ready_polls: 0,
    }
}

/// A small business's bank for tests, examples and benchmarks: Checking
/// (opening 20,000) and a card (nothing owed), `months` months of books
/// before `today`'s month (on the 3rd, 10th, 17th and 24th a card purchase, two customer
/// receipts and next day's rent; on the 15th the card paid from Checking),
/// a bill paid yesterday and a card purchase made today. Habits are the
/// defaults but for `diligence`.
pub fn small_business(username: &str, seed: u64, diligence: f64, months: u32, today: NaiveDate) -> ClientBank {
    let accounts = vec![
        AccountSpec {
            name: "Checking".to_string(),
            kind: AccountKind::Checking,
            mask: None,
            opening_balance: Decimal::new(20_000, 0),
            limit: None,
            currency: "USD".to_string(),
        },
        AccountSpec {
            name: "Card".to_string(),
            kind: AccountKind::CreditCard,
            mask: None,
            opening_balance: Decimal::ZERO,
            limit: None,
            currency: "USD".to_string(),
        },
    ];
    let mut postings = Vec::new();
    let mut post = |account: &str, date: NaiveDate, cents: i64, payee: Option<&str>, txn_type: &str| {
        postings.push(BookPosting {
            account: account.to_string(),
            date,
            amount: Decimal::new(cents, 2),
            payee: payee.map(str::to_string),
            txn_id: format!("{txn_type}:{}", postings.len()),
            txn_type: Some(txn_type.to_string()),
        });
    };
    let mut month = super::calendar::first_of_month(today);
    for _ in 0..months {
        month = super::calendar::first_of_month(minus_days(month, 1));
    }
    while month < super::calendar::first_of_month(today) {
        for d in [3, 10, 17, 24] {
            let date = month.with_day(d).unwrap_or(month);
            post("Card", date, -4_217, Some("Cafe Uno"), "Purchase");
            post("Checking", date, 120_000, Some("Acme Corp"), "Payment");
            post("Checking", date, 35_050, Some("Beta LLC"), "Payment");
            post(
                "Checking",
                super::calendar::plus_days(date, 1),
                -80_000,
                Some("Landlord"),
                "BillPayment",
            );
        }
        let fifteenth = month.with_day(15).unwrap_or(month);
        post("Checking", fifteenth, -50_000, None, "CreditCardPayment");
        post("Card", fifteenth, 50_000, None, "CreditCardPayment");
        month = super::calendar::first_of_next_month(month);
    }
    post(
        "Checking",
        minus_days(today, 1),
        -97_525,
        Some("Gamma Supplies"),
        "BillPayment",
    );
    post("Card", today, -12_999, Some("Office Depot"), "Purchase");
    ClientBank {
        username: username.to_string(),
        institution_id: "ins_109508".to_string(),
        accounts,
        postings,
        seed,
        habits: Habits {
            diligence,
            ..Habits::default()
        },
        not_ready_polls: 0,
    }
}

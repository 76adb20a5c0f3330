//! The bank lines a bookkeeper misses: monthly service fees, a forgotten
//! subscription, customer deposits never recorded, the second of two
//! identical purchases, round withdrawals. Each comes at a rate of `miss`
//! (`1 - diligence`); none when the books are diligent.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand::rngs::StdRng;
use rust_decimal::Decimal;

use super::calendar::{
    add_business_days, first_of_month, first_of_next_month, last_business_day_of_month, minus_days, plus_days,
};
use crate::bank::{AccountKind, AccountSpec, LineKind, PlannedLine};

const SUBSCRIPTIONS: [(&str, &str, i64); 4] = [
    ("ADOBE *CREATIVE CLOUD", "Adobe", 5499),
    ("DROPBOX*BUSINESS", "Dropbox", 1999),
    ("ZOOM.US 888-799-9666", "Zoom", 14990),
    ("INTUIT *MAILCHIMP", "Mailchimp", 3500),
];

/// Adds the missed lines over the months from `first` to `today`.
pub fn add_missing(
    accounts: &[AccountSpec],
    first: NaiveDate,
    today: NaiveDate,
    miss: f64,
    rng: &mut StdRng,
    lines: &mut Vec<PlannedLine>,
) {
    if miss <= 0.0 {
        return;
    }
    let checking = accounts.iter().position(|a| a.kind.is_depository()).unwrap_or(0);
    let card = accounts.iter().position(|a| a.kind == AccountKind::CreditCard);
    // One forgotten subscription, running for the last `miss` share of the months.
    let (text, merchant, cents) = SUBSCRIPTIONS[rng.random_range(0..SUBSCRIPTIONS.len())];
    let months = months_between(first, today);
    let running = (f64::from(months) * miss).ceil();
    let since = minus_months(first_of_month(today), running.clamp(0.0, f64::from(months)) as u32);
    let subscription = (text, merchant, Decimal::new(cents, 2), rng.random_range(1..=28u32));
    let cleared = lines.len();
    let mut month = first_of_month(first);
    let mut number = 0u32;
    while month <= today {
        let end = first_of_next_month(month);
        let mut add =
            |line: Option<PlannedLine>| lines.extend(line.filter(|l| l.authorized <= today && l.authorized >= first));
        let fee = Decimal::new([12, 15, 25, 35][rng.random_range(0..4)], 0).round_dp(2);
        add(rng.random_bool(miss).then(|| {
            missed(
                checking,
                LineKind::BankFee,
                last_business_day_of_month(month),
                fee,
                "MONTHLY SERVICE FEE".into(),
                None,
            )
        }));
        if month >= since {
            let (text, merchant, amount, day) = subscription;
            let date = month.with_day(day).unwrap_or(month);
            add(Some(missed(
                card.unwrap_or(checking),
                LineKind::Subscription,
                date,
                amount,
                text.into(),
                Some(merchant.into()),
            )));
        }
        if rng.random_bool(miss * 0.5) {
            let date = plus_days(month, rng.random_range(0..28));
            let amount = -Decimal::new(rng.random_range(25_000..=500_000), 2);
            let text = format!("REMOTE DEPOSIT REF #{}", rng.random_range(100_000..999_999));
            add(Some(missed(
                checking,
                LineKind::UnrecordedDeposit,
                date,
                amount,
                text,
                None,
            )));
        }
        if month.month().is_multiple_of(3) {
            if rng.random_bool(miss) {
                number += 1;
                let date = plus_days(month, rng.random_range(0..28));
                let amount = Decimal::new([200, 300, 500][rng.random_range(0..3)], 0).round_dp(2);
                add(Some(missed(
                    checking,
                    LineKind::RoundAmount,
                    date,
                    amount,
                    format!("ATM WITHDRAWAL #{number:04}"),
                    None,
                )));
            }
            if rng.random_bool(miss) {
                // The quarter ending with this month.
                let since = minus_days(month, 61);
                let quarter: Vec<&PlannedLine> = lines[..cleared]
                    .iter()
                    .filter(|l| l.kind == LineKind::Cleared && l.pending.is_some())
                    .filter(|l| l.authorized >= since && l.authorized < end)
                    .collect();
                if !quarter.is_empty() {
                    let mut twin = quarter[rng.random_range(0..quarter.len())].clone();
                    twin.kind = LineKind::IdenticalPurchase;
                    twin.book = Vec::new();
                    twin.split = false;
                    lines.push(twin);
                }
            }
        }
        month = end;
    }
}

fn months_between(first: NaiveDate, today: NaiveDate) -> u32 {
    let months = (today.year() - first.year()) * 12 + today.month() as i32 - first.month() as i32;
    u32::try_from(months.max(0)).unwrap_or(0) + 1
}

fn minus_months(mut month: NaiveDate, n: u32) -> NaiveDate {
    for _ in 1..n {
        month = first_of_month(minus_days(month, 1));
    }
    month
}

fn missed(
    account: usize,
    kind: LineKind,
    date: NaiveDate,
    amount: Decimal,
    description: String,
    merchant: Option<String>,
) -> PlannedLine {
    PlannedLine {
        key: 0,
        account,
        kind,
        book: Vec::new(),
        description,
        merchant,
        amount,
        authorized: date,
        pending: None,
        posts_on: Some(add_business_days(date, 0)),
        enriched_on: None,
        split: false,
    }
}

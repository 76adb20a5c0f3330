//! A small client snapshot for unit tests: bank account 35 "Checking"
//! (USD 10,000), card 41 "Visa" (nothing owed), expense account 60
//! "Supplies", vendor 56, customer 58, no transactions, data synced at
//! 2026-02-01T00:00Z, as of 2026-02-01 with history from 2025-08-01; and
//! the bank feed's side for bank check tests (accounts, lines, postings to
//! Checking).

use chrono::{DateTime, Utc};
use rowcol_core::entity::{Account, AccountType, BankAccount, BankTransaction, Deposit, Purchase};
use rowcol_core::{
    ClientHealth, ClientSettings, ClientSnapshot, ConnectionStatus, Currency, EntityKind, KindHealth, SnapshotRequest,
};
use rowcol_testkit::fixtures::{self, date, id};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

/// When the test data was last synced.
pub(crate) fn synced_at() -> DateTime<Utc> {
    fixtures::time("2026-02-01T00:00:00+00:00").with_timezone(&Utc)
}

/// An account of a type with a balance.
pub(crate) fn account(external_id: &str, name: &str, kind: AccountType, balance: rust_decimal::Decimal) -> Account {
    let mut a = fixtures::bank_account("acme", external_id, name, balance);
    a.account_type = kind;
    a.sub_type = None;
    a
}

/// The base snapshot.
pub(crate) fn snapshot() -> ClientSnapshot {
    let health = ClientHealth {
        client: id("acme"),
        connection: Some(ConnectionStatus::Active),
        kinds: EntityKind::ALL
            .iter()
            .map(|k| KindHealth {
                kind: *k,
                last_success: Some(synced_at()),
                last_attempt: Some(synced_at()),
                consecutive_failures: 0,
                dead_letters: 0,
            })
            .collect(),
        last_reconcile: None,
    };
    let mut s = ClientSnapshot::empty(
        id("acme"),
        "Acme Bakery".to_owned(),
        Currency::USD,
        SnapshotRequest {
            as_of: date("2026-02-01"),
            history_months: 6,
        },
        synced_at(),
        health,
        ClientSettings::default(),
    );
    s.company = Some(fixtures::company("acme", "Acme Bakery"));
    s.accounts = vec![
        fixtures::bank_account("acme", "35", "Checking", dec!(10000)),
        account("41", "Visa", AccountType::CreditCard, dec!(0)),
        account("60", "Supplies", AccountType::Expense, dec!(0)),
    ]
    .into();
    s.vendors = vec![fixtures::vendor("acme", "56", "Acme Supplies")].into();
    s.customers = vec![fixtures::customer("acme", "58", "Bright Cafe")].into();
    s
}

/// The bank's account `external_id` named `name`, of `kind`, holding `current`.
pub(crate) fn bank_feed(external_id: &str, name: &str, kind: AccountType, current: Decimal) -> BankAccount {
    let mut a = fixtures::bank_feed_account("acme", external_id, current);
    a.name = name.to_owned();
    a.account_type = kind;
    a
}

/// A posted line on the bank's account `chk`, without a merchant.
pub(crate) fn bank_line(external_id: &str, day: &str, amount: Decimal, name: &str) -> BankTransaction {
    let mut l = fixtures::bank_transaction("acme", external_id, "chk", amount);
    l.date = date(day);
    l.authorized_date = None;
    l.name = name.to_owned();
    l.merchant_name = None;
    l
}

/// A purchase of `total` paid from Checking (35).
pub(crate) fn paid_from_checking(external_id: &str, day: &str, total: Decimal) -> Purchase {
    let mut p = fixtures::purchase("acme", external_id, total);
    p.txn.txn_date = date(day);
    p.paid_from = Some(fixtures::reference("35", "Checking"));
    p
}

/// A deposit of `total` into Checking (35).
pub(crate) fn deposited_to_checking(external_id: &str, day: &str, total: Decimal) -> Deposit {
    let mut d = fixtures::deposit("acme", external_id, total);
    d.txn.txn_date = date(day);
    d
}

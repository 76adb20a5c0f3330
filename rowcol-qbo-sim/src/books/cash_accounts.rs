//! The realm's bank and card accounts and every posting to them, as a bank
//! sees the books: what a look-alike bank derives its lines from. Opening
//! balances (journal entries against Opening Balance Equity, as QBO records
//! them) are an account's starting figure, not a movement the bank shows.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::postings::{Basis, postings};
use super::{AccountKey, Chart, ref_name};
use crate::store::{Kind, RealmData};

/// A bank or credit card account of the books, in home currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashAccount {
    /// Its `Id`.
    pub id: u64,
    /// Its `Name`.
    pub name: String,
    /// `AccountType` `Credit Card` (else `Bank`).
    pub card: bool,
    /// `AccountSubType` (`Checking`, `Savings`, `CreditCard`).
    pub sub_type: String,
    /// Its opening balance in the books, debit positive (a card owing
    /// money opens negative).
    pub opening_balance: Decimal,
}

/// One transaction's postings to one bank or card account, summed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashPosting {
    /// The account's `Name`.
    pub account: String,
    /// The transaction's date.
    pub date: NaiveDate,
    /// Home amount, debit positive: money in (a deposit, a payment to the
    /// card) is positive, money out (a check, a card charge) negative.
    pub amount: Decimal,
    /// The party the transaction names (`EntityRef`, `VendorRef` or
    /// `CustomerRef`), when it names one.
    pub payee: Option<String>,
    /// The transaction's kind (`Purchase`, `Deposit`, ...).
    pub kind: Kind,
    /// Its `Id`.
    pub id: u64,
}

/// The bank and card side of a realm's books.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CashBooks {
    /// Home-currency bank and card accounts, by id. Accounts in another
    /// currency are left out: their postings are held in home currency here,
    /// which is not what their bank shows.
    pub accounts: Vec<CashAccount>,
    /// Postings to them (accrual basis, which for these accounts is also
    /// the cash basis), by date, then kind and id.
    pub postings: Vec<CashPosting>,
}

/// The bank and card side of `realm`'s books.
pub fn cash_books(realm: &RealmData) -> CashBooks {
    let chart = Chart::of(realm);
    let mut accounts: BTreeMap<u64, CashAccount> = BTreeMap::new();
    for row in realm.kind_rows(Kind::Account) {
        let text = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let kind = text("AccountType");
        let currency = row
            .pointer("/CurrencyRef/value")
            .and_then(Value::as_str)
            .unwrap_or(&realm.home_currency);
        if !matches!(kind.as_str(), "Bank" | "Credit Card") || currency != realm.home_currency {
            continue;
        }
        let id = super::row_id(row);
        accounts.insert(
            id,
            CashAccount {
                id,
                name: text("Name"),
                card: kind == "Credit Card",
                sub_type: text("AccountSubType"),
                opening_balance: Decimal::ZERO,
            },
        );
    }
    let all = postings(realm, &chart, Basis::Accrual);
    let opening: BTreeSet<u64> = all
        .iter()
        .filter(|p| p.kind == Kind::JournalEntry && chart.info(p.account).sub_type == "OpeningBalanceEquity")
        .map(|p| p.id)
        .collect();
    let mut summed: BTreeMap<(NaiveDate, Kind, u64, u64), Decimal> = BTreeMap::new();
    for p in &all {
        let AccountKey::Id(account) = p.account else { continue };
        let Some(cash) = accounts.get_mut(&account) else {
            continue;
        };
        if p.kind == Kind::JournalEntry && opening.contains(&p.id) {
            cash.opening_balance += p.amount;
        } else {
            *summed.entry((p.date, p.kind, p.id, account)).or_default() += p.amount;
        }
    }
    let postings = summed
        .into_iter()
        .filter(|(_, amount)| !amount.is_zero())
        .filter_map(|((date, kind, id, account), amount)| {
            Some(CashPosting {
                account: accounts.get(&account)?.name.clone(),
                date,
                amount,
                payee: realm.get(kind, id).and_then(payee),
                kind,
                id,
            })
        })
        .collect();
    CashBooks {
        accounts: accounts.into_values().collect(),
        postings,
    }
}

/// The party a transaction names, if any.
fn payee(row: &Value) -> Option<String> {
    ["EntityRef", "VendorRef", "CustomerRef"]
        .iter()
        .filter_map(|k| row.get(*k))
        .map(ref_name)
        .find(|n| !n.is_empty())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use chrono::{DateTime, Utc};
    use serde_json::json;

    use super::*;

    fn realm() -> RealmData {
        let now: DateTime<Utc> = "2026-12-01T12:00:00Z".parse().unwrap();
        let mut r = RealmData::new("1", chrono::FixedOffset::west_opt(5 * 3600).unwrap(), "USD");
        for (name, kind, sub, currency) in [
            ("Checking", "Bank", "Checking", "USD"),
            ("Checking EUR", "Bank", "Checking", "EUR"),
            ("Mastercard", "Credit Card", "CreditCard", "USD"),
            ("Opening Balance Equity", "Equity", "OpeningBalanceEquity", "USD"),
            (
                "Office Supplies",
                "Expense",
                "OfficeGeneralAdministrativeExpenses",
                "USD",
            ),
        ] {
            r.create(
                Kind::Account,
                json!({"Name": name, "AccountType": kind, "AccountSubType": sub,
                       "CurrencyRef": {"value": currency}}),
                now,
            );
        }
        r.create(
            Kind::JournalEntry,
            json!({"TxnDate": "2026-01-01", "Line": [
                {"Amount": "5000.00", "DetailType": "JournalEntryLineDetail",
                 "JournalEntryLineDetail": {"PostingType": "Debit", "AccountRef": {"value": "1"}}},
                {"Amount": "5000.00", "DetailType": "JournalEntryLineDetail",
                 "JournalEntryLineDetail": {"PostingType": "Credit", "AccountRef": {"value": "4"}}}]}),
            now,
        );
        r.create(
            Kind::Purchase,
            json!({"TxnDate": "2026-02-03", "PaymentType": "CreditCard", "TotalAmt": "42.50",
                   "AccountRef": {"value": "3"}, "EntityRef": {"value": "9", "name": "Staples"},
                   "Line": [{"Amount": "42.50", "DetailType": "AccountBasedExpenseLineDetail",
                             "AccountBasedExpenseLineDetail": {"AccountRef": {"value": "5"}}}]}),
            now,
        );
        r
    }

    #[test]
    fn opening_entries_open_the_account_and_a_card_charge_is_money_out() {
        let books = cash_books(&realm());
        let names: Vec<&str> = books.accounts.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["Checking", "Mastercard"], "the EUR account is left out");
        assert_eq!(books.accounts[0].opening_balance, Decimal::new(5000, 0));
        assert_eq!(books.accounts[1].opening_balance, Decimal::ZERO);
        assert_eq!(
            books.postings,
            [CashPosting {
                account: "Mastercard".into(),
                date: NaiveDate::from_ymd_opt(2026, 2, 3).unwrap(),
                amount: Decimal::new(-4250, 2),
                payee: Some("Staples".into()),
                kind: Kind::Purchase,
                id: 7,
            }]
        );
    }
}

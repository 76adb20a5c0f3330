//! Plaid's answers read into typed values: transactions, accounts with
//! balances, removed entries. Amounts keep Plaid's sign here (positive =
//! money out); the turn to the books' sign happens in [`crate::map`].
//! Money is read from the JSON number's text, never through a float.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

/// One Plaid Transaction, as Plaid signs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaidTransaction {
    /// `transaction_id`.
    pub transaction_id: String,
    /// `account_id`.
    pub account_id: String,
    /// `amount`: positive money out of the account, negative money in.
    pub amount: Decimal,
    /// `iso_currency_code`, else `unofficial_currency_code`.
    pub currency: Option<String>,
    /// `date`: posted date, or the pending date while pending.
    pub date: NaiveDate,
    /// `authorized_date`.
    pub authorized_date: Option<NaiveDate>,
    /// `pending`.
    pub pending: bool,
    /// For a posted line: the pending line it replaces.
    pub pending_transaction_id: Option<String>,
    /// `name`.
    pub name: String,
    /// `merchant_name`.
    pub merchant_name: Option<String>,
    /// The object as received (JSON text).
    pub raw: String,
}

/// A `removed` entry: only ids.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct RemovedTransaction {
    /// `transaction_id`.
    pub transaction_id: String,
    /// `account_id`, when Plaid (or the posted line superseding it) says.
    pub account_id: Option<String>,
}

/// An object that could not be read, kept with its payload and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// Its id, when one could be read.
    pub id: Option<String>,
    /// The object as received.
    pub raw: String,
    /// Which field was wrong.
    pub reason: String,
}

/// An account's balances as Plaid states them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaidBalances {
    /// `available`.
    pub available: Option<Decimal>,
    /// `current`: a depository account's money, a card's amount owed.
    pub current: Option<Decimal>,
    /// `limit` (cards).
    pub limit: Option<Decimal>,
    /// `iso_currency_code`, else `unofficial_currency_code`.
    pub currency: Option<String>,
    /// `last_updated_datetime`: how old a cached balance is.
    pub last_updated: Option<DateTime<Utc>>,
}

/// One account of an Item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaidAccount {
    /// `account_id`.
    pub account_id: String,
    /// `name`.
    pub name: String,
    /// `official_name`.
    pub official_name: Option<String>,
    /// `mask`: the last digits.
    pub mask: Option<String>,
    /// `type`: `depository`, `credit`, `loan`, `investment`, ...
    pub account_type: String,
    /// `subtype`: `checking`, `savings`, `credit card`, ...
    pub subtype: Option<String>,
    /// `balances`.
    pub balances: PlaidBalances,
    /// The object as received (JSON text).
    pub raw: String,
}

/// A decimal from a JSON number's text (or a string), never via a float.
pub(crate) fn decimal(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn required(value: &Value, key: &str) -> Result<String, String> {
    text(value, key)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("{key} missing"))
}

fn date(value: &Value, key: &str) -> Result<Option<NaiveDate>, String> {
    match value.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("{key} is not a date: {:?}", s.chars().take(32).collect::<String>())),
        Some(_) => Err(format!("{key} is not a date")),
    }
}

fn currency(value: &Value) -> Option<String> {
    text(value, "iso_currency_code").or_else(|| text(value, "unofficial_currency_code"))
}

impl PlaidTransaction {
    /// Reads a Transaction object.
    pub fn parse(value: &Value) -> Result<PlaidTransaction, Unreadable> {
        Self::read(value).map_err(|reason| Unreadable {
            id: text(value, "transaction_id"),
            raw: value.to_string(),
            reason,
        })
    }

    fn read(value: &Value) -> Result<PlaidTransaction, String> {
        let amount = value.get("amount").ok_or("amount missing")?;
        Ok(PlaidTransaction {
            transaction_id: required(value, "transaction_id")?,
            account_id: required(value, "account_id")?,
            amount: decimal(amount).ok_or("amount is not a decimal number")?,
            currency: currency(value),
            date: date(value, "date")?.ok_or("date missing")?,
            authorized_date: date(value, "authorized_date")?,
            pending: value.get("pending").and_then(Value::as_bool).ok_or("pending missing")?,
            pending_transaction_id: text(value, "pending_transaction_id").filter(|s| !s.is_empty()),
            name: text(value, "name").unwrap_or_default(),
            merchant_name: text(value, "merchant_name"),
            raw: value.to_string(),
        })
    }
}

impl RemovedTransaction {
    /// Reads a `removed` entry.
    pub fn parse(value: &Value) -> Result<RemovedTransaction, Unreadable> {
        Ok(RemovedTransaction {
            transaction_id: required(value, "transaction_id").map_err(|reason| Unreadable {
                id: None,
                raw: value.to_string(),
                reason,
            })?,
            account_id: text(value, "account_id"),
        })
    }
}

impl PlaidAccount {
    /// Reads an AccountBase object with its balances.
    pub fn parse(value: &Value) -> Result<PlaidAccount, Unreadable> {
        Self::read(value).map_err(|reason| Unreadable {
            id: text(value, "account_id"),
            raw: value.to_string(),
            reason,
        })
    }

    fn read(value: &Value) -> Result<PlaidAccount, String> {
        let balances = value.get("balances").ok_or("balances missing")?;
        let money = |key: &str| -> Result<Option<Decimal>, String> {
            match balances.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => decimal(v)
                    .map(Some)
                    .ok_or_else(|| format!("balances.{key} is not a number")),
            }
        };
        let last_updated = match text(balances, "last_updated_datetime") {
            None => None,
            Some(t) => Some(
                DateTime::parse_from_rfc3339(&t)
                    .map_err(|_| "balances.last_updated_datetime is not a time".to_owned())?
                    .to_utc(),
            ),
        };
        Ok(PlaidAccount {
            account_id: required(value, "account_id")?,
            name: text(value, "name").unwrap_or_default(),
            official_name: text(value, "official_name"),
            mask: text(value, "mask"),
            account_type: required(value, "type")?,
            subtype: text(value, "subtype"),
            balances: PlaidBalances {
                available: money("available")?,
                current: money("current")?,
                limit: money("limit")?,
                currency: currency(balances),
                last_updated,
            },
            raw: value.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_keep_every_digit_of_the_numbers_text() {
        let value: Value = serde_json::from_str(
            r#"{"transaction_id":"t1","account_id":"a1","amount":12345678901234.56,"date":"2026-12-01","pending":false,"name":"Rent","iso_currency_code":"USD"}"#,
        )
        .unwrap();
        let txn = PlaidTransaction::parse(&value).unwrap();
        assert_eq!(txn.amount.to_string(), "12345678901234.56");
        assert_eq!(txn.currency.as_deref(), Some("USD"));
        assert_eq!(decimal(&json!("1e2")), Some(Decimal::from(100)));
    }

    #[test]
    fn a_transaction_without_its_fields_is_unreadable_with_the_reason() {
        let bad =
            PlaidTransaction::parse(&json!({"transaction_id": "t9", "account_id": "a1", "amount": "x"})).unwrap_err();
        assert_eq!(bad.id.as_deref(), Some("t9"));
        assert_eq!(bad.reason, "amount is not a decimal number");
        let bad = PlaidTransaction::parse(
            &json!({"transaction_id": "t9", "account_id": "a1", "amount": 1, "date": "12/01", "pending": false}),
        )
        .unwrap_err();
        assert!(bad.reason.starts_with("date is not a date"), "{}", bad.reason);
    }
}

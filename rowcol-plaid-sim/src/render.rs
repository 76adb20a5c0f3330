//! Plaid's JSON shapes: Transaction, AccountBase with balances, Item.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::changes::Txn;
use crate::error::{ErrorCode, PlaidError};
use crate::item::{Balance, BankAccount, Item};
use crate::money::{opt_to_json, to_json};

/// An RFC 3339 time as Plaid writes it (`2026-12-06T22:51:34Z`).
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A Transaction object.
pub fn transaction(item: &Item, txn: &Txn, original_description: bool) -> Value {
    let account = item.accounts.get(txn.account);
    let currency = account.map_or("USD", |a| a.spec.currency.as_str());
    let channel = match (&txn.merchant_name, account.map(|a| a.spec.kind.is_depository())) {
        (Some(_), Some(false)) => "in store",
        (Some(_), _) => "online",
        _ => "other",
    };
    json!({
        "account_id": account.map(|a| a.id.as_str()),
        "account_owner": null,
        "amount": to_json(txn.amount),
        "iso_currency_code": currency,
        "unofficial_currency_code": null,
        "authorized_date": txn.authorized_date.to_string(),
        "authorized_datetime": null,
        "category": null,
        "category_id": null,
        "check_number": null,
        "counterparties": [],
        "date": txn.date.to_string(),
        "datetime": null,
        "location": {
            "address": null, "city": null, "country": null, "lat": null, "lon": null,
            "postal_code": null, "region": null, "store_number": null
        },
        "logo_url": null,
        "merchant_entity_id": null,
        "merchant_name": txn.merchant_name,
        "name": txn.name,
        "original_description": if original_description { Value::String(txn.name.clone()) } else { Value::Null },
        "payment_channel": channel,
        "payment_meta": {
            "by_order_of": null, "payee": null, "payer": null, "payment_method": null,
            "payment_processor": null, "ppd_id": null, "reason": null, "reference_number": null
        },
        "pending": txn.pending,
        "pending_transaction_id": txn.pending_transaction_id,
        "personal_finance_category": null,
        "transaction_code": null,
        "transaction_id": txn.id,
        "transaction_type": if channel == "other" { "special" } else { "place" },
        "website": null,
    })
}

/// A removed entry: `{transaction_id, account_id}` only.
pub fn removed(item: &Item, txn: &Txn) -> Value {
    json!({
        "transaction_id": txn.id,
        "account_id": item.accounts.get(txn.account).map(|a| a.id.as_str()),
    })
}

/// An AccountBase with balances as of `at`.
pub fn account(account: &BankAccount, balance: Option<&Balance>, at: DateTime<Utc>) -> Value {
    let spec = &account.spec;
    json!({
        "account_id": account.id,
        "balances": {
            "available": opt_to_json(balance.map(|b| b.available)),
            "current": opt_to_json(balance.map(|b| b.current)),
            "limit": opt_to_json(balance.and_then(|b| b.limit)),
            "iso_currency_code": spec.currency,
            "unofficial_currency_code": null,
            "last_updated_datetime": time(at),
        },
        "mask": account.mask,
        "name": spec.name,
        "official_name": format!("{} {}", spec.name, account.mask),
        "type": spec.kind.plaid_type(),
        "subtype": spec.kind.subtype(),
        "holder_category": "business",
    })
}

/// Every account of an Item with the given balances.
pub fn accounts(item: &Item, balances: &[Balance], at: DateTime<Utc>, only: Option<&[String]>) -> Vec<Value> {
    item.accounts
        .iter()
        .enumerate()
        .filter(|(_, a)| only.is_none_or(|ids| ids.contains(&a.id)))
        .map(|(i, a)| account(a, balances.get(i), at))
        .collect()
}

/// The Item object.
pub fn item(item: &Item) -> Value {
    let error = item
        .login_required
        .then(|| PlaidError::new(ErrorCode::ItemLoginRequired).body(None));
    json!({
        "item_id": item.item_id,
        "institution_id": item.institution_id,
        "webhook": item.webhook.clone().unwrap_or_default(),
        "error": error,
        "available_products": ["balance"],
        "billed_products": ["transactions"],
        "products": ["transactions"],
        "consented_products": ["transactions"],
        "consent_expiration_time": null,
        "update_type": "background",
    })
}

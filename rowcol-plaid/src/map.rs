//! Plaid's objects to RowCol's rail-neutral bank kinds. The one place the
//! sign turns: Plaid's `amount` is positive for money out; a
//! [`BankTransaction`]'s is positive for money in, as the books see the
//! account.
//!
//! Plaid has no version token and no change time on a transaction, so a
//! record's `updated_at` is when the rail read it (later reads win in the
//! mirror) and its version is a hash of the payload (the same payload, the
//! same version). `created_at` is the line's authorised (else its) date.

use chrono::{DateTime, FixedOffset, NaiveDate};
use rowcol_core::entity::{AccountType, BankAccount, BankTransaction, SourceMeta};
use rowcol_core::sync::{Rejected, SourceRecord, Tombstone};
use rowcol_core::{ClientId, Currency, Entity, EntityKind, ExternalId, Money, Rail, VersionToken};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::model::{PlaidAccount, PlaidTransaction, RemovedTransaction, Unreadable};

/// A mapped object, or the reject it becomes.
pub(crate) type Mapped = Result<SourceRecord, Rejected>;

fn id(text: &str, field: &str) -> Result<ExternalId, String> {
    text.parse().map_err(|_| format!("{field} {text:?} is not a usable id"))
}

fn meta(
    client: &ClientId,
    external_id: ExternalId,
    raw: &str,
    created: NaiveDate,
    read_at: DateTime<FixedOffset>,
) -> SourceMeta {
    let digest = hex::encode(Sha256::digest(raw.as_bytes()));
    let created_at = created
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().fixed_offset())
        .unwrap_or(read_at);
    SourceMeta {
        client: client.clone(),
        rail: Rail::Plaid,
        external_id,
        version: VersionToken::new(&digest[..16]),
        created_at: created_at.min(read_at),
        updated_at: read_at,
        deleted: false,
    }
}

fn currency(code: Option<&str>) -> Result<Currency, String> {
    let code = code.ok_or("no iso_currency_code")?;
    code.parse()
        .map_err(|_| format!("currency {code:?} is not an ISO code RowCol keeps"))
}

/// A Plaid Transaction as a [`BankTransaction`], the amount turned to the
/// books' sign.
pub(crate) fn bank_transaction(client: &ClientId, line: &PlaidTransaction, read_at: DateTime<FixedOffset>) -> Mapped {
    let mapped = (|| -> Result<BankTransaction, String> {
        let currency = currency(line.currency.as_deref())?;
        Ok(BankTransaction {
            meta: meta(
                client,
                id(&line.transaction_id, "transaction_id")?,
                &line.raw,
                line.authorized_date.unwrap_or(line.date),
                read_at,
            ),
            account: id(&line.account_id, "account_id")?,
            date: line.date,
            authorized_date: line.authorized_date,
            amount: Money::new(-line.amount, currency),
            pending: line.pending,
            pending_transaction_id: line
                .pending_transaction_id
                .as_deref()
                .map(|p| id(p, "pending_transaction_id"))
                .transpose()?,
            name: line.name.clone(),
            merchant_name: line.merchant_name.clone(),
        })
    })();
    match mapped {
        Ok(txn) => Ok(SourceRecord {
            entity: Entity::BankTransaction(txn),
            raw: line.raw.clone(),
        }),
        Err(reason) => Err(Rejected {
            kind: EntityKind::BankTransaction,
            external_id: line.transaction_id.parse().ok(),
            raw: line.raw.clone(),
            reason,
        }),
    }
}

/// The core account type of Plaid's `type`.
fn account_type(plaid_type: &str) -> AccountType {
    match plaid_type {
        "depository" => AccountType::Bank,
        "credit" => AccountType::CreditCard,
        "loan" => AccountType::LongTermLiability,
        _ => AccountType::OtherAsset,
    }
}

/// A Plaid account as a [`BankAccount`]: balances in Plaid's sense (a
/// card's `current` is the amount owed, as the books' card balance).
pub(crate) fn bank_account(client: &ClientId, account: &PlaidAccount, read_at: DateTime<FixedOffset>) -> Mapped {
    let mapped = (|| -> Result<BankAccount, String> {
        let b = &account.balances;
        let any = [b.current, b.available, b.limit].iter().any(Option::is_some);
        let currency = if any {
            Some(currency(b.currency.as_deref())?)
        } else {
            None
        };
        let money = |amount: Option<Decimal>| amount.zip(currency).map(|(a, c)| Money::new(a, c));
        Ok(BankAccount {
            meta: meta(
                client,
                id(&account.account_id, "account_id")?,
                &account.raw,
                read_at.date_naive(),
                read_at,
            ),
            name: account.name.clone(),
            official_name: account.official_name.clone(),
            mask: account.mask.clone(),
            account_type: account_type(&account.account_type),
            sub_type: account.subtype.clone(),
            current: money(b.current),
            available: money(b.available),
            limit: money(b.limit),
            balance_as_of: b.last_updated,
        })
    })();
    match mapped {
        Ok(entity) => Ok(SourceRecord {
            entity: Entity::BankAccount(entity),
            raw: account.raw.clone(),
        }),
        Err(reason) => Err(Rejected {
            kind: EntityKind::BankAccount,
            external_id: account.account_id.parse().ok(),
            raw: account.raw.clone(),
            reason,
        }),
    }
}

/// A removed line as a tombstone, deleted when the rail learnt it.
pub(crate) fn tombstone(removed: &RemovedTransaction, read_at: DateTime<FixedOffset>) -> Result<Tombstone, Rejected> {
    match removed.transaction_id.parse() {
        Ok(external_id) => Ok(Tombstone {
            kind: EntityKind::BankTransaction,
            external_id,
            deleted_at: read_at,
            merged_into: None,
        }),
        Err(_) => Err(Rejected {
            kind: EntityKind::BankTransaction,
            external_id: None,
            raw: removed.transaction_id.clone(),
            reason: "removed transaction_id is not a usable id".into(),
        }),
    }
}

/// An object the client could not read, as a reject of `kind`.
pub(crate) fn unreadable(kind: EntityKind, bad: &Unreadable) -> Rejected {
    Rejected {
        kind,
        external_id: bad.id.as_deref().and_then(|i| i.parse().ok()),
        raw: bad.raw.clone(),
        reason: bad.reason.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read_at() -> DateTime<FixedOffset> {
        "2026-12-02T10:00:00Z".parse().unwrap()
    }

    fn client() -> ClientId {
        "acme".parse().unwrap()
    }

    fn line(amount: &str, currency: &str) -> PlaidTransaction {
        let value: serde_json::Value = serde_json::from_str(&format!(
            r#"{{"transaction_id":"t1","account_id":"a1","amount":{amount},"iso_currency_code":"{currency}","date":"2026-12-01","authorized_date":"2026-11-30","pending":false,"pending_transaction_id":"p1","name":"OFFICE DEPOT","merchant_name":"Office Depot"}}"#
        ))
        .unwrap();
        PlaidTransaction::parse(&value).unwrap()
    }

    #[test]
    fn plaids_outflow_becomes_a_negative_amount_in_the_books_sign() {
        let record = bank_transaction(&client(), &line("129.99", "USD"), read_at()).unwrap();
        let Entity::BankTransaction(t) = record.entity else {
            panic!("a bank line")
        };
        assert_eq!(t.amount.to_string(), "USD -129.99");
        assert_eq!(t.pending_transaction_id.unwrap().as_str(), "p1");
        assert_eq!(t.meta.rail, Rail::Plaid);
        assert_eq!(t.meta.created_at.to_rfc3339(), "2026-11-30T00:00:00+00:00");
        let refund = bank_transaction(&client(), &line("-40.5", "USD"), read_at()).unwrap();
        let Entity::BankTransaction(r) = refund.entity else {
            panic!("a bank line")
        };
        assert_eq!(r.amount.amount().to_string(), "40.5", "money in is positive");
    }

    #[test]
    fn the_same_payload_keeps_its_version_and_a_changed_one_does_not() {
        let version = |amount: &str| {
            bank_transaction(&client(), &line(amount, "USD"), read_at())
                .unwrap()
                .entity
                .meta()
                .version
                .clone()
        };
        assert_eq!(version("1.00"), version("1.00"));
        assert_ne!(version("1.00"), version("2.00"));
    }

    #[test]
    fn a_line_in_an_unofficial_currency_is_a_reject_with_its_payload() {
        let rejected = bank_transaction(&client(), &line("1", "DOGE"), read_at()).unwrap_err();
        assert_eq!(rejected.external_id.unwrap().as_str(), "t1");
        assert!(rejected.reason.contains("DOGE"), "{}", rejected.reason);
        assert!(rejected.raw.contains("OFFICE DEPOT"));
    }

    #[test]
    fn accounts_keep_their_balances_and_age() {
        let value = json!({"account_id": "a1", "name": "Card", "type": "credit", "subtype": "credit card", "mask": "3333",
            "balances": {"current": 410.5, "available": 9589.5, "limit": 10000, "iso_currency_code": "USD",
                "last_updated_datetime": "2026-12-01T15:00:00Z"}});
        let account = PlaidAccount::parse(&value).unwrap();
        let record = bank_account(&client(), &account, read_at()).unwrap();
        let Entity::BankAccount(a) = record.entity else {
            panic!("an account")
        };
        assert_eq!(a.account_type, AccountType::CreditCard);
        assert_eq!(a.current.unwrap().to_string(), "USD 410.5");
        assert_eq!(a.limit.unwrap().amount(), Decimal::from(10000));
        assert_eq!(a.balance_as_of.unwrap().to_rfc3339(), "2026-12-01T15:00:00+00:00");
    }
}

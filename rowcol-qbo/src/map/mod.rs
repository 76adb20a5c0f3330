//! QBO JSON to the rail-neutral entities, one file per entity family.
//!
//! Money is read from the number's text (serde_json `arbitrary_precision`),
//! never through `f64`; currencies, exchange rates, offsets and `LinkedTxn`
//! are kept; unknown fields are ignored (the raw payload keeps them). A row
//! that cannot be mapped becomes a `Rejected` with its raw JSON and the
//! reason, and the rest of the page still lands.

mod fields;
mod ledger;
mod movements;
mod parties;
mod payables;
mod receivables;

use rowcol_core::sync::{Rejected, SourceRecord, Tombstone};
use rowcol_core::{ClientId, Currency, Entity, EntityKind};
use serde_json::Value;

pub(crate) use fields::{MapCtx, Row, time};
pub(crate) use ledger::stated_home_currency;

/// QBO's entity name for a kind (`BillPayment`, `CompanyInfo`, ...).
pub fn qbo_name(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::Account => "Account",
        EntityKind::Term => "Term",
        EntityKind::Vendor => "Vendor",
        EntityKind::Customer => "Customer",
        EntityKind::Bill => "Bill",
        EntityKind::Invoice => "Invoice",
        EntityKind::Payment => "Payment",
        EntityKind::BillPayment => "BillPayment",
        EntityKind::Purchase => "Purchase",
        EntityKind::Deposit => "Deposit",
        EntityKind::CompanyInfo => "CompanyInfo",
        EntityKind::JournalEntry => "JournalEntry",
        EntityKind::Transfer => "Transfer",
        EntityKind::SalesReceipt => "SalesReceipt",
        EntityKind::RefundReceipt => "RefundReceipt",
        EntityKind::CreditMemo => "CreditMemo",
        EntityKind::VendorCredit => "VendorCredit",
        EntityKind::CreditCardPayment => "CreditCardPayment",
        EntityKind::TaxPayment => "TaxPayment",
        EntityKind::Item => "Item",
        EntityKind::Class => "Class",
        EntityKind::Department => "Department",
        EntityKind::Preferences => "Preferences",
        // The bank rail's kinds: QBO has no such entity; `EntityKind::ALL`,
        // what this rail lists, leaves them out.
        EntityKind::BankAccount => "BankAccount",
        EntityKind::BankTransaction => "BankTransaction",
    }
}

/// The key QBO puts a kind's objects under in JSON answers: its name, but
/// `CreditCardPaymentTxn` for card payments.
pub fn qbo_json_key(kind: EntityKind) -> &'static str {
    match kind {
        EntityKind::CreditCardPayment => "CreditCardPaymentTxn",
        other => qbo_name(other),
    }
}

/// The kind behind a QBO entity name, case-insensitively (`bill`,
/// `BillPayment`); `None` for kinds RowCol does not mirror.
pub fn kind_from_qbo_name(name: &str) -> Option<EntityKind> {
    EntityKind::ALL
        .into_iter()
        .find(|k| qbo_name(*k).eq_ignore_ascii_case(name.trim()))
}

/// The kind behind a `LinkedTxn.TxnType`; bill payments appear as
/// `BillPaymentCheck` / `BillPaymentCreditCard`, purchases also as `Expense`
/// or `Check`.
pub(crate) fn kind_from_txn_type(txn_type: &str) -> Option<EntityKind> {
    match txn_type {
        "BillPaymentCheck" | "BillPaymentCreditCard" => Some(EntityKind::BillPayment),
        "Expense" | "Check" | "CreditCardCharge" | "CreditCardCredit" | "CashPurchase" => Some(EntityKind::Purchase),
        "ReceivePayment" => Some(EntityKind::Payment),
        "CreditRefund" => Some(EntityKind::RefundReceipt),
        other => kind_from_qbo_name(other),
    }
}

/// The outcome of mapping one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mapped {
    /// A live record.
    Record(Box<SourceRecord>),
    /// A deletion (`"status": "Deleted"` in CDC).
    Deleted(Tombstone),
    /// A row that could not be mapped.
    Rejected(Rejected),
}

fn entity(kind: EntityKind, row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Entity, String> {
    Ok(match kind {
        EntityKind::Account => Entity::Account(ledger::account(row, ctx)?),
        EntityKind::Term => Entity::Term(ledger::term(row, ctx)?),
        EntityKind::CompanyInfo => Entity::CompanyInfo(ledger::company_info(row, ctx)?),
        EntityKind::Preferences => Entity::Preferences(ledger::preferences(row, ctx)?),
        EntityKind::Vendor => Entity::Vendor(parties::vendor(row, ctx)?),
        EntityKind::Customer => Entity::Customer(parties::customer(row, ctx)?),
        EntityKind::Bill => Entity::Bill(payables::bill(row, ctx)?),
        EntityKind::BillPayment => Entity::BillPayment(payables::bill_payment(row, ctx)?),
        EntityKind::Purchase => Entity::Purchase(payables::purchase(row, ctx)?),
        EntityKind::Invoice => Entity::Invoice(receivables::invoice(row, ctx)?),
        EntityKind::Payment => Entity::Payment(receivables::payment(row, ctx)?),
        EntityKind::Deposit => Entity::Deposit(receivables::deposit(row, ctx)?),
        EntityKind::SalesReceipt => Entity::SalesReceipt(receivables::sales_receipt(row, ctx)?),
        EntityKind::RefundReceipt => Entity::RefundReceipt(receivables::refund_receipt(row, ctx)?),
        EntityKind::CreditMemo => Entity::CreditMemo(receivables::credit_memo(row, ctx)?),
        EntityKind::VendorCredit => Entity::VendorCredit(payables::vendor_credit(row, ctx)?),
        EntityKind::JournalEntry => Entity::JournalEntry(movements::journal_entry(row, ctx)?),
        EntityKind::Transfer => Entity::Transfer(movements::transfer(row, ctx)?),
        EntityKind::CreditCardPayment => Entity::CreditCardPayment(movements::credit_card_payment(row, ctx)?),
        EntityKind::TaxPayment => Entity::TaxPayment(movements::tax_payment(row, ctx)?),
        EntityKind::Item => Entity::Item(movements::item(row, ctx)?),
        EntityKind::Class => Entity::Class(movements::segment(row, ctx)?),
        EntityKind::Department => Entity::Department(movements::segment(row, ctx)?),
        EntityKind::BankAccount | EntityKind::BankTransaction => {
            return Err(format!("{kind} is a bank rail kind, not a QBO entity"));
        }
    })
}

/// Maps one QBO object of `kind` for `client`.
pub(crate) fn map_row(client: &ClientId, home: Option<Currency>, kind: EntityKind, value: &Value) -> Mapped {
    let ctx = MapCtx { client, home };
    let row = Row(value);
    let raw = value.to_string();
    let reject = |reason: String| {
        Mapped::Rejected(Rejected {
            kind,
            external_id: row.id().ok(),
            raw: raw.clone(),
            reason,
        })
    };
    if row.text("status").is_some_and(|s| s.eq_ignore_ascii_case("Deleted")) {
        let deleted_at = time(row.path(&["MetaData", "LastUpdatedTime"]), "MetaData.LastUpdatedTime");
        return match (row.id(), deleted_at) {
            (Ok(external_id), Ok(deleted_at)) => Mapped::Deleted(Tombstone {
                kind,
                external_id,
                deleted_at,
                merged_into: None,
            }),
            (Err(reason), _) | (_, Err(reason)) => reject(reason),
        };
    }
    match entity(kind, row, &ctx) {
        Ok(entity) => Mapped::Record(Box::new(SourceRecord { entity, raw })),
        Err(reason) => reject(reason),
    }
}

/// True when a row of `kind` would need the home currency to be mapped.
pub(crate) fn needs_home_currency(kind: EntityKind, value: &Value) -> bool {
    let has_money = !matches!(
        kind,
        EntityKind::Term
            | EntityKind::CompanyInfo
            | EntityKind::Preferences
            | EntityKind::Item
            | EntityKind::Class
            | EntityKind::Department
    );
    has_money && value.get("CurrencyRef").is_none() && value.get("status").is_none()
}

#[cfg(test)]
mod tests;

//! Per-realm books: QBO-shaped JSON entities by kind and id, tombstones, and the
//! mutations the admin API applies (create, update, delete, void).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::clock::meta_time;
use crate::money;

/// Entity kinds the look-alike knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Kind {
    /// Chart of accounts.
    Account,
    /// Suppliers.
    Vendor,
    /// Customers.
    Customer,
    /// Payment terms.
    Term,
    /// Bills from vendors.
    Bill,
    /// Invoices to customers.
    Invoice,
    /// Customer payments.
    Payment,
    /// Payments of bills.
    BillPayment,
    /// Money spent directly.
    Purchase,
    /// Bank deposits.
    Deposit,
    /// General journal entries (payroll, opening balances, adjustments).
    JournalEntry,
    /// Money moved between the company's own balance-sheet accounts.
    Transfer,
    /// Cash sales.
    SalesReceipt,
    /// Cash refunds to customers.
    RefundReceipt,
    /// Customer credits (no cash).
    CreditMemo,
    /// Vendor credits (no cash).
    VendorCredit,
    /// Card statements paid from a bank account (JSON key `CreditCardPaymentTxn`).
    CreditCardPayment,
    /// Sales tax paid to (or refunded by) the agency.
    TaxPayment,
    /// Products and services (kept empty by the generator).
    Item,
    /// Classes (kept empty by the generator).
    Class,
    /// Departments / locations (kept empty by the generator).
    Department,
    /// The company itself.
    CompanyInfo,
    /// The company's settings (one object, `Id` 1): `AccountingInfoPrefs.BookCloseDate`.
    Preferences,
}

impl Kind {
    /// Every kind, in a stable order.
    pub const ALL: [Kind; 23] = [
        Kind::Account,
        Kind::Vendor,
        Kind::Customer,
        Kind::Term,
        Kind::Bill,
        Kind::Invoice,
        Kind::Payment,
        Kind::BillPayment,
        Kind::Purchase,
        Kind::Deposit,
        Kind::JournalEntry,
        Kind::Transfer,
        Kind::SalesReceipt,
        Kind::RefundReceipt,
        Kind::CreditMemo,
        Kind::VendorCredit,
        Kind::CreditCardPayment,
        Kind::TaxPayment,
        Kind::Item,
        Kind::Class,
        Kind::Department,
        Kind::CompanyInfo,
        Kind::Preferences,
    ];

    /// The name QBO uses (`BillPayment`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Account => "Account",
            Kind::Vendor => "Vendor",
            Kind::Customer => "Customer",
            Kind::Term => "Term",
            Kind::Bill => "Bill",
            Kind::Invoice => "Invoice",
            Kind::Payment => "Payment",
            Kind::BillPayment => "BillPayment",
            Kind::Purchase => "Purchase",
            Kind::Deposit => "Deposit",
            Kind::JournalEntry => "JournalEntry",
            Kind::Transfer => "Transfer",
            Kind::SalesReceipt => "SalesReceipt",
            Kind::RefundReceipt => "RefundReceipt",
            Kind::CreditMemo => "CreditMemo",
            Kind::VendorCredit => "VendorCredit",
            Kind::CreditCardPayment => "CreditCardPayment",
            Kind::TaxPayment => "TaxPayment",
            Kind::Item => "Item",
            Kind::Class => "Class",
            Kind::Department => "Department",
            Kind::CompanyInfo => "CompanyInfo",
            Kind::Preferences => "Preferences",
        }
    }

    /// The key QBO puts its objects under in JSON answers: the name, but for
    /// `CreditCardPayment`, whose objects come as `CreditCardPaymentTxn`.
    pub fn json_key(self) -> &'static str {
        match self {
            Kind::CreditCardPayment => "CreditCardPaymentTxn",
            other => other.name(),
        }
    }

    /// Matches a name case-insensitively (`billpayment`, `BILL`).
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
    }

    /// Name lists that QBO answers with active rows only unless asked otherwise.
    pub fn is_name_list(self) -> bool {
        matches!(
            self,
            Kind::Account | Kind::Vendor | Kind::Customer | Kind::Term | Kind::Item | Kind::Class | Kind::Department
        )
    }

    /// Transactions (can be voided; carry `TxnDate` and `TotalAmt`).
    pub fn is_transaction(self) -> bool {
        matches!(
            self,
            Kind::Bill
                | Kind::Invoice
                | Kind::Payment
                | Kind::BillPayment
                | Kind::Purchase
                | Kind::Deposit
                | Kind::JournalEntry
                | Kind::Transfer
                | Kind::SalesReceipt
                | Kind::RefundReceipt
                | Kind::CreditMemo
                | Kind::VendorCredit
                | Kind::CreditCardPayment
                | Kind::TaxPayment
        )
    }
}

/// A deleted object, kept for CDC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tombstone {
    /// Kind of the deleted object.
    pub kind: Kind,
    /// Its id.
    pub id: u64,
    /// When it was deleted (server clock).
    pub deleted_at: DateTime<Utc>,
}

/// Errors of the store's mutations.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// The object does not exist (or was deleted).
    #[error("{kind:?} {id} not found")]
    NotFound {
        /// Kind asked for.
        kind: Kind,
        /// Id asked for.
        id: u64,
    },
    /// The realm does not exist.
    #[error("realm {0} not found")]
    UnknownRealm(String),
    /// The operation does not apply to this kind or payload.
    #[error("invalid operation: {0}")]
    Invalid(String),
}

/// What happened to an object (for webhooks and burst reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Operation {
    /// Created.
    Create,
    /// Updated.
    Update,
    /// Deleted.
    Delete,
    /// Voided.
    Void,
}

/// One change applied to a realm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Realm changed.
    pub realm_id: String,
    /// Kind of object.
    pub kind: Kind,
    /// Id of object.
    pub id: String,
    /// What happened.
    pub operation: Operation,
    /// When (server clock, UTC).
    pub at: DateTime<Utc>,
}

/// The books of one realm.
#[derive(Debug, Clone)]
pub struct RealmData {
    /// The realm (company) id.
    pub realm_id: String,
    /// The company's UTC offset, used in every time it writes.
    pub offset: FixedOffset,
    /// Home currency code (`USD`).
    pub home_currency: String,
    /// Live objects by kind and numeric id.
    pub rows: BTreeMap<Kind, BTreeMap<u64, Value>>,
    /// Deleted objects, kept for CDC.
    pub tombstones: Vec<Tombstone>,
    /// Next id to hand out.
    pub next_id: u64,
    /// Serialised rows, reused by queries while a row's version is unchanged.
    pub raw_cache: RawCache,
    /// The kind of client the generator drew (`None` for hand-made books).
    pub profile: Option<crate::generator::Profile>,
}

/// Cached JSON text of rows, keyed by kind and id, valid for one
/// (`SyncToken`, `LastUpdatedTime`) pair. Every change after generation goes
/// through [`touch`], which moves at least one of the two.
#[derive(Debug, Default)]
pub struct RawCache(Mutex<HashMap<(Kind, u64), CachedRow>>);

#[derive(Debug)]
struct CachedRow {
    sync_token: String,
    updated: String,
    text: Arc<str>,
}

impl Clone for RawCache {
    fn clone(&self) -> Self {
        Self::default()
    }
}

fn version(row: &Value) -> (&str, &str) {
    (
        row.get("SyncToken").and_then(Value::as_str).unwrap_or_default(),
        row.get("MetaData")
            .and_then(|m| m.get("LastUpdatedTime"))
            .and_then(Value::as_str)
            .unwrap_or_default(),
    )
}

impl RawCache {
    /// The JSON text of each row, from the cache when its version is unchanged.
    pub fn texts(&self, kind: Kind, rows: &[&Value]) -> Vec<Arc<str>> {
        let Ok(mut cache) = self.0.lock() else {
            return rows.iter().map(|r| Arc::from(r.to_string())).collect();
        };
        rows.iter()
            .map(|row| {
                let id = row
                    .get("Id")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(0);
                let (sync_token, updated) = version(row);
                if let Some(hit) = cache.get(&(kind, id))
                    && hit.sync_token == sync_token
                    && hit.updated == updated
                {
                    return Arc::clone(&hit.text);
                }
                let text: Arc<str> = Arc::from(row.to_string());
                cache.insert(
                    (kind, id),
                    CachedRow {
                        sync_token: sync_token.to_string(),
                        updated: updated.to_string(),
                        text: Arc::clone(&text),
                    },
                );
                text
            })
            .collect()
    }
}

impl RealmData {
    /// An empty realm.
    pub fn new(realm_id: &str, offset: FixedOffset, home_currency: &str) -> Self {
        Self {
            realm_id: realm_id.to_string(),
            offset,
            home_currency: home_currency.to_string(),
            rows: BTreeMap::new(),
            tombstones: Vec::new(),
            next_id: 1,
            raw_cache: RawCache::default(),
            profile: None,
        }
    }

    /// Live rows of one kind, by id.
    pub fn kind_rows(&self, kind: Kind) -> impl Iterator<Item = &Value> {
        self.rows.get(&kind).into_iter().flat_map(|rows| rows.values())
    }

    /// One live object.
    pub fn get(&self, kind: Kind, id: u64) -> Option<&Value> {
        self.rows.get(&kind).and_then(|rows| rows.get(&id))
    }

    /// Inserts a new object, stamping `Id`, `SyncToken`, `MetaData` and `domain`.
    /// `created` is its `CreateTime` (the generator back-dates history);
    /// `updated` its `LastUpdatedTime`.
    pub fn insert(&mut self, kind: Kind, body: Value, created: DateTime<Utc>, updated: DateTime<Utc>) -> Value {
        // The company and its preferences are one object each, `Id` 1.
        let single = matches!(kind, Kind::CompanyInfo | Kind::Preferences);
        let id = if single { 1 } else { self.next_id };
        if !single {
            self.next_id += 1;
        }
        let mut obj = match body {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        if kind.is_name_list() {
            // QBO creates name-list objects active unless told otherwise.
            obj.entry("Active").or_insert(Value::Bool(true));
        }
        obj.insert("Id".into(), Value::String(id.to_string()));
        obj.insert("SyncToken".into(), Value::String("0".into()));
        obj.insert("domain".into(), Value::String("QBO".into()));
        obj.insert("sparse".into(), Value::Bool(false));
        obj.insert(
            "MetaData".into(),
            json!({
                "CreateTime": meta_time(created, self.offset),
                "LastUpdatedTime": meta_time(updated, self.offset),
            }),
        );
        let value = Value::Object(obj);
        self.rows.entry(kind).or_default().insert(id, value.clone());
        value
    }

    /// Creates an object now.
    pub fn create(&mut self, kind: Kind, body: Value, now: DateTime<Utc>) -> Value {
        self.insert(kind, body, now, now)
    }

    /// Merges `patch`'s top-level fields into the object, bumping `SyncToken`
    /// and `LastUpdatedTime`. `Id`, `SyncToken`, `MetaData` and `domain` in the
    /// patch are ignored.
    pub fn update(&mut self, kind: Kind, id: u64, patch: &Value, now: DateTime<Utc>) -> Result<Value, StoreError> {
        let offset = self.offset;
        let row = self
            .rows
            .get_mut(&kind)
            .and_then(|rows| rows.get_mut(&id))
            .ok_or(StoreError::NotFound { kind, id })?;
        if let (Some(target), Some(patch)) = (row.as_object_mut(), patch.as_object()) {
            for (key, value) in patch {
                if matches!(key.as_str(), "Id" | "SyncToken" | "MetaData" | "domain") {
                    continue;
                }
                target.insert(key.clone(), value.clone());
            }
        }
        touch(row, now, offset);
        Ok(row.clone())
    }

    /// Deletes an object; it stays visible to CDC as a tombstone.
    pub fn delete(&mut self, kind: Kind, id: u64, now: DateTime<Utc>) -> Result<(), StoreError> {
        self.rows
            .get_mut(&kind)
            .and_then(|rows| rows.remove(&id))
            .ok_or(StoreError::NotFound { kind, id })?;
        self.tombstones.push(Tombstone {
            kind,
            id,
            deleted_at: now,
        });
        Ok(())
    }

    /// Voids a transaction: amounts become zero and the private note says "Voided".
    pub fn void(&mut self, kind: Kind, id: u64, now: DateTime<Utc>) -> Result<Value, StoreError> {
        if !kind.is_transaction() {
            return Err(StoreError::Invalid(format!("{} cannot be voided", kind.name())));
        }
        let offset = self.offset;
        let row = self
            .rows
            .get_mut(&kind)
            .and_then(|rows| rows.get_mut(&id))
            .ok_or(StoreError::NotFound { kind, id })?;
        let zero = money::num(Decimal::ZERO);
        if let Some(obj) = row.as_object_mut() {
            for key in ["TotalAmt", "Balance", "UnappliedAmt"] {
                if obj.contains_key(key) {
                    obj.insert(key.into(), zero.clone());
                }
            }
            if let Some(Value::Array(lines)) = obj.get_mut("Line") {
                for line in lines {
                    if let Some(line) = line.as_object_mut() {
                        line.insert("Amount".into(), zero.clone());
                    }
                }
            }
            obj.insert("PrivateNote".into(), Value::String("Voided".into()));
        }
        touch(row, now, offset);
        Ok(row.clone())
    }

    /// Forgets tombstones older than `keep_since`.
    pub fn prune_tombstones(&mut self, keep_since: DateTime<Utc>) {
        self.tombstones.retain(|t| t.deleted_at >= keep_since);
    }
}

/// Bumps `SyncToken` and sets `MetaData.LastUpdatedTime` to `now`.
pub fn touch(row: &mut Value, now: DateTime<Utc>, offset: FixedOffset) {
    let next = row
        .get("SyncToken")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0)
        + 1;
    if let Some(obj) = row.as_object_mut() {
        obj.insert("SyncToken".into(), Value::String(next.to_string()));
        let meta = obj.entry("MetaData").or_insert_with(|| json!({}));
        if let Some(meta) = meta.as_object_mut() {
            meta.insert("LastUpdatedTime".into(), Value::String(meta_time(now, offset)));
        }
    }
}

/// A shared handle on one realm's books.
pub type RealmHandle = Arc<RwLock<RealmData>>;

/// All realms of the look-alike.
#[derive(Debug, Default)]
pub struct Store {
    realms: RwLock<BTreeMap<String, RealmHandle>>,
}

impl Store {
    /// Adds (or replaces) a realm.
    pub fn put(&self, realm: RealmData) {
        if let Ok(mut realms) = self.realms.write() {
            realms.insert(realm.realm_id.clone(), Arc::new(RwLock::new(realm)));
        }
    }

    /// One realm's handle.
    pub fn realm(&self, realm_id: &str) -> Option<RealmHandle> {
        self.realms.read().ok().and_then(|realms| realms.get(realm_id).cloned())
    }

    /// Every realm id, sorted.
    pub fn realm_ids(&self) -> Vec<String> {
        self.realms
            .read()
            .map(|realms| realms.keys().cloned().collect())
            .unwrap_or_default()
    }
}

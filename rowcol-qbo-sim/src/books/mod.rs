//! The realm's books read as an accountant would: a chart of accounts with
//! roles, every transaction turned into double-entry postings
//! ([`postings`]), the open receivables and payables as of a date
//! ([`open_items`]), and the bank and card side a bank sees
//! ([`cash_accounts`]). The Reports API is computed from these; nothing
//! here changes the books.

pub mod cash_accounts;
pub mod open_items;
pub mod postings;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::money;
use crate::store::{Kind, RealmData};

/// An account postings go to: one of the realm's, or one QBO would create
/// on its own (tax payable, exchange gain or loss, ...) when the realm has
/// no account for that role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountKey {
    /// A realm account, by id.
    Id(u64),
    /// An account the look-alike stands in for.
    Synthetic(Synthetic),
}

/// The accounts QBO creates by itself, used when the realm has none for the role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Synthetic {
    /// Accounts Receivable (A/R).
    Receivable,
    /// Accounts Payable (A/P).
    Payable,
    /// Undeposited Funds.
    UndepositedFunds,
    /// Sales tax collected (and tax paid on purchases, netted).
    SalesTaxPayable,
    /// Multi-currency rounding.
    ExchangeGainLoss,
    /// Income of a line that names no account or item.
    UncategorizedIncome,
    /// Expense of a line that names no account or item.
    UncategorizedExpense,
    /// Discounts given on sales lines without a discount account.
    DiscountsGiven,
    /// A journal line without an account.
    Suspense,
}

impl Synthetic {
    /// Name, `AccountType`, `Classification`.
    fn describe(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Synthetic::Receivable => ("Accounts Receivable (A/R)", "Accounts Receivable", "Asset"),
            Synthetic::Payable => ("Accounts Payable (A/P)", "Accounts Payable", "Liability"),
            Synthetic::UndepositedFunds => ("Undeposited Funds", "Other Current Asset", "Asset"),
            Synthetic::SalesTaxPayable => ("Sales Tax Payable", "Other Current Liability", "Liability"),
            Synthetic::ExchangeGainLoss => ("Exchange Gain or Loss", "Other Expense", "Expense"),
            Synthetic::UncategorizedIncome => ("Uncategorized Income", "Income", "Revenue"),
            Synthetic::UncategorizedExpense => ("Uncategorized Expense", "Expense", "Expense"),
            Synthetic::DiscountsGiven => ("Discounts given", "Income", "Revenue"),
            Synthetic::Suspense => ("Suspense", "Other Current Asset", "Asset"),
        }
    }
}

/// What a report needs to know of an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountInfo {
    /// Its key.
    pub key: AccountKey,
    /// `Name`.
    pub name: String,
    /// `AccountType` (`Bank`, `Income`, ...).
    pub account_type: String,
    /// `AccountSubType`.
    pub sub_type: String,
    /// `Classification` (`Asset`, `Liability`, `Equity`, `Revenue`, `Expense`).
    pub classification: String,
    /// The parent account (`ParentRef`), for sub-accounts.
    pub parent: Option<u64>,
}

/// The chart of accounts and the parties, with lookups by reference.
#[derive(Debug, Clone)]
pub struct Chart {
    accounts: BTreeMap<u64, AccountInfo>,
    items: BTreeMap<u64, Value>,
    item_names: BTreeMap<String, u64>,
}

/// Reads `{"value": "42", ...}` as 42.
pub fn ref_id(reference: &Value) -> Option<u64> {
    match reference.get("value")? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

/// Reads a reference's `name`.
pub fn ref_name(reference: &Value) -> &str {
    reference.get("name").and_then(Value::as_str).unwrap_or_default()
}

/// A row's numeric `Id`.
pub fn row_id(row: &Value) -> u64 {
    row.get("Id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A date field (`TxnDate`, `DueDate`) as a date.
pub fn date_field(row: &Value, name: &str) -> Option<NaiveDate> {
    row.get(name)
        .and_then(Value::as_str)
        .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
}

/// A transaction's date: `TxnDate`, else the day it was created.
pub fn txn_date(row: &Value) -> Option<NaiveDate> {
    date_field(row, "TxnDate").or_else(|| {
        row.get("MetaData")
            .and_then(|m| m.get("CreateTime"))
            .and_then(Value::as_str)
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.date_naive())
    })
}

/// Home-currency units per unit of the document's currency (1 when absent).
pub fn rate(row: &Value) -> Decimal {
    row.get("ExchangeRate")
        .and_then(money::dec)
        .filter(|r| !r.is_zero())
        .unwrap_or(Decimal::ONE)
}

/// An amount of a document converted to home currency, rounded to cents
/// half away from zero (as the generator rounds; QBO keeps a rounded home
/// amount per document, its midpoint rule is UNVERIFIED).
pub fn home(amount: Decimal, rate: Decimal) -> Decimal {
    (amount * rate).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

impl Chart {
    /// The realm's accounts (active or not) and items.
    pub fn of(realm: &RealmData) -> Self {
        let accounts = realm
            .kind_rows(Kind::Account)
            .map(|row| {
                let id = row_id(row);
                let text = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                let info = AccountInfo {
                    key: AccountKey::Id(id),
                    name: text("Name"),
                    account_type: text("AccountType"),
                    sub_type: text("AccountSubType"),
                    classification: text("Classification"),
                    parent: row.get("ParentRef").and_then(ref_id),
                };
                (id, info)
            })
            .collect();
        let items: BTreeMap<u64, Value> = realm.kind_rows(Kind::Item).map(|r| (row_id(r), r.clone())).collect();
        let item_names = items
            .iter()
            .filter_map(|(id, row)| row.get("Name").and_then(Value::as_str).map(|n| (n.to_lowercase(), *id)))
            .collect();
        Chart {
            accounts,
            items,
            item_names,
        }
    }

    /// Every realm account.
    pub fn accounts(&self) -> impl Iterator<Item = &AccountInfo> {
        self.accounts.values()
    }

    /// What is known of an account; synthetic ones are described by role.
    pub fn info(&self, key: AccountKey) -> AccountInfo {
        match key {
            AccountKey::Id(id) => self.accounts.get(&id).cloned().unwrap_or_else(|| AccountInfo {
                key,
                name: format!("Account {id}"),
                account_type: String::new(),
                sub_type: String::new(),
                classification: String::new(),
                parent: None,
            }),
            AccountKey::Synthetic(s) => {
                let (name, account_type, classification) = s.describe();
                AccountInfo {
                    key,
                    name: name.to_string(),
                    account_type: account_type.to_string(),
                    sub_type: String::new(),
                    classification: classification.to_string(),
                    parent: None,
                }
            }
        }
    }

    fn find(&self, keep: impl Fn(&AccountInfo) -> bool) -> Option<AccountKey> {
        self.accounts.values().find(|a| keep(a)).map(|a| a.key)
    }

    /// The account a role falls back to: the realm's own for that role, else synthetic.
    pub fn role(&self, role: Synthetic) -> AccountKey {
        let found = match role {
            Synthetic::Receivable => self.find(|a| a.account_type == "Accounts Receivable"),
            Synthetic::Payable => self.find(|a| a.account_type == "Accounts Payable"),
            Synthetic::UndepositedFunds => self.find(|a| a.sub_type == "UndepositedFunds"),
            Synthetic::SalesTaxPayable => self
                .find(|a| matches!(a.sub_type.as_str(), "GlobalTaxPayable" | "SalesTaxPayable"))
                .or_else(|| {
                    self.find(|a| a.account_type == "Other Current Liability" && a.name.to_lowercase().contains("tax"))
                }),
            other => {
                let (name, _, _) = other.describe();
                self.find(|a| a.name.eq_ignore_ascii_case(name))
            }
        };
        found.unwrap_or(AccountKey::Synthetic(role))
    }

    /// The account a reference names: by id, else by name, else the role's.
    pub fn resolve(&self, reference: Option<&Value>, role: Synthetic) -> AccountKey {
        let Some(reference) = reference.filter(|r| r.is_object()) else {
            return self.role(role);
        };
        if let Some(id) = ref_id(reference).filter(|id| self.accounts.contains_key(id)) {
            return AccountKey::Id(id);
        }
        let name = ref_name(reference);
        if !name.is_empty()
            && let Some(key) = self.find(|a| a.name.eq_ignore_ascii_case(name))
        {
            return key;
        }
        self.role(role)
    }

    /// The item a line's `ItemRef` names: by id, else by name.
    fn item(&self, reference: Option<&Value>) -> Option<&Value> {
        let reference = reference?;
        ref_id(reference).and_then(|id| self.items.get(&id)).or_else(|| {
            self.item_names
                .get(&ref_name(reference).to_lowercase())
                .and_then(|id| self.items.get(id))
        })
    }

    /// The income account of a sales line: `ItemAccountRef`, else the item's
    /// `IncomeAccountRef`, else Uncategorized Income.
    pub fn sales_line_account(&self, detail: &Value) -> AccountKey {
        if let Some(account) = detail.get("ItemAccountRef") {
            return self.resolve(Some(account), Synthetic::UncategorizedIncome);
        }
        let account = self
            .item(detail.get("ItemRef"))
            .and_then(|item| item.get("IncomeAccountRef"));
        self.resolve(account, Synthetic::UncategorizedIncome)
    }

    /// The account of an item-based expense line: the item's
    /// `ExpenseAccountRef` (or `AssetAccountRef` for stock), else Uncategorized Expense.
    pub fn expense_item_account(&self, detail: &Value) -> AccountKey {
        let item = self.item(detail.get("ItemRef"));
        let account = item.and_then(|i| i.get("ExpenseAccountRef").or_else(|| i.get("AssetAccountRef")));
        self.resolve(account, Synthetic::UncategorizedExpense)
    }

    /// Whether an account is an A/R account.
    pub fn is_receivable(&self, key: AccountKey) -> bool {
        self.info(key).account_type == "Accounts Receivable"
    }

    /// Whether an account is an A/P account.
    pub fn is_payable(&self, key: AccountKey) -> bool {
        self.info(key).account_type == "Accounts Payable"
    }
}

/// One line of a Payment or BillPayment applied to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    /// Index of the line in the payment's `Line[]`.
    pub line: usize,
    /// Kind of the document paid or credit used.
    pub target: Kind,
    /// Its id.
    pub target_id: u64,
    /// The line's `Amount`, in the payment's currency.
    pub amount: Decimal,
}

/// The document kind a `LinkedTxn.TxnType` names, for the kinds that can
/// carry an open balance.
pub fn linked_kind(txn_type: &str) -> Option<Kind> {
    match txn_type {
        "Invoice" => Some(Kind::Invoice),
        "CreditMemo" => Some(Kind::CreditMemo),
        "JournalEntry" => Some(Kind::JournalEntry),
        "Bill" => Some(Kind::Bill),
        "VendorCredit" => Some(Kind::VendorCredit),
        _ => None,
    }
}

/// The lines of a payment that apply it to a document: for each line, the
/// first `LinkedTxn` naming a kind with an open balance. Lines linking
/// nothing known are left out (their amount stays unapplied).
pub fn applied_lines(payment: &Value) -> Vec<Applied> {
    let Some(lines) = payment.get("Line").and_then(Value::as_array) else {
        return Vec::new();
    };
    lines
        .iter()
        .enumerate()
        .filter_map(|(index, line)| {
            let amount = money::field(line, "Amount");
            line.get("LinkedTxn")
                .and_then(Value::as_array)?
                .iter()
                .find_map(|link| {
                    let target = linked_kind(link.get("TxnType").and_then(Value::as_str)?)?;
                    let target_id = link.get("TxnId").and_then(Value::as_str)?.trim().parse().ok()?;
                    Some(Applied {
                        line: index,
                        target,
                        target_id,
                        amount,
                    })
                })
        })
        .collect()
}

/// Where an account sits in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// Bank.
    Bank,
    /// Accounts Receivable.
    Receivable,
    /// Other Current Asset.
    OtherCurrentAsset,
    /// Fixed Asset.
    FixedAsset,
    /// Other Asset.
    OtherAsset,
    /// Accounts Payable.
    Payable,
    /// Credit Card.
    CreditCard,
    /// Other Current Liability.
    OtherCurrentLiability,
    /// Long Term Liability.
    LongTermLiability,
    /// Equity.
    Equity,
    /// Income.
    Income,
    /// Cost of Goods Sold.
    Cogs,
    /// Expense.
    Expense,
    /// Other Income.
    OtherIncome,
    /// Other Expense.
    OtherExpense,
}

impl Group {
    /// The group of an account, by `AccountType`, else by `Classification`.
    pub fn of(info: &AccountInfo) -> Group {
        match info.account_type.as_str() {
            "Bank" => Group::Bank,
            "Accounts Receivable" => Group::Receivable,
            "Other Current Asset" => Group::OtherCurrentAsset,
            "Fixed Asset" => Group::FixedAsset,
            "Other Asset" => Group::OtherAsset,
            "Accounts Payable" => Group::Payable,
            "Credit Card" => Group::CreditCard,
            "Other Current Liability" => Group::OtherCurrentLiability,
            "Long Term Liability" => Group::LongTermLiability,
            "Equity" => Group::Equity,
            "Income" => Group::Income,
            "Cost of Goods Sold" => Group::Cogs,
            "Expense" => Group::Expense,
            "Other Income" => Group::OtherIncome,
            "Other Expense" => Group::OtherExpense,
            _ => match info.classification.as_str() {
                "Liability" => Group::OtherCurrentLiability,
                "Equity" => Group::Equity,
                "Revenue" => Group::Income,
                "Expense" => Group::Expense,
                _ => Group::OtherAsset,
            },
        }
    }

    /// Income statement accounts (closed into retained earnings each year).
    pub fn is_profit_and_loss(self) -> bool {
        matches!(
            self,
            Group::Income | Group::Cogs | Group::Expense | Group::OtherIncome | Group::OtherExpense
        )
    }

    /// Accounts whose natural balance is a debit (assets, costs, expenses).
    pub fn is_debit_natured(self) -> bool {
        matches!(
            self,
            Group::Bank
                | Group::Receivable
                | Group::OtherCurrentAsset
                | Group::FixedAsset
                | Group::OtherAsset
                | Group::Cogs
                | Group::Expense
                | Group::OtherExpense
        )
    }
}

/// The first day of the fiscal year containing `date`, from
/// `CompanyInfo.FiscalYearStartMonth` (January when absent).
pub fn fiscal_year_start(realm: &RealmData, date: NaiveDate) -> NaiveDate {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let month = realm
        .get(Kind::CompanyInfo, 1)
        .and_then(|c| c.get("FiscalYearStartMonth"))
        .and_then(Value::as_str)
        .and_then(|m| MONTHS.iter().position(|n| n.eq_ignore_ascii_case(m.trim())))
        .and_then(|i| u32::try_from(i + 1).ok())
        .unwrap_or(1);
    let year = if date.month() >= month {
        date.year()
    } else {
        date.year() - 1
    };
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(date)
}

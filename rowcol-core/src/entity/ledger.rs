//! Name-list records about the books themselves: accounts, terms, company.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::SourceMeta;
use crate::{Currency, Money};

/// What an account is for (QBO `AccountType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountType {
    /// Cash at a bank: counts as available cash.
    Bank,
    /// A credit card: a short-term liability.
    CreditCard,
    /// Accounts payable.
    AccountsPayable,
    /// Accounts receivable.
    AccountsReceivable,
    /// Other current asset (includes "Undeposited Funds" in some books).
    OtherCurrentAsset,
    /// Fixed asset.
    FixedAsset,
    /// Other asset.
    OtherAsset,
    /// Other current liability.
    OtherCurrentLiability,
    /// Long-term liability.
    LongTermLiability,
    /// Equity.
    Equity,
    /// Income.
    Income,
    /// Cost of goods sold.
    CostOfGoodsSold,
    /// Expense.
    Expense,
    /// Other income.
    OtherIncome,
    /// Other expense.
    OtherExpense,
    /// A type this version of RowCol does not know; the raw payload keeps it.
    Other,
}

/// A chart-of-accounts entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Short name.
    pub name: String,
    /// Full name with parents (`Expenses:Rent`).
    pub fully_qualified_name: Option<String>,
    /// What the account is for.
    pub account_type: AccountType,
    /// Finer type as the rail names it (`Checking`, `UndepositedFunds`, ...).
    pub sub_type: Option<String>,
    /// Current balance in the account's currency, as the rail reports it.
    pub current_balance: Money,
    /// False once the account is made inactive; it stays in the mirror
    /// because old transactions still point at it.
    pub active: bool,
}

/// Payment terms: due days and an optional early-payment discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Term {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Name, e.g. "2% 10 Net 30".
    pub name: String,
    /// Days after the transaction date that payment is due.
    pub due_days: Option<u32>,
    /// Discount (percent, e.g. `2`) for paying within `discount_days`.
    pub discount_percent: Option<Decimal>,
    /// Days within which the discount applies.
    pub discount_days: Option<u32>,
    /// False once made inactive.
    pub active: bool,
}

/// The company whose books these are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompanyInfo {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// Legal or trading name.
    pub company_name: String,
    /// Country code as the rail gives it (`US`, `CA`, ...).
    pub country: Option<String>,
    /// First month of the fiscal year, 1 to 12.
    pub fiscal_year_start_month: Option<u32>,
    /// Home currency.
    pub home_currency: Currency,
}

/// The company's settings that figures depend on (QBO `Preferences`, one
/// record per company).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preferences {
    /// Source, version, deletion.
    pub meta: SourceMeta,
    /// The books are closed through this day (QBO
    /// `AccountingInfoPrefs.BookCloseDate`): documents dated on or before it
    /// are protected, and a change to one after the close is worth a look.
    /// `None` when the books were never closed. Only the current date is
    /// known: the source keeps no history of closings.
    #[serde(default, deserialize_with = "super::time_text::optional_date")]
    pub book_close_date: Option<NaiveDate>,
}

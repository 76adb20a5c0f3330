//! Accounts, terms and the company itself.

use std::str::FromStr;

use rowcol_core::Currency;
use rowcol_core::entity::{Account, AccountType, CompanyInfo, Preferences, Term};
use serde_json::Value;

use super::fields::{MapCtx, Reason, Row};

/// QBO's `AccountType` text to the core type; unknown types are `Other`
/// (the raw payload keeps the text).
fn account_type(text: &str) -> AccountType {
    match text {
        "Bank" => AccountType::Bank,
        "Credit Card" => AccountType::CreditCard,
        "Accounts Payable" => AccountType::AccountsPayable,
        "Accounts Receivable" => AccountType::AccountsReceivable,
        "Other Current Asset" => AccountType::OtherCurrentAsset,
        "Fixed Asset" => AccountType::FixedAsset,
        "Other Asset" => AccountType::OtherAsset,
        "Other Current Liability" => AccountType::OtherCurrentLiability,
        "Long Term Liability" => AccountType::LongTermLiability,
        "Equity" => AccountType::Equity,
        "Income" => AccountType::Income,
        "Cost of Goods Sold" => AccountType::CostOfGoodsSold,
        "Expense" => AccountType::Expense,
        "Other Income" => AccountType::OtherIncome,
        "Other Expense" => AccountType::OtherExpense,
        _ => AccountType::Other,
    }
}

pub(crate) fn account(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Account, Reason> {
    let currency = row.currency(ctx)?;
    Ok(Account {
        meta: row.meta(ctx)?,
        name: row.required_text("Name")?,
        fully_qualified_name: row.text("FullyQualifiedName"),
        account_type: account_type(&row.required_text("AccountType")?),
        sub_type: row.text("AccountSubType"),
        current_balance: row.money_or_zero("CurrentBalance", currency)?,
        active: row.flag("Active", true)?,
    })
}

pub(crate) fn term(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Term, Reason> {
    Ok(Term {
        meta: row.meta(ctx)?,
        name: row.required_text("Name")?,
        due_days: row.whole("DueDays")?,
        discount_percent: row.amount("DiscountPercent")?,
        discount_days: row.whole("DiscountDays")?,
        active: row.flag("Active", true)?,
    })
}

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

/// `FiscalYearStartMonth` comes as a month name (`January`) or a number.
fn month(row: Row<'_>) -> Result<Option<u32>, Reason> {
    match row.get("FiscalYearStartMonth") {
        None => Ok(None),
        Some(Value::String(name)) => MONTHS
            .iter()
            .position(|m| m.eq_ignore_ascii_case(name.trim()))
            .and_then(|i| u32::try_from(i + 1).ok())
            .map(Some)
            .ok_or_else(|| format!("FiscalYearStartMonth {name:?} is not a month")),
        Some(_) => row
            .whole("FiscalYearStartMonth")?
            .filter(|m| (1..=12).contains(m))
            .map(Some)
            .ok_or_else(|| "FiscalYearStartMonth is not a month".to_owned()),
    }
}

/// The home currency a company states in its `NameValue` list.
pub(crate) fn stated_home_currency(row: &Value) -> Option<Currency> {
    row.get("NameValue")?
        .as_array()?
        .iter()
        .find(|nv| nv.get("Name").and_then(Value::as_str) == Some("HomeCurrency"))
        .and_then(|nv| nv.get("Value")?.as_str())
        .and_then(|code| Currency::from_str(code).ok())
}

pub(crate) fn company_info(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<CompanyInfo, Reason> {
    Ok(CompanyInfo {
        meta: row.meta(ctx)?,
        company_name: row.required_text("CompanyName")?,
        country: row.text("Country"),
        fiscal_year_start_month: month(row)?,
        home_currency: stated_home_currency(row.0)
            .or(ctx.home)
            .ok_or("the home currency is not stated (NameValue HomeCurrency)")?,
    })
}

/// The company's preferences: `AccountingInfoPrefs.BookCloseDate` (absent
/// when the books were never closed; QBO answers it from minorversion 21).
pub(crate) fn preferences(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Preferences, Reason> {
    let prefs = Row(row.get("AccountingInfoPrefs").unwrap_or(&Value::Null));
    Ok(Preferences {
        meta: row.meta(ctx)?,
        book_close_date: prefs
            .date("BookCloseDate")
            .map_err(|r| format!("AccountingInfoPrefs.{r}"))?,
    })
}

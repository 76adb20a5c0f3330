//! `ProfitAndLoss` and `BalanceSheet` from the postings: one `Data` row per
//! account with a non-zero amount (natural sign: income and liabilities
//! positive when credit), nested under parent accounts, grouped in QBO's
//! sections (`Income`, `COGS`, `GrossProfit`, ...; `TotalAssets`,
//! `CurrentAssets`, `BankAccounts`, ...). The balance sheet's equity holds the
//! equity accounts, retained earnings (income of earlier fiscal years) and
//! "Net Income" of the fiscal year to date, so assets equal liabilities plus
//! equity.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;
use serde_json::Value;

use super::tree::Shape;
use super::{cell, column, data_row, money_text, section};
use crate::books::postings::{Posting, balances};
use crate::books::{AccountKey, Chart, Group, fiscal_year_start};
use crate::store::RealmData;

fn columns() -> Vec<Value> {
    vec![column("", "Account", "account"), column("Total", "Money", "total")]
}

/// Posting sums turned to each account's natural sign.
fn natural(chart: &Chart, sums: &BTreeMap<AccountKey, Decimal>) -> BTreeMap<AccountKey, Decimal> {
    sums.iter()
        .filter(|(_, amount)| !amount.is_zero())
        .map(|(key, amount)| {
            let group = Group::of(&chart.info(*key));
            (*key, if group.is_debit_natured() { *amount } else { -*amount })
        })
        .collect()
}

/// The rows of one group's accounts, nested by parent, and their total.
fn group_rows(chart: &Chart, amounts: &BTreeMap<AccountKey, Decimal>, group: Group) -> (Vec<Value>, Decimal) {
    let own: BTreeMap<AccountKey, Vec<Decimal>> = amounts
        .iter()
        .filter(|(key, _)| Group::of(&chart.info(**key)) == group)
        .map(|(key, amount)| (*key, vec![*amount]))
        .collect();
    let shape = Shape::new(
        |key: AccountKey| chart.info(key).name,
        |key: AccountKey| match key {
            AccountKey::Id(id) => Some(id.to_string()),
            AccountKey::Synthetic(_) => None,
        },
        |key: AccountKey| {
            chart
                .info(key)
                .parent
                .map(AccountKey::Id)
                .filter(|parent| Group::of(&chart.info(*parent)) == group)
        },
    );
    let (rows, total) = shape.rows(&own, 1, &|a: &[Decimal]| {
        a.iter().map(|x| cell(money_text(*x))).collect()
    });
    (rows, total.first().copied().unwrap_or_default())
}

/// A titled section with a "Total <label>" summary (or `summary_label`).
fn titled(label: &str, group: &str, rows: Vec<Value>, total: Option<Decimal>, summary_label: Option<&str>) -> Value {
    let summary = summary_label.map_or_else(|| format!("Total {label}"), str::to_string);
    let amount = total.map(money_text).unwrap_or_default();
    section(
        Some(vec![cell(label), cell("")]),
        rows,
        Some(vec![cell(summary), cell(amount)]),
        Some(group),
    )
}

/// A section holding only a summary line (`Gross Profit`, `Net Income`).
fn summary_only(label: &str, amount: Option<Decimal>, group: &str) -> Value {
    let mut row = section(
        None,
        Vec::new(),
        Some(vec![cell(label), cell(amount.map(money_text).unwrap_or_default())]),
        Some(group),
    );
    if let Some(map) = row.as_object_mut() {
        map.remove("Rows");
    }
    row
}

/// The P&L over `start..=end`: columns, rows, whether there is data.
pub(super) fn profit_and_loss(
    chart: &Chart,
    postings: &[Posting],
    start: NaiveDate,
    end: NaiveDate,
) -> (Vec<Value>, Vec<Value>, bool) {
    let amounts: BTreeMap<AccountKey, Decimal> = natural(chart, &balances(postings, Some(start), end))
        .into_iter()
        .filter(|(key, _)| Group::of(&chart.info(*key)).is_profit_and_loss())
        .collect();
    if amounts.is_empty() {
        // QBO still answers the group shells, without amounts.
        let rows = vec![
            titled("Income", "Income", Vec::new(), None, None),
            summary_only("Gross Profit", None, "GrossProfit"),
            titled("Expenses", "Expenses", Vec::new(), None, None),
            summary_only("Net Operating Income", None, "NetOperatingIncome"),
            summary_only("Net Income", None, "NetIncome"),
        ];
        return (columns(), rows, false);
    }
    let (income_rows, income) = group_rows(chart, &amounts, Group::Income);
    let (cogs_rows, cogs) = group_rows(chart, &amounts, Group::Cogs);
    let (expense_rows, expenses) = group_rows(chart, &amounts, Group::Expense);
    let (other_income_rows, other_income) = group_rows(chart, &amounts, Group::OtherIncome);
    let (other_expense_rows, other_expenses) = group_rows(chart, &amounts, Group::OtherExpense);
    let gross = income - cogs;
    let operating = gross - expenses;
    let other = other_income - other_expenses;
    let mut rows = vec![titled("Income", "Income", income_rows, Some(income), None)];
    if !cogs_rows.is_empty() {
        rows.push(titled("Cost of Goods Sold", "COGS", cogs_rows, Some(cogs), None));
    }
    rows.push(summary_only("Gross Profit", Some(gross), "GrossProfit"));
    rows.push(titled("Expenses", "Expenses", expense_rows, Some(expenses), None));
    rows.push(summary_only(
        "Net Operating Income",
        Some(operating),
        "NetOperatingIncome",
    ));
    let has_other = !other_income_rows.is_empty() || !other_expense_rows.is_empty();
    if !other_income_rows.is_empty() {
        rows.push(titled(
            "Other Income",
            "OtherIncome",
            other_income_rows,
            Some(other_income),
            None,
        ));
    }
    if !other_expense_rows.is_empty() {
        rows.push(titled(
            "Other Expenses",
            "OtherExpenses",
            other_expense_rows,
            Some(other_expenses),
            None,
        ));
    }
    if has_other {
        rows.push(summary_only("Net Other Income", Some(other), "NetOtherIncome"));
    }
    rows.push(summary_only("Net Income", Some(operating + other), "NetIncome"));
    (columns(), rows, true)
}

/// A section of one account group, if it has accounts.
fn leaf(
    chart: &Chart,
    amounts: &BTreeMap<AccountKey, Decimal>,
    group: Group,
    label: &str,
    name: &str,
) -> Option<(Value, Decimal)> {
    let (rows, total) = group_rows(chart, amounts, group);
    (!rows.is_empty()).then(|| (titled(label, name, rows, Some(total), None), total))
}

/// A section of sections, if any of them is there.
fn composite(label: &str, name: &str, parts: Vec<Option<(Value, Decimal)>>) -> Option<(Value, Decimal)> {
    let parts: Vec<(Value, Decimal)> = parts.into_iter().flatten().collect();
    if parts.is_empty() {
        return None;
    }
    let total = parts.iter().map(|(_, t)| *t).sum();
    let rows = parts.into_iter().map(|(row, _)| row).collect();
    Some((titled(label, name, rows, Some(total), None), total))
}

/// The balance sheet as of `end`: columns, rows, whether there is data.
pub(super) fn balance_sheet(
    realm: &RealmData,
    chart: &Chart,
    postings: &[Posting],
    end: NaiveDate,
) -> (Vec<Value>, Vec<Value>, bool) {
    let sums = balances(postings, None, end);
    let has_data = sums.values().any(|a| !a.is_zero());
    let mut amounts: BTreeMap<AccountKey, Decimal> = natural(chart, &sums)
        .into_iter()
        .filter(|(key, _)| !Group::of(&chart.info(*key)).is_profit_and_loss())
        .collect();
    // Income and expense: earlier fiscal years close into retained earnings.
    let year_start = fiscal_year_start(realm, end);
    let profit = |from: Option<NaiveDate>, to: NaiveDate| -> Decimal {
        -balances(postings, from, to)
            .iter()
            .filter(|(key, _)| Group::of(&chart.info(**key)).is_profit_and_loss())
            .map(|(_, a)| *a)
            .sum::<Decimal>()
    };
    let earlier = profit(None, year_start - Duration::days(1));
    let net_income = profit(Some(year_start), end);
    let retained = chart
        .accounts()
        .find(|a| a.sub_type == "RetainedEarnings")
        .map(|a| a.key);
    if let Some(key) = retained
        && !earlier.is_zero()
    {
        *amounts.entry(key).or_insert(Decimal::ZERO) += earlier;
    }

    let current_assets = composite(
        "Current Assets",
        "CurrentAssets",
        vec![
            leaf(chart, &amounts, Group::Bank, "Bank Accounts", "BankAccounts"),
            leaf(chart, &amounts, Group::Receivable, "Accounts Receivable", "AR"),
            leaf(
                chart,
                &amounts,
                Group::OtherCurrentAsset,
                "Other Current Assets",
                "OtherCurrentAssets",
            ),
        ],
    );
    let asset_parts: Vec<(Value, Decimal)> = [
        current_assets,
        leaf(chart, &amounts, Group::FixedAsset, "Fixed Assets", "FixedAssets"),
        leaf(chart, &amounts, Group::OtherAsset, "Other Assets", "OtherAssets"),
    ]
    .into_iter()
    .flatten()
    .collect();
    let total_assets: Decimal = asset_parts.iter().map(|(_, t)| *t).sum();
    let assets = titled(
        "ASSETS",
        "TotalAssets",
        asset_parts.into_iter().map(|(row, _)| row).collect(),
        Some(total_assets),
        Some("TOTAL ASSETS"),
    );

    let current_liabilities = composite(
        "Current Liabilities",
        "CurrentLiabilities",
        vec![
            leaf(chart, &amounts, Group::Payable, "Accounts Payable", "AP"),
            leaf(chart, &amounts, Group::CreditCard, "Credit Cards", "CreditCards"),
            leaf(
                chart,
                &amounts,
                Group::OtherCurrentLiability,
                "Other Current Liabilities",
                "OtherCurrentLiabilities",
            ),
        ],
    );
    let liabilities = composite(
        "Liabilities",
        "Liabilities",
        vec![
            current_liabilities,
            leaf(
                chart,
                &amounts,
                Group::LongTermLiability,
                "Long-Term Liabilities",
                "LongTermLiabilities",
            ),
        ],
    );
    let (mut equity_rows, mut equity) = group_rows(chart, &amounts, Group::Equity);
    if retained.is_none() && !earlier.is_zero() {
        equity_rows.push(data_row(vec![cell("Retained Earnings"), cell(money_text(earlier))]));
        equity += earlier;
    }
    let mut net_row = data_row(vec![cell("Net Income"), cell(money_text(net_income))]);
    if let Some(map) = net_row.as_object_mut() {
        map.insert("group".into(), Value::String("NetIncome".into()));
    }
    equity_rows.push(net_row);
    equity += net_income;
    let equity_section = titled("Equity", "Equity", equity_rows, Some(equity), None);
    let mut right = Vec::new();
    let mut total_right = equity;
    if let Some((row, total)) = liabilities {
        right.push(row);
        total_right += total;
    }
    right.push(equity_section);
    let liabilities_and_equity = titled(
        "LIABILITIES AND EQUITY",
        "TotalLiabilitiesAndEquity",
        right,
        Some(total_right),
        Some("TOTAL LIABILITIES AND EQUITY"),
    );
    (columns(), vec![assets, liabilities_and_equity], has_data)
}

//! Reading QBO's own reports, for checks: the A/R and A/P aging summaries,
//! profit and loss, and the balance sheet, through the rail's request
//! sender (limits, token refresh and retries as for every other call).
//!
//! RowCol computes its figures from the mirror; these readers let a check
//! compare them with what QBO itself reports. They parse QBO's report JSON
//! exactly (money cells are text, parsed as `Decimal`) and refuse rather
//! than guess:
//!
//! - `Option NoReportData = "true"` is a `RowcolError::Rail` of kind
//!   `Invalid` with code [`NO_REPORT_DATA`] (QBO says only that flag means
//!   "empty"; a caller that treats empty as zero checks [`refusal`]);
//! - the "Unable to display more data. Please reduce the date range." row is
//!   a `Rail` `Invalid` error with code [`CUT_OFF`], naming the row: ask
//!   again for a shorter range;
//! - a money cell that is not a plain decimal, a missing column or total,
//!   or rows that do not add up to the report's own total is a
//!   `RowcolError::Mapping` naming the report and the row.
//!
//! Every error carries the client and realm. Aging rows come from the leaf
//! `Data` rows only (a customer with sub-customers is a section whose
//! summary repeats its children); totals come from the summaries and are
//! only compared with the rows, never added to them.

use std::str::FromStr;

use chrono::NaiveDate;
use rowcol_core::{Connection, ErrorContext, ExternalId, RailErrorKind, Result, RowcolError};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::QboRail;
use crate::fault;
use crate::http::{ApiRequest, CallCount, context};

/// The code of the error for a report answered with `NoReportData = "true"`.
pub const NO_REPORT_DATA: &str = "NoReportData";

/// The code of the error for a report cut off past QBO's size cap.
pub const CUT_OFF: &str = "ReportCutOff";

/// The text QBO puts in a row when a report is too large.
const CUT_OFF_TEXT: &str = "Unable to display more data";

/// Titles of the aging summary's bucket columns, in order.
pub const AGING_BUCKETS: [&str; 5] = ["Current", "1 - 30", "31 - 60", "61 - 90", "91 and over"];

/// The accounting basis a report is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportBasis {
    /// Income when invoiced, expense when billed.
    Accrual,
    /// Income and expense when paid.
    Cash,
}

impl ReportBasis {
    /// The value of `accounting_method` and `Header.ReportBasis`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportBasis::Accrual => "Accrual",
            ReportBasis::Cash => "Cash",
        }
    }
}

/// Why QBO gave no usable report, for callers that handle it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportRefusal {
    /// `NoReportData = "true"`: nothing to report for these parameters.
    NoData,
    /// The report was cut off: ask for a shorter range.
    CutOff,
}

/// Whether `error` is a report refusal, and which.
pub fn refusal(error: &RowcolError) -> Option<ReportRefusal> {
    match error {
        RowcolError::Rail {
            kind: RailErrorKind::Invalid,
            failure,
            ..
        } => match failure.code.as_deref() {
            Some(NO_REPORT_DATA) => Some(ReportRefusal::NoData),
            Some(CUT_OFF) => Some(ReportRefusal::CutOff),
            _ => None,
        },
        _ => None,
    }
}

/// One party's line of an aging summary, in home currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgingRow {
    /// The customer or vendor id.
    pub party_id: ExternalId,
    /// Its name as the report writes it.
    pub party_name: String,
    /// Current, 1 - 30, 31 - 60, 61 - 90, 91 and over (credits negative).
    pub buckets: [Decimal; 5],
    /// The party's total.
    pub total: Decimal,
}

/// An aging summary (`AgedReceivables` or `AgedPayables`) as of a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgingReport {
    /// The report's name.
    pub report: String,
    /// The day balances and ages are taken on.
    pub as_of: NaiveDate,
    /// Home currency code from the header.
    pub currency: String,
    /// One row per party with an open balance, in the report's order.
    pub rows: Vec<AgingRow>,
    /// The report's TOTAL line, per bucket.
    pub buckets: [Decimal; 5],
    /// The report's TOTAL.
    pub total: Decimal,
}

/// A section total of a profit and loss (`Income`, `GrossProfit`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionTotal {
    /// QBO's `group` (`Income`, `COGS`, `GrossProfit`, `Expenses`, `NetIncome`, ...).
    pub group: String,
    /// The summary's label ("Total Income").
    pub label: String,
    /// The amount.
    pub amount: Decimal,
}

/// A profit and loss over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfitAndLoss {
    /// First day.
    pub start: NaiveDate,
    /// Last day.
    pub end: NaiveDate,
    /// The basis QBO used.
    pub basis: ReportBasis,
    /// Home currency code.
    pub currency: String,
    /// The top-level section totals, in the report's order.
    pub sections: Vec<SectionTotal>,
    /// Net income.
    pub net_income: Decimal,
}

/// One account's line of a balance sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTotal {
    /// The account id (`None` for computed lines such as "Net Income").
    pub account_id: Option<ExternalId>,
    /// The name the report writes.
    pub name: String,
    /// The `group` of the innermost section holding it (`BankAccounts`,
    /// `AR`, `Equity`, ...), or the row's own group (`NetIncome`).
    pub group: String,
    /// The amount, in its natural sign.
    pub amount: Decimal,
}

/// A balance sheet as of a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceSheet {
    /// The day.
    pub as_of: NaiveDate,
    /// The basis QBO used.
    pub basis: ReportBasis,
    /// Home currency code.
    pub currency: String,
    /// Every account line (leaf rows), in the report's order.
    pub accounts: Vec<AccountTotal>,
    /// TOTAL ASSETS.
    pub total_assets: Decimal,
    /// TOTAL LIABILITIES AND EQUITY.
    pub total_liabilities_and_equity: Decimal,
}

impl QboRail {
    /// QBO's `AgedReceivables` as of `as_of` (`aging_method=Report_Date`:
    /// balances as they stood that day).
    pub async fn aged_receivables(&self, connection: &Connection, as_of: NaiveDate) -> Result<AgingReport> {
        self.aging(connection, "AgedReceivables", as_of).await
    }

    /// QBO's `AgedPayables` as of `as_of` (`aging_method=Report_Date`).
    pub async fn aged_payables(&self, connection: &Connection, as_of: NaiveDate) -> Result<AgingReport> {
        self.aging(connection, "AgedPayables", as_of).await
    }

    /// QBO's `ProfitAndLoss` for `start..=end` on `basis`.
    pub async fn profit_and_loss(
        &self,
        connection: &Connection,
        start: NaiveDate,
        end: NaiveDate,
        basis: ReportBasis,
    ) -> Result<ProfitAndLoss> {
        let params = vec![
            ("start_date", start.to_string()),
            ("end_date", end.to_string()),
            ("accounting_method", basis.as_str().to_string()),
        ];
        let body = self.report(connection, "ProfitAndLoss", params).await?;
        parse_profit_and_loss(&context(connection, None), &body, basis)
    }

    /// QBO's `BalanceSheet` as of `as_of` on `basis`.
    pub async fn balance_sheet(
        &self,
        connection: &Connection,
        as_of: NaiveDate,
        basis: ReportBasis,
    ) -> Result<BalanceSheet> {
        let params = vec![
            ("end_date", as_of.to_string()),
            ("accounting_method", basis.as_str().to_string()),
        ];
        let body = self.report(connection, "BalanceSheet", params).await?;
        parse_balance_sheet(&context(connection, None), &body, basis)
    }

    async fn aging(&self, connection: &Connection, name: &str, as_of: NaiveDate) -> Result<AgingReport> {
        let params = vec![
            ("report_date", as_of.to_string()),
            ("aging_method", "Report_Date".to_string()),
        ];
        let body = self.report(connection, name, params).await?;
        parse_aging(&context(connection, None), name, &body)
    }

    /// Sends one report request; refuses empty and cut-off answers.
    async fn report(&self, connection: &Connection, name: &str, params: Vec<(&'static str, String)>) -> Result<Value> {
        let request = ApiRequest::get(format!("reports/{name}"), params, None);
        let answer = self.api.send(connection, &request, &CallCount::default()).await?;
        check_usable(&context(connection, None), name, &answer.body)?;
        Ok(answer.body)
    }
}

fn refused(ctx: &ErrorContext, code: &str, message: String) -> RowcolError {
    let mut failure = fault::failure(Some(200), None, None, &message);
    failure.code = Some(code.to_string());
    RowcolError::rail(RailErrorKind::Invalid, ctx.clone(), failure)
}

fn mapping(ctx: &ErrorContext, report: &str, reason: impl std::fmt::Display) -> RowcolError {
    RowcolError::Mapping {
        context: ctx.clone(),
        reason: format!("report {report}: {reason}"),
    }
}

/// The `Rows.Row[]` of a report or section.
fn rows(v: &Value) -> &[Value] {
    v.get("Rows")
        .and_then(|r| r.get("Row"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The `ColData[]` of a row, its header or its summary.
fn col_data(row: Option<&Value>) -> &[Value] {
    row.and_then(|r| r.get("ColData"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

fn text(cell: Option<&Value>) -> &str {
    cell.and_then(|c| c.get("value"))
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Finds the cut-off row anywhere: its path (`3`, `2.1`), if any.
fn cut_off_path(rows: &[Value], prefix: &str) -> Option<String> {
    for (index, row) in rows.iter().enumerate() {
        let path = if prefix.is_empty() {
            (index + 1).to_string()
        } else {
            format!("{prefix}.{}", index + 1)
        };
        let cells = [
            row,
            row.get("Header").unwrap_or(&Value::Null),
            row.get("Summary").unwrap_or(&Value::Null),
        ];
        if cells
            .iter()
            .flat_map(|r| col_data(Some(r)))
            .any(|c| text(Some(c)).contains(CUT_OFF_TEXT))
        {
            return Some(path);
        }
        if let Some(found) = cut_off_path(self::rows(row), &path) {
            return Some(found);
        }
    }
    None
}

/// Refuses `NoReportData` and cut-off answers.
fn check_usable(ctx: &ErrorContext, report: &str, body: &Value) -> Result<()> {
    if let Some(path) = cut_off_path(rows(body), "") {
        return Err(refused(
            ctx,
            CUT_OFF,
            format!(
                "report {report} was cut off at row {path} (\"Unable to display more data\"): ask for a shorter range"
            ),
        ));
    }
    let no_data = body
        .get("Header")
        .and_then(|h| h.get("Option"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|o| {
            o.get("Name").and_then(Value::as_str) == Some("NoReportData")
                && o.get("Value")
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        });
    if no_data {
        return Err(refused(
            ctx,
            NO_REPORT_DATA,
            format!("report {report} has no data (NoReportData=true)"),
        ));
    }
    Ok(())
}

/// Parses a money cell: plain decimal text, `""` for zero.
fn money(ctx: &ErrorContext, report: &str, row: &str, column: &str, cell: Option<&Value>) -> Result<Decimal> {
    let value = cell.and_then(|c| c.get("value"));
    let raw = match value {
        Some(Value::String(s)) => s.trim(),
        None => "",
        Some(other) => {
            return Err(mapping(
                ctx,
                report,
                format!("{row}, column '{column}': money cell {other} is not text"),
            ));
        }
    };
    if raw.is_empty() {
        return Ok(Decimal::ZERO);
    }
    let plain = raw.strip_prefix('-').unwrap_or(raw);
    let well_formed = !plain.is_empty()
        && plain.chars().all(|c| c.is_ascii_digit() || c == '.')
        && plain.chars().filter(|c| *c == '.').count() <= 1;
    if !well_formed {
        return Err(mapping(
            ctx,
            report,
            format!("{row}, column '{column}': money cell '{raw}' is not a plain decimal"),
        ));
    }
    Decimal::from_str(raw).map_err(|e| {
        mapping(
            ctx,
            report,
            format!("{row}, column '{column}': money cell '{raw}' does not parse ({e})"),
        )
    })
}

fn header_text<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get("Header").and_then(|h| h.get(key)).and_then(Value::as_str)
}

fn header_date(ctx: &ErrorContext, report: &str, body: &Value, keys: &[&str]) -> Result<NaiveDate> {
    let options = body
        .get("Header")
        .and_then(|h| h.get("Option"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    keys.iter()
        .find_map(|key| {
            header_text(body, key).or_else(|| {
                options
                    .iter()
                    .find(|o| o.get("Name").and_then(Value::as_str) == Some(*key))
                    .and_then(|o| o.get("Value"))
                    .and_then(Value::as_str)
            })
        })
        .and_then(|t| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok())
        .ok_or_else(|| mapping(ctx, report, format!("the header has no readable {}", keys.join(" or "))))
}

fn check_name(ctx: &ErrorContext, report: &str, body: &Value) -> Result<()> {
    match header_text(body, "ReportName") {
        Some(name) if name.eq_ignore_ascii_case(report) => Ok(()),
        other => Err(mapping(
            ctx,
            report,
            format!("the answer is the report {}", other.unwrap_or("(unnamed)")),
        )),
    }
}

/// Column index by title.
fn column_index(ctx: &ErrorContext, report: &str, body: &Value, title: &str) -> Result<usize> {
    body.get("Columns")
        .and_then(|c| c.get("Column"))
        .and_then(Value::as_array)
        .and_then(|cols| {
            cols.iter()
                .position(|c| c.get("ColTitle").and_then(Value::as_str) == Some(title))
        })
        .ok_or_else(|| mapping(ctx, report, format!("no column '{title}'")))
}

/// Leaf `Data` rows with their paths and the group of their innermost section.
fn leaves<'a>(rows: &'a [Value], prefix: &str, group: &'a str, out: &mut Vec<(String, &'a str, &'a Value)>) {
    for (index, row) in rows.iter().enumerate() {
        let path = if prefix.is_empty() {
            (index + 1).to_string()
        } else {
            format!("{prefix}.{}", index + 1)
        };
        let own_group = row.get("group").and_then(Value::as_str).unwrap_or(group);
        if row.get("ColData").is_some() {
            out.push((path, own_group, row));
        } else {
            leaves(self::rows(row), &path, own_group, out);
        }
    }
}

/// Parses an aging summary answer.
pub(crate) fn parse_aging(ctx: &ErrorContext, report: &str, body: &Value) -> Result<AgingReport> {
    check_usable(ctx, report, body)?;
    check_name(ctx, report, body)?;
    let as_of = header_date(ctx, report, body, &["report_date", "EndPeriod"])?;
    let mut columns = [0usize; 6];
    for (slot, title) in columns.iter_mut().zip(AGING_BUCKETS.iter().chain(["Total"].iter())) {
        *slot = column_index(ctx, report, body, title)?;
    }
    let mut found = Vec::new();
    leaves(rows(body), "", "", &mut found);
    let mut out = Vec::new();
    for (path, _, row) in found {
        let cells = col_data(Some(row));
        let name = text(cells.first()).to_string();
        let label = format!("row {path} ('{name}')");
        let id = cells
            .first()
            .and_then(|c| c.get("id"))
            .and_then(Value::as_str)
            .ok_or_else(|| mapping(ctx, report, format!("{label} names no party id")))?;
        let party_id = ExternalId::from_str(id)
            .map_err(|e| mapping(ctx, report, format!("{label}: party id '{id}' is not an id ({e})")))?;
        let mut amounts = [Decimal::ZERO; 6];
        for (slot, (index, title)) in amounts
            .iter_mut()
            .zip(columns.iter().zip(AGING_BUCKETS.iter().chain(["Total"].iter())))
        {
            *slot = money(ctx, report, &label, title, cells.get(*index))?;
        }
        let [current, d30, d60, d90, over, total] = amounts;
        let buckets = [current, d30, d60, d90, over];
        if buckets.iter().copied().sum::<Decimal>() != total {
            return Err(mapping(
                ctx,
                report,
                format!("{label}: buckets do not add up to its total {total}"),
            ));
        }
        out.push(AgingRow {
            party_id,
            party_name: name,
            buckets,
            total,
        });
    }
    let grand = rows(body)
        .iter()
        .find(|r| r.get("group").and_then(Value::as_str) == Some("GrandTotal"))
        .ok_or_else(|| mapping(ctx, report, "no TOTAL row (GrandTotal): the answer may be short"))?;
    let summary = col_data(grand.get("Summary"));
    let mut totals = [Decimal::ZERO; 6];
    for (slot, (index, title)) in totals
        .iter_mut()
        .zip(columns.iter().zip(AGING_BUCKETS.iter().chain(["Total"].iter())))
    {
        *slot = money(ctx, report, "the TOTAL row", title, summary.get(*index))?;
    }
    for (i, title) in AGING_BUCKETS.iter().chain(["Total"].iter()).enumerate() {
        let sum: Decimal = out.iter().map(|r| if i < 5 { r.buckets[i] } else { r.total }).sum();
        if sum != totals[i] {
            return Err(mapping(
                ctx,
                report,
                format!(
                    "party rows add up to {sum} in '{title}' but the TOTAL row says {}",
                    totals[i]
                ),
            ));
        }
    }
    let [current, d30, d60, d90, over, total] = totals;
    Ok(AgingReport {
        report: report.to_string(),
        as_of,
        currency: header_text(body, "Currency").unwrap_or_default().to_string(),
        rows: out,
        buckets: [current, d30, d60, d90, over],
        total,
    })
}

fn basis_of(ctx: &ErrorContext, report: &str, body: &Value, asked: ReportBasis) -> Result<ReportBasis> {
    match header_text(body, "ReportBasis") {
        Some(b) if b.eq_ignore_ascii_case(asked.as_str()) => Ok(asked),
        other => Err(mapping(
            ctx,
            report,
            format!("asked for {} basis, got {}", asked.as_str(), other.unwrap_or("none")),
        )),
    }
}

/// The amount column of a one-column statement (`Total`).
fn total_column(ctx: &ErrorContext, report: &str, body: &Value) -> Result<usize> {
    column_index(ctx, report, body, "Total")
}

/// Parses a profit and loss answer.
pub(crate) fn parse_profit_and_loss(ctx: &ErrorContext, body: &Value, asked: ReportBasis) -> Result<ProfitAndLoss> {
    let report = "ProfitAndLoss";
    check_usable(ctx, report, body)?;
    check_name(ctx, report, body)?;
    let basis = basis_of(ctx, report, body, asked)?;
    let column = total_column(ctx, report, body)?;
    let mut sections = Vec::new();
    for (index, row) in rows(body).iter().enumerate() {
        let Some(group) = row.get("group").and_then(Value::as_str) else {
            continue;
        };
        // A summary-only section may carry its figure in Summary or (in some
        // answers) in Header.
        let line = row
            .get("Summary")
            .or_else(|| row.get("Header").filter(|_| row.get("Rows").is_none()));
        let cells = col_data(line);
        let label = text(cells.first()).to_string();
        let amount = money(
            ctx,
            report,
            &format!("row {} ('{label}')", index + 1),
            "Total",
            cells.get(column),
        )?;
        sections.push(SectionTotal {
            group: group.to_string(),
            label,
            amount,
        });
    }
    let net_income = sections
        .iter()
        .find(|s| s.group == "NetIncome")
        .map(|s| s.amount)
        .ok_or_else(|| mapping(ctx, report, "no NetIncome section: the answer may be short"))?;
    Ok(ProfitAndLoss {
        start: header_date(ctx, report, body, &["StartPeriod"])?,
        end: header_date(ctx, report, body, &["EndPeriod"])?,
        basis,
        currency: header_text(body, "Currency").unwrap_or_default().to_string(),
        sections,
        net_income,
    })
}

/// Parses a balance sheet answer.
pub(crate) fn parse_balance_sheet(ctx: &ErrorContext, body: &Value, asked: ReportBasis) -> Result<BalanceSheet> {
    let report = "BalanceSheet";
    check_usable(ctx, report, body)?;
    check_name(ctx, report, body)?;
    let basis = basis_of(ctx, report, body, asked)?;
    let column = total_column(ctx, report, body)?;
    let mut totals = [None, None];
    let mut accounts = Vec::new();
    for (index, top) in rows(body).iter().enumerate() {
        let group = top.get("group").and_then(Value::as_str).unwrap_or_default();
        let slot = match group {
            "TotalAssets" => 0,
            "TotalLiabilitiesAndEquity" => 1,
            _ => continue,
        };
        let summary = col_data(top.get("Summary"));
        let label = format!("row {} ('{}')", index + 1, text(summary.first()));
        let total = money(ctx, report, &label, "Total", summary.get(column))?;
        let mut found = Vec::new();
        leaves(rows(top), &(index + 1).to_string(), group, &mut found);
        let mut sum = Decimal::ZERO;
        for (path, leaf_group, row) in found {
            let cells = col_data(Some(row));
            let name = text(cells.first()).to_string();
            let amount = money(
                ctx,
                report,
                &format!("row {path} ('{name}')"),
                "Total",
                cells.get(column),
            )?;
            let account_id = match cells.first().and_then(|c| c.get("id")).and_then(Value::as_str) {
                Some(id) => Some(
                    ExternalId::from_str(id)
                        .map_err(|e| mapping(ctx, report, format!("row {path}: account id '{id}' ({e})")))?,
                ),
                None => None,
            };
            sum += amount;
            accounts.push(AccountTotal {
                account_id,
                name,
                group: leaf_group.to_string(),
                amount,
            });
        }
        if sum != total {
            return Err(mapping(
                ctx,
                report,
                format!("{label}: account rows add up to {sum} but the summary says {total}"),
            ));
        }
        totals[slot] = Some(total);
    }
    let [Some(total_assets), Some(total_liabilities_and_equity)] = totals else {
        return Err(mapping(
            ctx,
            report,
            "TotalAssets or TotalLiabilitiesAndEquity is missing: the answer may be short",
        ));
    };
    Ok(BalanceSheet {
        as_of: header_date(ctx, report, body, &["EndPeriod"])?,
        basis,
        currency: header_text(body, "Currency").unwrap_or_default().to_string(),
        accounts,
        total_assets,
        total_liabilities_and_equity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> ErrorContext {
        ErrorContext::client(&"acme".parse().unwrap())
    }

    fn aging(rows: Value) -> Value {
        json!({
            "Header": { "ReportName": "AgedReceivables", "Currency": "USD",
                        "Option": [{ "Name": "report_date", "Value": "2026-06-30" }, { "Name": "NoReportData", "Value": "false" }] },
            "Columns": { "Column": [
                { "ColTitle": "", "ColType": "Customer" }, { "ColTitle": "Current", "ColType": "Money" },
                { "ColTitle": "1 - 30", "ColType": "Money" }, { "ColTitle": "31 - 60", "ColType": "Money" },
                { "ColTitle": "61 - 90", "ColType": "Money" }, { "ColTitle": "91 and over", "ColType": "Money" },
                { "ColTitle": "Total", "ColType": "Money" } ] },
            "Rows": { "Row": rows },
        })
    }

    fn row(id: &str, name: &str, cells: [&str; 6]) -> Value {
        let mut data = vec![json!({ "value": name, "id": id })];
        data.extend(cells.iter().map(|c| json!({ "value": c })));
        json!({ "ColData": data, "type": "Data" })
    }

    fn total(cells: [&str; 6]) -> Value {
        let mut data = vec![json!({ "value": "TOTAL" })];
        data.extend(cells.iter().map(|c| json!({ "value": c })));
        json!({ "Summary": { "ColData": data }, "type": "Section", "group": "GrandTotal" })
    }

    #[test]
    fn aging_reads_leaf_rows_not_section_summaries() {
        let body = aging(json!([
            {
                "Header": { "ColData": [{ "value": "Parent", "id": "1" }, { "value": "" }] },
                "Rows": { "Row": [
                    row("1", "Parent", ["10.00", "", "", "", "", "10.00"]),
                    row("2", "Child", ["", "5.5", "", "", "-1.50", "4.00"]),
                ] },
                "Summary": { "ColData": [{ "value": "Total Parent" }, { "value": "10.00" }, { "value": "5.50" },
                    { "value": "0.00" }, { "value": "0.00" }, { "value": "-1.50" }, { "value": "14.00" }] },
                "type": "Section",
            },
            total(["10.00", "5.50", "0.00", "0.00", "-1.50", "14.00"]),
        ]));
        let report = parse_aging(&ctx(), "AgedReceivables", &body).unwrap();
        assert_eq!(report.rows.len(), 2);
        assert_eq!(report.rows[1].party_id.as_str(), "2");
        assert_eq!(report.rows[1].buckets[1], Decimal::new(55, 1));
        assert_eq!(report.total, Decimal::new(1400, 2));
        assert_eq!(report.as_of, NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
    }

    #[test]
    fn bad_money_cells_name_report_row_and_column() {
        for bad in ["12,00", "abc", "1.2.3", "-", "1e3", " $5 "] {
            let body = aging(json!([
                row("7", "Acme", ["", bad, "", "", "", "0.00"]),
                total(["0.00", "0.00", "0.00", "0.00", "0.00", "0.00"]),
            ]));
            let error = parse_aging(&ctx(), "AgedReceivables", &body).unwrap_err();
            let text = error.to_string();
            assert!(matches!(error, RowcolError::Mapping { .. }), "{bad}: {text}");
            assert!(
                text.contains("AgedReceivables") && text.contains("row 1 ('Acme')"),
                "{text}"
            );
            assert!(text.contains("'1 - 30'") && text.contains("acme"), "{text}");
        }
    }

    #[test]
    fn short_or_inconsistent_answers_are_refused() {
        let no_total = aging(json!([row("7", "Acme", ["1.00", "", "", "", "", "1.00"])]));
        assert!(parse_aging(&ctx(), "AgedReceivables", &no_total).is_err());
        let wrong_total = aging(json!([
            row("7", "Acme", ["1.00", "", "", "", "", "1.00"]),
            total(["2.00", "0.00", "0.00", "0.00", "0.00", "2.00"]),
        ]));
        let error = parse_aging(&ctx(), "AgedReceivables", &wrong_total).unwrap_err();
        assert!(error.to_string().contains("TOTAL row says 2.00"), "{error}");
        let bad_row = aging(json!([
            row("7", "Acme", ["1.00", "", "", "", "", "3.00"]),
            total(["1.00", "0.00", "0.00", "0.00", "0.00", "3.00"]),
        ]));
        assert!(parse_aging(&ctx(), "AgedReceivables", &bad_row).is_err());
    }

    #[test]
    fn empty_and_cut_off_answers_are_typed_refusals() {
        let mut empty = aging(json!([]));
        empty["Header"]["Option"][1]["Value"] = json!("true");
        let error = parse_aging(&ctx(), "AgedReceivables", &empty).unwrap_err();
        assert_eq!(refusal(&error), Some(ReportRefusal::NoData));
        let cut = aging(json!([
            row("7", "Acme", ["1.00", "", "", "", "", "1.00"]),
            { "ColData": [{ "value": "Unable to display more data. Please reduce the date range." }], "type": "Data" },
        ]));
        let error = parse_aging(&ctx(), "AgedReceivables", &cut).unwrap_err();
        assert_eq!(refusal(&error), Some(ReportRefusal::CutOff));
        assert!(error.to_string().contains("row 2"), "{error}");
        assert_eq!(
            refusal(&RowcolError::Mapping {
                context: ctx(),
                reason: String::new()
            }),
            None
        );
    }
}

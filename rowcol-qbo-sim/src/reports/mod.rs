//! The Reports API: `GET /v3/company/{realmId}/reports/{ReportName}` for
//! `AgedReceivables`, `AgedPayables`, `AgedReceivableDetail`,
//! `AgedPayableDetail`, `ProfitAndLoss` and `BalanceSheet`, computed from the
//! realm's own books ([`crate::books`]) in QBO's JSON shape: `Header`,
//! `Columns.Column[]`, `Rows.Row[]` of `Data` and `Section` rows whose
//! `ColData[].value` are strings, money as plain decimal text with two places.

mod aging;
mod statements;
mod tree;

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::books::Chart;
use crate::books::open_items::{AgingMethod, Ledger};
use crate::books::postings::{self, Basis};
use crate::clock::meta_time;
use crate::qbo_fault::QboFault;
use crate::store::RealmData;

/// The row QBO puts in a report past its size cap.
pub const CUT_OFF_MESSAGE: &str = "Unable to display more data. Please reduce the date range.";

/// Cells a report may hold before it is cut off, unless a realm's faults set
/// another cap. The figure commonly quoted for QBO (unverified).
pub const DEFAULT_CELL_LIMIT: u64 = 400_000;

/// The reports the look-alike answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportName {
    /// A/R aging summary.
    AgedReceivables,
    /// A/R aging detail.
    AgedReceivableDetail,
    /// A/P aging summary.
    AgedPayables,
    /// A/P aging detail.
    AgedPayableDetail,
    /// Profit and loss.
    ProfitAndLoss,
    /// Balance sheet.
    BalanceSheet,
}

impl ReportName {
    /// Matches a report name as QBO spells it (case-insensitive).
    pub fn parse(name: &str) -> Option<ReportName> {
        [
            ReportName::AgedReceivables,
            ReportName::AgedReceivableDetail,
            ReportName::AgedPayables,
            ReportName::AgedPayableDetail,
            ReportName::ProfitAndLoss,
            ReportName::BalanceSheet,
        ]
        .into_iter()
        .find(|r| r.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// The name QBO writes in `Header.ReportName`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportName::AgedReceivables => "AgedReceivables",
            ReportName::AgedReceivableDetail => "AgedReceivableDetail",
            ReportName::AgedPayables => "AgedPayables",
            ReportName::AgedPayableDetail => "AgedPayableDetail",
            ReportName::ProfitAndLoss => "ProfitAndLoss",
            ReportName::BalanceSheet => "BalanceSheet",
        }
    }
}

/// Money as QBO writes it in a cell: plain decimal text, two places.
pub fn money_text(amount: Decimal) -> String {
    let mut rounded = amount.round_dp(2);
    if rounded.is_zero() {
        rounded = Decimal::ZERO;
    }
    rounded.rescale(2);
    rounded.to_string()
}

/// `{"value": text}`
pub fn cell(text: impl Into<String>) -> Value {
    json!({ "value": text.into() })
}

/// `{"value": name, "id": id}`
pub fn id_cell(name: &str, id: impl ToString) -> Value {
    json!({ "value": name, "id": id.to_string() })
}

/// A `Data` row.
pub fn data_row(cells: Vec<Value>) -> Value {
    json!({ "ColData": cells, "type": "Data" })
}

/// A `Section` row: optional header cells, inner rows, optional summary cells, optional group.
pub fn section(
    header: Option<Vec<Value>>,
    rows: Vec<Value>,
    summary: Option<Vec<Value>>,
    group: Option<&str>,
) -> Value {
    let mut map = Map::new();
    if let Some(header) = header {
        map.insert("Header".into(), json!({ "ColData": header }));
    }
    map.insert(
        "Rows".into(),
        if rows.is_empty() {
            json!({})
        } else {
            json!({ "Row": rows })
        },
    );
    if let Some(summary) = summary {
        map.insert("Summary".into(), json!({ "ColData": summary }));
    }
    map.insert("type".into(), json!("Section"));
    if let Some(group) = group {
        map.insert("group".into(), json!(group));
    }
    Value::Object(map)
}

/// A column: title, type and `ColKey` (no `MetaData` when the key is empty).
pub fn column(title: &str, col_type: &str, key: &str) -> Value {
    if key.is_empty() {
        json!({ "ColTitle": title, "ColType": col_type })
    } else {
        json!({ "ColTitle": title, "ColType": col_type, "MetaData": [{ "Name": "ColKey", "Value": key }] })
    }
}

/// The parameters a report was asked with, parsed.
#[derive(Debug, Clone)]
struct Params {
    report_date: NaiveDate,
    start_date: Option<NaiveDate>,
    end_date: NaiveDate,
    basis: Basis,
    method: AgingMethod,
    parties: Option<BTreeSet<u64>>,
    party_echo: Option<String>,
}

fn date_param(params: &HashMap<String, String>, name: &str) -> Result<Option<NaiveDate>, QboFault> {
    match params.get(name).map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| QboFault::invalid_request(format!("{name} must be a date YYYY-MM-DD, got '{text}'"))),
    }
}

fn parse_params(report: ReportName, params: &HashMap<String, String>, today: NaiveDate) -> Result<Params, QboFault> {
    if params.contains_key("date_macro") {
        return Err(QboFault::invalid_request(
            "the look-alike does not answer date_macro: send start_date/end_date or report_date",
        ));
    }
    let basis = match params.get("accounting_method").map(|s| s.trim().to_ascii_lowercase()) {
        None => Basis::Accrual,
        Some(m) if m == "accrual" => Basis::Accrual,
        Some(m) if m == "cash" => Basis::Cash,
        Some(other) => {
            return Err(QboFault::invalid_request(format!(
                "accounting_method must be Cash or Accrual, got '{other}'"
            )));
        }
    };
    let method = match params.get("aging_method").map(|s| s.trim()) {
        None | Some("Report_Date") => AgingMethod::ReportDate,
        Some("Current") => AgingMethod::Current,
        Some(other) => {
            return Err(QboFault::invalid_request(format!(
                "aging_method must be Report_Date or Current, got '{other}'"
            )));
        }
    };
    let (party_param, other_filters): (Option<&str>, &[&str]) = match report {
        ReportName::AgedReceivables | ReportName::AgedReceivableDetail => {
            (Some("customer"), &["vendor", "class", "department", "item", "employee"])
        }
        ReportName::AgedPayables | ReportName::AgedPayableDetail => {
            (Some("vendor"), &["customer", "class", "department", "item", "employee"])
        }
        _ => (None, &["customer", "vendor", "class", "department", "item", "employee"]),
    };
    if let Some(filter) = other_filters.iter().find(|f| params.contains_key(**f)) {
        return Err(QboFault::invalid_request(format!(
            "the look-alike does not filter {} by {filter}",
            report.as_str()
        )));
    }
    let mut parties = None;
    let mut party_echo = None;
    if let Some(text) = party_param.and_then(|p| params.get(p)) {
        let ids = text
            .split(',')
            .map(|s| s.trim().parse::<u64>())
            .collect::<Result<BTreeSet<u64>, _>>()
            .map_err(|_| {
                QboFault::invalid_request(format!("party filter must be comma-separated ids, got '{text}'"))
            })?;
        parties = Some(ids);
        party_echo = Some(text.clone());
    }
    let end_date = date_param(params, "end_date")?.unwrap_or(today);
    let start_date = date_param(params, "start_date")?;
    if let Some(start) = start_date
        && start > end_date
    {
        return Err(QboFault::invalid_request(format!(
            "start_date {start} is after end_date {end_date}"
        )));
    }
    Ok(Params {
        report_date: date_param(params, "report_date")?.unwrap_or(today),
        start_date,
        end_date,
        basis,
        method,
        parties,
        party_echo,
    })
}

/// Answers one report for a realm: the whole JSON body, or a fault for bad parameters.
pub fn run(
    realm: &RealmData,
    name: &str,
    params: &HashMap<String, String>,
    now: chrono::DateTime<chrono::Utc>,
    cell_limit: u64,
) -> Result<Value, QboFault> {
    let report = ReportName::parse(name)
        .ok_or_else(|| QboFault::invalid_request(format!("the look-alike does not answer the report {name}")))?;
    let today = now.with_timezone(&realm.offset).date_naive();
    let p = parse_params(report, params, today)?;
    let chart = Chart::of(realm);
    let mut header = Map::new();
    header.insert("Time".into(), json!(meta_time(now, realm.offset)));
    header.insert("ReportName".into(), json!(report.as_str()));
    let mut options = Vec::new();
    let (columns, mut rows, has_data) = match report {
        ReportName::AgedReceivables
        | ReportName::AgedReceivableDetail
        | ReportName::AgedPayables
        | ReportName::AgedPayableDetail => {
            let ledger = if matches!(report, ReportName::AgedReceivables | ReportName::AgedReceivableDetail) {
                Ledger::Receivable
            } else {
                Ledger::Payable
            };
            let detail = matches!(report, ReportName::AgedReceivableDetail | ReportName::AgedPayableDetail);
            let aged_on = match p.method {
                AgingMethod::ReportDate => p.report_date,
                AgingMethod::Current => today,
            };
            header.insert("ReportBasis".into(), json!(Basis::Accrual.as_str()));
            header.insert("StartPeriod".into(), json!(p.report_date.to_string()));
            header.insert("EndPeriod".into(), json!(p.report_date.to_string()));
            if let Some(echo) = &p.party_echo {
                let key = if ledger == Ledger::Receivable {
                    "Customer"
                } else {
                    "Vendor"
                };
                header.insert(key.into(), json!(echo));
            }
            options.push(json!({ "Name": "report_date", "Value": p.report_date.to_string() }));
            options.push(json!({
                "Name": "aging_method",
                "Value": if p.method == AgingMethod::Current { "Current" } else { "Report_Date" },
            }));
            let request = aging::Request {
                ledger,
                as_of: p.report_date,
                aged_on,
                method: p.method,
                parties: p.parties.as_ref(),
            };
            if detail {
                aging::detail(realm, &chart, &request)
            } else {
                aging::summary(realm, &chart, &request)
            }
        }
        ReportName::ProfitAndLoss | ReportName::BalanceSheet => {
            let start = p
                .start_date
                .unwrap_or_else(|| crate::books::fiscal_year_start(realm, p.end_date));
            header.insert("ReportBasis".into(), json!(p.basis.as_str()));
            header.insert("StartPeriod".into(), json!(start.to_string()));
            header.insert("EndPeriod".into(), json!(p.end_date.to_string()));
            header.insert("SummarizeColumnsBy".into(), json!("Total"));
            options.push(json!({ "Name": "AccountingStandard", "Value": "GAAP" }));
            let all = postings::postings(realm, &chart, p.basis);
            if report == ReportName::ProfitAndLoss {
                statements::profit_and_loss(&chart, &all, start, p.end_date)
            } else {
                statements::balance_sheet(realm, &chart, &all, p.end_date)
            }
        }
    };
    header.insert("Currency".into(), json!(realm.home_currency));
    let cut = cut_off(&mut rows, cell_limit, columns.len());
    options.push(json!({ "Name": "NoReportData", "Value": if has_data || cut { "false" } else { "true" } }));
    header.insert("Option".into(), Value::Array(options));
    Ok(json!({
        "Header": header,
        "Columns": { "Column": columns },
        "Rows": if rows.is_empty() { json!({}) } else { json!({ "Row": rows }) },
    }))
}

fn count(cells: Option<&Value>) -> u64 {
    cells
        .and_then(Value::as_array)
        .map_or(0, |c| u64::try_from(c.len()).unwrap_or(u64::MAX))
}

/// The inner rows of a section.
fn rows_of(row: &Value) -> &[Value] {
    row.get("Rows")
        .and_then(|r| r.get("Row"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Keeps rows while their cells fit in `budget`; an unfinished section
/// loses its summary and what follows it. True if anything was cut.
fn cut_rows(rows: &mut Vec<Value>, budget: &mut u64) -> bool {
    for index in 0..rows.len() {
        let row = &rows[index];
        let own = count(row.get("ColData")) + count(row.get("Header").and_then(|h| h.get("ColData")));
        let summary = count(row.get("Summary").and_then(|s| s.get("ColData")));
        if own > *budget {
            rows.truncate(index);
            return true;
        }
        *budget -= own;
        let inner_cut = rows[index]
            .get_mut("Rows")
            .and_then(|r| r.get_mut("Row"))
            .and_then(Value::as_array_mut)
            .is_some_and(|inner| cut_rows(inner, budget));
        if inner_cut || summary > *budget {
            if let Some(section) = rows[index].as_object_mut() {
                section.remove("Summary");
            }
            // A section left with neither header nor rows says nothing.
            let bare = rows[index].get("Header").is_none() && self::rows_of(&rows[index]).is_empty();
            rows.truncate(if bare { index } else { index + 1 });
            return true;
        }
        *budget -= summary;
    }
    false
}

/// Cuts a report past `limit` cells and appends QBO's message row.
fn cut_off(rows: &mut Vec<Value>, limit: u64, columns: usize) -> bool {
    let mut budget = limit;
    if !cut_rows(rows, &mut budget) {
        return false;
    }
    let mut cells = vec![cell(CUT_OFF_MESSAGE)];
    cells.extend((1..columns).map(|_| cell("")));
    rows.push(data_row(cells));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_two_places_and_no_negative_zero() {
        assert_eq!(money_text(Decimal::new(1201, 0)), "1201.00");
        assert_eq!(money_text(Decimal::new(-46, 0)), "-46.00");
        assert_eq!(money_text(Decimal::new(2255, 1)), "225.50");
        assert_eq!(money_text(-Decimal::ZERO), "0.00");
    }

    #[test]
    fn cut_off_keeps_whole_rows_and_drops_unfinished_summaries() {
        let mut rows = vec![
            data_row(vec![cell("a"), cell("1.00")]),
            section(
                Some(vec![cell("S"), cell("")]),
                vec![
                    data_row(vec![cell("b"), cell("2.00")]),
                    data_row(vec![cell("c"), cell("3.00")]),
                ],
                Some(vec![cell("Total S"), cell("5.00")]),
                None,
            ),
        ];
        assert!(cut_off(&mut rows, 6, 2));
        assert_eq!(rows.len(), 3);
        assert!(rows[1].get("Summary").is_none());
        assert_eq!(rows[1]["Rows"]["Row"].as_array().unwrap().len(), 1);
        assert_eq!(rows[2]["ColData"][0]["value"], CUT_OFF_MESSAGE);
        let mut small = vec![data_row(vec![cell("a")])];
        assert!(!cut_off(&mut small, 10, 1));
        // A grand total that does not fit goes entirely.
        let mut total = vec![
            data_row(vec![cell("a"), cell("1.00")]),
            section(
                None,
                Vec::new(),
                Some(vec![cell("TOTAL"), cell("1.00")]),
                Some("GrandTotal"),
            ),
        ];
        assert!(cut_off(&mut total, 3, 2));
        assert_eq!(total.len(), 2);
        assert_eq!(total[1]["ColData"][0]["value"], CUT_OFF_MESSAGE);
    }
}

#[cfg(test)]
mod large_books {
    use super::*;
    use crate::generator::{Size, generate_realm};
    use chrono::{DateTime, Utc};

    #[test]
    fn every_report_answers_a_large_realm() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let realm = generate_realm(
            "5",
            1,
            Size::Large,
            crate::generator::Profile::MessyBooks,
            true,
            chrono::FixedOffset::west_opt(5 * 3600).unwrap(),
            now,
        );
        for name in [
            "AgedReceivables",
            "AgedReceivableDetail",
            "AgedPayables",
            "AgedPayableDetail",
            "ProfitAndLoss",
            "BalanceSheet",
        ] {
            for basis in ["Accrual", "Cash"] {
                let params = HashMap::from([("accounting_method".to_string(), basis.to_string())]);
                let body = run(&realm, name, &params, now, DEFAULT_CELL_LIMIT).unwrap();
                assert_eq!(
                    body["Header"]["Option"].as_array().unwrap().last().unwrap()["Value"],
                    "false"
                );
                assert!(!body.to_string().contains(CUT_OFF_MESSAGE));
            }
        }
    }
}

//! Runs a parsed [`Query`] against a realm's books.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::QueryError;
use super::parser::{Condition, Field, Literal, Op, OrderKey, Projection, Query};
use crate::clock::parse_client_time;
use crate::money;
use crate::store::RealmData;

/// Rows per page when MAXRESULTS is absent.
pub const DEFAULT_MAX_RESULTS: u64 = 100;
/// The most rows one answer carries.
pub const MAX_MAX_RESULTS: u64 = 1000;

/// What a statement selected: a count, or one page of rows.
#[derive(Debug)]
pub enum Selection<'a> {
    /// `SELECT COUNT(*)`
    Count(usize),
    /// A page: 1-based start and the rows (possibly none).
    Page {
        /// STARTPOSITION answered.
        start: u64,
        /// The rows of the page.
        rows: Vec<&'a Value>,
    },
}

/// Runs `query` and returns the `QueryResponse` object.
pub fn execute(query: &Query, realm: &RealmData) -> Result<Value, QueryError> {
    match select(query, realm)? {
        Selection::Count(n) => Ok(json!({ "totalCount": n })),
        Selection::Page { rows, .. } if rows.is_empty() => Ok(Value::Object(Map::new())),
        Selection::Page { start, rows } => {
            let count = rows.len();
            let mut out = Map::new();
            out.insert(
                query.kind.json_key().to_string(),
                Value::Array(rows.into_iter().cloned().collect()),
            );
            out.insert("startPosition".into(), json!(start));
            out.insert("maxResults".into(), json!(count));
            Ok(Value::Object(out))
        }
    }
}

/// Like [`execute`], but writes the `QueryResponse` object as JSON text,
/// reusing the realm's cached row texts (the hot path of the query endpoint).
pub fn execute_text(query: &Query, realm: &RealmData) -> Result<String, QueryError> {
    match select(query, realm)? {
        Selection::Count(n) => Ok(format!("{{\"totalCount\":{n}}}")),
        Selection::Page { rows, .. } if rows.is_empty() => Ok("{}".to_string()),
        Selection::Page { start, rows } => {
            let texts = realm.raw_cache.texts(query.kind, &rows);
            let size: usize = texts.iter().map(|t| t.len() + 1).sum();
            let mut out = String::with_capacity(size + 64);
            out.push_str("{\"");
            out.push_str(query.kind.json_key());
            out.push_str("\":[");
            for (i, text) in texts.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(text);
            }
            out.push_str(&format!("],\"startPosition\":{start},\"maxResults\":{}}}", texts.len()));
            Ok(out)
        }
    }
}

/// Filters, orders and pages. Name lists answer active rows only unless the
/// statement filters on `Active`.
pub fn select<'a>(query: &Query, realm: &'a RealmData) -> Result<Selection<'a>, QueryError> {
    if query.max_results == Some(0) {
        return Err(QueryError("MAXRESULTS must be at least 1".into()));
    }
    // Values are checked once up front, so a bad literal fails even on an empty kind.
    for condition in &query.conditions {
        match &condition.op {
            Op::Eq(l) | Op::Lt(l) | Op::Gt(l) | Op::Le(l) | Op::Ge(l) => {
                literal_value(condition.field, l, realm.offset)?;
            }
            Op::In(list) => {
                for l in list {
                    literal_value(condition.field, l, realm.offset)?;
                }
            }
            Op::Like(_) => {}
        }
    }
    let filter_active = query.kind.is_name_list() && !query.conditions.iter().any(|c| c.field == Field::Active);
    let mut rows: Vec<&Value> = Vec::new();
    for row in realm.kind_rows(query.kind) {
        if filter_active && row.get("Active").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        let mut keep = true;
        for condition in &query.conditions {
            if !matches(condition, row, realm.offset)? {
                keep = false;
                break;
            }
        }
        if keep {
            rows.push(row);
        }
    }
    if query.projection == Projection::Count {
        return Ok(Selection::Count(rows.len()));
    }
    if !query.order.is_empty() {
        // Keys computed once per row, not once per comparison.
        let mut keyed: Vec<(Vec<SortKey>, &Value)> = rows
            .into_iter()
            .map(|row| (query.order.iter().map(|k| sort_key(row, &k.path)).collect(), row))
            .collect();
        keyed.sort_by(|(a, _), (b, _)| compare_keys(a, b, &query.order));
        rows = keyed.into_iter().map(|(_, row)| row).collect();
    }
    let start = query.start_position.unwrap_or(1).max(1);
    let max = query.max_results.unwrap_or(DEFAULT_MAX_RESULTS).min(MAX_MAX_RESULTS);
    let page: Vec<&Value> = rows
        .into_iter()
        .skip(usize::try_from(start - 1).unwrap_or(usize::MAX))
        .take(usize::try_from(max).unwrap_or(usize::MAX))
        .collect();
    Ok(Selection::Page { start, rows: page })
}

/// A typed value of a field, for comparison.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Typed {
    Int(u64),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    Bool(bool),
    Text(String),
}

fn row_value(field: Field, row: &Value, offset: FixedOffset) -> Option<Typed> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    match field {
        Field::Id => text(row.get("Id")).and_then(|s| s.parse().ok()).map(Typed::Int),
        Field::LastUpdatedTime | Field::CreateTime => {
            let key = if field == Field::CreateTime {
                "CreateTime"
            } else {
                "LastUpdatedTime"
            };
            text(row.get("MetaData").and_then(|m| m.get(key)))
                .and_then(|s| parse_client_time(&s, offset))
                .map(Typed::Time)
        }
        Field::TxnDate | Field::DueDate => {
            let key = if field == Field::TxnDate { "TxnDate" } else { "DueDate" };
            text(row.get(key))
                .and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok())
                .map(Typed::Date)
        }
        Field::Active => row.get("Active").and_then(Value::as_bool).map(Typed::Bool),
        Field::DisplayName => text(row.get("DisplayName")).map(Typed::Text),
        Field::DocNumber => text(row.get("DocNumber")).map(Typed::Text),
        Field::Name => text(row.get("Name")).map(Typed::Text),
    }
}

fn literal_value(field: Field, literal: &Literal, offset: FixedOffset) -> Result<Typed, QueryError> {
    let raw = match literal {
        Literal::Str(s) | Literal::Number(s) => s.as_str(),
        Literal::Bool(b) => {
            return if field == Field::Active {
                Ok(Typed::Bool(*b))
            } else {
                Err(QueryError(format!("{field:?} cannot be compared with a boolean")))
            };
        }
    };
    let bad = || QueryError(format!("invalid value '{raw}' for {field:?}"));
    Ok(match field {
        Field::Id => Typed::Int(raw.trim().parse().map_err(|_| bad())?),
        Field::LastUpdatedTime | Field::CreateTime => Typed::Time(parse_client_time(raw, offset).ok_or_else(bad)?),
        Field::TxnDate | Field::DueDate => {
            let date_part = raw.get(..10).ok_or_else(bad)?;
            Typed::Date(NaiveDate::parse_from_str(date_part, "%Y-%m-%d").map_err(|_| bad())?)
        }
        Field::Active => match raw.to_ascii_lowercase().as_str() {
            "true" => Typed::Bool(true),
            "false" => Typed::Bool(false),
            _ => return Err(bad()),
        },
        Field::DisplayName | Field::DocNumber | Field::Name => Typed::Text(raw.to_string()),
    })
}

fn matches(condition: &Condition, row: &Value, offset: FixedOffset) -> Result<bool, QueryError> {
    let field = condition.field;
    let value = row_value(field, row, offset);
    let cmp = |lit: &Literal, want: &[Ordering]| -> Result<bool, QueryError> {
        let lit = literal_value(field, lit, offset)?;
        Ok(value
            .as_ref()
            .and_then(|v| v.partial_cmp(&lit))
            .is_some_and(|o| want.contains(&o)))
    };
    match &condition.op {
        Op::Eq(lit) => cmp(lit, &[Ordering::Equal]),
        Op::Lt(lit) => cmp(lit, &[Ordering::Less]),
        Op::Gt(lit) => cmp(lit, &[Ordering::Greater]),
        Op::Le(lit) => cmp(lit, &[Ordering::Less, Ordering::Equal]),
        Op::Ge(lit) => cmp(lit, &[Ordering::Greater, Ordering::Equal]),
        Op::In(lits) => {
            for lit in lits {
                if cmp(lit, &[Ordering::Equal])? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Op::Like(pattern) => Ok(match value {
            Some(Typed::Text(text)) => like(&text.to_lowercase(), &pattern.to_lowercase()),
            Some(_) => return Err(QueryError(format!("LIKE applies to text fields, not {field:?}"))),
            None => false,
        }),
    }
}

/// SQL LIKE with `%` (any run) only; case is folded by the caller.
fn like(text: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    if parts.len() == 1 {
        return text == pattern;
    }
    let mut rest = text;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

/// Looks a dotted path up with case-insensitive keys.
fn lookup<'a>(row: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = row;
    for segment in path.split('.') {
        let obj = current.as_object()?;
        current = obj.get(segment).or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(segment))
                .map(|(_, v)| v)
        })?;
    }
    Some(current)
}

#[derive(PartialEq, PartialOrd)]
enum SortKey {
    Missing,
    Bool(bool),
    Num(Decimal),
    Text(String),
}

fn sort_key(row: &Value, path: &str) -> SortKey {
    match lookup(row, path) {
        None | Some(Value::Null) => SortKey::Missing,
        Some(Value::Bool(b)) => SortKey::Bool(*b),
        Some(v @ Value::Number(_)) => money::dec(v).map_or(SortKey::Missing, SortKey::Num),
        // Ids are numeric strings: order them as numbers, as QBO does.
        Some(Value::String(s)) if path.eq_ignore_ascii_case("id") => s
            .parse::<Decimal>()
            .map_or_else(|_| SortKey::Text(s.clone()), SortKey::Num),
        Some(Value::String(s)) => SortKey::Text(s.to_lowercase()),
        Some(other) => SortKey::Text(other.to_string()),
    }
}

fn compare_keys(a: &[SortKey], b: &[SortKey], order: &[OrderKey]) -> Ordering {
    for ((ka, kb), key) in a.iter().zip(b).zip(order) {
        let ord = ka.partial_cmp(kb).unwrap_or(Ordering::Equal);
        let ord = if key.descending { ord.reverse() } else { ord };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;
    use crate::store::Kind;
    use chrono::TimeZone;

    fn realm() -> RealmData {
        let off = FixedOffset::west_opt(8 * 3600).unwrap();
        let mut realm = RealmData::new("1", off, "USD");
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        for (i, name) in ["Acme", "O'Brien & Co", "Zed"].iter().enumerate() {
            let active = i != 2;
            realm.insert(
                Kind::Vendor,
                json!({"DisplayName": name, "Active": active}),
                t0,
                t0 + chrono::Duration::days(i as i64),
            );
        }
        realm
    }

    fn run(statement: &str) -> Value {
        execute(&parse(statement).unwrap(), &realm()).unwrap()
    }

    #[test]
    fn name_lists_hide_inactive_rows_unless_asked() {
        assert_eq!(run("select count(*) from Vendor")["totalCount"], 2);
        assert_eq!(
            run("select count(*) from Vendor where Active in (true, false)")["totalCount"],
            3
        );
        assert_eq!(run("select count(*) from Vendor where Active = false")["totalCount"], 1);
    }

    #[test]
    fn filters_orders_and_pages() {
        let r = run(r"select * from vendor where displayname = 'O\'Brien & Co'");
        assert_eq!(r["Vendor"][0]["Id"], "2");
        let r = run("select * from Vendor where DisplayName like '%co' ");
        assert_eq!(r["maxResults"], 1);
        let r = run("select * from Vendor where Active in (true,false) order by Id desc startposition 2 maxresults 5");
        assert_eq!(r["Vendor"][0]["Id"], "2");
        assert_eq!(r["startPosition"], 2);
        assert_eq!(r["maxResults"], 2);
        let r = run("select * from Vendor where MetaData.LastUpdatedTime >= '2026-01-01T16:00:00-08:00'");
        assert_eq!(r["maxResults"], 1, "{r}");
        let r = run("select * from Vendor where Id IN ('1', '3') and Active IN (true, false)");
        assert_eq!(r["maxResults"], 2);
    }

    #[test]
    fn text_path_matches_value_path() {
        let realm = realm();
        for statement in [
            "select * from Vendor",
            "select count(*) from Vendor",
            "select * from Bill",
            "select * from Vendor order by Id desc maxresults 1",
        ] {
            let q = parse(statement).unwrap();
            let text: Value = serde_json::from_str(&execute_text(&q, &realm).unwrap()).unwrap();
            assert_eq!(text, execute(&q, &realm).unwrap(), "{statement}");
            // Second time from the cache.
            let again: Value = serde_json::from_str(&execute_text(&q, &realm).unwrap()).unwrap();
            assert_eq!(again, text);
        }
    }

    #[test]
    fn empty_answer_has_no_keys() {
        assert_eq!(run("select * from Bill"), json!({}));
        assert_eq!(run("select * from Vendor startposition 10"), json!({}));
    }

    #[test]
    fn rejects_bad_values() {
        let realm = realm();
        assert!(execute(&parse("select * from Vendor where Id = 'abc'").unwrap(), &realm).is_err());
        assert!(execute(&parse("select * from Vendor maxresults 0").unwrap(), &realm).is_err());
        assert!(execute(&parse("select * from Bill where TxnDate > 'soon'").unwrap(), &realm).is_err());
    }

    #[test]
    fn like_matches_wildcards() {
        assert!(like("acme supplies", "acme%"));
        assert!(like("acme supplies", "%supp%"));
        assert!(like("acme", "acme"));
        assert!(!like("acme", "%x%"));
    }
}

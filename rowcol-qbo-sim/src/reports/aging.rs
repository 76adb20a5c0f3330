//! `AgedReceivables` / `AgedPayables` (one row per party, sub-customers
//! nested under their parent) and their `...Detail` forms (one section per
//! bucket, one row per open document). Buckets count days past the due date
//! on the aging date: `Current` (not yet due), `1 - 30`, `31 - 60`,
//! `61 - 90`, `91 and over`. Credits (credit memos, vendor credits, the
//! unapplied part of payments) are negative and age from their own date.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use super::tree::{Shape, add};
use super::{cell, column, data_row, id_cell, money_text, section};
use crate::books::open_items::{AgingMethod, Ledger, OpenItem, open_items};
use crate::books::{Chart, ref_id, row_id};
use crate::store::{Kind, RealmData};

/// Column titles of the summary's buckets.
const BUCKETS: [&str; 5] = ["Current", "1 - 30", "31 - 60", "61 - 90", "91 and over"];

/// Section headers of the detail's buckets.
const DETAIL_BUCKETS: [&str; 5] = [
    "Current",
    "1 - 30 days past due",
    "31 - 60 days past due",
    "61 - 90 days past due",
    "91 or more days past due",
];

/// What an aging report was asked for.
#[derive(Debug, Clone)]
pub(super) struct Request<'a> {
    /// Receivables or payables.
    pub ledger: Ledger,
    /// Documents dated after this are left out (`report_date`).
    pub as_of: NaiveDate,
    /// The day days past due are counted to.
    pub aged_on: NaiveDate,
    /// Which payments count.
    pub method: AgingMethod,
    /// Only these parties, when given.
    pub parties: Option<&'a BTreeSet<u64>>,
}

/// The bucket of an item due on `due`, aged on `on`.
pub(crate) fn bucket(due: NaiveDate, on: NaiveDate) -> usize {
    match (on - due).num_days() {
        ..=0 => 0,
        1..=30 => 1,
        31..=60 => 2,
        61..=90 => 3,
        _ => 4,
    }
}

fn items(realm: &RealmData, chart: &Chart, request: &Request<'_>) -> Vec<OpenItem> {
    open_items(realm, chart, request.ledger, request.as_of, request.method)
        .into_iter()
        .filter(|i| request.parties.is_none_or(|p| p.contains(&i.party_id)))
        .collect()
}

/// The summary report: columns, rows, whether there is data.
pub(super) fn summary(realm: &RealmData, chart: &Chart, request: &Request<'_>) -> (Vec<Value>, Vec<Value>, bool) {
    let party_kind = match request.ledger {
        Ledger::Receivable => Kind::Customer,
        Ledger::Payable => Kind::Vendor,
    };
    let mut columns = vec![column("", party_kind.name(), "")];
    columns.extend(BUCKETS.iter().chain(["Total"].iter()).map(|t| column(t, "Money", "")));
    let items = items(realm, chart, request);
    let mut own: BTreeMap<u64, Vec<Decimal>> = BTreeMap::new();
    let mut names: BTreeMap<u64, String> = BTreeMap::new();
    for item in &items {
        let row = own.entry(item.party_id).or_insert_with(|| vec![Decimal::ZERO; 6]);
        row[bucket(item.due_date, request.aged_on)] += item.open;
        row[5] += item.open;
        names.insert(item.party_id, item.party_name.clone());
    }
    let has_data = !own.is_empty();
    let parents: BTreeMap<u64, u64> = if request.ledger == Ledger::Receivable {
        realm
            .kind_rows(Kind::Customer)
            .filter_map(|c| Some((row_id(c), c.get("ParentRef").and_then(ref_id)?)))
            .collect()
    } else {
        BTreeMap::new()
    };
    let display: BTreeMap<u64, String> = realm
        .kind_rows(party_kind)
        .map(|c| {
            let name = c.get("DisplayName").and_then(Value::as_str).unwrap_or_default();
            (row_id(c), name.to_string())
        })
        .collect();
    let shape = Shape::new(
        |id: u64| {
            names
                .get(&id)
                .or_else(|| display.get(&id))
                .cloned()
                .unwrap_or_else(|| id.to_string())
        },
        |id: u64| Some(id.to_string()),
        |id: u64| parents.get(&id).copied(),
    );
    // Data rows leave empty buckets blank and always show the total.
    let cells = |amounts: &[Decimal]| {
        amounts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if a.is_zero() && i < 5 {
                    cell("")
                } else {
                    cell(money_text(*a))
                }
            })
            .collect()
    };
    let (mut rows, total) = shape.rows(&own, 6, &cells);
    if has_data {
        let mut summary = vec![cell("TOTAL")];
        summary.extend(total.iter().map(|t| cell(money_text(*t))));
        rows.push(section(None, Vec::new(), Some(summary), Some("GrandTotal")));
        // A grand total section has no rows of its own.
        if let Some(last) = rows.last_mut().and_then(Value::as_object_mut) {
            last.remove("Rows");
        }
    }
    (columns, rows, has_data)
}

/// The detail report: columns, rows, whether there is data.
pub(super) fn detail(realm: &RealmData, chart: &Chart, request: &Request<'_>) -> (Vec<Value>, Vec<Value>, bool) {
    let (party_title, party_key, amount_key, open_key) = match request.ledger {
        Ledger::Receivable => ("Customer", "cust_name", "subt_amount", "subt_open_bal"),
        Ledger::Payable => ("Vendor", "vend_name", "subt_neg_amount", "subt_neg_open_bal"),
    };
    let spec = [
        ("Date", "tx_date"),
        ("Transaction Type", "txn_type"),
        ("Num", "doc_num"),
        (party_title, party_key),
        ("Due Date", "due_date"),
        ("Past Due", "past_due"),
        ("Amount", amount_key),
        ("Open Balance", open_key),
    ];
    let columns: Vec<Value> = spec.iter().map(|(title, key)| column(title, key, key)).collect();
    let items = items(realm, chart, request);
    let mut by_bucket: BTreeMap<usize, Vec<&OpenItem>> = BTreeMap::new();
    for item in &items {
        by_bucket
            .entry(bucket(item.due_date, request.aged_on))
            .or_default()
            .push(item);
    }
    let blanks = |n: usize| (0..n).map(|_| cell("")).collect::<Vec<_>>();
    let mut rows = Vec::new();
    let mut grand = [Decimal::ZERO; 2];
    for (index, list) in by_bucket {
        let label = DETAIL_BUCKETS[index];
        let mut sums = [Decimal::ZERO; 2];
        let data: Vec<Value> = list
            .iter()
            .map(|item| {
                add(&mut sums, &[item.amount, item.open]);
                data_row(vec![
                    cell(item.txn_date.to_string()),
                    id_cell(item.txn_type, item.id),
                    cell(item.doc_num.clone()),
                    id_cell(&item.party_name, item.party_id),
                    cell(item.due_date.to_string()),
                    cell((request.aged_on - item.due_date).num_days().to_string()),
                    cell(money_text(item.amount)),
                    cell(money_text(item.open)),
                ])
            })
            .collect();
        add(&mut grand, &sums);
        let mut header = vec![cell(label)];
        header.extend(blanks(7));
        let mut summary = vec![cell(format!("Total for {label}"))];
        summary.extend(blanks(5));
        summary.extend(sums.iter().map(|s| cell(money_text(*s))));
        rows.push(section(Some(header), data, Some(summary), None));
    }
    let has_data = !rows.is_empty();
    if has_data {
        let mut summary = vec![cell("TOTAL")];
        summary.extend(blanks(5));
        summary.extend(grand.iter().map(|s| cell(money_text(*s))));
        let mut total = section(None, Vec::new(), Some(summary), Some("GrandTotal"));
        if let Some(map) = total.as_object_mut() {
            map.remove("Rows");
        }
        rows.push(total);
    }
    (columns, rows, has_data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_count_days_past_due() {
        let on = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let days = |n: i64| on - chrono::Duration::days(n);
        assert_eq!(bucket(days(-5), on), 0);
        assert_eq!(bucket(days(0), on), 0);
        assert_eq!(bucket(days(1), on), 1);
        assert_eq!(bucket(days(30), on), 1);
        assert_eq!(bucket(days(31), on), 2);
        assert_eq!(bucket(days(60), on), 2);
        assert_eq!(bucket(days(61), on), 3);
        assert_eq!(bucket(days(90), on), 3);
        assert_eq!(bucket(days(91), on), 4);
    }
}

//! Change data capture: every object of the requested kinds changed since a
//! time, deletions included, capped at 1000 objects shared by all kinds.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use crate::clock::{meta_time, parse_client_time};
use crate::qbo_fault::QboFault;
use crate::store::{Kind, RealmData};

/// The most objects one CDC answer carries, all kinds together.
pub const CDC_CAP: usize = 1000;
/// How far back CDC looks.
pub const LOOKBACK_DAYS: i64 = 30;

/// Answers `cdc?entities=...&changedSince=...`: the `CDCResponse` array.
///
/// Kinds are answered in the order asked; within a kind, oldest change first.
/// When more than [`CDC_CAP`] objects changed, the answer stops at the cap
/// (later kinds are cut first) and does not say so, as QBO does.
pub fn changes(realm: &RealmData, entities: &str, changed_since: &str, now: DateTime<Utc>) -> Result<Value, QboFault> {
    let mut kinds = Vec::new();
    for name in entities.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let kind = Kind::parse(name)
            .filter(|k| *k != Kind::CompanyInfo)
            .ok_or_else(|| QboFault::invalid_request(format!("Invalid entity in entities list: {name}")))?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    if kinds.is_empty() {
        return Err(QboFault::invalid_request("entities is required"));
    }
    let since = parse_client_time(changed_since, realm.offset)
        .ok_or_else(|| QboFault::invalid_request(format!("changedSince is not a valid date-time: {changed_since}")))?;
    if since < now - Duration::days(LOOKBACK_DAYS) {
        return Err(QboFault::invalid_request(format!(
            "changedSince cannot be more than {LOOKBACK_DAYS} days in the past"
        )));
    }
    let mut budget = CDC_CAP;
    let mut responses = Vec::new();
    for kind in kinds {
        let mut changed: Vec<(DateTime<Utc>, Value)> = realm
            .kind_rows(kind)
            .filter_map(|row| {
                let updated = row
                    .get("MetaData")
                    .and_then(|m| m.get("LastUpdatedTime"))
                    .and_then(Value::as_str)
                    .and_then(|s| parse_client_time(s, realm.offset))?;
                (updated >= since).then(|| (updated, row.clone()))
            })
            .collect();
        for tomb in realm
            .tombstones
            .iter()
            .filter(|t| t.kind == kind && t.deleted_at >= since)
        {
            changed.push((
                tomb.deleted_at,
                json!({
                    "Id": tomb.id.to_string(),
                    "status": "Deleted",
                    "domain": "QBO",
                    "MetaData": { "LastUpdatedTime": meta_time(tomb.deleted_at, realm.offset) },
                }),
            ));
        }
        if changed.is_empty() || budget == 0 {
            continue;
        }
        changed.sort_by_key(|(t, _)| *t);
        changed.truncate(budget);
        budget -= changed.len();
        let count = changed.len();
        let mut entry = Map::new();
        entry.insert(
            kind.json_key().into(),
            Value::Array(changed.into_iter().map(|(_, v)| v).collect()),
        );
        entry.insert("startPosition".into(), json!(1));
        entry.insert("maxResults".into(), json!(count));
        responses.push(Value::Object(entry));
    }
    Ok(json!([{ "QueryResponse": responses }]))
}

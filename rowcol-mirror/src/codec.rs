//! Conversions between domain values and column values: instants as
//! microseconds, dates as ISO text, money as exact text, entities as the
//! typed columns the read side filters on plus their serde JSON.

use chrono::{DateTime, NaiveDate, Utc};
use rowcol_core::entity::{Entity, EntityKind, time_text};
use rowcol_core::{ErrorContext, RowcolError, StoreErrorKind};

/// Microseconds since the Unix epoch.
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The instant `us` microseconds after the epoch; corrupt if out of range.
pub(crate) fn instant(us: i64) -> Result<DateTime<Utc>, RowcolError> {
    DateTime::from_timestamp_micros(us).ok_or_else(|| corrupt(format!("instant {us} out of range")))
}

/// ISO date text (`Display` is `%Y-%m-%d`, without parsing a format string
/// on every call).
pub(crate) fn date_text(d: NaiveDate) -> String {
    d.to_string()
}

/// Parses ISO date text.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, RowcolError> {
    time_text::parse_date(text).map_err(|_| corrupt(format!("date {text:?} does not parse")))
}

/// A `Corrupt` store error: stored data that does not decode.
pub(crate) fn corrupt(message: String) -> RowcolError {
    RowcolError::store(StoreErrorKind::Corrupt, ErrorContext::default(), message)
}

/// Parses a value stored as text with `FromStr` (ids, kinds, rails, currencies).
pub(crate) fn parse<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, RowcolError> {
    text.parse()
        .map_err(|_| corrupt(format!("stored {what} {text:?} does not parse")))
}

/// A unit enum's serde name (`needs_reauth`, `succeeded`, ...), as stored.
pub(crate) fn enum_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Parses a unit enum from its stored serde name.
pub(crate) fn parse_enum<T: serde::de::DeserializeOwned>(text: &str, what: &str) -> Result<T, RowcolError> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| corrupt(format!("stored {what} {text:?} does not parse")))
}

/// The typed columns of a mirrored record, as written.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordColumns {
    pub txn_date: Option<String>,
    pub due_date: Option<String>,
    pub currency: Option<String>,
    pub total: Option<String>,
    pub balance: Option<String>,
    pub is_open: bool,
    pub party_id: Option<String>,
    pub active: Option<bool>,
}

/// The typed columns of an entity: what the read side filters or sums on.
/// A bill or invoice is open while its balance is not zero; a customer
/// payment is "open" while part of it is unapplied.
pub(crate) fn columns(entity: &Entity) -> RecordColumns {
    let txn = entity.txn();
    let mut cols = RecordColumns {
        txn_date: txn.map(|t| date_text(t.txn_date)),
        due_date: None,
        currency: txn.map(|t| t.total.currency().to_string()),
        total: txn.map(|t| t.total.amount().to_string()),
        balance: None,
        is_open: false,
        party_id: None,
        active: None,
    };
    let money_text = |m: &rowcol_core::Money| m.amount().to_string();
    let party = |r: &Option<rowcol_core::entity::Reference>| r.as_ref().map(|r| r.id.to_string());
    match entity {
        Entity::Bill(b) => {
            cols.due_date = b.due_date.map(date_text);
            cols.balance = Some(money_text(&b.balance));
            cols.is_open = !b.balance.is_zero();
            cols.party_id = party(&b.vendor);
        }
        Entity::Invoice(i) => {
            cols.due_date = i.due_date.map(date_text);
            cols.balance = Some(money_text(&i.balance));
            cols.is_open = !i.balance.is_zero();
            cols.party_id = party(&i.customer);
        }
        Entity::Payment(p) => {
            cols.balance = Some(money_text(&p.unapplied));
            cols.is_open = !p.unapplied.is_zero();
            cols.party_id = party(&p.customer);
        }
        Entity::BillPayment(p) => cols.party_id = party(&p.vendor),
        Entity::Purchase(p) => cols.party_id = party(&p.payee),
        Entity::Deposit(_) => {}
        Entity::Account(a) => {
            cols.currency = Some(a.current_balance.currency().to_string());
            cols.balance = Some(money_text(&a.current_balance));
            cols.active = Some(a.active);
        }
        Entity::Vendor(v) => {
            cols.currency = Some(v.party.balance.currency().to_string());
            cols.balance = Some(money_text(&v.party.balance));
            cols.active = Some(v.party.active);
        }
        Entity::Customer(c) => {
            cols.currency = Some(c.party.balance.currency().to_string());
            cols.balance = Some(money_text(&c.party.balance));
            cols.active = Some(c.party.active);
        }
        Entity::Term(t) => cols.active = Some(t.active),
        Entity::CompanyInfo(c) => cols.currency = Some(c.home_currency.to_string()),
    }
    cols
}

/// The entity's serde JSON, as stored in `doc`.
pub(crate) fn encode(entity: &Entity) -> Result<String, RowcolError> {
    serde_json::to_string(entity).map_err(|e| {
        RowcolError::store(
            StoreErrorKind::Invalid,
            ErrorContext::client(&entity.meta().client)
                .with_kind(entity.kind())
                .with_id(&entity.meta().external_id),
            format!("cannot encode record: {e}"),
        )
    })
}

/// Decodes a stored `doc`; corrupt if it does not parse as the kind stored.
pub(crate) fn decode(kind: EntityKind, doc: &str) -> Result<Entity, RowcolError> {
    let entity: Entity =
        serde_json::from_str(doc).map_err(|e| corrupt(format!("stored {kind} record does not parse: {e}")))?;
    if entity.kind() != kind {
        return Err(corrupt(format!("stored {kind} record holds a {}", entity.kind())));
    }
    Ok(entity)
}

/// Stored records as one aggregated row holds them: kinds, external ids and
/// docs, one a line, in the same (any) order.
pub(crate) struct StoredLines<'a> {
    pub kinds: &'a str,
    pub ids: &'a str,
    pub docs: &'a str,
}

/// Decodes aggregated records, handing them to `add` ordered by kind and
/// external id (each doc checked against its kind, as [`decode`] does);
/// corrupt if the three lists differ in length.
pub(crate) fn decode_lines(stored: &StoredLines<'_>, mut add: impl FnMut(Entity)) -> Result<(), RowcolError> {
    let kinds: Vec<&str> = stored.kinds.lines().collect();
    let ids: Vec<&str> = stored.ids.lines().collect();
    let docs: Vec<&str> = stored.docs.lines().collect();
    if ids.len() != kinds.len() || docs.len() != kinds.len() {
        return Err(corrupt(format!(
            "{} stored kinds, {} ids and {} docs",
            kinds.len(),
            ids.len(),
            docs.len()
        )));
    }
    let mut order: Vec<usize> = (0..kinds.len()).collect();
    order.sort_unstable_by_key(|&i| (kinds[i], ids[i]));
    for i in order {
        add(decode(parse(kinds[i], "kind")?, docs[i])?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowcol_core::fixtures;
    use rust_decimal_macros::dec;

    #[test]
    fn bill_columns_carry_due_date_balance_and_open_flag() {
        let mut bill = fixtures::bill("acme", "7", dec!(120.50));
        let cols = columns(&Entity::Bill(bill.clone()));
        assert_eq!(cols.due_date.as_deref(), Some("2026-02-14"));
        assert_eq!(cols.balance.as_deref(), Some("120.50"));
        assert!(cols.is_open);
        assert_eq!(cols.party_id.as_deref(), Some("56"));
        bill.balance = fixtures::usd(dec!(0.00));
        assert!(!columns(&Entity::Bill(bill)).is_open);
    }

    #[test]
    fn dates_are_iso_text() {
        assert_eq!(date_text(rowcol_core::fixtures::date("2026-03-01")), "2026-03-01");
        assert_eq!(
            parse_date(&date_text(rowcol_core::fixtures::date("0987-12-31")))
                .unwrap()
                .to_string(),
            "0987-12-31"
        );
    }

    #[test]
    fn docs_round_trip_and_check_their_kind() {
        let e = Entity::Invoice(fixtures::invoice("acme", "9", dec!(10)));
        let doc = encode(&e).unwrap();
        assert_eq!(decode(EntityKind::Invoice, &doc).unwrap(), e);
        assert_eq!(
            decode(EntityKind::Bill, &doc).unwrap_err().store_kind(),
            Some(StoreErrorKind::Corrupt)
        );
    }

    #[test]
    fn aggregated_records_decode_by_kind_and_id_and_check_their_kinds() {
        let bill = |id| Entity::Bill(fixtures::bill("acme", id, dec!(5)));
        let invoice = Entity::Invoice(fixtures::invoice("acme", "2", dec!(7)));
        let docs = [invoice.clone(), bill("9"), bill("10")]
            .iter()
            .map(|e| encode(e).unwrap())
            .collect::<Vec<_>>()
            .join("\n");
        let decoded = |kinds: &str, ids: &str, docs: &str| {
            let mut got = Vec::new();
            decode_lines(&StoredLines { kinds, ids, docs }, |e| got.push(e)).map(|()| got)
        };
        assert_eq!(
            decoded("invoice\nbill\nbill", "2\n9\n10", &docs).unwrap(),
            vec![bill("10"), bill("9"), invoice.clone()],
            "kind, then id as text"
        );
        assert!(decoded("", "", "").unwrap().is_empty());
        let corrupt = |kinds: &str, ids: &str, docs: &str| decoded(kinds, ids, docs).unwrap_err().store_kind();
        assert_eq!(
            corrupt("bill\nbill\nbill", "2\n9\n10", &docs),
            Some(StoreErrorKind::Corrupt),
            "kind mismatch"
        );
        assert_eq!(
            corrupt("invoice\nbill", "2\n9", &docs),
            Some(StoreErrorKind::Corrupt),
            "a doc too many"
        );
        assert_eq!(
            corrupt("bill", "9", "{\"bill\":"),
            Some(StoreErrorKind::Corrupt),
            "a truncated doc"
        );
    }
}

//! Full listings: one page per requested kind, several kinds carried by one
//! batch request (QBO allows 30 queries a batch), each kind ordered by `Id`
//! so paging neither skips nor repeats, 1000 rows a page until a short page.

use std::collections::BTreeMap;

use rowcol_core::ports::{Page, PageRequest};
use rowcol_core::sync::PageCursor;
use rowcol_core::{Connection, EntityKind, ErrorContext, Result, RowcolError};
use serde_json::{Value, json};

use crate::QboRail;
use crate::fault::{self, QboFault};
use crate::http::{ApiRequest, CallCount, context};
use crate::map::qbo_json_key;
use crate::query::{Literal, Select};

/// Name lists that QBO answers active rows only unless asked for both.
fn lists_inactive(kind: EntityKind) -> bool {
    matches!(
        kind,
        EntityKind::Account | EntityKind::Customer | EntityKind::Vendor | EntityKind::Term
    )
}

/// Every row of `kind` a full listing returns: name lists with their
/// inactive rows.
fn listing(kind: EntityKind) -> Select {
    let select = Select::from(kind);
    if lists_inactive(kind) {
        select.filter_in("Active", &[Literal::Bool(true), Literal::Bool(false)])
    } else {
        select
    }
}

/// The statement for one page of `kind` starting at `start` (1-based).
pub(crate) fn page_statement(kind: EntityKind, start: u64, size: u32) -> String {
    listing(kind)
        .order_by("Id")
        .start_position(start)
        .max_results(size)
        .build()
}

/// The statement counting the rows a full listing of `kind` returns.
pub(crate) fn count_statement(kind: EntityKind) -> String {
    listing(kind).count().build()
}

fn start_of(connection: &Connection, request: &PageRequest) -> Result<u64> {
    match &request.cursor {
        None => Ok(1),
        Some(PageCursor(text)) => {
            text.parse::<u64>()
                .ok()
                .filter(|s| *s >= 1)
                .ok_or_else(|| RowcolError::InvalidInput {
                    context: context(connection, Some(request.kind)),
                    reason: format!("page cursor {text:?} is not a QBO start position"),
                })
        }
    }
}

impl QboRail {
    /// Reads one page per request, batching as many kinds as QBO allows per call.
    pub(crate) async fn pages(
        &self,
        connection: &Connection,
        requests: &[PageRequest],
        count: &CallCount,
    ) -> Result<Vec<Page>> {
        let size = self.api.config.page_size;
        let mut planned = Vec::with_capacity(requests.len());
        for request in requests {
            planned.push((request.kind, start_of(connection, request)?));
        }
        let mut pages = Vec::with_capacity(requests.len());
        for chunk in planned.chunks(self.api.config.batch_max_items.max(1)) {
            let statements: Vec<(EntityKind, String)> = chunk
                .iter()
                .map(|(kind, start)| (*kind, page_statement(*kind, *start, size)))
                .collect();
            let answers = self.query_chunk(connection, &statements, count).await?;
            for ((kind, start), (response, time)) in chunk.iter().zip(answers) {
                pages.push(
                    self.page(connection, *kind, *start, size, &response, &time, count)
                        .await?,
                );
            }
        }
        Ok(pages)
    }

    /// Counts the live rows of each kind, every kind's `SELECT COUNT(*)`
    /// carried by one batch call (more when there are more kinds than a
    /// batch holds).
    pub(crate) async fn counts(
        &self,
        connection: &Connection,
        kinds: &[EntityKind],
        count: &CallCount,
    ) -> Result<BTreeMap<EntityKind, u64>> {
        let mut counts = BTreeMap::new();
        for chunk in kinds.chunks(self.api.config.batch_max_items.max(1)) {
            let statements: Vec<(EntityKind, String)> =
                chunk.iter().map(|kind| (*kind, count_statement(*kind))).collect();
            let answers = self.query_chunk(connection, &statements, count).await?;
            for (kind, (response, _)) in chunk.iter().zip(answers) {
                let total = response.get("totalCount").and_then(Value::as_u64).ok_or_else(|| {
                    batch_error(context(connection, Some(*kind)), None, "count answer lacks totalCount")
                })?;
                counts.insert(*kind, total);
            }
        }
        Ok(counts)
    }

    /// The `QueryResponse` (and envelope time) of each statement: a plain
    /// query for one, a batch for several. The answers are moved out of the
    /// body, not copied: a first sync holds several of them at once.
    async fn query_chunk(
        &self,
        connection: &Connection,
        chunk: &[(EntityKind, String)],
        count: &CallCount,
    ) -> Result<Vec<(Value, Value)>> {
        if let [(kind, statement)] = chunk {
            let request = ApiRequest::get("query", vec![("query", statement.clone())], Some(*kind));
            let mut body = self.api.send(connection, &request, count).await?.body;
            return Ok(vec![(take(&mut body, "QueryResponse"), take(&mut body, "time"))]);
        }
        let items: Vec<Value> = chunk
            .iter()
            .enumerate()
            .map(|(i, (_, statement))| json!({ "bId": i.to_string(), "Query": statement }))
            .collect();
        let request = ApiRequest::post("batch", json!({ "BatchItemRequest": items }));
        let mut body = self.api.send(connection, &request, count).await?.body;
        let time = take(&mut body, "time");
        let mut responses = match take(&mut body, "BatchItemResponse") {
            Value::Array(items) => items,
            _ => Vec::new(),
        };
        chunk
            .iter()
            .enumerate()
            .map(|(i, (kind, _))| {
                let id = i.to_string();
                let item = responses
                    .iter_mut()
                    .find(|r| r.get("bId").and_then(Value::as_str) == Some(id.as_str()))
                    .ok_or_else(|| batch_error(context(connection, Some(*kind)), None, "batch answer lacks an item"))?;
                if let Some(fault) = item.get("Fault") {
                    let parsed = QboFault::from_json(fault);
                    return Err(batch_error(
                        context(connection, Some(*kind)),
                        parsed.as_ref(),
                        "batch item refused",
                    ));
                }
                Ok((take(item, "QueryResponse"), time.clone()))
            })
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    async fn page(
        &self,
        connection: &Connection,
        kind: EntityKind,
        start: u64,
        size: u32,
        response: &Value,
        time: &Value,
        count: &CallCount,
    ) -> Result<Page> {
        let rows = response
            .get(qbo_json_key(kind))
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mapped = self.map_rows(connection, kind, rows, count).await?;
        let read = u64::try_from(rows.len()).unwrap_or(u64::MAX);
        Ok(Page {
            kind,
            records: mapped.records,
            rejects: mapped.rejects,
            next: (read >= u64::from(size)).then(|| PageCursor((start + read).to_string())),
            resume: None,
            server_time: self.server_time(time),
        })
    }
}

/// Moves `field` out of an answer object (`Null` when absent).
fn take(answer: &mut Value, field: &str) -> Value {
    answer.get_mut(field).map(Value::take).unwrap_or(Value::Null)
}

fn batch_error(ctx: ErrorContext, parsed: Option<&QboFault>, fallback: &str) -> RowcolError {
    // Batch items carry no status of their own: judge them as a 400 would be.
    let kind = fault::classify(400, parsed, None);
    RowcolError::rail(kind, ctx, fault::failure(None, parsed, None, fallback))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_ask_for_what_a_listing_returns() {
        assert_eq!(
            count_statement(EntityKind::Customer),
            "SELECT COUNT(*) FROM Customer WHERE Active IN (true, false)"
        );
        assert_eq!(count_statement(EntityKind::Bill), "SELECT COUNT(*) FROM Bill");
    }

    #[test]
    fn name_lists_ask_for_inactive_rows_too() {
        assert_eq!(
            page_statement(EntityKind::Vendor, 1001, 1000),
            "SELECT * FROM Vendor WHERE Active IN (true, false) ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000"
        );
        assert_eq!(
            page_statement(EntityKind::Bill, 1, 1000),
            "SELECT * FROM Bill ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000"
        );
    }
}

//! `impl LedgerRail for PlaidRail`.
//!
//! - Listing: bank accounts are one page (`/accounts/get`, cached
//!   balances); bank lines are one page holding a whole update from the
//!   empty cursor (every line the bank shows), with `resume` = Plaid's
//!   cursor after it: a Plaid page cannot be a port page, since a failing
//!   page must restart the update from its first cursor, and a cursor
//!   committed mid-update would break that rule.
//! - Changes: one update from the stored cursor; removed lines (and
//!   pending lines a posted line replaced) are tombstones; the accounts the
//!   update carries come free with it. A cursor Plaid refuses as another
//!   Item's is `CursorTooOld`: the engine re-syncs from the empty cursor.
//! - One line by id: Plaid has no read by id, so `fetch_one` reads the
//!   whole history (a repair path, not a hot one).

use async_trait::async_trait;
use chrono::{DateTime, FixedOffset};
use rowcol_core::ports::{ChangeSet, LiveBalance, Page, PageRequest};
use rowcol_core::sync::SourceRecord;
use rowcol_core::{ChangeCursor, Connection, EntityKind, ExternalId, LedgerRail, Rail, Result};

use crate::rail::{PlaidRail, empty_page};

/// Plaid's cursor for "the whole history".
const FROM_THE_START: &str = "";

impl PlaidRail {
    /// Every line the bank shows, as one page resuming at Plaid's cursor.
    async fn transactions_page(&self, connection: &Connection) -> Result<Page> {
        let item = self.item_access(connection).await?;
        let update = self.client().sync(&item, FROM_THE_START).await?;
        let mapped = self.map_update(&connection.client, &update, &[EntityKind::BankTransaction]);
        let mut page = empty_page(EntityKind::BankTransaction, self.read_at());
        // Removals within a listing from the start are pending lines its
        // own posted lines replaced: the mirror's deletion by difference
        // drops any it held.
        page.records = mapped.records;
        page.rejects = mapped.rejects;
        page.resume = Some(ChangeCursor::new(update.next_cursor));
        Ok(page)
    }
}

#[async_trait]
impl LedgerRail for PlaidRail {
    fn rail(&self) -> Rail {
        Rail::Plaid
    }

    async fn list_pages(&self, connection: &Connection, requests: &[PageRequest]) -> Result<Vec<Page>> {
        let mut pages = Vec::with_capacity(requests.len());
        for request in requests {
            pages.push(match request.kind {
                EntityKind::BankAccount => self.accounts_page(connection).await?,
                EntityKind::BankTransaction => self.transactions_page(connection).await?,
                other => empty_page(other, self.read_at()),
            });
        }
        Ok(pages)
    }

    async fn changes_since(
        &self,
        connection: &Connection,
        since: &ChangeCursor,
        kinds: &[EntityKind],
    ) -> Result<ChangeSet> {
        let item = self.item_access(connection).await?;
        let update = self.client().sync(&item, since.as_str()).await?;
        let mapped = self.map_update(&connection.client, &update, kinds);
        // Not ready yet (a brand-new Item): Plaid answers an empty cursor;
        // keep asking from where we were.
        let next = if update.next_cursor.is_empty() {
            since.clone()
        } else {
            ChangeCursor::new(update.next_cursor)
        };
        Ok(ChangeSet {
            records: mapped.records,
            tombstones: mapped.tombstones,
            rejects: mapped.rejects,
            next,
            server_time: self.read_at(),
            api_calls: update.api_calls,
        })
    }

    fn cursor_at(&self, _listed_from: DateTime<FixedOffset>) -> ChangeCursor {
        // Plaid's cursors are not times: a listing gives its own (`resume`);
        // without one, the whole history is the only safe start.
        ChangeCursor::new(FROM_THE_START.to_owned())
    }

    async fn fetch_one(
        &self,
        connection: &Connection,
        kind: EntityKind,
        id: &ExternalId,
    ) -> Result<Option<SourceRecord>> {
        let page = match kind {
            EntityKind::BankAccount => self.accounts_page(connection).await?,
            EntityKind::BankTransaction => self.transactions_page(connection).await?,
            _ => return Ok(None),
        };
        Ok(page.records.into_iter().find(|r| &r.entity.meta().external_id == id))
    }

    async fn live_balances(&self, connection: &Connection) -> Result<Vec<LiveBalance>> {
        self.balances_now(connection).await
    }
}

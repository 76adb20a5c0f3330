//! Customers' payment habits from all mirrored history, not only the
//! snapshot's window: a compact list of invoice payments the window's
//! records do not show together ([`PaidInvoice`]).
//!
//! Only what the window leaves out is read: payments dated before it are
//! decoded (their links live in the packed document), and the invoices they
//! and the window's payments name are read from the record's own columns
//! (customer, due date), without decoding. The list is built with the
//! records, so the snapshot cache keeps it with them.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rowcol_core::entity::{Entity, EntityKind};
use rowcol_core::snapshot::{ClientSnapshot, PaidInvoice};
use rowcol_core::{ClientId, ErrorContext, ExternalId, RowcolError};

use crate::backend::Backend;
use crate::codec::{self, parse};
use crate::error::store_error;
use crate::store::{SqlMirror, bind_text, need_text, opt_bytes, sql};

impl<DB: Backend> SqlMirror<DB> {
    /// Every payment of an invoice that `snap` (records of the window
    /// starting `start`) does not hold together with the invoice: payments
    /// dated before the window, and the window's payments of invoices dated
    /// before it, for invoices with a due date. Sorted by payment date,
    /// customer and due date.
    pub(crate) async fn read_habit_history(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
        start: NaiveDate,
        snap: &ClientSnapshot,
    ) -> Result<Vec<PaidInvoice>, RowcolError> {
        let held_payments: HashSet<&ExternalId> = snap.payments.iter().map(|p| &p.meta.external_id).collect();
        let held_invoices: HashSet<&ExternalId> = snap.invoices.iter().map(|i| &i.meta.external_id).collect();
        // (invoice, paid on) for each link the window's records cannot pair.
        let mut links: Vec<(ExternalId, NaiveDate)> = Vec::new();
        for p in snap.payments.iter().filter(|p| !p.meta.deleted) {
            links.extend(
                p.applied_to
                    .iter()
                    .filter(|l| l.kind == EntityKind::Invoice && !held_invoices.contains(&l.id))
                    .map(|l| (l.id.clone(), p.txn.txn_date)),
            );
        }
        let mut q = sql::<DB>("SELECT doc FROM records WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(" AND kind = 'payment' AND deleted = FALSE AND doc IS NOT NULL AND txn_date < ");
        bind_text(&mut q, &codec::date_text(start));
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ErrorContext::client(client), "reading older payments"))?;
        for row in &rows {
            let Some(doc) = opt_bytes::<DB>(row, 0)? else { continue };
            let Entity::Payment(p) = codec::decode(EntityKind::Payment, doc)? else {
                continue;
            };
            if held_payments.contains(&p.meta.external_id) {
                // An older payment with an unapplied part is in the window's
                // records already: its links are learned from there.
                continue;
            }
            links.extend(
                p.applied_to
                    .iter()
                    .filter(|l| l.kind == EntityKind::Invoice && !held_invoices.contains(&l.id))
                    .map(|l| (l.id.clone(), p.txn.txn_date)),
            );
        }
        if links.is_empty() {
            return Ok(Vec::new());
        }
        let invoices = self.closed_invoices_before(conn, client, start).await?;
        let mut out: Vec<PaidInvoice> = links
            .into_iter()
            .filter_map(|(invoice, paid_on)| {
                let (customer, due_date) = invoices.get(&invoice)?.clone();
                Some(PaidInvoice {
                    customer,
                    due_date,
                    paid_on,
                })
            })
            .collect();
        out.sort_by(|a, b| (a.paid_on, &a.customer, a.due_date).cmp(&(b.paid_on, &b.customer, b.due_date)));
        Ok(out)
    }

    /// Closed, live invoices dated before `start` with a customer and a due
    /// date, from their columns: id to (customer, due date).
    async fn closed_invoices_before(
        &self,
        conn: &mut DB::Connection,
        client: &ClientId,
        start: NaiveDate,
    ) -> Result<HashMap<ExternalId, (ExternalId, NaiveDate)>, RowcolError> {
        let mut q = sql::<DB>("SELECT external_id, party_id, due_date FROM records WHERE client_id = ");
        bind_text(&mut q, client.as_str());
        q.push(
            " AND kind = 'invoice' AND deleted = FALSE AND is_open = FALSE AND party_id IS NOT NULL AND due_date \
             IS NOT NULL AND txn_date < ",
        );
        bind_text(&mut q, &codec::date_text(start));
        let rows = DB::fetch_all(conn, &mut q)
            .await
            .map_err(|e| store_error(e, ErrorContext::client(client), "reading older invoices"))?;
        let mut out = HashMap::with_capacity(rows.len());
        for row in &rows {
            let id: ExternalId = parse(&need_text::<DB>(row, 0)?, "external id")?;
            let customer: ExternalId = parse(&need_text::<DB>(row, 1)?, "customer id")?;
            let due = codec::parse_date(&need_text::<DB>(row, 2)?)?;
            out.insert(id, (customer, due));
        }
        Ok(out)
    }
}

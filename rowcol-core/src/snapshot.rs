//! The read model the calculators take: everything about one client that the
//! runway, hygiene, decision and digest figures need, loaded in one go from
//! the mirror and never touching the network.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::entity::*;
use crate::{BankReview, ClientHealth, ClientId, ClientSettings, Currency, ExternalId, ReviewState, SharedVec};

/// What snapshot to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRequest {
    /// The date figures are computed as of.
    pub as_of: NaiveDate,
    /// Months of history before `as_of` to include (payments, closed bills
    /// and invoices, purchases, deposits). Burn needs 3 full months, payment
    /// habits a little more; the default is 6.
    pub history_months: u32,
}

impl SnapshotRequest {
    /// A request as of a date with the default 6 months of history.
    pub fn as_of(as_of: NaiveDate) -> Self {
        SnapshotRequest {
            as_of,
            history_months: 6,
        }
    }

    /// This request with at least the history `settings` need: the burn
    /// window's full months plus the month holding `as_of`, so a 9-month
    /// window gets 10 months however little was asked for.
    pub fn covering(self, settings: &ClientSettings) -> Self {
        SnapshotRequest {
            history_months: self.history_months.max(settings.burn_window_months.saturating_add(1)),
            ..self
        }
    }

    /// The first day of history included: `as_of` less `history_months`
    /// months (clamped to the month's end, so 31 August less 6 months is
    /// 28 or 29 February).
    pub fn history_start(&self) -> NaiveDate {
        self.as_of
            .checked_sub_months(chrono::Months::new(self.history_months))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// A transaction dated on or before the close date that changed after the
/// books were closed (found in the audit log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LateChange {
    /// Kind of the transaction.
    pub kind: EntityKind,
    /// The transaction.
    pub external_id: ExternalId,
    /// Its date.
    pub txn_date: NaiveDate,
    /// When the source changed it.
    pub changed_at: DateTime<FixedOffset>,
}

/// One payment of an invoice the snapshot's records do not show together
/// (the payment, the invoice or both dated before the history window): what
/// a customer's payment habit needs of it, read from all mirrored history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidInvoice {
    /// The customer the invoice was addressed to.
    pub customer: ExternalId,
    /// The invoice's due date (invoices without one teach no lateness).
    pub due_date: NaiveDate,
    /// The payment's date.
    pub paid_on: NaiveDate,
}

/// Everything the calculators need about one client, as the mirror held it.
///
/// Contents, all excluding deleted records:
/// - every account, term, vendor and customer, active or not;
/// - every bill and invoice that is open (`balance != 0`) whatever its date,
///   plus closed ones dated within the history window;
/// - every item, class and department, and the company's preferences;
/// - open credit memos, vendor credits and payments with an unapplied
///   amount whatever their date, plus the others dated within the window;
/// - bill payments, purchases, deposits, journal entries,
///   transfers, sales and refund receipts, card payments and tax payments
///   dated within the window;
/// - for payment habits, every payment of an invoice the lists above do not
///   show together with its payment ([`PaidInvoice`]), whatever its date.
///
/// Lists are sorted by external id so output built from them is stable.
/// Record lists are [`SharedVec`]s: copies of a snapshot share them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSnapshot {
    /// The client.
    pub client: ClientId,
    /// Its display name.
    pub name: String,
    /// The currency figures are reported in.
    pub home_currency: Currency,
    /// The date figures are computed as of.
    pub as_of: NaiveDate,
    /// First day of the history window.
    pub history_start: NaiveDate,
    /// When the snapshot was read from the mirror.
    pub loaded_at: DateTime<Utc>,
    /// Sync health of the data, so every figure can say how fresh it is.
    pub health: ClientHealth,
    /// Advisor-controlled settings.
    pub settings: ClientSettings,
    /// Review states of hygiene items.
    pub reviews: Vec<ReviewState>,
    /// The advisor's decisions on bank lines, one per line (the latest),
    /// by line id.
    #[serde(default)]
    pub bank_reviews: Vec<BankReview>,
    /// The company record, once synced.
    pub company: Option<CompanyInfo>,
    /// Chart of accounts.
    pub accounts: SharedVec<Account>,
    /// Payment terms.
    pub terms: SharedVec<Term>,
    /// Vendors.
    pub vendors: SharedVec<Vendor>,
    /// Customers.
    pub customers: SharedVec<Customer>,
    /// Open bills and bills dated within the window.
    pub bills: SharedVec<Bill>,
    /// Open invoices and invoices dated within the window.
    pub invoices: SharedVec<Invoice>,
    /// Customer payments within the window, and older ones with an
    /// unapplied amount.
    pub payments: SharedVec<Payment>,
    /// Bill payments within the window.
    pub bill_payments: SharedVec<BillPayment>,
    /// Purchases within the window.
    pub purchases: SharedVec<Purchase>,
    /// Deposits within the window.
    pub deposits: SharedVec<Deposit>,
    /// Journal entries within the window.
    #[serde(default)]
    pub journal_entries: SharedVec<JournalEntry>,
    /// Transfers between own accounts within the window.
    #[serde(default)]
    pub transfers: SharedVec<Transfer>,
    /// Cash sales within the window.
    #[serde(default)]
    pub sales_receipts: SharedVec<SalesReceipt>,
    /// Refunds to customers within the window.
    #[serde(default)]
    pub refund_receipts: SharedVec<RefundReceipt>,
    /// Open customer credits and credits dated within the window.
    #[serde(default)]
    pub credit_memos: SharedVec<CreditMemo>,
    /// Open vendor credits and credits dated within the window.
    #[serde(default)]
    pub vendor_credits: SharedVec<VendorCredit>,
    /// Card statements paid within the window.
    #[serde(default)]
    pub card_payments: SharedVec<CreditCardPayment>,
    /// Sales-tax payments within the window.
    #[serde(default)]
    pub tax_payments: SharedVec<TaxPayment>,
    /// Products and services.
    #[serde(default)]
    pub items: SharedVec<Item>,
    /// Classes.
    #[serde(default)]
    pub classes: SharedVec<Segment>,
    /// Departments (locations).
    #[serde(default)]
    pub departments: SharedVec<Segment>,
    /// The company's settings as the source states them (the books' close
    /// date), when mirrored.
    #[serde(default)]
    pub preferences: Option<Preferences>,
    /// Changes to closed periods, when a close date is set: every late
    /// change of each record, in the order the mirror recorded them.
    pub late_changes: Vec<LateChange>,
    /// Invoice payments from before the window (or linking an invoice from
    /// before it), for customers' payment habits: by payment date, then
    /// customer, then due date.
    #[serde(default)]
    pub habit_history: SharedVec<PaidInvoice>,
    /// Accounts at the bank, as the bank rail reports them.
    #[serde(default)]
    pub bank_accounts: SharedVec<BankAccount>,
    /// Bank lines dated within the window, pending ones included.
    #[serde(default)]
    pub bank_transactions: SharedVec<BankTransaction>,
}

impl ClientSnapshot {
    /// A snapshot with no records yet; fill it with [`ClientSnapshot::add`].
    pub fn empty(
        client: ClientId,
        name: String,
        home_currency: Currency,
        request: SnapshotRequest,
        loaded_at: DateTime<Utc>,
        health: ClientHealth,
        settings: ClientSettings,
    ) -> Self {
        ClientSnapshot {
            client,
            name,
            home_currency,
            as_of: request.as_of,
            history_start: request.history_start(),
            loaded_at,
            health,
            settings,
            reviews: Vec::new(),
            bank_reviews: Vec::new(),
            company: None,
            accounts: SharedVec::default(),
            terms: SharedVec::default(),
            vendors: SharedVec::default(),
            customers: SharedVec::default(),
            bills: SharedVec::default(),
            invoices: SharedVec::default(),
            payments: SharedVec::default(),
            bill_payments: SharedVec::default(),
            purchases: SharedVec::default(),
            deposits: SharedVec::default(),
            journal_entries: SharedVec::default(),
            transfers: SharedVec::default(),
            sales_receipts: SharedVec::default(),
            refund_receipts: SharedVec::default(),
            credit_memos: SharedVec::default(),
            vendor_credits: SharedVec::default(),
            card_payments: SharedVec::default(),
            tax_payments: SharedVec::default(),
            items: SharedVec::default(),
            classes: SharedVec::default(),
            departments: SharedVec::default(),
            preferences: None,
            late_changes: Vec::new(),
            habit_history: SharedVec::default(),
            bank_accounts: SharedVec::default(),
            bank_transactions: SharedVec::default(),
        }
    }

    /// The day the source says the books are closed through (QBO
    /// `Preferences.AccountingInfoPrefs.BookCloseDate`), `None` when they
    /// were never closed or the preferences are not mirrored. The advisor's
    /// own [`ClientSettings::close_date`] is apart from it.
    pub fn books_closed_through(&self) -> Option<NaiveDate> {
        self.preferences.as_ref().and_then(|p| p.book_close_date)
    }

    /// Puts a record in its list (the company record replaces any before).
    /// Callers add records in external-id order to keep lists sorted.
    pub fn add(&mut self, entity: Entity) {
        match entity {
            Entity::Account(e) => self.accounts.push(e),
            Entity::Term(e) => self.terms.push(e),
            Entity::Vendor(e) => self.vendors.push(e),
            Entity::Customer(e) => self.customers.push(e),
            Entity::Bill(e) => self.bills.push(e),
            Entity::Invoice(e) => self.invoices.push(e),
            Entity::Payment(e) => self.payments.push(e),
            Entity::BillPayment(e) => self.bill_payments.push(e),
            Entity::Purchase(e) => self.purchases.push(e),
            Entity::Deposit(e) => self.deposits.push(e),
            Entity::CompanyInfo(e) => self.company = Some(e),
            Entity::JournalEntry(e) => self.journal_entries.push(e),
            Entity::Transfer(e) => self.transfers.push(e),
            Entity::SalesReceipt(e) => self.sales_receipts.push(e),
            Entity::RefundReceipt(e) => self.refund_receipts.push(e),
            Entity::CreditMemo(e) => self.credit_memos.push(e),
            Entity::VendorCredit(e) => self.vendor_credits.push(e),
            Entity::CreditCardPayment(e) => self.card_payments.push(e),
            Entity::TaxPayment(e) => self.tax_payments.push(e),
            Entity::Item(e) => self.items.push(e),
            Entity::Class(e) => self.classes.push(e),
            Entity::Department(e) => self.departments.push(e),
            Entity::Preferences(e) => self.preferences = Some(e),
            Entity::BankAccount(e) => self.bank_accounts.push(e),
            Entity::BankTransaction(e) => self.bank_transactions.push(e),
        }
    }

    /// Documents that payments and bill payments dated after `day` were
    /// applied to but that the snapshot does not hold (closed now and dated
    /// before its history): a view as of `day` needs them, since they were
    /// open then. Kind and id, sorted, without repeats.
    pub fn documents_paid_after(&self, day: NaiveDate) -> Vec<(EntityKind, ExternalId)> {
        let held: std::collections::HashSet<(EntityKind, &ExternalId)> = self
            .invoices
            .iter()
            .map(|i| (EntityKind::Invoice, &i.meta.external_id))
            .chain(self.bills.iter().map(|b| (EntityKind::Bill, &b.meta.external_id)))
            .chain(
                self.credit_memos
                    .iter()
                    .map(|m| (EntityKind::CreditMemo, &m.meta.external_id)),
            )
            .chain(
                self.vendor_credits
                    .iter()
                    .map(|c| (EntityKind::VendorCredit, &c.meta.external_id)),
            )
            .collect();
        let links = self
            .payments
            .iter()
            .filter(|p| p.txn.txn_date > day)
            .flat_map(|p| &p.applied_to)
            .chain(
                self.bill_payments
                    .iter()
                    .filter(|p| p.txn.txn_date > day)
                    .flat_map(|p| &p.applied_to),
            );
        let mut out: Vec<(EntityKind, ExternalId)> = links
            .filter(|l| {
                matches!(
                    l.kind,
                    EntityKind::Invoice | EntityKind::Bill | EntityKind::CreditMemo | EntityKind::VendorCredit
                ) && !held.contains(&(l.kind, &l.id))
            })
            .map(|l| (l.kind, l.id.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Every record of the snapshot, names before transactions.
    pub fn entities(&self) -> impl Iterator<Item = Entity> + '_ {
        self.company
            .iter()
            .cloned()
            .map(Entity::CompanyInfo)
            .chain(self.accounts.iter().cloned().map(Entity::Account))
            .chain(self.terms.iter().cloned().map(Entity::Term))
            .chain(self.vendors.iter().cloned().map(Entity::Vendor))
            .chain(self.customers.iter().cloned().map(Entity::Customer))
            .chain(self.bills.iter().cloned().map(Entity::Bill))
            .chain(self.invoices.iter().cloned().map(Entity::Invoice))
            .chain(self.payments.iter().cloned().map(Entity::Payment))
            .chain(self.bill_payments.iter().cloned().map(Entity::BillPayment))
            .chain(self.purchases.iter().cloned().map(Entity::Purchase))
            .chain(self.deposits.iter().cloned().map(Entity::Deposit))
            .chain(self.journal_entries.iter().cloned().map(Entity::JournalEntry))
            .chain(self.transfers.iter().cloned().map(Entity::Transfer))
            .chain(self.sales_receipts.iter().cloned().map(Entity::SalesReceipt))
            .chain(self.refund_receipts.iter().cloned().map(Entity::RefundReceipt))
            .chain(self.credit_memos.iter().cloned().map(Entity::CreditMemo))
            .chain(self.vendor_credits.iter().cloned().map(Entity::VendorCredit))
            .chain(self.card_payments.iter().cloned().map(Entity::CreditCardPayment))
            .chain(self.tax_payments.iter().cloned().map(Entity::TaxPayment))
            .chain(self.items.iter().cloned().map(Entity::Item))
            .chain(self.classes.iter().cloned().map(Entity::Class))
            .chain(self.departments.iter().cloned().map(Entity::Department))
            .chain(self.preferences.iter().cloned().map(Entity::Preferences))
            .chain(self.bank_accounts.iter().cloned().map(Entity::BankAccount))
            .chain(self.bank_transactions.iter().cloned().map(Entity::BankTransaction))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_text::date;

    #[test]
    fn a_request_covers_the_burn_window_the_settings_ask_for() {
        let asked = SnapshotRequest::as_of(date("2026-12-06"));
        let mut settings = ClientSettings::default();
        assert_eq!(asked.covering(&settings), asked, "3 months fit in the default 6");
        settings.burn_window_months = 9;
        let r = asked.covering(&settings);
        assert_eq!(r.history_months, 10);
        // The window runs from 1 March 2026 (9 full months before December):
        // history reaches back before it.
        assert!(r.history_start() <= date("2026-03-01"));
    }

    #[test]
    fn history_start_clamps_to_month_end() {
        let r = SnapshotRequest::as_of(date("2026-08-31"));
        assert_eq!(r.history_start(), date("2026-02-28"));
        let r = SnapshotRequest {
            as_of: date("2026-03-15"),
            history_months: 3,
        };
        assert_eq!(r.history_start(), date("2025-12-15"));
    }
}

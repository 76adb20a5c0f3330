//! Open receivables and payables as of a date, net of credits.
//!
//! A/R items: invoices (positive), credit memos (negative), the unapplied
//! part of customer payments (negative), and journal lines on an A/R account
//! naming a customer (debit positive). A/P items: bills (positive), vendor
//! credits (negative), the unapplied part of bill payments (negative), and
//! journal lines on an A/P account naming a vendor (credit positive).
//!
//! A document's open amount is its `TotalAmt` less the payment lines linked
//! to it (`Line[].LinkedTxn`), computed from the links rather than read from
//! `Balance`, so a past date can be answered: as of date D
//! ([`AgingMethod::ReportDate`]) documents dated after D are left out and
//! payments dated after D are not applied; [`AgingMethod::Current`] applies
//! every payment to date. A payment's unapplied part is its `TotalAmt` less
//! its lines to documents plus its lines to credits.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use super::{Chart, applied_lines, date_field, home, rate, ref_id, ref_name, row_id, txn_date};
use crate::money::field;
use crate::store::{Kind, RealmData};

/// Which side of the books.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ledger {
    /// Accounts receivable (customers).
    Receivable,
    /// Accounts payable (vendors).
    Payable,
}

impl Ledger {
    fn party_kind(self) -> Kind {
        match self {
            Ledger::Receivable => Kind::Customer,
            Ledger::Payable => Kind::Vendor,
        }
    }
}

/// QBO's `aging_method` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgingMethod {
    /// Balances as they stood on the report date.
    ReportDate,
    /// Balances after every payment to date.
    Current,
}

/// One open document (or unapplied payment) of a party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenItem {
    /// The customer or vendor id.
    pub party_id: u64,
    /// Its display name.
    pub party_name: String,
    /// The document's kind.
    pub kind: Kind,
    /// Its id.
    pub id: u64,
    /// How QBO names the transaction type in reports (`Invoice`, `Credit Memo`, ...).
    pub txn_type: &'static str,
    /// `DocNumber` (empty when none).
    pub doc_num: String,
    /// `TxnDate`.
    pub txn_date: NaiveDate,
    /// `DueDate`, or `TxnDate` for documents without one (credits, payments).
    pub due_date: NaiveDate,
    /// The document's amount in home currency, signed (positive: owed).
    pub amount: Decimal,
    /// What is still open in home currency, signed.
    pub open: Decimal,
}

/// An item while its open amount is worked out, in the document's currency.
struct Working {
    item: OpenItem,
    rate: Decimal,
    /// Signed original amount.
    original: Decimal,
    /// Signed open amount.
    open: Decimal,
}

fn sign_of(value: Decimal) -> Decimal {
    if value.is_sign_negative() {
        -Decimal::ONE
    } else {
        Decimal::ONE
    }
}

fn party_names(realm: &RealmData, kind: Kind) -> BTreeMap<u64, String> {
    realm
        .kind_rows(kind)
        .map(|r| {
            let name = r.get("DisplayName").and_then(Value::as_str).unwrap_or_default();
            (row_id(r), name.to_string())
        })
        .collect()
}

/// The open items of one side of the books as of `as_of`.
pub fn open_items(
    realm: &RealmData,
    chart: &Chart,
    ledger: Ledger,
    as_of: NaiveDate,
    method: AgingMethod,
) -> Vec<OpenItem> {
    let names = party_names(realm, ledger.party_kind());
    let name_of = |id: u64, reference: &Value| {
        names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| ref_name(reference).to_string())
    };
    let (documents, party_field, payer, payer_type) = match ledger {
        Ledger::Receivable => (
            [(Kind::Invoice, "Invoice", 1), (Kind::CreditMemo, "Credit Memo", -1)],
            "CustomerRef",
            Kind::Payment,
            "Payment",
        ),
        Ledger::Payable => (
            [(Kind::Bill, "Bill", 1), (Kind::VendorCredit, "Vendor Credit", -1)],
            "VendorRef",
            Kind::BillPayment,
            "Bill Payment",
        ),
    };
    // (kind, id, party) -> item
    let mut items: BTreeMap<(Kind, u64, u64), Working> = BTreeMap::new();
    let add = |items: &mut BTreeMap<(Kind, u64, u64), Working>,
               row: &Value,
               kind,
               txn_type,
               party: u64,
               party_ref: &Value,
               original: Decimal| {
        let Some(date) = txn_date(row) else { return };
        if date > as_of {
            return;
        }
        let key = (kind, row_id(row), party);
        let entry = items.entry(key).or_insert_with(|| Working {
            item: OpenItem {
                party_id: party,
                party_name: name_of(party, party_ref),
                kind,
                id: row_id(row),
                txn_type,
                doc_num: row
                    .get("DocNumber")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                txn_date: date,
                due_date: date_field(row, "DueDate").unwrap_or(date),
                amount: Decimal::ZERO,
                open: Decimal::ZERO,
            },
            rate: rate(row),
            original: Decimal::ZERO,
            open: Decimal::ZERO,
        });
        entry.original += original;
        entry.open += original;
    };
    for (kind, txn_type, sign) in documents {
        for row in realm.kind_rows(kind) {
            let Some(party_ref) = row.get(party_field) else {
                continue;
            };
            let Some(party) = ref_id(party_ref) else { continue };
            add(
                &mut items,
                row,
                kind,
                txn_type,
                party,
                party_ref,
                Decimal::from(sign) * field(row, "TotalAmt"),
            );
        }
    }
    // Journal lines on the control account that name a party.
    for row in realm.kind_rows(Kind::JournalEntry) {
        for line in row.get("Line").and_then(Value::as_array).into_iter().flatten() {
            let Some(detail) = line.get("JournalEntryLineDetail") else {
                continue;
            };
            let account = chart.resolve(detail.get("AccountRef"), super::Synthetic::Suspense);
            let on_control = match ledger {
                Ledger::Receivable => chart.is_receivable(account),
                Ledger::Payable => chart.is_payable(account),
            };
            let entity = detail.get("Entity");
            let wanted = match ledger {
                Ledger::Receivable => "Customer",
                Ledger::Payable => "Vendor",
            };
            let entity_type = entity.and_then(|e| e.get("Type")).and_then(Value::as_str);
            if !on_control || entity_type.is_some_and(|t| t != wanted) {
                continue;
            }
            let Some(party_ref) = entity.and_then(|e| e.get("EntityRef")) else {
                continue;
            };
            let Some(party) = ref_id(party_ref) else { continue };
            let debit = match detail.get("PostingType").and_then(Value::as_str) {
                Some("Debit") => Decimal::ONE,
                Some("Credit") => -Decimal::ONE,
                _ => continue,
            };
            let owed = match ledger {
                Ledger::Receivable => debit,
                Ledger::Payable => -debit,
            };
            add(
                &mut items,
                row,
                Kind::JournalEntry,
                "Journal Entry",
                party,
                party_ref,
                owed * field(line, "Amount"),
            );
        }
    }
    // Payments: applied lines reduce their documents; the rest is a credit.
    let mut credits = Vec::new();
    for row in realm.kind_rows(payer) {
        let Some(date) = txn_date(row) else { continue };
        let Some(party_ref) = row.get(party_field) else {
            continue;
        };
        let Some(party) = ref_id(party_ref) else { continue };
        let applies = method == AgingMethod::Current || date <= as_of;
        let mut unapplied = field(row, "TotalAmt");
        for applied in applied_lines(row) {
            let key = (applied.target, applied.target_id, party);
            let target_sign = match items.get(&key) {
                Some(w) => sign_of(w.original),
                None if matches!(applied.target, Kind::CreditMemo | Kind::VendorCredit) => -Decimal::ONE,
                None => Decimal::ONE,
            };
            unapplied -= target_sign * applied.amount;
            if applies && let Some(w) = items.get_mut(&key) {
                w.open -= target_sign * applied.amount;
            }
        }
        if date <= as_of && !unapplied.is_zero() {
            let txn_type = match (payer, row.get("PayType").and_then(Value::as_str)) {
                (Kind::BillPayment, Some("CreditCard")) => "Bill Payment (Credit Card)",
                (Kind::BillPayment, _) => "Bill Payment (Check)",
                _ => payer_type,
            };
            let r = rate(row);
            credits.push(OpenItem {
                party_id: party,
                party_name: name_of(party, party_ref),
                kind: payer,
                id: row_id(row),
                txn_type,
                doc_num: row
                    .get("PaymentRefNum")
                    .or_else(|| row.get("DocNumber"))
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                txn_date: date,
                due_date: date,
                amount: -home(field(row, "TotalAmt"), r),
                open: -home(unapplied, r),
            });
        }
    }
    let mut out: Vec<OpenItem> = items
        .into_values()
        .filter(|w| !w.open.is_zero())
        .map(|w| OpenItem {
            amount: home(w.original, w.rate),
            open: home(w.open, w.rate),
            ..w.item
        })
        .chain(credits)
        .filter(|item| !item.open.is_zero())
        .collect();
    out.sort_by_key(|item| (item.due_date, item.txn_date, item.kind, item.id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::{Size, generate_realm};
    use chrono::{DateTime, Utc};

    #[test]
    fn current_open_items_match_the_documents_balances() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let off = chrono::FixedOffset::west_opt(8 * 3600).unwrap();
        let realm = generate_realm(
            "9",
            3,
            Size::Small,
            crate::generator::Profile::MessyBooks,
            true,
            off,
            now,
        );
        let chart = Chart::of(&realm);
        let today = now.with_timezone(&off).date_naive();
        for (ledger, docs) in [(Ledger::Receivable, Kind::Invoice), (Ledger::Payable, Kind::Bill)] {
            let items = open_items(&realm, &chart, ledger, today, AgingMethod::Current);
            for doc in realm.kind_rows(docs) {
                let open = items
                    .iter()
                    .find(|i| i.kind == docs && i.id == row_id(doc))
                    .map(|i| i.open)
                    .unwrap_or_default();
                assert_eq!(open, home(field(doc, "Balance"), rate(doc)), "{docs:?} {}", row_id(doc));
            }
        }
    }
}

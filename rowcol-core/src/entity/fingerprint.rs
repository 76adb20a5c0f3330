//! A transaction's content fingerprint: what a closed period's figures
//! depend on, hashed, so that two versions of a record can be told apart by
//! what they post rather than by their version token.
//!
//! The fingerprint covers the dates (transaction and due date), the total
//! and its currency and exchange rate, every line's amount, account, item,
//! side, party and type, the party, and the accounts the record names
//! outside its lines (payables account, account paid from or deposited to).
//! It leaves out what moves without the books' postings moving: a
//! document's balance and links (a payment applied), a credit's remaining
//! amount, a payment's lines (its applications to documents), e-mail status,
//! memos, numbers, terms, the version token and the last-updated time.
//!
//! The hashed text must never change for a given record: a change would
//! make every record's next version look edited
//! (`a_known_bill_fingerprints_as_it_always_has` guards it).

use super::{Entity, Line, Reference, TxnCommon};
use crate::hash_text::{FieldHasher, OrEmpty};

impl Entity {
    /// SHA-256 (hex) over the fields a closed period depends on (see the
    /// module's documentation); `None` for name lists and bank lines, which
    /// post nothing themselves.
    pub fn content_fingerprint(&self) -> Option<String> {
        let txn = self.txn()?;
        let mut h = FieldHasher::new();
        h.field(self.kind().as_str());
        // A payment's and a bill payment's lines are its applications to
        // documents: they move balances between documents of one party, not
        // the period's postings.
        let lines = !matches!(self, Entity::Payment(_) | Entity::BillPayment(_));
        common(&mut h, txn, lines);
        match self {
            Entity::Bill(e) => {
                refs(&mut h, [&e.vendor, &e.ap_account]);
                h.field(OrEmpty(e.due_date));
            }
            Entity::Invoice(e) => {
                refs(&mut h, [&e.customer]);
                h.field(OrEmpty(e.due_date));
            }
            Entity::Payment(e) => refs(&mut h, [&e.customer, &e.deposit_to]),
            Entity::BillPayment(e) => refs(&mut h, [&e.vendor, &e.paid_from]),
            Entity::Purchase(e) => {
                refs(&mut h, [&e.payee, &e.paid_from]);
                h.field(e.credit);
            }
            Entity::Deposit(e) => {
                refs(&mut h, [&e.deposit_to]);
                h.field(OrEmpty(e.cash_back.map(|m| m.amount().normalize())));
            }
            Entity::Transfer(e) => refs(&mut h, [&e.from, &e.to]),
            Entity::SalesReceipt(e) => refs(&mut h, [&e.customer, &e.deposit_to]),
            Entity::RefundReceipt(e) => refs(&mut h, [&e.customer, &e.paid_from]),
            Entity::CreditMemo(e) => refs(&mut h, [&e.customer]),
            Entity::VendorCredit(e) => refs(&mut h, [&e.vendor]),
            Entity::CreditCardPayment(e) => refs(&mut h, [&e.vendor, &e.card_account, &e.bank_account]),
            Entity::TaxPayment(e) => {
                refs(&mut h, [&e.paid_from]);
                h.field(e.refund);
            }
            // Its lines carry the sides and parties.
            _ => {}
        }
        Some(h.finish())
    }
}

/// The dated fields every transaction shares, with its lines when `lines`.
/// Amounts are normalised (`100.0` and `100.00` are one amount).
fn common(h: &mut FieldHasher, txn: &TxnCommon, lines: bool) {
    h.field(txn.txn_date);
    h.field(txn.total.currency().code());
    h.field(txn.total.amount().normalize());
    h.field(OrEmpty(txn.exchange_rate.map(|r| r.normalize())));
    if !lines {
        return;
    }
    h.field(txn.lines.len());
    for line in &txn.lines {
        self::line(h, line);
    }
}

/// One line's posting: amount, account, item, side, party and type.
fn line(h: &mut FieldHasher, l: &Line) {
    h.field(l.amount.amount().normalize());
    refs(h, [&l.account, &l.item, &l.party]);
    h.field(match l.posting {
        None => "",
        Some(super::Posting::Debit) => "debit",
        Some(super::Posting::Credit) => "credit",
    });
    h.field(match l.detail {
        None => "",
        Some(d) => d.as_str(),
    });
}

/// Referenced ids, in order (an absent one as empty text); display names
/// are left out (renaming a vendor changes no posting).
fn refs<const N: usize>(h: &mut FieldHasher, refs: [&Option<Reference>; N]) {
    for r in refs {
        h.field(OrEmpty(r.as_ref().map(|r| &r.id)));
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal::Decimal;

    use super::*;
    use crate::entity::{Bill, LineDetail, Payment, SourceMeta, TxnLink};
    use crate::test_text::{parse, time};
    use crate::{Currency, EntityKind, Money, Rail, VersionToken};

    fn usd(s: &str) -> Money {
        Money::new(s.parse::<Decimal>().unwrap(), Currency::USD)
    }

    fn reference(id: &str) -> Option<Reference> {
        Some(Reference {
            id: parse(id),
            name: Some(format!("name {id}")),
        })
    }

    fn meta(id: &str) -> SourceMeta {
        SourceMeta {
            client: parse("acme"),
            rail: Rail::Qbo,
            external_id: parse(id),
            version: VersionToken::new("0"),
            created_at: time("2025-12-20T09:00:00-08:00"),
            updated_at: time("2025-12-20T09:00:00-08:00"),
            deleted: false,
        }
    }

    fn txn(total: &str, lines: Vec<Line>) -> TxnCommon {
        TxnCommon {
            txn_date: NaiveDate::from_ymd_opt(2025, 12, 20).unwrap(),
            total: usd(total),
            exchange_rate: None,
            doc_number: Some("B-1".to_owned()),
            private_note: None,
            lines,
        }
    }

    fn line(amount: &str, account: &str) -> Line {
        Line {
            amount: usd(amount),
            account: reference(account),
            description: Some("supplies".to_owned()),
            posting: None,
            party: None,
            detail: Some(LineDetail::AccountExpense),
            item: None,
        }
    }

    fn bill() -> Bill {
        Bill {
            meta: meta("1"),
            txn: txn("100.00", vec![line("60.00", "60"), line("40.00", "61")]),
            vendor: reference("70"),
            ap_account: reference("33"),
            due_date: NaiveDate::from_ymd_opt(2026, 1, 19),
            terms: reference("3"),
            balance: usd("100.00"),
            linked: vec![],
        }
    }

    /// An edit, named.
    type Edit = (&'static str, fn(&mut Bill));

    fn fp(b: &Bill) -> String {
        Entity::Bill(b.clone()).content_fingerprint().unwrap()
    }

    /// Stored fingerprints are compared with new ones: the hashed text of a
    /// record never changes. The digest is SHA-256 of these fields, each
    /// followed by 0x1f (computed apart with Python's `hashlib`): `bill`,
    /// `2025-12-20`, `USD`, `100`, `` (no rate), `2` (lines), `60`, `60`,
    /// `` (item), `` (party), `` (side), `account_expense`, `40`, `61`, ``,
    /// ``, ``, `account_expense`, `70` (vendor), `33` (payables),
    /// `2026-01-19` (due).
    #[test]
    fn a_known_bill_fingerprints_as_it_always_has() {
        assert_eq!(
            fp(&bill()),
            "206a26b3dd3904c830e4a57a27e7890a241daaa384fa3106076a9e2565ad900d"
        );
    }

    #[test]
    fn a_payment_applied_moves_no_fingerprint() {
        let before = bill();
        let mut paid = bill();
        paid.balance = usd("0");
        paid.linked.push(TxnLink {
            kind: EntityKind::BillPayment,
            id: parse("9"),
            amount: Some(usd("100")),
        });
        paid.meta.version = VersionToken::new("1");
        paid.meta.updated_at = time("2026-02-03T10:00:00-08:00");
        // Memo, number, terms, descriptions and display names post nothing.
        paid.txn.private_note = Some("paid by cheque 1001".to_owned());
        paid.txn.doc_number = Some("B-1a".to_owned());
        paid.terms = None;
        paid.txn.lines[0].description = None;
        paid.vendor.as_mut().unwrap().name = Some("Renamed Ltd".to_owned());
        // Amounts written with other trailing zeros are the same amounts.
        paid.txn.total = usd("100");
        assert_eq!(fp(&before), fp(&paid));
    }

    #[test]
    fn amounts_dates_lines_accounts_and_parties_move_the_fingerprint() {
        let base = fp(&bill());
        let edits: [Edit; 9] = [
            ("total", |b| b.txn.total = usd("101")),
            ("date", |b| {
                b.txn.txn_date = NaiveDate::from_ymd_opt(2025, 12, 21).unwrap()
            }),
            ("due date", |b| b.due_date = None),
            ("line amount", |b| b.txn.lines[0].amount = usd("61")),
            ("line account", |b| b.txn.lines[1].account = reference("62")),
            ("a line added", |b| b.txn.lines.push(line("0", "60"))),
            ("vendor", |b| b.vendor = reference("71")),
            ("payables account", |b| b.ap_account = reference("34")),
            ("exchange rate", |b| b.txn.exchange_rate = Some(Decimal::ONE)),
        ];
        for (what, edit) in edits {
            let mut b = bill();
            edit(&mut b);
            assert_ne!(fp(&b), base, "{what}");
        }
        // Swapping two lines' accounts keeps the set of values but not the postings.
        let mut swapped = bill();
        swapped.txn.lines[0].account = reference("61");
        swapped.txn.lines[1].account = reference("60");
        assert_ne!(fp(&swapped), base);
    }

    #[test]
    fn a_payments_applications_are_not_its_postings_and_lists_have_none() {
        let payment = |lines: Vec<Line>, deposit_to: &str| {
            Entity::Payment(Payment {
                meta: meta("5"),
                txn: txn("100", lines),
                customer: reference("80"),
                unapplied: usd("0"),
                deposit_to: reference(deposit_to),
                applied_to: vec![],
            })
            .content_fingerprint()
        };
        assert_eq!(payment(vec![], "35"), payment(vec![line("100", "60")], "35"));
        assert_ne!(payment(vec![], "35"), payment(vec![], "36"));
        let account = crate::entity::Account {
            meta: meta("60"),
            name: "Supplies".to_owned(),
            fully_qualified_name: None,
            account_type: crate::entity::AccountType::Expense,
            sub_type: None,
            current_balance: usd("0"),
            active: true,
        };
        assert_eq!(Entity::Account(account).content_fingerprint(), None);
    }
}

//! Every entity kind: built, encoded and decoded the same way.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use rust_decimal_macros::dec;

use rowcol_core::entity::*;
use rowcol_testkit::fixtures;

fn every_kind() -> Vec<Entity> {
    let c = "acme";
    vec![
        Entity::Account(fixtures::bank_account(c, "35", "Checking", dec!(12500.40))),
        Entity::Term(fixtures::term(c, "3", "2% 10 Net 30", 30, Some((dec!(2), 10)))),
        Entity::Vendor(fixtures::vendor(c, "56", "O'Brien \\ Sons")),
        Entity::Customer(fixtures::customer(c, "58", "Bright Cafe")),
        Entity::Bill(fixtures::bill(c, "145", dec!(1200.005))),
        Entity::Invoice(fixtures::invoice(c, "146", dec!(980.10))),
        Entity::Payment(fixtures::payment(c, "147", dec!(980.10), "146")),
        Entity::BillPayment(fixtures::bill_payment(c, "148", dec!(1200.005), "145")),
        Entity::Purchase(fixtures::purchase(c, "149", dec!(42.42))),
        Entity::Deposit(fixtures::deposit(c, "150", dec!(500))),
        Entity::CompanyInfo(fixtures::company(c, "Acme Bakery")),
        Entity::JournalEntry(fixtures::journal_entry(c, "151", dec!(8000.01))),
        Entity::Transfer(fixtures::transfer(c, "152", dec!(5000))),
        Entity::SalesReceipt(fixtures::sales_receipt(c, "153", dec!(64.5))),
        Entity::RefundReceipt(fixtures::refund_receipt(c, "154", dec!(12.25))),
        Entity::CreditMemo(fixtures::credit_memo(c, "155", dec!(100), dec!(40))),
        Entity::VendorCredit(fixtures::vendor_credit(c, "156", dec!(75), dec!(75))),
        Entity::CreditCardPayment(fixtures::card_payment(c, "157", dec!(1830.25))),
        Entity::TaxPayment(fixtures::tax_payment(c, "158", dec!(320.1))),
        Entity::Item(fixtures::item(c, "159", "Consulting")),
        Entity::Class(fixtures::segment(c, "160", "Retail")),
        Entity::Department(fixtures::segment(c, "161", "West")),
        Entity::Preferences(fixtures::preferences(c, Some(fixtures::date("2026-03-31")))),
        Entity::BankAccount(fixtures::bank_feed_account(c, "acc-1", dec!(20000.01))),
        Entity::BankTransaction(fixtures::bank_transaction(c, "line-1", "acc-1", dec!(-42.17))),
    ]
}

#[test]
fn every_entity_kind_round_trips_through_serde_exactly() {
    let all = every_kind();
    assert_eq!(
        all.iter().map(Entity::kind).collect::<Vec<_>>().len(),
        EntityKind::ALL.len() + EntityKind::BANK.len(),
        "the sample covers every kind"
    );
    for entity in all {
        let json = serde_json::to_string(&entity).unwrap();
        let back: Entity = serde_json::from_str(&json).unwrap();
        assert_eq!(back, entity, "{json}");
    }
}

#[test]
fn source_offsets_survive_serde() {
    let bill = fixtures::bill("acme", "1", dec!(1));
    let json = serde_json::to_string(&Entity::Bill(bill)).unwrap();
    assert!(json.contains("2026-01-15T09:00:00-08:00"), "{json}");
}

#[test]
fn kind_and_meta_agree_with_the_variant() {
    for entity in every_kind() {
        assert_eq!(entity.meta().client.as_str(), "acme");
        assert_eq!(
            entity.txn().is_some(),
            entity.kind().is_transaction(),
            "{:?}",
            entity.kind()
        );
    }
}

#[test]
fn entity_kinds_parse_from_their_storage_names() {
    for kind in EntityKind::ALL.into_iter().chain(EntityKind::BANK) {
        assert_eq!(kind.as_str().parse::<EntityKind>(), Ok(kind));
    }
    assert!("widget".parse::<EntityKind>().is_err());
}

#[test]
fn newer_means_later_instant_then_higher_version() {
    let old = fixtures::meta("acme", "1");
    let mut same_instant_other_offset = old.clone();
    // 17:00Z is the same instant as 09:00-08:00: not newer without a higher version.
    same_instant_other_offset.updated_at = fixtures::time("2026-01-15T17:00:00+00:00");
    assert!(!same_instant_other_offset.is_newer_than(&old));
    same_instant_other_offset.version = rowcol_core::VersionToken::new("1");
    assert!(same_instant_other_offset.is_newer_than(&old));
    let mut later = old.clone();
    later.updated_at = fixtures::time("2026-01-15T09:00:01-08:00");
    assert!(later.is_newer_than(&old));
    assert!(!old.is_newer_than(&later));
}

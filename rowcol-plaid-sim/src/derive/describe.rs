//! Bank-style descriptions of book postings: what a statement line says
//! where the books say "Bill payment to Acme Supplies".

use rand::Rng;
use rand::rngs::StdRng;

use crate::bank::{AccountKind, BookPosting};

/// The bank's text for a posting and the merchant name it gives, if any.
pub fn describe(posting: &BookPosting, kind: AccountKind, rng: &mut StdRng) -> (String, Option<String>) {
    let payee = posting.payee.as_deref().map(shout);
    let txn_type = posting.txn_type.as_deref().unwrap_or_default();
    let outflow = posting.amount.is_sign_negative();
    let number = rng.random_range(1000..9999);
    match (kind.is_depository(), outflow, payee) {
        (false, true, Some(p)) => (format!("{p} #{number}"), posting.payee.clone()),
        (false, true, None) => (format!("PURCHASE #{number}"), None),
        (false, false, Some(p)) if txn_type != "CreditCardPayment" => (format!("REFUND {p}"), posting.payee.clone()),
        (false, false, _) => ("AUTOPAY PAYMENT - THANK YOU".to_string(), None),
        (true, true, payee) => outflow_text(txn_type, payee, number, posting),
        (true, false, payee) => inflow_text(txn_type, payee, number),
    }
}

fn outflow_text(txn_type: &str, payee: Option<String>, number: u32, posting: &BookPosting) -> (String, Option<String>) {
    match (txn_type, payee) {
        ("CreditCardPayment", _) => ("ONLINE PAYMENT TO CREDIT CARD".to_string(), None),
        ("Transfer", _) => (format!("ONLINE TRANSFER TO SAV REF #{number}"), None),
        ("Purchase", Some(p)) => (format!("DEBIT CARD PURCHASE {p}"), posting.payee.clone()),
        ("BillPayment" | "Check", Some(p)) if number.is_multiple_of(3) => (format!("CHECK {number} {p}"), None),
        (_, Some(p)) => (format!("ACH DEBIT {p}"), None),
        (_, None) => (format!("WITHDRAWAL REF #{number}"), None),
    }
}

fn inflow_text(txn_type: &str, payee: Option<String>, number: u32) -> (String, Option<String>) {
    match (txn_type, payee) {
        ("Transfer", _) => (format!("ONLINE TRANSFER FROM CHK REF #{number}"), None),
        (_, Some(p)) => (format!("ACH CREDIT {p}"), None),
        (_, None) => (format!("DEPOSIT REF #{number}"), None),
    }
}

/// Upper case, at most 22 characters, as statements print names.
pub fn shout(name: &str) -> String {
    name.to_uppercase()
        .chars()
        .take(22)
        .collect::<String>()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rust_decimal::Decimal;

    fn posting(amount: i64, payee: Option<&str>, txn_type: &str) -> BookPosting {
        BookPosting {
            account: "Checking".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            amount: Decimal::new(amount, 2),
            payee: payee.map(str::to_string),
            txn_id: "1".into(),
            txn_type: Some(txn_type.into()),
        }
    }

    #[test]
    fn statements_shout_and_cards_name_merchants() {
        let rng = &mut StdRng::seed_from_u64(1);
        let (text, merchant) = describe(
            &posting(-1250, Some("Blue Bottle Coffee"), "Purchase"),
            AccountKind::CreditCard,
            rng,
        );
        assert!(text.starts_with("BLUE BOTTLE COFFEE #"), "{text}");
        assert_eq!(merchant.as_deref(), Some("Blue Bottle Coffee"));
        let (text, merchant) = describe(
            &posting(50000, Some("Acme Corp"), "Payment"),
            AccountKind::Checking,
            rng,
        );
        assert_eq!((text.as_str(), merchant), ("ACH CREDIT ACME CORP", None));
        let (text, _) = describe(&posting(-50000, None, "CreditCardPayment"), AccountKind::Checking, rng);
        assert_eq!(text, "ONLINE PAYMENT TO CREDIT CARD");
    }
}

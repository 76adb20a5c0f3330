//! Bursts of realistic changes: new bills and invoices, payments applied to
//! open documents, edits to parties, voids and deletes.

use chrono::{DateTime, Duration, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::books::{id_of, reference};
use crate::money::{field, num};
use crate::store::{Change, Kind, Operation, RealmData};

/// Applies `n` random changes to `realm` at `now`, deterministically from `seed`.
pub fn apply_burst(realm: &mut RealmData, n: usize, seed: u64, now: DateTime<Utc>) -> Vec<Change> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut changes = Vec::with_capacity(n);
    let mut attempts = 0;
    while changes.len() < n && attempts < n * 10 + 10 {
        attempts += 1;
        let roll = rng.random_range(0..100);
        let made = if roll < 25 {
            new_document(realm, &mut rng, now, Kind::Bill)
        } else if roll < 45 {
            new_document(realm, &mut rng, now, Kind::Invoice)
        } else if roll < 60 {
            pay_open(realm, &mut rng, now, Kind::Invoice)
        } else if roll < 75 {
            pay_open(realm, &mut rng, now, Kind::Bill)
        } else if roll < 85 {
            edit_party(realm, &mut rng, now)
        } else if roll < 90 {
            void_one(realm, &mut rng, now)
        } else if roll < 95 {
            delete_unpaid_bill(realm, &mut rng, now)
        } else {
            new_purchase(realm, &mut rng, now)
        };
        changes.extend(made.into_iter().map(|(kind, id, operation)| Change {
            realm_id: realm.realm_id.clone(),
            kind,
            id: id.to_string(),
            operation,
            at: now,
        }));
    }
    changes.truncate(n);
    changes
}

type Made = Vec<(Kind, u64, Operation)>;

/// Posts a transaction's effect on account balances (`sign` +1 on create,
/// -1 on void or delete), in home currency, and touches each account changed.
fn post_txn(realm: &mut RealmData, kind: Kind, row: &Value, sign: Decimal, now: DateTime<Utc>) {
    let rate = row
        .get("ExchangeRate")
        .and_then(crate::money::dec)
        .unwrap_or(Decimal::ONE);
    let home =
        |v: Decimal| (v * rate).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero) * sign;
    let total = home(field(row, "TotalAmt"));
    let name_of = |v: &Value| v["name"].as_str().unwrap_or_default().to_string();
    let mut postings: Vec<(String, Decimal)> = Vec::new();
    let lines = row["Line"].as_array().cloned().unwrap_or_default();
    let expense_lines = |postings: &mut Vec<(String, Decimal)>| {
        for line in &lines {
            let account = name_of(&line["AccountBasedExpenseLineDetail"]["AccountRef"]);
            if !account.is_empty() {
                postings.push((account, home(field(line, "Amount"))));
            }
        }
    };
    match kind {
        Kind::Bill => {
            postings.push(("Accounts Payable (A/P)".into(), total));
            expense_lines(&mut postings);
        }
        Kind::Invoice => {
            postings.push(("Accounts Receivable (A/R)".into(), total));
            postings.push(("Services".into(), total));
        }
        Kind::Payment => {
            postings.push((name_of(&row["DepositToAccountRef"]), total));
            postings.push(("Accounts Receivable (A/R)".into(), -total));
        }
        Kind::BillPayment => {
            if row.get("CreditCardPayment").is_some() {
                postings.push((name_of(&row["CreditCardPayment"]["CCAccountRef"]), total));
            } else {
                postings.push((name_of(&row["CheckPayment"]["BankAccountRef"]), -total));
            }
            postings.push(("Accounts Payable (A/P)".into(), -total));
        }
        Kind::Purchase => {
            let paid_from = name_of(&row["AccountRef"]);
            let is_card = realm
                .kind_rows(Kind::Account)
                .any(|a| a["Name"] == paid_from.as_str() && a["AccountType"] == "Credit Card");
            postings.push((paid_from, if is_card { total } else { -total }));
            expense_lines(&mut postings);
        }
        _ => {}
    }
    let offset = realm.offset;
    if let Some(accounts) = realm.rows.get_mut(&Kind::Account) {
        for (name, delta) in postings {
            if let Some(account) = accounts.values_mut().find(|a| a["Name"] == name.as_str()) {
                let balance = num(field(account, "CurrentBalance") + delta);
                account["CurrentBalance"] = balance.clone();
                account["CurrentBalanceWithSubAccounts"] = balance;
                crate::store::touch(account, now, offset);
            }
        }
    }
}

fn random_row(realm: &RealmData, rng: &mut StdRng, kind: Kind, keep: impl Fn(&Value) -> bool) -> Option<Value> {
    let rows: Vec<&Value> = realm.kind_rows(kind).filter(|r| keep(r)).collect();
    rows.choose(rng).map(|r| (*r).clone())
}

fn account_ref(realm: &RealmData, name: &str) -> Value {
    realm
        .kind_rows(Kind::Account)
        .find(|a| a["Name"] == name)
        .map(|a| reference(id_of(a), name))
        .unwrap_or_else(|| json!({ "value": "0", "name": name }))
}

fn add_balance(realm: &mut RealmData, kind: Kind, id: u64, delta: Decimal) {
    if let Some(row) = realm.rows.get_mut(&kind).and_then(|r| r.get_mut(&id)) {
        row["Balance"] = num(field(row, "Balance") + delta);
    }
}

fn new_document(realm: &mut RealmData, rng: &mut StdRng, now: DateTime<Utc>, kind: Kind) -> Made {
    let party_kind = if kind == Kind::Bill {
        Kind::Vendor
    } else {
        Kind::Customer
    };
    let Some(party) = random_row(realm, rng, party_kind, |p| p["Active"] == true) else {
        return Vec::new();
    };
    let party_id = id_of(&party);
    let name = party["DisplayName"].as_str().unwrap_or_default().to_string();
    let amount = Decimal::new(rng.random_range(5_000..300_000), 2);
    let date = now.with_timezone(&realm.offset).date_naive();
    let due = (date + Duration::days(30)).to_string();
    let currency = party["CurrencyRef"].clone();
    let body = if kind == Kind::Bill {
        let expense = ["Office Supplies", "Utilities", "Contractors", "Travel"]
            .choose(rng)
            .copied()
            .unwrap_or("Utilities");
        json!({
            "VendorRef": reference(party_id, &name), "APAccountRef": account_ref(realm, "Accounts Payable (A/P)"),
            "TxnDate": date.to_string(), "DueDate": due, "DocNumber": format!("BR-{}", rng.random_range(10_000..99_999)),
            "TotalAmt": num(amount), "Balance": num(amount), "CurrencyRef": currency,
            "Line": [{ "Id": "1", "Amount": num(amount), "DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": { "AccountRef": account_ref(realm, expense), "BillableStatus": "NotBillable" } }],
            "LinkedTxn": [],
        })
    } else {
        json!({
            "CustomerRef": reference(party_id, &name), "TxnDate": date.to_string(), "DueDate": due,
            "DocNumber": format!("{}", rng.random_range(20_000..99_999)), "TotalAmt": num(amount), "Balance": num(amount),
            "EmailStatus": "NeedToSend", "CurrencyRef": currency,
            "Line": [{ "Id": "1", "LineNum": 1, "Amount": num(amount), "DetailType": "SalesItemLineDetail",
                "SalesItemLineDetail": { "ItemRef": { "value": "1", "name": "Services" } } }],
            "LinkedTxn": [],
        })
    };
    let row = realm.create(kind, body, now);
    post_txn(realm, kind, &row, Decimal::ONE, now);
    add_balance(realm, party_kind, party_id, amount);
    let offset = realm.offset;
    if let Some(p) = realm.rows.get_mut(&party_kind).and_then(|r| r.get_mut(&party_id)) {
        crate::store::touch(p, now, offset);
    }
    vec![
        (kind, id_of(&row), Operation::Create),
        (party_kind, party_id, Operation::Update),
    ]
}

fn pay_open(realm: &mut RealmData, rng: &mut StdRng, now: DateTime<Utc>, doc_kind: Kind) -> Made {
    let Some(doc) = random_row(realm, rng, doc_kind, |d| field(d, "Balance") > Decimal::ZERO) else {
        return Vec::new();
    };
    let doc_id = id_of(&doc);
    let balance = field(&doc, "Balance");
    let amount = if rng.random_bool(0.8) {
        balance
    } else {
        (balance / Decimal::from(2)).round_dp(2)
    };
    let date = now.with_timezone(&realm.offset).date_naive().to_string();
    let link = json!([{ "TxnId": doc_id.to_string(), "TxnType": doc_kind.name() }]);
    let (pay_kind, party_kind, party_ref, body) = if doc_kind == Kind::Invoice {
        let party = doc["CustomerRef"].clone();
        let body = json!({
            "CustomerRef": party, "TxnDate": date, "TotalAmt": num(amount), "UnappliedAmt": num(Decimal::ZERO),
            "DepositToAccountRef": account_ref(realm, "Undeposited Funds"), "CurrencyRef": doc["CurrencyRef"].clone(),
            "Line": [{ "Amount": num(amount), "LinkedTxn": link }],
        });
        (Kind::Payment, Kind::Customer, party, body)
    } else {
        let party = doc["VendorRef"].clone();
        let body = json!({
            "VendorRef": party, "PayType": "Check", "TxnDate": date, "TotalAmt": num(amount),
            "CheckPayment": { "BankAccountRef": account_ref(realm, "Checking"), "PrintStatus": "NotSet" },
            "CurrencyRef": doc["CurrencyRef"].clone(),
            "Line": [{ "Amount": num(amount), "LinkedTxn": link }],
        });
        (Kind::BillPayment, Kind::Vendor, party, body)
    };
    let mut body = body;
    if let Some(rate) = doc.get("ExchangeRate") {
        body["ExchangeRate"] = rate.clone();
    }
    let payment = realm.create(pay_kind, body, now);
    post_txn(realm, pay_kind, &payment, Decimal::ONE, now);
    let payment_id = id_of(&payment);
    let pay_type = if doc_kind == Kind::Invoice {
        "Payment"
    } else {
        "BillPaymentCheck"
    };
    let offset = realm.offset;
    if let Some(row) = realm.rows.get_mut(&doc_kind).and_then(|r| r.get_mut(&doc_id)) {
        row["Balance"] = num(balance - amount);
        let entry = json!({ "TxnId": payment_id.to_string(), "TxnType": pay_type });
        match row.get_mut("LinkedTxn").and_then(Value::as_array_mut) {
            Some(list) => list.push(entry),
            None => row["LinkedTxn"] = json!([entry]),
        }
        crate::store::touch(row, now, offset);
    }
    let mut made = vec![
        (pay_kind, payment_id, Operation::Create),
        (doc_kind, doc_id, Operation::Update),
    ];
    if let Some(party_id) = party_ref["value"].as_str().and_then(|s| s.parse().ok()) {
        add_balance(realm, party_kind, party_id, -amount);
        if let Some(p) = realm.rows.get_mut(&party_kind).and_then(|r| r.get_mut(&party_id)) {
            crate::store::touch(p, now, offset);
        }
        made.push((party_kind, party_id, Operation::Update));
    }
    made
}

fn edit_party(realm: &mut RealmData, rng: &mut StdRng, now: DateTime<Utc>) -> Made {
    let kind = if rng.random_bool(0.5) {
        Kind::Vendor
    } else {
        Kind::Customer
    };
    let Some(party) = random_row(realm, rng, kind, |_| true) else {
        return Vec::new();
    };
    let id = id_of(&party);
    let phone = format!(
        "(555) {:03}-{:04}",
        rng.random_range(100..999),
        rng.random_range(0..9999)
    );
    let patch = json!({ "PrimaryPhone": { "FreeFormNumber": phone } });
    match realm.update(kind, id, &patch, now) {
        Ok(_) => vec![(kind, id, Operation::Update)],
        Err(_) => Vec::new(),
    }
}

fn void_one(realm: &mut RealmData, rng: &mut StdRng, now: DateTime<Utc>) -> Made {
    let Some(purchase) = random_row(realm, rng, Kind::Purchase, |p| {
        p.get("PrivateNote").is_none_or(|n| n != "Voided")
    }) else {
        return Vec::new();
    };
    let id = id_of(&purchase);
    match realm.void(Kind::Purchase, id, now) {
        Ok(_) => {
            post_txn(realm, Kind::Purchase, &purchase, -Decimal::ONE, now);
            vec![(Kind::Purchase, id, Operation::Void)]
        }
        Err(_) => Vec::new(),
    }
}

fn delete_unpaid_bill(realm: &mut RealmData, rng: &mut StdRng, now: DateTime<Utc>) -> Made {
    let Some(bill) = random_row(realm, rng, Kind::Bill, |b| {
        b["LinkedTxn"].as_array().is_none_or(Vec::is_empty) && field(b, "Balance") == field(b, "TotalAmt")
    }) else {
        return Vec::new();
    };
    let id = id_of(&bill);
    let total = field(&bill, "Balance");
    if realm.delete(Kind::Bill, id, now).is_err() {
        return Vec::new();
    }
    post_txn(realm, Kind::Bill, &bill, -Decimal::ONE, now);
    let mut made = vec![(Kind::Bill, id, Operation::Delete)];
    if let Some(vendor_id) = bill["VendorRef"]["value"].as_str().and_then(|s| s.parse().ok()) {
        add_balance(realm, Kind::Vendor, vendor_id, -total);
        let offset = realm.offset;
        if let Some(p) = realm.rows.get_mut(&Kind::Vendor).and_then(|r| r.get_mut(&vendor_id)) {
            crate::store::touch(p, now, offset);
        }
        made.push((Kind::Vendor, vendor_id, Operation::Update));
    }
    made
}

fn new_purchase(realm: &mut RealmData, rng: &mut StdRng, now: DateTime<Utc>) -> Made {
    let amount = Decimal::new(rng.random_range(500..80_000), 2);
    let date = now.with_timezone(&realm.offset).date_naive().to_string();
    let body = json!({
        "PaymentType": "CreditCard", "AccountRef": account_ref(realm, "Mastercard"), "TxnDate": date,
        "TotalAmt": num(amount), "CurrencyRef": { "value": realm.home_currency, "name": realm.home_currency },
        "Line": [{ "Id": "1", "Amount": num(amount), "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": { "AccountRef": account_ref(realm, "Meals and Entertainment") } }],
    });
    let row = realm.create(Kind::Purchase, body, now);
    post_txn(realm, Kind::Purchase, &row, Decimal::ONE, now);
    vec![(Kind::Purchase, id_of(&row), Operation::Create)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::{Size, generate_realm};

    #[test]
    fn bursts_keep_receivables_and_payables_consistent() {
        let now = DateTime::parse_from_rfc3339("2026-11-22T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let off = chrono::FixedOffset::west_opt(8 * 3600).unwrap();
        let mut realm = generate_realm("5", 3, Size::Small, crate::generator::Profile::Healthy, false, off, now);
        let changes = apply_burst(&mut realm, 200, 9, now + Duration::minutes(1));
        assert_eq!(changes.len(), 200);
        let account = |realm: &RealmData, name: &str| {
            field(
                realm.kind_rows(Kind::Account).find(|a| a["Name"] == name).unwrap(),
                "CurrentBalance",
            )
        };
        let open_invoices: Decimal = realm.kind_rows(Kind::Invoice).map(|i| field(i, "Balance")).sum();
        let unapplied: Decimal = realm.kind_rows(Kind::Payment).map(|p| field(p, "UnappliedAmt")).sum();
        let credits: Decimal = realm.kind_rows(Kind::CreditMemo).map(|m| field(m, "Balance")).sum();
        let receivable = open_invoices - unapplied - credits;
        assert_eq!(account(&realm, "Accounts Receivable (A/R)"), receivable);
        let open_bills: Decimal = realm.kind_rows(Kind::Bill).map(|b| field(b, "Balance")).sum();
        let vendor_credits: Decimal = realm.kind_rows(Kind::VendorCredit).map(|c| field(c, "Balance")).sum();
        assert_eq!(account(&realm, "Accounts Payable (A/P)"), open_bills - vendor_credits);
        let customers: Decimal = realm.kind_rows(Kind::Customer).map(|c| field(c, "Balance")).sum();
        assert_eq!(customers, receivable);
    }
}

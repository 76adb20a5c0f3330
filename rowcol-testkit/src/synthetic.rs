//! A deterministic generator of typical client snapshots, for benches and
//! integration tests in every crate. Typical client: 25 accounts, 5 terms,
//! 30 vendors, 40 customers, 300 bills, 300 invoices, 250 payments, 250 bill
//! payments, 200 purchases, 60 deposits over the 6 months before `as_of`,
//! with a sprinkling of the problems the hygiene rules look for.

use crate::fixtures::{self, id};
use rowcol_core::entity::*;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rowcol_core::{
    ClientHealth, ClientSettings, ClientSnapshot, ConnectionStatus, Currency, EntityKind, KindHealth, Money,
    SnapshotRequest, VendorTier,
};
use rust_decimal::Decimal;

/// SplitMix64: small, fast, and the same numbers on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0..n
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// True with probability `pct` percent.
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }

    /// Dollars and cents between `lo` and `hi` dollars.
    fn dollars(&mut self, lo: i64, hi: i64) -> Decimal {
        let cents = lo * 100 + i64::try_from(self.below(u64::try_from((hi - lo) * 100).unwrap_or(1))).unwrap_or(0);
        Decimal::new(cents, 2)
    }
}

fn usd(a: Decimal) -> Money {
    Money::new(a, Currency::USD)
}

fn reference(id_: &str) -> Reference {
    Reference {
        id: id(id_),
        name: None,
    }
}

fn txn(date: NaiveDate, total: Decimal, account: &str) -> TxnCommon {
    let mut t = fixtures::txn(total);
    t.txn_date = date;
    t.lines[0].account = Some(reference(account));
    t
}

fn meta(client: &str, external_id: &str) -> SourceMeta {
    fixtures::meta(client, external_id)
}

fn account(client: &str, n: u32, name: &str, kind: AccountType, sub: Option<&str>, balance: Decimal) -> Account {
    let mut a = fixtures::bank_account(client, &n.to_string(), name, balance);
    a.account_type = kind;
    a.sub_type = sub.map(str::to_owned);
    a
}

/// Expense accounts are 10..=24; account 25 is "Ask My Accountant".
const EXPENSES: u32 = 10;

/// A typical client number `i`, as of `as_of`, synced at `synced_at`.
pub fn typical_client(i: usize, as_of: NaiveDate, synced_at: DateTime<Utc>) -> ClientSnapshot {
    let c = format!("client-{i:03}");
    let c = c.as_str();
    let mut rng = Rng(0xC0FF_EE00 + i as u64);
    let request = SnapshotRequest::as_of(as_of);
    let start = request.history_start();
    let span = (as_of - start).num_days();
    let day =
        |rng: &mut Rng| start + Duration::days(i64::try_from(rng.below(u64::try_from(span).unwrap_or(1))).unwrap_or(0));

    // Cash varies by client so that urgencies vary across the portfolio.
    let cash = Decimal::from(40_000 + (i as i64 % 10) * 30_000);
    let mut accounts = vec![
        account(c, 1, "Checking", AccountType::Bank, Some("Checking"), cash),
        account(
            c,
            2,
            "Savings",
            AccountType::Bank,
            Some("Savings"),
            Decimal::from(10_000),
        ),
        account(c, 3, "Visa", AccountType::CreditCard, None, rng.dollars(500, 5_000)),
        account(
            c,
            4,
            "Undeposited Funds",
            AccountType::OtherCurrentAsset,
            Some("UndepositedFunds"),
            Decimal::ZERO,
        ),
        account(
            c,
            5,
            "Accounts Payable",
            AccountType::AccountsPayable,
            None,
            Decimal::ZERO,
        ),
        account(
            c,
            6,
            "Accounts Receivable",
            AccountType::AccountsReceivable,
            None,
            Decimal::ZERO,
        ),
        account(c, 7, "Sales", AccountType::Income, None, Decimal::ZERO),
        account(c, 8, "Services", AccountType::Income, None, Decimal::ZERO),
        account(c, 9, "Owner's Equity", AccountType::Equity, None, Decimal::ZERO),
    ];
    for n in EXPENSES..EXPENSES + 15 {
        accounts.push(account(
            c,
            n,
            &format!("Expense {n}"),
            AccountType::Expense,
            None,
            Decimal::ZERO,
        ));
    }
    accounts.push(account(
        c,
        25,
        "Ask My Accountant",
        AccountType::Expense,
        None,
        Decimal::ZERO,
    ));
    if i.is_multiple_of(7) {
        accounts[12].active = false;
    }

    let terms = vec![
        fixtures::term(c, "1", "Net 15", 15, None),
        fixtures::term(c, "2", "Net 30", 30, None),
        fixtures::term(c, "3", "2% 10 Net 30", 30, Some((Decimal::from(2), 10))),
        fixtures::term(c, "4", "Net 45", 45, None),
        fixtures::term(c, "5", "Due on receipt", 0, None),
    ];

    let mut vendors: Vec<Vendor> = (0..30)
        .map(|v| {
            let mut x = fixtures::vendor(c, &format!("{}", 100 + v), &format!("Vendor {v}"));
            x.party.terms = Some(reference(&(1 + v % 5).to_string()));
            x.party.active = !(v == 29 && i.is_multiple_of(3));
            x
        })
        .collect();
    let mut customers: Vec<Customer> = (0..40)
        .map(|k| fixtures::customer(c, &format!("{}", 200 + k), &format!("Customer {k}")))
        .collect();
    let vendor_account = |v: u64| (EXPENSES + u32::try_from(v % 15).unwrap_or(0)).to_string();

    let mut bills = Vec::with_capacity(300);
    let mut bill_payments = Vec::with_capacity(250);
    for n in 0..300u32 {
        let v = rng.below(30);
        let date = day(&mut rng);
        let total = rng.dollars(100, 1_500);
        let coded = if rng.chance(3) {
            "25".to_owned()
        } else {
            vendor_account(v)
        };
        let mut b = fixtures::bill(c, &format!("{}", 1000 + n), total);
        b.txn = txn(date, total, &coded);
        b.vendor = Some(reference(&format!("{}", 100 + v)));
        b.terms = Some(reference(&(1 + v % 5).to_string()));
        b.due_date = Some(date + Duration::days([15i64, 30, 30, 45, 0][(v % 5) as usize]));
        if rng.chance(1) {
            b.due_date = None;
        }
        // Paid when due a few days ago, but for a few left overdue.
        let paid =
            bill_payments.len() < 250 && b.due_date.is_some_and(|d| d + Duration::days(3) < as_of) && !rng.chance(4);
        if paid {
            b.balance = usd(Decimal::ZERO);
            let mut p = fixtures::bill_payment(c, &format!("{}", 3000 + n), total, &format!("{}", 1000 + n));
            p.txn = txn(
                (b.due_date.unwrap_or(date) + Duration::days(i64::try_from(rng.below(10)).unwrap_or(0))).min(as_of),
                total,
                "1",
            );
            p.vendor = b.vendor.clone();
            p.method = [
                PaymentMethod::Check,
                PaymentMethod::BankTransfer,
                PaymentMethod::CreditCard,
            ][(v % 3) as usize];
            p.paid_from = Some(reference("1"));
            bill_payments.push(p);
        }
        bills.push(b);
    }
    // A duplicate of a recent bill.
    if let Some(last) = bills.last().cloned() {
        let mut dup = last;
        dup.meta = meta(c, "1999");
        dup.txn.txn_date += Duration::days(2);
        bills.push(dup);
    }
    // Pad bill payments to 250 with payments of older bills outside the list.
    while bill_payments.len() < 250 {
        let n = u32::try_from(bill_payments.len()).unwrap_or(0);
        let total = rng.dollars(100, 2_000);
        let mut p = fixtures::bill_payment(c, &format!("{}", 3500 + n), total, "999");
        p.txn = txn(day(&mut rng), total, "1");
        p.vendor = Some(reference(&format!("{}", 100 + rng.below(30))));
        bill_payments.push(p);
    }

    let mut invoices = Vec::with_capacity(300);
    let mut payments = Vec::with_capacity(250);
    for n in 0..300u32 {
        let k = rng.below(40);
        let date = day(&mut rng);
        // Sales vary by client, so some burn cash and some do not.
        let total = rng.dollars(300, 1_500 + (i as i64 % 5) * 500);
        let mut inv = fixtures::invoice(c, &format!("{}", 5000 + n), total);
        inv.txn = txn(date, total, "7");
        inv.customer = Some(reference(&format!("{}", 200 + k)));
        inv.due_date = Some(date + Duration::days(30));
        if rng.chance(3) {
            inv.email_status = EmailStatus::NotSet;
        }
        // Each customer pays about (k % 5) x 7 - 3 days late.
        let late = i64::try_from((k % 5) * 7).unwrap_or(0) - 3 + i64::try_from(rng.below(7)).unwrap_or(0);
        let paid_on = date + Duration::days(30 + late);
        if payments.len() < 250 && paid_on < as_of && !rng.chance(5) {
            inv.balance = usd(Decimal::ZERO);
            let mut p = fixtures::payment(c, &format!("{}", 7000 + n), total, &format!("{}", 5000 + n));
            p.txn = txn(paid_on, total, "6");
            p.customer = inv.customer.clone();
            p.deposit_to = Some(reference(if rng.chance(20) { "4" } else { "1" }));
            if rng.chance(2) {
                p.applied_to.clear();
                p.unapplied = p.txn.total;
            }
            payments.push(p);
        }
        invoices.push(inv);
    }

    let mut purchases = Vec::with_capacity(200);
    for n in 0..200u32 {
        let v = rng.below(30);
        let total = rng.dollars(20, 600);
        let mut p = fixtures::purchase(c, &format!("{}", 8000 + n), total);
        p.txn = txn(day(&mut rng), total, &vendor_account(v));
        p.payee = (!rng.chance(4)).then(|| reference(&format!("{}", 100 + v)));
        p.paid_from = Some(reference(if rng.chance(60) { "3" } else { "1" }));
        p.method = if p.paid_from.as_ref().is_some_and(|r| r.id.as_str() == "3") {
            PaymentMethod::CreditCard
        } else {
            PaymentMethod::Check
        };
        purchases.push(p);
    }

    // Deposits: most carry the payments parked in Undeposited Funds.
    let parked: Vec<&Payment> = payments
        .iter()
        .filter(|p| p.deposit_to.as_ref().is_some_and(|r| r.id.as_str() == "4"))
        .collect();
    let mut deposits = Vec::with_capacity(60);
    for n in 0..60u32 {
        let mut d = fixtures::deposit(c, &format!("{}", 9000 + n), Decimal::ZERO);
        d.deposit_to = Some(reference("1"));
        match parked.get(n as usize) {
            Some(p) if p.txn.txn_date + Duration::days(3) < as_of => {
                d.txn = txn(p.txn.txn_date + Duration::days(2), p.txn.total.amount(), "4");
                d.linked.push(TxnLink {
                    kind: EntityKind::Payment,
                    id: p.meta.external_id.clone(),
                    amount: Some(p.txn.total),
                });
            }
            _ => {
                let total = rng.dollars(50, 3_000);
                d.txn = txn(day(&mut rng), total, "8");
            }
        }
        deposits.push(d);
    }

    let mut settings = ClientSettings::default();
    settings.vendor_tiers.insert(id("100"), VendorTier::Taxes);
    settings.vendor_tiers.insert(id("101"), VendorTier::Payroll);
    settings.vendor_tiers.insert(id("102"), VendorTier::KeepTheDoorsOpen);
    settings.vendor_tiers.insert(id("128"), VendorTier::Deferrable);

    // Every tenth client's data is two hours old: stale against a 30-minute target.
    let last = if i % 10 == 9 {
        synced_at - Duration::hours(2)
    } else {
        synced_at
    };
    let health = ClientHealth {
        client: id(c),
        connection: Some(ConnectionStatus::Active),
        kinds: EntityKind::ALL
            .iter()
            .map(|k| KindHealth {
                kind: *k,
                last_success: Some(last),
                last_attempt: Some(last),
                consecutive_failures: 0,
                dead_letters: 0,
            })
            .collect(),
        last_reconcile: None,
    };

    // Party balances as the rail reports them: what the open documents add
    // up to, less one vendor credit left unapplied.
    for v in &mut vendors {
        let open: Decimal = bills
            .iter()
            .filter(|b| b.vendor.as_ref().is_some_and(|r| r.id == v.party.meta.external_id))
            .map(|b| b.balance.amount())
            .sum();
        v.party.balance = usd(open);
    }
    vendors[5].party.balance = usd(vendors[5].party.balance.amount() - Decimal::from(200));
    for k in &mut customers {
        let open: Decimal = invoices
            .iter()
            .filter(|i| i.customer.as_ref().is_some_and(|r| r.id == k.party.meta.external_id))
            .map(|i| i.balance.amount())
            .sum();
        k.party.balance = usd(open);
    }

    let mut s = ClientSnapshot::empty(
        id(c),
        format!("Client {i}"),
        Currency::USD,
        request,
        synced_at,
        health,
        settings,
    );
    s.history_start = start;
    s.company = Some(fixtures::company(c, &format!("Client {i}")));
    s.accounts = accounts.into();
    s.terms = terms.into();
    s.vendors = vendors.into();
    s.customers = customers.into();
    s.bills = bills.into();
    s.invoices = invoices.into();
    s.payments = payments.into();
    s.bill_payments = bill_payments.into();
    s.purchases = purchases.into();
    s.deposits = deposits.into();
    sort_by_id(&mut s);
    s
}

/// Sorts every list by external id, as the mirror hands them out.
fn sort_by_id(s: &mut ClientSnapshot) {
    s.accounts.sort_by(|a, b| a.meta.external_id.cmp(&b.meta.external_id));
    s.terms.sort_by(|a, b| a.meta.external_id.cmp(&b.meta.external_id));
    s.vendors
        .sort_by(|a, b| a.party.meta.external_id.cmp(&b.party.meta.external_id));
    s.customers
        .sort_by(|a, b| a.party.meta.external_id.cmp(&b.party.meta.external_id));
    s.bills.sort_by(|a, b| a.meta.external_id.cmp(&b.meta.external_id));
    s.invoices.sort_by(|a, b| a.meta.external_id.cmp(&b.meta.external_id));
    s.payments.sort_by(|a, b| a.meta.external_id.cmp(&b.meta.external_id));
    s.bill_payments
        .sort_by(|a, b| a.meta.external_id.cmp(&b.meta.external_id));
    s.purchases.sort_by(|a, b| a.meta.external_id.cmp(&b.meta.external_id));
    s.deposits.sort_by(|a, b| a.meta.external_id.cmp(&b.meta.external_id));
}

/// `n` typical clients.
pub fn portfolio(n: usize, as_of: NaiveDate, synced_at: DateTime<Utc>) -> Vec<ClientSnapshot> {
    (0..n).map(|i| typical_client(i, as_of, synced_at)).collect()
}

/// Every record of a snapshot, as a first sync would apply it to a mirror
/// (the raw payload is a placeholder: the records did not come from a rail).
pub fn records(snapshot: &ClientSnapshot) -> Vec<rowcol_core::sync::SourceRecord> {
    snapshot
        .entities()
        .map(|entity| rowcol_core::sync::SourceRecord {
            entity,
            raw: "{}".to_owned(),
        })
        .collect()
}

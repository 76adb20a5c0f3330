//! One realm's books over 24 months: chart of accounts, terms, vendors,
//! customers, bills, invoices, payments, bill payments, purchases, deposits,
//! with consistent balances and a few deliberate bookkeeping problems.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::Size;
use super::names;
use super::profile::{Params, Profile, season_pct};
use crate::money::num;
use crate::store::{Kind, RealmData};

/// Days of history generated.
pub(crate) const HISTORY_DAYS: i64 = 730;

/// `{"value": id, "name": name}`
pub(crate) fn reference(id: u64, name: &str) -> Value {
    json!({ "value": id.to_string(), "name": name })
}

/// A currency a multi-currency realm trades in: code, name, rate to home.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Currency {
    pub code: &'static str,
    pub name: &'static str,
    /// Home-currency units per unit, 4 decimals.
    pub rate: i64,
}

pub(crate) const HOME: Currency = Currency {
    code: "USD",
    name: "United States Dollar",
    rate: 10000,
};
pub(crate) const FOREIGN: [Currency; 3] = [
    Currency {
        code: "EUR",
        name: "Euro",
        rate: 10850,
    },
    Currency {
        code: "GBP",
        name: "British Pound Sterling",
        rate: 12690,
    },
    Currency {
        code: "CAD",
        name: "Canadian Dollar",
        rate: 7310,
    },
];

/// A party (vendor or customer) as the generator remembers it.
#[derive(Debug, Clone)]
pub(crate) struct Party {
    pub id: u64,
    pub name: String,
    pub active: bool,
    pub term: usize,
    pub currency: Currency,
    /// Days past due a customer habitually pays (zero for vendors).
    pub lateness: i64,
    /// The expense account a vendor's spending usually goes to.
    pub usual: &'static str,
}

/// The accounts the generator posts to, by role.
#[derive(Debug, Clone, Default)]
pub(crate) struct Chart {
    pub by_name: HashMap<&'static str, u64>,
    /// Accounts whose balance a credit raises (liabilities, equity, income).
    pub credit_normal: std::collections::HashSet<&'static str>,
    pub expense: Vec<&'static str>,
    pub income: Vec<&'static str>,
}

impl Chart {
    pub fn r(&self, name: &'static str) -> Value {
        reference(self.by_name.get(name).copied().unwrap_or(0), name)
    }

    /// True when a credit raises the account's balance.
    pub fn credit_normal(&self, name: &str) -> bool {
        self.credit_normal.contains(name)
    }
}

/// Chart of accounts: (name, AccountType, AccountSubType, Classification).
const ACCOUNTS: &[(&str, &str, &str, &str)] = &[
    ("Checking", "Bank", "Checking", "Asset"),
    ("Savings", "Bank", "Savings", "Asset"),
    ("Mastercard", "Credit Card", "CreditCard", "Liability"),
    (
        "Accounts Payable (A/P)",
        "Accounts Payable",
        "AccountsPayable",
        "Liability",
    ),
    (
        "Accounts Receivable (A/R)",
        "Accounts Receivable",
        "AccountsReceivable",
        "Asset",
    ),
    ("Undeposited Funds", "Other Current Asset", "UndepositedFunds", "Asset"),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity", "Equity"),
    ("Services", "Income", "ServiceFeeIncome", "Revenue"),
    ("Sales of Product Income", "Income", "SalesOfProductIncome", "Revenue"),
    ("Consulting Income", "Income", "ServiceFeeIncome", "Revenue"),
    ("Interest Earned", "Other Income", "InterestEarned", "Revenue"),
    ("Uncategorized Income", "Income", "OtherPrimaryIncome", "Revenue"),
    (
        "Uncategorized Expense",
        "Expense",
        "OtherMiscellaneousServiceCost",
        "Expense",
    ),
    ("Advertising", "Expense", "AdvertisingPromotional", "Expense"),
    ("Rent or Lease", "Expense", "RentOrLeaseOfBuildings", "Expense"),
    ("Utilities", "Expense", "Utilities", "Expense"),
    (
        "Office Supplies",
        "Expense",
        "OfficeGeneralAdministrativeExpenses",
        "Expense",
    ),
    (
        "Software Subscriptions",
        "Expense",
        "OtherMiscellaneousServiceCost",
        "Expense",
    ),
    ("Insurance", "Expense", "Insurance", "Expense"),
    (
        "Legal & Professional Fees",
        "Expense",
        "LegalProfessionalFees",
        "Expense",
    ),
    ("Meals and Entertainment", "Expense", "EntertainmentMeals", "Expense"),
    ("Travel", "Expense", "Travel", "Expense"),
    ("Bank Charges", "Expense", "BankCharges", "Expense"),
    ("Repairs and Maintenance", "Expense", "RepairMaintenance", "Expense"),
    ("Contractors", "Expense", "OtherMiscellaneousServiceCost", "Expense"),
    (
        "Cost of Goods Sold",
        "Cost of Goods Sold",
        "SuppliesMaterialsCogs",
        "Expense",
    ),
];

/// Expense accounts used for ordinary spending.
const SPEND: &[&str] = &[
    "Advertising",
    "Rent or Lease",
    "Utilities",
    "Office Supplies",
    "Software Subscriptions",
    "Insurance",
    "Legal & Professional Fees",
    "Meals and Entertainment",
    "Travel",
    "Repairs and Maintenance",
    "Contractors",
    "Cost of Goods Sold",
];

/// Terms: (name, DueDays, DiscountPercent, DiscountDays).
pub(crate) const TERMS: &[(&str, i64, i64, i64)] = &[
    ("Due on receipt", 0, 0, 0),
    ("Net 15", 15, 0, 0),
    ("Net 30", 30, 0, 0),
    ("Net 60", 60, 0, 0),
    ("2% 10 Net 30", 30, 2, 10),
];

pub(crate) struct Books {
    pub rng: StdRng,
    pub realm: RealmData,
    pub now: DateTime<Utc>,
    pub chart: Chart,
    pub term_ids: Vec<u64>,
    pub vendors: Vec<Party>,
    pub customers: Vec<Party>,
    /// Home-currency movements per account name.
    pub ledger: HashMap<&'static str, Decimal>,
    /// Open balances in the party's currency.
    pub party_balance: HashMap<u64, Decimal>,
    /// How the profile draws them.
    pub params: Params,
    /// The realm's size against typical books, percent (payroll, cash sales
    /// and financing scale with it).
    pub scale_pct: i64,
    /// Each month's payroll, oldest first (the provider's and the state's
    /// bills are drawn from it).
    pub payroll_months: Vec<super::entries::PayrollMonth>,
}

/// Generates one realm's books as a client of `profile`. `multi_currency`
/// gives some parties a foreign currency (an importer's books are
/// multi-currency whatever it says).
pub fn generate_realm(
    realm_id: &str,
    seed: u64,
    size: Size,
    profile: Profile,
    multi_currency: bool,
    offset: FixedOffset,
    now: DateTime<Utc>,
) -> RealmData {
    let multi_currency = multi_currency || profile == Profile::Importer;
    let counts = size.counts();
    let mut books = Books {
        rng: StdRng::seed_from_u64(seed),
        realm: RealmData {
            profile: Some(profile),
            ..RealmData::new(realm_id, offset, HOME.code)
        },
        now,
        chart: Chart::default(),
        term_ids: Vec::new(),
        vendors: Vec::new(),
        customers: Vec::new(),
        ledger: HashMap::new(),
        party_balance: HashMap::new(),
        params: profile.params(),
        scale_pct: (counts.invoices as i64 * 100 / 300).max(1),
        payroll_months: Vec::new(),
    };
    books.company(multi_currency);
    if size == Size::Empty {
        return books.realm;
    }
    super::preferences::insert(&mut books.realm, seed, multi_currency, now);
    books.terms();
    books.accounts(multi_currency);
    books.items();
    books.parties(counts.vendors, counts.customers, multi_currency);
    let bills = books.bills(counts.bills);
    let invoices = books.invoices(counts.invoices);
    books.bill_payments(&bills);
    let uf_payments = books.payments(&invoices);
    books.purchases(counts.purchases);
    books.deposits(uf_payments, counts.deposits);
    books.payroll_accounts();
    books.profile_accounts();
    books.recurring_entries();
    books.cash_sales_and_credits(counts.bills * 10 / 300);
    if books.params.retail {
        books.retail_entries(size == Size::Small);
    }
    books.segments();
    books.payroll_bills();
    books.loan_bills();
    books.finish_balances();
    books.realm
}

impl Books {
    fn offset(&self) -> FixedOffset {
        self.realm.offset
    }

    pub(crate) fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.offset()).date_naive()
    }

    /// A random instant in the history, business hours-ish.
    pub fn past_instant(&mut self, min_days_ago: i64, max_days_ago: i64) -> DateTime<Utc> {
        let days = self.rng.random_range(min_days_ago..=max_days_ago.max(min_days_ago));
        let secs = self.rng.random_range(0..8 * 3600);
        let t = self.now - Duration::days(days) - Duration::hours(4) + Duration::seconds(secs);
        t.min(self.now - Duration::minutes(5))
    }

    /// The `i`-th of `count` instants spread evenly over the history (oldest
    /// first), each at a random point of its slot: documents arrive at a
    /// going concern's steady pace, so each month holds its share.
    pub fn spread_instant(&mut self, i: usize, count: usize) -> DateTime<Utc> {
        let slot = (HISTORY_DAYS * 24 * 3600 / count.max(1) as i64).max(1);
        let start = self.now - Duration::days(HISTORY_DAYS);
        let at = start + Duration::seconds(slot * i as i64 + self.rng.random_range(0..slot));
        at.min(self.now - Duration::minutes(5))
    }

    /// `amount(low, high)` scaled by `pct` percent.
    pub fn amount_pct(&mut self, low_cents: i64, high_cents: i64, pct: i64) -> Decimal {
        Decimal::new(self.rng.random_range(low_cents..high_cents) * pct / 100, 2)
    }

    /// Last update: mostly the creation, sometimes later (an edit), never in the future.
    fn updated_after(&mut self, created: DateTime<Utc>) -> DateTime<Utc> {
        if self.rng.random_bool(0.2) {
            let later = created + Duration::hours(self.rng.random_range(1..24 * 20));
            later.min(self.now - Duration::minutes(1))
        } else {
            created
        }
    }

    pub fn amount(&mut self, low_cents: i64, high_cents: i64) -> Decimal {
        Decimal::new(self.rng.random_range(low_cents..high_cents), 2)
    }

    /// The home amount of a foreign amount: rounded to cents half away from
    /// zero, as the reports' posting model rounds.
    pub fn home_amount(amount: Decimal, currency: Currency) -> Decimal {
        (amount * Decimal::new(currency.rate, 4))
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
    }

    pub fn post(&mut self, account: &'static str, delta: Decimal) {
        *self.ledger.entry(account).or_default() += delta;
    }

    fn currency_fields(obj: &mut serde_json::Map<String, Value>, currency: Currency) {
        obj.insert(
            "CurrencyRef".into(),
            json!({ "value": currency.code, "name": currency.name }),
        );
        if currency.code != HOME.code {
            obj.insert(
                "ExchangeRate".into(),
                crate::money::exact(Decimal::new(currency.rate, 4)),
            );
        }
    }

    fn company(&mut self, multi_currency: bool) {
        let name = *names::COMPANY.choose(&mut self.rng).unwrap_or(&"Sim Company");
        let created = self.now - Duration::days(HISTORY_DAYS + 30);
        let realm_id = self.realm.realm_id.clone();
        self.realm.insert(
            Kind::CompanyInfo,
            json!({
                "CompanyName": name,
                "LegalName": format!("{name} LLC"),
                "Country": "US",
                "FiscalYearStartMonth": "January",
                "CompanyStartDate": self.local_date(created).to_string(),
                "Email": { "Address": format!("books@{}.example", realm_id) },
                "CompanyAddr": { "Line1": "123 Sierra Way", "City": "San Pablo", "CountrySubDivisionCode": "CA", "PostalCode": "87999" },
                "SupportedLanguages": "en",
                "NameValue": [
                    { "Name": "HomeCurrency", "Value": HOME.code },
                    { "Name": "MultiCurrencyEnabled", "Value": if multi_currency { "true" } else { "false" } },
                ],
            }),
            created,
            created,
        );
    }

    fn terms(&mut self) {
        let created = self.now - Duration::days(HISTORY_DAYS + 20);
        for (name, due, pct, disc) in TERMS {
            let mut body = json!({ "Name": name, "Active": true, "Type": "STANDARD", "DueDays": due });
            if *pct > 0 {
                body["DiscountPercent"] = json!(pct);
                body["DiscountDays"] = json!(disc);
            }
            let row = self.realm.insert(Kind::Term, body, created, created);
            self.term_ids.push(id_of(&row));
        }
    }

    pub fn term_ref(&self, index: usize) -> Value {
        reference(
            self.term_ids.get(index).copied().unwrap_or(0),
            TERMS[index % TERMS.len()].0,
        )
    }

    /// Adds an active home-currency account to the chart, remembering its id
    /// and whether a credit raises it.
    pub(crate) fn add_account(
        &mut self,
        (name, kind, sub, class): (&'static str, &str, &str, &str),
        created: DateTime<Utc>,
    ) {
        let row = self.realm.insert(
            Kind::Account,
            json!({
                "Name": name, "FullyQualifiedName": name, "AccountType": kind, "AccountSubType": sub,
                "Classification": class, "Active": true, "SubAccount": false,
                "CurrentBalance": 0, "CurrentBalanceWithSubAccounts": 0,
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
            }),
            created,
            created,
        );
        self.chart.by_name.insert(name, id_of(&row));
        if matches!(class, "Liability" | "Equity" | "Revenue") {
            self.chart.credit_normal.insert(name);
        }
    }

    fn accounts(&mut self, multi_currency: bool) {
        let created = self.now - Duration::days(HISTORY_DAYS + 20);
        for account in ACCOUNTS {
            self.add_account(*account, created);
        }
        // A closed account: inactive rows are hidden from plain name-list queries.
        self.realm.insert(
            Kind::Account,
            json!({
                "Name": "Old Checking (closed)", "FullyQualifiedName": "Old Checking (closed)", "AccountType": "Bank",
                "AccountSubType": "Checking", "Classification": "Asset", "Active": false, "SubAccount": false,
                "CurrentBalance": 0, "CurrentBalanceWithSubAccounts": 0,
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
            }),
            created,
            created,
        );
        if multi_currency {
            let created = created + Duration::days(1);
            self.realm.insert(
                Kind::Account,
                json!({
                    "Name": "Checking EUR", "FullyQualifiedName": "Checking EUR", "AccountType": "Bank",
                    "AccountSubType": "Checking", "Classification": "Asset", "Active": true, "SubAccount": false,
                    "CurrentBalance": 0, "CurrentBalanceWithSubAccounts": 0,
                    "CurrencyRef": { "value": "EUR", "name": "Euro" },
                }),
                created,
                created,
            );
        }
        self.chart.expense = SPEND.to_vec();
        self.chart.income = vec!["Services", "Sales of Product Income", "Consulting Income"];
    }

    fn items(&mut self) {
        let created = self.now - Duration::days(HISTORY_DAYS + 15);
        for (name, income) in [
            ("Services", "Services"),
            ("Hardware", "Sales of Product Income"),
            ("Consulting", "Consulting Income"),
        ] {
            let income_ref = self.chart.r(income);
            self.realm.insert(
                Kind::Item,
                json!({ "Name": name, "FullyQualifiedName": name, "Active": true, "Type": "Service", "IncomeAccountRef": income_ref }),
                created,
                created,
            );
        }
    }

    fn parties(&mut self, vendors: usize, customers: usize, multi_currency: bool) {
        let mut used = std::collections::HashSet::new();
        for i in 0..vendors + customers {
            let is_vendor = i < vendors;
            let (first, second) = if is_vendor {
                (names::VENDOR_FIRST, names::VENDOR_SECOND)
            } else {
                (names::CUSTOMER_FIRST, names::CUSTOMER_SECOND)
            };
            let mut name = String::new();
            for attempt in 0.. {
                let a = first.choose(&mut self.rng).copied().unwrap_or("Sim");
                let b = second.choose(&mut self.rng).copied().unwrap_or("Co");
                name = if attempt < 20 {
                    format!("{a} {b}")
                } else {
                    format!("{a} {b} {attempt}")
                };
                if used.insert(name.clone()) {
                    break;
                }
            }
            let created = self.past_instant(HISTORY_DAYS, HISTORY_DAYS + 10);
            let updated = self.updated_after(created);
            let active = !self.rng.random_bool(0.06);
            let term = if self.rng.random_bool(0.2) {
                4
            } else {
                *[2usize, 2, 2, 1, 3, 0].choose(&mut self.rng).unwrap_or(&2)
            };
            let foreign_pct = if is_vendor && self.params.foreign_vendor_pct > 0 {
                self.params.foreign_vendor_pct
            } else {
                25
            };
            let currency = if multi_currency && self.rng.random_range(0..100) < foreign_pct {
                *FOREIGN.choose(&mut self.rng).unwrap_or(&HOME)
            } else {
                HOME
            };
            let (low, high) = self.params.lateness;
            let lateness = if is_vendor {
                0
            } else {
                self.rng.random_range(low..=high)
            };
            let usual = *SPEND.choose(&mut self.rng).unwrap_or(&"Office Supplies");
            let slug: String = name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase();
            let mut body = json!({
                "DisplayName": name,
                "CompanyName": name,
                "PrintOnCheckName": name,
                "Active": active,
                "Balance": 0,
                "PrimaryEmailAddr": { "Address": format!("ap@{slug}.example") },
                "CurrencyRef": { "value": currency.code, "name": currency.name },
            });
            let kind = if is_vendor {
                body["TermRef"] = self.term_ref(term);
                body["Vendor1099"] = json!(self.rng.random_bool(0.3));
                Kind::Vendor
            } else {
                body["SalesTermRef"] = self.term_ref(term);
                body["PrimaryEmailAddr"] = json!({ "Address": format!("billing@{slug}.example") });
                Kind::Customer
            };
            let row = self.realm.insert(kind, body, created, updated);
            let party = Party {
                id: id_of(&row),
                name,
                active,
                term,
                currency,
                lateness,
                usual,
            };
            if is_vendor {
                self.vendors.push(party);
            } else {
                self.customers.push(party);
            }
        }
    }

    pub(crate) fn pick(&mut self, vendors: bool) -> Option<Party> {
        let list = if vendors { &self.vendors } else { &self.customers };
        let active: Vec<&Party> = list.iter().filter(|p| p.active).collect();
        active
            .choose(&mut self.rng)
            .map(|p| (*p).clone())
            .or_else(|| list.first().cloned())
    }

    /// Bills, spread evenly over the history. Messy books also get bills
    /// without due date, duplicates and uncategorized ones.
    fn bills(&mut self, count: usize) -> Vec<Doc> {
        let mut out = Vec::new();
        let mut previous: Option<Value> = None;
        for i in 0..count {
            let Some(vendor) = self.pick(true) else { break };
            let created = self.spread_instant(i, count);
            let txn_date = self.local_date(created);
            let (_, due_days, _, _) = TERMS[vendor.term % TERMS.len()];
            let lines = self.rng.random_range(1..=3);
            let mut total = Decimal::ZERO;
            let mut line_values = Vec::new();
            // Deliberate problems, in messy books only.
            let messy = self.params.messy;
            let uncategorized = messy && i % 30 == 3;
            let duplicate = messy && i % 100 == 5 && previous.is_some();
            let no_due_date = messy && i % 40 == 1;
            // A retailer stocks up the month before its sales.
            let pct = self.params.spend_pct * self.season(txn_date, 1) / 100;
            for n in 0..lines {
                let amount = self.amount_pct(2_000, 250_000, pct);
                total += amount;
                let account = if uncategorized {
                    "Uncategorized Expense"
                } else if messy {
                    *self
                        .chart
                        .expense
                        .choose(&mut self.rng)
                        .unwrap_or(&"Uncategorized Expense")
                } else {
                    vendor.usual
                };
                if !duplicate {
                    self.post(account, Self::home_amount(amount, vendor.currency));
                }
                line_values.push(json!({
                    "Id": (n + 1).to_string(), "LineNum": n + 1, "Amount": num(amount),
                    "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": { "AccountRef": self.chart.r(account), "BillableStatus": "NotBillable" },
                }));
            }
            let mut body = json!({
                "VendorRef": reference(vendor.id, &vendor.name),
                "APAccountRef": self.chart.r("Accounts Payable (A/P)"),
                "TxnDate": txn_date.to_string(),
                "DueDate": (txn_date + Duration::days(due_days)).to_string(),
                "SalesTermRef": self.term_ref(vendor.term),
                "DocNumber": format!("{}-{}", vendor.name.chars().take(3).collect::<String>().to_uppercase(), 1000 + i),
                "TotalAmt": num(total),
                "Balance": num(total),
                "Line": line_values,
            });
            if let Some(obj) = body.as_object_mut() {
                Self::currency_fields(obj, vendor.currency);
                if uncategorized {
                    obj.insert("PrivateNote".into(), json!("receipt lost, category unknown"));
                }
                if no_due_date {
                    // Deliberate problem: a bill without a due date.
                    obj.remove("DueDate");
                    obj.remove("SalesTermRef");
                }
            }
            if duplicate && let Some(prev) = previous.clone() {
                // Deliberate problem: the previous bill entered twice.
                body = prev;
                total = crate::money::field(&body, "TotalAmt");
                for line in body["Line"].as_array().cloned().unwrap_or_default() {
                    let name = line["AccountBasedExpenseLineDetail"]["AccountRef"]["name"]
                        .as_str()
                        .unwrap_or_default();
                    if let Some(account) = SPEND
                        .iter()
                        .chain(["Uncategorized Expense"].iter())
                        .copied()
                        .find(|a| *a == name)
                    {
                        self.post(
                            account,
                            Self::home_amount(crate::money::field(&line, "Amount"), vendor_currency(&body)),
                        );
                    }
                }
            }
            let home = Self::home_amount(total, vendor_currency(&body));
            self.post("Accounts Payable (A/P)", home);
            let vendor_id = body["VendorRef"]["value"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(vendor.id);
            *self.party_balance.entry(vendor_id).or_default() += total;
            previous = Some(body.clone());
            let updated = self.updated_after(created);
            let row = self.realm.insert(Kind::Bill, body, created, updated);
            let due_in = if row.get("DueDate").is_some() { due_days } else { 0 };
            out.push((id_of(&row), vendor_id, created, total, vendor_currency(&row), due_in));
        }
        out
    }

    /// Invoices, spread evenly over the history.
    fn invoices(&mut self, count: usize) -> Vec<Doc> {
        let mut out = Vec::new();
        for i in 0..count {
            let Some(customer) = self.pick(false) else { break };
            let created = self.spread_instant(i, count);
            let txn_date = self.local_date(created);
            let pct = self.params.revenue_pct * self.season(txn_date, 0) / 100;
            let (_, due_days, _, _) = TERMS[customer.term % TERMS.len()];
            let lines = self.rng.random_range(1..=3);
            let mut total = Decimal::ZERO;
            let mut line_values = Vec::new();
            for n in 0..lines {
                let qty = self.rng.random_range(1..=10);
                let price = self.amount_pct(5_000, 60_000, pct);
                let amount = price * Decimal::from(qty);
                total += amount;
                let item = self.rng.random_range(0..3usize);
                let (item_name, income) = [
                    ("Services", "Services"),
                    ("Hardware", "Sales of Product Income"),
                    ("Consulting", "Consulting Income"),
                ][item];
                self.post(income, Self::home_amount(amount, customer.currency));
                let memo = names::INCOME_MEMOS.choose(&mut self.rng).copied().unwrap_or("Services");
                let item_id = self.realm.kind_rows(Kind::Item).nth(item).map(id_of).unwrap_or(0);
                line_values.push(json!({
                    "Id": (n + 1).to_string(), "LineNum": n + 1, "Description": memo, "Amount": num(amount),
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": { "ItemRef": reference(item_id, item_name), "UnitPrice": num(price), "Qty": qty },
                }));
            }
            line_values
                .push(json!({ "Amount": num(total), "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {} }));
            let roll = self.rng.random_range(0..100);
            let email_status = if !self.params.messy || roll < 85 {
                "EmailSent"
            } else if roll < 95 {
                "NeedToSend"
            } else {
                "NotSet"
            };
            let slug: String = customer
                .name
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_lowercase();
            let mut body = json!({
                "CustomerRef": reference(customer.id, &customer.name),
                "TxnDate": txn_date.to_string(),
                "DueDate": (txn_date + Duration::days(due_days)).to_string(),
                "SalesTermRef": self.term_ref(customer.term),
                "DocNumber": (1001 + i).to_string(),
                "TotalAmt": num(total),
                "Balance": num(total),
                "EmailStatus": email_status,
                "BillEmail": { "Address": format!("billing@{slug}.example") },
                "Line": line_values,
                "LinkedTxn": [],
            });
            if let Some(obj) = body.as_object_mut() {
                Self::currency_fields(obj, customer.currency);
            }
            self.post("Accounts Receivable (A/R)", Self::home_amount(total, customer.currency));
            *self.party_balance.entry(customer.id).or_default() += total;
            let updated = self.updated_after(created);
            let row = self.realm.insert(Kind::Invoice, body, created, updated);
            out.push((id_of(&row), customer.id, created, total, customer.currency, due_days));
        }
        out
    }

    /// How a document gets settled: (percent, days after its date) per
    /// payment, only those dated before now. It falls due `due_in` days
    /// after its date and is paid `late` days past that (negative: early);
    /// a few (`bad_per_mille`) go bad: those of the last year stay open,
    /// older ones were collected months late. One in twenty is paid in two
    /// parts, so a document can stand partly paid.
    fn settle_plan(
        &mut self,
        created: DateTime<Utc>,
        due_in: i64,
        late: (i64, i64),
        bad_per_mille: u32,
    ) -> Vec<(i64, i64)> {
        let age = (self.now - created).num_days();
        let bad = self.rng.random_range(0..1000) < bad_per_mille;
        let days = if bad {
            if age < 365 {
                return Vec::new();
            }
            due_in + self.rng.random_range(100..200)
        } else {
            (due_in + self.rng.random_range(late.0..=late.1)).max(0)
        };
        let plan = if self.rng.random_range(0..100) < 5 {
            let first = (days - self.rng.random_range(7..21)).max(0);
            vec![(40, first), (60, days)]
        } else {
            vec![(100, days)]
        };
        plan.into_iter().filter(|(_, d)| *d < age).collect()
    }

    /// How much of its average month a retailer sells in `date`'s month
    /// (`ahead` months later for stock bought ahead), percent; 100 for
    /// other profiles.
    fn season(&self, date: NaiveDate, ahead: u32) -> i64 {
        if !self.params.retail {
            return 100;
        }
        season_pct((date.month0() + ahead) % 12 + 1)
    }

    /// Bill payments linked to bills; bills' balances and LinkedTxn follow.
    fn bill_payments(&mut self, bills: &[Doc]) {
        for &(bill_id, vendor_id, created, total, currency, due_in) in bills {
            let plan = self.settle_plan(created, due_in, self.params.bill_jitter, self.params.bad_bill_per_mille);
            let mut paid = Decimal::ZERO;
            for (k, (percent, days)) in plan.iter().enumerate() {
                let amount = if k + 1 == plan.len() && *percent == 60 {
                    total - paid
                } else {
                    (total * Decimal::new(*percent, 2)).round_dp(2)
                };
                if amount <= Decimal::ZERO {
                    continue;
                }
                paid += amount;
                let when = (created + Duration::days(*days)).min(self.now - Duration::hours(1));
                let by_card = self.rng.random_bool(0.2);
                let vendor = self.vendors.iter().find(|v| v.id == vendor_id).cloned();
                let vendor_name = vendor.as_ref().map(|v| v.name.clone()).unwrap_or_default();
                let paid = PaidBill {
                    bill_id,
                    vendor: reference(vendor_id, &vendor_name),
                    amount,
                    currency,
                    by_card,
                };
                self.pay_bill(&paid, when);
            }
        }
    }

    /// A bill payment of `paid.amount` on `paid.bill_id` at `when`, by card
    /// or by check from Checking, posted and linked both ways.
    pub(crate) fn pay_bill(&mut self, paid: &PaidBill, when: DateTime<Utc>) {
        let PaidBill {
            bill_id,
            ref vendor,
            amount,
            currency,
            by_card,
        } = *paid;
        let vendor_id: u64 = vendor["value"].as_str().and_then(|s| s.parse().ok()).unwrap_or(0);
        let mut body = json!({
            "VendorRef": vendor,
            "PayType": if by_card { "CreditCard" } else { "Check" },
            "TxnDate": self.local_date(when).to_string(),
            "TotalAmt": num(amount),
            "APAccountRef": self.chart.r("Accounts Payable (A/P)"),
            "Line": [{ "Amount": num(amount), "LinkedTxn": [{ "TxnId": bill_id.to_string(), "TxnType": "Bill" }] }],
        });
        let home = Self::home_amount(amount, currency);
        if by_card {
            body["CreditCardPayment"] = json!({ "CCAccountRef": self.chart.r("Mastercard") });
            self.post("Mastercard", home);
        } else {
            body["CheckPayment"] = json!({ "BankAccountRef": self.chart.r("Checking"), "PrintStatus": "NotSet" });
            self.post("Checking", -home);
        }
        if let Some(obj) = body.as_object_mut() {
            Self::currency_fields(obj, currency);
        }
        self.post("Accounts Payable (A/P)", -home);
        *self.party_balance.entry(vendor_id).or_default() -= amount;
        let row = self.realm.insert(Kind::BillPayment, body, when, when);
        let pay_type = if by_card {
            "BillPaymentCreditCard"
        } else {
            "BillPaymentCheck"
        };
        self.apply_to(Kind::Bill, bill_id, amount, id_of(&row), pay_type, when);
    }

    /// Reduces a document's balance and links the payment to it.
    pub fn apply_to(
        &mut self,
        kind: Kind,
        doc_id: u64,
        amount: Decimal,
        payment_id: u64,
        pay_type: &str,
        when: DateTime<Utc>,
    ) {
        let offset = self.offset();
        if let Some(row) = self.realm.rows.get_mut(&kind).and_then(|rows| rows.get_mut(&doc_id)) {
            let balance = crate::money::field(row, "Balance") - amount;
            row["Balance"] = num(balance.max(Decimal::ZERO));
            let link = json!({ "TxnId": payment_id.to_string(), "TxnType": pay_type });
            match row.get_mut("LinkedTxn").and_then(Value::as_array_mut) {
                Some(list) => list.push(link),
                None => row["LinkedTxn"] = json!([link]),
            }
            crate::store::touch(row, when, offset);
        }
    }

    /// Customer payments linked to invoices; returns the ones left in
    /// Undeposited Funds: (id, instant, home amount).
    fn payments(&mut self, invoices: &[Doc]) -> Vec<(u64, DateTime<Utc>, Decimal)> {
        let mut undeposited = Vec::new();
        // Deliberate problem of messy books: an overdue invoice never sent.
        let mut never_sent_done = !self.params.messy;
        for &(invoice_id, customer_id, created, total, currency, due_in) in invoices {
            let lateness = self
                .customers
                .iter()
                .find(|c| c.id == customer_id)
                .map_or(0, |c| c.lateness);
            let late = (lateness - 5, lateness + 10);
            let plan = self.settle_plan(created, due_in, late, self.params.bad_debt_per_mille);
            if plan.is_empty() && !never_sent_done && (self.now - created).num_days() > 75 {
                // Deliberate problem: an overdue invoice that was never sent.
                if let Some(row) = self
                    .realm
                    .rows
                    .get_mut(&Kind::Invoice)
                    .and_then(|r| r.get_mut(&invoice_id))
                {
                    row["EmailStatus"] = json!("NotSet");
                    never_sent_done = true;
                }
            }
            let mut paid = Decimal::ZERO;
            for (k, (percent, days)) in plan.iter().enumerate() {
                let amount = if k + 1 == plan.len() && *percent == 60 {
                    total - paid
                } else {
                    (total * Decimal::new(*percent, 2)).round_dp(2)
                };
                if amount <= Decimal::ZERO {
                    continue;
                }
                paid += amount;
                let when = (created + Duration::days(*days)).min(self.now - Duration::hours(1));
                let to_uf = self.rng.random_bool(if self.params.messy { 0.9 } else { 0.7 });
                let customer_name = self
                    .customers
                    .iter()
                    .find(|c| c.id == customer_id)
                    .map(|c| c.name.clone())
                    .unwrap_or_default();
                let deposit_to = if to_uf { "Undeposited Funds" } else { "Checking" };
                let mut body = json!({
                    "CustomerRef": reference(customer_id, &customer_name),
                    "TxnDate": self.local_date(when).to_string(),
                    "TotalAmt": num(amount),
                    "UnappliedAmt": num(Decimal::ZERO),
                    "DepositToAccountRef": self.chart.r(deposit_to),
                    "ARAccountRef": self.chart.r("Accounts Receivable (A/R)"),
                    "PaymentRefNum": format!("{}", 5000 + self.rng.random_range(0..90000)),
                    "Line": [{ "Amount": num(amount), "LinkedTxn": [{ "TxnId": invoice_id.to_string(), "TxnType": "Invoice" }] }],
                });
                if let Some(obj) = body.as_object_mut() {
                    Self::currency_fields(obj, currency);
                }
                let home = Self::home_amount(amount, currency);
                self.post(deposit_to, home);
                self.post("Accounts Receivable (A/R)", -home);
                *self.party_balance.entry(customer_id).or_default() -= amount;
                let row = self.realm.insert(Kind::Payment, body, when, when);
                let payment_id = id_of(&row);
                self.apply_to(Kind::Invoice, invoice_id, amount, payment_id, "Payment", when);
                if to_uf {
                    undeposited.push((payment_id, when, home));
                }
            }
        }
        // Deliberate problem of messy books: payments received but applied to nothing.
        for _ in 0..if self.params.messy { 5 } else { 0 } {
            let Some(customer) = self.pick(false) else { break };
            let when = self.past_instant(10, 120);
            let amount = self.amount(10_000, 150_000);
            let body = json!({
                "CustomerRef": reference(customer.id, &customer.name),
                "TxnDate": self.local_date(when).to_string(),
                "TotalAmt": num(amount),
                "UnappliedAmt": num(amount),
                "DepositToAccountRef": self.chart.r("Checking"),
                "ARAccountRef": self.chart.r("Accounts Receivable (A/R)"),
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                "Line": [],
            });
            self.post("Checking", amount);
            self.post("Accounts Receivable (A/R)", -amount);
            *self.party_balance.entry(customer.id).or_default() -= amount;
            self.realm.insert(Kind::Payment, body, when, when);
        }
        undeposited
    }

    /// Purchases: cash, check or card spending; a few without payee or category.
    fn purchases(&mut self, count: usize) {
        let messy = self.params.messy;
        for i in 0..count {
            let created = self.spread_instant(i, count);
            let roll = self.rng.random_range(0..100);
            let (payment_type, account) = if roll < 45 {
                ("CreditCard", "Mastercard")
            } else if roll < 75 {
                ("Check", "Checking")
            } else {
                ("Cash", "Checking")
            };
            let amount = self.amount_pct(500, 120_000, self.params.spend_pct);
            let vendor = self.pick(true);
            let expense = if messy && i % 10 == 7 {
                "Uncategorized Expense"
            } else if let (false, Some(v)) = (messy, &vendor) {
                v.usual
            } else {
                *self.chart.expense.choose(&mut self.rng).unwrap_or(&"Office Supplies")
            };
            let mut body = json!({
                "PaymentType": payment_type,
                "AccountRef": self.chart.r(account),
                "TxnDate": self.local_date(created).to_string(),
                "TotalAmt": num(amount),
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                "Line": [{
                    "Id": "1", "Amount": num(amount), "DetailType": "AccountBasedExpenseLineDetail",
                    "AccountBasedExpenseLineDetail": { "AccountRef": self.chart.r(expense), "BillableStatus": "NotBillable" },
                }],
            });
            if payment_type == "Check" {
                body["DocNumber"] = json!((7000 + i).to_string());
            }
            // Deliberate problem of messy books: some purchases have no payee.
            if !(messy && i % 6 == 1)
                && let Some(vendor) = vendor
            {
                body["EntityRef"] = json!({ "value": vendor.id.to_string(), "name": vendor.name, "type": "Vendor" });
            }
            if account == "Mastercard" {
                self.post("Mastercard", amount);
            } else {
                self.post("Checking", -amount);
            }
            self.post(expense, amount);
            let updated = self.updated_after(created);
            self.realm.insert(Kind::Purchase, body, created, updated);
        }
    }

    /// Deposits of Undeposited Funds payments into Checking, topped up with
    /// other income (interest, refunds) to reach `target`.
    fn deposits(&mut self, mut undeposited: Vec<(u64, DateTime<Utc>, Decimal)>, target: usize) {
        if target == 0 {
            return;
        }
        undeposited.sort_by_key(|(_, t, _)| *t);
        // Payments of the last few days stay in Undeposited Funds; messy
        // books stopped depositing six weeks ago.
        let cutoff = self.now - Duration::days(if self.params.messy { 45 } else { 4 });
        let ready: Vec<_> = undeposited.iter().copied().filter(|(_, t, _)| *t < cutoff).collect();
        let group = (ready.len() / target.max(1)).max(1) + 1;
        let mut made = 0;
        for chunk in ready.chunks(group) {
            if made >= target {
                break;
            }
            let last = chunk.iter().map(|(_, t, _)| *t).max().unwrap_or(self.now);
            let when = (last + Duration::days(self.rng.random_range(1..3))).min(self.now - Duration::hours(2));
            let total: Decimal = chunk.iter().map(|(_, _, a)| *a).sum();
            let lines: Vec<Value> = chunk
                .iter()
                .map(|(id, _, amount)| json!({ "Amount": num(*amount), "LinkedTxn": [{ "TxnId": id.to_string(), "TxnType": "Payment", "TxnLineId": "0" }] }))
                .collect();
            let body = json!({
                "DepositToAccountRef": self.chart.r("Checking"),
                "TxnDate": self.local_date(when).to_string(),
                "TotalAmt": num(total),
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                "Line": lines,
            });
            self.post("Undeposited Funds", -total);
            self.post("Checking", total);
            self.realm.insert(Kind::Deposit, body, when, when);
            made += 1;
        }
        while made < target {
            let when = self.past_instant(0, HISTORY_DAYS);
            let amount = self.amount(100, 40_000);
            let source = if !self.params.messy || self.rng.random_bool(0.5) {
                "Interest Earned"
            } else {
                "Uncategorized Income"
            };
            let body = json!({
                "DepositToAccountRef": self.chart.r("Checking"),
                "TxnDate": self.local_date(when).to_string(),
                "TotalAmt": num(amount),
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                "Line": [{ "Amount": num(amount), "DetailType": "DepositLineDetail", "DepositLineDetail": { "AccountRef": self.chart.r(source) } }],
            });
            self.post("Checking", amount);
            self.post(source, amount);
            self.realm.insert(Kind::Deposit, body, when, when);
            made += 1;
        }
    }

    /// Opening balances, then every account's and party's `Balance` written back.
    fn finish_balances(&mut self) {
        let (opening, savings) = match self.params.runway_months {
            Some(runway) => self.fund_startup(runway),
            None => (
                self.amount_pct(2_500_000, 9_000_000, self.scale_pct),
                self.amount_pct(1_000_000, 5_000_000, self.scale_pct),
            ),
        };
        if let Some(cushion) = self.params.cash_cushion {
            self.owner_draws(cushion, (opening, savings));
        }
        self.opening_entries(opening, savings);
        let ids = self.chart.by_name.clone();
        for (name, id) in ids {
            let balance = self.ledger.get(name).copied().unwrap_or_default();
            if let Some(row) = self.realm.rows.get_mut(&Kind::Account).and_then(|r| r.get_mut(&id)) {
                row["CurrentBalance"] = num(balance);
                row["CurrentBalanceWithSubAccounts"] = num(balance);
            }
        }
        for kind in [Kind::Vendor, Kind::Customer] {
            let balances = self.party_balance.clone();
            if let Some(rows) = self.realm.rows.get_mut(&kind) {
                for (id, row) in rows.iter_mut() {
                    row["Balance"] = num(balances.get(id).copied().unwrap_or_default());
                }
            }
        }
    }
}

/// One payment of a bill: which bill, the vendor's reference, the amount
/// in the bill's currency, and whether a card pays it (else a check from
/// Checking).
pub(crate) struct PaidBill {
    pub bill_id: u64,
    pub vendor: Value,
    pub amount: Decimal,
    pub currency: Currency,
    pub by_card: bool,
}

/// A bill or invoice as payments see it: id, party id, instant, total,
/// currency, days from its date to its due date.
type Doc = (u64, u64, DateTime<Utc>, Decimal, Currency, i64);

fn vendor_currency(row: &Value) -> Currency {
    let code = row["CurrencyRef"]["value"].as_str().unwrap_or(HOME.code);
    FOREIGN.iter().copied().find(|c| c.code == code).unwrap_or(HOME)
}

/// The numeric id of a row.
pub(crate) fn id_of(row: &Value) -> u64 {
    row.get("Id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::field;

    fn realm(size: Size, multi: bool) -> RealmData {
        let now = DateTime::parse_from_rfc3339("2026-11-22T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        generate_realm(
            "123",
            7,
            size,
            Profile::MessyBooks,
            multi,
            FixedOffset::west_opt(8 * 3600).unwrap(),
            now,
        )
    }

    #[test]
    fn is_deterministic() {
        let a = realm(Size::Small, true);
        let b = realm(Size::Small, true);
        assert_eq!(a.rows, b.rows);
    }

    #[test]
    fn typical_books_have_the_stated_shape_and_consistent_balances() {
        let r = realm(Size::Typical, false);
        let count = |k| r.kind_rows(k).count();
        // 30 drawn, plus the payroll provider and the state tax agency.
        assert_eq!(count(Kind::Vendor), 32);
        assert_eq!(count(Kind::Customer), 40);
        // 300 drawn, plus a bill a month from the payroll provider and one
        // from the state for each of the 23 past months with a payroll.
        let obligations = |vendor: &str| {
            r.kind_rows(Kind::Bill)
                .filter(|b| b["VendorRef"]["name"] == vendor)
                .count()
        };
        assert_eq!(obligations("Gusto"), 23);
        assert_eq!(obligations("Employment Development Department"), 23);
        assert_eq!(count(Kind::Bill), 300 + 2 * 23);
        assert_eq!(count(Kind::Invoice), 300);
        assert!((200..=300).contains(&count(Kind::Payment)), "{}", count(Kind::Payment));
        assert!(
            (240..=350).contains(&count(Kind::BillPayment)),
            "{}",
            count(Kind::BillPayment)
        );
        assert_eq!(count(Kind::Purchase), 200);
        assert_eq!(count(Kind::Deposit), 60);
        assert!(count(Kind::Account) >= 25);
        // Invoice balance = total - linked payments.
        let payments: HashMap<String, Decimal> = r
            .kind_rows(Kind::Payment)
            .map(|p| (p["Id"].as_str().unwrap().to_string(), field(p, "TotalAmt")))
            .collect();
        for inv in r.kind_rows(Kind::Invoice) {
            let paid: Decimal = inv["LinkedTxn"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| payments[l["TxnId"].as_str().unwrap()])
                .sum();
            assert_eq!(field(inv, "Balance"), field(inv, "TotalAmt") - paid);
        }
        // A/R equals the open invoices less unapplied payments and open credits.
        let open: Decimal = r.kind_rows(Kind::Invoice).map(|i| field(i, "Balance")).sum();
        let unapplied: Decimal = r.kind_rows(Kind::Payment).map(|p| field(p, "UnappliedAmt")).sum();
        let credits: Decimal = r.kind_rows(Kind::CreditMemo).map(|m| field(m, "Balance")).sum();
        let account = |name: &str| {
            field(
                r.kind_rows(Kind::Account).find(|a| a["Name"] == name).unwrap(),
                "CurrentBalance",
            )
        };
        assert_eq!(account("Accounts Receivable (A/R)"), open - unapplied - credits);
        // The full books: every posting kind is there, and the bank accounts
        // equal their postings, opening balances included.
        for kind in [
            Kind::JournalEntry,
            Kind::Transfer,
            Kind::SalesReceipt,
            Kind::RefundReceipt,
            Kind::CreditMemo,
            Kind::VendorCredit,
            Kind::CreditCardPayment,
            Kind::Class,
            Kind::Department,
        ] {
            assert!(count(kind) > 0, "{kind:?}");
        }
        let journal = |name: &str| -> Decimal {
            r.kind_rows(Kind::JournalEntry)
                .flat_map(|je| je["Line"].as_array().unwrap().iter())
                .filter(|l| l["JournalEntryLineDetail"]["AccountRef"]["name"] == name)
                .map(|l| {
                    let amount = field(l, "Amount");
                    if l["JournalEntryLineDetail"]["PostingType"] == "Debit" {
                        amount
                    } else {
                        -amount
                    }
                })
                .sum()
        };
        let transfers = |name: &str| -> Decimal {
            r.kind_rows(Kind::Transfer)
                .map(|t| {
                    let amount = field(t, "Amount");
                    if t["ToAccountRef"]["name"] == name {
                        amount
                    } else if t["FromAccountRef"]["name"] == name {
                        -amount
                    } else {
                        Decimal::ZERO
                    }
                })
                .sum()
        };
        assert_eq!(
            account("Savings"),
            journal("Savings") + transfers("Savings"),
            "savings moves only by transfers"
        );
        let card_paid: Decimal = r.kind_rows(Kind::CreditCardPayment).map(|p| field(p, "Amount")).sum();
        let card_charged: Decimal = r
            .kind_rows(Kind::Purchase)
            .filter(|p| p["AccountRef"]["name"] == "Mastercard")
            .chain(
                r.kind_rows(Kind::BillPayment)
                    .filter(|p| p["CreditCardPayment"]["CCAccountRef"]["name"] == "Mastercard"),
            )
            .map(|p| field(p, "TotalAmt"))
            .sum();
        assert_eq!(account("Mastercard"), card_charged - card_paid);
        assert!(
            card_paid > Decimal::ZERO && card_charged > card_paid,
            "last month's charges stay owed"
        );
        // Deliberate problems are there.
        assert!(r.kind_rows(Kind::Bill).any(|b| b.get("DueDate").is_none()));
        assert!(r.kind_rows(Kind::Purchase).any(|p| p.get("EntityRef").is_none()));
        assert!(
            r.kind_rows(Kind::Payment)
                .any(|p| field(p, "UnappliedAmt") > Decimal::ZERO)
        );
        assert!(
            r.kind_rows(Kind::Invoice)
                .any(|i| i["EmailStatus"] == "NotSet" && field(i, "Balance") > Decimal::ZERO)
        );
        let docs: Vec<_> = r
            .kind_rows(Kind::Bill)
            .map(|b| (b["DocNumber"].clone(), b["TotalAmt"].to_string()))
            .collect();
        let unique: std::collections::HashSet<_> = docs.iter().collect();
        assert!(unique.len() < docs.len(), "a duplicate bill");
    }

    #[test]
    fn multi_currency_realms_carry_exchange_rates() {
        let r = realm(Size::Small, true);
        assert!(
            r.kind_rows(Kind::Customer)
                .chain(r.kind_rows(Kind::Vendor))
                .any(|c| c["CurrencyRef"]["value"] != "USD")
        );
        let r = realm(Size::Typical, true);
        assert!(
            r.kind_rows(Kind::Invoice)
                .chain(r.kind_rows(Kind::Bill))
                .any(|i| i.get("ExchangeRate").is_some())
        );
    }
}

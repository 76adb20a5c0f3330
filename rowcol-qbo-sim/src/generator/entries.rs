//! The entries a real client's books hold beside bills and invoices:
//! opening balances and payroll as journal entries (as QBO records opening
//! balances, and as payroll providers such as Gusto post a payroll),
//! transfers between checking and savings, the card statement paid monthly,
//! cash sales, customer and vendor credits, refunds, classes and
//! departments. Every entry posts to the generator's ledger, so account
//! balances stay equal to their postings.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::books::{Books, HOME, id_of, reference};
use crate::money::{field, num};
use crate::store::Kind;

/// A journal line posting `amount` to `account` on `side` (`Debit` or `Credit`).
fn je_line(id: usize, side: &str, account: Value, amount: Decimal, description: &str) -> Value {
    json!({
        "Id": id.to_string(), "Amount": num(amount), "Description": description,
        "DetailType": "JournalEntryLineDetail",
        "JournalEntryLineDetail": { "PostingType": side, "AccountRef": account },
    })
}

/// The state's share of a payroll's taxes (unemployment and training
/// taxes), of the gross wages: billed by the state each month, not remitted
/// with the federal share.
const STATE_TAX_SHARE: Decimal = Decimal::from_parts(34, 0, 0, false, 3);

/// One month's payroll, as the payroll provider and the state bill it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PayrollMonth {
    /// The month's last day (the bills are dated then).
    pub last_day: NaiveDate,
    /// Gross wages of the month's runs.
    pub gross: Decimal,
    /// The state's share of the taxes withheld in the month.
    pub state_tax: Decimal,
}

impl Books {
    /// 10:00 local on `date`, never later than a few minutes ago.
    pub(crate) fn at(&self, date: NaiveDate) -> DateTime<Utc> {
        let local = date.and_hms_opt(10, 0, 0).unwrap_or_default();
        let utc = local - chrono::Duration::seconds(i64::from(self.realm.offset.local_minus_utc()));
        utc.and_utc().min(self.now - chrono::Duration::minutes(5))
    }

    /// The first of each month of the history, oldest first, this month last.
    pub(crate) fn month_starts(&self) -> Vec<NaiveDate> {
        let today = self.realm_today();
        let first = today.with_day(1).unwrap_or(today);
        (0..24u32)
            .rev()
            .filter_map(|back| first.checked_sub_months(Months::new(back)))
            .collect()
    }

    /// A reference to the generated item `name` (its income account is
    /// where a sales line of it posts).
    pub(crate) fn item_ref(&self, name: &str) -> Value {
        let id = self
            .realm
            .kind_rows(Kind::Item)
            .find(|i| i["Name"] == name)
            .map_or(0, id_of);
        reference(id, name)
    }

    pub(crate) fn realm_today(&self) -> NaiveDate {
        self.now.with_timezone(&self.realm.offset).date_naive()
    }

    /// A journal entry of `lines` (name, side, amount) dated `date`, posted
    /// to the ledger (debits raise assets and expenses, as `post` reads them).
    pub(crate) fn journal(&mut self, date: NaiveDate, memo: &str, lines: &[(&'static str, &str, Decimal)]) {
        let debits: Decimal = lines.iter().filter(|l| l.1 == "Debit").map(|l| l.2).sum();
        let body_lines: Vec<Value> = lines
            .iter()
            .enumerate()
            .map(|(i, (account, side, amount))| je_line(i, side, self.chart.r(account), *amount, memo))
            .collect();
        for (account, side, amount) in lines {
            let signed = if *side == "Debit" { *amount } else { -*amount };
            // The ledger keeps liabilities, equity and income as positive
            // balances: a credit raises them.
            let delta = if self.chart.credit_normal(account) {
                -signed
            } else {
                signed
            };
            self.post(account, delta);
        }
        let when = self.at(date);
        self.realm.insert(
            Kind::JournalEntry,
            json!({
                "TxnDate": date.to_string(), "PrivateNote": memo, "Adjustment": false,
                "TotalAmt": num(debits),
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                "Line": body_lines,
            }),
            when,
            when,
        );
    }

    /// Opening balances of the bank accounts, as journal entries against
    /// Opening Balance Equity dated the day before the history starts.
    pub(crate) fn opening_entries(&mut self, checking: Decimal, savings: Decimal) {
        let start = self
            .month_starts()
            .first()
            .copied()
            .unwrap_or_else(|| self.realm_today());
        let date = start.pred_opt().unwrap_or(start);
        for (account, amount) in [("Checking", checking), ("Savings", savings)] {
            self.journal(
                date,
                "Opening balance",
                &[(account, "Debit", amount), ("Opening Balance Equity", "Credit", amount)],
            );
        }
    }

    /// Payroll twice a month (the 15th and the month's last day: wages
    /// debited, net pay and withheld taxes credited), the federal share of
    /// the taxes remitted on the 10th of the next month (the state's share
    /// is billed by the state, see `payroll_bills`; small books remit it
    /// all), a transfer to savings
    /// on the 1st, and the card's charges of each month paid on the 15th of
    /// the next. Each month's wages and state share are kept for the bills.
    pub(crate) fn recurring_entries(&mut self) {
        let (low, high) = self.params.payroll_gross;
        let gross = self.amount_pct(low, high, self.scale_pct);
        let today = self.realm_today();
        let months = self.month_starts();
        let mut withheld = Decimal::ZERO;
        for (i, month) in months.iter().enumerate() {
            if i > 0 && !withheld.is_zero() && month.with_day(10).is_some_and(|d| d <= today) {
                let date = month.with_day(10).unwrap_or(*month);
                self.journal(
                    date,
                    "Payroll tax remittance",
                    &[
                        ("Payroll Liabilities", "Debit", withheld),
                        ("Checking", "Credit", withheld),
                    ],
                );
                withheld = Decimal::ZERO;
            }
            let last = month
                .checked_add_months(Months::new(1))
                .and_then(|next| next.pred_opt())
                .unwrap_or(*month);
            let mut paid = PayrollMonth {
                last_day: last,
                gross: Decimal::ZERO,
                state_tax: Decimal::ZERO,
            };
            for day in [month.with_day(15).unwrap_or(*month), last] {
                if day > today {
                    continue;
                }
                let taxes = (gross * Decimal::new(22, 2)).round_dp(2);
                let state = if self.bills_payroll_obligations() {
                    (gross * STATE_TAX_SHARE).round_dp(2)
                } else {
                    Decimal::ZERO
                };
                self.journal(
                    day,
                    "Payroll (Gusto)",
                    &[
                        ("Payroll Expenses", "Debit", gross),
                        ("Checking", "Credit", gross - taxes),
                        ("Payroll Liabilities", "Credit", taxes),
                    ],
                );
                withheld += taxes - state;
                paid.gross += gross;
                paid.state_tax += state;
            }
            if !paid.gross.is_zero() {
                self.payroll_months.push(paid);
            }
            if i % 6 == 5 {
                let back = self.amount_pct(50_000, 200_000, self.scale_pct);
                self.transfer(*month, "Savings", "Checking", back);
            } else {
                let saved = self.amount_pct(20_000, 100_000, self.scale_pct);
                self.transfer(*month, "Checking", "Savings", saved);
            }
        }
        self.card_statements(&months);
    }

    pub(crate) fn transfer(&mut self, date: NaiveDate, from: &'static str, to: &'static str, amount: Decimal) {
        self.post(from, -amount);
        self.post(to, amount);
        let when = self.at(date);
        self.realm.insert(
            Kind::Transfer,
            json!({
                "TxnDate": date.to_string(), "Amount": num(amount),
                "FromAccountRef": self.chart.r(from), "ToAccountRef": self.chart.r(to),
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
            }),
            when,
            when,
        );
    }

    /// Each past month's card charges (purchases and bills paid by card)
    /// paid from checking on the 15th of the next month (the current
    /// month's charges stay owed).
    fn card_statements(&mut self, months: &[NaiveDate]) {
        let card = self.chart.r("Mastercard");
        let dated = |row: &Value| -> Option<(NaiveDate, Decimal)> {
            let date = NaiveDate::parse_from_str(row["TxnDate"].as_str()?, "%Y-%m-%d").ok()?;
            Some((date, field(row, "TotalAmt")))
        };
        // Card purchases and bills paid by card.
        let charges: Vec<(NaiveDate, Decimal)> = self
            .realm
            .kind_rows(Kind::Purchase)
            .filter(|p| p["AccountRef"]["value"] == card["value"])
            .chain(
                self.realm
                    .kind_rows(Kind::BillPayment)
                    .filter(|p| p["CreditCardPayment"]["CCAccountRef"]["value"] == card["value"]),
            )
            .filter_map(dated)
            .collect();
        let today = self.realm_today();
        for pair in months.windows(2) {
            let (month, next) = (pair[0], pair[1]);
            let owed: Decimal = charges
                .iter()
                .filter(|(d, _)| *d >= month && *d < next)
                .map(|(_, a)| *a)
                .sum();
            let paid_on = next.with_day(15).unwrap_or(next);
            if owed.is_zero() || paid_on > today {
                continue;
            }
            self.post("Mastercard", -owed);
            self.post("Checking", -owed);
            let when = self.at(paid_on);
            self.realm.insert(
                Kind::CreditCardPayment,
                json!({
                    "TxnDate": paid_on.to_string(), "Amount": num(owed),
                    "CreditCardAccountRef": self.chart.r("Mastercard"),
                    "BankAccountRef": self.chart.r("Checking"),
                    "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                }),
                when,
                when,
            );
        }
    }

    /// Cash sales, refunds, and (for profiles with `open_credits`) customer
    /// and vendor credits left open (so they show in aging as credits), for
    /// home-currency parties.
    pub(crate) fn cash_sales_and_credits(&mut self, scale: usize) {
        for _ in 0..(24 * scale).div_ceil(10) {
            let created = self.past_instant(1, 700);
            let amount = self.amount(5_000, 90_000);
            let customer = self.pick(false).filter(|c| c.currency.code == HOME.code);
            let mut body = json!({
                "TxnDate": self.local_date(created).to_string(), "TotalAmt": num(amount), "Balance": 0,
                "DepositToAccountRef": self.chart.r("Checking"),
                "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                "Line": [{ "Id": "1", "Amount": num(amount), "DetailType": "SalesItemLineDetail",
                           "SalesItemLineDetail": { "ItemRef": self.item_ref("Hardware") } }],
            });
            if let Some(c) = &customer {
                body["CustomerRef"] = reference(c.id, &c.name);
            }
            self.post("Checking", amount);
            self.post("Sales of Product Income", amount);
            self.realm.insert(Kind::SalesReceipt, body, created, created);
        }
        for i in 0..(6 * scale).div_ceil(10) {
            let Some(customer) = self.pick(false).filter(|c| c.currency.code == HOME.code) else {
                continue;
            };
            let created = self.past_instant(1, 300);
            let amount = self.amount(2_000, 40_000);
            let date = self.local_date(created).to_string();
            let line = json!([{ "Id": "1", "Amount": num(amount), "DetailType": "SalesItemLineDetail",
                                "SalesItemLineDetail": { "ItemRef": self.item_ref("Services") } }]);
            if i % 3 != 2 && !self.params.open_credits {
                continue;
            }
            if i % 3 == 2 {
                // A refund paid from checking.
                self.post("Checking", -amount);
                self.post("Services", -amount);
                self.realm.insert(
                    Kind::RefundReceipt,
                    json!({ "TxnDate": date, "TotalAmt": num(amount), "Balance": 0,
                            "CustomerRef": reference(customer.id, &customer.name),
                            "DepositToAccountRef": self.chart.r("Checking"),
                            "CurrencyRef": { "value": HOME.code, "name": HOME.name }, "Line": line }),
                    created,
                    created,
                );
                continue;
            }
            self.post("Accounts Receivable (A/R)", -amount);
            self.post("Services", -amount);
            *self.party_balance.entry(customer.id).or_default() -= amount;
            self.realm.insert(
                Kind::CreditMemo,
                json!({ "TxnDate": date, "TotalAmt": num(amount), "Balance": num(amount),
                        "RemainingCredit": num(amount),
                        "CustomerRef": reference(customer.id, &customer.name),
                        "CurrencyRef": { "value": HOME.code, "name": HOME.name }, "Line": line }),
                created,
                created,
            );
        }
        let vendor_credits = if self.params.open_credits {
            (5 * scale).div_ceil(10)
        } else {
            0
        };
        for _ in 0..vendor_credits {
            let Some(vendor) = self.pick(true).filter(|v| v.currency.code == HOME.code) else {
                continue;
            };
            let created = self.past_instant(1, 300);
            let amount = self.amount(2_000, 30_000);
            let expense = "Office Supplies";
            self.post("Accounts Payable (A/P)", -amount);
            self.post(expense, -amount);
            *self.party_balance.entry(vendor.id).or_default() -= amount;
            self.realm.insert(
                Kind::VendorCredit,
                json!({ "TxnDate": self.local_date(created).to_string(), "TotalAmt": num(amount),
                        "Balance": num(amount), "VendorRef": reference(vendor.id, &vendor.name),
                        "APAccountRef": self.chart.r("Accounts Payable (A/P)"),
                        "CurrencyRef": { "value": HOME.code, "name": HOME.name },
                        "Line": [{ "Id": "1", "Amount": num(amount), "DetailType": "AccountBasedExpenseLineDetail",
                                   "AccountBasedExpenseLineDetail": { "AccountRef": self.chart.r(expense) } }] }),
                created,
                created,
            );
        }
    }

    /// Two classes and two departments (name lists only).
    pub(crate) fn segments(&mut self) {
        let created = self.now - chrono::Duration::days(740);
        for (kind, name) in [
            (Kind::Class, "Retail"),
            (Kind::Class, "Wholesale"),
            (Kind::Department, "Head office"),
            (Kind::Department, "Warehouse"),
        ] {
            self.realm.insert(
                kind,
                json!({ "Name": name, "FullyQualifiedName": name, "SubClass": false }),
                created,
                created,
            );
        }
    }

    /// The accounts payroll posts to, created with the chart (appended, so
    /// every other row keeps its id).
    pub(crate) fn payroll_accounts(&mut self) {
        let created = self.now - chrono::Duration::days(750);
        for account in [
            ("Payroll Expenses", "Expense", "PayrollExpenses", "Expense"),
            (
                "Payroll Liabilities",
                "Other Current Liability",
                "PayrollTaxPayable",
                "Liability",
            ),
        ] {
            self.add_account(account, created);
        }
    }

    /// The accounts a profile's financing posts to, appended after the
    /// payroll accounts (so every other row keeps its id): a startup's
    /// "Preferred Stock", a retailer's "Line of Credit" (QBO's
    /// `LineOfCredit` subtype of Other Current Liability).
    pub(crate) fn profile_accounts(&mut self) {
        let created = self.now - chrono::Duration::days(750);
        if self.params.runway_months.is_some() {
            self.add_account(("Preferred Stock", "Equity", "PreferredStock", "Equity"), created);
        }
        if self.params.cash_cushion.is_some() {
            self.add_account(("Owner's Draw", "Equity", "PartnerDistributions", "Equity"), created);
        }
        if self.params.retail {
            self.add_account(
                ("Line of Credit", "Other Current Liability", "LineOfCredit", "Liability"),
                created,
            );
        }
    }
}

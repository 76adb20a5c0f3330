//! Every transaction of the books as double-entry postings in home currency.
//!
//! Directions follow `shared/qbo/MORE.md` (debit positive, credit negative):
//!
//! | kind | debit | credit |
//! | --- | --- | --- |
//! | Invoice | A/R `TotalAmt` | income per line (item's `IncomeAccountRef`), tax |
//! | CreditMemo | income per line, tax | A/R `TotalAmt` |
//! | SalesReceipt | `DepositToAccountRef` (Undeposited Funds when absent) | income per line, tax |
//! | RefundReceipt | income per line, tax | `DepositToAccountRef` |
//! | Payment | `DepositToAccountRef` (Undeposited Funds when absent) | A/R `TotalAmt` |
//! | Bill | expense per line, tax | A/P `TotalAmt` |
//! | VendorCredit | A/P `TotalAmt` | expense per line |
//! | BillPayment | A/P `TotalAmt` | `CheckPayment.BankAccountRef` or `CreditCardPayment.CCAccountRef` by `PayType` |
//! | Purchase | expense per line | `AccountRef` (`Credit: true` swaps both sides) |
//! | Deposit | `DepositToAccountRef` lines less cash back; `CashBack.AccountRef` | linked lines: the linked payment's deposit account; other lines: their `AccountRef` |
//! | JournalEntry | lines with `PostingType: Debit` | lines with `PostingType: Credit` |
//! | Transfer | `ToAccountRef` | `FromAccountRef` |
//! | CreditCardPayment | `CreditCardAccountRef` | `BankAccountRef` |
//! | TaxPayment | sales tax payable (`Refund: true` swaps) | `PaymentAccountRef` |
//!
//! "Tax" is whatever `TotalAmt` holds beyond the lines (`TxnTaxDetail.TotalTax`
//! on a well-formed document). Amounts in another currency are converted leg
//! by leg at the document's `ExchangeRate`; the cents that rounding leaves
//! over go to Exchange Gain or Loss, so every transaction balances.
//!
//! On the cash basis, invoices, credit memos, bills and vendor credits post
//! nothing; each payment line applied to one of them recognises that
//! document's income or expense legs in proportion to the amount applied
//! (cumulatively, so a settled document recognises exactly its legs), on the
//! payment's date. Everything else posts as on the accrual basis.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use super::{AccountKey, Chart, Synthetic, applied_lines, home, rate, row_id, txn_date};
use crate::money::field;
use crate::store::{Kind, RealmData};

/// The accounting basis of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Income when invoiced, expense when billed.
    Accrual,
    /// Income and expense when paid.
    Cash,
}

impl Basis {
    /// The name QBO writes in `Header.ReportBasis`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Accrual => "Accrual",
            Basis::Cash => "Cash",
        }
    }
}

/// One leg of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posting {
    /// The account.
    pub account: AccountKey,
    /// The transaction's date.
    pub date: NaiveDate,
    /// Home-currency amount: debit positive, credit negative.
    pub amount: Decimal,
    /// The transaction's kind.
    pub kind: Kind,
    /// The transaction's id.
    pub id: u64,
}

/// Legs of one transaction: (account, home amount, debit positive).
type Legs = Vec<(AccountKey, Decimal)>;

/// The kinds that post.
const POSTING_KINDS: [Kind; 14] = [
    Kind::Invoice,
    Kind::CreditMemo,
    Kind::SalesReceipt,
    Kind::RefundReceipt,
    Kind::Payment,
    Kind::Bill,
    Kind::VendorCredit,
    Kind::BillPayment,
    Kind::Purchase,
    Kind::Deposit,
    Kind::JournalEntry,
    Kind::Transfer,
    Kind::CreditCardPayment,
    Kind::TaxPayment,
];

/// Every posting of the realm on `basis`, transaction by transaction.
pub fn postings(realm: &RealmData, chart: &Chart, basis: Basis) -> Vec<Posting> {
    let recognised = match basis {
        Basis::Cash => Some(recognition(realm, chart)),
        Basis::Accrual => None,
    };
    let mut out = Vec::new();
    for kind in POSTING_KINDS {
        for row in realm.kind_rows(kind) {
            let Some(date) = txn_date(row) else { continue };
            let id = row_id(row);
            let legs = match &recognised {
                Some(recognised) => cash_legs(realm, chart, kind, row, recognised),
                None => accrual_legs(realm, chart, kind, row),
            };
            out.extend(
                legs.into_iter()
                    .filter(|(_, amount)| !amount.is_zero())
                    .map(|(account, amount)| Posting {
                        account,
                        date,
                        amount,
                        kind,
                        id,
                    }),
            );
        }
    }
    out
}

/// Adds the rounding left over (if any) to Exchange Gain or Loss.
fn balanced(chart: &Chart, mut legs: Legs) -> Legs {
    let rest: Decimal = legs.iter().map(|(_, a)| *a).sum();
    if !rest.is_zero() {
        legs.push((chart.role(Synthetic::ExchangeGainLoss), -rest));
    }
    legs
}

/// A line's detail object (`SalesItemLineDetail`, ...) by its `DetailType`.
fn detail<'a>(line: &'a Value, name: &str) -> Option<&'a Value> {
    let stated = line.get("DetailType").and_then(Value::as_str);
    if stated.is_some_and(|t| t != name) {
        return None;
    }
    line.get(name)
}

/// Lines of a document with group lines opened up.
fn flat_lines(lines: Option<&Value>) -> Vec<&Value> {
    let mut out = Vec::new();
    for line in lines.and_then(Value::as_array).into_iter().flatten() {
        match detail(line, "GroupLineDetail") {
            Some(group) => out.extend(flat_lines(group.get("Line"))),
            None => out.push(line),
        }
    }
    out
}

/// The income legs of a sales document in its own currency, credit
/// positive, summing to `TotalAmt` (the rest is tax).
fn sales_legs(chart: &Chart, row: &Value) -> Vec<(AccountKey, Decimal)> {
    let mut legs = Vec::new();
    for line in flat_lines(row.get("Line")) {
        if let Some(item) = detail(line, "SalesItemLineDetail") {
            legs.push((chart.sales_line_account(item), field(line, "Amount")));
        } else if let Some(discount) = detail(line, "DiscountLineDetail") {
            let account = chart.resolve(discount.get("DiscountAccountRef"), Synthetic::DiscountsGiven);
            legs.push((account, -field(line, "Amount")));
        }
    }
    let tax = field(row, "TotalAmt") - legs.iter().map(|(_, a)| *a).sum::<Decimal>();
    if !tax.is_zero() {
        legs.push((chart.role(Synthetic::SalesTaxPayable), tax));
    }
    legs
}

/// The expense legs of a purchase document in its own currency, debit
/// positive, summing to `TotalAmt` (the rest is tax).
fn expense_legs(chart: &Chart, row: &Value) -> Vec<(AccountKey, Decimal)> {
    let mut legs = Vec::new();
    for line in flat_lines(row.get("Line")) {
        if let Some(account) = detail(line, "AccountBasedExpenseLineDetail") {
            let key = chart.resolve(account.get("AccountRef"), Synthetic::UncategorizedExpense);
            legs.push((key, field(line, "Amount")));
        } else if let Some(item) = detail(line, "ItemBasedExpenseLineDetail") {
            legs.push((chart.expense_item_account(item), field(line, "Amount")));
        }
    }
    let tax = field(row, "TotalAmt") - legs.iter().map(|(_, a)| *a).sum::<Decimal>();
    if !tax.is_zero() {
        legs.push((chart.role(Synthetic::SalesTaxPayable), tax));
    }
    legs
}

/// The control account (A/R or A/P) of a document and the side its
/// `TotalAmt` goes to there (+1 debit, -1 credit).
fn control(chart: &Chart, kind: Kind, row: &Value) -> Option<(AccountKey, Decimal)> {
    let receivable = || chart.resolve(row.get("ARAccountRef"), Synthetic::Receivable);
    let payable = || chart.resolve(row.get("APAccountRef"), Synthetic::Payable);
    match kind {
        Kind::Invoice => Some((receivable(), Decimal::ONE)),
        Kind::CreditMemo => Some((receivable(), -Decimal::ONE)),
        Kind::Bill => Some((payable(), -Decimal::ONE)),
        Kind::VendorCredit => Some((payable(), Decimal::ONE)),
        _ => None,
    }
}

/// The legs of an invoice, credit memo, bill or vendor credit other than
/// its A/R or A/P leg, in home currency, debit positive.
fn counter_legs(chart: &Chart, kind: Kind, row: &Value) -> Legs {
    let r = rate(row);
    match kind {
        Kind::Invoice => sales_legs(chart, row)
            .into_iter()
            .map(|(a, x)| (a, -home(x, r)))
            .collect(),
        Kind::CreditMemo => sales_legs(chart, row)
            .into_iter()
            .map(|(a, x)| (a, home(x, r)))
            .collect(),
        Kind::Bill => expense_legs(chart, row)
            .into_iter()
            .map(|(a, x)| (a, home(x, r)))
            .collect(),
        Kind::VendorCredit => expense_legs(chart, row)
            .into_iter()
            .map(|(a, x)| (a, -home(x, r)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The accrual postings of one transaction.
fn accrual_legs(realm: &RealmData, chart: &Chart, kind: Kind, row: &Value) -> Legs {
    let r = rate(row);
    let total = home(field(row, "TotalAmt"), r);
    let mut legs: Legs = Vec::new();
    match kind {
        Kind::Invoice | Kind::CreditMemo | Kind::Bill | Kind::VendorCredit => {
            if let Some((account, side)) = control(chart, kind, row) {
                legs.push((account, side * total));
            }
            legs.extend(counter_legs(chart, kind, row));
        }
        Kind::SalesReceipt | Kind::RefundReceipt => {
            let cash = chart.resolve(row.get("DepositToAccountRef"), Synthetic::UndepositedFunds);
            let sign = if kind == Kind::SalesReceipt {
                Decimal::ONE
            } else {
                -Decimal::ONE
            };
            legs.push((cash, sign * total));
            legs.extend(sales_legs(chart, row).into_iter().map(|(a, x)| (a, -sign * home(x, r))));
        }
        Kind::Payment => {
            legs.push((
                chart.resolve(row.get("DepositToAccountRef"), Synthetic::UndepositedFunds),
                total,
            ));
            legs.push((chart.resolve(row.get("ARAccountRef"), Synthetic::Receivable), -total));
        }
        Kind::BillPayment => {
            legs.push((bill_payment_source(chart, row), -total));
            legs.push((chart.resolve(row.get("APAccountRef"), Synthetic::Payable), total));
        }
        Kind::Purchase => {
            let sign = if row.get("Credit").and_then(Value::as_bool).unwrap_or(false) {
                -Decimal::ONE
            } else {
                Decimal::ONE
            };
            legs.push((chart.resolve(row.get("AccountRef"), Synthetic::Suspense), -sign * total));
            legs.extend(
                expense_legs(chart, row)
                    .into_iter()
                    .map(|(a, x)| (a, sign * home(x, r))),
            );
        }
        Kind::Deposit => legs = deposit_legs(realm, chart, row),
        Kind::JournalEntry => {
            for line in flat_lines(row.get("Line")) {
                let Some(d) = detail(line, "JournalEntryLineDetail") else {
                    continue;
                };
                let amount = home(field(line, "Amount"), r);
                let account = chart.resolve(d.get("AccountRef"), Synthetic::Suspense);
                match d.get("PostingType").and_then(Value::as_str) {
                    Some("Debit") => legs.push((account, amount)),
                    Some("Credit") => legs.push((account, -amount)),
                    _ => {}
                }
            }
        }
        Kind::Transfer => {
            let amount = home(field(row, "Amount"), r);
            legs.push((chart.resolve(row.get("ToAccountRef"), Synthetic::Suspense), amount));
            legs.push((chart.resolve(row.get("FromAccountRef"), Synthetic::Suspense), -amount));
        }
        Kind::CreditCardPayment => {
            let amount = field(row, "Amount");
            legs.push((
                chart.resolve(row.get("CreditCardAccountRef"), Synthetic::Suspense),
                amount,
            ));
            legs.push((chart.resolve(row.get("BankAccountRef"), Synthetic::Suspense), -amount));
        }
        Kind::TaxPayment => {
            let amount = field(row, "PaymentAmount");
            let sign = if row.get("Refund").and_then(Value::as_bool).unwrap_or(false) {
                -Decimal::ONE
            } else {
                Decimal::ONE
            };
            legs.push((chart.role(Synthetic::SalesTaxPayable), sign * amount));
            legs.push((
                chart.resolve(row.get("PaymentAccountRef"), Synthetic::Suspense),
                -sign * amount,
            ));
        }
        _ => {}
    }
    balanced(chart, legs)
}

/// The bank or card a bill payment is paid from, by `PayType`.
fn bill_payment_source(chart: &Chart, row: &Value) -> AccountKey {
    let by_card = match row.get("PayType").and_then(Value::as_str) {
        Some("CreditCard") => true,
        Some(_) => false,
        None => row.get("CreditCardPayment").is_some(),
    };
    if by_card {
        chart.resolve(
            row.get("CreditCardPayment").and_then(|c| c.get("CCAccountRef")),
            Synthetic::Suspense,
        )
    } else {
        chart.resolve(
            row.get("CheckPayment").and_then(|c| c.get("BankAccountRef")),
            Synthetic::Suspense,
        )
    }
}

/// A deposit: linked lines empty the account the linked payment or sale
/// went to (Undeposited Funds), other lines credit their account; the bank
/// gets the lines less cash back, and cash back its own account.
fn deposit_legs(realm: &RealmData, chart: &Chart, row: &Value) -> Legs {
    let r = rate(row);
    let mut legs: Legs = Vec::new();
    let mut lines_total = Decimal::ZERO;
    for line in flat_lines(row.get("Line")) {
        let amount = home(field(line, "Amount"), r);
        lines_total += amount;
        let linked = line
            .get("LinkedTxn")
            .and_then(Value::as_array)
            .and_then(|links| links.first());
        let source = match linked {
            Some(link) => {
                let kind = link.get("TxnType").and_then(Value::as_str).and_then(Kind::parse);
                let id = link
                    .get("TxnId")
                    .and_then(Value::as_str)
                    .and_then(|s| s.trim().parse::<u64>().ok());
                let deposited_to = match (kind, id) {
                    (Some(kind @ (Kind::Payment | Kind::SalesReceipt)), Some(id)) => {
                        realm.get(kind, id).and_then(|t| t.get("DepositToAccountRef"))
                    }
                    _ => None,
                };
                chart.resolve(deposited_to, Synthetic::UndepositedFunds)
            }
            None => chart.resolve(
                detail(line, "DepositLineDetail").and_then(|d| d.get("AccountRef")),
                Synthetic::UncategorizedIncome,
            ),
        };
        legs.push((source, -amount));
    }
    let cash_back = row.get("CashBack").filter(|c| c.is_object());
    let back = cash_back.map(|c| home(field(c, "Amount"), r)).unwrap_or_default();
    if let Some(c) = cash_back
        && !back.is_zero()
    {
        legs.push((chart.resolve(c.get("AccountRef"), Synthetic::Suspense), back));
    }
    legs.push((
        chart.resolve(row.get("DepositToAccountRef"), Synthetic::UndepositedFunds),
        lines_total - back,
    ));
    legs
}

/// Legs recognised by each payment line on the cash basis:
/// (payment kind, payment id, line index) -> legs.
type Recognised = BTreeMap<(Kind, u64, usize), Legs>;

/// Allocates `fraction` of `legs`: each leg rounded to cents, the largest
/// taking what rounding left so the total is the rounded fraction of the sum.
fn allocate(legs: &Legs, fraction: Decimal) -> Vec<Decimal> {
    let total: Decimal = legs.iter().map(|(_, a)| *a).sum();
    let target = (total * fraction).round_dp(2);
    let mut out: Vec<Decimal> = legs.iter().map(|(_, a)| (*a * fraction).round_dp(2)).collect();
    let largest = legs
        .iter()
        .enumerate()
        .max_by_key(|(i, (_, a))| (a.abs(), std::cmp::Reverse(*i)))
        .map(|(i, _)| i);
    if let Some(i) = largest {
        let others: Decimal = out.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, a)| *a).sum();
        out[i] = target - others;
    }
    out
}

/// A payment line applied to a document: payment date, kind, id, line index, amount.
type Application = (NaiveDate, Kind, u64, usize, Decimal);

/// For every payment line applied to an invoice, credit memo, bill or vendor
/// credit, the share of that document's legs it recognises on the cash basis.
fn recognition(realm: &RealmData, chart: &Chart) -> Recognised {
    let mut by_target: BTreeMap<(Kind, u64), Vec<Application>> = BTreeMap::new();
    for payer in [Kind::Payment, Kind::BillPayment] {
        for row in realm.kind_rows(payer) {
            let Some(date) = txn_date(row) else { continue };
            for applied in applied_lines(row) {
                if matches!(
                    applied.target,
                    Kind::Invoice | Kind::CreditMemo | Kind::Bill | Kind::VendorCredit
                ) {
                    by_target.entry((applied.target, applied.target_id)).or_default().push((
                        date,
                        payer,
                        row_id(row),
                        applied.line,
                        applied.amount,
                    ));
                }
            }
        }
    }
    let mut out = Recognised::new();
    for ((kind, id), mut applications) in by_target {
        let Some(doc) = realm.get(kind, id) else { continue };
        let total = field(doc, "TotalAmt");
        if total.is_zero() {
            continue;
        }
        let legs = counter_legs(chart, kind, doc);
        applications.sort_by_key(|(date, payer, payer_id, line, _)| (*date, *payer, *payer_id, *line));
        let mut applied = Decimal::ZERO;
        let mut before = vec![Decimal::ZERO; legs.len()];
        for (_, payer, payer_id, line, amount) in applications {
            applied += amount;
            let now = allocate(&legs, applied / total);
            let step: Legs = legs
                .iter()
                .zip(now.iter().zip(&before))
                .map(|((account, _), (n, b))| (*account, *n - *b))
                .collect();
            before = now;
            out.insert((payer, payer_id, line), step);
        }
    }
    out
}

/// The cash-basis postings of one transaction.
fn cash_legs(realm: &RealmData, chart: &Chart, kind: Kind, row: &Value, recognised: &Recognised) -> Legs {
    match kind {
        Kind::Invoice | Kind::CreditMemo | Kind::Bill | Kind::VendorCredit => Vec::new(),
        Kind::Payment | Kind::BillPayment => {
            let r = rate(row);
            let id = row_id(row);
            let total = field(row, "TotalAmt");
            let mut legs: Legs = Vec::new();
            // What stays on A/R (A/P): the payment less the lines recognised.
            let mut on_control = total;
            for applied in applied_lines(row) {
                if let Some(step) = recognised.get(&(kind, id, applied.line)) {
                    let sign = if matches!(applied.target, Kind::CreditMemo | Kind::VendorCredit) {
                        -Decimal::ONE
                    } else {
                        Decimal::ONE
                    };
                    on_control -= sign * applied.amount;
                    legs.extend(step.iter().copied());
                }
            }
            let total_home = home(total, r);
            let on_control = home(on_control, r);
            if kind == Kind::Payment {
                legs.push((
                    chart.resolve(row.get("DepositToAccountRef"), Synthetic::UndepositedFunds),
                    total_home,
                ));
                legs.push((
                    chart.resolve(row.get("ARAccountRef"), Synthetic::Receivable),
                    -on_control,
                ));
            } else {
                legs.push((bill_payment_source(chart, row), -total_home));
                legs.push((chart.resolve(row.get("APAccountRef"), Synthetic::Payable), on_control));
            }
            balanced(chart, legs)
        }
        _ => accrual_legs(realm, chart, kind, row),
    }
}

/// Sums postings per account, over those dated in `from..=to` (`from` open when `None`).
pub fn balances(postings: &[Posting], from: Option<NaiveDate>, to: NaiveDate) -> BTreeMap<AccountKey, Decimal> {
    let mut out = BTreeMap::new();
    for p in postings
        .iter()
        .filter(|p| p.date <= to && from.is_none_or(|f| p.date >= f))
    {
        *out.entry(p.account).or_insert(Decimal::ZERO) += p.amount;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::{Size, generate_realm};
    use chrono::{DateTime, Utc};

    fn realm(multi: bool) -> RealmData {
        let now = DateTime::parse_from_rfc3339("2026-11-22T16:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        generate_realm(
            "77",
            5,
            Size::Small,
            crate::generator::Profile::MessyBooks,
            multi,
            chrono::FixedOffset::west_opt(8 * 3600).unwrap(),
            now,
        )
    }

    fn per_txn_sums(postings: &[Posting]) -> BTreeMap<(Kind, u64), Decimal> {
        let mut out = BTreeMap::new();
        for p in postings {
            *out.entry((p.kind, p.id)).or_insert(Decimal::ZERO) += p.amount;
        }
        out
    }

    #[test]
    fn every_transaction_balances_on_both_bases() {
        for multi in [false, true] {
            let realm = realm(multi);
            let chart = Chart::of(&realm);
            for basis in [Basis::Accrual, Basis::Cash] {
                let all = postings(&realm, &chart, basis);
                assert!(!all.is_empty());
                for (txn, sum) in per_txn_sums(&all) {
                    assert!(sum.is_zero(), "{basis:?} {txn:?} off by {sum}");
                }
            }
        }
    }

    #[test]
    fn accrual_balances_match_the_generated_account_balances() {
        // Opening balances are journal entries, so every account, the bank
        // accounts and Opening Balance Equity included, equals its postings.
        check_generated(realm(false));
    }

    #[test]
    fn multi_currency_books_post_at_the_rate_their_documents_state() {
        check_generated(realm(true));
    }

    fn check_generated(realm: RealmData) {
        let chart = Chart::of(&realm);
        let all = postings(&realm, &chart, Basis::Accrual);
        let far = NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
        let sums = balances(&all, None, far);
        for row in realm.kind_rows(Kind::Account) {
            let name = row["Name"].as_str().unwrap();
            let info = chart.info(AccountKey::Id(row_id(row)));
            let natural = sums.get(&info.key).copied().unwrap_or_default();
            let natural = if super::super::Group::of(&info).is_debit_natured() {
                natural
            } else {
                -natural
            };
            assert_eq!(natural, field(row, "CurrentBalance"), "{name}");
        }
    }

    #[test]
    fn cash_basis_recognises_a_settled_document_exactly() {
        let legs: Legs = vec![
            (AccountKey::Id(1), Decimal::new(-10001, 2)),
            (AccountKey::Id(2), Decimal::new(-3333, 2)),
        ];
        let third = Decimal::ONE / Decimal::from(3);
        let a = allocate(&legs, third);
        assert_eq!(a.iter().sum::<Decimal>(), (Decimal::new(-13334, 2) * third).round_dp(2));
        assert_eq!(
            allocate(&legs, Decimal::ONE),
            vec![Decimal::new(-10001, 2), Decimal::new(-3333, 2)]
        );
    }
}

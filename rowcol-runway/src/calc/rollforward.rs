//! The monthly cash roll-forward: for each bank account and in total, month
//! by month, the opening balance, cash in, cash out, transfers between the
//! client's own accounts, financing and the closing balance.
//!
//! Definition. Every posting kind that moves a bank account is read from the
//! snapshot and classed:
//! - **cash in**: customer payments and deposits into the account, cash
//!   sales deposited to it, card or bank refunds received (`Purchase.credit`),
//!   sales-tax refunds, and bank debits of operating journal entries;
//! - **cash out**: bill payments, purchases, refunds paid, sales tax paid,
//!   and bank credits of operating journal entries (payroll, its remittance);
//! - **transfers**: transfers between the client's own accounts, card
//!   statements paid from the account, and journal entries that only move
//!   money between bank accounts (not burn);
//! - **financing**: journal entries whose other side is only equity or
//!   long-term debt (opening balances, owner money, loans).
//!
//! Balances are worked back from the account's current balance as the rail
//! reports it: the closing balance of the month holding `as_of` is the
//! current balance less what is dated after `as_of`; each month's opening is
//! its closing less its movements, and is the previous month's closing. So
//! the closing balances are what the postings say the account held at each
//! month's end, which a test checks against the source's balance sheet.
//! Amounts are in each account's own currency; the total adds the
//! home-currency accounts and names the others it leaves out.

use chrono::{Datelike, Months, NaiveDate};
use rowcol_core::entity::{AccountType, Posting, Reference, TxnCommon};
use rowcol_core::{ClientSnapshot, Currency, ExternalId, Money};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// One month of one account (or of the total).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthFlow {
    /// The first day of the month.
    pub month: NaiveDate,
    /// The last day counted: the month's last day, or `as_of` in its month.
    pub through: NaiveDate,
    /// Balance at the start of the month.
    pub opening: Money,
    /// Money in (see the module docs).
    pub cash_in: Money,
    /// Money out, as a positive amount.
    pub cash_out: Money,
    /// Net of transfers between own accounts and card statements paid.
    pub transfers: Money,
    /// Net of financing entries.
    pub financing: Money,
    /// Balance at the end of `through`.
    pub closing: Money,
}

/// One bank account's months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRollForward {
    /// The account.
    pub account: ExternalId,
    /// Its name.
    pub name: String,
    /// Its currency: every amount of its months is in it.
    pub currency: Currency,
    /// Oldest month first.
    pub months: Vec<MonthFlow>,
}

/// The roll-forward of every bank account and their home-currency total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollForward {
    /// The day the last month runs to.
    pub as_of: NaiveDate,
    /// Per bank account, in the snapshot's account order.
    pub accounts: Vec<AccountRollForward>,
    /// The home-currency accounts added up, month by month.
    pub total: Vec<MonthFlow>,
    /// Bank accounts in another currency, left out of `total`.
    pub left_out_of_total: Vec<ExternalId>,
    /// True when the snapshot's history reaches the first month's start
    /// (otherwise earlier months would miss movements and are not given).
    pub history_covers: bool,
    /// How the figures were computed.
    pub definition: String,
}

/// How a movement is classed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    In,
    Out,
    Transfer,
    Financing,
}

/// The roll-forward of the `months` calendar months ending with the month
/// of `as_of` (that month up to `as_of`), limited to the months the
/// snapshot's history covers.
pub fn rollforward(s: &ClientSnapshot, as_of: NaiveDate, months: u32) -> RollForward {
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let current = first_of(as_of);
    let history = first_of(s.history_start);
    let history = if history < s.history_start {
        history.checked_add_months(Months::new(1)).unwrap_or(history)
    } else {
        history
    };
    let wanted = (0..months.max(1))
        .rev()
        .filter_map(|back| current.checked_sub_months(Months::new(back)))
        .collect::<Vec<_>>();
    let starts: Vec<NaiveDate> = wanted.iter().copied().filter(|m| *m >= history).collect();
    let history_covers = starts.len() == wanted.len();
    let types = AccountTypes::of(s);
    let movements = movements(s, &types);
    let mut accounts = Vec::new();
    for account in s
        .accounts
        .iter()
        .filter(|a| !a.meta.deleted && a.account_type == AccountType::Bank)
    {
        let id = &account.meta.external_id;
        let currency = account.current_balance.currency();
        let mine: Vec<&(ExternalId, NaiveDate, Class, Decimal)> = movements.iter().filter(|m| &m.0 == id).collect();
        let after: Decimal = mine.iter().filter(|m| m.1 > as_of).map(|m| m.3).sum();
        let mut closing = account.current_balance.amount() - after;
        let mut out = Vec::new();
        for start in starts.iter().rev() {
            let end = start
                .checked_add_months(Months::new(1))
                .and_then(|n| n.pred_opt())
                .unwrap_or(*start)
                .min(as_of);
            let sum = |class: Class| -> Decimal {
                mine.iter()
                    .filter(|m| m.2 == class && m.1 >= *start && m.1 <= end)
                    .map(|m| m.3)
                    .sum()
            };
            // `0 - x`, not `-x`: a month without outflows shows 0, not -0.
            let (cash_in, cash_out) = (sum(Class::In), Decimal::ZERO - sum(Class::Out));
            let (transfers, financing) = (sum(Class::Transfer), sum(Class::Financing));
            let opening = closing - cash_in + cash_out - transfers - financing;
            let money = |a: Decimal| Money::new(a, currency);
            out.push(MonthFlow {
                month: *start,
                through: end,
                opening: money(opening),
                cash_in: money(cash_in),
                cash_out: money(cash_out),
                transfers: money(transfers),
                financing: money(financing),
                closing: money(closing),
            });
            closing = opening;
        }
        out.reverse();
        accounts.push(AccountRollForward {
            account: id.clone(),
            name: account.name.clone(),
            currency,
            months: out,
        });
    }
    let (home, left_out): (Vec<&AccountRollForward>, Vec<&AccountRollForward>) =
        accounts.iter().partition(|a| a.currency == s.home_currency);
    let total = starts
        .iter()
        .enumerate()
        .map(|(i, start)| {
            let add = |f: fn(&MonthFlow) -> Decimal| -> Money {
                Money::new(home.iter().map(|a| f(&a.months[i])).sum(), s.home_currency)
            };
            MonthFlow {
                month: *start,
                through: home.first().map_or(*start, |a| a.months[i].through),
                opening: add(|m| m.opening.amount()),
                cash_in: add(|m| m.cash_in.amount()),
                cash_out: add(|m| m.cash_out.amount()),
                transfers: add(|m| m.transfers.amount()),
                financing: add(|m| m.financing.amount()),
                closing: add(|m| m.closing.amount()),
            }
        })
        .collect();
    RollForward {
        as_of,
        left_out_of_total: left_out.iter().map(|a| a.account.clone()).collect(),
        accounts,
        total,
        history_covers,
        definition: "per bank account, in its currency: closing = the account's current balance less what is \
                     dated after as_of, worked back month by month; opening = closing - cash in + cash out - \
                     transfers - financing. Cash in: customer payments, deposits, cash sales, refunds received, \
                     bank debits of operating journal entries; cash out: bill payments, purchases, refunds paid, \
                     sales tax, bank credits of operating journal entries (payroll); transfers: own accounts and \
                     card statements paid; financing: journal entries against equity or long-term debt only"
            .to_owned(),
    }
}

/// Every movement of a bank account in the snapshot: account, date, class,
/// signed amount (in the document's currency, which is the account's).
fn movements(s: &ClientSnapshot, types: &AccountTypes<'_>) -> Vec<(ExternalId, NaiveDate, Class, Decimal)> {
    let currencies: std::collections::HashMap<&ExternalId, Currency> = s
        .accounts
        .iter()
        .map(|a| (&a.meta.external_id, a.current_balance.currency()))
        .collect();
    let mut out = Vec::new();
    let mut on = |account: &Option<Reference>, txn: &TxnCommon, class: Class, amount: Decimal| {
        let Some(r) = account.as_ref().filter(|r| types.is_bank(&r.id)) else {
            return;
        };
        let Some(amount) = in_account(txn, amount, currencies.get(&r.id).copied(), s.home_currency) else {
            return;
        };
        out.push((r.id.clone(), txn.txn_date, class, amount));
    };
    let live = |deleted: bool| !deleted;
    for p in s.payments.iter().filter(|p| live(p.meta.deleted)) {
        on(&p.deposit_to, &p.txn, Class::In, p.txn.total.amount());
    }
    for d in s.deposits.iter().filter(|d| live(d.meta.deleted)) {
        on(&d.deposit_to, &d.txn, Class::In, d.txn.total.amount());
    }
    for r in s.sales_receipts.iter().filter(|r| live(r.meta.deleted)) {
        on(&r.deposit_to, &r.txn, Class::In, r.txn.total.amount());
    }
    for r in s.refund_receipts.iter().filter(|r| live(r.meta.deleted)) {
        on(&r.paid_from, &r.txn, Class::Out, -r.txn.total.amount());
    }
    for p in s.bill_payments.iter().filter(|p| live(p.meta.deleted)) {
        on(&p.paid_from, &p.txn, Class::Out, -p.txn.total.amount());
    }
    for p in s.purchases.iter().filter(|p| live(p.meta.deleted)) {
        let (class, sign) = if p.credit { (Class::In, 1) } else { (Class::Out, -1) };
        on(&p.paid_from, &p.txn, class, p.txn.total.amount() * Decimal::from(sign));
    }
    for t in s.tax_payments.iter().filter(|t| live(t.meta.deleted)) {
        let (class, sign) = if t.refund { (Class::In, 1) } else { (Class::Out, -1) };
        on(&t.paid_from, &t.txn, class, t.txn.total.amount() * Decimal::from(sign));
    }
    for t in s.transfers.iter().filter(|t| live(t.meta.deleted)) {
        on(&t.from, &t.txn, Class::Transfer, -t.txn.total.amount());
        on(&t.to, &t.txn, Class::Transfer, t.txn.total.amount());
    }
    for c in s.card_payments.iter().filter(|c| live(c.meta.deleted)) {
        on(&c.bank_account, &c.txn, Class::Transfer, -c.txn.total.amount());
    }
    for je in s.journal_entries.iter().filter(|je| live(je.meta.deleted)) {
        let class = match types.journal_kind(&je.txn.lines) {
            JournalKind::Operating => None,
            JournalKind::Financing => Some(Class::Financing),
            JournalKind::BetweenBanks => Some(Class::Transfer),
        };
        for line in &je.txn.lines {
            let signed = match line.posting {
                Some(Posting::Debit) => line.amount.amount(),
                Some(Posting::Credit) => -line.amount.amount(),
                None => continue,
            };
            let class = class.unwrap_or(if signed > Decimal::ZERO { Class::In } else { Class::Out });
            on(&line.account, &je.txn, class, signed);
        }
    }
    out
}

/// `amount` of a document in the currency of the bank account it moves: as
/// is when they share a currency; at the document's own rate, rounded to the
/// cent half away from zero, when a foreign document moves a home-currency
/// account (as the ledger records its home amount); `None` otherwise.
fn in_account(txn: &TxnCommon, amount: Decimal, account: Option<Currency>, home: Currency) -> Option<Decimal> {
    let account = account?;
    let document = txn.total.currency();
    if document == account {
        return Some(amount);
    }
    let rate = txn.exchange_rate.filter(|r| *r > Decimal::ZERO)?;
    (account == home).then(|| (amount * rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
}

/// What a journal entry does, seen from the bank accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JournalKind {
    /// Against income, expense, current liabilities or assets: operating.
    Operating,
    /// Against equity or long-term debt only: financing.
    Financing,
    /// Between bank accounts only.
    BetweenBanks,
}

/// Account types by id, for telling bank, operating and financing accounts apart.
pub(crate) struct AccountTypes<'a>(std::collections::HashMap<&'a ExternalId, AccountType>);

impl<'a> AccountTypes<'a> {
    /// The snapshot's accounts by id.
    pub(crate) fn of(s: &'a ClientSnapshot) -> Self {
        AccountTypes(
            s.accounts
                .iter()
                .map(|a| (&a.meta.external_id, a.account_type))
                .collect(),
        )
    }

    /// The type of account `id`, `None` when the chart does not hold it.
    pub(crate) fn type_of(&self, id: &ExternalId) -> Option<AccountType> {
        self.0.get(id).copied()
    }

    /// True for a bank account of the snapshot.
    pub(crate) fn is_bank(&self, id: &ExternalId) -> bool {
        self.0.get(id) == Some(&AccountType::Bank)
    }

    /// How a journal entry with these lines is classed (lines without an
    /// account or a side are passed over).
    pub(crate) fn journal_kind(&self, lines: &[rowcol_core::entity::Line]) -> JournalKind {
        let others: Vec<Option<&AccountType>> = lines
            .iter()
            .filter(|l| l.posting.is_some())
            .filter_map(|l| l.account.as_ref())
            .filter(|a| !self.is_bank(&a.id))
            .map(|a| self.0.get(&a.id))
            .collect();
        if others.is_empty() {
            JournalKind::BetweenBanks
        } else if others
            .iter()
            .all(|t| matches!(t, Some(AccountType::Equity | AccountType::LongTermLiability)))
        {
            JournalKind::Financing
        } else {
            JournalKind::Operating
        }
    }
}

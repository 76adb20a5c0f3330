//! The monthly cash roll-forward: for each bank and credit-card account and
//! in total, month by month, the opening balance, cash in, cash out,
//! transfers between the client's own accounts, financing and the closing
//! balance.
//!
//! A card account is followed as negative cash: its balances are what is
//! owed, negated; a charge is cash out when it is made, a refund on the card
//! cash in, and a statement paid from the bank a transfer (bank down, card
//! owed down by as much). The total is so the client's net cash: bank
//! balances less card balances owed.
//!
//! Definition. Every posting kind that moves a bank or card account is read
//! from the snapshot and classed:
//! - **cash in**: customer payments and deposits into the account, cash
//!   sales deposited to it, card or bank refunds received (`Purchase.credit`),
//!   sales-tax refunds, and bank debits of operating journal entries;
//! - **cash out**: bill payments, purchases, refunds paid, sales tax paid,
//!   and bank credits of operating journal entries (payroll, its remittance);
//! - **transfers**: transfers between the client's own accounts, card
//!   statements paid, and journal entries that only move money between bank
//!   and card accounts (not burn);
//! - **financing**: journal entries and transfers whose other side is only
//!   equity or debt (opening balances, owner money, loans, lines of credit:
//!   long-term liabilities, and current ones of a loan or credit-line
//!   subtype or name).
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
use rowcol_core::entity::{Account, AccountType, Posting, Reference, TxnCommon};
use rowcol_core::{ClientSnapshot, Currency, EntityKind, ExternalId, Money};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::home::HomeRates;
use crate::period::Window;

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

/// Which kind of cash account a roll-forward follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CashAccountKind {
    /// A bank account: its balances are cash held.
    Bank,
    /// A credit-card account: its balances are what is owed, negated.
    Card,
}

impl CashAccountKind {
    /// The kind of an account type, `None` for accounts that hold no cash.
    pub fn of(account_type: AccountType) -> Option<CashAccountKind> {
        match account_type {
            AccountType::Bank => Some(CashAccountKind::Bank),
            AccountType::CreditCard => Some(CashAccountKind::Card),
            _ => None,
        }
    }

    /// The account's balance as cash: as is for a bank, negated for a card.
    pub fn as_cash(self, balance: Decimal) -> Decimal {
        match self {
            CashAccountKind::Bank => balance,
            CashAccountKind::Card => Decimal::ZERO - balance,
        }
    }
}

/// One bank or card account's months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRollForward {
    /// The account.
    pub account: ExternalId,
    /// Its name.
    pub name: String,
    /// Bank or card: a card's balances are negative (what is owed).
    pub kind: CashAccountKind,
    /// Its currency: every amount of its months is in it.
    pub currency: Currency,
    /// Oldest month first.
    pub months: Vec<MonthFlow>,
}

/// The roll-forward of every bank and card account and their home-currency
/// total (net cash: banks less cards owed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollForward {
    /// The day the last month runs to.
    pub as_of: NaiveDate,
    /// Per account, in the snapshot's account order.
    pub accounts: Vec<AccountRollForward>,
    /// The home-currency accounts added up, month by month.
    pub total: Vec<MonthFlow>,
    /// Accounts in another currency, left out of `total`.
    pub left_out_of_total: Vec<ExternalId>,
    /// True when the snapshot's history reaches the first month's start
    /// (otherwise earlier months would miss movements and are not given).
    pub history_covers: bool,
    /// How the figures were computed.
    pub definition: String,
}

/// How a movement is classed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Operating money in.
    In,
    /// Operating money out.
    Out,
    /// Between the client's own accounts (card statements included).
    Transfer,
    /// Against equity or long-term debt only.
    Financing,
}

/// One movement of a bank or card account, signed as cash (a card charge is
/// negative), in the account's currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Movement<'a> {
    /// The account moved.
    pub(crate) account: &'a ExternalId,
    /// The document's date.
    pub(crate) date: NaiveDate,
    /// How it is classed.
    pub(crate) class: Class,
    /// Signed amount in the account's currency.
    pub(crate) amount: Decimal,
    /// The kind of document that made it.
    pub(crate) source: EntityKind,
    /// The document's id (with `source`, which document it is).
    pub(crate) document: &'a ExternalId,
    /// The customer, vendor or payee the document names, if any.
    pub(crate) payee: Option<&'a str>,
}

/// The definition every roll-forward states.
pub const ROLLFORWARD_DEFINITION: &str = "per bank and card account, in its currency (a card's balance is what is \
     owed, negated): closing = the account's current balance less what is dated after as_of, worked back month by \
     month; opening = closing - cash in + cash out - transfers - financing. Cash in: customer payments, deposits, \
     cash sales, refunds received, bank debits of operating journal entries; cash out: bill payments, purchases and \
     card charges, refunds paid, sales tax, bank credits of operating journal entries (payroll); transfers: own \
     accounts and card statements paid; financing: journal entries and transfers against equity or debt only. Total: \
     the home-currency accounts, so net cash (banks less cards owed)";

/// The first day of `d`'s month.
fn first_of(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

/// The first day of each of the `months` calendar months ending with the
/// month of `as_of`, oldest first, limited to the months from
/// `history_start`'s first whole month; and whether none was cut.
pub(crate) fn month_starts(history_start: NaiveDate, as_of: NaiveDate, months: u32) -> (Vec<NaiveDate>, bool) {
    let current = first_of(as_of);
    let history = first_of(history_start);
    let history = if history < history_start {
        history.checked_add_months(Months::new(1)).unwrap_or(history)
    } else {
        history
    };
    let wanted = (0..months.max(1))
        .rev()
        .filter_map(|back| current.checked_sub_months(Months::new(back)))
        .collect::<Vec<_>>();
    let starts: Vec<NaiveDate> = wanted.iter().copied().filter(|m| *m >= history).collect();
    let covers = starts.len() == wanted.len();
    (starts, covers)
}

/// The roll-forward of the `months` calendar months ending with the month
/// of `as_of` (that month up to `as_of`), limited to the months the
/// snapshot's history covers.
pub fn rollforward(s: &ClientSnapshot, as_of: NaiveDate, months: u32) -> RollForward {
    let (starts, history_covers) = month_starts(s.history_start, as_of, months);
    let types = AccountTypes::of(s);
    let movements = movements(s, &types);
    let mut accounts = Vec::new();
    for (account, kind) in cash_accounts(s) {
        let id = &account.meta.external_id;
        let currency = account.current_balance.currency();
        let mine: Vec<&Movement<'_>> = movements.iter().filter(|m| m.account == id).collect();
        let mut closing = cash_on(kind.as_cash(account.current_balance.amount()), &mine, as_of);
        let mut out = Vec::new();
        for start in starts.iter().rev() {
            let end = start
                .checked_add_months(Months::new(1))
                .and_then(|n| n.pred_opt())
                .unwrap_or(*start)
                .min(as_of);
            let sum = |class: Class| -> Decimal {
                mine.iter()
                    .filter(|m| m.class == class && m.date >= *start && m.date <= end)
                    .map(|m| m.amount)
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
            kind,
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
        definition: ROLLFORWARD_DEFINITION.to_owned(),
    }
}

/// The snapshot's live bank and card accounts, in its account order.
pub(crate) fn cash_accounts(s: &ClientSnapshot) -> impl Iterator<Item = (&Account, CashAccountKind)> {
    s.accounts
        .iter()
        .filter(|a| !a.meta.deleted)
        .filter_map(|a| CashAccountKind::of(a.account_type).map(|k| (a, k)))
}

/// The operating movements (cash in and out) of `moves` dated in `window`,
/// each with its amount in home units: an account in another currency at
/// the rate its balance converts at, as the cash position does (movements
/// of accounts without a known rate are left out).
pub(crate) fn operating_in_home<'m, 'a>(
    s: &ClientSnapshot,
    rates: &HomeRates<'_>,
    moves: &'m [Movement<'a>],
    window: Window,
) -> Vec<(&'m Movement<'a>, Decimal)> {
    let currencies: rustc_hash::FxHashMap<&ExternalId, Currency> = s
        .accounts
        .iter()
        .map(|a| (&a.meta.external_id, a.current_balance.currency()))
        .collect();
    moves
        .iter()
        .filter(|m| window.contains(m.date) && matches!(m.class, Class::In | Class::Out))
        .filter_map(|m| {
            let home = currencies
                .get(m.account)
                .and_then(|c| rates.balance(Money::new(m.amount, *c)))?;
            Some((m, home))
        })
        .collect()
}

/// An account's cash at the end of `day`: `now` (its cash today) less its
/// movements dated after `day`.
pub(crate) fn cash_on(now: Decimal, mine: &[&Movement<'_>], day: NaiveDate) -> Decimal {
    now - mine.iter().filter(|m| m.date > day).map(|m| m.amount).sum::<Decimal>()
}

/// Every movement of a bank or card account in the snapshot (deleted
/// documents left out), signed as cash in the account's currency.
pub(crate) fn movements<'a>(s: &'a ClientSnapshot, types: &AccountTypes<'a>) -> Vec<Movement<'a>> {
    let currencies: rustc_hash::FxHashMap<&ExternalId, Currency> = s
        .accounts
        .iter()
        .map(|a| (&a.meta.external_id, a.current_balance.currency()))
        .collect();
    let mut out = Vec::new();
    /// A document's id, the party it names and its common part.
    type Doc<'a> = (&'a ExternalId, &'a Option<Reference>, &'a TxnCommon);
    let mut on = |account: &'a Option<Reference>, doc: Doc<'a>, source: EntityKind, class: Class, amount: Decimal| {
        let (document, payee, txn) = doc;
        let Some(r) = account.as_ref().filter(|r| types.is_cash(&r.id)) else {
            return;
        };
        let Some(amount) = in_account(txn, amount, currencies.get(&r.id).copied(), s.home_currency) else {
            return;
        };
        out.push(Movement {
            account: &r.id,
            date: txn.txn_date,
            class,
            amount,
            source,
            document,
            payee: payee.as_ref().and_then(|r| r.name.as_deref()),
        });
    };
    let signed = |refund: bool, amount: Decimal| {
        if refund {
            (Class::In, amount)
        } else {
            (Class::Out, Decimal::ZERO - amount)
        }
    };
    for p in s.payments.iter().filter(|p| !p.meta.deleted) {
        on(
            &p.deposit_to,
            (&p.meta.external_id, &p.customer, &p.txn),
            EntityKind::Payment,
            Class::In,
            p.txn.total.amount(),
        );
    }
    for d in s.deposits.iter().filter(|d| !d.meta.deleted) {
        on(
            &d.deposit_to,
            (&d.meta.external_id, &None, &d.txn),
            EntityKind::Deposit,
            Class::In,
            d.txn.total.amount(),
        );
    }
    for r in s.sales_receipts.iter().filter(|r| !r.meta.deleted) {
        on(
            &r.deposit_to,
            (&r.meta.external_id, &r.customer, &r.txn),
            EntityKind::SalesReceipt,
            Class::In,
            r.txn.total.amount(),
        );
    }
    for r in s.refund_receipts.iter().filter(|r| !r.meta.deleted) {
        let (class, amount) = signed(false, r.txn.total.amount());
        on(
            &r.paid_from,
            (&r.meta.external_id, &r.customer, &r.txn),
            EntityKind::RefundReceipt,
            class,
            amount,
        );
    }
    for p in s.bill_payments.iter().filter(|p| !p.meta.deleted) {
        let (class, amount) = signed(false, p.txn.total.amount());
        on(
            &p.paid_from,
            (&p.meta.external_id, &p.vendor, &p.txn),
            EntityKind::BillPayment,
            class,
            amount,
        );
    }
    for p in s.purchases.iter().filter(|p| !p.meta.deleted) {
        let (class, amount) = signed(p.credit, p.txn.total.amount());
        on(
            &p.paid_from,
            (&p.meta.external_id, &p.payee, &p.txn),
            EntityKind::Purchase,
            class,
            amount,
        );
    }
    for t in s.tax_payments.iter().filter(|t| !t.meta.deleted) {
        let (class, amount) = signed(t.refund, t.txn.total.amount());
        on(
            &t.paid_from,
            (&t.meta.external_id, &None, &t.txn),
            EntityKind::TaxPayment,
            class,
            amount,
        );
    }
    for t in s.transfers.iter().filter(|t| !t.meta.deleted) {
        let amount = t.txn.total.amount();
        // Money drawn from or repaid to a loan is financing, not a transfer
        // between the client's own cash.
        let against = |other: &Option<Reference>| match other {
            Some(r) if types.is_financing(&r.id) => Class::Financing,
            _ => Class::Transfer,
        };
        on(
            &t.from,
            (&t.meta.external_id, &None, &t.txn),
            EntityKind::Transfer,
            against(&t.to),
            Decimal::ZERO - amount,
        );
        on(
            &t.to,
            (&t.meta.external_id, &None, &t.txn),
            EntityKind::Transfer,
            against(&t.from),
            amount,
        );
    }
    for c in s.card_payments.iter().filter(|c| !c.meta.deleted) {
        let amount = c.txn.total.amount();
        let kind = EntityKind::CreditCardPayment;
        on(
            &c.bank_account,
            (&c.meta.external_id, &c.vendor, &c.txn),
            kind,
            Class::Transfer,
            Decimal::ZERO - amount,
        );
        on(
            &c.card_account,
            (&c.meta.external_id, &c.vendor, &c.txn),
            kind,
            Class::Transfer,
            amount,
        );
    }
    for je in s.journal_entries.iter().filter(|je| !je.meta.deleted) {
        let class = match types.journal_kind(&je.txn.lines) {
            JournalKind::Operating => None,
            JournalKind::Financing => Some(Class::Financing),
            JournalKind::BetweenCash => Some(Class::Transfer),
        };
        for line in &je.txn.lines {
            let signed = match line.posting {
                Some(Posting::Debit) => line.amount.amount(),
                Some(Posting::Credit) => Decimal::ZERO - line.amount.amount(),
                None => continue,
            };
            let class = class.unwrap_or(if signed > Decimal::ZERO { Class::In } else { Class::Out });
            on(
                &line.account,
                (&je.meta.external_id, &None, &je.txn),
                EntityKind::JournalEntry,
                class,
                signed,
            );
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
    /// Between bank and card accounts only.
    BetweenCash,
}

/// Account types by id, for telling bank, operating and financing accounts
/// apart: each account's type, and whether money moved against it is
/// financing (equity, long-term debt, and short-term debt: lines of credit
/// and loans payable, by QBO subtype or name).
pub(crate) struct AccountTypes<'a>(rustc_hash::FxHashMap<&'a ExternalId, (AccountType, bool)>);

/// QBO subtypes of current liabilities that are borrowed money.
const DEBT_SUBTYPES: [&str; 5] = [
    "LineOfCredit",
    "LoanPayable",
    "NotesPayable",
    "CurrentPortionOfLongTermDebt",
    "ShortTermLoansFromShareholders",
];

/// True when money moved against `a` is financing.
fn financing(a: &Account) -> bool {
    match a.account_type {
        AccountType::Equity | AccountType::LongTermLiability => true,
        AccountType::OtherCurrentLiability => {
            let name = a.name.to_ascii_lowercase();
            a.sub_type.as_deref().is_some_and(|s| DEBT_SUBTYPES.contains(&s))
                || name.contains("line of credit")
                || name.contains("loan")
        }
        _ => false,
    }
}

impl<'a> AccountTypes<'a> {
    /// The snapshot's accounts by id.
    pub(crate) fn of(s: &'a ClientSnapshot) -> Self {
        AccountTypes(
            s.accounts
                .iter()
                .map(|a| (&a.meta.external_id, (a.account_type, financing(a))))
                .collect(),
        )
    }

    /// The type of account `id`, `None` when the chart does not hold it.
    pub(crate) fn type_of(&self, id: &ExternalId) -> Option<AccountType> {
        self.0.get(id).map(|(t, _)| *t)
    }

    /// True for a bank or credit-card account of the snapshot.
    pub(crate) fn is_cash(&self, id: &ExternalId) -> bool {
        self.0.get(id).is_some_and(|(t, _)| CashAccountKind::of(*t).is_some())
    }

    /// True for an account money moves against as financing.
    pub(crate) fn is_financing(&self, id: &ExternalId) -> bool {
        self.0.get(id).is_some_and(|(_, f)| *f)
    }

    /// How a journal entry with these lines is classed (lines without an
    /// account or a side are passed over).
    pub(crate) fn journal_kind(&self, lines: &[rowcol_core::entity::Line]) -> JournalKind {
        let mut others = lines
            .iter()
            .filter(|l| l.posting.is_some())
            .filter_map(|l| l.account.as_ref())
            .filter(|a| !self.is_cash(&a.id))
            .peekable();
        if others.peek().is_none() {
            JournalKind::BetweenCash
        } else if others.all(|a| self.is_financing(&a.id)) {
            JournalKind::Financing
        } else {
            JournalKind::Operating
        }
    }
}

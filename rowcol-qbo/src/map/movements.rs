//! Entries between accounts: journal entries, transfers, card payments and
//! tax payments; and the name lists that code transactions (items, classes,
//! departments).

use rowcol_core::Money;
use rowcol_core::entity::{CreditCardPayment, Item, JournalEntry, Posting, Segment, TaxPayment, Transfer};
use rust_decimal::Decimal;

use super::fields::{MapCtx, Reason, Row};

/// A journal entry; its total is the sum of its debit lines, whatever
/// `TotalAmt` says (QBO's reference says it is always zero, its schema
/// that it is computed: neither is relied on). Debits must equal credits.
pub(crate) fn journal_entry(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<JournalEntry, Reason> {
    let (mut txn, currency) = row.txn_with_total(ctx, None)?;
    let side = |posting: Posting| -> Decimal {
        txn.lines
            .iter()
            .filter(|l| l.posting == Some(posting))
            .map(|l| l.amount.amount())
            .sum()
    };
    let (debits, credits) = (side(Posting::Debit), side(Posting::Credit));
    if debits != credits {
        return Err(format!("journal entry debits {debits} do not equal credits {credits}"));
    }
    if let Some(line) = txn.lines.iter().find(|l| l.posting.is_some() && l.account.is_none()) {
        return Err(format!(
            "a journal line of {} names no account (JournalEntryLineDetail.AccountRef)",
            line.amount.amount()
        ));
    }
    txn.total = Money::new(debits, currency);
    Ok(JournalEntry {
        meta: row.meta(ctx)?,
        adjustment: row.flag("Adjustment", false)?,
        txn,
    })
}

pub(crate) fn transfer(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Transfer, Reason> {
    let (txn, _) = row.txn_totalled(ctx, "Amount")?;
    Ok(Transfer {
        meta: row.meta(ctx)?,
        from: row.reference("FromAccountRef")?,
        to: row.reference("ToAccountRef")?,
        txn,
    })
}

pub(crate) fn credit_card_payment(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<CreditCardPayment, Reason> {
    let (txn, _) = row.txn_totalled(ctx, "Amount")?;
    Ok(CreditCardPayment {
        meta: row.meta(ctx)?,
        card_account: row.reference("CreditCardAccountRef")?,
        bank_account: row.reference("BankAccountRef")?,
        vendor: row.reference("VendorRef")?,
        txn,
    })
}

pub(crate) fn tax_payment(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<TaxPayment, Reason> {
    let (txn, _) = row.txn_totalled(ctx, "PaymentAmount")?;
    Ok(TaxPayment {
        meta: row.meta(ctx)?,
        paid_from: row.reference("PaymentAccountRef")?,
        refund: row.flag("Refund", false)?,
        txn,
    })
}

pub(crate) fn item(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Item, Reason> {
    Ok(Item {
        meta: row.meta(ctx)?,
        name: row.required_text("Name")?,
        fully_qualified_name: row.text("FullyQualifiedName"),
        item_type: row.text("Type"),
        income_account: row.reference("IncomeAccountRef")?,
        expense_account: row.reference("ExpenseAccountRef")?,
        active: row.flag("Active", true)?,
    })
}

/// A class or a department: the same shape.
pub(crate) fn segment(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Segment, Reason> {
    Ok(Segment {
        meta: row.meta(ctx)?,
        name: row.required_text("Name")?,
        fully_qualified_name: row.text("FullyQualifiedName"),
        parent: row.reference("ParentRef")?,
        active: row.flag("Active", true)?,
    })
}

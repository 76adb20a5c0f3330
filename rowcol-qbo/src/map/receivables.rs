//! Money coming in: invoices, customer payments, deposits, cash sales,
//! refunds and credit memos.

use rowcol_core::Money;
use rowcol_core::entity::{CreditMemo, Deposit, EmailStatus, Invoice, Payment, RefundReceipt, SalesReceipt};

use super::fields::{MapCtx, Reason, Row};

fn email_status(text: Option<String>) -> Result<EmailStatus, Reason> {
    match text.as_deref() {
        None | Some("NotSet") => Ok(EmailStatus::NotSet),
        Some("NeedToSend") => Ok(EmailStatus::NeedToSend),
        Some("EmailSent") => Ok(EmailStatus::EmailSent),
        Some(other) => Err(format!("EmailStatus {other:?} is unknown")),
    }
}

pub(crate) fn invoice(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Invoice, Reason> {
    let (txn, currency) = row.txn(ctx)?;
    Ok(Invoice {
        meta: row.meta(ctx)?,
        customer: row.reference("CustomerRef")?,
        due_date: row.date("DueDate")?,
        terms: row.reference("SalesTermRef")?,
        balance: row.money_or_zero("Balance", currency)?,
        email_status: email_status(row.text("EmailStatus"))?,
        bill_email: row
            .path(&["BillEmail", "Address"])
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        linked: row.links()?,
        txn,
    })
}

pub(crate) fn payment(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Payment, Reason> {
    let (txn, currency) = row.txn(ctx)?;
    Ok(Payment {
        meta: row.meta(ctx)?,
        customer: row.reference("CustomerRef")?,
        unapplied: row.money_or_zero("UnappliedAmt", currency)?,
        deposit_to: row.reference("DepositToAccountRef")?,
        applied_to: row.line_links(currency)?,
        txn,
    })
}

pub(crate) fn deposit(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Deposit, Reason> {
    let (txn, currency) = row.txn(ctx)?;
    Ok(Deposit {
        meta: row.meta(ctx)?,
        deposit_to: row.reference("DepositToAccountRef")?,
        linked: row.line_links(currency)?,
        cash_back: match row.get("CashBack") {
            Some(cash_back) => Row(cash_back).amount("Amount")?.map(|a| Money::new(a, currency)),
            None => None,
        },
        txn,
    })
}

pub(crate) fn sales_receipt(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<SalesReceipt, Reason> {
    let (txn, _) = row.txn(ctx)?;
    Ok(SalesReceipt {
        meta: row.meta(ctx)?,
        customer: row.reference("CustomerRef")?,
        deposit_to: row.reference("DepositToAccountRef")?,
        txn,
    })
}

pub(crate) fn refund_receipt(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<RefundReceipt, Reason> {
    let (txn, _) = row.txn(ctx)?;
    Ok(RefundReceipt {
        meta: row.meta(ctx)?,
        customer: row.reference("CustomerRef")?,
        paid_from: row.reference("DepositToAccountRef")?,
        txn,
    })
}

pub(crate) fn credit_memo(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<CreditMemo, Reason> {
    let (txn, currency) = row.txn(ctx)?;
    Ok(CreditMemo {
        meta: row.meta(ctx)?,
        customer: row.reference("CustomerRef")?,
        remaining_credit: row.money_or_zero("RemainingCredit", currency)?,
        txn,
    })
}

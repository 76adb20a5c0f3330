//! Money going out: bills, bill payments, purchases, vendor credits.

use rowcol_core::entity::{Bill, BillPayment, PaymentMethod, Purchase, VendorCredit};

use super::fields::{MapCtx, Reason, Row};

fn method(text: Option<String>) -> PaymentMethod {
    match text.as_deref() {
        Some("Cash") => PaymentMethod::Cash,
        Some("Check") => PaymentMethod::Check,
        Some("CreditCard") => PaymentMethod::CreditCard,
        _ => PaymentMethod::Other,
    }
}

pub(crate) fn bill(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Bill, Reason> {
    let (txn, currency) = row.txn(ctx)?;
    Ok(Bill {
        meta: row.meta(ctx)?,
        vendor: row.reference("VendorRef")?,
        ap_account: row.reference("APAccountRef")?,
        due_date: row.date("DueDate")?,
        terms: row.reference("SalesTermRef")?,
        balance: row.money_or_zero("Balance", currency)?,
        linked: row.links()?,
        txn,
    })
}

pub(crate) fn bill_payment(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<BillPayment, Reason> {
    let (txn, currency) = row.txn(ctx)?;
    let paid_from = if let Some(check) = row.get("CheckPayment") {
        Row(check).reference("BankAccountRef")?
    } else if let Some(card) = row.get("CreditCardPayment") {
        Row(card).reference("CCAccountRef")?
    } else {
        None
    };
    Ok(BillPayment {
        meta: row.meta(ctx)?,
        vendor: row.reference("VendorRef")?,
        method: method(row.text("PayType")),
        paid_from,
        applied_to: row.line_links(currency)?,
        txn,
    })
}

pub(crate) fn purchase(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Purchase, Reason> {
    let (txn, _) = row.txn(ctx)?;
    Ok(Purchase {
        meta: row.meta(ctx)?,
        method: method(row.text("PaymentType")),
        paid_from: row.reference("AccountRef")?,
        payee: row.reference("EntityRef")?,
        credit: row.flag("Credit", false)?,
        txn,
    })
}

pub(crate) fn vendor_credit(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<VendorCredit, Reason> {
    let (txn, currency) = row.txn(ctx)?;
    Ok(VendorCredit {
        meta: row.meta(ctx)?,
        vendor: row.reference("VendorRef")?,
        // QBO documents Balance from minorversion 12 ("initially TotalAmt").
        balance: row.money_or_zero("Balance", currency)?,
        txn,
    })
}

//! Vendors and customers. Inactive ones are kept as inactive, never deleted.

use rowcol_core::entity::{Customer, Party, Vendor};

use super::fields::{MapCtx, Reason, Row};

fn party(row: Row<'_>, ctx: &MapCtx<'_>, terms_key: &str) -> Result<Party, Reason> {
    let currency = row.currency(ctx)?;
    Ok(Party {
        meta: row.meta(ctx)?,
        display_name: row.required_text("DisplayName")?,
        company_name: row.text("CompanyName"),
        active: row.flag("Active", true)?,
        balance: row.money_or_zero("Balance", currency)?,
        email: row
            .path(&["PrimaryEmailAddr", "Address"])
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        terms: row.reference(terms_key)?,
    })
}

pub(crate) fn vendor(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Vendor, Reason> {
    Ok(Vendor {
        party: party(row, ctx, "TermRef")?,
        is_1099: row.flag("Vendor1099", false)?,
    })
}

pub(crate) fn customer(row: Row<'_>, ctx: &MapCtx<'_>) -> Result<Customer, Reason> {
    Ok(Customer {
        party: party(row, ctx, "SalesTermRef")?,
    })
}
